//! Static files embedded from `public/`, served under content-hashed names.
//!
//! `asset("app.css")` in a template gives `/static/app.3f2a9c1d.css`: that name changes with the
//! content, so it is served `immutable` for a year. Plain names get an `ETag` and 304s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder};
use rocket::{Request, Response, Route, get, routes};
use rust_embed::RustEmbed;

use super::IfNoneMatch;

#[derive(RustEmbed)]
#[folder = "public/"]
#[include = "*.css"]
#[include = "*.js"]
#[include = "*.svg"]
#[include = "*.png"]
#[include = "*.ico"]
#[exclude = "node_modules/*"]
// The editor's modules are served bundled, as vendor/editor.js.
#[exclude = "editor/*"]
struct PublicFiles;

/// The URL prefix of static files.
const PREFIX: &str = "/static";

struct Asset {
    path: String,
    etag: String,
}

/// Hashed name → asset, and plain name → hashed name.
struct AssetMap {
    by_hashed: HashMap<String, Asset>,
    hashed_of: HashMap<String, String>,
}

static ASSETS: LazyLock<AssetMap> = LazyLock::new(|| {
    let mut map = AssetMap {
        by_hashed: HashMap::new(),
        hashed_of: HashMap::new(),
    };
    for path in PublicFiles::iter() {
        let file = PublicFiles::get(&path).expect("listed asset exists");
        let etag = hex::encode(&file.metadata.sha256_hash()[..8]);
        let hashed = match path.rsplit_once('.') {
            Some((stem, extension)) => format!("{stem}.{etag}.{extension}"),
            None => format!("{path}.{etag}"),
        };
        map.hashed_of.insert(path.to_string(), hashed.clone());
        map.by_hashed.insert(
            hashed,
            Asset {
                path: path.to_string(),
                etag,
            },
        );
    }
    map
});

/// The URL of an embedded asset under its content-hashed name.
#[must_use]
pub fn url(name: &str) -> Option<String> {
    ASSETS
        .hashed_of
        .get(name)
        .map(|hashed| format!("{PREFIX}/{hashed}"))
}

/// The `asset(name=…)` template function; its URLs need no escaping.
pub struct AssetFunction;

impl tera::Function for AssetFunction {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let name = args
            .get("name")
            .and_then(tera::Value::as_str)
            .ok_or("asset() needs name=\"…\"")?;
        url(name)
            .map(tera::Value::from)
            .ok_or_else(|| format!("no asset named {name:?}").into())
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// An embedded file, or a 304 when the client's copy is current.
struct StaticFile {
    status: Status,
    body: Option<Vec<u8>>,
    content_type: ContentType,
    etag: String,
    immutable: bool,
}

impl<'r> Responder<'r, 'static> for StaticFile {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let cache = if self.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let mut response = Response::build();
        response
            .status(self.status)
            .header(self.content_type)
            .header(Header::new("Cache-Control", cache))
            .header(Header::new("ETag", format!("\"{}\"", self.etag)));
        if let Some(body) = self.body {
            response.sized_body(body.len(), std::io::Cursor::new(body));
        }
        response.ok()
    }
}

#[get("/static/<path..>")]
fn serve(path: PathBuf, if_none_match: IfNoneMatch) -> Option<StaticFile> {
    let requested = path.to_str()?;
    let (asset, immutable) = match ASSETS.by_hashed.get(requested) {
        Some(asset) => (asset, true),
        None => (
            ASSETS.by_hashed.get(ASSETS.hashed_of.get(requested)?)?,
            false,
        ),
    };
    let content_type = path
        .extension()
        .and_then(|extension| ContentType::from_extension(extension.to_str()?))
        .unwrap_or(ContentType::Binary);
    let fresh = if_none_match.matches(&asset.etag);
    let body = if fresh {
        None
    } else {
        Some(PublicFiles::get(&asset.path)?.data.into_owned())
    };
    let status = if fresh {
        Status::NotModified
    } else {
        Status::Ok
    };
    Some(StaticFile {
        status,
        body,
        content_type,
        etag: asset.etag.clone(),
        immutable,
    })
}

pub fn routes() -> Vec<Route> {
    routes![serve]
}
