//! Handing in a solution: every rule checked, then the solution and its check stored at once.

use std::sync::Arc;

use tokio::sync::Notify;

use super::events;
use super::files::{self, Refusal, Rules, Upload};
use super::store::{self, NewSolution, Solution};
use crate::accounts::User;
use crate::db::{DbPool, TaskId, Timestamp, UserId};
use crate::events::Bus;
use crate::settings::{
    ALLOWED_EXTENSIONS, DEADLINE_GRACE_SECONDS, IMMEDIATE_FEEDBACK, MAX_UPLOAD_FILES,
    MAX_UPLOAD_KIB, SUBMISSION_LIMIT, SettingError, Settings,
};

/// The worker pool's doorbell, managed as Rocket state: rung when a check is queued here.
#[derive(Clone, Default)]
pub struct Doorbell(pub Arc<Notify>);

impl Doorbell {
    /// A check was queued: wakes this process's idle workers and tells every page that the
    /// queue moved (a new check can go before others: everyone's first check goes first).
    pub async fn ring(&self, bus: &Bus) {
        self.0.notify_waiters();
        events::queue_moved(bus).await;
    }
}

/// The task facts a submission is judged against.
pub struct TaskTerms {
    pub id: i64,
    pub deadline: Option<Timestamp>,
    pub submission_limit: Option<i64>,
}

impl TaskTerms {
    /// The terms of a task as the catalog describes it.
    #[must_use]
    pub fn of(task: &crate::tasks::catalog::TaskDetail) -> Self {
        Self {
            id: task.summary.id,
            deadline: task.summary.deadline,
            submission_limit: task.submission_limit,
        }
    }
}

/// Why a submission was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("The deadline of this task has passed.")]
    DeadlinePassed,
    #[error("You have handed in {limit} solutions, as many as this task allows.")]
    LimitReached { limit: i64 },
    #[error("{0}")]
    Files(Refusal),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Settings(#[from] SettingError),
}

impl SubmitError {
    /// Whether the student caused it (and gets the message) rather than the server.
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::DeadlinePassed | Self::LimitReached { .. } | Self::Files(_)
        )
    }
}

/// The rules for files, from the runtime settings.
pub async fn rules(db: &DbPool, settings: &Settings) -> Result<Rules, SettingError> {
    let extensions = settings
        .list(db, &ALLOWED_EXTENSIONS)
        .await?
        .into_iter()
        .map(|e| e.to_lowercase())
        .collect();
    let max_files = usize::try_from(settings.int(db, &MAX_UPLOAD_FILES).await?).unwrap_or(0);
    let max_bytes = usize::try_from(settings.int(db, &MAX_UPLOAD_KIB).await?).unwrap_or(0) * 1024;
    Ok(Rules {
        extensions,
        max_files,
        max_bytes,
    })
}

/// Where a student stands with a task: solutions handed in, the limit, and why no more are taken.
pub struct Standing {
    pub handed_in: i64,
    /// How many solutions the author may have for the task; `None`: no limit (staff never have one).
    pub limit: Option<i64>,
    /// Why a submission would be refused before its files are looked at.
    pub closed: Option<SubmitError>,
    /// When submitting closes for this author (the deadline and its grace), while it is open.
    pub closes_at: Option<Timestamp>,
}

/// The deadline (with its grace) and the submission limit for this author; staff are not bound
/// by either.
pub async fn standing(
    db: &DbPool,
    settings: &Settings,
    task: &TaskTerms,
    author: &User,
) -> Result<Standing, SubmitError> {
    let handed_in = store::count(db, UserId(author.id), TaskId(task.id)).await?;
    if author.is_staff() {
        return Ok(Standing {
            handed_in,
            limit: None,
            closed: None,
            closes_at: None,
        });
    }
    let grace = settings.int(db, &DEADLINE_GRACE_SECONDS).await?;
    let allowed = match task.submission_limit {
        Some(allowed) => allowed,
        None => settings.int(db, &SUBMISSION_LIMIT).await?,
    };
    let limit = Some(allowed).filter(|allowed| *allowed >= 0);
    let closes_at = task
        .deadline
        .map(|deadline| deadline.plus(time::Duration::seconds(grace)));
    let closed = if closes_at.is_some_and(|closes_at| closes_at < Timestamp::now()) {
        Some(SubmitError::DeadlinePassed)
    } else {
        limit
            .filter(|limit| handed_in >= *limit)
            .map(|limit| SubmitError::LimitReached { limit })
    };
    Ok(Standing {
        handed_in,
        limit,
        closes_at: closes_at.filter(|_| closed.is_none()),
        closed,
    })
}

/// Checks every rule, stores the solution (with a queued check unless feedback is off) and rings
/// the workers. Staff are not bound by deadlines and limits.
pub async fn submit(
    db: &DbPool,
    settings: &Settings,
    doorbell: &Doorbell,
    bus: &Bus,
    task: &TaskTerms,
    author: &User,
    uploads: &[Upload],
) -> Result<Solution, SubmitError> {
    // Counted here for a quick answer, and again with the insert (simultaneous submissions).
    let standing = standing(db, settings, task, author).await?;
    if let Some(closed) = standing.closed {
        return Err(closed);
    }
    let limit = standing.limit;
    files::check(uploads, &rules(db, settings).await?).map_err(SubmitError::Files)?;
    let check = settings.bool(db, &IMMEDIATE_FEEDBACK).await?;
    let hash = files::receipt_hash(uploads);
    let new = NewSolution {
        task_id: task.id,
        author_id: author.id,
        files_hash: &hash,
        files: uploads,
        check,
        limit,
    };
    let Some(solution) = store::create(db, &new).await? else {
        return Err(SubmitError::LimitReached {
            limit: limit.unwrap_or_default(),
        });
    };
    if check {
        doorbell.ring(bus).await;
    }
    events::handed_in(bus, UserId(author.id), TaskId(task.id), solution.number).await;
    Ok(solution)
}
