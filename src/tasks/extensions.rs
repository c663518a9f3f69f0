//! Per-student deadline extensions: staff grant a student, or every member of a group, a later
//! deadline for a task or for every task of a category. A task's deadline for a student is the
//! latest of its own and of their extensions; a task without a deadline has none to extend.

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// SQL: the deadline of task `t` for the user whose id is the SQL expression `user` (`$1` for the
/// viewer, a column for a list of students): their latest extension when it is later than the
/// task's own deadline.
#[must_use]
pub fn deadline_for(user: &str) -> String {
    format!(
        "CASE WHEN t.deadline IS NULL THEN NULL ELSE COALESCE(
        (SELECT MAX(e.deadline) FROM deadline_extensions e
         WHERE e.deadline > t.deadline
           AND (e.task_id = t.id OR e.category_id = t.category_id)
           AND (e.user_id = {user}
                OR e.group_id IN (SELECT m.group_id FROM group_members m WHERE m.user_id = {user}))),
        t.deadline) END"
    )
}

/// What an extension applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Task(i64),
    Category(i64),
}

/// Who an extension is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grantee {
    User(i64),
    Group(i64),
}

/// An extension as the admin list shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Extension {
    pub id: i64,
    /// The task's title, or the category's name.
    pub scope: String,
    pub is_category: bool,
    /// The student's username, or the group's name.
    pub grantee: String,
    pub is_group: bool,
    pub deadline: Timestamp,
    /// The task's own deadline (`None` for a category or a task without one).
    pub task_deadline: Option<Timestamp>,
    pub reason: String,
    pub granted_by: Option<String>,
    pub granted_at: Timestamp,
}

impl Extension {
    /// How the audit log names it, e.g. `ada: Hello Shell`.
    #[must_use]
    pub fn label(&self) -> String {
        format!("{}: {}", self.grantee, self.scope)
    }
}

const SELECT: &str = "SELECT e.id,
        COALESCE(t.title, c.name, '') AS scope, e.category_id IS NOT NULL AS is_category,
        COALESCE(u.username, g.name, '') AS grantee, e.group_id IS NOT NULL AS is_group,
        e.deadline, t.deadline AS task_deadline, e.reason, b.username AS granted_by, e.granted_at
    FROM deadline_extensions e
    LEFT JOIN tasks t ON t.id = e.task_id
    LEFT JOIN categories c ON c.id = e.category_id
    LEFT JOIN users u ON u.id = e.user_id
    LEFT JOIN groups g ON g.id = e.group_id
    LEFT JOIN users b ON b.id = e.granted_by";

/// Every extension whose student, group, task or category contains `search` (any case; `None`:
/// all), the latest deadline first.
pub async fn list(db: &DbPool, search: Option<&str>) -> Result<Vec<Extension>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE $1 IS NULL
            OR lower(COALESCE(u.username, g.name, '')) LIKE $1
            OR lower(COALESCE(t.title, c.name, '')) LIKE $1
         ORDER BY e.deadline DESC, e.id DESC"
    );
    let pattern = search.map(|search| format!("%{}%", search.to_lowercase().replace('\0', "")));
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(pattern.as_deref())
        .fetch_all(pool)
        .await)
}

/// The extension `id`.
pub async fn get(db: &DbPool, id: i64) -> Result<Option<Extension>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE e.id = $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// Grants `grantee` the `deadline` for `scope`; the new extension's id.
pub async fn grant(
    db: &DbPool,
    scope: Scope,
    grantee: Grantee,
    deadline: Timestamp,
    reason: &str,
    granted_by: i64,
) -> Result<i64, sqlx::Error> {
    let (task, category) = match scope {
        Scope::Task(id) => (Some(id), None),
        Scope::Category(id) => (None, Some(id)),
    };
    let (user, group) = match grantee {
        Grantee::User(id) => (Some(id), None),
        Grantee::Group(id) => (None, Some(id)),
    };
    on_pool!(db, |pool| sqlx::query_scalar(
        "INSERT INTO deadline_extensions
            (task_id, category_id, user_id, group_id, deadline, reason, granted_by, granted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(task)
    .bind(category)
    .bind(user)
    .bind(group)
    .bind(deadline)
    .bind(reason)
    .bind(granted_by)
    .bind(Timestamp::now())
    .fetch_one(pool)
    .await)
}

/// Takes the extension `id` back; what it was, if it existed.
pub async fn revoke(db: &DbPool, id: i64) -> Result<Option<Extension>, sqlx::Error> {
    let Some(extension) = get(db, id).await? else {
        return Ok(None);
    };
    on_pool!(db, |pool| sqlx::query(
        "DELETE FROM deadline_extensions WHERE id = $1"
    )
    .bind(id)
    .execute(pool)
    .await
    .map(drop))?;
    Ok(Some(extension))
}
