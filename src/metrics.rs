//! The process's metrics in Prometheus' text format (`/metrics`, see `web::metrics_route`).
//!
//! One registry per process: the modules that see something happen record it here (requests,
//! streams, checks, imports, container starts); numbers that live in the database (queue depth,
//! worker instances) are refreshed by the solutions stage every few seconds; pool sizes are read
//! when scraped.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VerdictLabels {
    pub verdict: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LaneLabels {
    pub lane: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub pool: String,
    pub state: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Seconds from 1 ms to about 16 s (requests).
fn request_seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Seconds from 50 ms to about 30 min (checks, queue waits).
fn check_seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 16))
}

/// Every metric INLOOP exports.
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<RequestLabels, Counter>,
    pub http_duration: Histograms<RouteLabels>,
    pub event_streams: Gauge,
    pub queue_depth: Family<LaneLabels, Gauge>,
    pub checks: Family<VerdictLabels, Counter>,
    pub check_duration: Histogram,
    pub queue_wait: Histogram,
    pub container_start: Histogram,
    pub imports: Family<OutcomeLabels, Counter>,
    pub pool_connections: Family<PoolLabels, Gauge>,
    pub worker_instances: Gauge,
    pub workers: Gauge,
    pub redis_connected: Gauge,
}

impl Metrics {
    fn new() -> Self {
        let metrics = Self {
            registry: Registry::with_prefix("inloop"),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(request_seconds),
            event_streams: Gauge::default(),
            queue_depth: Family::default(),
            checks: Family::default(),
            check_duration: check_seconds(),
            queue_wait: check_seconds(),
            container_start: Histogram::new(exponential_buckets(0.01, 2.0, 12)),
            imports: Family::default(),
            pool_connections: Family::default(),
            worker_instances: Gauge::default(),
            workers: Gauge::default(),
            redis_connected: Gauge::default(),
        };
        // Both outcomes start at zero, so rates work before the first failure.
        for outcome in ["succeeded", "failed"] {
            metrics
                .imports
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.to_owned(),
                })
                .inc_by(0);
        }
        metrics.registered()
    }

    fn registered(mut self) -> Self {
        let registry = &mut self.registry;
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            self.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (the head; event streams stay open longer)",
            self.http_duration.clone(),
        );
        registry.register(
            "event_streams_open",
            "Event streams (live result and list pages) open on this instance",
            self.event_streams.clone(),
        );
        registry.register(
            "queue_depth",
            "Checks waiting for a worker, by lane (0 students, 1 staff re-runs)",
            self.queue_depth.clone(),
        );
        registry.register(
            "checks",
            "Checks this instance finished, by verdict",
            self.checks.clone(),
        );
        registry.register(
            "check_duration_seconds",
            "How long a check's container ran",
            self.check_duration.clone(),
        );
        registry.register(
            "queue_wait_seconds",
            "Time from a check being queued to a worker claiming it",
            self.queue_wait.clone(),
        );
        registry.register(
            "container_start_seconds",
            "Time from a check's first Docker call to its container running",
            self.container_start.clone(),
        );
        registry.register(
            "imports",
            "Import runs this instance ended, by outcome",
            self.imports.clone(),
        );
        registry.register(
            "pool_connections",
            "Database connections of this instance's pools, by pool and state",
            self.pool_connections.clone(),
        );
        registry.register(
            "worker_instances",
            "Instances running check workers whose heartbeat is fresh",
            self.worker_instances.clone(),
        );
        registry.register(
            "workers",
            "Check workers of all live instances",
            self.workers.clone(),
        );
        registry.register(
            "redis_connected",
            "1 when this instance's event bus is connected to Redis (0 without or when down)",
            self.redis_connected.clone(),
        );
        self
    }

    /// The registry in Prometheus' text exposition format.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Records an answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.http_requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// Records a finished check.
    pub fn check(&self, verdict: &str, ran: Duration) {
        self.checks
            .get_or_create(&VerdictLabels {
                verdict: verdict.to_owned(),
            })
            .inc();
        self.check_duration.observe(ran.as_secs_f64());
    }

    /// Records an ended import run.
    pub fn import(&self, succeeded: bool) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.imports
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}

/// This process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_exported_with_its_help() {
        let metrics = Metrics::new();
        metrics.request("GET", "/tasks", 200, Duration::from_millis(3));
        metrics.check("passed", Duration::from_secs(2));
        metrics.import(true);
        let text = metrics.encode();
        for family in [
            "inloop_http_requests_total{method=\"GET\",route=\"/tasks\",status=\"200\"} 1",
            "inloop_http_request_duration_seconds_bucket",
            "inloop_event_streams_open",
            "inloop_checks_total{verdict=\"passed\"} 1",
            "inloop_check_duration_seconds_count 1",
            "inloop_queue_wait_seconds",
            "inloop_container_start_seconds",
            "inloop_imports_total{outcome=\"succeeded\"} 1",
            "inloop_worker_instances",
            "inloop_redis_connected",
        ] {
            assert!(text.contains(family), "{family} missing from\n{text}");
        }
    }
}
