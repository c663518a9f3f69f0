//! `POST /gitload/webhook_handler/`: GitHub push deliveries start an import (signed
//! with `GITHUB_SECRET`: `X-Hub-Signature-256`, or the legacy `X-Hub-Signature`).

use std::convert::Infallible;

use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{State, post, routes};

use super::runs::Trigger;
use super::signature;
use super::worker::Doorbell;
use crate::config::Config;
use crate::db::Db;
use crate::settings;

/// Largest delivery accepted (GitHub caps payloads at 25 MB, but pushes are small).
const BODY_LIMIT_MIB: u64 = 1;

/// The delivery's headers: the event and its signatures.
pub struct Delivery {
    event: Option<String>,
    sha256: Option<String>,
    sha1: Option<String>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Delivery {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Infallible> {
        let header = |name: &str| request.headers().get_one(name).map(str::to_owned);
        Outcome::Success(Self {
            event: header("X-GitHub-Event"),
            sha256: header(signature::SHA256_HEADER),
            sha1: header(signature::SHA1_HEADER),
        })
    }
}

#[derive(serde::Deserialize)]
struct Push {
    #[serde(rename = "ref")]
    reference: String,
}

const IGNORED: &str = "Event ignored";

#[post("/gitload/webhook_handler", data = "<data>")]
async fn webhook(
    delivery: Delivery,
    data: Data<'_>,
    db: &Db,
    config: &State<Config>,
    doorbell: &State<Doorbell>,
) -> (Status, String) {
    if delivery.event.as_deref() != Some("push") {
        return (Status::Ok, IGNORED.into());
    }
    let body = match data.open(BODY_LIMIT_MIB.mebibytes()).into_bytes().await {
        Ok(body) if body.is_complete() => body.into_inner(),
        Ok(_) => return (Status::PayloadTooLarge, "Payload too large".into()),
        Err(_) => return (Status::BadRequest, "Unreadable body".into()),
    };
    let Some(secret) = &config.github_secret else {
        tracing::warn!("webhook push refused: GITHUB_SECRET is not set");
        return (Status::Forbidden, "No webhook secret configured".into());
    };
    if let Err(error) = signature::verify(
        secret.expose().as_bytes(),
        &body,
        delivery.sha256.as_deref(),
        delivery.sha1.as_deref(),
    ) {
        tracing::warn!("webhook push refused: {error}");
        return (Status::Forbidden, "Invalid signature".into());
    }
    let Ok(push) = serde_json::from_slice::<Push>(&body) else {
        return (Status::BadRequest, "Malformed payload".into());
    };
    let branch = match super::job::uncached(&settings::GIT_BRANCH, &db.0).await {
        Ok(branch) => branch,
        Err(error) => {
            tracing::error!(%error, "webhook: cannot read git_branch");
            return (Status::InternalServerError, "Try again later".into());
        }
    };
    if push.reference != format!("refs/heads/{}", branch.trim()) {
        return (Status::Ok, IGNORED.into());
    }
    match doorbell.request(&db.0, Trigger::Webhook).await {
        Ok(id) => (Status::Ok, format!("Import requested (run {id})")),
        Err(error) => {
            tracing::error!(%error, "webhook: cannot queue the import");
            (Status::InternalServerError, "Try again later".into())
        }
    }
}

/// The webhook route.
#[must_use]
pub fn routes() -> Vec<rocket::Route> {
    routes![webhook]
}
