//! Solutions over real HTTP with real checks: submitting, the queue, results, staff operations.

mod checks;
mod docker_proxy;
mod hostile_output;
pub(crate) mod lifecycle;
mod list_live;
mod live;
mod live_redis;
mod metrics;
mod no_stats;
mod on_demand;
mod queue_live;
mod registry;
mod regrade;
mod resilience;
mod resources;
mod restart;
mod retention;
mod rolling;
mod second_daemon;
mod sse;
mod submitting;
pub(crate) mod support;
mod takeover;
mod two_hosts;
