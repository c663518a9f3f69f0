//! The rules a configuration must meet before the server starts: each refusal names its variable.

use std::net::IpAddr;

use super::{Config, ConfigError, invalid, metrics_access};

/// Refuses what would fail later, or silently: unknown URL schemes, proxies that are no IP
/// addresses, an empty host list, a make image or webhook secret, Docker certificates without a
/// TLS host.
pub(super) fn validate(config: &Config) -> Result<(), ConfigError> {
    for (variable, url) in [
        ("REDIS_URL", &config.redis_url),
        ("CACHE_URL", &config.cache_url),
    ] {
        if let Some(url) = url.as_deref().filter(|url| !url.is_empty()) {
            url_with_scheme(variable, url, &["redis", "rediss"])?;
        }
    }
    if let Some(url) = &config.email_url {
        url_with_scheme("EMAIL_URL", url.expose(), &["smtp", "smtps", "smtp+tls"])?;
    }
    for proxy in &config.trusted_proxies {
        proxy.parse::<IpAddr>().map_err(|_| {
            invalid(
                "INLOOP_TRUSTED_PROXIES",
                format!("{proxy:?} is not an IP address"),
            )
        })?;
    }
    metrics_access::validate(config)?;
    if config.allowed_hosts.is_empty() {
        return Err(invalid(
            "ALLOWED_HOSTS",
            "empty: the app would refuse every request",
        ));
    }
    crate::time_zone::parse(&config.time_zone).map_err(|e| invalid("TIME_ZONE", e))?;
    if config.make_image.trim().is_empty() {
        return Err(invalid(
            "INLOOP_MAKE_IMAGE",
            "empty: imports need an image to run `make` in",
        ));
    }
    if let Some(folder) = &config.docker_cert_path {
        let host = config.docker_host.as_deref().unwrap_or_default();
        if !host.starts_with("tcp://") {
            return Err(invalid(
                "INLOOP_DOCKER_CERT_PATH",
                "certificates are for a tcp:// INLOOP_DOCKER_HOST",
            ));
        }
        if let Some(missing) = ["ca.pem", "cert.pem", "key.pem"]
            .into_iter()
            .find(|name| !folder.join(name).is_file())
        {
            return Err(invalid(
                "INLOOP_DOCKER_CERT_PATH",
                format!("{missing} is missing in {}", folder.display()),
            ));
        }
    }
    if config.session_idle_minutes == 0 || config.session_max_days == 0 {
        return Err(invalid(
            "INLOOP_SESSION_IDLE_MINUTES/INLOOP_SESSION_MAX_DAYS",
            "must be at least 1",
        ));
    }
    // An empty webhook secret would make every signature computable by anyone.
    if config
        .github_secret
        .as_ref()
        .is_some_and(|secret| secret.expose().trim().is_empty())
    {
        return Err(invalid(
            "GITHUB_SECRET",
            "empty: set a long random string, or unset it to refuse every webhook",
        ));
    }
    Ok(())
}

/// Refuses `url` (of `variable`) unless it parses and has one of the `schemes`.
fn url_with_scheme(variable: &'static str, url: &str, schemes: &[&str]) -> Result<(), ConfigError> {
    let parsed = url::Url::parse(url).map_err(|e| invalid(variable, e.to_string()))?;
    if schemes.contains(&parsed.scheme()) {
        Ok(())
    } else {
        Err(invalid(
            variable,
            format!("unknown scheme {:?}", parsed.scheme()),
        ))
    }
}
