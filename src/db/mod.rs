//! The database: one pool over SQLite or PostgreSQL, chosen by the URL scheme at startup.

mod ids;
mod pool;
mod timestamp;
mod wait;

pub use ids::{TaskId, UserId};
pub use pool::{Db, DbError, DbPool};
pub use timestamp::Timestamp;

/// `on_pool!(db, |pool| body)` runs `body` with `pool` bound to the backend's own pool type, so
/// that a query written once with `$1..$n` placeholders runs on either backend. The body is
/// compiled once per backend.
#[macro_export]
macro_rules! on_pool {
    ($pool:expr, |$inner:ident| $body:expr) => {
        match $pool {
            $crate::db::DbPool::Sqlite($inner) => $body,
            $crate::db::DbPool::Postgres($inner) => $body,
        }
    };
}
