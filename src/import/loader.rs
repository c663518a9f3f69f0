//! Reading the task directories of a checked-out repository (SPEC section 1).

use std::path::Path;

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::markdown;
use crate::tasks::meta::{self, TaskMeta};

/// A task directory that reads cleanly.
#[derive(Debug)]
pub struct LoadedTask {
    pub system_name: String,
    pub meta: TaskMeta,
    pub text_html: String,
    /// JSON list of `{"name", "content"}`.
    pub templates: String,
    /// JSON object of the checker limits set in `meta.json`.
    pub limits: String,
}

/// What a directory of the repository turned out to be.
#[derive(Debug)]
pub enum Entry {
    Task(Box<LoadedTask>),
    /// `meta.json` says `disabled`: skipped like a directory that is not there.
    Disabled(String),
    /// A task directory that cannot be imported, with the reason.
    Invalid {
        directory: String,
        reason: String,
    },
}

#[derive(Serialize)]
struct Template {
    name: String,
    content: String,
}

/// Every directory with a `task.md` in the repository root, by name; hidden ones are skipped.
pub fn load_all(repository: &Path, zone: &TimeZone) -> std::io::Result<Vec<Entry>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(repository)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        if is_regular_file(&entry.path().join("task.md")) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names
        .into_iter()
        .map(|name| load(&repository.join(&name), name, zone))
        .collect())
}

fn load(dir: &Path, system_name: String, zone: &TimeZone) -> Entry {
    let invalid = |reason: String| Entry::Invalid {
        directory: system_name.clone(),
        reason,
    };
    let meta_file = dir.join("meta.json");
    if !is_regular_file(&meta_file) {
        return invalid("meta.json is missing (or not a regular file)".into());
    }
    let json = match std::fs::read_to_string(meta_file) {
        Ok(json) => json,
        Err(error) => return invalid(format!("cannot read meta.json: {error}")),
    };
    if meta::is_disabled(&json) {
        return Entry::Disabled(system_name);
    }
    let meta = match meta::parse(&json, zone) {
        Ok(meta) => meta,
        Err(error) => return invalid(format!("meta.json: {error}")),
    };
    let text = match std::fs::read_to_string(dir.join("task.md")) {
        Ok(text) => text,
        Err(error) => return invalid(format!("cannot read task.md: {error}")),
    };
    let templates = match templates(&dir.join("templates")) {
        Ok(templates) => templates,
        Err(error) => return invalid(format!("cannot read templates/: {error}")),
    };
    let limits = serde_json::json!({
        "time_limit": meta.limits.time_limit_secs,
        "memory_limit": meta.limits.memory_mib,
        "cpus": meta.limits.cpus,
        "process_limit": meta.limits.processes,
    });
    let limits = match limits {
        serde_json::Value::Object(map) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => serde_json::Map::new(),
    };
    Entry::Task(Box::new(LoadedTask {
        system_name,
        text_html: markdown::render(&text),
        templates: serde_json::to_string(&templates).unwrap_or_else(|_| "[]".into()),
        limits: serde_json::Value::Object(limits).to_string(),
        meta,
    }))
}

/// Whether `path` is a regular file itself, not a symlink that might point out of the repository.
fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_file())
}

/// The regular files directly in `dir` (none when it does not exist), by name.
fn templates(dir: &Path) -> std::io::Result<Vec<Template>> {
    let mut templates = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(templates),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        // `file_type` does not follow symlinks: a link out of the repository is not a template.
        if !entry.file_type()?.is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path())?;
        templates.push(Template {
            name: entry.file_name().to_string_lossy().into_owned(),
            content: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    templates.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(templates)
}
