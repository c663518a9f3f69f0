//! What the account forms (log-in, sign-up, password reset) take from the request: the shared
//! state they use, and who asks from where.

use rocket::Request;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket_db_pools::Database;

use super::limits::Limits;
use super::mail::Mailer;
use crate::config::Config;
use crate::db::Db;
use crate::settings::Settings;
use crate::web::{ClientIp, Origin};

/// The account desk: database, configuration, runtime settings, mailer and rate limits, with
/// the request's public origin (links in mails, secure cookies) and client address (limits).
pub(super) struct Desk<'r> {
    pub db: &'r Db,
    pub config: &'r Config,
    pub settings: &'r Settings,
    pub mailer: &'r Mailer,
    pub limits: &'r Limits,
    pub origin: Origin,
    pub ip: ClientIp,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Desk<'r> {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        // A request that names no host has no origin to build links from.
        let Some(origin) = Origin::of(request) else {
            return Outcome::Forward(Status::BadRequest);
        };
        let rocket = request.rocket();
        let desk = (|| {
            Some(Desk {
                db: Db::fetch(rocket)?,
                config: rocket.state()?,
                settings: rocket.state()?,
                mailer: rocket.state()?,
                limits: rocket.state()?,
                origin,
                ip: ClientIp::of(request),
            })
        })();
        desk.map_or(
            Outcome::Error((Status::InternalServerError, ())),
            Outcome::Success,
        )
    }
}
