//! Output no database takes as it is: NUL bytes and invalid UTF-8 from a solution.

use std::time::Duration;

use super::support::{self, upload, wait_for};

#[tokio::test]
async fn nul_bytes_and_invalid_utf8_in_output_and_reports_get_the_real_verdict() {
    let app = support::app(1, &[]).await;
    let script = r#"printf 'before\0after\n'
printf 'err\0\377\n' >&2
printf '<testsuite name="T\0" tests="2"><testcase name="ok\0" classname="T"/><testcase name="bad" classname="T"><failure message="nul\0here &#0; \377" type="E">at T\0</failure></testcase><system-out>\0\376</system-out></testsuite>' > /checker/output/storage/TEST-T.xml
exit 1
"#;
    upload(&app, &[("solution.sh", script.as_bytes())]).await;

    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-failed",
        Duration::from_mins(1),
    )
    .await;
    assert!(html.contains("1 of 2 tests passed"), "{html}");
    let db = app.db().await;
    let sql = "SELECT attempts, verdict, stdout, stderr, reports FROM checks";
    let (attempts, verdict, stdout, stderr, reports): (i64, String, String, String, String) =
        inloop::on_pool!(&db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap();
    assert_eq!((attempts, verdict.as_str()), (1, "failed"));
    assert_eq!(stdout, "before\u{fffd}after\n");
    assert_eq!(stderr, "err\u{fffd}\u{fffd}\n");
    assert!(
        !reports.contains("\\u0000") && reports.contains("nul\u{fffd}here \u{fffd}"),
        "{reports}"
    );
    // Collected files are bytes, kept as they were.
    let sql = "SELECT content FROM check_files WHERE name = 'TEST-T.xml'";
    let content: Vec<u8> =
        inloop::on_pool!(&db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await).unwrap();
    assert!(content.contains(&0));
}
