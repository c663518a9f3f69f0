//! INLOOP's URLs end in a slash (`/tasks/`, `/login/`), as users' bookmarks and webhooks know
//! them, but Rocket routes cannot: requests are matched with the final slash removed.
//!
//! In the areas of [`CANONICAL_WITH_SLASH`] a page requested without the slash is redirected to
//! the form with it, so every page there has one address (links, bookmarks, the audit's links).

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{Header, Method, Status};
use rocket::{Data, Request, Response};

/// The fairing that drops the final slash of a request's path before routing.
pub struct TrailingSlash;

/// Path prefixes whose pages answer only with the final slash (`/admin`, `/statistics` and
/// below); their event streams (a last segment `events`) are no pages and keep none.
const CANONICAL_WITH_SLASH: &[&str] = &["/admin", "/statistics"];

/// Where a request for a page without its final slash is sent (set before routing).
struct AddSlash(Option<String>);

fn in_canonical_area(path: &str) -> bool {
    !path.ends_with("/events")
        && CANONICAL_WITH_SLASH.iter().any(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

#[rocket::async_trait]
impl Fairing for TrailingSlash {
    fn info(&self) -> Info {
        Info {
            name: "Trailing slash",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        let path = request.uri().path().as_str();
        if path.len() > 1 && path.ends_with('/') {
            let trimmed = path.trim_end_matches('/');
            let uri = match request.uri().query() {
                Some(query) => format!("{trimmed}?{query}"),
                None => trimmed.to_owned(),
            };
            if let Ok(origin) = Origin::parse_owned(uri) {
                request.set_uri(origin);
            }
        } else if matches!(request.method(), Method::Get | Method::Head) && in_canonical_area(path)
        {
            let target = match request.uri().query() {
                Some(query) => format!("{path}/?{query}"),
                None => format!("{path}/"),
            };
            request.local_cache(|| AddSlash(Some(target)));
        }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        // A request refused before routing (host, CSRF) was rewritten away from the area.
        if !in_canonical_area(request.uri().path().as_str()) {
            return;
        }
        if let AddSlash(Some(target)) = request.local_cache(|| AddSlash(None)) {
            *response = Response::build()
                .status(Status::PermanentRedirect)
                .header(Header::new("Location", target.clone()))
                .finalize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_canonical_area;

    #[test]
    fn the_admin_area_is_canonical_with_slash() {
        assert!(in_canonical_area("/admin"));
        assert!(in_canonical_area("/admin/users"));
        assert!(!in_canonical_area("/administrator"));
        assert!(in_canonical_area("/statistics/attempts"));
        assert!(!in_canonical_area("/statistics/live/events"));
        assert!(!in_canonical_area("/tasks"));
    }
}
