//! Reading the task directories of a checked-out repository: every directory with a
//! `task.md` is a task, described by its `meta.json`.

use std::path::Path;

use jiff::tz::TimeZone;
use serde::Serialize;

use super::files::{self, FoundFile};
use super::links;
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
    /// Links in `templates/`, `attachments/`, `images/` that lead out of the repository: never
    /// followed, reported with the task (`name -> target`).
    pub skipped_links: Vec<String>,
    /// The files of `attachments/` and `images/`, found and within the caps, not read yet.
    pub files: Vec<FoundFile>,
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
    // Every path read is checked against the copy's real location, whatever links lead there.
    let root = std::fs::canonicalize(repository)?;
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
        .map(|name| load(&root, &root.join(&name), name, zone))
        .collect())
}

fn load(root: &Path, dir: &Path, system_name: String, zone: &TimeZone) -> Entry {
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
    let templates = match templates(root, &dir.join("templates")) {
        Ok(templates) => templates,
        Err(error) => return invalid(format!("cannot read templates/: {error}")),
    };
    let files = match files::find(root, dir, files::CAPS) {
        Ok(files) => files,
        Err(reason) => return invalid(reason),
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
        skipped_links: links::escaping(root, dir),
        files,
        meta,
    }))
}

/// Whether `path` is a regular file itself, not a symlink that might point out of the repository.
fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_file())
}

/// The regular files directly in `dir` (none when it does not exist), by name; links are
/// followed only as long as they stay inside the repository `root`.
fn templates(root: &Path, dir: &Path) -> std::io::Result<Vec<Template>> {
    let mut templates = Vec::new();
    if std::fs::symlink_metadata(dir)
        .is_err_and(|error| error.kind() == std::io::ErrorKind::NotFound)
    {
        return Ok(templates);
    }
    // A folder linked out of the repository is reported by `links::escaping`, never read.
    let Some(real) = links::inside(root, dir) else {
        return Ok(templates);
    };
    for entry in std::fs::read_dir(real)? {
        let entry = entry?;
        let Some(file) = links::inside(root, &entry.path()) else {
            continue;
        };
        if !std::fs::metadata(&file)?.is_file() {
            continue;
        }
        let bytes = std::fs::read(file)?;
        templates.push(Template {
            name: entry.file_name().to_string_lossy().into_owned(),
            content: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    templates.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(templates)
}
