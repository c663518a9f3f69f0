//! `/admin/checks/` with 120 seeded checks: pages by keyset, each filter and the streamed CSV
//! return the rows the database holds; one check shows its full output (escaped), tests, notes
//! and infrastructure detail; cancelling a queued check is audited; bad filters are 400.

use inloop::db::DbPool;
use reqwest::StatusCode;

use super::{Area, catalog};

/// 2025-10-01 00:00 in Berlin: the first check queued, one an hour after it.
const FIRST: i64 = 1_759_269_600_000;
const HOUR: i64 = 3_600_000;
const SEEDED: i64 = 120;
/// The output of check number 7 (the 8th seeded): markup, and a last line far down.
const REPORTS: &str = r#"[{"name":"ShellTest","tests":1,"passed":0,"failures":1,"errors":0,"skipped":0,"time_secs":0.5,"system_out":"","system_err":"","cases":[{"name":"addsUp","class_name":"ShellTest","time_secs":0.5,"outcome":{"status":"failed","kind":"java.lang.AssertionError","message":"expected 3","trace":"at ShellTest.addsUp"}}]}]"#;

/// A second task `other-task`; a solution of `author` per check; check `i` (from 0): lane
/// `i % 2`, queued `FIRST + i` hours, of `other-task` when `i % 5 == 0`; check 50 running,
/// `i % 10 == 9` queued, `i % 10 == 8` cancelled, the rest done (passed when `i % 3 == 0`,
/// else failed); worker `alpha/1` when `i % 4 == 0`, else `beta/2` (none while queued).
/// Returns the check ids in seeding order.
async fn seed(db: &DbPool, task: i64, author: i64) -> Vec<i64> {
    inloop::on_pool!(db, |pool| {
        let other: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, text_html, imported_at)
             SELECT 'OtherTask', 'Other Task', 'other-task', category_id, pubdate, text_html, imported_at
             FROM tasks WHERE id = $1 RETURNING id",
        )
        .bind(task)
        .fetch_one(pool)
        .await
        .unwrap();
        let mut ids = Vec::new();
        for i in 0..SEEDED {
            let status = match i {
                50 => "running",
                _ if i % 10 == 9 => "queued",
                _ if i % 10 == 8 => "cancelled",
                _ => "done",
            };
            let passed = if i % 3 == 0 { "passed" } else { "failed" };
            let verdict = (status == "done").then_some(passed);
            let worker = match (status, i % 4) {
                ("queued", _) => "",
                (_, 0) => "alpha/1",
                _ => "beta/2",
            };
            let (stdout, reports) = if i == 7 {
                (
                    format!("<b>bold</b>\n{}last line", "x\n".repeat(5000)),
                    REPORTS,
                )
            } else {
                (format!("out {i}"), "[]")
            };
            let queued_at = FIRST + i * HOUR;
            let solution: i64 = sqlx::query_scalar(
                "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status, verdict)
                 VALUES ($1, $2, $3, $4, 'hash', 'finished', $5) RETURNING id",
            )
            .bind(if i % 5 == 0 { other } else { task })
            .bind(author)
            .bind(i + 1)
            .bind(queued_at)
            .bind(verdict)
            .fetch_one(pool)
            .await
            .unwrap();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO checks (solution_id, author_id, lane, status, not_before, queued_at,
                                     started_at, finished_at, worker, verdict, duration_ms, stdout,
                                     reports, notes, staff_message, image, attempts)
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12,
                         '[\"A note\"]', 'docker said no', 'inloop-java:1', 1) RETURNING id",
            )
            .bind(solution)
            .bind(author)
            .bind(i % 2)
            .bind(status)
            .bind(queued_at)
            .bind((status != "queued").then_some(queued_at + 1000))
            .bind((status == "done").then_some(queued_at + 3000))
            .bind(worker)
            .bind(verdict)
            .bind((status == "done").then_some(2000_i64))
            .bind(&stdout)
            .bind(reports)
            .fetch_one(pool)
            .await
            .unwrap();
            ids.push(id);
        }
        ids
    })
}

async fn ids_where(db: &DbPool, condition: &str) -> Vec<i64> {
    let sql = format!("SELECT c.id FROM checks c WHERE {condition} ORDER BY c.id DESC");
    inloop::on_pool!(db, |pool| sqlx::query_scalar(&sql).fetch_all(pool).await).unwrap()
}

/// The check ids in the rows of a list page.
fn ids(page: &str) -> Vec<i64> {
    let link = regex::Regex::new(r#"<a href="/admin/checks/(\d+)/">"#).unwrap();
    link.captures_iter(page)
        .map(|found| found[1].parse().unwrap())
        .collect()
}

/// The ids in a CSV download's rows.
async fn csv_ids(area: &Area, path: &str) -> Vec<i64> {
    let response = area.get(&area.staff, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body = response.text().await.unwrap();
    body.lines()
        .skip(1)
        .map(|row| row.split(',').next().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn the_list_pages_filters_and_exports_the_rows_the_database_holds() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    let seeded = seed(&db, task, area.student_id).await;

    let first = area.page(&area.staff, "/admin/checks/").await;
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 50);
    assert_eq!(first_ids[0], *seeded.last().unwrap(), "newest first");
    assert!(first_ids.windows(2).all(|pair| pair[0] > pair[1]));
    assert!(
        first.contains(r#"<a href="/admin/solutions/"#),
        "links its solution"
    );
    assert!(first.contains("2025-10-05 23:00"), "queued, in Berlin time");
    let older = regex::Regex::new(r#"<a href="([^"]+)">Older</a>"#)
        .unwrap()
        .captures(&first)
        .map(|found| found[1].replace("&amp;", "&"))
        .expect("a link to older checks");
    let second = area.page(&area.staff, &older).await;
    assert_eq!(ids(&second)[0], first_ids[49] - 1);

    let all = csv_ids(&area, "/admin/checks/?format=csv").await;
    assert_eq!(all, ids_where(&db, "TRUE").await);
    for (query, condition) in [
        ("status=queued", "c.status = 'queued'"),
        ("status=done&lane=1", "c.status = 'done' AND c.lane = 1"),
        ("verdict=passed", "c.verdict = 'passed'"),
        (
            "task=other-task",
            "c.solution_id IN (SELECT s.id FROM solutions s JOIN tasks t ON t.id = s.task_id
              WHERE t.slug = 'other-task')",
        ),
        ("worker=alpha/1", "c.worker = 'alpha/1'"),
        (
            "queued_from=2025-10-02&queued_to=2025-10-02",
            "c.queued_at >= 1759356000000 AND c.queued_at < 1759442400000",
        ),
    ] {
        let expected = ids_where(&db, condition).await;
        assert!(!expected.is_empty(), "{query} matches some");
        let page = area
            .page(&area.staff, &format!("/admin/checks/?{query}"))
            .await;
        let shown = ids(&page);
        assert_eq!(shown, expected[..expected.len().min(50)], "{query}");
        let exported = csv_ids(&area, &format!("/admin/checks/?{query}&format=csv")).await;
        assert_eq!(exported, expected, "{query} as CSV");
    }
    let day = csv_ids(
        &area,
        "/admin/checks/?queued_from=2025-10-02&queued_to=2025-10-02&format=csv",
    )
    .await;
    assert_eq!(day.len(), 24, "one Berlin day");

    for (query, reason) in [
        ("status=lost", "There is no status"),
        ("lane=2", "There is no lane"),
        ("verdict=great", "There is no verdict"),
        ("task=nothing", "There is no task"),
        ("queued_from=2026-13-01", "Queued from must be a date"),
        ("queued_to=yesterday", "Queued to must be a date"),
    ] {
        let response = area
            .get(&area.staff, &format!("/admin/checks/?{query}"))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(response.text().await.unwrap().contains(reason), "{query}");
    }
    let hidden = area.get(&area.student, "/admin/checks/").await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_check_shows_everything_and_a_queued_one_is_cancelled_audited() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    let seeded = seed(&db, task, area.student_id).await;

    let page = area
        .page(&area.staff, &format!("/admin/checks/{}/", seeded[7]))
        .await;
    assert!(page.contains("&lt;b&gt;bold&lt;/b&gt;"), "escaped output");
    assert!(!page.contains("<b>bold</b>"));
    assert!(page.contains("last line"), "the full output");
    assert!(
        page.contains("addsUp") && page.contains("expected 3"),
        "the tests"
    );
    assert!(page.contains("A note") && page.contains("docker said no"));
    assert!(page.contains("inloop-java:1") && page.contains("Resources"));
    assert!(!page.contains("Cancel this check"), "a done check stays");
    let solution: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT solution_id FROM checks WHERE id = $1"
    )
    .bind(seeded[7])
    .fetch_one(pool)
    .await)
    .unwrap();
    let solution_page = area
        .page(&area.staff, &format!("/admin/solutions/{solution}/"))
        .await;
    assert!(solution_page.contains(&format!(r#"<a href="/admin/checks/{}/">"#, seeded[7])));

    let queued = seeded[9];
    let page = area
        .page(&area.staff, &format!("/admin/checks/{queued}/"))
        .await;
    assert!(page.contains("Cancel this check"));
    let path = format!("/admin/checks/{queued}/cancel/");
    let forged = area.staff.post(area.app.at(&path)).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let student = area.post(&area.student, &path, &[]).await;
    assert_eq!(student.status(), StatusCode::NOT_FOUND);
    let done = area.submit(&area.staff, &path, &[]).await;
    assert!(done.contains("The check was cancelled."), "{done}");
    assert_eq!(
        ids_where(&db, &format!("c.id = {queued} AND c.status = 'cancelled'")).await,
        [queued]
    );
    let audited: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'check' AND object_id = $1
         AND field = 'status' AND old_value = 'queued' AND new_value = 'cancelled'"
    )
    .bind(queued.to_string())
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(audited, 1);
    let again = area.submit(&area.staff, &path, &[]).await;
    assert!(again.contains("Nothing to cancel"), "{again}");
    let missing = area.get(&area.staff, "/admin/checks/999999/").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
