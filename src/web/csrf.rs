//! CSRF protection for every unsafe request (POST, PUT, PATCH, DELETE).
//!
//! Each browser gets a random token in an encrypted cookie. Pages put it into forms (as the
//! *first* field, `csrf_token`, emitted by the `_csrf.html` partial) and into htmx requests (the
//! `X-CSRF-Token` header, set once on `<body>`). The fairing compares the two before any handler
//! runs; a request without a matching token is rewritten to the 403 page. Only the form's first
//! field is read, from the start of the body, so uploads are not buffered for the check.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Cookie, CookieJar, Method, SameSite};
use rocket::request::{FromRequest, Outcome};
use rocket::{Data, Request};
use subtle::ConstantTimeEq;

const COOKIE: &str = "csrf";
/// The form field holding the token.
pub const FIELD: &str = "csrf_token";
/// The header holding the token, for htmx and `fetch`.
pub const HEADER: &str = "X-CSRF-Token";
/// Paths whose requests prove themselves otherwise (the webhook is signed with HMAC).
/// (Compared after the final slash is dropped, see `trailing_slash`.)
const EXEMPT: &[&str] = &["/gitload/webhook_handler"];
/// How much of the body is read to find the first form field.
const PEEK: usize = 512;

/// This browser's CSRF token, created on first use.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

impl CsrfToken {
    fn current(cookies: &CookieJar<'_>) -> Option<String> {
        cookies
            .get_private(COOKIE)
            .map(|cookie| cookie.value().to_owned())
    }

    /// The token of this browser, setting the cookie if it has none yet.
    pub fn get_or_create(cookies: &CookieJar<'_>, secure: bool) -> Self {
        if let Some(token) = Self::current(cookies) {
            return Self(token);
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let cookie = Cookie::build((COOKIE, token.clone()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .path("/");
        cookies.add_private(cookie);
        Self(token)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let secure = super::Origin::of(request).is_some_and(|origin| origin.https);
        Outcome::Success(Self::get_or_create(request.cookies(), secure))
    }
}

/// The fairing that rejects unsafe requests without the right token.
pub struct CsrfCheck;

#[rocket::async_trait]
impl Fairing for CsrfCheck {
    fn info(&self) -> Info {
        Info {
            name: "CSRF check",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, data: &mut Data<'_>) {
        let unsafe_method = matches!(
            request.method(),
            Method::Post | Method::Put | Method::Patch | Method::Delete
        );
        if !unsafe_method || EXEMPT.contains(&request.uri().path().as_str()) {
            return;
        }
        let expected = CsrfToken::current(request.cookies());
        let presented = match request.headers().get_one(HEADER) {
            Some(token) => Some(token.to_owned()),
            None => first_form_field(request.content_type(), data.peek(PEEK).await),
        };
        let valid = matches!((&expected, &presented), (Some(expected), Some(presented))
            if bool::from(expected.as_bytes().ct_eq(presented.as_bytes())));
        if !valid {
            tracing::warn!(path = %request.uri().path(), cookie = expected.is_some(), token = presented.is_some(),
                "refused an unsafe request without a valid CSRF token");
            request.set_method(Method::Get);
            request.set_uri(super::error::rejected_uri("csrf"));
        }
    }
}

/// The value of the first field of a form body if it is the CSRF token.
fn first_form_field(content_type: Option<&ContentType>, start: &[u8]) -> Option<String> {
    let content_type = content_type?;
    let start = String::from_utf8_lossy(start);
    if content_type.is_form() {
        let (name, value) = start.split('&').next()?.split_once('=')?;
        return (name == FIELD).then(|| value.to_owned());
    }
    if content_type.is_form_data() {
        // First part: `--boundary\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nVALUE\r\n`
        let (headers, rest) = start.split_once("\r\n\r\n")?;
        let named = headers.lines().any(|line| {
            line.to_ascii_lowercase()
                .starts_with("content-disposition:")
                && line.contains(&format!("name=\"{FIELD}\""))
        });
        return named.then(|| rest.split("\r\n").next().unwrap_or_default().to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_token_as_first_field_of_urlencoded_and_multipart_forms() {
        let form = first_form_field(Some(&ContentType::Form), b"csrf_token=abc&username=x");
        assert_eq!(form.as_deref(), Some("abc"));
        let later = first_form_field(Some(&ContentType::Form), b"username=x&csrf_token=abc");
        assert_eq!(later, None);
        let multipart = ContentType::new("multipart", "form-data").with_params(("boundary", "XyZ"));
        let body =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--XyZ\r\n";
        assert_eq!(
            first_form_field(Some(&multipart), body).as_deref(),
            Some("abc")
        );
        assert_eq!(first_form_field(None, b"csrf_token=abc"), None);
    }
}
