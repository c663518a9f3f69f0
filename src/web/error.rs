//! The application error, and the pages (or htmx fragments) for every error status.

use std::fmt::Write as _;

use rocket::http::{Header, Status};
use rocket::response::{self, Responder};
use rocket::{Catcher, Request, Response, Route, catch, catchers, get, routes};
use serde::Serialize;

use super::{Htmx, Templates};

/// Result of a handler.
pub type AppResult<T> = Result<T, AppError>;

/// What can go wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("login required")]
    Unauthorized,
    #[error("too many requests")]
    TooManyRequests(std::time::Duration),
    /// A user opened more event streams than allowed (the maximum).
    #[error("too many open streams")]
    TooManyStreams(usize),
    #[error("forbidden")]
    Forbidden,
    /// The database does not answer (restarting, failing over, out of connections).
    #[error("the database is unavailable")]
    Unavailable,
    #[error("{0}")]
    BadRequest(String),
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("template error")]
    Template(#[source] tera::Error),
    #[error("{context}")]
    Internal {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl From<crate::settings::SettingError> for AppError {
    fn from(error: crate::settings::SettingError) -> Self {
        match error {
            crate::settings::SettingError::Database(error) => Self::Database(error),
            other => Self::internal("reading a runtime setting", other),
        }
    }
}

impl AppError {
    pub(super) fn template(error: tera::Error) -> Self {
        Self::Template(error)
    }

    /// An internal error with what was being done when it happened.
    pub fn internal(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Internal {
            context: context.into(),
            source: source.into(),
        }
    }

    fn status(&self) -> Status {
        match self {
            Self::NotFound => Status::NotFound,
            Self::Unauthorized => Status::Unauthorized,
            Self::TooManyRequests(_) | Self::TooManyStreams(_) => Status::TooManyRequests,
            Self::Forbidden => Status::Forbidden,
            Self::BadRequest(_) => Status::BadRequest,
            Self::Database(error) if refused_text(error) => Status::BadRequest,
            Self::Unavailable => Status::ServiceUnavailable,
            Self::Database(error) if database_away(error) => Status::ServiceUnavailable,
            Self::Database(_) | Self::Template(_) | Self::Internal { .. } => {
                Status::InternalServerError
            }
        }
    }
}

/// Whether PostgreSQL refused a text value for a byte it cannot store (SQLSTATE 22021, a NUL
/// byte above all). Only a request brings such text (checker output is cleaned before it is
/// stored), so this is a bad request, not a server error; SQLite stores the same text.
fn refused_text(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(sqlx::error::DatabaseError::code)
        .is_some_and(|code| code == "22021")
}

/// Whether the database could not be asked at all: the connection broke or was refused, the
/// pool had none free in time, or PostgreSQL is shutting down (SQLSTATE classes 08 and 57P).
/// That is 503, which a proxy or the browser may simply try again, not a server error.
fn database_away(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(error) => error
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(error: crate::db::DbError) -> Self {
        Self::internal("database", error)
    }
}

/// The error and every cause below it, for the log.
fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(chain, ": {cause}");
        source = cause.source();
    }
    chain
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    code: u16,
    title: &'a str,
    message: &'a str,
}

fn explanation(status: Status) -> (&'static str, &'static str) {
    match status.code {
        400 => (
            "Bad request",
            "The request could not be understood. Please go back and try again.",
        ),
        403 => (
            "Forbidden",
            "You may not do this, or the form had expired. Reload the page and try again.",
        ),
        404 => (
            "Not found",
            "There is nothing here. Check the address or go back to the start page.",
        ),
        405 => (
            "Method not allowed",
            "This address does not accept this kind of request.",
        ),
        413 => ("Too large", "What you sent is larger than allowed."),
        422 => (
            "Invalid input",
            "Some of what you sent could not be read. Please check the form.",
        ),
        429 => (
            "Too many requests",
            "You did this too often. Please wait a little and try again.",
        ),
        503 => (
            "Unavailable",
            "INLOOP is not ready at the moment. Please try again shortly.",
        ),
        _ => (
            "Something went wrong",
            "We could not complete this request. The operators have been told.",
        ),
    }
}

/// Renders the error page for `status`, or the `_error.html` fragment for htmx requests
/// (retargeted to the page's message area).
pub fn render(
    request: &Request<'_>,
    status: Status,
    message: Option<&str>,
) -> response::Result<'static> {
    let (title, default_message) = explanation(status);
    let page = ErrorPage {
        code: status.code,
        title,
        message: message.unwrap_or(default_message),
    };
    let fragment = Htmx::of(request).0;
    let template = if fragment {
        "_error.html"
    } else {
        "error.html"
    };
    let body = request
        .rocket()
        .state::<Templates>()
        .and_then(|templates| templates.render(template, &page).ok())
        .map_or_else(|| format!("{} {}", status.code, page.title), |html| html.0);
    let mut response = Response::build();
    response
        .status(status)
        .header(rocket::http::ContentType::HTML);
    if fragment {
        response
            .header(Header::new("HX-Retarget", "#messages"))
            .header(Header::new("HX-Reswap", "innerHTML"));
    }
    response
        .sized_body(body.len(), std::io::Cursor::new(body))
        .ok()
}

impl<'r> Responder<'r, 'static> for AppError {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        let status = self.status();
        if status.code >= 500 {
            let route = request.route().map(|route| route.uri.path().to_string());
            tracing::error!(
                route = route.as_deref().unwrap_or("-"),
                "{}",
                cause_chain(&self)
            );
        }
        match &self {
            Self::BadRequest(message) => render(request, status, Some(message)),
            Self::Database(_) if status == Status::BadRequest => {
                let message = "The request held a character INLOOP cannot store (a NUL byte).";
                render(request, status, Some(message))
            }
            Self::Unauthorized => to_login(request),
            Self::TooManyRequests(wait) => {
                let seconds = wait.as_secs().max(1);
                let message = format!(
                    "You did this too often. Please wait {} and try again.",
                    minutes_text(seconds)
                );
                let mut response = render(request, status, Some(&message))?;
                response.set_header(Header::new("Retry-After", seconds.to_string()));
                Ok(response)
            }
            Self::TooManyStreams(max) => {
                let message = format!(
                    "You have {max} live INLOOP pages open already, the most one account may have. \
                     Close some of them, then reload this page."
                );
                let mut response = render(request, status, Some(&message))?;
                response.set_header(Header::new("Retry-After", "30"));
                Ok(response)
            }
            _ => render(request, status, None),
        }
    }
}

/// Where the request fairings send a request they refuse, with the reason as last segment.
pub fn rejected_uri(reason: &str) -> rocket::http::uri::Origin<'static> {
    rocket::http::uri::Origin::parse_owned(format!("{}/{reason}", super::REJECTED_PATH))
        .expect("valid path")
}

#[get("/_/rejected/<reason>")]
fn rejected(reason: &str) -> Status {
    match reason {
        "host" => Status::BadRequest,
        _ => Status::Forbidden,
    }
}

pub fn routes() -> Vec<Route> {
    routes![rejected]
}

fn minutes_text(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} seconds"),
        60..=119 => "a minute".to_owned(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

/// Anonymous users are sent to the login page, and back here afterwards.
fn to_login(request: &Request<'_>) -> response::Result<'static> {
    let here = request.uri().to_string();
    let target = format!(
        "/login/?next={}",
        rocket::http::RawStr::new(&here).percent_encode()
    );
    redirect(request, &target)
}

/// A redirect that htmx follows as a full navigation.
fn redirect(request: &Request<'_>, target: &str) -> response::Result<'static> {
    let mut response = Response::build();
    if Htmx::of(request).0 {
        response
            .status(Status::Ok)
            .header(Header::new("HX-Redirect", target.to_owned()));
    } else {
        response
            .status(Status::SeeOther)
            .header(Header::new("Location", target.to_owned()));
    }
    response.ok()
}

#[catch(default)]
fn any_status(status: Status, _: &Request<'_>) -> ErrorResponse {
    ErrorResponse(status)
}

/// A catcher's answer: rendered when responding, so it can read the request.
struct ErrorResponse(Status);

impl<'r> Responder<'r, 'static> for ErrorResponse {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'static> {
        match self.0.code {
            401 => to_login(request),
            // Users who owe the own-work declaration (see `accounts::CurrentUser`).
            428 => redirect(request, "/account/confirm_ownwork/"),
            _ => render(request, self.0, None),
        }
    }
}

pub fn catchers() -> Vec<Catcher> {
    catchers![any_status]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_unavailable_and_other_failures_are_server_errors() {
        let broken = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        for away in [
            sqlx::Error::Io(broken()),
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
        ] {
            assert_eq!(
                AppError::Database(away).status(),
                Status::ServiceUnavailable
            );
        }
        assert_eq!(AppError::Unavailable.status(), Status::ServiceUnavailable);
        assert_eq!(
            AppError::Database(sqlx::Error::RowNotFound).status(),
            Status::InternalServerError
        );
    }
}
