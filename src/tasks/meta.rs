//! A task directory's `meta.json`: its keys, its dates, and the slug derived from its title.

use jiff::civil::Time;
use jiff::fmt::temporal::Pieces;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// The metadata of one task, read from its directory's `meta.json`: title, category,
/// pubdate, deadline, disabled and INLOOP's own keys; unknown keys are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMeta {
    /// Shown to students; the slug is derived from it.
    pub title: String,
    /// Category *name*; the category is created on first use.
    pub category: String,
    /// When the task becomes visible, in UTC.
    pub pubdate: OffsetDateTime,
    /// When submissions close, in UTC; `None` clears an earlier deadline.
    pub deadline: Option<OffsetDateTime>,
    /// A truthy `disabled` key: the importer skips the directory.
    pub disabled: bool,
    /// Per-task checker limits; `None` means "use the configured default".
    pub limits: CheckLimits,
}

/// Checker limits a task may set in `meta.json`; keys we define on top of the original format.
/// Stored with the task as JSON under the same keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CheckLimits {
    /// `time_limit`: wall-clock seconds for one check.
    #[serde(rename = "time_limit", skip_serializing_if = "Option::is_none")]
    pub time_limit_secs: Option<u32>,
    /// `memory_limit`: MiB of memory for the checker container.
    #[serde(rename = "memory_limit", skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
    /// `cpus`: CPUs for the checker container, may be fractional (e.g. `0.5`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f32>,
    /// `process_limit`: maximum number of processes (threads count too) in the container.
    #[serde(rename = "process_limit", skip_serializing_if = "Option::is_none")]
    pub processes: Option<u32>,
}

impl CheckLimits {
    /// These limits, each one that is not set taken from `fallback`.
    #[must_use]
    pub fn or(self, fallback: Self) -> Self {
        Self {
            time_limit_secs: self.time_limit_secs.or(fallback.time_limit_secs),
            memory_mib: self.memory_mib.or(fallback.memory_mib),
            cpus: self.cpus.or(fallback.cpus),
            processes: self.processes.or(fallback.processes),
        }
    }

    /// Limits stored as JSON (none when the text does not read).
    #[must_use]
    pub fn from_json(json: &str) -> Self {
        serde_json::from_str(json).unwrap_or_default()
    }
}

/// Why a `meta.json` could not be read; messages name the key and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    /// The file is not JSON at all.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// The file is JSON, but not an object.
    #[error("expected a JSON object at the top level, found {0}")]
    NotAnObject(&'static str),
    /// A required key is absent (or `null`).
    #[error("missing required key \"{0}\"")]
    MissingKey(&'static str),
    /// A date key holds a string that is not a date in the accepted format.
    #[error("\"{key}\": cannot read \"{value}\" as a date (expected YYYY-MM-DD HH:MM[:SS])")]
    BadDate {
        /// The key, e.g. `pubdate`.
        key: &'static str,
        /// The value as written.
        value: String,
    },
    /// A key holds a value of the wrong type or out of range.
    #[error("\"{key}\": {reason}")]
    Invalid {
        /// The key, e.g. `time_limit`.
        key: &'static str,
        /// What was expected and what was found.
        reason: String,
    },
}

/// Reads a `meta.json`, interpreting dates without an offset as local time in `zone`.
///
/// Unknown keys are ignored; `null` counts as absent. A local time that falls into a DST gap
/// is moved forward by the gap's length (02:30 on a spring-forward night in Berlin is 03:30
/// CEST); one that occurs twice in a DST fold takes the earlier instant (the summer-time
/// reading). This is jiff's "compatible" strategy, the same choice as RFC 5545 and as Python's
/// `zoneinfo` with `fold=0` (what Django 4+ does with a naive datetime).
pub fn parse(json: &str, zone: &TimeZone) -> Result<TaskMeta, MetaError> {
    let meta = object(json)?;
    Ok(TaskMeta {
        title: required_text(&meta, "title")?,
        category: required_text(&meta, "category")?,
        pubdate: match meta.get("pubdate") {
            None | Some(Value::Null) => return Err(MetaError::MissingKey("pubdate")),
            Some(value) => date(value, "pubdate", zone)?,
        },
        deadline: match meta.get("deadline") {
            None | Some(Value::Null) => None,
            Some(value) => Some(date(value, "deadline", zone)?),
        },
        disabled: meta.get("disabled").is_some_and(truthy),
        limits: CheckLimits {
            time_limit_secs: positive_integer(&meta, "time_limit", "seconds")?,
            memory_mib: positive_integer(&meta, "memory_limit", "MiB")?,
            cpus: positive_cpus(&meta)?,
            processes: positive_integer(&meta, "process_limit", "processes")?,
        },
    })
}

/// Whether `meta.json` marks its directory as disabled, without validating anything else.
///
/// The original skipped disabled directories before looking at their other keys, so an
/// unfinished task can be parked with just `{"disabled": true}`; the importer calls this first.
/// Unreadable JSON counts as not disabled, so that [`parse`] reports it.
#[must_use]
pub fn is_disabled(json: &str) -> bool {
    object(json).is_ok_and(|meta| meta.get("disabled").is_some_and(truthy))
}

/// The URL slug of a task title: parenthesised parts removed, then slugified.
///
/// Matches the original (Django's `slugify` after removing every `(...)`), so existing
/// bookmarks keep working: ASCII letters and digits are kept and lowercased, `_` is kept,
/// runs of whitespace and hyphens become one `-`, other punctuation is dropped
/// (`"Task 1.2"` gives `task-12`), and leading or trailing `-`/`_` are trimmed. Unlike the
/// original, non-ASCII text is transliterated (`Straße` gives `strasse`, where the original
/// dropped the `ß`). The result is empty when nothing sluggable is left; the caller decides
/// the fallback.
#[must_use]
pub fn slug(title: &str) -> String {
    let ascii = deunicode::deunicode(&without_parenthesised(title)).to_ascii_lowercase();
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_hyphen = false;
    for c in ascii.chars() {
        if c.is_ascii_whitespace() || c == '-' {
            pending_hyphen = true;
        } else if c.is_ascii_alphanumeric() || c == '_' {
            if pending_hyphen {
                slug.push('-');
                pending_hyphen = false;
            }
            slug.push(c);
        }
    }
    slug.trim_matches(['-', '_']).to_owned()
}

/// Removes every `(` … `)` with at least one character inside, as the regex `\([^)]+\)` does.
fn without_parenthesised(title: &str) -> String {
    let mut kept = String::with_capacity(title.len());
    let mut rest = title;
    while let Some(open) = rest.find('(') {
        kept.push_str(&rest[..open]);
        let inside = &rest[open + 1..];
        match inside.find(')') {
            Some(close) if close > 0 => rest = &inside[close + 1..],
            _ => {
                kept.push('(');
                rest = inside;
            }
        }
    }
    kept.push_str(rest);
    kept
}

fn object(json: &str) -> Result<Map<String, Value>, MetaError> {
    match serde_json::from_str(json) {
        Ok(Value::Object(meta)) => Ok(meta),
        Ok(other) => Err(MetaError::NotAnObject(kind(&other))),
        Err(error) => Err(MetaError::MalformedJson(error.to_string())),
    }
}

fn required_text(meta: &Map<String, Value>, key: &'static str) -> Result<String, MetaError> {
    match meta.get(key) {
        None | Some(Value::Null) => Err(MetaError::MissingKey(key)),
        Some(Value::String(text)) if text.trim().is_empty() => Err(MetaError::Invalid {
            key,
            reason: "must not be empty".to_owned(),
        }),
        Some(Value::String(text)) => Ok(text.trim().to_owned()),
        Some(other) => Err(wrong_type(key, "a string", other)),
    }
}

fn positive_integer(
    meta: &Map<String, Value>,
    key: &'static str,
    unit: &str,
) -> Result<Option<u32>, MetaError> {
    match meta.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .filter(|&number| number > 0)
            .and_then(|number| u32::try_from(number).ok())
            .map(Some)
            .ok_or_else(|| wrong_type(key, &format!("a positive whole number of {unit}"), value)),
    }
}

#[expect(
    clippy::cast_possible_truncation,
    reason = "range checked, and f32 is plenty for a CPU share"
)]
fn positive_cpus(meta: &Map<String, Value>) -> Result<Option<f32>, MetaError> {
    match meta.get("cpus") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|&cpus| cpus > 0.0 && cpus <= 1024.0)
            .map(|cpus| Some(cpus as f32))
            .ok_or_else(|| wrong_type("cpus", "a positive number of CPUs", value)),
    }
}

fn wrong_type(key: &'static str, expected: &str, found: &Value) -> MetaError {
    let found = match found {
        Value::Number(number) => format!("{number}"),
        Value::String(text) => format!("the string {text:?}"),
        other => kind(other).to_owned(),
    };
    MetaError::Invalid {
        key,
        reason: format!("expected {expected}, found {found}"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Python's `bool()`: false, null, zero, and empty strings, arrays and objects are false.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(entries) => !entries.is_empty(),
    }
}

fn date(value: &Value, key: &'static str, zone: &TimeZone) -> Result<OffsetDateTime, MetaError> {
    let Value::String(text) = value else {
        return Err(wrong_type(key, "a date string", value));
    };
    parse_date(text, zone).ok_or_else(|| MetaError::BadDate {
        key,
        value: text.clone(),
    })
}

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]][ ][Z|±HH|±HHMM|±HH:MM]`.
///
/// jiff does the parsing; its grammar (RFC 3339 / Temporal) is wider than ours, so the shape
/// of the date and the hour and minute is checked first, and bracketed annotations are refused.
/// jiff also accepts `,` before the fraction and clamps a leap second `:60` to `:59`.
#[must_use]
pub fn parse_date(text: &str, zone: &TimeZone) -> Option<OffsetDateTime> {
    let text = text.trim();
    if !has_date_shape(text.as_bytes()) || text.contains('[') {
        return None;
    }
    // jiff wants the offset glued to the time; INLOOP's repositories may put a space before it.
    let glued = match text.rsplit_once(' ') {
        Some((head, offset)) if head.len() >= 16 && offset.starts_with(['+', '-', 'Z', 'z']) => {
            format!("{}{offset}", head.trim_end())
        }
        _ => text.to_owned(),
    };
    let pieces = Pieces::parse(&glued).ok()?;
    let local = pieces
        .date()
        .to_datetime(pieces.time().unwrap_or(Time::midnight()));
    let instant = match pieces.offset() {
        Some(offset) => offset.to_numeric_offset().to_timestamp(local).ok()?,
        None => zone.to_ambiguous_timestamp(local).compatible().ok()?,
    };
    OffsetDateTime::from_unix_timestamp_nanos(instant.as_nanosecond()).ok()
}

/// `YYYY-MM-DD` alone, or followed by a space or `T` and `HH:MM`.
fn has_date_shape(text: &[u8]) -> bool {
    let matches = |pattern: &[u8]| {
        text.len() >= pattern.len()
            && pattern.iter().zip(text).all(|(&want, &got)| match want {
                b'9' => got.is_ascii_digit(),
                b'T' => matches!(got, b'T' | b't' | b' '),
                other => got == other,
            })
    };
    (text.len() == 10 && matches(b"9999-99-99")) || matches(b"9999-99-99T99:99")
}

#[cfg(test)]
mod tests;
