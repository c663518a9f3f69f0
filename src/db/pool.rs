//! The pool enum, its `rocket_db_pools` integration, and migrations.

use std::str::FromStr;
use std::time::Duration;

use rocket::figment::Figment;
use rocket_db_pools::Database;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::Backend;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A connection pool of either backend; cloning shares the pool.
#[derive(Clone, Debug)]
pub enum DbPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database as Rocket state and request guard (`&Db`).
#[derive(Database)]
#[database("inloop")]
pub struct Db(pub DbPool);

/// Failure to open, migrate or use the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Query(#[from] sqlx::Error),
}

impl DbPool {
    /// Opens the database the URL names. SQLite files (and their folder) are created on demand,
    /// in WAL mode with a busy timeout so that the web server and the workers can share them.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(DbError::Connect)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true);
                if let Some(folder) = options
                    .get_filename()
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(folder).map_err(|source| DbError::DataDir {
                        path: folder.display().to_string(),
                        source,
                    })?;
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(DbError::Connect)?;
                Ok(Self::Sqlite(pool))
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .map_err(DbError::Connect)?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Applies the embedded migrations of the pool's backend.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Self::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// The newest migration this binary knows for `backend`: a database (or a backup) migrated
    /// further was made by a newer INLOOP.
    #[must_use]
    pub fn known_migration(backend: Backend) -> i64 {
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The newest migration applied to this database; `None` when it has none (not INLOOP's).
    pub async fn applied_migration(&self) -> Result<Option<i64>, DbError> {
        if self.tables(Some("_sqlx_migrations")).await? == 0 {
            return Ok(None);
        }
        let sql = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";
        let version: Option<i64> =
            crate::on_pool!(self, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(version)
    }

    /// Whether the database holds no table at all (a fresh one, before any migration).
    pub async fn is_empty(&self) -> Result<bool, DbError> {
        Ok(self.tables(None).await? == 0)
    }

    /// How many tables of ours there are, or whether the one named exists.
    async fn tables(&self, named: Option<&str>) -> Result<i64, DbError> {
        // Each backend lists its tables in its own catalogue.
        let sql = match self {
            Self::Sqlite(_) => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' AND ($1 IS NULL OR name = $1)"
            }
            Self::Postgres(_) => {
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()
                 AND ($1::text IS NULL OR tablename = $1)"
            }
        };
        let count = crate::on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(named)
            .fetch_one(pool)
            .await)?;
        Ok(count)
    }

    /// Closes every connection once it is back in the pool: after the server and workers
    /// stopped, or before a SQLite file is replaced.
    pub async fn close(&self) {
        crate::on_pool!(self, |pool| pool.close().await);
    }

    /// Answers a trivial query, for `/readyz`.
    pub async fn ping(&self) -> Result<(), DbError> {
        crate::on_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(drop)?);
        Ok(())
    }

    /// Open connections and how many of them are idle.
    #[must_use]
    pub fn connections(&self) -> (u32, u32) {
        match self {
            Self::Sqlite(pool) => (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            ),
            Self::Postgres(pool) => (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            ),
        }
    }

    /// The backend of this pool.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// A connection checked out of either pool.
pub enum DbConnection {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

#[rocket::async_trait]
impl rocket_db_pools::Pool for DbPool {
    type Connection = DbConnection;
    type Error = DbError;

    async fn init(figment: &Figment) -> Result<Self, Self::Error> {
        let config: rocket_db_pools::Config = figment
            .extract()
            .map_err(|e| DbError::Connect(sqlx::Error::Configuration(e.into())))?;
        let max = u32::try_from(config.max_connections).unwrap_or(u32::MAX);
        let pool = Self::connect(&config.url, max).await?;
        pool.migrate().await?;
        Ok(pool)
    }

    async fn get(&self) -> Result<Self::Connection, Self::Error> {
        Ok(match self {
            Self::Sqlite(pool) => DbConnection::Sqlite(pool.acquire().await?),
            Self::Postgres(pool) => DbConnection::Postgres(pool.acquire().await?),
        })
    }

    /// Nothing: Rocket calls this as soon as shutdown begins, while requests in flight still
    /// finish within its grace and need the database (an upload would fail with "pool closed").
    /// `inloop serve` closes the pool once the server stopped ([`DbPool::close`]).
    async fn close(&self) {}
}
