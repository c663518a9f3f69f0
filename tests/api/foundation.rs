//! The web baseline over real HTTP: pages, assets, hosts, CSRF, errors, health, configuration.

use crate::common;

use std::process::Command;

use reqwest::StatusCode;

#[tokio::test]
async fn home_page_is_served_with_hashed_assets_and_strict_headers() {
    let app = common::spawn().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<main id=\"content\">"));
    let css = regex::Regex::new(r#"href="(/static/app\.[0-9a-f]{16}\.css)""#).unwrap();
    let css_url = &css.captures(&html).expect("hashed stylesheet link")[1];

    let asset = app.get(css_url).await;
    assert_eq!(asset.status(), StatusCode::OK);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn plain_asset_names_get_etags_and_304() {
    let app = common::spawn().await;
    let first = app.get("/static/app.css").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .http
        .get(app.at("/static/app.css"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    assert_eq!(
        app.get("/static/vendor/htmx.min.js").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/static/nothing.js").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/static/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hosts_outside_allowed_hosts_get_400() {
    let app =
        common::spawn_with(|config| config.allowed_hosts = vec!["inloop.example.org".into()]).await;
    let foreign = app
        .http
        .get(app.at("/"))
        .header("Host", "evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::BAD_REQUEST);
    assert!(foreign.text().await.unwrap().contains("Bad request"));
    let allowed = app
        .http
        .get(app.at("/"))
        .header("Host", "inloop.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
}

#[tokio::test]
async fn unsafe_requests_without_a_valid_csrf_token_get_403() {
    let app = common::spawn().await;
    let token = app.csrf_token("/").await;

    let missing = app
        .http
        .post(app.at("/logout/"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(missing.text().await.unwrap().contains("Forbidden"));

    let wrong = app.post_form_with_token("/logout/", "forged", &[]).await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    let later_field = app
        .http
        .post(app.at("/logout/"))
        .form(&[("x", "y"), ("csrf_token", &token)])
        .send()
        .await;
    assert_eq!(
        later_field.unwrap().status(),
        StatusCode::FORBIDDEN,
        "the token must be the first field"
    );

    let other_browser = common::browser();
    let stolen = other_browser
        .post(app.at("/logout/"))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        stolen.status(),
        StatusCode::FORBIDDEN,
        "a token is only valid with its own cookie"
    );

    for method in [
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let response = app
            .http
            .request(method.clone(), app.at("/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method}");
    }

    let form = app.post_form_with_token("/logout/", &token, &[]).await;
    assert_ne!(form.status(), StatusCode::FORBIDDEN);
    let header = app
        .http
        .post(app.at("/logout/"))
        .header("X-CSRF-Token", &token)
        .send()
        .await
        .unwrap();
    assert_ne!(header.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn errors_are_pages_for_browsers_and_fragments_for_htmx() {
    let app = common::spawn().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let html = page.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("404"));

    let fragment = app
        .http
        .get(app.at("/no/such/page"))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(fragment.status(), StatusCode::NOT_FOUND);
    assert_eq!(fragment.headers()["hx-retarget"], "#messages");
    let html = fragment.text().await.unwrap();
    assert!(
        !html.contains("<html") && html.contains("role=\"alert\""),
        "{html}"
    );
}

#[tokio::test]
async fn health_and_readiness_report_each_dependency() {
    let app = common::spawn().await;
    assert_eq!(app.get_text("/healthz").await, "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let report: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(report["database"], "ok");
    assert_eq!(report["redis"], "not configured");
    assert_eq!(report["docker"], "not required");
}

#[tokio::test]
async fn readiness_hides_error_text_and_a_redis_outage_keeps_the_instance_ready() {
    let unreachable =
        common::spawn_with(|config| config.redis_url = Some("redis://127.0.0.1:1/0".into())).await;
    let ready = unreachable.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK, "events are hints");
    let report: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(report["redis"], "unavailable", "{report}");
    assert_eq!(report["database"], "ok", "{report}");
    for (_, state) in report.as_object().unwrap() {
        if let Some(state) = state.as_str() {
            assert!(
                [
                    "ok",
                    "error",
                    "unavailable",
                    "not configured",
                    "not required"
                ]
                .contains(&state),
                "internal text leaked: {report}"
            );
        }
    }
}

#[test]
fn migration_folders_have_identical_file_names() {
    let names = |backend: &str| {
        let mut names: Vec<_> = std::fs::read_dir(format!("migrations/{backend}"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}

fn inloop(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_inloop"));
    command
        .args(args)
        .current_dir(dir.path())
        .env("INLOOP_DATA_DIR", dir.path().join("data"));
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[test]
fn bad_database_urls_stop_the_start_with_one_line_naming_the_variable() {
    for url in [
        "mysql://localhost/inloop",
        "not a url",
        "postgres://[broken",
    ] {
        let output = inloop(&["serve"], &[("DATABASE_URL", url)]);
        assert!(!output.status.success(), "{url}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        let lines: Vec<_> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains("DATABASE_URL"), "{stderr}");
    }
}

#[test]
fn release_profile_requires_a_secret_key() {
    let output = inloop(&["check-config"], &[("ROCKET_PROFILE", "release")]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("SECRET_KEY")
    );
}

#[test]
fn an_empty_github_secret_is_refused_by_check_config_and_at_start() {
    for command in ["check-config", "serve"] {
        let output = inloop(
            &[command],
            // Were the secret accepted, the missing database would still end the start.
            &[
                ("GITHUB_SECRET", ""),
                ("INLOOP_WORKERS", "0"),
                ("DATABASE_URL", "sqlite:///nonexistent/inloop/x.sqlite3"),
            ],
        );
        assert!(!output.status.success(), "{command}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("GITHUB_SECRET"), "{command}: {stderr}");
    }
}

#[test]
fn docker_certificates_need_a_tcp_host_and_all_three_files() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().to_str().unwrap();
    let refused = |env: &[(&str, &str)]| {
        let output = inloop(&["check-config"], env);
        assert!(!output.status.success(), "{env:?}");
        String::from_utf8(output.stderr).unwrap()
    };
    let local = refused(&[("INLOOP_DOCKER_CERT_PATH", path)]);
    assert!(local.contains("for a tcp:// INLOOP_DOCKER_HOST"), "{local}");
    std::fs::write(folder.path().join("ca.pem"), "").unwrap();
    let tcp = [
        ("INLOOP_DOCKER_CERT_PATH", path),
        ("INLOOP_DOCKER_HOST", "tcp://check-host.example.org:2376"),
    ];
    let missing = refused(&tcp);
    assert!(missing.contains("cert.pem is missing"), "{missing}");
}

#[test]
fn check_config_redacts_secrets() {
    let secret = "a-very-secret-key-that-must-never-be-printed";
    let env = [
        ("SECRET_KEY", secret),
        ("GITHUB_SECRET", "hook-secret"),
        ("EMAIL_URL", "smtp://u:mailpass@localhost:25"),
        ("INLOOP_METRICS_TOKEN", "metrics-bearer-token"),
    ];
    let output = inloop(&["check-config"], &env);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    for hidden in [secret, "hook-secret", "mailpass", "metrics-bearer-token"] {
        assert!(!stdout.contains(hidden), "{stdout}");
    }
    assert!(stdout.contains("database          reachable"));
}

#[test]
fn logs_are_json_lines_when_asked_and_bad_metrics_settings_are_refused() {
    let output = inloop(&["check-config"], &[("INLOOP_LOG_FORMAT", "json")]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    let warning = stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["level"] == "WARN")
        .unwrap_or_else(|| panic!("no JSON warning in {stderr}"));
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("SECRET_KEY is not set"),
        "{warning}"
    );
    assert_eq!(warning["target"], "inloop::config");

    for (variable, value, says) in [
        ("INLOOP_METRICS_ALLOW", "10.0.0.0/33", "neither a network"),
        ("INLOOP_METRICS_TOKEN", " ", "INLOOP_METRICS_TOKEN"),
    ] {
        let output = inloop(&["check-config"], &[(variable, value)]);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(!output.status.success(), "{variable}");
        assert!(stderr.contains(says), "{stderr}");
    }
}
