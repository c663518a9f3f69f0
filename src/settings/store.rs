//! Reading and writing settings, with the per-process cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

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

type Values = HashMap<String, serde_json::Value>;

/// Runs between a refill's read and its store (tests only: to interleave deterministically).
#[cfg(test)]
type RefillHook = Arc<std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>>;

/// The settings of this process: shared, cached, invalidated over the event bus.
///
/// Every invalidation bumps a generation counter; a refill stores what it read only when no
/// invalidation came while it was reading, so a change announced meanwhile is never lost.
#[derive(Clone, Default)]
pub struct Settings {
    cache: Arc<RwLock<Option<Values>>>,
    generation: Arc<AtomicU64>,
    #[cfg(test)]
    during_refill: RefillHook,
}

impl Settings {
    /// Drops the cache whenever any process announces a change.
    pub fn follow(&self, bus: &Bus) {
        let settings = self.clone();
        bus.follow(TOPIC, move |_| settings.invalidate());
    }

    /// Forgets the cached values, including any refill still reading.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.cache.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// The current value of `setting` (its default when never set).
    pub async fn value(
        &self,
        db: &DbPool,
        setting: &Setting,
    ) -> Result<serde_json::Value, SettingError> {
        if let Some(values) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            return Ok(values
                .get(setting.key)
                .cloned()
                .unwrap_or_else(|| setting.default_value()));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let rows: Vec<(String, String)> =
            crate::on_pool!(db, |pool| sqlx::query_as("SELECT key, value FROM settings")
                .fetch_all(pool)
                .await)?;
        #[cfg(test)]
        if let Some(hook) = self
            .during_refill
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            hook();
        }
        let values: HashMap<_, _> = rows
            .into_iter()
            .filter_map(|(key, value)| Some((key, serde_json::from_str(&value).ok()?)))
            .collect();
        let value = values
            .get(setting.key)
            .cloned()
            .unwrap_or_else(|| setting.default_value());
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        // An invalidation while reading: what was read may predate the change.
        if self.generation.load(Ordering::SeqCst) == generation {
            *cache = Some(values);
        }
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
        crate::on_pool!(db, |pool| {
            sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(setting.key)
        .bind(value)
        .bind(now)
        .execute(pool)
        .await
        .map(drop)
        })?;
        self.invalidate();
        bus.publish(TOPIC, setting.key).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SUBMISSION_LIMIT;

    async fn store(db: &DbPool, value: &str) {
        crate::on_pool!(db, |pool| sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ('submission_limit', $1, 0)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(value)
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
    }

    #[tokio::test]
    async fn a_change_announced_while_the_cache_refills_is_not_lost() {
        let db = DbPool::connect("sqlite::memory:", 1).await.unwrap();
        crate::on_pool!(&db, |pool| sqlx::query(
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        )
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
        store(&db, "5").await;
        let settings = Settings::default();
        // Another process stores 7 and announces it after this refill read 5, before it stores.
        let generation = Arc::clone(&settings.generation);
        *settings.during_refill.lock().unwrap() = Some(Box::new(move || {
            generation.fetch_add(1, Ordering::SeqCst);
        }));
        assert_eq!(settings.int(&db, &SUBMISSION_LIMIT).await.unwrap(), 5);
        store(&db, "7").await;
        assert_eq!(settings.int(&db, &SUBMISSION_LIMIT).await.unwrap(), 7);
        // Without an announcement the cache serves: the database is not read on every call.
        store(&db, "9").await;
        assert_eq!(settings.int(&db, &SUBMISSION_LIMIT).await.unwrap(), 7);
        settings.invalidate();
        assert_eq!(settings.int(&db, &SUBMISSION_LIMIT).await.unwrap(), 9);
    }
}
