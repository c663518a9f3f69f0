//! A checker image missing on the worker's Docker host is built there from the build context in
//! the database (issue 16); without one, or when it does not build, the check fails for staff.

use std::time::Duration;

use inloop::db::DbPool;
use inloop::import::{contexts, image};
use reqwest::StatusCode;

use super::lifecycle::wait_until_async;
use super::support::{self, upload_as};
use crate::common::TestApp;

/// Publishes the checker image of a context made of `dockerfile` (and a nonce, so the image is
/// new), storing the context when `store`; returns the tag and the nonce.
async fn publish(app: &TestApp, dockerfile: &str, store: bool) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let nonce = hex::encode(rand::random::<[u8; 8]>());
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
    std::fs::write(dir.path().join("nonce.txt"), &nonce).unwrap();
    let context = image::context(dir.path(), &image::owner(&app.config)).unwrap();
    let db = app.db().await;
    if store {
        contexts::store(&db, &context.tag, &context.tar)
            .await
            .unwrap();
    }
    support::publish_image(&db, &context.tag).await;
    (context.tag, nonce)
}

const CHECKER: &str = "FROM inloop-test/busybox:1\nCOPY nonce.txt /checker/nonce.txt\nUSER nobody\n\
                       ENTRYPOINT [\"/bin/sh\", \"/checker/input/solution.sh\"]\n";

fn docker() -> bollard::Docker {
    bollard::Docker::connect_with_local_defaults().unwrap()
}

/// Every check's (status, verdict, attempts, image, stderr).
async fn checks(db: &DbPool) -> Vec<(String, Option<String>, i64, Option<String>, String)> {
    let sql = "SELECT status, verdict, attempts, image, stderr FROM checks ORDER BY id";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await).unwrap()
}

#[tokio::test]
async fn a_missing_image_is_built_from_its_stored_context_and_every_worker_waits_for_it() {
    let app = support::app(3, &[]).await;
    let (tag, nonce) = publish(&app, CHECKER, true).await;
    assert!(docker().inspect_image(&tag).await.is_err(), "not built yet");
    // Judged by the exit code: the output of a check that exits at once can be lost (Docker's
    // log follower may stop before the last lines are written, seen under load).
    let script = format!("test \"$(cat /checker/nonce.txt)\" = {nonce}");
    let solution: &[(&str, &[u8])] = &[("solution.sh", script.as_bytes())];
    let second = support::student(&app, "second").await;
    let third = support::student(&app, "third").await;
    let (a, b, c) = tokio::join!(
        upload_as(&app, &app.http, solution),
        upload_as(&app, &second, solution),
        upload_as(&app, &third, solution),
    );
    for answer in [a, b, c] {
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    }
    let db = app.db().await;
    wait_until_async("three checks are done", Duration::from_mins(2), || async {
        checks(&db).await.iter().filter(|c| c.0 == "done").count() == 3
    })
    .await;
    for check in checks(&db).await {
        assert_eq!(check.1.as_deref(), Some("passed"), "{check:?}");
        assert_eq!(
            check.2, 1,
            "no worker failed for the missing image: {check:?}"
        );
        assert_eq!(check.3.as_deref(), Some(tag.as_str()));
    }
    let built = docker().inspect_image(&tag).await.unwrap();
    let labels = built.config.and_then(|config| config.labels).unwrap();
    assert_eq!(
        labels.get(image::OWNER_LABEL),
        Some(&image::owner(&app.config)),
        "labelled as the import labels it, so imports prune it"
    );
    wait_until_async("no container is left", Duration::from_secs(30), || async {
        support::check_containers(&app) == 0
    })
    .await;
    crate::tasks_import::remove_image(&tag).await;
}

/// Hands in one solution and waits for the first attempt's staff message.
async fn staff_message_of_a_check(app: &TestApp) -> String {
    let answer = support::upload(app, &[("solution.sh", b"exit 0")]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let db = app.db().await;
    let message = async || -> String {
        inloop::on_pool!(&db, |pool| sqlx::query_scalar(
            "SELECT staff_message FROM checks"
        )
        .fetch_one(pool)
        .await)
        .unwrap()
    };
    wait_until_async("the check failed once", Duration::from_mins(1), || async {
        !message().await.is_empty()
    })
    .await;
    let html = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(
        !html.contains("Docker host"),
        "students never see the cause: {html}"
    );
    message().await
}

#[tokio::test]
async fn without_a_stored_context_a_missing_image_fails_the_attempt_asking_for_an_import() {
    let app = support::app(1, &[]).await;
    let (tag, _) = publish(&app, CHECKER, false).await;
    let message = staff_message_of_a_check(&app).await;
    assert!(message.contains(&tag), "{message}");
    assert!(
        message.contains("import the task repository again"),
        "{message}"
    );
}

#[tokio::test]
async fn a_stored_context_that_does_not_build_fails_the_attempt_naming_the_cause() {
    let app = support::app(1, &[]).await;
    let dockerfile = "FROM inloop-test/busybox:1\nCOPY nonce.txt missing.txt /n/\n";
    let (tag, _) = publish(&app, dockerfile, true).await;
    let message = staff_message_of_a_check(&app).await;
    assert!(
        message.contains(&format!(
            "building {tag} on this Docker host from its stored build context failed"
        )),
        "{message}"
    );
    assert!(message.contains("did not build"), "{message}");
    assert!(
        message.contains("missing.txt"),
        "the daemon's reason: {message}"
    );
    assert!(docker().inspect_image(&tag).await.is_err());
}
