//! Request context as guards: the client's address, the public origin, htmx requests, and the
//! client's cached copy (`If-None-Match`).
//!
//! Forwarded headers (`X-Forwarded-*`) are believed only from `trusted_proxies`.

use std::convert::Infallible;
use std::net::IpAddr;

use rocket::Request;
use rocket::request::{FromRequest, Outcome};

use crate::config::Config;

fn from_trusted_proxy(request: &Request<'_>) -> bool {
    let (Some(peer), Some(config)) = (request.remote(), request.rocket().state::<Config>()) else {
        return false;
    };
    config
        .trusted_proxies
        .iter()
        .any(|proxy| proxy.parse::<IpAddr>().is_ok_and(|ip| ip == peer.ip()))
}

fn forwarded<'r>(request: &'r Request<'_>, header: &str) -> Option<&'r str> {
    if !from_trusted_proxy(request) {
        return None;
    }
    request
        .headers()
        .get_one(header)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// The client's IP address: the peer, or what a trusted proxy says the peer was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The address of `request`'s client (unspecified when unknown, as in local tests).
    #[must_use]
    pub fn of(request: &Request<'_>) -> Self {
        let proxied = forwarded(request, "X-Forwarded-For")
            .and_then(|chain| chain.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok());
        let peer = request.remote().map(|addr| addr.ip());
        Self(proxied.or(peer).unwrap_or(IpAddr::from([0, 0, 0, 0])))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ClientIp {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Self::of(request))
    }
}

/// Where the user reached us: scheme and host as the browser sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub https: bool,
    /// Host name with the port when it is not the scheme's default.
    pub host: String,
}

impl Origin {
    /// The public origin of `request`, if it names a host at all.
    #[must_use]
    pub fn of(request: &Request<'_>) -> Option<Self> {
        let https = forwarded(request, "X-Forwarded-Proto")
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
        let host = match forwarded(request, "X-Forwarded-Host") {
            Some(host) => match forwarded(request, "X-Forwarded-Port") {
                Some(port) if !host.contains(':') && port != if https { "443" } else { "80" } => {
                    format!("{host}:{port}")
                }
                _ => host.to_owned(),
            },
            None => request.host()?.to_string(),
        };
        Some(Self { https, host })
    }

    /// The host name without the port.
    #[must_use]
    pub fn hostname(&self) -> &str {
        if self.host.starts_with('[') {
            return self.host.split_inclusive(']').next().unwrap_or(&self.host);
        }
        self.host.split(':').next().unwrap_or(&self.host)
    }

    /// `https://host` or `http://host`, for links in e-mails.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.host
        )
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Origin {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match Self::of(request) {
            Some(origin) => Outcome::Success(origin),
            None => Outcome::Forward(rocket::http::Status::BadRequest),
        }
    }
}

/// Whether the request came from htmx (`HX-Request: true`): it then gets a fragment.
#[derive(Clone, Copy, Debug)]
pub struct Htmx(pub bool);

impl Htmx {
    #[must_use]
    pub fn of(request: &Request<'_>) -> Self {
        Self(request.headers().get_one("HX-Request") == Some("true"))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Htmx {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Self::of(request))
    }
}

/// The `Last-Event-ID` an `EventSource` sends when it reconnects by itself (absent or not a number:
/// `None`).
#[derive(Clone, Copy, Debug)]
pub struct LastEventId(pub Option<u64>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for LastEventId {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let id = request
            .headers()
            .get_one("Last-Event-ID")
            .and_then(|value| value.trim().parse().ok());
        Outcome::Success(Self(id))
    }
}

/// The entity tags of a client's cached copy (`If-None-Match`), if it sent any.
#[derive(Clone, Debug, Default)]
pub struct IfNoneMatch(Option<String>);

impl IfNoneMatch {
    /// Whether the client's copy is the one tagged `etag` (unquoted), so a 304 will do.
    #[must_use]
    pub fn matches(self, etag: &str) -> bool {
        let quoted = format!("\"{etag}\"");
        self.0
            .as_deref()
            .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == quoted))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IfNoneMatch {
    type Error = Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(Self(
            request
                .headers()
                .get_one("If-None-Match")
                .map(str::to_owned),
        ))
    }
}
