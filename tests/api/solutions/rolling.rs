//! A rolling restart of two instances sharing PostgreSQL and Redis during a burst of 200
//! submissions (issue 16): none is lost, each gets exactly one result, no container is left.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use reqwest::StatusCode;

use super::lifecycle::{exited, ready, terminate, unique, wait_until_async};
use super::restart::{Server, containers_of, serve_with};
use super::support::{self, logged_in_at, try_upload_at};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379/0";
const SUBMISSIONS: usize = 200;
const STUDENTS: usize = 10;

/// One of the two instances: its name, port and process.
struct Instance {
    name: String,
    port: String,
    server: Server,
}

impl Instance {
    fn start(database_url: &str, data_dir: &std::path::Path, name: &str, port: &str) -> Self {
        let env = [
            ("INLOOP_WORKERS", "4"),
            ("REDIS_URL", SHARED_REDIS),
            ("ROCKET_PORT", port),
        ];
        Self {
            name: name.to_owned(),
            port: port.to_owned(),
            server: serve_with(database_url, data_dir, name, &env),
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn ready(&self) {
        ready(&self.base()).await;
    }

    /// SIGTERM, a clean exit, and the same instance started again on its port.
    async fn restart(&mut self, database_url: &str, data_dir: &std::path::Path) {
        let began = Instant::now();
        terminate(&self.server);
        let status = exited(&mut self.server, Duration::from_mins(1)).await;
        assert!(status.success(), "{} exited with {status:?}", self.name);
        let stopped = began.elapsed();
        *self = Self::start(database_url, data_dir, &self.name, &self.port);
        self.ready().await;
        eprintln!(
            "{} stopped in {stopped:?}, answered again {:?} after SIGTERM",
            self.name,
            began.elapsed()
        );
    }
}

/// Hands in one solution at instance `first`, and at the other one while `first` refuses
/// connections (as a proxy retries another upstream); panics on any answer but success.
async fn submit(bases: &[String; 2], first: usize, browser: &reqwest::Client, number: usize) {
    let script = format!("echo submission {number}; exit 0");
    let deadline = Instant::now() + Duration::from_mins(1);
    for attempt in 0.. {
        let base = &bases[(first + attempt) % 2];
        match try_upload_at(base, browser, &[("solution.sh", script.as_bytes())]).await {
            Ok(answer) => {
                assert_eq!(
                    answer.status(),
                    StatusCode::SEE_OTHER,
                    "submission {number}"
                );
                return;
            }
            Err(error) => assert!(
                Instant::now() < deadline,
                "submission {number} found no instance: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (solutions, checks, checks done with the verdict passed, distinct outputs)
async fn tally(db: &inloop::db::DbPool) -> (i64, i64, i64, i64) {
    let sql = "SELECT (SELECT COUNT(*) FROM solutions), (SELECT COUNT(*) FROM checks),
                      (SELECT COUNT(*) FROM checks WHERE status = 'done' AND verdict = 'passed'),
                      (SELECT COUNT(DISTINCT stdout) FROM checks WHERE status = 'done')";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap()
}

#[tokio::test]
async fn a_rolling_restart_of_two_instances_during_200_submissions_loses_none() {
    if std::env::var("INLOOP_TEST_DATABASE_URL").is_err() {
        eprintln!("skipped: instances share a database only on PostgreSQL");
        return;
    }
    let app = support::app_with(|c| c.redis_url = Some(SHARED_REDIS.into()), &[]).await;
    let db = app.db().await;
    let url = app.config.database_url().to_owned();
    let data_dir = app.dir.path().join("instances");
    std::fs::create_dir_all(&data_dir).unwrap();
    let port = || crate::common::free_port().to_string();
    let mut alpha = Instance::start(&url, &data_dir, &unique("alpha"), &port());
    let mut beta = Instance::start(&url, &data_dir, &unique("beta"), &port());
    alpha.ready().await;
    beta.ready().await;
    let bases = Arc::new([alpha.base(), beta.base()]);
    let mut browsers = Vec::new();
    for number in 0..STUDENTS {
        let username = format!("burst{number}");
        app.create_user(&username, support::PASSWORD, false).await;
        browsers.push(logged_in_at(&bases[number % 2], &username).await);
    }

    let started = Instant::now();
    // 200 submissions over fifteen seconds, alternating between the instances.
    let burst = tokio::spawn({
        let bases = Arc::clone(&bases);
        async move {
            futures_util::stream::iter(0..SUBMISSIONS)
                .map(|number| {
                    let (bases, browser) =
                        (Arc::clone(&bases), browsers[number % STUDENTS].clone());
                    async move {
                        tokio::time::sleep(
                            Duration::from_millis(75) * u32::try_from(number).unwrap(),
                        )
                        .await;
                        submit(&bases, number % 2, &browser, number).await;
                    }
                })
                .buffer_unordered(SUBMISSIONS)
                .collect::<Vec<()>>()
                .await;
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    alpha.restart(&url, &data_dir).await;
    assert!(!burst.is_finished(), "alpha restarted during the burst");
    beta.restart(&url, &data_dir).await;
    eprintln!(
        "both instances restarted {:?} into the burst",
        started.elapsed()
    );
    if let Err(failed) = burst.await {
        for name in [&alpha.name, &beta.name] {
            let log = std::fs::read_to_string(data_dir.join(format!("{name}.log")));
            eprintln!("{name} said:\n{}", log.unwrap_or_default());
        }
        std::panic::resume_unwind(failed.into_panic());
    }

    let total = i64::try_from(SUBMISSIONS).unwrap();
    // Docker runs about two checks a second on a busy two-core machine.
    let deadline = Instant::now() + Duration::from_mins(3);
    while tally(&db).await.2 < total {
        assert!(
            Instant::now() < deadline,
            "not every check is done: {:?}",
            support::check_states(&db).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "every check done {:?} after the burst began",
        started.elapsed()
    );
    assert_eq!(
        tally(&db).await,
        (total, total, total, total),
        "(solutions, checks, passed, distinct outputs): each submission once, each with one result"
    );
    wait_until_async("no container is left", Duration::from_secs(30), || async {
        containers_of(&alpha.name) + containers_of(&beta.name) == 0
    })
    .await;
    for mut instance in [alpha, beta] {
        terminate(&instance.server);
        assert!(
            exited(&mut instance.server, Duration::from_mins(1))
                .await
                .success()
        );
    }
}
