//! A check container's resource use, sampled through Docker's stats while it runs.
//!
//! What Docker 20.10 on cgroup v1 reports (checked on these machines): `memory_stats.usage` and
//! `max_usage` (the cgroup's high-water mark, page cache and tmpfs included: what the limit is
//! enforced on), `pids_stats.current` (processes and threads now), and
//! `cpu_stats.cpu_usage.total_usage` (CPU nanoseconds so far). The daemon's stats collector
//! reads every watched container once a second, and a request gets the next round (at once
//! only when the collector was idle): asking more often yields nothing more, a `one-shot`
//! request waits up to a second too. So one streaming request is followed, a sample a second.
//! Once the container has exited its cgroup is gone: the answer has empty memory and pid stats
//! and a CPU total of 0, so the last sample taken while it ran stands, and a check that ends
//! before the first sample is not measured. On cgroup v2 Docker gives no `max_usage`; there
//! only the sampled `usage` counts.

use std::sync::Mutex;
use std::time::Duration;

use bollard::Docker;
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use futures_util::StreamExt;

/// How long to wait before asking again after the stats stream failed or ended.
const RETRY: Duration = Duration::from_secs(1);

/// How long the reading before a kill may take: it is taken only if Docker has one at hand,
/// never at the cost of the kill.
const LAST_READING: Duration = Duration::from_millis(250);

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
        let options = StatsOptions {
            stream: true,
            one_shot: false,
        };
        let mut failures = 0_u32;
        loop {
            let mut stats = docker.stats(id, Some(options.clone()));
            while let Some(reading) = stats.next().await {
                match reading {
                    Ok(reading) => self.fold(&reading),
                    Err(error) => {
                        failures += 1;
                        if failures == 1 {
                            tracing::debug!(container = id, %error, "reading a check's stats failed");
                        }
                        break;
                    }
                }
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    /// One more reading, if Docker has one within [`LAST_READING`]; before a kill, the last
    /// chance to see the container.
    pub(super) async fn read_last(&self, docker: &Docker, id: &str) {
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let mut stats = docker.stats(id, Some(options));
        if let Ok(Some(Ok(reading))) = tokio::time::timeout(LAST_READING, stats.next()).await {
            self.fold(&reading);
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
