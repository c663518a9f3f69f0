//! One log line per request: method, route, status and duration.

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};

/// The fairing writing the request log.
pub struct RequestLog;

#[derive(Clone, Copy)]
struct Started(Instant);

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "Request log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        request.local_cache(|| Started(Instant::now()));
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let started = request.local_cache(|| Started(Instant::now())).0;
        tracing::info!(
            target: "inloop::request",
            method = %request.method(),
            route = %logged_route(request),
            status = response.status().code,
            millis = started.elapsed().as_millis(),
        );
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
