//! Tera templates, loaded from the embedded `templates/` folder.

use rocket::http::ContentType;
use rocket::response::{self, Responder};
use rocket::{Request, Response};
use rust_embed::RustEmbed;
use serde::Serialize;

use super::AppError;
use super::assets;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct TemplateFiles;

/// The compiled templates, managed as Rocket state.
pub struct Templates(tera::Tera);

impl Templates {
    /// Compiles every embedded template; a broken template stops the start-up.
    #[must_use]
    pub fn load() -> Self {
        let sources: Vec<(String, String)> = TemplateFiles::iter()
            .map(|name| {
                let file = TemplateFiles::get(&name).expect("listed template exists");
                let text = String::from_utf8(file.data.into_owned()).expect("templates are UTF-8");
                (name.into_owned(), text)
            })
            .collect();
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(sources)
            .expect("embedded templates compile");
        // The characters that end text or a quoted attribute are escaped; `/` is not (Tera's own
        // escaping turns it into `&#x2F;`), so URLs read as they are.
        tera.set_escape_fn(escape);
        tera.register_function("asset", assets::AssetFunction);
        tera.register_filter("urlencode", urlencode);
        Self(tera)
    }

    /// Renders `name` with `data` (any serialisable map).
    pub fn render(&self, name: &str, data: &impl Serialize) -> Result<Html, AppError> {
        let context = tera::Context::from_serialize(data).map_err(AppError::template)?;
        self.0
            .render(name, &context)
            .map(Html)
            .map_err(AppError::template)
    }
}

/// HTML escaping for every `{{ value }}`: `&`, `<`, `>`, `"` and `'`.
fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// `{{ value | urlencode }}`: percent-encodes a value for a query or a path segment.
fn urlencode(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value.as_str().ok_or("urlencode needs a string")?;
    Ok(rocket::http::RawStr::new(text)
        .percent_encode()
        .to_string()
        .into())
}

/// A rendered HTML page or fragment.
#[derive(Debug)]
pub struct Html(pub String);

impl<'r> Responder<'r, 'static> for Html {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .header(ContentType::HTML)
            .sized_body(self.0.len(), std::io::Cursor::new(self.0))
            .ok()
    }
}

/// The answer to a form: done (a redirect with a message), or the form again with its problems.
#[derive(rocket::Responder)]
#[allow(clippy::large_enum_variant, reason = "built once per request")]
pub enum FormAnswer {
    Done(rocket::response::Flash<rocket::response::Redirect>),
    Again((rocket::http::Status, Html)),
}
