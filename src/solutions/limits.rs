//! A task's check limits: the defaults, the task's `meta.json` wishes, capped by admins' maximums.

use std::time::Duration;

use crate::db::DbPool;
use crate::on_pool;
use crate::runner::sandbox::Limits;
use crate::settings::{
    MAX_CPUS_TENTHS, MAX_MEMORY_MIB, MAX_PROCESSES, MAX_TIME_LIMIT_SECONDS, Settings,
};
use crate::tasks::meta::CheckLimits;

/// The largest limits a task may ask for (runtime settings).
#[derive(Debug, Clone, Copy)]
pub struct Maximums {
    pub time_secs: u64,
    pub memory_mib: u64,
    pub cpus: f64,
    pub processes: i64,
}

impl Maximums {
    /// The admins' current maximums (the defaults when the settings cannot be read).
    pub async fn load(db: &DbPool) -> Self {
        let settings = Settings::default();
        let int = |value: Result<i64, _>, default: i64| value.unwrap_or(default).max(1);
        Self {
            time_secs: int(settings.int(db, &MAX_TIME_LIMIT_SECONDS).await, 300).unsigned_abs(),
            memory_mib: int(settings.int(db, &MAX_MEMORY_MIB).await, 1024).unsigned_abs(),
            #[allow(
                clippy::cast_precision_loss,
                reason = "tenths of a CPU are small numbers"
            )]
            cpus: int(settings.int(db, &MAX_CPUS_TENTHS).await, 20) as f64 / 10.0,
            processes: int(settings.int(db, &MAX_PROCESSES).await, 512),
        }
    }
}

/// The limits for a task whose `meta.json` wishes are `wishes_json` and whose staff set
/// `staff_json` (the same keys; a key set by staff wins), capped by the maximums.
#[must_use]
pub fn for_task(wishes_json: &str, staff_json: &str, max: &Maximums) -> Limits {
    let wishes = CheckLimits::from_json(staff_json).or(CheckLimits::from_json(wishes_json));
    let mut limits = Limits::default();
    if let Some(secs) = wishes.time_limit_secs {
        limits.wall_time = Duration::from_secs(u64::from(secs).min(max.time_secs));
    }
    if let Some(mib) = wishes.memory_mib {
        limits.memory_bytes = u64::from(mib).min(max.memory_mib) * 1024 * 1024;
    }
    if let Some(cpus) = wishes.cpus {
        limits.cpus = f64::from(cpus).min(max.cpus);
    }
    if let Some(processes) = wishes.processes {
        limits.processes = i64::from(processes).min(max.processes);
    }
    limits
}

/// The limits a check of solution `solution_id` runs with now.
pub async fn of_solution(db: &DbPool, solution_id: i64) -> Result<Limits, sqlx::Error> {
    let sql = "SELECT t.limits, t.staff_limits FROM tasks t \
               JOIN solutions s ON s.task_id = t.id WHERE s.id = $1";
    let limits: Option<(String, String)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(solution_id)
        .fetch_optional(pool)
        .await)?;
    let (wishes, staff) = limits.unwrap_or_default();
    Ok(for_task(&wishes, &staff, &Maximums::load(db).await))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wishes_apply_up_to_the_maximums() {
        let max = Maximums {
            time_secs: 60,
            memory_mib: 512,
            cpus: 2.0,
            processes: 256,
        };
        let limits = for_task(
            r#"{"time_limit": 600, "memory_limit": 128, "cpus": 4, "process_limit": 64, "x": 1}"#,
            "{}",
            &max,
        );
        assert_eq!(limits.wall_time, Duration::from_mins(1));
        assert_eq!(limits.memory_bytes, 128 * 1024 * 1024);
        assert!((limits.cpus - 2.0).abs() < f64::EPSILON);
        assert_eq!(limits.processes, 64);
        assert_eq!(for_task("{}", "{}", &max), Limits::default());
        assert_eq!(for_task("not json", "{}", &max), Limits::default());
        // Staff's limits win key by key, up to the maximums too.
        let limits = for_task(
            r#"{"time_limit": 30, "memory_limit": 128}"#,
            r#"{"memory_limit": 4096, "process_limit": 16}"#,
            &max,
        );
        assert_eq!(limits.wall_time, Duration::from_secs(30));
        assert_eq!(limits.memory_bytes, 512 * 1024 * 1024);
        assert_eq!(limits.processes, 16);
    }
}
