//! Solutions over real HTTP with real checks: submitting, the queue, results, staff operations.

mod checks;
#[path = "../common/mod.rs"]
mod common;
mod submitting;
mod support;
