//! A check container's resource use, sampled through Docker's stats while it runs.
//!
//! What Docker 20.10 on cgroup v1 reports (checked on these machines): a `one-shot` stats call
//! answers at once with `memory_stats.usage` and `max_usage` (the cgroup's high-water mark,
//! page cache included: what the limit is enforced on), `pids_stats.current` (processes and
//! threads now), and `cpu_stats.cpu_usage.total_usage` (CPU nanoseconds so far). Once the
//! container has exited its cgroup is gone: the answer has empty memory and pid stats and a
//! CPU total of 0, so the last reading is the one taken while it still ran. On cgroup v2
//! Docker gives no `max_usage`; there only sampled `usage` counts. Without `one-shot` Docker
//! waits for a second sample, a second later, which short checks never live to see.

use std::sync::Mutex;
use std::time::Duration;

use bollard::Docker;
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use futures_util::StreamExt;

/// How often a running check is sampled. Memory on cgroup v1 is a high-water mark, so sparse
/// samples miss only what happened after the last one; processes and (on cgroup v2) memory
/// can peak between two samples unseen.
const INTERVAL: Duration = Duration::from_millis(100);

/// How long one reading may take before it is given up (the check goes on unmeasured).
const READING_TIMEOUT: Duration = Duration::from_secs(2);

/// What a check used, as far as it could be read; `None` where no reading succeeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time of all its processes, in milliseconds.
    pub cpu_ms: Option<u64>,
    /// The most memory it held at once, page cache and tmpfs contents included.
    pub peak_memory_bytes: Option<u64>,
    /// The most processes and threads it ran at once.
    pub peak_processes: Option<u64>,
}

/// The maxima of the readings so far, shared by the sampler and the supervisor.
#[derive(Debug, Default)]
pub(super) struct Peaks(Mutex<Usage>);

impl Peaks {
    /// Folds one reading in; a reading of a container that is gone adds nothing.
    fn fold(&self, reading: &ContainerStatsResponse) {
        let memory = reading.memory_stats.as_ref();
        let peak_memory = memory
            .and_then(|m| m.max_usage.into_iter().chain(m.usage).max())
            .filter(|bytes| *bytes > 0);
        let processes = reading.pids_stats.as_ref().and_then(|p| p.current);
        let cpu_ns = reading
            .cpu_stats
            .as_ref()
            .and_then(|cpu| cpu.cpu_usage.as_ref())
            .and_then(|usage| usage.total_usage);
        // An exited container's answer: nothing of it is a measurement.
        if peak_memory.is_none() && processes.is_none() {
            return;
        }
        let mut usage = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // `None` orders below every `Some`.
        usage.peak_memory_bytes = usage.peak_memory_bytes.max(peak_memory);
        usage.peak_processes = usage.peak_processes.max(processes);
        usage.cpu_ms = usage.cpu_ms.max(cpu_ns.map(|ns| ns / 1_000_000));
    }

    /// The maxima now.
    pub(super) fn usage(&self) -> Usage {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Samples the container until the future is dropped. A failed reading is logged and
    /// skipped: stats are a courtesy, never a reason to fail a check.
    pub(super) async fn sample(&self, docker: &Docker, id: &str) {
        let mut failures = 0_u32;
        loop {
            if let Err(error) = self.read(docker, id).await {
                failures += 1;
                if failures == 1 {
                    tracing::debug!(container = id, %error, "reading a check's stats failed");
                }
            }
            tokio::time::sleep(INTERVAL).await;
        }
    }

    /// Takes one reading; for the moment before a kill, the last chance to see the container.
    pub(super) async fn read(&self, docker: &Docker, id: &str) -> Result<(), String> {
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut stats = docker.stats(id, Some(options));
        match tokio::time::timeout(READING_TIMEOUT, stats.next()).await {
            Ok(Some(Ok(reading))) => {
                self.fold(&reading);
                Ok(())
            }
            Ok(Some(Err(error))) => Err(error.to_string()),
            Ok(None) => Err("no reading".to_owned()),
            Err(_) => Err(format!("no reading within {READING_TIMEOUT:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use bollard::models::{
        ContainerCpuStats, ContainerCpuUsage, ContainerMemoryStats, ContainerPidsStats,
    };

    use super::*;

    fn reading(
        usage: Option<u64>,
        max: Option<u64>,
        pids: Option<u64>,
        cpu_ns: u64,
    ) -> ContainerStatsResponse {
        ContainerStatsResponse {
            memory_stats: Some(ContainerMemoryStats {
                usage,
                max_usage: max,
                ..ContainerMemoryStats::default()
            }),
            pids_stats: Some(ContainerPidsStats {
                current: pids,
                limit: None,
            }),
            cpu_stats: Some(ContainerCpuStats {
                cpu_usage: Some(ContainerCpuUsage {
                    total_usage: Some(cpu_ns),
                    ..ContainerCpuUsage::default()
                }),
                ..ContainerCpuStats::default()
            }),
            ..ContainerStatsResponse::default()
        }
    }

    #[test]
    fn maxima_are_kept_and_a_gone_container_adds_nothing() {
        let peaks = Peaks::default();
        assert_eq!(peaks.usage(), Usage::default(), "not measured");
        peaks.fold(&reading(Some(10), Some(50), Some(3), 20_000_000));
        // cgroup v2: no high-water mark, the usage is the sample.
        peaks.fold(&reading(Some(40), None, Some(7), 90_000_000));
        peaks.fold(&reading(None, None, None, 0));
        assert_eq!(
            peaks.usage(),
            Usage {
                cpu_ms: Some(90),
                peak_memory_bytes: Some(50),
                peak_processes: Some(7),
            }
        );
    }
}
