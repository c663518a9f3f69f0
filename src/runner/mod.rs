//! Running checks: the Docker connection, sandboxed check containers, their reports and verdicts.

pub mod docker;
pub mod junit;
pub mod sandbox;
pub mod tarball;
pub mod text;
pub mod verdict;
