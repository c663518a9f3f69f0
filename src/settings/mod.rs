//! Runtime settings: typed values in the database, defaults in code, cached per process.
//!
//! Admins change them at run time (the admin area, `inloop settings set`). Every process caches
//! all values; a change publishes `settings` on the event bus and every process drops its cache.

mod catalog;
mod store;

pub use catalog::*;
pub use store::{SettingError, Settings};

/// The kind of a setting's value, which decides how text is parsed and validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`).
    Bool,
    /// A whole number.
    Int,
    /// Free text.
    Text,
    /// Markdown, rendered where it is shown.
    Markdown,
    /// A regular expression (empty: none).
    Regex,
    /// Comma-separated items.
    List,
}

/// One runtime setting: its key, kind, default (as text) and meaning.
#[derive(Debug)]
pub struct Setting {
    pub key: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub help: &'static str,
}

impl Setting {
    /// Parses `text` as this setting's kind into its stored JSON form.
    pub fn parse(&self, text: &str) -> Result<serde_json::Value, SettingError> {
        let invalid = |reason: String| SettingError::Invalid {
            key: self.key,
            reason,
        };
        let text = text.trim();
        Ok(match self.kind {
            Kind::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => true.into(),
                "false" | "no" | "off" | "0" => false.into(),
                _ => return Err(invalid(format!("{text:?} is not true or false"))),
            },
            Kind::Int => text
                .parse::<i64>()
                .map_err(|_| invalid(format!("{text:?} is not a whole number")))?
                .into(),
            Kind::Text | Kind::Markdown => text.into(),
            Kind::Regex => {
                regex::Regex::new(text).map_err(|error| invalid(error.to_string()))?;
                text.into()
            }
            Kind::List => text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(serde_json::Value::from)
                .collect::<Vec<_>>()
                .into(),
        })
    }

    /// The default in its stored form.
    #[must_use]
    pub fn default_value(&self) -> serde_json::Value {
        self.parse(self.default)
            .expect("defaults in the catalog are valid")
    }
}

/// The setting named `key`.
#[must_use]
pub fn find(key: &str) -> Option<&'static Setting> {
    ALL.iter().copied().find(|setting| setting.key == key)
}

/// A stored value as text, the way `inloop settings get` prints it.
#[must_use]
pub fn display(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_parses_and_keys_are_unique() {
        let mut keys: Vec<_> = ALL.iter().map(|setting| setting.key).collect();
        for setting in ALL {
            let _ = setting.default_value();
        }
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ALL.len());
    }

    #[test]
    fn values_are_validated_by_kind() {
        assert_eq!(
            SIGNUP_ALLOWED.parse("off").unwrap(),
            serde_json::Value::Bool(false)
        );
        assert!(SIGNUP_ALLOWED.parse("maybe").is_err());
        assert!(EMAIL_PATTERN.parse("(unclosed").is_err());
        assert_eq!(
            display(&AUTO_ASSIGN_GROUPS.parse(" a, b ,,c").unwrap()),
            "a,b,c"
        );
    }
}
