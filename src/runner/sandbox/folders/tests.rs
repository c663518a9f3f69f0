use super::*;

#[tokio::test]
async fn leftovers_are_removed_whatever_their_modes() {
    let work = tempfile::tempdir().unwrap();
    let run = work.path().join("inloop-check-crashed");
    fs::create_dir_all(run.join("input/private/deeper")).unwrap();
    fs::write(run.join("input/private/deeper/file"), "x").unwrap();
    for (path, mode) in [
        ("input/private/deeper", 0o000),
        ("input/private", 0o000),
        ("input", 0o500),
    ] {
        fs::set_permissions(run.join(path), Permissions::from_mode(mode)).unwrap();
    }
    fs::write(work.path().join("stray"), "x").unwrap();

    assert_eq!(remove_leftovers(work.path()).await.unwrap(), 2);
    assert_eq!(fs::read_dir(work.path()).unwrap().count(), 0);
    assert_eq!(
        remove_leftovers(&work.path().join("missing"))
            .await
            .unwrap(),
        0
    );
}
