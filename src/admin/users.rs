//! The user directory staff work with: the filtered list, roles and activity, group membership,
//! a user's solutions.

use serde::Serialize;

use crate::accounts::groups;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A row of the user list.
#[allow(clippy::struct_excessive_bools, reason = "one row of the users table")]
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: Timestamp,
    pub last_login: Option<Timestamp>,
}

/// The orders the list offers; each is total (ties broken by id), so pages never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Username,
    Newest,
    Oldest,
    LastLogin,
}

impl Sort {
    /// The order named in a query (`username`, `newest`, `oldest`, `last_login`).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "username" => Some(Self::Username),
            "newest" => Some(Self::Newest),
            "oldest" => Some(Self::Oldest),
            "last_login" => Some(Self::LastLogin),
            _ => None,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Self::Username => "lower(u.username), u.id",
            Self::Newest => "u.date_joined DESC, u.id DESC",
            Self::Oldest => "u.date_joined, u.id",
            // Never logged in last (NULLs sort differently on the two backends).
            Self::LastLogin => "COALESCE(u.last_login, 0) DESC, u.id",
        }
    }
}

/// Which users a list shows (every part optional).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Part of the username, e-mail address or name (any case).
    pub search: Option<String>,
    pub staff: Option<bool>,
    pub active: Option<bool>,
    pub group_id: Option<i64>,
    /// The course of study's id.
    pub course_id: Option<i64>,
    /// Signed up at or after.
    pub joined_from: Option<Timestamp>,
    /// Signed up before.
    pub joined_to: Option<Timestamp>,
}

/// `text` as a LIKE pattern matching it anywhere, its wildcards taken literally. PostgreSQL
/// refuses NUL in text, so it is dropped.
pub(super) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for character in text.to_lowercase().chars().filter(|&c| c != '\0') {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

const LIST: &str = "SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.is_active,
           u.is_staff, u.is_superuser, u.date_joined, u.last_login
    FROM users u
    WHERE ($1 IS NULL OR lower(u.username) LIKE $1 ESCAPE '\\' OR lower(u.email) LIKE $1 ESCAPE '\\'
           OR lower(u.first_name || ' ' || u.last_name) LIKE $1 ESCAPE '\\')
      AND ($2 IS NULL OR (u.is_staff OR u.is_superuser) = $2)
      AND ($3 IS NULL OR u.is_active = $3)
      AND ($4 IS NULL OR EXISTS
           (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.group_id = $4))
      AND ($5 IS NULL OR u.course_id = $5)
      AND ($6 IS NULL OR u.date_joined >= $6) AND ($7 IS NULL OR u.date_joined < $7)";

/// Up to `limit` users matching `filter` in `sort` order, after skipping `offset`.
pub async fn list(
    db: &DbPool,
    filter: &Filter,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    let sql = format!("{LIST} ORDER BY {} LIMIT $8 OFFSET $9", sort.order_by());
    let search = filter.search.as_deref().map(contains_pattern);
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(&search)
        .bind(filter.staff)
        .bind(filter.active)
        .bind(filter.group_id)
        .bind(filter.course_id)
        .bind(filter.joined_from)
        .bind(filter.joined_to)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)
}

/// Makes `user_id` a member of exactly the existing groups among `group_ids`.
pub async fn set_groups(db: &DbPool, user_id: i64, group_ids: &[i64]) -> Result<(), sqlx::Error> {
    let current = groups::ids_of(db, user_id).await?;
    for &gone in current.iter().filter(|id| !group_ids.contains(id)) {
        super::groups::remove_member(db, gone, user_id).await?;
    }
    for new in group_ids.iter().filter(|id| !current.contains(id)) {
        let sql = "INSERT INTO group_members (group_id, user_id)
                   SELECT id, $2 FROM groups WHERE id = $1 ON CONFLICT DO NOTHING";
        on_pool!(db, |pool| sqlx::query(sql)
            .bind(new)
            .bind(user_id)
            .execute(pool)
            .await
            .map(drop))?;
    }
    Ok(())
}

/// A user's roles and activity.
#[allow(clippy::struct_excessive_bools, reason = "the flags of one user")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags {
    pub active: bool,
    pub staff: bool,
    pub superuser: bool,
}

/// Stores `flags` of user `id`.
pub async fn set_flags(db: &DbPool, id: i64, flags: Flags) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET is_active = $2, is_staff = $3, is_superuser = $4 WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(flags.active)
        .bind(flags.staff)
        .bind(flags.superuser)
        .execute(pool)
        .await
        .map(drop))
}

/// One of a user's solutions, for the links on their page.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct SolutionLink {
    pub slug: String,
    pub title: String,
    pub number: i64,
    pub submitted_at: Timestamp,
    pub status: String,
    pub verdict: Option<String>,
}

/// The newest `limit` solutions of `user_id`.
pub async fn solutions_of(
    db: &DbPool,
    user_id: i64,
    limit: i64,
) -> Result<Vec<SolutionLink>, sqlx::Error> {
    let sql = "SELECT t.slug, t.title, s.number, s.submitted_at, s.status, s.verdict
               FROM solutions s JOIN tasks t ON t.id = s.task_id
               WHERE s.author_id = $1 ORDER BY s.submitted_at DESC, s.id DESC LIMIT $2";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_text_is_taken_literally() {
        assert_eq!(contains_pattern("A_b%\\"), "%a\\_b\\%\\\\%");
        assert_eq!(contains_pattern("x\0y"), "%xy%");
    }
}
