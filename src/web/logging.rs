//! One log line per request (method, route, status and duration), counted in the metrics too.

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};

use crate::metrics::METRICS;

/// The fairing writing the request log.
pub struct RequestLog;

/// When the request came and the id its log line and `X-Request-Id` answer carry.
#[derive(Clone, Copy)]
struct Started(Instant, u64);

impl Started {
    fn now() -> Self {
        Self(Instant::now(), rand::random())
    }
}

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "Request log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        request.local_cache(Started::now);
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let started = *request.local_cache(Started::now);
        let (took, id) = (started.0.elapsed(), format!("{:016x}", started.1));
        response.set_raw_header("X-Request-Id", id.clone());
        let route = logged_route(request);
        let (method, status) = (request.method().as_str(), response.status().code);
        tracing::info!(
            target: "inloop::request",
            request_id = %id,
            method,
            route = %route,
            status,
            millis = took.as_millis(),
        );
        // Unrouted requests (scanners) share one series instead of one per path.
        let series = if request.route().is_some() {
            route.as_str()
        } else {
            "(no route)"
        };
        METRICS.request(method, series, status, took);
    }
}

/// The route that answered (`/account/activate/<key>`), never the raw path or query: both may
/// carry activation and reset tokens. Unrouted requests show only their first segment.
fn logged_route(request: &Request<'_>) -> String {
    if let Some(route) = request.route() {
        return route.uri.path().to_string();
    }
    let first = request
        .uri()
        .path()
        .segments()
        .next()
        .unwrap_or_default()
        .to_owned();
    format!("/{first}/… (no route)")
}
