//! A check's resource use is sampled while it runs: peaks against the limits it ran under.

use std::time::Duration;

use inloop::runner::sandbox::Limits;
use inloop::runner::verdict::{Verdict, verdict};

use super::support::{Sandbox, no_input};

const MIB: u64 = 1 << 20;

fn limits(memory_mib: u64) -> Limits {
    Limits {
        memory_bytes: memory_mib * MIB,
        wall_time: Duration::from_mins(1),
        ..Limits::default()
    }
}

/// Grows a string by 1 MiB at a time until the memory limit stops it: each append copies the
/// string, so the peaks climb in steps, slowly enough for samples 100 ms apart.
pub const MEMORY_HOG: &str =
    r#"x=; while true; do x="$x$(head -c 1048576 /dev/zero | tr '\0' a)"; sleep 0.05; done"#;

#[tokio::test]
async fn a_memory_hog_peaks_near_the_limit() {
    let sandbox = Sandbox::new().await;
    let limits = limits(64);
    let outcome = sandbox
        .run_script(MEMORY_HOG, &no_input(), limits.clone())
        .await;

    assert_eq!(verdict(&outcome, &[]), Verdict::MemoryLimit, "{outcome:?}");
    let peak = outcome.usage.peak_memory_bytes.expect("measured");
    eprintln!(
        "memory hog: {:?} under {} MiB",
        outcome.usage,
        limits.memory_bytes >> 20
    );
    assert!(
        peak * 10 >= limits.memory_bytes * 7,
        "peak {} MiB of {} MiB",
        peak >> 20,
        limits.memory_bytes >> 20
    );
    assert!(
        outcome.usage.cpu_ms.is_some_and(|ms| ms > 0),
        "{:?}",
        outcome.usage
    );
}

#[tokio::test]
async fn a_trivial_check_peaks_far_below_the_limit() {
    let sandbox = Sandbox::new().await;
    let limits = limits(64);
    let outcome = sandbox
        .run_script("echo hello; sleep 1", &no_input(), limits.clone())
        .await;

    assert_eq!(outcome.exit_code, 0);
    let peak = outcome.usage.peak_memory_bytes.expect("measured");
    eprintln!(
        "trivial: {:?} under {} MiB",
        outcome.usage,
        limits.memory_bytes >> 20
    );
    assert!(
        peak * 10 < limits.memory_bytes * 3,
        "peak {} KiB of {} MiB",
        peak >> 10,
        limits.memory_bytes >> 20
    );
    assert_eq!(
        outcome.usage.peak_processes.map(|n| n <= 3),
        Some(true),
        "{:?}",
        outcome.usage
    );
}

#[tokio::test]
async fn forks_show_in_the_peak_processes() {
    let sandbox = Sandbox::new().await;
    let script = "for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait";
    let outcome = sandbox.run_script(script, &no_input(), limits(64)).await;

    assert_eq!(outcome.exit_code, 0);
    let peak = outcome.usage.peak_processes.expect("measured");
    eprintln!("forks: {:?}", outcome.usage);
    assert!(peak > 1, "peak processes {peak}");
    assert!(peak >= 9, "the shell and its eight sleeps: {peak}");
}
