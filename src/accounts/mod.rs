//! Accounts: users, sign-up and activation, login sessions, passwords, profiles, groups.

pub mod commands;
mod desk;
pub mod groups;
mod limits;
mod login;
pub mod mail;
pub mod password;
mod profile;
mod reset;
pub mod session_cache;
pub mod session_cookie;
pub mod sessions;
mod signup;
pub mod tokens;
pub mod users;

use std::time::Duration;

use rocket::fairing::AdHoc;
use rocket_db_pools::Database;

pub use limits::{Limits, TooMany, address_key};
pub use login::form as login_form;
pub use reset::send_link as send_reset_link;
pub use session_cache::SessionCache;
pub use session_cookie::{CurrentUser, Denied, MaybeUser, Staff, Superuser};
pub use users::User;

use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::events::Bus;

/// How long an account may stay unactivated before it is removed.
pub const ACTIVATION_PERIOD: time::Duration = time::Duration::days(7);

/// Routes, the mailer, the rate limits, the session cache, and the periodic clean-up.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::try_on_ignite("Accounts", |rocket| async {
        let config = rocket.state::<Config>().expect("config is managed");
        let mailer = match mail::Mailer::new(config) {
            Ok(mailer) => mailer,
            Err(error) => {
                tracing::error!("{error}");
                return Err(rocket);
            }
        };
        // The dummy hash (for logins of unknown users) is made once; not on an async thread.
        tokio::task::spawn_blocking(|| password::dummy_hash().len());
        let bus = rocket.state::<Bus>().expect("the event bus is managed");
        let sessions = SessionCache::new(bus, Duration::from_secs(config.session_cache_secs));
        let rocket = rocket
            .manage(mailer)
            .manage(sessions)
            .manage(Limits::default())
            .mount("/", login::routes())
            .mount("/", signup::routes())
            .mount("/", reset::routes())
            .mount("/", profile::routes())
            .attach(AdHoc::on_liftoff("Accounts clean-up", |rocket| {
                Box::pin(async move {
                    let db = Db::fetch(rocket).expect("database is attached").0.clone();
                    let limits = rocket
                        .state::<Limits>()
                        .expect("limits are managed")
                        .clone();
                    let lifetime = sessions::Lifetime::of(
                        rocket.state::<Config>().expect("config is managed"),
                    );
                    tokio::spawn(clean_up(db, limits, lifetime, rocket.shutdown()));
                })
            }));
        Ok(rocket)
    })
}

/// Every minute forgets old rate-limit entries; every hour, starting a minute after the start (so
/// that a server restarted in a loop does not hammer the database), removes expired sessions and
/// accounts never activated.
async fn clean_up(
    db: DbPool,
    limits: Limits,
    lifetime: sessions::Lifetime,
    shutdown: rocket::Shutdown,
) {
    let minute = Duration::from_mins(1);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + minute, minute);
    let mut minutes = 0u32;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.clone() => break,
        }
        limits.prune();
        minutes += 1;
        if minutes % 60 != 1 {
            continue;
        }
        match sessions::prune(&db, lifetime).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed expired sessions"),
            Err(error) => tracing::error!(%error, "pruning expired sessions failed"),
        }
        match users::prune_inactive(&db, Timestamp::now().plus(-ACTIVATION_PERIOD)).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed accounts never activated"),
            Err(error) => tracing::error!(%error, "pruning unactivated accounts failed"),
        }
    }
}
