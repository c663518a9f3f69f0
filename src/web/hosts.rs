//! `ALLOWED_HOSTS`: requests for any other host are answered 400 before a handler runs.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Method;
use rocket::{Data, Request};

use super::guards::Origin;
use crate::config::Config;

/// The fairing that enforces `ALLOWED_HOSTS`.
pub struct AllowedHosts;

/// Whether `hostname` matches an `ALLOWED_HOSTS` entry (`*`, `.domain` for subdomains, exact).
#[must_use]
pub fn allowed(patterns: &[String], hostname: &str) -> bool {
    let hostname = hostname.trim_end_matches('.').to_ascii_lowercase();
    patterns.iter().any(|pattern| {
        let pattern = pattern.to_ascii_lowercase();
        pattern == "*"
            || pattern == hostname
            || pattern.strip_prefix('.').is_some_and(|domain| {
                hostname == domain || hostname.ends_with(&format!(".{domain}"))
            })
    })
}

#[rocket::async_trait]
impl Fairing for AllowedHosts {
    fn info(&self) -> Info {
        Info {
            name: "Allowed hosts",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        let Some(config) = request.rocket().state::<Config>() else {
            return;
        };
        let origin = Origin::of(request);
        if origin
            .as_ref()
            .is_some_and(|origin| allowed(&config.allowed_hosts, origin.hostname()))
        {
            return;
        }
        let host = origin.map(|origin| origin.host).unwrap_or_default();
        tracing::warn!(host, "refused a request for a host not in ALLOWED_HOSTS");
        request.set_method(Method::Get);
        request.set_uri(super::error::rejected_uri("host"));
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn matches_exact_names_subdomains_and_wildcard() {
        let patterns = vec!["inloop.example.org".to_owned(), ".uni.example".to_owned()];
        assert!(allowed(&patterns, "INLOOP.example.org"));
        assert!(allowed(&patterns, "cs.uni.example"));
        assert!(allowed(&patterns, "uni.example"));
        assert!(!allowed(&patterns, "evil.example.org"));
        assert!(!allowed(&patterns, "notuni.example"));
        assert!(allowed(&["*".to_owned()], "anything"));
    }
}
