//! The stored pages.

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A stored page.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Stored {
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub login_only: bool,
}

/// The stored page `slug`, if it was ever saved.
pub async fn get(db: &DbPool, slug: &str) -> Result<Option<Stored>, sqlx::Error> {
    let sql = "SELECT title, body, body_html, login_only FROM pages WHERE slug = $1";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(slug)
        .fetch_optional(pool)
        .await)
}

/// Stores page `slug`.
pub async fn put(db: &DbPool, slug: &str, page: &Stored) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO pages (slug, title, body, body_html, login_only, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (slug) DO UPDATE SET title = excluded.title, body = excluded.body,
                   body_html = excluded.body_html, login_only = excluded.login_only,
                   updated_at = excluded.updated_at";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(slug)
        .bind(&page.title)
        .bind(&page.body)
        .bind(&page.body_html)
        .bind(page.login_only)
        .bind(Timestamp::now())
        .execute(pool)
        .await
        .map(drop))
}
