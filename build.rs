//! Embeds new migrations on change, and stops a build that lacks the front-end libraries.

use std::path::Path;

/// Files that `just assets` copies from npm into `public/vendor/`.
const VENDORED: &[&str] = &[
    "htmx.min.js",
    "htmx-ext-sse.min.js",
    "highlight.min.js",
    "highlight-light.min.css",
    "highlight-dark.min.css",
];

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=public/vendor");
    let missing: Vec<_> = VENDORED
        .iter()
        .filter(|file| !Path::new("public/vendor").join(file).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "front-end libraries missing from public/vendor ({missing:?}): run `just assets` (npm ci) first"
    );
}
