//! The audit log: who changed which field of which object in the admin area, from what to what.

use serde::Serialize;

use super::keyset::Keyed;
use crate::accounts::User;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// One changed field of one object.
pub struct Change {
    /// `setting`, `user`, `category`, `task`, `page`, `solution` or `regrade`.
    pub kind: &'static str,
    /// The object's id (a setting's key).
    pub id: String,
    /// What the object is called now, for readers of the log.
    pub label: String,
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Change {
    /// A change of `field` of object `id` of `kind`, or `None` when the value stays the same.
    #[must_use]
    pub fn of(
        kind: &'static str,
        id: impl ToString,
        label: &str,
        field: &'static str,
        old: Option<String>,
        new: Option<String>,
    ) -> Option<Self> {
        (old != new).then(|| Self {
            kind,
            id: id.to_string(),
            label: label.to_owned(),
            field,
            old,
            new,
        })
    }
}

/// One row of the log.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: Timestamp,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub object_kind: String,
    pub object_id: String,
    pub object_label: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl Keyed for Entry {
    fn key(&self) -> i64 {
        self.id
    }
}

/// Which rows a list shows (every part optional).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The acting user's name (exact, any case).
    pub actor: Option<String>,
    pub kind: Option<String>,
    pub object_id: Option<String>,
}

const INSERT: &str = "INSERT INTO audit_log
    (at, actor_id, actor_name, object_kind, object_id, object_label, field, old_value, new_value)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const PAGE: &str = "SELECT id, at, actor_id, actor_name, object_kind, object_id, object_label,
           field, old_value, new_value
    FROM audit_log
    WHERE ($1 IS NULL OR lower(actor_name) = lower($1))
      AND ($2 IS NULL OR object_kind = $2)
      AND ($3 IS NULL OR object_id = $3)
      AND ($4 IS NULL OR id < $4)
    ORDER BY id DESC
    LIMIT $5";

/// Records `changes` made by `actor` now.
pub async fn record(db: &DbPool, actor: &User, changes: &[Change]) -> Result<(), sqlx::Error> {
    let now = Timestamp::now();
    for change in changes {
        on_pool!(db, |pool| sqlx::query(INSERT)
            .bind(now)
            .bind(actor.id)
            .bind(&actor.username)
            .bind(change.kind)
            .bind(&change.id)
            .bind(&change.label)
            .bind(change.field)
            .bind(&change.old)
            .bind(&change.new)
            .execute(pool)
            .await
            .map(drop))?;
    }
    Ok(())
}

/// Up to `limit` rows matching `filter` older than row `before` (all when `None`), newest first.
pub async fn page(
    db: &DbPool,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(PAGE)
        .bind(&filter.actor)
        .bind(&filter.kind)
        .bind(&filter.object_id)
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await)
}
