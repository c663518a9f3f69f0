//! Where the solution pages are. Every link and redirect to them is built here, by `uri!` from
//! the routes themselves (so slugs, file names and `?author=` values are encoded), once per page,
//! and handed to the templates ready to use. Pages get INLOOP's final slash; actions do not.

use rocket::http::uri::Origin;
use rocket::uri;
use serde::Serialize;

use super::{pages, staff, stream_routes};
// `uri!` names the routes' parameter types where it is called.
use crate::web::{PageNumber, PathNumber};

/// A page's URL with the final slash INLOOP's URLs have, before the query.
fn page(uri: &Origin<'_>) -> String {
    match uri.query() {
        Some(query) => format!("{}/?{query}", uri.path()),
        None => format!("{}/", uri.path()),
    }
}

/// The result page of solution `number`; `author` names whose, for staff.
#[must_use]
pub fn detail(slug: &str, number: i64, author: Option<&str>) -> String {
    page(&uri!(pages::detail(slug, number, author)))
}

/// A student's list of their solutions to a task.
#[must_use]
pub fn list(slug: &str) -> String {
    page(&uri!(pages::list(slug, None::<i64>)))
}

/// The event stream of page `page` of the list.
#[must_use]
pub fn list_events(slug: &str, page: i64) -> String {
    let page = (page > 1).then_some(page);
    uri!(stream_routes::list_events(slug, page)).to_string()
}

/// The links of one solution's result page, as one viewer sees them.
#[derive(Serialize)]
pub struct SolutionLinks {
    /// The task page (text, editor, upload).
    pub task: String,
    /// The viewer's own list of solutions.
    pub list: String,
    pub page: String,
    pub events: String,
    pub download: String,
    /// Staff actions.
    pub rerun: String,
    pub cancel: String,
}

impl SolutionLinks {
    #[must_use]
    pub fn new(slug: &str, number: i64, author: Option<&str>) -> Self {
        Self {
            task: crate::tasks::task_url(slug),
            list: list(slug),
            page: detail(slug, number, author),
            events: uri!(stream_routes::detail_events(slug, number, author)).to_string(),
            download: uri!(pages::download(slug, number, author)).to_string(),
            rerun: uri!(staff::rerun(slug, number, author)).to_string(),
            cancel: uri!(staff::cancel(slug, number, author)).to_string(),
        }
    }

    /// The page showing one of the solution's files.
    #[must_use]
    pub fn file(slug: &str, number: i64, name: &str, author: Option<&str>) -> String {
        page(&uri!(pages::file(slug, number, name, author)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_names_and_authors_are_encoded() {
        assert_eq!(detail("a-b", 3, None), "/solutions/detail/a-b/3/");
        assert_eq!(
            detail("a-b", 3, Some("anna+b&c")),
            "/solutions/detail/a-b/3/?author=anna%2Bb%26c"
        );
        assert_eq!(
            SolutionLinks::file("t", 1, "My File#1.java", None),
            "/solutions/detail/t/1/files/My%20File%231.java/"
        );
        let links = SolutionLinks::new("t", 2, Some("x y"));
        assert_eq!(links.rerun, "/solutions/detail/t/2/rerun?author=x%20y");
        assert_eq!(links.events, "/solutions/detail/t/2/events?author=x%20y");
        assert_eq!(list_events("t", 1), "/solutions/list/t/events");
        assert_eq!(list_events("t", 2), "/solutions/list/t/events?page=2");
        assert_eq!(list("t"), "/solutions/list/t/");
    }
}
