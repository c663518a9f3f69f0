//! Running checks: the Docker connection and, later, sandboxed check containers.

pub mod docker;
