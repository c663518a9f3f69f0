//! The platform's overhead on a check: from the upload to the verdict on a subscribed result page,
//! minus a bare `docker run` of the same image and command.
//!
//! A release server on SQLite with one check worker and the burst bench's busybox checker task;
//! one student hands in a script that echoes a line, and a client opens the result page's event
//! stream as soon as the upload is answered (as the browser does after the redirect) and waits
//! for its `done` event. The bare run is `docker run --rm` of the same image with the same
//! argument and the same script mounted at `/checker/input`, timed around the CLI. The two
//! alternate, so both see the same machine.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use inloop::db::{DbPool, Timestamp};

use crate::{bench, burst};

/// The milliseconds of each way, one per counted round, sorted.
pub struct Overhead {
    pub rounds: usize,
    pub bare: Vec<f64>,
    pub platform: Vec<f64>,
    /// The platform's way step by step: each step's name and its milliseconds since the upload
    /// began, one per counted round, sorted.
    pub steps: Vec<(&'static str, Vec<f64>)>,
}

/// The steps of [`Overhead::steps`], in order.
pub const STEPS: [&str; 5] = [
    "the upload answered (303 to the result page)",
    "the check queued (`queued_at`)",
    "the check started by the worker (`started_at`)",
    "the result stored (`finished_at`)",
    "the `done` event received",
];

/// What the checker is given as its one argument: the task's system name (see `burst::seed`).
pub const TASK_NAME: &str = "Burst";

pub async fn measure(rounds: usize) -> Overhead {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = burst::sqlite_course(dir.path(), 1).await;
    let instance = format!("page-bench-{}", std::process::id());
    let server = bench::Server::start(
        dir.path(),
        &[
            ("INLOOP_WORKERS", "1"),
            ("INLOOP_INSTANCE", instance.as_str()),
        ],
    )
    .await;
    let (client, token) = bench::login(&server.base, 0).await;
    let input = dir.path().join("input");
    std::fs::create_dir(&input).expect("input folder");
    let (mut bare, mut platform) = (Vec::new(), Vec::new());
    let mut steps: Vec<Vec<f64>> = vec![Vec::new(); STEPS.len()];
    // Round 0 warms both up (image layers, the worker's first container) and is not counted.
    for round in 0..=rounds {
        let ran = bare_run(&input, round);
        let (began, answered, done) = through_platform(&client, &token, &server.base, round).await;
        if round > 0 {
            bare.push(ran);
            platform.push(done);
            let (queued, started, finished) = check_times(&db, round + 1).await;
            #[allow(clippy::cast_precision_loss, reason = "milliseconds of one round")]
            let since = |at: i64| (at - began) as f64;
            for (step, ms) in steps.iter_mut().zip([
                answered,
                since(queued),
                since(started),
                since(finished),
                done,
            ]) {
                step.push(ms);
            }
        }
    }
    // The last check's containers go right after its verdict: before the server does.
    let removals = Instant::now() + Duration::from_secs(30);
    while burst::containers(None, Some(&instance)) > 0 {
        assert!(
            Instant::now() < removals,
            "the last check's containers were not removed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop();
    bare.sort_by(f64::total_cmp);
    platform.sort_by(f64::total_cmp);
    let steps = STEPS
        .into_iter()
        .zip(steps)
        .map(|(name, mut values)| {
            values.sort_by(f64::total_cmp);
            (name, values)
        })
        .collect();
    Overhead {
        rounds,
        bare,
        platform,
        steps,
    }
}

/// When the check of solution `number` was queued, started and finished (Unix ms).
async fn check_times(db: &DbPool, number: usize) -> (i64, i64, i64) {
    let sql = "SELECT c.queued_at, c.started_at, c.finished_at
               FROM checks c JOIN solutions s ON s.id = c.solution_id WHERE s.number = $1";
    let number = i64::try_from(number).expect("number");
    inloop::on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(number)
        .fetch_one(pool)
        .await)
    .expect("the check's times")
}

/// Milliseconds of `docker run --rm IMAGE Burst` with submission `number` as
/// `/checker/input/solution.sh`.
fn bare_run(input: &Path, number: usize) -> f64 {
    use std::os::unix::fs::PermissionsExt as _;
    let script = input.join("solution.sh");
    std::fs::write(&script, format!("echo submission {number}; exit 0\n")).expect("script");
    // The checker runs as nobody: the folder and script must be readable to it.
    for (path, mode) in [(input, 0o755), (script.as_path(), 0o644)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("mode");
    }
    let mount = format!("{}:/checker/input:ro", input.display());
    let started = Instant::now();
    let out = Command::new("docker")
        .args(["run", "--rm", "-v", &mount, burst::IMAGE, TASK_NAME])
        .stderr(Stdio::inherit())
        .output()
        .expect("docker run");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("submission"),
        "bare docker run failed"
    );
    ms
}

/// Hands in submission `number` and waits for the `done` event of its result page's stream: when
/// it began (Unix ms), and the milliseconds until the upload was answered and until `done`. The
/// student's solutions are numbered from 1, one per round.
async fn through_platform(
    client: &reqwest::Client,
    token: &str,
    base: &str,
    number: usize,
) -> (i64, f64, f64) {
    let began = Timestamp::now().millis();
    let started = Instant::now();
    let answered = match burst::hand_in(client, token, &format!("{base}{}", burst::UPLOAD), number)
        .await
    {
        burst::HandIn::Accepted(ms) => ms,
        burst::HandIn::Refused(status, why) => panic!("upload {number} refused: {status} {why}"),
        burst::HandIn::Unanswered(why) => panic!("upload {number} unanswered: {why}"),
    };
    let events = format!("{base}/solutions/detail/burst/{}/events", number + 1);
    let mut answer = client
        .get(&events)
        .header("Accept", "text/event-stream")
        .send()
        .await
        .expect("event stream");
    assert_eq!(answer.status(), reqwest::StatusCode::OK, "{events}");
    let deadline = Instant::now() + Duration::from_mins(1);
    let mut seen = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, answer.chunk())
            .await
            .unwrap_or_else(|_| panic!("no verdict for submission {number} within a minute"))
            .expect("event stream");
        let Some(chunk) = chunk else {
            panic!("the stream of submission {number} ended without `done`:\n{seen}");
        };
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if seen.contains("event:done\n") {
            return (began, answered, started.elapsed().as_secs_f64() * 1000.0);
        }
    }
}
