use std::os::unix::fs::symlink;

use super::*;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().mode() & 0o7777
}

#[tokio::test]
async fn the_input_copy_is_readable_by_all_and_holds_no_links() {
    let submitted = tempfile::tempdir().unwrap();
    fs::set_permissions(submitted.path(), Permissions::from_mode(0o700)).unwrap();
    fs::write(submitted.path().join("Solution.java"), "class Solution {}").unwrap();
    fs::set_permissions(
        submitted.path().join("Solution.java"),
        Permissions::from_mode(0o600),
    )
    .unwrap();
    fs::create_dir(submitted.path().join("lib")).unwrap();
    fs::write(submitted.path().join("lib/run.sh"), "#!/bin/sh").unwrap();
    fs::set_permissions(
        submitted.path().join("lib/run.sh"),
        Permissions::from_mode(0o700),
    )
    .unwrap();
    symlink("/etc/passwd", submitted.path().join("passwd")).unwrap();

    let folders = RunFolders::prepare(submitted.path(), &std::env::temp_dir())
        .await
        .unwrap();

    assert_eq!(mode(folders.root.path()), 0o700);
    assert_eq!(mode(folders.input()), 0o755);
    assert_eq!(mode(&folders.input().join("Solution.java")), 0o644);
    assert_eq!(mode(&folders.input().join("lib")), 0o755);
    assert_eq!(mode(&folders.input().join("lib/run.sh")), 0o755);
    assert!(!folders.input().join("passwd").exists());
    assert_eq!(
        fs::read_to_string(folders.input().join("Solution.java")).unwrap(),
        "class Solution {}"
    );

    let root = folders.root.path().to_owned();
    folders.remove().await;
    assert!(!root.exists());
}

#[tokio::test]
async fn a_missing_input_folder_is_a_host_error() {
    let missing = Path::new("/nonexistent/inloop-input");
    let error = RunFolders::prepare(missing, &std::env::temp_dir())
        .await
        .err()
        .unwrap();
    assert!(matches!(
        error,
        SandboxError::Host {
            action: "copying the submitted files",
            ..
        }
    ));
}

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
