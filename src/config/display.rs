//! The effective configuration as `inloop check-config` prints it, secrets redacted.

use std::fmt;
use std::path::PathBuf;

use super::{Config, Secret, redact_url};

impl fmt::Display for Config {
    /// The effective configuration with secrets redacted, one setting a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact =
            |secret: &Option<Secret>| secret.as_ref().map_or("(not set)", |_| "(set, redacted)");
        let or_unset = |value: &Option<String>| value.clone().unwrap_or_else(|| "(not set)".into());
        writeln!(f, "data_dir          {}", self.data_dir.display())?;
        writeln!(f, "database_url      {}", redact_url(self.database_url()))?;
        writeln!(
            f,
            "redis_url         {}",
            or_unset(&self.redis_url.as_deref().map(redact_url))
        )?;
        writeln!(
            f,
            "cache_url         {} (unused)",
            or_unset(&self.cache_url.as_deref().map(redact_url))
        )?;
        writeln!(f, "secret_key        {}", redact(&self.app_secret_key))?;
        writeln!(f, "allowed_hosts     {}", self.allowed_hosts.join(","))?;
        writeln!(f, "from_email        {}", self.from_email)?;
        writeln!(f, "email_url         {}", redact(&self.email_url))?;
        writeln!(f, "github_secret     {}", redact(&self.github_secret))?;
        writeln!(f, "time_zone         {}", self.time_zone)?;
        writeln!(f, "trusted_proxies   {}", self.trusted_proxies.join(","))?;
        writeln!(f, "metrics_allow     {}", self.metrics_allow.join(","))?;
        writeln!(f, "metrics_token     {}", redact(&self.metrics_token))?;
        writeln!(f, "database_pool     {}", self.database_pool_size)?;
        writeln!(f, "workers           {}", self.workers)?;
        writeln!(f, "sse_heartbeat_secs {}", self.sse_heartbeat_secs)?;
        writeln!(
            f,
            "sse_max_streams_per_user {}",
            self.sse_max_streams_per_user
        )?;
        writeln!(f, "session_idle_minutes {}", self.session_idle_minutes)?;
        writeln!(f, "session_max_days  {}", self.session_max_days)?;
        writeln!(f, "session_cache_secs {}", self.session_cache_secs)?;
        writeln!(f, "make_image        {}", self.make_image)?;
        writeln!(f, "check_stale_secs  {}", self.check_stale_secs)?;
        writeln!(f, "shutdown_grace_secs {}", self.shutdown_grace_secs)?;
        writeln!(f, "db_wait_secs      {}", self.db_wait_secs)?;
        let path = |path: &Option<PathBuf>| {
            path.as_ref()
                .map_or_else(|| "(not set)".to_owned(), |path| path.display().to_string())
        };
        writeln!(f, "git_ssh_key       {}", path(&self.git_ssh_key))?;
        write!(f, "git_known_hosts   {}", path(&self.git_known_hosts))
    }
}
