//! What checks used, per task, for the overview: each student's newest finished check counts
//! once, so one student's fifty runs weigh no more than anyone's one.

use std::collections::HashMap;

use super::filters::Filter;
use super::queries::median;
use crate::db::DbPool;
use crate::on_pool;

/// Per task: the peak memory (bytes) and CPU time (ms) of each student's newest finished
/// check; unmeasured checks are left out of each.
#[derive(Debug, Default)]
pub struct Usage {
    pub peak_memory: Vec<i64>,
    pub cpu_ms: Vec<i64>,
}

impl Usage {
    /// Median and maximum peak memory in MiB, and median CPU time in ms.
    #[must_use]
    pub fn summary(mut self) -> (Option<f64>, Option<f64>, Option<f64>) {
        let mib = |bytes: f64| bytes / f64::from(1 << 20);
        #[allow(clippy::cast_precision_loss, reason = "memory sizes far below 2^52")]
        let max = self.peak_memory.iter().max().map(|&bytes| bytes as f64);
        (
            median(&mut self.peak_memory).map(mib),
            max.map(mib),
            median(&mut self.cpu_ms),
        )
    }
}

/// Per task of the filter's category, each student's newest finished check's use. The newest
/// checks are found once, grouped (a correlated subquery per check took minutes at 100,000).
pub async fn usage(db: &DbPool, filter: &Filter) -> Result<HashMap<i64, Usage>, sqlx::Error> {
    let sql = "SELECT s.task_id, c.peak_memory_bytes, c.cpu_ms \
         FROM checks c JOIN solutions s ON s.id = c.solution_id \
         JOIN users u ON u.id = s.author_id AND NOT u.is_staff \
         JOIN tasks t ON t.id = s.task_id \
         WHERE ($1 IS NULL OR t.category_id = $1) \
         AND c.id IN (SELECT MAX(c2.id) FROM checks c2 JOIN solutions s2 ON s2.id = c2.solution_id \
                      WHERE c2.status = 'done' GROUP BY s2.author_id, s2.task_id)";
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(filter.category.as_ref().map(|category| category.id))
        .fetch_all(pool)
        .await)?;
    let mut usage: HashMap<i64, Usage> = HashMap::new();
    for (task, peak_memory, cpu_ms) in rows {
        let task = usage.entry(task).or_default();
        task.peak_memory.extend(peak_memory);
        task.cpu_ms.extend(cpu_ms);
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::Usage;

    #[test]
    fn peaks_in_mib_and_cpu_in_ms() {
        let usage = Usage {
            peak_memory: vec![48 << 20, 16 << 20],
            cpu_ms: vec![300, 100],
        };
        assert_eq!(usage.summary(), (Some(32.0), Some(48.0), Some(200.0)));
        assert_eq!(Usage::default().summary(), (None, None, None));
    }
}
