//! The context every full page shares: the user, the CSRF token, the flash message.

use rocket::request::{FlashMessage, FromRequest, Outcome};
use rocket::{Request, State};
use serde::Serialize;

use super::{AppError, CsrfToken, Html, Templates};

/// A page about to be rendered; take it as a guard and call [`Page::render`].
pub struct Page<'r> {
    templates: &'r Templates,
    pub user: Option<PageUser>,
    csrf_token: String,
    flash: Option<Flash>,
}

#[derive(Serialize)]
struct Flash {
    kind: String,
    message: String,
}

/// What every page shows of the logged-in user. The `accounts` module answers the request guard
/// `Option<PageUser>` (it knows sessions; this layer must not depend on it).
#[derive(Clone, Debug, Serialize)]
pub struct PageUser {
    pub id: i64,
    pub username: String,
    pub is_staff: bool,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Page<'r> {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let templates = match request.guard::<&State<Templates>>().await {
            Outcome::Success(templates) => templates.inner(),
            _ => return Outcome::Error((rocket::http::Status::InternalServerError, ())),
        };
        let Outcome::Success(user) = request.guard::<Option<PageUser>>().await else {
            return Outcome::Error((rocket::http::Status::InternalServerError, ()));
        };
        let Outcome::Success(CsrfToken(csrf_token)) = request.guard::<CsrfToken>().await else {
            return Outcome::Error((rocket::http::Status::InternalServerError, ()));
        };
        let flash = request
            .guard::<Option<FlashMessage<'_>>>()
            .await
            .succeeded()
            .flatten()
            .map(|flash| Flash {
                kind: flash.kind().to_owned(),
                message: flash.message().to_owned(),
            });
        Outcome::Success(Self {
            templates,
            user,
            csrf_token,
            flash,
        })
    }
}

impl Page<'_> {
    /// Renders `template` with `data` plus the shared context (`user`, `csrf_token`, `flash`).
    pub fn render(&self, template: &str, data: &impl Serialize) -> Result<Html, AppError> {
        let mut context =
            serde_json::to_value(data).map_err(|error| AppError::internal("page data", error))?;
        let shared = serde_json::json!({
            "user": self.user,
            "csrf_token": self.csrf_token,
            "flash": self.flash,
        });
        if let (Some(context), serde_json::Value::Object(shared)) =
            (context.as_object_mut(), shared)
        {
            context.extend(shared);
        }
        self.templates.render(template, &context)
    }

    /// The templates, for fragments rendered without the shared context.
    #[must_use]
    pub fn templates(&self) -> &Templates {
        self.templates
    }
}
