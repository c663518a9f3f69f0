//! Waiting for the database at start-up: an instance started with (or before) its database, or
//! while PostgreSQL restarts, retries with backoff instead of failing at once (issue 16).

use std::time::Duration;

use tokio::time::Instant;

use super::{DbError, DbPool};
use crate::config::{Backend, redact_url};

/// The first pause between attempts; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
/// The longest pause between attempts, so a database that appears is found within seconds.
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

impl DbPool {
    /// [`DbPool::connect`], retried with exponential backoff for up to `patience` while the
    /// database cannot be reached, each failure logged with the database (password redacted)
    /// and the cause. A bad URL fails at once: waiting would not mend it.
    pub async fn connect_waiting(
        url: &str,
        max_connections: u32,
        patience: Duration,
    ) -> Result<Self, DbError> {
        let give_up = Instant::now() + patience;
        let mut pause = FIRST_PAUSE;
        loop {
            let attempt = match probe(url).await {
                Ok(()) => Self::connect(url, max_connections).await,
                Err(error) => Err(error),
            };
            let error = match attempt {
                Ok(pool) => {
                    if pause > FIRST_PAUSE {
                        tracing::info!(database = %redact_url(url), "the database is reachable");
                    }
                    return Ok(pool);
                }
                Err(error) if !worth_waiting(&error) => return Err(error),
                Err(error) => error,
            };
            let now = Instant::now();
            if now >= give_up {
                tracing::error!(
                    database = %redact_url(url),
                    "gave up waiting for the database after {} s",
                    patience.as_secs()
                );
                return Err(error);
            }
            tracing::warn!(
                database = %redact_url(url),
                retry_in_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                "waiting for the database: {error}"
            );
            tokio::time::sleep_until((now + pause).min(give_up)).await;
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }
}

/// One connection to a PostgreSQL server, for its own error: the pool retries a refused
/// connection quietly until its acquire timeout and then reports only that it timed out.
async fn probe(url: &str) -> Result<(), DbError> {
    use sqlx::Connection as _;
    if Backend::of_url(url)? == Backend::Postgres {
        let connection = sqlx::PgConnection::connect(url)
            .await
            .map_err(DbError::Connect)?;
        connection.close().await.map_err(DbError::Connect)?;
    }
    Ok(())
}

/// Whether the database may become reachable by itself: not for a malformed URL or options.
fn worth_waiting(error: &DbError) -> bool {
    match error {
        DbError::Config(_)
        | DbError::Connect(sqlx::Error::Configuration(_))
        | DbError::Migrate(_) => false,
        DbError::DataDir { .. } | DbError::Connect(_) | DbError::Query(_) => true,
    }
}
