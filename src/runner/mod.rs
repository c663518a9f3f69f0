//! Running checks: the Docker connection, sandboxed check containers, their reports.

pub mod docker;
pub mod junit;
pub mod sandbox;
