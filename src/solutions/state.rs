//! The states of checks and solutions, stored as words in `TEXT` columns on both backends.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a check is in the queue (`checks.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type, Serialize, Deserialize)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker.
    Running,
    /// Ended with a verdict.
    Done,
    /// Cancelled by staff.
    Cancelled,
}

impl CheckStatus {
    /// The stored word, e.g. `queued`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A solution's summary of its latest check (`solutions.status`), for the lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type, Serialize, Deserialize)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SolutionStatus {
    /// Stored without a check (exam mode).
    Saved,
    /// Its check waits for a worker.
    Queued,
    /// Its check runs.
    Running,
    /// Its check ended; the solution has a verdict.
    Finished,
    /// Its check was cancelled.
    Cancelled,
}

impl SolutionStatus {
    /// The stored word, e.g. `finished`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Saved => "saved",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The stored word, e.g. inside SQL texts (`status = '{}'`): the partial indexes on the status
/// match only a literal, never a bound parameter.
impl fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for SolutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
