//! The original INLOOP (Django) on the same course, measured the same way, for the side-by-side
//! table: run when `INLOOP_ORIGINAL_SRC` names a checkout of its repository.
//!
//! Its pinned packages (`original/requirements.txt`) go into a virtualenv in
//! `target/original/venv`; the original gets a database of its own on the same PostgreSQL
//! cluster, Redis database [`REDIS_DB`] for its cache and sessions, a media folder with a task
//! repository checkout (its Markdown filter asks Git for the repository's version), its
//! migrations, and the course from [`seed::course_json`] through `original/seed.py`. It is
//! served as its deployment guide says: gunicorn with its own configuration and 5 workers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Memory, Run, bench, load, seed};

/// The original's Redis database (flushed before and after).
const REDIS_DB: u32 = 13;
/// Gunicorn's workers, as the original's deployment guide says.
pub const WORKERS: u32 = 5;
/// This bench's files for the original: the pins, the settings and the seeder.
const OWN_FILES: &str = "examples/page_bench/original";

/// The checkout named by `INLOOP_ORIGINAL_SRC`, if any; it must hold `manage.py`.
pub fn checkout() -> Option<PathBuf> {
    let src = PathBuf::from(std::env::var_os("INLOOP_ORIGINAL_SRC")?);
    assert!(
        src.join("manage.py").is_file(),
        "INLOOP_ORIGINAL_SRC={} holds no manage.py: name a checkout of the original INLOOP",
        src.display()
    );
    Some(std::path::absolute(&src).expect("absolute path"))
}

/// How the tables name the original.
pub const BACKEND: &str = "Original INLOOP (PostgreSQL + Redis)";

/// The original, served by gunicorn, and its media folder.
struct Original {
    gunicorn: Child,
    base: String,
    media: tempfile::TempDir,
}

/// Installs, seeds and serves the original from `src`, then measures every page.
pub async fn measure(src: &Path, admin: &str, seconds: u64) -> Run {
    eprintln!("{BACKEND}: installing and seeding");
    let name = format!("inloop_pagebench_original_{}", std::process::id());
    let database = crate::database(admin, &name, true).await;
    let (original, start_to_first_answer) = Original::start(src, &database).await;
    let mut cluster = load::Cluster::connect(admin, &name).await;
    let cookie = original.login().await;
    crate::verify(&original.base, &cookie).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut memory = Memory {
        app: original.rss_kib(),
        database: Some(cluster.rss_kib().await),
        redis: Some(crate::redis_rss_kib()),
        ..Memory::default()
    };
    let mut pages = Vec::new();
    for (page, path, _) in crate::pages() {
        eprintln!("{BACKEND}: {page} ({path})");
        let url = format!("{}{path}", original.base);
        // Its workers are replaced after some hundred requests; an ended one's time counts in
        // the master's children's.
        let pids = || original.pids();
        pages.push(load::measure(&url, &cookie, seconds, &pids, Some(&mut cluster)).await);
    }
    memory.app_after_load = original.rss_kib();
    drop(cluster);
    original.stop();
    crate::database(admin, &name, false).await;
    Run {
        backend: BACKEND,
        start_to_first_answer,
        memory,
        pages,
    }
}

impl Original {
    /// Installs the packages, migrates and seeds `database`, then starts gunicorn and times it
    /// from the spawn to the first 200 answer of `/`.
    async fn start(src: &Path, database: &str) -> (Self, Duration) {
        let python = venv();
        let media = tempfile::tempdir().expect("media folder");
        let repository = media.path().join("repository");
        std::fs::create_dir(&repository).expect("repository folder");
        run(Command::new("git").arg("init").arg("-q").arg(&repository));
        run(Command::new("git")
            .args([
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@example.org",
            ])
            .args(["commit", "-q", "--allow-empty", "-m", "tasks"])
            .current_dir(&repository));
        flush_redis();
        let environment = environment(src, database, media.path());
        run(Command::new(&python)
            .args(["manage.py", "migrate", "--no-input", "-v", "0"])
            .current_dir(src)
            .envs(environment.iter().cloned()));
        seed(&python, src, &environment);

        let port = bench::free_port();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let gunicorn = Command::new(python.with_file_name("gunicorn"))
            .arg("inloop.wsgi:application")
            .args(["--config", "python:inloop.gunicorn_config"])
            .args(["--workers", &WORKERS.to_string()])
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--name", "inloop-original"])
            .current_dir(src)
            .envs(environment)
            .stdout(Stdio::null())
            .spawn()
            .expect("gunicorn");
        let original = Self {
            gunicorn,
            base,
            media,
        };
        let took = bench::until_home_answers(&original.base, started).await;
        (original, took)
    }

    /// Logs `s0` in through the original's login form; the `Cookie` header that `wrk` sends.
    async fn login(&self) -> String {
        let (client, jar) = bench::cookie_client();
        let login = format!("{}/login/", self.base);
        let form = client.get(&login).send().await.expect("login form");
        let html = form.text().await.expect("login form");
        let token = html
            .split("name=\"csrfmiddlewaretoken\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the login form's CSRF token");
        let answer = client
            .post(&login)
            .header("Referer", &login)
            .form(&[
                ("csrfmiddlewaretoken", token),
                ("username", "s0"),
                ("password", bench::PASSWORD),
                ("next", ""),
            ])
            .send()
            .await
            .expect("login");
        assert_eq!(answer.status(), reqwest::StatusCode::FOUND, "login of s0");
        bench::cookie_header(&jar, &self.base)
    }

    /// Gunicorn's master and its workers.
    fn pids(&self) -> Vec<u32> {
        let master = self.gunicorn.id();
        let children = std::fs::read_to_string(format!("/proc/{master}/task/{master}/children"))
            .unwrap_or_default();
        let mut pids = vec![master];
        pids.extend(
            children
                .split_whitespace()
                .filter_map(|pid| pid.parse::<u32>().ok()),
        );
        pids
    }

    /// Resident memory of the master and its workers, summed.
    fn rss_kib(&self) -> u64 {
        self.pids().into_iter().map(bench::rss_kib).sum()
    }

    /// SIGTERM to the master (it stops its workers), then waits for it; flushes its Redis
    /// database.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.gunicorn.id().to_string())
            .status();
        let _ = self.gunicorn.wait();
        flush_redis();
        drop(self.media);
    }
}

/// The virtualenv's Python with the pinned packages, made and filled when missing.
fn venv() -> PathBuf {
    let venv = std::env::current_dir()
        .expect("cwd")
        .join("target/original/venv");
    let python = venv.join("bin/python");
    if !python.is_file() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    }
    // Quick when they are there already.
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(Path::new(OWN_FILES).join("requirements.txt")));
    python
}

/// The original's settings are environment variables; these, and its `bench_settings`.
fn environment(src: &Path, database: &str, media: &Path) -> Vec<(String, String)> {
    let own = std::env::current_dir().expect("cwd").join(OWN_FILES);
    let redis = format!("redis://127.0.0.1:6379/{REDIS_DB}");
    [
        ("PYTHONPATH", format!("{}:{}", own.display(), src.display())),
        ("DJANGO_SETTINGS_MODULE", "bench_settings".to_owned()),
        (
            "SECRET_KEY",
            "bench secret key of the original, long enough".to_owned(),
        ),
        ("DEBUG", "False".to_owned()),
        ("ALLOWED_HOSTS", "127.0.0.1,localhost".to_owned()),
        ("DATABASE_URL", database.to_owned()),
        ("CACHE_URL", redis.clone()),
        ("REDIS_URL", redis),
        ("MEDIA_ROOT", media.display().to_string()),
        ("STATIC_ROOT", media.join("static").display().to_string()),
        ("ADMINS", "admin@example.org".to_owned()),
        ("FROM_EMAIL", "inloop@example.org".to_owned()),
        ("EMAIL_URL", "consolemail://".to_owned()),
        // Plain HTTP on the loopback: cookies without the Secure flag.
        ("SECURE_COOKIES", "False".to_owned()),
        ("PROXY_ENABLED", "False".to_owned()),
        ("TIME_ZONE", "Europe/Berlin".to_owned()),
        ("LANG", "C.UTF-8".to_owned()),
    ]
    .map(|(key, value)| (key.to_owned(), value))
    .into()
}

/// Runs `original/seed.py` with the course on its standard input.
fn seed(python: &Path, src: &Path, environment: &[(String, String)]) {
    use std::io::Write as _;
    let mut seeder = Command::new(python)
        .arg(
            Path::new(OWN_FILES)
                .join("seed.py")
                .canonicalize()
                .expect("seed.py"),
        )
        .current_dir(src)
        .envs(environment.iter().cloned())
        .stdin(Stdio::piped())
        .spawn()
        .expect("seed.py");
    let course = seed::course_json().to_string();
    seeder
        .stdin
        .take()
        .expect("stdin")
        .write_all(course.as_bytes())
        .expect("the course");
    assert!(seeder.wait().expect("seed.py").success(), "seed.py failed");
}

fn flush_redis() {
    run(Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", "6379", "-n", &REDIS_DB.to_string()])
        .arg("flushdb")
        .stdout(Stdio::null()));
}

/// Runs `command`; panics with it when it fails.
fn run(command: &mut Command) {
    let status = command
        .status()
        .expect("a command of the original's set-up");
    assert!(status.success(), "{command:?} failed");
}
