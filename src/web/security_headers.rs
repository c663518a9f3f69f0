//! Response headers Rocket's `Shield` does not set: the content security policy and HSTS.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Request, Response};

use super::Origin;

/// No inline script or style anywhere: every script and style is an embedded asset.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// The fairing adding the headers.
pub struct SecurityHeaders;

#[rocket::async_trait]
impl Fairing for SecurityHeaders {
    fn info(&self) -> Info {
        Info {
            name: "Security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        // A response may bring a stricter policy of its own (task files are sandboxed).
        if !response.headers().contains("Content-Security-Policy") {
            response.set_header(Header::new(
                "Content-Security-Policy",
                CONTENT_SECURITY_POLICY,
            ));
        }
        if Origin::of(request).is_some_and(|origin| origin.https) {
            response.set_header(Header::new("Strict-Transport-Security", "max-age=31536000"));
        }
    }
}
