//! The solutions staff work with: every solution of the course, filtered (task, category,
//! verdict, dates, semester, author), newest first, a page at a time by id (keyset).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::keyset::Keyed;
use super::users::contains_pattern;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A German university semester: summer from 1 April to 30 September, winter from 1 October to
/// 31 March, in the configured time zone. Winter `year` starts in that year's October.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Semester {
    pub summer: bool,
    pub year: i16,
}

impl Semester {
    /// `summer-2026` or `winter-2026`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (season, year) = text.split_once('-')?;
        let year = year
            .parse()
            .ok()
            .filter(|year| (1970..=9998).contains(year))?;
        match season {
            "summer" => Some(Self { summer: true, year }),
            "winter" => Some(Self {
                summer: false,
                year,
            }),
            _ => None,
        }
    }

    /// As the query names it.
    #[must_use]
    pub fn key(self) -> String {
        let season = if self.summer { "summer" } else { "winter" };
        format!("{season}-{}", self.year)
    }

    /// As people say it: `Summer 2026`, `Winter 2026/27`.
    #[must_use]
    pub fn label(self) -> String {
        if self.summer {
            format!("Summer {}", self.year)
        } else {
            format!("Winter {}/{:02}", self.year, (self.year + 1) % 100)
        }
    }

    /// The semester `moment` falls in.
    #[must_use]
    pub fn of(moment: Timestamp, zone: &TimeZone) -> Self {
        let local = jiff::Timestamp::from_millisecond(moment.millis())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(zone.clone());
        match local.month() {
            4..=9 => Self {
                summer: true,
                year: local.year(),
            },
            10..=12 => Self {
                summer: false,
                year: local.year(),
            },
            _ => Self {
                summer: false,
                year: local.year() - 1,
            },
        }
    }

    /// The one before.
    #[must_use]
    pub fn previous(self) -> Self {
        if self.summer {
            Self {
                summer: false,
                year: self.year - 1,
            }
        } else {
            Self {
                summer: true,
                year: self.year,
            }
        }
    }

    /// Its first moment and the first moment after it.
    #[must_use]
    pub fn bounds(self, zone: &TimeZone) -> (Timestamp, Timestamp) {
        let start = |year: i16, month: i8| {
            Date::new(year, month, 1)
                .and_then(|date| date.to_zoned_datetime(zone.clone()))
                .map_or(0, |start| start.timestamp().as_millisecond())
        };
        let (from, to) = if self.summer {
            (start(self.year, 4), start(self.year, 10))
        } else {
            (start(self.year, 10), start(self.year + 1, 4))
        };
        (Timestamp::from_millis(from), Timestamp::from_millis(to))
    }
}

/// Which solutions a list shows (every part optional).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub task_id: Option<i64>,
    pub category_id: Option<i64>,
    /// A verdict's name, or `unchecked`.
    pub verdict: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Part of the author's username.
    pub author: Option<String>,
}

/// A row of the list.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub number: i64,
    pub submitted_at: Timestamp,
    pub status: String,
    pub verdict: Option<String>,
    pub tests_passed: i64,
    pub tests_total: i64,
    pub slug: String,
    pub title: String,
    pub username: String,
}

impl Keyed for Listed {
    fn key(&self) -> i64 {
        self.id
    }
}

/// Up to `limit` solutions matching `filter` with ids below `before`, newest first.
pub async fn list(
    db: &DbPool,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    // Category and author become lists of ids first, so that both backends walk the solutions
    // newest first and stop at `limit` (a join filter made PostgreSQL's generic plan read all).
    let sql = "SELECT s.id, s.number, s.submitted_at, s.status, s.verdict, s.tests_passed,
                      s.tests_total, t.slug, t.title, u.username
               FROM solutions s JOIN tasks t ON t.id = s.task_id JOIN users u ON u.id = s.author_id
               WHERE ($1 IS NULL OR s.task_id = $1)
                 AND ($2 IS NULL OR s.task_id IN (SELECT c.id FROM tasks c WHERE c.category_id = $2))
                 AND ($3 IS NULL OR COALESCE(s.verdict, 'unchecked') = $3)
                 AND ($4 IS NULL OR s.submitted_at >= $4) AND ($5 IS NULL OR s.submitted_at < $5)
                 AND ($6 IS NULL OR s.author_id IN
                      (SELECT a.id FROM users a WHERE lower(a.username) LIKE $6 ESCAPE '\\'))
                 AND ($7 IS NULL OR s.id < $7)
               ORDER BY s.id DESC LIMIT $8";
    let author = filter.author.as_deref().map(contains_pattern);
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(filter.task_id)
        .bind(filter.category_id)
        .bind(filter.verdict.as_deref())
        .bind(filter.from)
        .bind(filter.to)
        .bind(author.as_deref())
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// The task slug, number and author of each solution among `ids` that exists.
pub async fn find(db: &DbPool, ids: &[i64]) -> Result<Vec<Listed>, sqlx::Error> {
    let mut found = Vec::new();
    for &id in ids {
        let sql = "SELECT s.id, s.number, s.submitted_at, s.status, s.verdict, s.tests_passed,
                          s.tests_total, t.slug, t.title, u.username
                   FROM solutions s JOIN tasks t ON t.id = s.task_id JOIN users u ON u.id = s.author_id
                   WHERE s.id = $1";
        let row: Option<Listed> = on_pool!(db, |pool| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        found.extend(row);
    }
    Ok(found)
}

/// One check of a solution, as staff see it.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct CheckRow {
    pub id: i64,
    pub lane: i64,
    pub status: String,
    pub attempts: i64,
    pub queued_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub worker: String,
    pub image: String,
    pub verdict: Option<String>,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub staff_message: String,
}

/// Every check of solution `id`, newest first.
pub async fn checks_of(db: &DbPool, id: i64) -> Result<Vec<CheckRow>, sqlx::Error> {
    let sql =
        "SELECT id, lane, status, attempts, queued_at, started_at, finished_at, worker, image,
                      verdict, exit_code, duration_ms, stdout, stderr, staff_message
               FROM checks WHERE solution_id = $1 ORDER BY id DESC";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_all(pool)
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        let moment: jiff::Timestamp = text.parse().unwrap();
        Timestamp::from_millis(moment.as_millisecond())
    }

    #[test]
    fn semesters_turn_at_local_midnight_on_the_first_of_april_and_october() {
        let berlin = crate::time_zone::parse("Europe/Berlin").unwrap();
        let semester = |text| Semester::of(at(text), &berlin);
        // 31 March 23:59 and 1 April 00:00 in Berlin (summer time since 29 March 2026).
        assert_eq!(semester("2026-03-31T21:59:00Z").key(), "winter-2025");
        assert_eq!(semester("2026-03-31T22:00:00Z").key(), "summer-2026");
        assert_eq!(semester("2026-09-30T21:59:00Z").key(), "summer-2026");
        assert_eq!(semester("2026-09-30T22:00:00Z").key(), "winter-2026");
        // 1 January, winter time.
        assert_eq!(semester("2026-12-31T23:00:00Z").key(), "winter-2026");
        let (from, to) = Semester::parse("summer-2026").unwrap().bounds(&berlin);
        assert_eq!(
            (from, to),
            (at("2026-03-31T22:00:00Z"), at("2026-09-30T22:00:00Z"))
        );
        let (from, to) = Semester::parse("winter-2025").unwrap().bounds(&berlin);
        assert_eq!(
            (from, to),
            (at("2025-09-30T22:00:00Z"), at("2026-03-31T22:00:00Z"))
        );
        assert_eq!(
            Semester::parse("winter-2026").unwrap().label(),
            "Winter 2026/27"
        );
        assert_eq!(
            Semester::parse("summer-2026").unwrap().previous().key(),
            "winter-2025"
        );
        assert_eq!(Semester::parse("spring-2026"), None);
        assert_eq!(Semester::parse("summer-x"), None);
    }
}
