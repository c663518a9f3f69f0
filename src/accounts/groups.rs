//! Groups: named sets of users that restrict which tasks they see.

use serde::Serialize;

use crate::db::{DbPool, UserId};
use crate::on_pool;

/// The id of the group `name`, created if missing.
pub async fn ensure(db: &DbPool, name: &str) -> Result<i64, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query("INSERT INTO groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(pool)
            .await?;
        sqlx::query_scalar("SELECT id FROM groups WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await
    })
}

/// Adds a user to a group (nothing happens if they are a member already).
pub async fn add_member(db: &DbPool, group_id: i64, user_id: UserId) -> Result<(), sqlx::Error> {
    let sql =
        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(group_id)
        .bind(user_id)
        .execute(pool)
        .await
        .map(drop))
}

/// Adds a user to every group named (creating missing groups).
pub async fn join_all(db: &DbPool, user_id: i64, names: &[String]) -> Result<(), sqlx::Error> {
    for name in names {
        let group_id = ensure(db, name).await?;
        add_member(db, group_id, UserId(user_id)).await?;
    }
    Ok(())
}

/// The names of a user's groups.
pub async fn names_of(db: &DbPool, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let sql =
        "SELECT g.name FROM groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id = $1
               ORDER BY g.name";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(user_id)
        .fetch_all(pool)
        .await)
}

/// A group, for choosing among them.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Group {
    pub id: i64,
    pub name: String,
}

/// Every group, by name.
pub async fn all(db: &DbPool) -> Result<Vec<Group>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(
        "SELECT id, name FROM groups ORDER BY name"
    )
    .fetch_all(pool)
    .await)
}

/// The ids of the groups `user_id` belongs to.
pub async fn ids_of(db: &DbPool, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(user_id)
        .fetch_all(pool)
        .await)
}
