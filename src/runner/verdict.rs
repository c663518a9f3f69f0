//! Judging a check: the verdict from its outcome and `JUnit` reports, in words for students.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::junit::{self, ReportError, TestSuite};
use super::sandbox::{CheckOutcome, CollectedFile};

/// How a check ended, as students see it and as it is stored (`TEXT`, e.g. `compile_error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type, Serialize, Deserialize)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The checker exited with 0.
    Passed,
    /// Tests ran and the checker exited with something else.
    Failed,
    /// The checker failed before any test ran, usually because the code did not compile.
    CompileError,
    /// The wall-time limit ended the check.
    TimeLimit,
    /// The memory limit ended the check.
    MemoryLimit,
    /// Too much output ended the check.
    OutputLimit,
    /// The check could not be run; set by the caller, never by [`verdict`].
    InfrastructureError,
}

/// The verdict for a check that ran. Limits come first, since a killed checker's exit code
/// and reports say nothing. "No test ran" (no report, or only suites without tests) with a
/// non-zero exit is taken for a compile error: a heuristic for checkers that fail before
/// testing, which for Java checkers almost always means javac failed.
#[must_use]
pub fn verdict(outcome: &CheckOutcome, reports: &[TestSuite]) -> Verdict {
    if outcome.timed_out {
        Verdict::TimeLimit
    } else if outcome.oom_killed {
        Verdict::MemoryLimit
    } else if outcome.output_limit_hit {
        Verdict::OutputLimit
    } else if outcome.exit_code == 0 {
        Verdict::Passed
    } else if reports.iter().all(|suite| suite.tests == 0) {
        Verdict::CompileError
    } else {
        Verdict::Failed
    }
}

/// The `JUnit` reports (`TEST-*.xml`) among the collected files, and a note for each one that
/// could not be read, like `TEST-x.xml: report unreadable: …`.
#[must_use]
pub fn reports(files: &[CollectedFile]) -> (Vec<TestSuite>, Vec<String>) {
    let mut suites = Vec::new();
    let mut notes = Vec::new();
    let is_report = |name: &str| {
        let extension = Path::new(name).extension();
        name.starts_with("TEST-")
            && extension.is_some_and(|extension| extension.eq_ignore_ascii_case("xml"))
    };
    for file in files.iter().filter(|file| is_report(&file.name)) {
        if file.truncated {
            let kept = file.bytes.len();
            notes.push(format!(
                "{}: report unreadable: cut off after {kept} bytes (the file size limit)",
                file.name
            ));
            continue;
        }
        // Collection capped the size already.
        match junit::parse(&file.bytes, usize::MAX) {
            Ok(parsed) => suites.extend(parsed),
            Err(ReportError::Unreadable(reason)) => {
                notes.push(format!("{}: report unreadable: {reason}", file.name));
            }
            Err(error @ ReportError::TooLarge { .. }) => {
                notes.push(format!("{}: report unreadable: {error}", file.name));
            }
        }
    }
    (suites, notes)
}

impl Verdict {
    /// Every verdict, e.g. for filters and statistics.
    pub const ALL: [Self; 7] = [
        Self::Passed,
        Self::Failed,
        Self::CompileError,
        Self::TimeLimit,
        Self::MemoryLimit,
        Self::OutputLimit,
        Self::InfrastructureError,
    ];

    /// The stored name, e.g. `compile_error`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::CompileError => "compile_error",
            Self::TimeLimit => "time_limit",
            Self::MemoryLimit => "memory_limit",
            Self::OutputLimit => "output_limit",
            Self::InfrastructureError => "infrastructure_error",
        }
    }

    /// The verdict in a few words, e.g. `Compile error`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Passed => "Passed",
            Self::Failed => "Failed",
            Self::CompileError => "Compile error",
            Self::TimeLimit => "Time limit exceeded",
            Self::MemoryLimit => "Memory limit exceeded",
            Self::OutputLimit => "Output limit exceeded",
            Self::InfrastructureError => "Infrastructure error",
        }
    }

    /// What the verdict means, for the student who submitted.
    #[must_use]
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Passed => "Your solution passed all checks.",
            Self::Failed => {
                "Your solution ran, but did not pass all checks. The test results and the \
                 console output show what went wrong."
            }
            Self::CompileError => {
                "Your solution could not be tested: the checker stopped before any test ran, \
                 usually because the code does not compile. The console output shows the \
                 compiler's messages."
            }
            Self::TimeLimit => {
                "Your solution took longer than the time limit and was stopped. Look for endless \
                 loops, or for work that is done far more often than needed."
            }
            Self::MemoryLimit => {
                "Your solution used more memory than allowed and was stopped. Look for data \
                 that grows without end, such as a list filled in an endless loop."
            }
            Self::OutputLimit => {
                "Your solution printed or wrote more output than allowed and was stopped. Look \
                 for output inside loops that never end."
            }
            Self::InfrastructureError => {
                "Your solution could not be checked because of a problem on our side, not with \
                 your solution. Please submit it again later, and tell your tutors if this keeps \
                 happening."
            }
        }
    }
}

/// The stored name, e.g. inside SQL texts (`verdict = '{}'`).
impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored verdict name that is not one of [`Verdict::as_str`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown verdict {0:?}")]
pub struct UnknownVerdict(String);

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|verdict| verdict.as_str() == name)
            .ok_or_else(|| UnknownVerdict(name.to_owned()))
    }
}

#[cfg(test)]
mod tests;
