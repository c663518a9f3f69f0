use std::os::unix::fs::symlink;
use std::os::unix::net::UnixListener;

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

    let folders = RunFolders::prepare(submitted.path()).await.unwrap();

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
    assert_eq!(mode(folders.storage()), 0o1777);

    let root = folders.root.path().to_owned();
    folders.remove().await;
    assert!(!root.exists());
}

#[tokio::test]
async fn a_missing_input_folder_is_a_host_error() {
    let missing = Path::new("/nonexistent/inloop-input");
    let error = RunFolders::prepare(missing).await.err().unwrap();
    assert!(matches!(
        error,
        SandboxError::Host {
            action: "copying the submitted files",
            ..
        }
    ));
}

#[test]
fn only_regular_files_are_collected_sorted_and_capped() {
    let storage = tempfile::tempdir().unwrap();
    let path = storage.path();
    fs::write(path.join("b.txt"), "b").unwrap();
    fs::write(path.join("a.txt"), "a").unwrap();
    fs::write(path.join("c.txt"), "0123456789").unwrap();
    fs::write(path.join("d.txt"), "d").unwrap();
    symlink("/etc/passwd", path.join("0-passwd")).unwrap();
    fs::create_dir(path.join("0-folder")).unwrap();
    let _socket = UnixListener::bind(path.join("0-socket")).unwrap();

    let files = collect(path, 3, 4).unwrap();

    let names: Vec<_> = files.iter().map(|file| file.name.as_str()).collect();
    assert_eq!(names, ["a.txt", "b.txt", "c.txt"]);
    assert_eq!(files[0].bytes, b"a");
    assert!(!files[0].truncated);
    assert_eq!(files[2].bytes, b"0123");
    assert!(files[2].truncated);
}

#[test]
fn a_file_exactly_at_the_limit_is_whole() {
    let storage = tempfile::tempdir().unwrap();
    fs::write(storage.path().join("exact"), "0123").unwrap();
    let files = collect(storage.path(), 10, 4).unwrap();
    assert_eq!(files[0].bytes, b"0123");
    assert!(!files[0].truncated);
}

#[test]
fn disk_usage_counts_nested_files_and_every_entry() {
    let storage = tempfile::tempdir().unwrap();
    let path = storage.path();
    fs::create_dir(path.join("nested")).unwrap();
    fs::write(path.join("nested/data"), vec![1_u8; 64 * 1024]).unwrap();
    assert!(disk_usage_exceeds(path, 32 * 1024));
    assert!(!disk_usage_exceeds(path, 1024 * 1024));

    let empty_files = tempfile::tempdir().unwrap();
    for index in 0..100 {
        fs::write(empty_files.path().join(index.to_string()), "").unwrap();
    }
    assert!(disk_usage_exceeds(empty_files.path(), 99 * ENTRY_BYTES));
}
