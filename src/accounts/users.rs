//! Users in the database: lookup, creation, activation, profile and password changes.

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A user account.
#[allow(clippy::struct_excessive_bools, reason = "one row of the users table")]
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: Timestamp,
    pub last_login: Option<Timestamp>,
    pub matriculation_number: String,
    pub course_id: Option<i64>,
    pub ownwork_confirmed: bool,
}

impl User {
    /// Staff see everything of the course; superusers are staff too.
    #[must_use]
    pub fn is_staff(&self) -> bool {
        self.is_staff || self.is_superuser
    }
}

const COLUMNS: &str = "id, username, email, password_hash, first_name, last_name, is_active, is_staff, \
    is_superuser, date_joined, last_login, matriculation_number, course_id, ownwork_confirmed";

/// A new account's fields.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// Creates a user; fails on a duplicate username or e-mail (any case).
pub async fn create(db: &DbPool, user: &NewUser<'_>) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO users (username, email, password_hash, is_active, is_staff, is_superuser, date_joined)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(user.username)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.is_active)
        .bind(user.is_staff)
        .bind(user.is_superuser)
        .bind(Timestamp::now())
        .fetch_one(pool)
        .await)
}

/// The user with this id.
pub async fn by_id(db: &DbPool, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The user whose username or e-mail is `login` (case-insensitive). Sign-up keeps names and
/// addresses apart (see [`login_taken`]); should older data hold both, the username wins.
pub async fn by_login(db: &DbPool, login: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE lower(username) = lower($1) OR lower(email) = lower($1)
         ORDER BY CASE WHEN lower(username) = lower($1) THEN 0 ELSE 1 END, id LIMIT 1"
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(login.trim())
        .fetch_optional(pool)
        .await)
}

/// The user with this e-mail address (case-insensitive).
pub async fn by_email(db: &DbPool, email: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE lower(email) = lower($1)");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(email.trim())
        .fetch_optional(pool)
        .await)
}

/// Which account, if any, already logs in with `name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    /// Another account has this username.
    AsUsername,
    /// Another account has this e-mail address.
    AsEmail,
}

/// Whether `name` (any case) is some account's username or e-mail address: login accepts both,
/// so a new username must not be anyone's address, nor a new address anyone's username.
pub async fn login_taken(db: &DbPool, name: &str) -> Result<Option<Taken>, sqlx::Error> {
    let sql = "SELECT
                 (SELECT COUNT(*) FROM users WHERE lower(username) = lower($1)),
                 (SELECT COUNT(*) FROM users WHERE lower(email) = lower($1))";
    let (as_username, as_email): (i64, i64) = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(name.trim())
        .fetch_one(pool)
        .await)?;
    Ok(if as_username > 0 {
        Some(Taken::AsUsername)
    } else if as_email > 0 {
        Some(Taken::AsEmail)
    } else {
        None
    })
}

/// Marks the account active (e-mail confirmed).
pub async fn activate(db: &DbPool, id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET is_active = TRUE WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .execute(pool)
        .await
        .map(drop))
}

/// Records a successful login.
pub async fn touch_login(db: &DbPool, id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET last_login = $2 WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(Timestamp::now())
        .execute(pool)
        .await
        .map(drop))
}

/// Replaces the password hash.
pub async fn set_password_hash(db: &DbPool, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET password_hash = $2 WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(hash)
        .execute(pool)
        .await
        .map(drop))
}

/// The profile fields a user edits.
pub struct Profile<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub matriculation_number: &'a str,
    pub course_id: Option<i64>,
}

/// Saves a user's profile.
pub async fn update_profile(
    db: &DbPool,
    id: i64,
    profile: &Profile<'_>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET first_name = $2, last_name = $3, matriculation_number = $4, course_id = $5
               WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(profile.first_name)
        .bind(profile.last_name)
        .bind(profile.matriculation_number)
        .bind(profile.course_id)
        .execute(pool)
        .await
        .map(drop))
}

/// Records that the user confirmed the own-work declaration.
pub async fn confirm_ownwork(db: &DbPool, id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET ownwork_confirmed = TRUE WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .execute(pool)
        .await
        .map(drop))
}

/// Deletes accounts never activated that were created before `joined_before`; returns how many.
pub async fn prune_inactive(db: &DbPool, joined_before: Timestamp) -> Result<u64, sqlx::Error> {
    let sql =
        "DELETE FROM users WHERE is_active = FALSE AND last_login IS NULL AND date_joined < $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(joined_before)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
}

/// A course of study.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Course {
    pub id: i64,
    pub name: String,
}

/// All courses of study, by name.
pub async fn courses(db: &DbPool) -> Result<Vec<Course>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(
        "SELECT id, name FROM courses ORDER BY name"
    )
    .fetch_all(pool)
    .await)
}

/// Every user id, for bulk operations.
pub async fn all_ids(db: &DbPool) -> Result<Vec<i64>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM users ORDER BY id"
    )
    .fetch_all(pool)
    .await)
}
