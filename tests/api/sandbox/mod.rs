//! The check sandbox against the real Docker daemon: every verdict, and every wall of the sandbox.
//!
//! Needs Docker and the local images `inloop-test/busybox:1` and `inloop-test/java:1`
//! (`just images`); the test images built from them are tagged by content and reused.

mod disk;
mod files;
mod isolation;
mod java;
mod limits;
mod support;
mod usage;
mod users;
