//! Who may read `/metrics`: clients in `INLOOP_METRICS_ALLOW`, or anyone with
//! `INLOOP_METRICS_TOKEN` as a bearer token.

use std::net::IpAddr;

use super::{Config, ConfigError, invalid};

/// `10.0.0.0/8`, `::1/128`, or a single address (a network of one).
fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}

/// Refuses networks that do not parse and an empty token.
pub(super) fn validate(config: &Config) -> Result<(), ConfigError> {
    for network in &config.metrics_allow {
        parse_network(network).ok_or_else(|| {
            invalid(
                "INLOOP_METRICS_ALLOW",
                format!("{network:?} is neither a network (10.0.0.0/8) nor an address"),
            )
        })?;
    }
    if config
        .metrics_token
        .as_ref()
        .is_some_and(|token| token.expose().trim().is_empty())
    {
        return Err(invalid(
            "INLOOP_METRICS_TOKEN",
            "empty: set a long random string, or unset it",
        ));
    }
    Ok(())
}

impl Config {
    /// Whether a client at `address` may read `/metrics` without a token.
    #[must_use]
    pub fn metrics_allowed(&self, address: IpAddr) -> bool {
        self.metrics_allow
            .iter()
            .filter_map(|network| parse_network(network))
            .any(|network| network.contains(&address))
    }
}
