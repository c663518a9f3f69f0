//! Groups and courses of study as staff manage them: named sets of users, each listed with how
//! many users it has, created, renamed and deleted the same way.

use serde::Serialize;

use super::users::contains_pattern;
use crate::db::DbPool;
use crate::on_pool;

/// Which named set of users: a group (tasks and extensions may name it) or a course of study
/// (a user has at most one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Roster {
    Group,
    Course,
}

impl Roster {
    /// The object kind in the audit log, and the word on the pages.
    #[must_use]
    pub fn kind(self) -> &'static str {
        match self {
            Self::Group => "group",
            Self::Course => "course",
        }
    }

    /// The list's title.
    fn title(self) -> &'static str {
        match self {
            Self::Group => "Groups",
            Self::Course => "Courses of study",
        }
    }

    /// What the users of one are called.
    fn counted(self) -> &'static str {
        match self {
            Self::Group => "Members",
            Self::Course => "Students",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Group => "groups",
            Self::Course => "courses",
        }
    }

    /// How many users row `r` has.
    fn count(self) -> &'static str {
        match self {
            Self::Group => "(SELECT COUNT(*) FROM group_members m WHERE m.group_id = r.id)",
            Self::Course => "(SELECT COUNT(*) FROM users u WHERE u.course_id = r.id)",
        }
    }
}

/// The words the pages use: `{kind, title, counted}`.
impl Serialize for Roster {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut words = serializer.serialize_struct("Roster", 3)?;
        words.serialize_field("kind", self.kind())?;
        words.serialize_field("title", self.title())?;
        words.serialize_field("counted", self.counted())?;
        words.end()
    }
}

/// A group or course with how many users it has.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Counted {
    pub id: i64,
    pub name: String,
    pub members: i64,
}

/// The orders the list offers; each is total (ties broken by id), so pages never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    /// The largest first.
    Members,
}

impl Sort {
    /// The order named in a query (`name`, `members`).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "name" => Some(Self::Name),
            "members" => Some(Self::Members),
            _ => None,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Self::Name => "lower(r.name), r.id",
            Self::Members => "members DESC, lower(r.name), r.id",
        }
    }
}

/// Up to `limit` rows whose name contains `search` (any case) in `sort` order, after `offset`.
pub async fn list(
    db: &DbPool,
    roster: Roster,
    search: Option<&str>,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Vec<Counted>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id, r.name, {} AS members FROM {} r
         WHERE $1 IS NULL OR lower(r.name) LIKE $1 ESCAPE '\\'
         ORDER BY {} LIMIT $2 OFFSET $3",
        roster.count(),
        roster.table(),
        sort.order_by()
    );
    let search = search.map(contains_pattern);
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(&search)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)
}

/// Row `id` with its count.
pub async fn get(db: &DbPool, roster: Roster, id: i64) -> Result<Option<Counted>, sqlx::Error> {
    let sql = format!(
        "SELECT r.id, r.name, {} AS members FROM {} r WHERE r.id = $1",
        roster.count(),
        roster.table()
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// Why a name is refused: empty, too long, or taken (any case) by another row than `own`.
pub async fn name_problem(
    db: &DbPool,
    roster: Roster,
    name: &str,
    own: Option<i64>,
) -> Result<Option<String>, sqlx::Error> {
    const LONGEST: usize = 100;
    let kind = roster.kind();
    if name.is_empty() {
        return Ok(Some(format!("Give the {kind} a name.")));
    }
    if name.chars().count() > LONGEST || name.contains('\0') {
        return Ok(Some(format!(
            "A {kind} name has at most {LONGEST} characters."
        )));
    }
    let sql = format!(
        "SELECT COUNT(*) FROM {} WHERE lower(name) = lower($1) AND ($2 IS NULL OR id <> $2)",
        roster.table()
    );
    let taken: i64 = on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(name)
        .bind(own)
        .fetch_one(pool)
        .await)?;
    Ok((taken > 0).then(|| format!("There is a {kind} named {name:?} already.")))
}

/// A new row named `name`: its id.
pub async fn create(db: &DbPool, roster: Roster, name: &str) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "INSERT INTO {} (name) VALUES ($1) RETURNING id",
        roster.table()
    );
    on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(name)
        .fetch_one(pool)
        .await)
}

/// Renames row `id`.
pub async fn rename(db: &DbPool, roster: Roster, id: i64, name: &str) -> Result<(), sqlx::Error> {
    let sql = format!("UPDATE {} SET name = $2 WHERE id = $1", roster.table());
    on_pool!(db, |pool| sqlx::query(&sql)
        .bind(id)
        .bind(name)
        .execute(pool)
        .await
        .map(drop))
}

/// Deletes row `id`; the foreign keys say what happens to whatever names it.
pub async fn delete(db: &DbPool, roster: Roster, id: i64) -> Result<(), sqlx::Error> {
    let sql = format!("DELETE FROM {} WHERE id = $1", roster.table());
    on_pool!(db, |pool| sqlx::query(&sql)
        .bind(id)
        .execute(pool)
        .await
        .map(drop))
}
