//! `/metrics`: every family with values that follow what happened, and who may read it.

use std::time::Duration;

use reqwest::StatusCode;

use super::support::{self, upload, wait_for};

/// The value of the series (its name and labels as written) in a scrape, as written.
fn text<'s>(scrape: &'s str, series: &str) -> &'s str {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} missing from\n{scrape}"))
}

/// The value of the series as a number.
fn value(scrape: &str, series: &str) -> f64 {
    text(scrape, series).parse().expect("a number")
}

#[tokio::test]
async fn metrics_follow_requests_streams_and_checks() {
    let app = support::app(1, &[]).await;
    upload(&app, &[("solution.sh", b"echo hi; exit 0")]).await;
    wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-passed",
        Duration::from_mins(1),
    )
    .await;
    // The queue gauges are refreshed every few seconds.
    tokio::time::sleep(Duration::from_secs(6)).await;

    let answer = app.get("/metrics").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let scrape = answer.text().await.unwrap();
    let detail = r#"inloop_http_requests_total{method="GET",route="/solutions/detail/<slug>/<number>",status="200"}"#;
    assert!(value(&scrape, detail) >= 1.0);
    assert!(
        value(
            &scrape,
            r#"inloop_http_request_duration_seconds_count{route="/solutions/detail/<slug>/<number>"}"#
        ) >= 1.0
    );
    assert_eq!(
        text(&scrape, r#"inloop_checks_total{verdict="passed"}"#),
        "1"
    );
    assert_eq!(text(&scrape, "inloop_check_duration_seconds_count"), "1");
    assert!(value(&scrape, "inloop_check_duration_seconds_sum") > 0.0);
    assert_eq!(text(&scrape, "inloop_queue_wait_seconds_count"), "1");
    assert_eq!(text(&scrape, "inloop_container_start_seconds_count"), "1");
    assert_eq!(text(&scrape, r#"inloop_queue_depth{lane="0"}"#), "0");
    assert_eq!(text(&scrape, r#"inloop_queue_depth{lane="1"}"#), "0");
    assert_eq!(text(&scrape, "inloop_worker_instances"), "1");
    assert_eq!(text(&scrape, "inloop_workers"), "1");
    assert_eq!(text(&scrape, "inloop_event_streams_open"), "0");
    // The first page of the list keeps its stream open.
    let stream = app.get("/solutions/list/shell-task/events").await;
    assert_eq!(stream.status(), StatusCode::OK);
    let open = app.get_text("/metrics").await;
    assert_eq!(text(&open, "inloop_event_streams_open"), "1");
    drop(stream);
    assert_eq!(text(&scrape, "inloop_redis_connected"), "0");
    assert!(
        value(
            &scrape,
            r#"inloop_pool_connections{pool="web",state="idle"}"#
        ) >= 0.0
    );
    assert_eq!(
        text(&scrape, r#"inloop_imports_total{outcome="failed"}"#),
        "0"
    );
    // The operators' dashboard reads only series that exist.
    let dashboard = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/container/grafana-dashboard.json"
    ))
    .unwrap();
    let names: std::collections::BTreeSet<_> = dashboard
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with("inloop_"))
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        assert!(
            scrape.contains(name),
            "the dashboard reads {name}, which /metrics lacks"
        );
    }
    // Scanners' paths share one series.
    app.get("/wp-login.php").await;
    let scrape = app.get_text("/metrics").await;
    assert!(
        value(
            &scrape,
            r#"inloop_http_requests_total{method="GET",route="(no route)",status="404"}"#
        ) >= 1.0
    );
    assert!(!scrape.contains("wp-login"), "{scrape}");
}

#[tokio::test]
async fn metrics_are_refused_outside_the_allowed_networks_without_the_token() {
    let app = crate::common::spawn_with(|config| {
        config.metrics_allow = vec!["10.0.0.0/8".into()];
        config.metrics_token = Some("a-long-random-metrics-token".into());
    })
    .await;
    let refused = app.get("/metrics").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Every answer names its log line.
    let id = |answer: &reqwest::Response| {
        answer.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let first = id(&refused);
    assert!(
        first.len() == 16 && first.chars().all(|c| c.is_ascii_hexdigit()),
        "{first}"
    );
    assert_ne!(first, id(&app.get("/healthz").await));
    let with = |token: &str| app.http.get(app.at("/metrics")).bearer_auth(token).send();
    assert_eq!(with("wrong").await.unwrap().status(), StatusCode::FORBIDDEN);
    let answer = with("a-long-random-metrics-token").await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("inloop_http_requests_total")
    );
}
