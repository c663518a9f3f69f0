//! The webhook: signed pushes to the configured branch queue one import; everything else does not.

use hmac::{Hmac, Mac};
use reqwest::StatusCode;

use crate::common::{self, TestApp};

const SECRET: &str = "webhook secret";

async fn spawn() -> TestApp {
    common::spawn_with(|config| config.github_secret = Some(SECRET.into())).await
}

fn sha256(body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn sha1(body: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(
    app: &TestApp,
    event: &str,
    body: &str,
    signature: Option<(&str, String)>,
) -> (StatusCode, String) {
    let mut request = app
        .http
        .post(app.at("/gitload/webhook_handler/"))
        .header("X-GitHub-Event", event)
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some((header, value)) = signature {
        request = request.header(header, value);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn runs(app: &TestApp) -> i64 {
    inloop::on_pool!(&app.db().await, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM import_runs"
    )
    .fetch_one(pool)
    .await)
    .unwrap()
}

const PUSH_MAIN: &str = r#"{"ref": "refs/heads/main", "after": "0000"}"#;

#[tokio::test]
async fn signed_pushes_to_the_branch_queue_one_import() {
    let app = spawn().await;
    let (status, text) = deliver(
        &app,
        "push",
        PUSH_MAIN,
        Some(("X-Hub-Signature-256", sha256(PUSH_MAIN))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("Import requested"), "{text}");
    assert_eq!(runs(&app).await, 1);

    let app = spawn().await;
    let (status, text) = deliver(
        &app,
        "push",
        PUSH_MAIN,
        Some(("X-Hub-Signature", sha1(PUSH_MAIN))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(runs(&app).await, 1, "legacy SHA-1 signatures are accepted");
}

#[tokio::test]
async fn other_branches_and_events_are_ignored() {
    let app = spawn().await;
    let other = r#"{"ref": "refs/heads/feature"}"#;
    let (status, text) = deliver(
        &app,
        "push",
        other,
        Some(("X-Hub-Signature-256", sha256(other))),
    )
    .await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "Event ignored"));
    let ping = r#"{"zen": "Keep it logically awesome."}"#;
    let (status, text) = deliver(
        &app,
        "ping",
        ping,
        Some(("X-Hub-Signature-256", sha256(ping))),
    )
    .await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "Event ignored"));
    assert_eq!(runs(&app).await, 0);
}

#[tokio::test]
async fn bad_signatures_are_refused_and_malformed_bodies_are_400() {
    let app = spawn().await;
    let forged = sha256(r#"{"ref": "refs/heads/other"}"#);
    for signature in [
        None,
        Some(("X-Hub-Signature-256", forged)),
        Some(("X-Hub-Signature-256", "sha256=nothex".to_owned())),
        Some(("X-Hub-Signature", "sha1=0000".to_owned())),
    ] {
        let (status, _) = deliver(&app, "push", PUSH_MAIN, signature.clone()).await;
        assert!(status.is_client_error(), "{signature:?}: {status}");
    }
    assert_eq!(runs(&app).await, 0, "nothing imported");
    let malformed = "{not json";
    let (status, _) = deliver(
        &app,
        "push",
        malformed,
        Some(("X-Hub-Signature-256", sha256(malformed))),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(runs(&app).await, 0);
}
