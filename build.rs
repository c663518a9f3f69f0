//! Embeds new migrations on change, and stops a build that lacks the front-end libraries.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=public/vendor");
    println!("cargo:rerun-if-changed=public/vendor.list");
    let list = std::fs::read_to_string("public/vendor.list").expect("public/vendor.list");
    let missing: Vec<_> = list
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_whitespace().nth(1))
        .filter(|file| !Path::new("public/vendor").join(file).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "front-end libraries missing from public/vendor ({missing:?}): run `just assets` (npm ci) first"
    );
}
