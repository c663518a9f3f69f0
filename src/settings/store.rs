//! Reading and writing settings, with the per-process cache.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::RwLock;

use super::{Kind, Setting, find};
use crate::db::{DbPool, Timestamp};
use crate::events::Bus;

/// The bus topic announcing that a setting changed.
pub const TOPIC: &str = "settings";

/// A setting could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("unknown setting {0:?}")]
    Unknown(String),
    #[error("{key}: {reason}")]
    Invalid { key: &'static str, reason: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The settings of this process: shared, cached, invalidated over the event bus.
#[derive(Clone, Default)]
pub struct Settings {
    cache: Arc<RwLock<Option<HashMap<String, serde_json::Value>>>>,
}

impl Settings {
    /// Drops the cache whenever any process announces a change.
    pub fn follow(&self, bus: &Bus) {
        let mut messages = bus.subscribe();
        let cache = Arc::clone(&self.cache);
        tokio::spawn(async move {
            loop {
                match messages.recv().await {
                    Ok(message)
                        if message.topic != TOPIC
                            && message.topic != crate::events::RESUBSCRIBED => {}
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        *cache.write().await = None;
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }

    /// The current value of `setting` (its default when never set).
    pub async fn value(
        &self,
        db: &DbPool,
        setting: &Setting,
    ) -> Result<serde_json::Value, SettingError> {
        if let Some(values) = self.cache.read().await.as_ref() {
            return Ok(values
                .get(setting.key)
                .cloned()
                .unwrap_or_else(|| setting.default_value()));
        }
        let rows: Vec<(String, String)> = crate::on_pool!(db, pool => sqlx::query_as("SELECT key, value FROM settings").fetch_all(pool).await)?;
        let values: HashMap<_, _> = rows
            .into_iter()
            .filter_map(|(key, value)| Some((key, serde_json::from_str(&value).ok()?)))
            .collect();
        let value = values
            .get(setting.key)
            .cloned()
            .unwrap_or_else(|| setting.default_value());
        *self.cache.write().await = Some(values);
        Ok(value)
    }

    /// A `Bool` setting.
    pub async fn bool(&self, db: &DbPool, setting: &Setting) -> Result<bool, SettingError> {
        debug_assert_eq!(setting.kind, Kind::Bool);
        Ok(self.value(db, setting).await?.as_bool().unwrap_or(false))
    }

    /// An `Int` setting.
    pub async fn int(&self, db: &DbPool, setting: &Setting) -> Result<i64, SettingError> {
        debug_assert_eq!(setting.kind, Kind::Int);
        Ok(self.value(db, setting).await?.as_i64().unwrap_or_default())
    }

    /// A `Text`, `Markdown` or `Regex` setting.
    pub async fn text(&self, db: &DbPool, setting: &Setting) -> Result<String, SettingError> {
        Ok(self
            .value(db, setting)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// A `List` setting.
    pub async fn list(&self, db: &DbPool, setting: &Setting) -> Result<Vec<String>, SettingError> {
        let value = self.value(db, setting).await?;
        let items = value.as_array().map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
        });
        Ok(items.map(Iterator::collect).unwrap_or_default())
    }

    /// Validates and stores `text` for the setting named `key`, then tells every process.
    pub async fn set(
        &self,
        db: &DbPool,
        bus: &Bus,
        key: &str,
        text: &str,
    ) -> Result<(), SettingError> {
        let setting = find(key).ok_or_else(|| SettingError::Unknown(key.to_owned()))?;
        let value = setting.parse(text)?.to_string();
        let now = Timestamp::now();
        crate::on_pool!(db, pool => sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(setting.key)
        .bind(value)
        .bind(now)
        .execute(pool)
        .await
        .map(drop))?;
        *self.cache.write().await = None;
        bus.publish(TOPIC, setting.key).await;
        Ok(())
    }
}
