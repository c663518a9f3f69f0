//! `inloop plagiarism-check <task|category>`: a run requested and done in this process.

use super::pairs::{self, Order};
use super::runs::Status;
use super::{store, worker};
use crate::db::DbPool;

type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// Checks the task with the slug `name` (else the category with that slug or name), keeping
/// pairs of at least `min_percent` % similarity; prints the pairs, most similar first.
pub async fn check(db: &DbPool, instance: &str, name: &str, min_percent: f64) -> CommandResult {
    if !(1.0..=100.0).contains(&min_percent) {
        return Err("--min-similarity must be a percentage from 1 to 100".into());
    }
    let Some(scope) = store::scope_named(db, name).await? else {
        return Err(
            format!("there is no task with the slug {name:?} and no category so named").into(),
        );
    };
    let run = worker::run_and_wait(db, instance, scope, min_percent / 100.0).await?;
    if run.status != Status::Succeeded {
        return Err(format!("plagiarism check {} failed: {}", run.id, run.error).into());
    }
    let found = pairs::of_run(db, run.id, Order::Similarity).await?;
    println!(
        "plagiarism check {} of {}: {} solutions, {} compared in full, {} pairs at {min_percent} % or more",
        run.id,
        run.scope,
        run.solutions,
        run.full_comparisons,
        found.len()
    );
    for pair in found {
        println!(
            "{:>5.1} %  {}  {}  {}{}",
            pair.similarity * 100.0,
            pair.task_title,
            pair.author_a,
            pair.author_b,
            if pair.dismissed_at.is_some() {
                "  (dismissed)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
