//! Checks that hit a limit end with the right verdict, and leave the host alone.

use std::time::{Duration, Instant};

use inloop::runner::sandbox::Limits;
use inloop::runner::verdict::{Verdict, verdict};

use super::support::{Sandbox, host_processes, no_input, peak_memory};

fn wall_time(seconds: u64) -> Limits {
    Limits {
        wall_time: Duration::from_secs(seconds),
        ..Limits::default()
    }
}

#[tokio::test]
async fn an_endless_loop_is_stopped_at_the_wall_time() {
    let sandbox = Sandbox::new().await;
    let outcome = sandbox
        .run_script("while true; do :; done", &no_input(), wall_time(3))
        .await;

    assert!(outcome.timed_out);
    assert_eq!(verdict(&outcome, &[]), Verdict::TimeLimit);
    assert!(
        outcome.duration >= Duration::from_secs(3),
        "{:?}",
        outcome.duration
    );
    assert!(
        outcome.duration < Duration::from_secs(10),
        "{:?}",
        outcome.duration
    );
}

#[tokio::test]
async fn allocating_a_gibibyte_is_a_memory_limit() {
    let sandbox = Sandbox::new().await;
    // The shell keeps the whole substitution in memory: a native allocation, unlike a JVM's
    // heap, which would end in an OutOfMemoryError well before the container's limit.
    let script = r#"x=$(head -c 1000000000 /dev/zero | tr "\0" a); echo "allocated ${#x}""#;
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;

    assert!(outcome.oom_killed, "{outcome:?}");
    assert!(!outcome.stdout.contains("allocated"));
    assert_eq!(verdict(&outcome, &[]), Verdict::MemoryLimit);
}

#[tokio::test]
async fn a_fork_bomb_stays_inside_the_process_limit() {
    let sandbox = Sandbox::new().await;
    let before = host_processes();
    let sampler = tokio::spawn(async {
        let mut peak = 0;
        for _ in 0..100 {
            peak = peak.max(host_processes());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        peak
    });
    let script = "bomb() { bomb | bomb & }; bomb; wait; sleep 60";
    let outcome = sandbox.run_script(script, &no_input(), wall_time(5)).await;
    let peak = sampler.await.unwrap();

    // 128 processes in the container; the rest is room for tests running meanwhile.
    assert!(
        peak < before + 400,
        "host processes went from {before} to {peak}"
    );
    assert!(outcome.timed_out || outcome.output_limit_hit || outcome.exit_code != 0);
    assert!(
        outcome.duration < Duration::from_secs(30),
        "{:?}",
        outcome.duration
    );
}

#[tokio::test]
async fn a_100_mib_flood_is_cut_and_ends_the_check() {
    let sandbox = Sandbox::new().await;
    let started = Instant::now();
    let script = "echo starting >&2; head -c 104857600 /dev/zero | tr '\\0' x";
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;

    assert!(outcome.output_limit_hit);
    assert!(outcome.stdout_truncated);
    assert!(!outcome.stderr_truncated);
    assert_eq!(outcome.stderr, "starting\n");
    let marker = "\n[output truncated after 30 KiB]";
    assert!(outcome.stdout.ends_with(marker), "{outcome:?}");
    assert_eq!(outcome.stdout.len(), 30 * 1024 + marker.len());
    assert_eq!(verdict(&outcome, &[]), Verdict::OutputLimit);
    assert!(started.elapsed() < Duration::from_mins(1));
    // Buffering the flood would take more than 100 MiB here.
    assert!(
        peak_memory() < 64 << 20,
        "peak memory {} MiB",
        peak_memory() >> 20
    );
}

#[tokio::test]
async fn filling_scratch_fails_inside_the_container() {
    let sandbox = Sandbox::new().await;
    let script = "dd if=/dev/zero of=/checker/scratch/fill bs=1M count=64; echo \"dd=$?\"";
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;

    assert!(
        outcome.stderr.contains("No space left on device"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stdout.contains("dd=1"), "{}", outcome.stdout);
    assert!(!outcome.oom_killed && !outcome.output_limit_hit && !outcome.timed_out);
}

#[tokio::test]
async fn filling_storage_on_the_host_disk_is_an_output_limit() {
    let sandbox = Sandbox::new().await;
    let limits = Limits {
        storage_bytes: 4 << 20,
        ..wall_time(60)
    };
    let script = "cat /dev/zero > /checker/output/storage/fill";
    let outcome = sandbox.run_script(script, &no_input(), limits).await;

    assert!(outcome.output_limit_hit, "{outcome:?}");
    assert!(!outcome.timed_out);
    assert_eq!(verdict(&outcome, &[]), Verdict::OutputLimit);
    assert_eq!(outcome.files.len(), 1);
    assert!(outcome.files[0].truncated);
}
