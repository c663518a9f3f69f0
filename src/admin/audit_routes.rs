//! `/admin/audit/`: the audit log, newest first, filtered, a page at a time or as CSV.

use rocket::form::FromForm;
use rocket::response::stream::ByteStream;
use rocket::{Either, Route, State, get, routes, uri};
use serde::Serialize;

use super::access::AdminSuperuser;
use super::audit::{self, Entry, Filter};
use super::csv::{self, Csv};
use super::keyset;
use super::{non_empty, slashed};
use crate::config::Config;
use crate::db::Db;
use crate::web::page::Page;
use crate::web::{AppResult, Html};

/// Rows on one page.
const PAGE_SIZE: i64 = 50;

/// The list's filters, as the query gives them.
#[derive(Clone, Debug, Default, FromForm, rocket::UriDisplayQuery)]
struct AuditFilters {
    actor: Option<String>,
    kind: Option<String>,
    object: Option<String>,
}

impl AuditFilters {
    fn filter(&self) -> Filter {
        Filter {
            actor: non_empty(self.actor.as_ref()),
            kind: non_empty(self.kind.as_ref()),
            object_id: non_empty(self.object.as_ref()),
        }
    }
}

/// A row as the page and the CSV show it.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    entry: Entry,
    time: String,
}

fn row(entry: Entry, config: &Config) -> Row {
    Row {
        time: crate::time_zone::format_local(entry.at.to_datetime(), &config.zone()),
        entry,
    }
}

const CSV_HEADER: [&str; 9] = [
    "id",
    "time",
    "actor",
    "kind",
    "object_id",
    "object",
    "field",
    "old",
    "new",
];

fn csv_line(row: &Row) -> Vec<u8> {
    let entry = &row.entry;
    csv::line(&[
        entry.id.to_string().as_str(),
        &row.time,
        &entry.actor_name,
        &entry.object_kind,
        &entry.object_id,
        &entry.object_label,
        &entry.field,
        entry.old_value.as_deref().unwrap_or(""),
        entry.new_value.as_deref().unwrap_or(""),
    ])
}

/// The list (`before`: the keyset position of an older page), or `format=csv` for every row.
#[get("/admin/audit?<before>&<format>&<query..>")]
async fn list(
    page: Page<'_>,
    _superuser: AdminSuperuser,
    db: &Db,
    config: &State<Config>,
    before: Option<i64>,
    format: Option<&str>,
    query: AuditFilters,
) -> AppResult<Either<Html, Csv<ByteStream<impl futures_util::Stream<Item = Vec<u8>>>>>> {
    let filter = query.filter();
    if format == Some("csv") {
        let (db, config) = (db.0.clone(), config.inner().clone());
        let read = move |before, limit| {
            let (db, filter) = (db.clone(), filter.clone());
            async move { audit::page(&db, &filter, before, limit).await }
        };
        let line = move |entry| csv_line(&row(entry, &config));
        let body = keyset::csv(&CSV_HEADER, "the audit log", read, line);
        return Ok(Either::Right(Csv::new("audit.csv", body)));
    }
    let entries = audit::page(&db.0, &filter, before, PAGE_SIZE + 1).await?;
    let (entries, older) = keyset::page(entries, PAGE_SIZE);
    let older = older.map(|id| slashed(&uri!(list(Some(id), None::<&str>, query.clone()))));
    let csv = slashed(&uri!(list(None::<i64>, Some("csv"), query.clone())));
    let rows: Vec<_> = entries
        .into_iter()
        .map(|entry| row(entry, config))
        .collect();
    let html = page.render(
        "admin/audit.html",
        &serde_json::json!({
            "rows": rows,
            "older": older,
            "csv": csv,
            "newest": before.is_some(),
            "actor": query.actor.unwrap_or_default(),
            "kind": query.kind.unwrap_or_default(),
            "object": query.object.unwrap_or_default(),
            "kinds": ["setting", "user", "group", "course", "category", "task", "extension", "page", "plagiarism_pair"],
        }),
    )?;
    Ok(Either::Left(html))
}

/// The audit log's page.
pub fn routes() -> Vec<Route> {
    routes![list]
}
