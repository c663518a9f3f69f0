//! Test harness: a real INLOOP server on a free port with its own database and data directory.
//!
//! `INLOOP_TEST_DATABASE_URL=postgres://…` runs the suite on PostgreSQL: every test then gets a
//! fresh database created from that URL (and dropped afterwards); otherwise a temp SQLite file.

pub mod mail;

use std::net::TcpListener;
use std::sync::Arc;

use inloop::config::Config;
use rocket::Shutdown;
use rocket::fairing::AdHoc;
use tempfile::TempDir;
use tokio::sync::OnceCell;

/// A running server and a browser-like HTTP client with a cookie jar.
pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    /// The cookies of `http`, to copy a session into another client.
    pub jar: Arc<reqwest::cookie::Jar>,
    pub config: Config,
    pub dir: TempDir,
    /// The server's event bus, to tell it about changes as another instance would.
    pub bus: inloop::events::Bus,
    /// Every route the server mounted, as method and path pattern (`GET /admin/users/<id>`).
    pub routes: Vec<(String, String)>,
    shutdown: Shutdown,
    /// One pool for the test's own queries, opened on first use.
    pool: OnceCell<inloop::db::DbPool>,
    /// Held for its `Drop`, which removes a PostgreSQL test database.
    _database: TestDatabase,
}

/// Builds a server with the default test configuration.
pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

/// Builds a server after `adjust` has changed the test configuration.
pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create(&dir).await;
    let figment = Config::figment()
        .merge(("port", free_port()))
        .merge(("address", "127.0.0.1"))
        .merge(("log_level", "off"));
    let mut config = Config::load(&figment).expect("test configuration");
    config.data_dir = dir.path().join("data");
    config.database_url = Some(database.url.clone());
    config.app_secret_key = None;
    config.workers = 0;
    adjust(&mut config);
    // One secret per database: instances sharing a database share it, as in production, and
    // every test is its own installation (its checker images are its own to prune).
    if config.app_secret_key.is_none() {
        let secret = format!(
            "test secret, long enough to sign things safely: {}",
            config.database_url()
        );
        config.app_secret_key = Some(secret.as_str().into());
    }
    // The port was free when chosen, but another test may take it before this server binds it:
    // then the server starts again on another.
    let mut figment = figment;
    let mut attempts = 0;
    let (port, bus, routes, shutdown) = loop {
        attempts += 1;
        let port: u16 = figment.extract_inner("port").expect("port");
        let (ready, started) = tokio::sync::oneshot::channel();
        let rocket = inloop::app::rocket(config.clone(), &figment).attach(AdHoc::on_liftoff(
            "Test ready",
            |rocket| {
                Box::pin(async move {
                    let _ = ready.send(rocket.shutdown());
                })
            },
        ));
        let ignited = rocket.ignite().await.expect("the test server ignites");
        let bus = ignited
            .state::<inloop::events::Bus>()
            .expect("the bus is managed")
            .clone();
        let routes: Vec<_> = ignited
            .routes()
            .map(|route| (route.method.to_string(), route.uri.path().to_string()))
            .collect();
        tokio::spawn(async move { ignited.launch().await });
        match started.await {
            Ok(shutdown) => break (port, bus, routes, shutdown),
            Err(_) if attempts < 5 => figment = figment.merge(("port", free_port())),
            Err(error) => panic!("the test server did not start in {attempts} attempts: {error}"),
        }
    };
    let jar = Arc::new(reqwest::cookie::Jar::default());
    TestApp {
        url: format!("http://127.0.0.1:{port}"),
        http: browser_with(Arc::clone(&jar)),
        jar,
        bus,
        routes,
        config,
        dir,
        shutdown,
        pool: OnceCell::new(),
        _database: database,
    }
}

/// Runs `inloop <args>` on a database and data folder, with `stdin` as input.
pub fn run_inloop(
    database_url: &str,
    data_dir: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_inloop"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("INLOOP_DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// A fresh HTTP client with its own cookies, like a second browser.
#[must_use]
pub fn browser() -> reqwest::Client {
    browser_with(Arc::new(reqwest::cookie::Jar::default()))
}

fn browser_with(jar: Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

impl TestApp {
    /// Runs `inloop <args>` on this app's database and data folder, with `stdin` as input.
    pub fn command(&self, args: &[&str], stdin: &str) -> std::process::Output {
        let data_dir = self.dir.path().join("data");
        run_inloop(self.config.database_url(), &data_dir, args, stdin)
    }

    /// The absolute URL of `path`.
    #[must_use]
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// GETs `path` with this app's browser and returns the response.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.at(path)).send().await.expect("GET")
    }

    /// GETs `path` and returns the body, whatever the status.
    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// The CSRF token the page at `path` hands out (and the cookie that goes with it).
    pub async fn csrf_token(&self, path: &str) -> String {
        csrf_token_in(&self.get_text(path).await)
    }

    /// POSTs a form to `path` with this browser's CSRF token as first field (taken from the
    /// privacy page, which every visitor may open).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token("/privacy/").await;
        self.post_form_with_token(path, &token, fields).await
    }

    /// POSTs a form with the given token as first field.
    pub async fn post_form_with_token(
        &self,
        path: &str,
        token: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = vec![("csrf_token", token)];
        form.extend_from_slice(fields);
        self.http
            .post(self.at(path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// Creates an active user with this password and returns its id.
    pub async fn create_user(&self, username: &str, password: &str, staff: bool) -> i64 {
        let hash = inloop::accounts::password::hash(password);
        let email = format!("{username}@example.org");
        let user = inloop::accounts::users::NewUser {
            username,
            email: &email,
            password_hash: &hash,
            is_active: true,
            is_staff: staff,
            is_superuser: false,
        };
        inloop::accounts::users::create(&self.db().await, &user)
            .await
            .expect("create user")
    }

    /// Logs this app's browser in; panics unless the login succeeds.
    pub async fn login(&self, login: &str, password: &str) {
        let response = self
            .post_form("/login/", &[("login", login), ("password", password)])
            .await;
        assert_eq!(
            response.status(),
            reqwest::StatusCode::SEE_OTHER,
            "login as {login} failed"
        );
    }

    /// Changes a runtime setting as `inloop settings set` does; the server hears of it at once.
    pub async fn set_setting(&self, key: &str, value: &str) {
        let settings = inloop::settings::Settings::default();
        settings
            .set(&self.db().await, &self.bus, key, value)
            .await
            .expect("valid setting");
    }

    /// The database of this app, through one pool opened on first use.
    pub async fn db(&self) -> inloop::db::DbPool {
        self.pool
            .get_or_init(|| async {
                inloop::db::DbPool::connect(self.config.database_url(), 2)
                    .await
                    .expect("test database")
            })
            .await
            .clone()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
        if self.config.workers > 0 {
            let port = self.url.rsplit(':').next().unwrap_or_default();
            remove_check_leftovers(&self.config.instance_name(port));
        }
    }
}

/// Removes the check containers and volumes of `instance`: a worker removes them right after
/// the verdict is out, and the test's runtime may end before it did.
fn remove_check_leftovers(instance: &str) {
    let label = format!("label=inloop.instance={instance}");
    let listed = |args: &[&str]| {
        std::process::Command::new("docker")
            .args(args)
            .args(["--filter", &label])
            .output()
            .map(|out| {
                String::from_utf8_lossy(&out.stdout)
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    for (list, remove) in [
        (&["ps", "-aq"][..], &["rm", "-f"][..]),
        (&["volume", "ls", "-q"][..], &["volume", "rm", "-f"][..]),
    ] {
        let found = listed(list);
        if !found.is_empty() {
            let _ = std::process::Command::new("docker")
                .args(remove)
                .args(&found)
                .output();
        }
    }
}

/// The token a page hands out (in its forms and its htmx headers).
#[must_use]
pub fn csrf_token_in(html: &str) -> String {
    let pattern = regex::Regex::new(r#"(?:name="csrf_token" value=|"X-CSRF-Token": )"([^"]+)""#)
        .expect("regex");
    pattern
        .captures(html)
        .map(|found| found[1].to_owned())
        .expect("the page has a CSRF token")
}

/// The `Location` header of a redirect.
#[must_use]
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// A database of its own for one test.
pub struct TestDatabase {
    url: String,
    admin_url: Option<String>,
    name: String,
}

impl TestDatabase {
    /// A fresh, empty database: on PostgreSQL when the suite runs there, else a SQLite file
    /// in `dir`.
    pub async fn create(dir: &TempDir) -> Self {
        if let Some(database) = Self::postgres().await {
            return database;
        }
        Self {
            url: format!("sqlite://{}", dir.path().join("test.sqlite3").display()),
            admin_url: None,
            name: String::new(),
        }
    }

    /// A fresh PostgreSQL database when `INLOOP_TEST_DATABASE_URL` names a server, dropped with
    /// the value; `None` when the suite runs on SQLite.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("INLOOP_TEST_DATABASE_URL").ok()?;
        let name = format!("inloop_test_{}", hex::encode(rand::random::<[u8; 8]>()));
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("PostgreSQL for tests (just services)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let mut url = url::Url::parse(&admin_url).expect("INLOOP_TEST_DATABASE_URL");
        url.set_path(&name);
        Some(Self {
            url: url.to_string(),
            admin_url: Some(admin_url),
            name,
        })
    }

    /// The URL of this database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.take() else {
            return;
        };
        let name = std::mem::take(&mut self.name);
        // Drop runs outside async code: a short-lived runtime on its own thread removes the database.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                }
            });
        })
        .join();
    }
}
