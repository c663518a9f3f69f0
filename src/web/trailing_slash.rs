//! INLOOP's URLs end in a slash (`/tasks/`, `/login/`), as users' bookmarks and webhooks know
//! them, but Rocket routes cannot: requests are matched with the final slash removed.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::{Data, Request};

/// The fairing that drops the final slash of a request's path before routing.
pub struct TrailingSlash;

#[rocket::async_trait]
impl Fairing for TrailingSlash {
    fn info(&self) -> Info {
        Info {
            name: "Trailing slash",
            kind: Kind::Request,
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
        }
    }
}
