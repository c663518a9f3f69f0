//! Judging one claimed check: its files written out, the sandbox run on the current checker
//! image within the task's limits, and the verdict, the resource profile and the collected
//! files stored.

use super::limits::{self, Maximums};
use super::queue::{self, Finished, Job};
use super::worker::Pool;
use super::{orphans, resources};
use crate::metrics::METRICS;
use crate::runner::{sandbox, verdict};

/// Runs the sandbox and stores the result; `Err` is an infrastructure failure for staff.
/// What the check left on the Docker host is the caller's to remove.
pub(super) async fn judge(pool: &Pool, job: &Job) -> Result<Box<sandbox::Cleanup>, String> {
    let docker = match pool.docker.negotiated().await {
        Some(Ok(docker)) => docker,
        Some(Err(error)) => return Err(error.to_string()),
        None => return Err("this process runs no checks".into()),
    };
    let image = crate::import::runs::current_image(&pool.db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no checker image has been built yet: import the task repository")?;
    let maximums = Maximums::load(&pool.db).await;
    let files = super::store::file_contents(&pool.db, job.solution_id)
        .await
        .map_err(|e| e.to_string())?;
    let input = std::fs::create_dir_all(&pool.work_dir)
        .and_then(|()| tempfile::tempdir_in(&pool.work_dir))
        .map_err(|e| format!("preparing the input folder: {e}"))?;
    super::files::write_all(input.path(), &files)
        .await
        .map_err(|e| format!("writing the input: {e}"))?;
    let request = sandbox::CheckRequest {
        image: image.clone(),
        task_name: job.task_system_name.clone(),
        input_dir: input.path().to_owned(),
        limits: limits::for_task(&job.task_limits, &job.task_staff_limits, &maximums),
        labels: orphans::labels(&pool.installation, &pool.instance, job),
    };
    let (outcome, cleanup) = pool
        .images
        .run(&docker, &pool.db, &pool.installation, &request)
        .await?;
    let profile = resources::Profile::of(
        &outcome.usage,
        &request.limits,
        outcome.duration,
        outcome.oom_killed,
    );
    if let Err(error) = resources::record(&pool.db, job, &profile).await {
        // The result matters more than its profile: the page says "not measured".
        tracing::warn!(check = job.check_id, %error, "storing a check's resource use failed");
    }
    let (suites, notes) = verdict::reports(&outcome.files);
    let judged = verdict::verdict(&outcome, &suites);
    METRICS.check(judged.as_str(), outcome.duration);
    let (tests_total, tests_passed) = crate::runner::junit::test_counts(&suites);
    let files: Vec<_> = outcome
        .files
        .iter()
        .map(|f| (f.name.clone(), f.bytes.clone(), f.truncated))
        .collect();
    let result = Finished {
        verdict: judged,
        exit_code: outcome.exit_code,
        duration_ms: i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX),
        stdout: &outcome.stdout,
        stderr: &outcome.stderr,
        reports_json: &serde_json::to_string(&suites).unwrap_or_else(|_| "[]".into()),
        notes_json: &serde_json::to_string(&notes).unwrap_or_else(|_| "[]".into()),
        tests_total,
        tests_passed,
        image: &image,
        files: &files,
    };
    if !queue::finish(&pool.db, job, &result)
        .await
        .map_err(|e| e.to_string())?
    {
        tracing::info!(
            check = job.check_id,
            "the check was taken over: its result is dropped"
        );
    }
    Ok(Box::new(cleanup))
}
