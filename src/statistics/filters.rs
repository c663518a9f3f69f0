//! What a statistics page is asked for: the query's parameters, checked, with the reason when
//! one is bad (400).

use jiff::tz::TimeZone;
use rocket::FromForm;
use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::verdict::Verdict;
use crate::web::AppError;

/// The parameters every statistics page takes, as the query gives them (empty means "not given").
#[derive(Clone, Debug, Default, FromForm)]
pub struct Query {
    pub granularity: Option<String>,
    pub verdict: Option<String>,
    pub category: Option<String>,
    pub task: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub format: Option<String>,
}

/// How long one bar of "submissions over time" is, in the configured time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Minute,
    Hour,
    Day,
    Month,
}

impl Granularity {
    pub const ALL: [Self; 4] = [Self::Minute, Self::Hour, Self::Day, Self::Month];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Month => "month",
        }
    }

    fn parse(name: &str) -> Result<Self, AppError> {
        Self::ALL
            .into_iter()
            .find(|granularity| granularity.as_str() == name)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "unknown granularity {name:?}: use minute, hour, day or month"
                ))
            })
    }

    /// The span shown when the query names no start.
    #[must_use]
    pub fn default_span(self) -> jiff::Span {
        match self {
            Self::Minute => jiff::Span::new().hours(3),
            Self::Hour => jiff::Span::new().days(7),
            Self::Day => jiff::Span::new().days(90),
            Self::Month => jiff::Span::new().months(24),
        }
    }
}

/// A category or task named in the query, found.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Named {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// The checked parameters. `from` and `to` are the start of the first day and the end of the
/// last day asked for, in the configured time zone.
#[derive(Clone, Debug)]
pub struct Filter {
    pub granularity: Granularity,
    pub verdict: Option<Verdict>,
    pub category: Option<Named>,
    pub task: Option<Named>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// The query's dates as given, for the form.
    pub from_text: String,
    pub to_text: String,
}

/// `text` trimmed, or `None` when it says nothing.
fn given(text: Option<&String>) -> Option<&str> {
    text.map(|text| text.trim()).filter(|text| !text.is_empty())
}

/// The start of `date` (YYYY-MM-DD) in `zone`.
fn day_start(name: &str, date: &str, zone: &TimeZone) -> Result<Timestamp, AppError> {
    crate::time_zone::day_start(date, zone)
        .map(Timestamp::from_millis)
        .ok_or_else(|| AppError::BadRequest(format!("{name} must be a date like 2026-10-31")))
}

impl Filter {
    /// The query checked against the catalog; the reason when something is wrong.
    pub async fn of(db: &DbPool, query: &Query, zone: &TimeZone) -> Result<Self, AppError> {
        let granularity =
            given(query.granularity.as_ref()).map_or(Ok(Granularity::Day), Granularity::parse)?;
        let verdict = given(query.verdict.as_ref())
            .map(|name| {
                name.parse::<Verdict>()
                    .map_err(|error| AppError::BadRequest(error.to_string()))
            })
            .transpose()?;
        let from = given(query.from.as_ref())
            .map(|date| day_start("from", date, zone))
            .transpose()?;
        let to = given(query.to.as_ref())
            .map(|date| {
                day_start("to", date, zone).map(|start| start.plus(time::Duration::days(1)))
            })
            .transpose()?;
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            return Err(AppError::BadRequest("from must not be after to".to_owned()));
        }
        let category =
            match given(query.category.as_ref()) {
                Some(slug) => Some(named(db, "categories", "name", slug).await?.ok_or_else(
                    || AppError::BadRequest(format!("there is no category {slug:?}")),
                )?),
                None => None,
            };
        let task = match given(query.task.as_ref()) {
            Some(slug) => Some(
                named(db, "tasks", "title", slug)
                    .await?
                    .ok_or_else(|| AppError::BadRequest(format!("there is no task {slug:?}")))?,
            ),
            None => None,
        };
        Ok(Self {
            granularity,
            verdict,
            category,
            task,
            from,
            to,
            from_text: given(query.from.as_ref()).unwrap_or_default().to_owned(),
            to_text: given(query.to.as_ref()).unwrap_or_default().to_owned(),
        })
    }

    /// The filters as a query string (without `format`), for links and the CSV download.
    #[must_use]
    pub fn query_string(&self) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        pairs.append_pair("granularity", self.granularity.as_str());
        if let Some(verdict) = self.verdict {
            pairs.append_pair("verdict", verdict.as_str());
        }
        if let Some(category) = &self.category {
            pairs.append_pair("category", &category.slug);
        }
        if let Some(task) = &self.task {
            pairs.append_pair("task", &task.slug);
        }
        if !self.from_text.is_empty() {
            pairs.append_pair("from", &self.from_text);
        }
        if !self.to_text.is_empty() {
            pairs.append_pair("to", &self.to_text);
        }
        pairs.finish()
    }
}

/// The row of `table` (`categories` or `tasks`) with `slug`, its display name from `column`.
async fn named(
    db: &DbPool,
    table: &str,
    column: &str,
    slug: &str,
) -> Result<Option<Named>, AppError> {
    let sql = format!("SELECT id, slug, {column} AS name FROM {table} WHERE slug = $1");
    Ok(on_pool!(db, |pool| sqlx::query_as::<_, Named>(&sql)
        .bind(slug)
        .fetch_optional(pool)
        .await)?)
}

/// Whether the query asks for the CSV file rather than the page.
pub fn wants_csv(query: &Query) -> Result<bool, AppError> {
    match given(query.format.as_ref()) {
        None | Some("html") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(AppError::BadRequest(format!(
            "unknown format {other:?}: use csv, or leave it out for the page"
        ))),
    }
}
