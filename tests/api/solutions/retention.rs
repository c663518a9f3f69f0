//! `inloop prune-results`: old checks lose their output and files, keep verdicts and reports.

use std::time::Duration;

use inloop::db::DbPool;

use super::support::{self, upload, wait_for};

async fn outputs(db: &DbPool) -> Vec<(i64, String, String, i64, i64)> {
    let sql = "SELECT c.id, c.stdout, c.verdict,
                      (SELECT COUNT(*) FROM check_files f WHERE f.check_id = c.id),
                      s.tests_total
               FROM checks c JOIN solutions s ON s.id = c.solution_id ORDER BY c.id";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await).unwrap()
}

#[tokio::test]
async fn old_check_output_is_pruned_and_verdicts_stay() {
    let app = support::app(1, &[]).await;
    let script: &[u8] = b"echo kept-for-now; exit 0";
    upload(&app, &[("solution.sh", script)]).await;
    wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-passed",
        Duration::from_mins(1),
    )
    .await;
    upload(&app, &[("solution.sh", script)]).await;
    wait_for(
        &app,
        "/solutions/detail/shell-task/2/",
        "badge-passed",
        Duration::from_mins(1),
    )
    .await;
    let db = app.db().await;
    // The first check finished 200 days ago and collected a file.
    let old = inloop::db::Timestamp::now().plus(-time::Duration::days(200));
    let finished = "UPDATE checks SET finished_at = $1 WHERE id = (SELECT MIN(id) FROM checks)";
    let file = "INSERT INTO check_files (check_id, name, content, truncated)
                SELECT MIN(id), 'report.xml', $1, FALSE FROM checks";
    inloop::on_pool!(&db, |pool| sqlx::query(finished)
        .bind(old)
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
    inloop::on_pool!(&db, |pool| sqlx::query(file)
        .bind(vec![b'x'; 4096])
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
    let before = outputs(&db).await;
    assert!(
        before.iter().all(|row| row.1.contains("kept-for-now")),
        "{before:?}"
    );
    assert_eq!(before[0].3, 1);

    let dry = app.command(&["prune-results", "--older-than", "180d", "--dry-run"], "");
    let said = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{said}");
    assert!(
        said.contains("would remove the output of 1 check(s)"),
        "{said}"
    );
    assert!(said.contains("(5 KiB)"), "{said}");
    assert_eq!(outputs(&db).await, before);

    let done = app.command(&["prune-results", "--older-than", "180d"], "");
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(said.contains("removed the output of 1 check(s)"), "{said}");
    let after = outputs(&db).await;
    assert_eq!((after[0].1.as_str(), after[0].3), ("", 0));
    assert_eq!(after[0].2, before[0].2, "the verdict stays");
    assert_eq!(after[0].4, before[0].4, "the test counts stay");
    assert_eq!(after[1], before[1], "a recent check keeps everything");
    // Its page still shows the verdict.
    let page = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(page.contains("badge-passed") && !page.contains("kept-for-now"));

    let bad = app.command(&["prune-results", "--older-than", "soon"], "");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--older-than"));
}
