//! `/metrics`: the process's metrics for Prometheus, for allowed networks or a bearer token.

use rocket::http::{ContentType, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{Request, Route, State, get, routes};
use subtle::ConstantTimeEq;

use super::ClientIp;
use crate::config::Config;
use crate::db::Db;
use crate::events::Bus;
use crate::metrics::{METRICS, PoolLabels};

/// A scraper allowed to read the metrics; others get 403.
struct Scraper;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Scraper {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let Some(config) = request.rocket().state::<Config>() else {
            return Outcome::Error((Status::InternalServerError, ()));
        };
        let presented = request
            .headers()
            .get_one("Authorization")
            .and_then(|value| value.strip_prefix("Bearer "));
        let token_matches = match (&config.metrics_token, presented) {
            (Some(token), Some(presented)) => {
                bool::from(token.expose().as_bytes().ct_eq(presented.trim().as_bytes()))
            }
            _ => false,
        };
        if token_matches || config.metrics_allowed(ClientIp::of(request).0) {
            Outcome::Success(Scraper)
        } else {
            Outcome::Error((Status::Forbidden, ()))
        }
    }
}

#[get("/metrics")]
async fn metrics(_scraper: Scraper, db: &Db, bus: &State<Bus>) -> (ContentType, String) {
    let (size, idle) = db.0.connections();
    for (state, count) in [("idle", idle), ("busy", size.saturating_sub(idle))] {
        METRICS
            .pool_connections
            .get_or_create(&PoolLabels {
                pool: "web".into(),
                state: state.into(),
            })
            .set(i64::from(count));
    }
    let redis = matches!(bus.ping().await, Some(Ok(())));
    METRICS.redis_connected.set(i64::from(redis));
    let text_format =
        ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")]);
    (text_format, METRICS.encode())
}

/// The metrics route.
pub fn routes() -> Vec<Route> {
    routes![metrics]
}
