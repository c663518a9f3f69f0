//! What the fault suite found: the database's account of the run, and its section of
//! `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::time::Duration;

use inloop::db::DbPool;

use super::{Fault, Handed, SECONDS, STUDENTS, SUBMISSIONS, WORKERS};

/// What the database says after the run.
pub struct Outcome {
    solutions: i64,
    /// Solutions without exactly one done check.
    not_one_check: i64,
    /// Solutions whose verdict is not `passed` (an infrastructure error among them).
    not_passed: Vec<(String, i64)>,
    /// Checks that needed more than one claim.
    retried: i64,
    max_attempts: i64,
}

impl Outcome {
    pub async fn read(db: &DbPool) -> Self {
        let counts = "SELECT (SELECT COUNT(*) FROM solutions),
            (SELECT COUNT(*) FROM solutions s
             WHERE (SELECT COUNT(*) FROM checks c WHERE c.solution_id = s.id AND c.status = 'done') <> 1),
            (SELECT COUNT(*) FROM checks WHERE attempts > 1),
            (SELECT COALESCE(MAX(attempts), 0) FROM checks)";
        let verdicts = "SELECT COALESCE(verdict, status), COUNT(*) FROM solutions
                        WHERE verdict IS NULL OR verdict <> 'passed' GROUP BY 1";
        let ((solutions, not_one_check, retried, max_attempts), not_passed) =
            inloop::on_pool!(db, |pool| {
                let counts: (i64, i64, i64, i64) = sqlx::query_as(counts)
                    .fetch_one(pool)
                    .await
                    .expect("counts");
                let verdicts = sqlx::query_as(verdicts)
                    .fetch_all(pool)
                    .await
                    .expect("verdicts");
                (counts, verdicts)
            });
        Self {
            solutions,
            not_one_check,
            not_passed,
            retried,
            max_attempts,
        }
    }

    /// Every submission accepted (each stored once), each checked once with its own verdict,
    /// nothing left behind.
    pub fn kept(&self, handed: &Handed, left: usize) -> bool {
        handed.refused == 0
            && usize::try_from(self.solutions).ok() == Some(handed.accepted)
            && self.not_one_check == 0
            && self.not_passed.is_empty()
            && left == 0
    }
}

/// The run's section of `docs/benchmarks.md`.
pub fn section(
    handed: &Handed,
    faults: &[Fault],
    outcome: &Outcome,
    left: usize,
    took: Duration,
) -> String {
    let mut faults_table = String::from("| At | Fault | Took |\n|---|---|---|\n");
    for fault in faults {
        let _ = writeln!(
            faults_table,
            "| {:.0} s | {} | {:.1} s |",
            fault.at,
            fault.what,
            fault.took.as_secs_f64()
        );
    }
    let not_passed = if outcome.not_passed.is_empty() {
        "none".to_owned()
    } else {
        outcome
            .not_passed
            .iter()
            .map(|(verdict, count)| format!("{count} {verdict}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "## Faults during a burst: {SUBMISSIONS} submissions from {STUDENTS} students in {SECONDS} s\n\n\
         Two release instances ({WORKERS} check workers each) share a PostgreSQL cluster, a Redis \
         server and a Docker daemon started for this run alone; instance beta's data folder is a \
         64 MB tmpfs. The client hands in as in the deadline burst, and sends a submission that \
         gets no answer or a 5xx again, to the other instance first (as NGINX's \
         `proxy_next_upstream` does). Faults, in order:\n\n{faults_table}\n\
         | Promise | Result |\n|---|---|\n\
         | Every submission accepted | {} of {SUBMISSIONS} ({} refused; {} retries by the client) |\n\
         | Each accepted submission stored once | {} solutions stored |\n\
         | Each solution checked exactly once | {} without exactly one done check |\n\
         | No student sees an infrastructure failure as theirs | verdicts other than passed: {not_passed} |\n\
         | No check container left | {left} |\n\
         | Checks that needed more than one claim | {} (at most {} claims) |\n\
         | Whole run | {:.0} s |\n",
        handed.accepted,
        handed.refused,
        handed.retries,
        outcome.solutions,
        outcome.not_one_check,
        outcome.retried,
        outcome.max_attempts,
        took.as_secs_f64(),
    )
}
