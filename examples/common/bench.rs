//! What the benchmarks that drive a release server share: starting it, logging students in,
//! reading a process's memory and CPU time from `/proc`, and writing their section of
//! `docs/benchmarks.md`.

#![allow(dead_code, reason = "shared by several benches; each uses a part")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Bench-Tulpen-Fahrrad-81";
const PAGE: &str = "docs/benchmarks.md";

/// A release server of this checkout and its address.
pub struct Server {
    child: Child,
    pub base: String,
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// The bench's SQLite database in `dir`.
pub fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bench.sqlite3").display())
}

impl Server {
    /// Starts `target/release/inloop serve` in `dir` on its [`database_url`], with `env` on top
    /// of the defaults; logins are told apart by `X-Forwarded-For` (the login limit counts per
    /// client address). Waits until it answers.
    pub async fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_on(dir, free_port(), env).await
    }

    /// [`Server::start`] on `port`.
    pub async fn start_on(dir: &Path, port: u16, env: &[(&str, &str)]) -> Self {
        let server = Self::spawn(dir, port, env);
        let deadline = Instant::now() + Duration::from_mins(1);
        while reqwest::get(format!("{}/healthz", server.base))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server
    }

    /// [`Server::start`], and the time from spawning the process to its first 200 answer of `/`.
    pub async fn start_timed(dir: &Path, env: &[(&str, &str)]) -> (Self, Duration) {
        let started = Instant::now();
        let server = Self::spawn(dir, free_port(), env);
        let took = until_home_answers(&server.base, started).await;
        (server, took)
    }

    fn spawn(dir: &Path, port: u16, env: &[(&str, &str)]) -> Self {
        let child = inloop(dir)
            .env("ROCKET_PORT", port.to_string())
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("target/release/inloop (cargo build --release)");
        let base = format!("http://127.0.0.1:{port}");
        Self { child, base }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then waits for the process.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `base`'s `/` answers 200 (asked every 5 ms, for a minute at most); the time since
/// `started`.
pub async fn until_home_answers(base: &str, started: Instant) -> Duration {
    let client = reqwest::Client::new();
    let home = format!("{base}/");
    loop {
        if let Ok(answer) = client.get(&home).send().await
            && answer.status() == reqwest::StatusCode::OK
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "{base} did not start"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A client that keeps cookies and follows no redirects, and its cookie jar.
pub fn cookie_client() -> (reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>) {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    (client, jar)
}

/// The `Cookie` header value `jar` sends to `base`.
pub fn cookie_header(jar: &reqwest::cookie::Jar, base: &str) -> String {
    let url = base.parse().expect("base URL");
    reqwest::cookie::CookieStore::cookies(jar, &url)
        .and_then(|value| value.to_str().ok().map(str::to_owned))
        .unwrap_or_default()
}

/// `target/release/inloop` set up for a bench in `dir` (no subcommand yet).
pub fn inloop(dir: &Path) -> Command {
    let mut command = Command::new(
        std::env::current_dir()
            .expect("cwd")
            .join("target/release/inloop"),
    );
    command
        .current_dir(dir)
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_LOG_LEVEL", "critical")
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", database_url(dir))
        .env("INLOOP_WORKERS", "0")
        .env("INLOOP_TRUSTED_PROXIES", "127.0.0.1")
        .env("INLOOP_DATA_DIR", dir.join("data"))
        .env(
            "SECRET_KEY",
            "bench secret key, long enough for the release profile",
        );
    command
}

/// Stores active students `s0`, `s1`, … with [`PASSWORD`].
pub async fn students(db: &inloop::db::DbPool, count: usize) {
    let hash = inloop::accounts::password::hash(PASSWORD);
    for n in 0..count {
        let (username, email) = (format!("s{n}"), format!("s{n}@example.org"));
        let user = inloop::accounts::users::NewUser {
            username: &username,
            email: &email,
            password_hash: &hash,
            is_active: true,
            is_staff: false,
            is_superuser: false,
        };
        inloop::accounts::users::create(db, &user)
            .await
            .expect("user");
    }
}

/// Logs student `n` in; its client and CSRF token.
pub async fn login(base: &str, n: usize) -> (reqwest::Client, String) {
    let (client, token, _) = login_with_cookies(base, n).await;
    (client, token)
}

/// [`login`], and the session's `Cookie` header value, for a client of another kind (a load
/// generator).
pub async fn login_with_cookies(base: &str, n: usize) -> (reqwest::Client, String, String) {
    let (client, jar) = cookie_client();
    let html = client
        .get(format!("{base}/privacy/"))
        .send()
        .await
        .expect("page");
    let html = html.text().await.expect("page");
    let token = html
        .split("\"X-CSRF-Token\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token")
        .to_owned();
    let username = format!("s{n}");
    let form = [
        ("csrf_token", token.as_str()),
        ("login", &username),
        ("password", PASSWORD),
    ];
    let answer = client
        .post(format!("{base}/login/"))
        .header(
            "X-Forwarded-For",
            format!("10.0.{}.{}", n / 200, n % 200 + 1),
        )
        .form(&form)
        .send()
        .await
        .expect("login");
    assert_eq!(
        answer.status(),
        reqwest::StatusCode::SEE_OTHER,
        "login of {username}"
    );
    let cookies = cookie_header(&jar, base);
    (client, token, cookies)
}

/// Resident memory of process `pid` (KiB; 0 when it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The numeric fields of `/proc/PID/stat` after the process's name (field 3, the state, is the
/// first); empty when the process is gone.
fn stat_fields(pid: u32) -> Vec<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    after_name
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect()
}

/// User plus system CPU time of process `pid` so far, with that of its children it has waited
/// for (a server's ended workers, a database's ended backends), in clock ticks (0 when it is
/// gone).
pub fn cpu_ticks(pid: u32) -> u64 {
    // utime, stime, cutime and cstime are fields 14 to 17 of /proc/PID/stat, 12 to 15 after the
    // name.
    let fields = stat_fields(pid);
    fields.get(11..15).map_or(0, |times| times.iter().sum())
}

/// The parent of process `pid`, if it still runs.
pub fn parent(pid: u32) -> Option<u32> {
    // ppid is field 4 of /proc/PID/stat, the second after the name.
    let parent_id = *stat_fields(pid).get(1)?;
    u32::try_from(parent_id).ok()
}

/// Clock ticks per second of `/proc`'s CPU times (`getconf CLK_TCK`; 100, Linux's value, when
/// `getconf` is missing).
pub fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100)
}

/// The value at quantile `q` (0 to 1) of sorted `values` (NaN when there are none).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    // Index arithmetic on a few thousand values: no precision or sign to lose.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "indexes are small"
    )]
    let index = ((values.len() - 1) as f64 * q).round() as usize;
    values[index]
}

/// Replaces the part of `docs/benchmarks.md` between `<!-- written by just NAME: begin -->` and
/// its end mark with `section` (appended when the marks are missing), and prints it.
pub fn write_section(name: &str, section: &str) {
    let (begin, end) = (
        format!("<!-- written by just {name}: begin -->"),
        format!("<!-- written by just {name}: end -->"),
    );
    let measured = format!("{begin}\n{section}{end}");
    println!("{measured}");
    let page = std::fs::read_to_string(PAGE).unwrap_or_default();
    let page = match (page.find(&begin), page.find(&end)) {
        (Some(at), Some(until)) => {
            format!("{}{measured}{}", &page[..at], &page[until + end.len()..])
        }
        _ => format!("{page}\n{measured}\n"),
    };
    std::fs::write(PAGE, page).expect("writing docs/benchmarks.md");
}
