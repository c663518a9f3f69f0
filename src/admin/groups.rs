//! What a group is used for, and taking members out of it (adding is
//! [`crate::accounts::groups::add_member`]).

use serde::Serialize;

use crate::db::DbPool;
use crate::on_pool;

/// What depends on a group, for staff to see before they delete it.
#[derive(Debug, Default, Serialize)]
pub struct Usage {
    /// Titles of the tasks only its members see (everyone sees them once it is gone).
    pub tasks: Vec<String>,
    /// Deadline extensions granted to it (deleted with it).
    pub extensions: i64,
}

/// What depends on group `id`.
pub async fn usage(db: &DbPool, id: i64) -> Result<Usage, sqlx::Error> {
    on_pool!(db, |pool| {
        let tasks =
            sqlx::query_scalar("SELECT title FROM tasks WHERE group_id = $1 ORDER BY title")
                .bind(id)
                .fetch_all(pool)
                .await?;
        let extensions =
            sqlx::query_scalar("SELECT COUNT(*) FROM deadline_extensions WHERE group_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?;
        Ok(Usage { tasks, extensions })
    })
}

/// Takes user `user_id` out of group `group_id`; whether they were in it.
pub async fn remove_member(db: &DbPool, group_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(group_id)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() > 0))
}

/// Whether user `user_id` is in group `group_id`.
pub async fn is_member(db: &DbPool, group_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2";
    let found: i64 = on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(group_id)
        .bind(user_id)
        .fetch_one(pool)
        .await)?;
    Ok(found > 0)
}
