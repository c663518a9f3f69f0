//! The effective configuration: `Rocket.toml`, `ROCKET_*`, `INLOOP_*` and the seed's variables.

mod comma_list;
mod display;
mod metrics_access;
mod secret;
mod validate;

use std::path::PathBuf;

use rocket::figment::providers::{Env, Format, Serialized, Toml};
use rocket::figment::{Figment, Profile};
use serde::{Deserialize, Serialize};

pub use secret::Secret;

/// The name under which the database pool is configured (`databases.inloop`).
pub const DATABASE_NAME: &str = "inloop";

/// Variables of the seed's deployment guide, read without prefix, and the key each one sets.
const SEED_VARIABLES: &[(&str, &str)] = &[
    ("ALLOWED_HOSTS", "allowed_hosts"),
    ("CACHE_URL", "cache_url"),
    ("DATABASE_URL", "database_url"),
    ("EMAIL_URL", "email_url"),
    ("FROM_EMAIL", "from_email"),
    ("GITHUB_SECRET", "github_secret"),
    ("REDIS_URL", "redis_url"),
    // Rocket's own `secret_key` wants 64 bytes in base64; ours is any long string, see `Secret`.
    ("SECRET_KEY", "app_secret_key"),
    ("TIME_ZONE", "time_zone"),
];

/// Everything INLOOP reads from its configuration, with defaults in code so that a binary
/// started in an empty directory (no `Rocket.toml`) behaves as documented there.
#[derive(Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    /// Uploads, the task repository and the default SQLite file live here.
    pub data_dir: PathBuf,
    /// `sqlite:` or `postgres:` URL; empty means `sqlite://<data_dir>/inloop.sqlite3`.
    pub database_url: Option<String>,
    /// Redis for the live event bus; none means an in-process channel.
    pub redis_url: Option<String>,
    /// Accepted for compatibility with the seed; INLOOP has no separate cache.
    pub cache_url: Option<String>,
    /// Signs and encrypts cookies and tokens.
    pub app_secret_key: Option<Secret>,
    /// Host names the app answers to; `.example.org` also allows subdomains, `*` allows all.
    #[serde(deserialize_with = "comma_list::deserialize")]
    pub allowed_hosts: Vec<String>,
    /// Sender address of outgoing mail.
    pub from_email: String,
    /// `smtp://user:pass@host:port` (or `smtps://`); none writes mails to the log.
    pub email_url: Option<Secret>,
    /// Webhook secret of the task repository.
    pub github_secret: Option<Secret>,
    /// Time zone of dates without offset and of dates shown to users.
    pub time_zone: String,
    /// Peers whose `X-Forwarded-*` headers are believed (the reverse proxy).
    #[serde(deserialize_with = "comma_list::deserialize")]
    pub trusted_proxies: Vec<String>,
    /// Maximum size of the database pool.
    pub database_pool_size: u32,
    /// Check workers in this process; 0 for a web-only instance.
    pub workers: u32,
    /// Private key (a deploy key) for fetching the task repository over SSH.
    pub git_ssh_key: Option<PathBuf>,
    /// `known_hosts` file for SSH task repositories; host keys are checked strictly.
    pub git_known_hosts: Option<PathBuf>,
    /// This instance's stable name in the check queue (`INLOOP_INSTANCE`); default host:port.
    pub instance: Option<String>,
    /// The Docker Engine (`INLOOP_DOCKER_HOST`: `unix:///path` or `tcp://host:port`); default
    /// `DOCKER_HOST`, else the local socket.
    pub docker_host: Option<String>,
    /// A folder with `ca.pem`, `cert.pem` and `key.pem` (`INLOOP_DOCKER_CERT_PATH`): a `tcp://`
    /// Docker host is then reached over TLS, the server checked against `ca.pem` and this client
    /// known by its certificate (Docker's `--tlsverify`).
    pub docker_cert_path: Option<PathBuf>,
    /// An image registry for checker images (`INLOOP_REGISTRY`, e.g. `registry:5000/inloop`): the
    /// import pushes the image there, and a check host lacking it pulls it instead of building.
    pub registry: Option<String>,
    /// Seconds between heartbeats on idle event streams, so proxies keep them open.
    pub sse_heartbeat_secs: u64,
    /// The image the import runs the task repository's `make` in (`INLOOP_MAKE_IMAGE`).
    pub make_image: String,
    /// Seconds a running check's heartbeat may be silent before any instance queues it again
    /// (`INLOOP_CHECK_STALE_SECS`); also the age before an orphaned check container is removed.
    pub check_stale_secs: u64,
    /// Event streams one user may have open at once (each open result or list page holds one).
    pub sse_max_streams_per_user: usize,
    /// Minutes a login session lasts without any request.
    pub session_idle_minutes: u64,
    /// Days a login session lasts at most, however active (the cookie's `Max-Age`).
    pub session_max_days: u64,
    /// Seconds a session read from the database is believed without reading it again
    /// (`INLOOP_SESSION_CACHE_SECS`; 0: read on every request). Changes are announced to every
    /// instance at once; this bounds a change whose announcement Redis dropped.
    pub session_cache_secs: u64,
    /// Networks (or single addresses) whose clients may read `/metrics` (`INLOOP_METRICS_ALLOW`).
    #[serde(deserialize_with = "comma_list::deserialize")]
    pub metrics_allow: Vec<String>,
    /// A bearer token that opens `/metrics` from anywhere (`INLOOP_METRICS_TOKEN`).
    pub metrics_token: Option<Secret>,
    /// Seconds running checks get to finish after SIGTERM before they are handed back to the
    /// queue (`INLOOP_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace_secs: u64,
    /// Seconds start-up waits for an unreachable database before giving up
    /// (`INLOOP_DB_WAIT_SECS`).
    pub db_wait_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            redis_url: None,
            cache_url: None,
            app_secret_key: None,
            allowed_hosts: ["localhost", "127.0.0.1", "[::1]"]
                .map(String::from)
                .to_vec(),
            from_email: "INLOOP <inloop@localhost>".into(),
            email_url: None,
            github_secret: None,
            time_zone: "Europe/Berlin".into(),
            trusted_proxies: Vec::new(),
            metrics_allow: ["127.0.0.1/32", "::1/128"].map(String::from).to_vec(),
            metrics_token: None,
            database_pool_size: 16,
            workers: 2,
            git_ssh_key: None,
            git_known_hosts: None,
            instance: None,
            docker_host: None,
            docker_cert_path: None,
            registry: None,
            sse_heartbeat_secs: 15,
            make_image: "inloop-make:1".into(),
            check_stale_secs: 30,
            sse_max_streams_per_user: 20,
            session_idle_minutes: 1440,
            session_max_days: 14,
            session_cache_secs: 10,
            shutdown_grace_secs: 30,
            db_wait_secs: 60,
        }
    }
}

/// A configuration problem, naming the setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Figment(#[from] Box<rocket::figment::Error>),
    #[error("{variable}: {reason}")]
    Invalid {
        variable: &'static str,
        reason: String,
    },
}

fn invalid(variable: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        variable,
        reason: reason.into(),
    }
}

/// The database backends INLOOP runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, by its scheme.
    pub fn of_url(url: &str) -> Result<Self, ConfigError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .ok_or_else(|| {
                invalid(
                    "DATABASE_URL",
                    format!("{:?} is not a URL", redact_url(url)),
                )
            })?;
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => {
                url::Url::parse(url).map_err(|e| invalid("DATABASE_URL", e.to_string()))?;
                Ok(Self::Postgres)
            }
            other => Err(invalid(
                "DATABASE_URL",
                format!("unknown scheme {other:?} (expected sqlite: or postgres:)"),
            )),
        }
    }
}

impl Config {
    /// The layered sources: code defaults, `Rocket.toml`, `ROCKET_*`, the seed's variables,
    /// `INLOOP_*`, later ones winning.
    #[must_use]
    pub fn figment() -> Figment {
        let seed = Env::raw()
            .filter_map(|key| {
                SEED_VARIABLES
                    .iter()
                    .find(|(variable, _)| key == *variable)
                    .map(|(_, setting)| (*setting).into())
            })
            .global();
        Figment::from(rocket::Config::default())
            // Rocket trusts `X-Real-IP` from anyone by default; we trust only `trusted_proxies`.
            .merge(Serialized::default("ip_header", false))
            .merge(Serialized::defaults(Config::default()))
            .merge(Toml::file(Env::var_or("ROCKET_CONFIG", "Rocket.toml")).nested())
            .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
            .merge(seed)
            .merge(Env::prefixed("INLOOP_").global())
            .select(Profile::from_env_or(
                "ROCKET_PROFILE",
                rocket::Config::DEFAULT_PROFILE,
            ))
    }

    /// Reads and validates the configuration, filling in derived defaults.
    pub fn load(figment: &Figment) -> Result<Self, ConfigError> {
        let mut config: Config = figment.extract().map_err(Box::new)?;
        if config.database_url.as_deref().is_none_or(str::is_empty) {
            let file = config.data_dir.join("inloop.sqlite3");
            config.database_url = Some(format!("sqlite://{}", file.display()));
        }
        config.backend()?;
        validate::validate(&config)?;
        config.app_secret_key = Some(config.resolve_secret(figment.profile())?);
        Ok(config)
    }

    /// The image registry for checker images, when one is set.
    #[must_use]
    pub fn registry(&self) -> Option<&str> {
        self.registry
            .as_deref()
            .map(str::trim)
            .filter(|registry| !registry.is_empty())
    }

    /// The local copy of the task repository, inside the data directory.
    #[must_use]
    pub fn repository_dir(&self) -> PathBuf {
        self.data_dir.join("repository")
    }

    /// The configured time zone (validated by [`Config::load`]).
    #[must_use]
    pub fn zone(&self) -> jiff::tz::TimeZone {
        crate::time_zone::parse(&self.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// This instance's name in the check queue: stable across restarts, unique among the
    /// instances sharing a database (`INLOOP_INSTANCE`, else the host name and `local`, which
    /// tells this process from others on the host: the port, or the process id of a worker).
    #[must_use]
    pub fn instance_name(&self, local: &str) -> String {
        self.instance
            .clone()
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| {
                let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .unwrap_or_else(|_| "inloop".into());
                format!("{}:{local}", host.trim())
            })
    }

    /// How long a running check's heartbeat may be silent before it is taken for dead; at
    /// least 3 s, so heartbeats (a sixth of it) stay well apart.
    #[must_use]
    pub fn check_stale(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.check_stale_secs.max(3))
    }

    /// How long running checks may go on after SIGTERM before they are handed back.
    #[must_use]
    pub fn shutdown_grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.shutdown_grace_secs)
    }

    /// How long start-up waits for the database.
    #[must_use]
    pub fn db_wait(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.db_wait_secs)
    }

    /// The database URL, always set after [`Config::load`].
    #[must_use]
    pub fn database_url(&self) -> &str {
        self.database_url.as_deref().unwrap_or_default()
    }

    /// Which backend the database URL names.
    pub fn backend(&self) -> Result<Backend, ConfigError> {
        Backend::of_url(self.database_url())
    }

    /// The secret every signature and cookie key derives from, set after [`Config::load`].
    #[must_use]
    pub fn secret(&self) -> Secret {
        self.app_secret_key.clone().unwrap_or_else(Secret::random)
    }

    /// `SECRET_KEY`, checked, or a random one where the profile allows it.
    fn resolve_secret(&self, profile: &Profile) -> Result<Secret, ConfigError> {
        match &self.app_secret_key {
            Some(secret) if secret.expose().len() >= 32 => Ok(secret.clone()),
            Some(_) => Err(invalid(
                "SECRET_KEY",
                "too short: use at least 32 random characters",
            )),
            None if profile == rocket::Config::RELEASE_PROFILE => Err(invalid(
                "SECRET_KEY",
                "not set (required in the release profile)",
            )),
            None => {
                tracing::warn!(
                    "SECRET_KEY is not set: using a random key, sessions end with the process"
                );
                Ok(Secret::random())
            }
        }
    }

    /// The figment Rocket runs with: ours plus the derived secret key and database settings.
    #[must_use]
    pub fn rocket_figment(&self, figment: Figment) -> Figment {
        let databases = format!("databases.{DATABASE_NAME}");
        figment
            .merge(Serialized::global("secret_key", self.secret().rocket_key()))
            .merge(Serialized::global(
                &format!("{databases}.url"),
                self.database_url(),
            ))
            .merge(Serialized::global(
                &format!("{databases}.max_connections"),
                self.database_pool_size,
            ))
    }
}

/// A URL with its password replaced, for logs and `check-config`.
#[must_use]
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("redacted"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
