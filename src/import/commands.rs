//! The operators' import commands: `load-tasks` and `print-webhook-settings`.

use crate::config::Config;
use crate::db::DbPool;
use crate::events::Bus;
use crate::settings::{self, Settings};

use super::runs::RunStatus;
use super::{Importer, Trigger, runs};

type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// Sets the repository settings given, then queues an import (or runs it here with `wait`).
pub async fn load_tasks(
    db: DbPool,
    config: Config,
    url: Option<String>,
    branch: Option<String>,
    wait: bool,
) -> CommandResult {
    let store = Settings::default();
    if url.is_some() || branch.is_some() {
        let bus = Bus::from_config(&config)?;
        bus.ready().await;
        for (setting, value) in [(&settings::GIT_URL, url), (&settings::GIT_BRANCH, branch)] {
            if let Some(value) = value {
                store.set(&db, &bus, setting.key, &value).await?;
            }
        }
    }
    if !wait {
        let id = runs::request(&db, Trigger::Command).await?;
        println!("import run {id} queued; a running server picks it up");
        return Ok(());
    }
    let importer = Importer {
        db: db.clone(),
        config,
    };
    let run = super::worker::run_and_wait(&importer, Trigger::Command).await?;
    for result in runs::results(&db, run.id).await? {
        println!(
            "{:<10} {}{}",
            result.outcome,
            result.directory,
            if result.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", result.reason)
            }
        );
    }
    println!(
        "commit {} {}\nchecker image {} ({})",
        run.commit_hash, run.commit_message, run.image_tag, run.image_status
    );
    if run.status == RunStatus::Succeeded {
        println!("import run {} succeeded", run.id);
        Ok(())
    } else {
        Err(format!("import run {} failed: {}", run.id, run.error).into())
    }
}

/// What to enter in the repository's webhook settings on GitHub (or a compatible host).
pub async fn print_webhook_settings(db: DbPool, config: &Config) -> CommandResult {
    let branch = Settings::default().text(&db, &settings::GIT_BRANCH).await?;
    let host = config
        .allowed_hosts
        .iter()
        .find(|host| !host.starts_with('.') && host.as_str() != "*")
        .map_or("<your host>", String::as_str);
    println!("Payload URL:   https://{host}/gitload/webhook_handler/");
    println!("Content type:  application/json");
    match &config.github_secret {
        Some(secret) => println!("Secret:        {}", secret.expose()),
        None => println!("Secret:        (not set: set GITHUB_SECRET, or every push is refused)"),
    }
    println!("SSL verification: enabled");
    println!("Events:        just the push event (pushes to branch {branch:?} start an import)");
    Ok(())
}
