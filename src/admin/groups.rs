//! What a group is used for, and staff adding members to it and taking them out, audited.

use serde::Serialize;

use super::audit::{self, Change};
use crate::accounts::User;
use crate::accounts::groups::add_member;
use crate::db::{DbPool, UserId};
use crate::on_pool;

/// A group staff change: its id and name.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    pub id: i64,
    pub name: &'a str,
}

/// Adds `users` to `group` for `actor`, one audit row per new member; the usernames added and
/// those that were members already.
pub async fn add_members<'u>(
    db: &DbPool,
    actor: &User,
    group: Named<'_>,
    users: &'u [User],
) -> Result<(Vec<&'u str>, Vec<&'u str>), sqlx::Error> {
    let (mut changes, mut added, mut already) = (Vec::new(), Vec::new(), Vec::new());
    for user in users {
        let name = user.username.as_str();
        if is_member(db, group.id, user.id).await? {
            already.push(name);
            continue;
        }
        add_member(db, group.id, UserId(user.id)).await?;
        added.push(name);
        let new = Some(name.to_owned());
        changes.extend(Change::of(
            "group", group.id, group.name, "member", None, new,
        ));
    }
    audit::record(db, actor, &changes).await?;
    Ok((added, already))
}

/// Takes `users` out of `group` for `actor`, one audit row per member taken out; their usernames.
pub async fn remove_members<'u>(
    db: &DbPool,
    actor: &User,
    group: Named<'_>,
    users: &'u [User],
) -> Result<Vec<&'u str>, sqlx::Error> {
    let (mut changes, mut removed) = (Vec::new(), Vec::new());
    for user in users {
        if remove_member(db, group.id, user.id).await? {
            removed.push(user.username.as_str());
            let old = Some(user.username.clone());
            changes.extend(Change::of(
                "group", group.id, group.name, "member", old, None,
            ));
        }
    }
    audit::record(db, actor, &changes).await?;
    Ok(removed)
}

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
