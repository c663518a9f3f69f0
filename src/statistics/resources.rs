//! What students' checks took and used, per task, for the overview: the queue wait, the check
//! time, the peak memory and the CPU time of every finished check.

use std::collections::HashMap;

use super::filters::Filter;
use super::queries::median;
use crate::db::DbPool;
use crate::on_pool;

/// A task's checks: medians over students' finished checks (unmeasured ones left out of the
/// resources), and the highest peak memory.
#[derive(Debug, Default, PartialEq)]
pub struct CheckFigures {
    pub wait_ms: Option<f64>,
    pub check_ms: Option<f64>,
    pub memory_mib: Option<f64>,
    pub max_memory_mib: Option<f64>,
    pub cpu_ms: Option<f64>,
}

/// One task's checks' values, in milliseconds and bytes.
#[derive(Default)]
struct Values {
    waits: Vec<i64>,
    durations: Vec<i64>,
    peak_memory: Vec<i64>,
    cpu: Vec<i64>,
}

impl Values {
    fn figures(mut self) -> CheckFigures {
        let mib = |bytes: f64| bytes / f64::from(1 << 20);
        #[allow(clippy::cast_precision_loss, reason = "memory sizes far below 2^52")]
        let max_memory = self.peak_memory.iter().max().map(|&bytes| bytes as f64);
        CheckFigures {
            wait_ms: median(&mut self.waits),
            check_ms: median(&mut self.durations),
            memory_mib: median(&mut self.peak_memory).map(mib),
            max_memory_mib: max_memory.map(mib),
            cpu_ms: median(&mut self.cpu),
        }
    }
}

/// Per task of the filter's category, the figures of students' finished checks (staff's re-runs
/// in the other lane are left out). The database sends the values and the medians are taken
/// here: ranking them by window functions in SQL took three to six times as long at 100,000.
pub async fn check_figures(
    db: &DbPool,
    filter: &Filter,
) -> Result<HashMap<i64, CheckFigures>, sqlx::Error> {
    type Row = (i64, i64, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = on_pool!(db, |pool| sqlx::query_as(
        "SELECT s.task_id, \
         CASE WHEN c.started_at > c.queued_at THEN c.started_at - c.queued_at ELSE 0 END, \
         COALESCE(c.duration_ms, 0), c.peak_memory_bytes, c.cpu_ms \
         FROM checks c JOIN solutions s ON s.id = c.solution_id \
         JOIN users u ON u.id = s.author_id AND NOT u.is_staff \
         JOIN tasks t ON t.id = s.task_id \
         WHERE c.status = 'done' AND c.lane = 0 AND c.started_at IS NOT NULL \
         AND ($1 IS NULL OR t.category_id = $1)"
    )
    .bind(filter.category.as_ref().map(|category| category.id))
    .fetch_all(pool)
    .await)?;
    let mut values: HashMap<i64, Values> = HashMap::new();
    for (task, wait, duration, peak_memory, cpu) in rows {
        let task = values.entry(task).or_default();
        task.waits.push(wait);
        task.durations.push(duration);
        task.peak_memory.extend(peak_memory);
        task.cpu.extend(cpu);
    }
    Ok(values
        .into_iter()
        .map(|(task, values)| (task, values.figures()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{CheckFigures, Values};

    #[test]
    fn medians_and_the_highest_peak_in_mib() {
        let values = Values {
            waits: vec![3000, 1000],
            durations: vec![2000],
            peak_memory: vec![48 << 20, 16 << 20, 1 << 30],
            cpu: vec![300, 100],
        };
        assert_eq!(
            values.figures(),
            CheckFigures {
                wait_ms: Some(2000.0),
                check_ms: Some(2000.0),
                memory_mib: Some(48.0),
                max_memory_mib: Some(1024.0),
                cpu_ms: Some(200.0),
            }
        );
        assert_eq!(Values::default().figures(), CheckFigures::default());
    }
}
