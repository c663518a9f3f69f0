//! One plagiarism run: for each task of its scope, compare the latest passed solutions of the
//! students on a blocking thread and store the pairs at or above the run's threshold.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use super::pairs::{self, NewPair};
use super::runs::{self, ClaimedRun, Progress, Scope};
use super::{Options, Submission, compare_all, store};
use crate::db::DbPool;

/// How often a running run beats and shows its comparisons so far.
const BEAT: Duration = Duration::from_secs(2);

/// Stops the heartbeat when the run ends, also when its future is dropped at shutdown.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the claimed run to its end and records the outcome.
pub async fn run(db: &DbPool, claimed: &ClaimedRun) -> Result<(), sqlx::Error> {
    let id = claimed.id;
    // A run taken over from a dead instance starts again from the first task.
    pairs::clear(db, id).await?;
    let compared = Arc::new(AtomicI64::new(0));
    let _beat = {
        let (db, compared) = (db.clone(), Arc::clone(&compared));
        AbortOnDrop(tokio::spawn(async move {
            let mut tick = tokio::time::interval(BEAT);
            loop {
                tick.tick().await;
                let so_far = compared.load(Ordering::Relaxed);
                if let Err(error) = runs::heartbeat(&db, id, so_far).await {
                    tracing::warn!(%error, "plagiarism heartbeat failed");
                }
            }
        }))
    };
    let outcome = steps(db, claimed, &compared).await;
    match &outcome {
        Ok(()) => tracing::info!(run = id, "plagiarism check succeeded"),
        Err(error) => tracing::warn!(run = id, "plagiarism check failed: {error}"),
    }
    runs::finish(db, id, outcome.err().as_deref()).await
}

fn scope(claimed: &ClaimedRun) -> Result<Scope, String> {
    match (claimed.task_id, claimed.category_id) {
        (Some(task), _) => Ok(Scope::Task(task)),
        (None, Some(category)) => Ok(Scope::Category(category)),
        (None, None) => Err("the task or category was deleted".into()),
    }
}

async fn steps(db: &DbPool, claimed: &ClaimedRun, compared: &Arc<AtomicI64>) -> Result<(), String> {
    let tasks = store::tasks(db, scope(claimed)?).await.map_err(database)?;
    if tasks.is_empty() {
        return Err("there are no tasks to compare".into());
    }
    let mut progress = Progress {
        tasks_total: count(tasks.len()),
        ..Progress::default()
    };
    runs::record_progress(db, claimed.id, progress)
        .await
        .map_err(database)?;
    let options = Options {
        threshold: claimed.min_similarity,
        ..Options::default()
    };
    for task in tasks {
        let entries = store::latest_passed(db, task.id).await.map_err(database)?;
        let authors: HashMap<i64, i64> = entries
            .iter()
            .map(|entry| (entry.submission.id, entry.author_id))
            .collect();
        let submissions: Vec<Submission> =
            entries.into_iter().map(|entry| entry.submission).collect();
        progress.solutions += count(submissions.len());
        let (base, options, before) = (task.base(), options.clone(), progress.full_comparisons);
        let counter = Arc::clone(compared);
        let report = tokio::task::spawn_blocking(move || {
            compare_all(&submissions, &base, &options, &|done, _| {
                counter.store(before + count(done), Ordering::Relaxed);
            })
        })
        .await
        .map_err(|error| format!("comparing the solutions of {} failed: {error}", task.title))?;
        for pair in &report.pairs {
            let (Some(&author_a), Some(&author_b)) = (authors.get(&pair.a), authors.get(&pair.b))
            else {
                continue;
            };
            let new = NewPair {
                task_id: task.id,
                pair,
                author_a,
                author_b,
            };
            pairs::insert(db, claimed.id, &new)
                .await
                .map_err(database)?;
        }
        progress.full_comparisons = before + count(report.full_comparisons);
        progress.tasks_done += 1;
        compared.store(progress.full_comparisons, Ordering::Relaxed);
        runs::record_progress(db, claimed.id, progress)
            .await
            .map_err(database)?;
    }
    Ok(())
}

/// A count as stored.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn database(error: sqlx::Error) -> String {
    format!("database: {error}")
}
