//! `just chaos`: faults during a submission burst. Two release instances share a PostgreSQL
//! cluster, a Redis server and a Docker daemon of this run only; while students hand in, the
//! run kills one instance with SIGKILL and starts it again, restarts Redis, restarts PostgreSQL,
//! stops the Docker daemon for a while and fills one instance's data disk. Afterwards every
//! accepted submission must have exactly one check, done with its own verdict (never an
//! infrastructure error the student would take for theirs), and no check container may be left.
//! The figures go to `docs/benchmarks.md`; a broken promise fails the run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use inloop::db::DbPool;
use tokio::sync::Mutex;

#[path = "../common/bench.rs"]
mod bench;
#[path = "../common/burst.rs"]
mod burst;
mod report;
mod services;

use report::{Outcome, section};
use services::{Disk, Dockerd, Postgres, Redis};

const SUBMISSIONS: usize = 600;
const STUDENTS: usize = 200;
const SECONDS: u64 = 120;
const WORKERS: &str = "2";

/// One of the two instances: its fixed port, data folder, name and process.
struct Instance {
    port: u16,
    data: std::path::PathBuf,
    name: String,
    server: Option<bench::Server>,
}

/// What every instance is started with.
struct Shared {
    dir: std::path::PathBuf,
    database: String,
    redis: String,
    docker: String,
}

impl Instance {
    async fn start(shared: &Shared, name: &str, data: std::path::PathBuf) -> Self {
        let mut instance = Self {
            port: bench::free_port(),
            data,
            name: name.to_owned(),
            server: None,
        };
        instance.start_again(shared).await;
        instance
    }

    async fn start_again(&mut self, shared: &Shared) {
        let data = self.data.display().to_string();
        let env = [
            ("DATABASE_URL", shared.database.as_str()),
            ("REDIS_URL", shared.redis.as_str()),
            ("INLOOP_DOCKER_HOST", shared.docker.as_str()),
            ("INLOOP_INSTANCE", self.name.as_str()),
            ("INLOOP_DATA_DIR", data.as_str()),
            ("INLOOP_WORKERS", WORKERS),
        ];
        self.server = Some(bench::Server::start_on(&shared.dir, self.port, &env).await);
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL, as a crash or the OOM killer would.
    fn kill(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}

/// The private services, shared between the burst's faults.
struct World {
    shared: Shared,
    postgres: Postgres,
    redis: Redis,
    dockerd: Dockerd,
    disk: Disk,
    alpha: Instance,
    beta: Instance,
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_owned();
    // PostgreSQL runs as its own user and must reach its folder.
    std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    burst::ensure_image();
    let postgres = Postgres::start(&root, bench::free_port());
    let redis = Redis::start(bench::free_port());
    let dockerd = Dockerd::start(&root);
    dockerd.load(burst::IMAGE);
    let shared = Shared {
        dir: root.clone(),
        database: postgres.url(),
        redis: redis.url(),
        docker: format!("unix://{}", dockerd.socket().display()),
    };
    let migrated = bench::inloop(&root)
        .env("DATABASE_URL", &shared.database)
        .arg("migrate")
        .status()
        .expect("inloop migrate");
    assert!(migrated.success(), "inloop migrate failed");
    let db = DbPool::connect(&shared.database, 2)
        .await
        .expect("database");
    bench::students(&db, STUDENTS).await;
    burst::seed(&db).await;
    let disk = Disk::mount(&root.join("beta"), 64);
    let alpha = Instance::start(&shared, "chaos-alpha", root.join("alpha")).await;
    let beta = Instance::start(&shared, "chaos-beta", root.join("beta")).await;
    let mut clients = Vec::new();
    for n in 0..STUDENTS {
        clients.push(bench::login(&alpha.base(), n).await);
    }
    let bases = [alpha.base(), beta.base()];
    let world = Arc::new(Mutex::new(World {
        shared,
        postgres,
        redis,
        dockerd,
        disk,
        alpha,
        beta,
    }));

    let started = Instant::now();
    let burst = tokio::spawn(hand_in_all(clients, bases));
    let faults = faults(&world, started).await;
    let handed = burst.await.expect("the burst");
    eprintln!(
        "burst over after {:.0?}; waiting for the checks",
        started.elapsed()
    );
    let deadline = Instant::now() + Duration::from_mins(20);
    while burst::unfinished(&db).await > 0 {
        assert!(
            Instant::now() < deadline,
            "checks unfinished after 20 minutes"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let outcome = Outcome::read(&db).await;
    let socket = world.lock().await.dockerd.socket().display().to_string();
    let left = (0..60)
        .map(|_| {
            let left = burst::containers(Some(&socket), None);
            if left > 0 {
                std::thread::sleep(Duration::from_secs(1));
            }
            left
        })
        .find(|left| *left == 0)
        .unwrap_or_else(|| burst::containers(Some(&socket), None));
    {
        let mut world = world.lock().await;
        world.alpha.kill();
        world.beta.kill();
    }
    let kept = outcome.kept(&handed, left);
    bench::write_section(
        "chaos",
        &section(&handed, &faults, &outcome, left, started.elapsed()),
    );
    assert!(kept, "a promise was broken: see docs/benchmarks.md");
}

/// What the client saw of its submissions.
#[derive(Default)]
struct Handed {
    accepted: usize,
    refused: usize,
    /// Attempts that got no answer or a 5xx and were sent again (to the other instance first).
    retries: usize,
}

/// Hands in [`SUBMISSIONS`] evenly over [`SECONDS`] as the students in turn, each to one
/// instance and, while that one does not answer, to the other (as a proxy retries upstreams).
async fn hand_in_all(clients: Vec<(reqwest::Client, String)>, bases: [String; 2]) -> Handed {
    let started = Instant::now();
    let spacing = Duration::from_secs(SECONDS) / u32::try_from(SUBMISSIONS).unwrap();
    let sends: Vec<_> = (0..SUBMISSIONS)
        .map(|number| {
            let (client, token) = clients[number % STUDENTS].clone();
            let bases = bases.clone();
            let at = started + spacing * u32::try_from(number).unwrap();
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                hand_in_until_answered(&client, &token, &bases, number).await
            })
        })
        .collect();
    let mut handed = Handed::default();
    for send in sends {
        let (accepted, retries) = send.await.expect("submission");
        handed.retries += retries;
        if accepted {
            handed.accepted += 1;
        } else {
            handed.refused += 1;
        }
    }
    handed
}

/// One submission, sent again while no instance answers it (for at most two minutes); whether it
/// was accepted, and how many retries it took.
async fn hand_in_until_answered(
    client: &reqwest::Client,
    token: &str,
    bases: &[String; 2],
    number: usize,
) -> (bool, usize) {
    let deadline = Instant::now() + Duration::from_mins(2);
    for attempt in 0.. {
        let url = format!("{}{}", bases[(number + attempt) % 2], burst::UPLOAD);
        let why = match burst::hand_in(client, token, &url, number).await {
            burst::HandIn::Accepted(_) => return (true, attempt),
            burst::HandIn::Refused(status, flash) if !status.is_server_error() => {
                eprintln!("submission {number} refused: {status} {flash}");
                return (false, attempt);
            }
            burst::HandIn::Refused(status, _) => status.to_string(),
            burst::HandIn::Unanswered(error) => error,
        };
        if Instant::now() > deadline {
            eprintln!("submission {number} never answered: {why}");
            return (false, attempt);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    unreachable!("the loop returns")
}

/// One fault: when it began (seconds into the burst), what it was, how long it took.
struct Fault {
    at: f64,
    what: &'static str,
    took: Duration,
}

/// Injects the faults at fixed times into the burst.
async fn faults(world: &Mutex<World>, started: Instant) -> Vec<Fault> {
    let mut done = Vec::new();
    for (at, what) in [
        (15, "SIGKILL to instance alpha, then started again"),
        (35, "Redis killed and started again (its events are lost)"),
        (55, "PostgreSQL restarted (every connection cut)"),
        (
            75,
            "Docker daemon stopped for 15 s (its running checks killed), then started",
        ),
        (100, "instance beta's data disk full for 10 s"),
    ] {
        tokio::time::sleep_until((started + Duration::from_secs(at)).into()).await;
        let began = Instant::now();
        let mut world = world.lock().await;
        let world = &mut *world;
        match at {
            15 => {
                world.alpha.kill();
                world.alpha.start_again(&world.shared).await;
            }
            35 => world.redis.restart(),
            55 => world.postgres.restart(),
            75 => {
                world.dockerd.stop();
                tokio::time::sleep(Duration::from_secs(15)).await;
                world.dockerd.start_again();
            }
            _ => {
                world.disk.fill();
                tokio::time::sleep(Duration::from_secs(10)).await;
                world.disk.free();
            }
        }
        #[allow(clippy::cast_precision_loss, reason = "seconds")]
        let at = at as f64;
        eprintln!("{what}: {:.1?}", began.elapsed());
        done.push(Fault {
            at,
            what,
            took: began.elapsed(),
        });
    }
    done
}
