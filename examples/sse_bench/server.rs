//! The server under test: the release binary in a temporary folder, seeded through its database.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use inloop::db::{DbPool, Timestamp};

/// A running release server.
pub struct Server {
    pub port: u16,
    child: Child,
    db: DbPool,
    _dir: tempfile::TempDir,
}

const PASSWORD: &str = "Bench-Tulpen-Fahrrad-81";

/// Memory and CPU of the server process at one moment.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    pub rss_mib: f64,
}

impl Server {
    /// Starts `target/release/inloop` with the Redis bus and no check workers.
    pub async fn start(redis: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let database = format!("sqlite://{}", dir.path().join("bench.sqlite3").display());
        let binary = std::env::current_dir()
            .expect("working directory")
            .join("target/release/inloop");
        let child = Command::new(binary)
            .current_dir(dir.path())
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_LOG_LEVEL", "critical")
            .env("DATABASE_URL", &database)
            .env("REDIS_URL", redis)
            .env("INLOOP_WORKERS", "0")
            .env("INLOOP_DATA_DIR", dir.path().join("data"))
            .env(
                "SECRET_KEY",
                "bench secret key, long enough for the release profile",
            )
            .stdout(Stdio::null())
            .spawn()
            .expect("target/release/inloop (cargo build --release)");
        let deadline = Instant::now() + Duration::from_mins(1);
        let health = format!("http://127.0.0.1:{port}/healthz");
        while reqwest::get(&health).await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let db = DbPool::connect(&database, 4).await.expect("bench database");
        Self {
            port,
            child,
            db,
            _dir: dir,
        }
    }

    /// A student `bench` with `count` queued solutions of task `bench`; their ids in order.
    pub async fn seed(&self, count: usize) -> Vec<i64> {
        let hash = inloop::accounts::password::hash(PASSWORD);
        let user = inloop::accounts::users::NewUser {
            username: "bench",
            email: "bench@example.org",
            password_hash: &hash,
            is_active: true,
            is_staff: false,
            is_superuser: false,
        };
        let author = inloop::accounts::users::create(&self.db, &user)
            .await
            .expect("user");
        let now = Timestamp::now();
        inloop::on_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await.expect("transaction");
            sqlx::query("INSERT INTO categories (name, slug) VALUES ('Bench', 'bench')")
                .execute(&mut *tx)
                .await
                .expect("category");
            let task: i64 = sqlx::query_scalar(
                "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, text_html, imported_at)
                 VALUES ('Bench', 'Bench', 'bench', (SELECT id FROM categories), $1, '<p>Bench</p>', $1) RETURNING id")
                .bind(now.plus(-time::Duration::hours(1))).fetch_one(&mut *tx).await.expect("task");
            let mut ids = Vec::with_capacity(count);
            for number in 1..=count {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status)
                     VALUES ($1, $2, $3, $4, 'bench', 'queued') RETURNING id")
                    .bind(task).bind(author).bind(i64::try_from(number).unwrap_or(0)).bind(now)
                    .fetch_one(&mut *tx).await.expect("solution");
                sqlx::query("INSERT INTO checks (solution_id, author_id, lane, not_before, queued_at) VALUES ($1, $2, 0, $3, $3)")
                    .bind(id).bind(author).bind(now).execute(&mut *tx).await.expect("check");
                ids.push(id);
            }
            tx.commit().await.expect("commit");
            ids
        })
    }

    /// Logs the student in and returns the `Cookie` header value of the session.
    pub async fn login(&self) -> String {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let base = format!("http://127.0.0.1:{}", self.port);
        let privacy = client
            .get(format!("{base}/privacy/"))
            .send()
            .await
            .expect("privacy page");
        let html = privacy.text().await.expect("privacy page");
        let token = html
            // Every page hands the token to htmx in the body's `hx-headers`.
            .split("\"X-CSRF-Token\": \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a CSRF token")
            .to_owned();
        let form = [
            ("csrf_token", token.as_str()),
            ("login", "bench"),
            ("password", PASSWORD),
        ];
        let answer = client
            .post(format!("{base}/login/"))
            .form(&form)
            .send()
            .await
            .expect("login");
        assert_eq!(
            answer.status(),
            reqwest::StatusCode::SEE_OTHER,
            "bench login"
        );
        let url = base.parse().expect("base URL");
        let cookies = reqwest::cookie::CookieStore::cookies(&*jar, &url).expect("session cookie");
        cookies.to_str().expect("cookie header").to_owned()
    }

    /// Gives solution `id` a visible change (one more passed test) before its event is published.
    pub async fn mark_changed(&self, id: i64) {
        let sql =
            "UPDATE solutions SET tests_total = 10, tests_passed = tests_passed + 1 WHERE id = $1";
        inloop::on_pool!(&self.db, |pool| sqlx::query(sql)
            .bind(id)
            .execute(pool)
            .await
            .map(drop))
        .expect("update");
    }

    /// The server's resident memory now.
    pub fn usage(&self) -> Usage {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        Usage {
            rss_mib: kib / 1024.0,
        }
    }

    /// User plus system CPU time of the server so far, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let after_name = stat.rsplit(')').next().unwrap_or_default();
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of /proc/PID/stat, 12 and 13 after the name.
        let tick = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        tick(11) + tick(12)
    }

    /// Average CPU use (100 % = one core) since `before` over `secs` seconds.
    pub fn cpu_percent_since(&self, before: u64, secs: f64) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "clock ticks are small")]
        let used = (self.cpu_ticks() - before) as f64 / 100.0;
        used / secs * 100.0
    }

    /// Stops the server.
    pub fn stop(self) {
        drop(self);
    }
}

/// The server never outlives the benchmark, also when a step of it panics.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
