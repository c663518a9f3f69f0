//! `/admin/solutions/` with 10,000 seeded solutions: pages by keyset, filters, the author search
//! and the streamed CSV return the right rows; semesters turn at local midnight on 1 April and
//! 1 October; bulk re-checks and deletions ask first and are audited.

use inloop::db::DbPool;
use reqwest::StatusCode;

use super::{Area, catalog};
use crate::common;

/// 2025-10-01 00:00 in Berlin: the first seeded solution, one an hour after it.
const FIRST: i64 = 1_759_269_600_000;
const HOUR: i64 = 3_600_000;
const SEEDED: i64 = 10_000;

/// 20 students `s00`…`s19`, and 10,000 solutions of the task, round-robin, verdicts passed,
/// failed and none in turn.
async fn seed(db: &DbPool, task: i64) {
    inloop::on_pool!(db, |pool| {
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
             INSERT INTO users (username, email, password_hash, date_joined, is_active)
             SELECT 's' || CASE WHEN i < 10 THEN '0' ELSE '' END || i, 's' || i || '@example.org', '', 0, TRUE FROM n",
        )
        .execute(pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)
             INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status, verdict)
             SELECT $2, (SELECT id FROM users WHERE username = 's' || CASE WHEN i % 20 < 10 THEN '0' ELSE '' END || (i % 20)),
                    i / 20 + 1, $3 + i * $4, 'hash',
                    CASE WHEN i % 3 = 2 THEN 'queued' ELSE 'finished' END,
                    CASE i % 3 WHEN 0 THEN 'passed' WHEN 1 THEN 'failed' END
             FROM n",
        )
        .bind(SEEDED)
        .bind(task)
        .bind(FIRST)
        .bind(HOUR)
        .execute(pool)
        .await
        .unwrap();
    });
}

async fn count(db: &DbPool, sql: &str) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}

/// The ids in the rows of a list page.
fn ids(page: &str) -> Vec<i64> {
    page.split(r#"name="ids" value=""#)
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

async fn csv_rows(area: &Area, path: &str) -> Vec<String> {
    let response = area.get(&area.staff, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body = response.text().await.unwrap();
    body.lines().skip(1).map(str::to_owned).collect()
}

#[tokio::test]
async fn ten_thousand_solutions_page_filter_search_and_export() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    seed(&db, task).await;

    let first = area.page(&area.staff, "/admin/solutions/").await;
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 50);
    let newest = count(&db, "SELECT MAX(id) FROM solutions").await;
    assert_eq!(first_ids[0], newest);
    assert!(
        first_ids.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first"
    );
    let older = first
        .split(r#"<a href=""#)
        .find_map(|rest| {
            rest.split_once(r#"">Older</a>"#)
                .map(|(link, _)| link.to_owned())
        })
        .expect("a link to older solutions");
    let second = area.page(&area.staff, &older.replace("&amp;", "&")).await;
    assert_eq!(ids(&second)[0], first_ids[49] - 1);

    // Filters and the author search, checked against the database.
    let passed = csv_rows(
        &area,
        "/admin/solutions/?verdict=passed&task=shell-task&format=csv",
    )
    .await;
    assert_eq!(
        i64::try_from(passed.len()).unwrap(),
        count(
            &db,
            "SELECT COUNT(*) FROM solutions WHERE verdict = 'passed'"
        )
        .await
    );
    assert!(passed.iter().all(|row| row.contains(",finished,passed,")));
    let unchecked = csv_rows(&area, "/admin/solutions/?verdict=unchecked&format=csv").await;
    assert_eq!(i64::try_from(unchecked.len()).unwrap(), SEEDED / 3);
    let s1 = csv_rows(&area, "/admin/solutions/?author=S1&format=csv").await;
    assert_eq!(i64::try_from(s1.len()).unwrap(), SEEDED / 2, "s10 … s19");
    assert!(
        s1.iter()
            .all(|row| row.split(',').nth(2).unwrap().starts_with("s1"))
    );
    let everything = csv_rows(&area, "/admin/solutions/?format=csv").await;
    assert_eq!(i64::try_from(everything.len()).unwrap(), SEEDED);

    // Dates: both days included, in Berlin.
    let day = csv_rows(
        &area,
        "/admin/solutions/?from=2025-10-01&to=2025-10-02&format=csv",
    )
    .await;
    assert_eq!(day.len(), 48);
    let page = area
        .page(&area.staff, "/admin/solutions/?author=s07&verdict=failed")
        .await;
    assert_eq!(ids(&page).len(), 50);
    assert_eq!(page.matches("<td>s07</td>").count(), 50);
}

#[tokio::test]
async fn semesters_turn_at_local_midnight_on_the_first_of_april_and_october() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    // 31 March 23:59, 1 April 00:00, 30 September 23:59, 1 October 00:00 (Berlin, summer time).
    let moments = [
        1_774_994_340_000_i64,
        1_774_994_400_000,
        1_790_805_540_000,
        1_790_805_600_000,
    ];
    for (number, at) in (1..).zip(moments) {
        inloop::on_pool!(&db, |pool| sqlx::query(
            "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status)
             VALUES ($1, $2, $3, $4, 'hash', 'saved')"
        )
        .bind(task)
        .bind(area.student_id)
        .bind(number)
        .bind(at)
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
    }
    let numbers = |rows: Vec<String>| -> Vec<String> {
        rows.iter()
            .map(|row| row.split(',').nth(3).unwrap().to_owned())
            .collect()
    };
    let winter = csv_rows(&area, "/admin/solutions/?semester=winter-2025&format=csv").await;
    assert_eq!(numbers(winter), ["1"]);
    let summer = csv_rows(&area, "/admin/solutions/?semester=summer-2026&format=csv").await;
    assert_eq!(numbers(summer), ["3", "2"]);
    let next = csv_rows(&area, "/admin/solutions/?semester=winter-2026&format=csv").await;
    assert_eq!(numbers(next), ["4"]);
    // A date range narrows a semester further.
    let april = csv_rows(
        &area,
        "/admin/solutions/?semester=summer-2026&to=2026-04-30&format=csv",
    )
    .await;
    assert_eq!(numbers(april), ["2"]);

    for (query, reason) in [
        ("semester=spring-2026", "There is no semester"),
        ("verdict=great", "There is no verdict"),
        ("from=2026-13-01", "From must be a date"),
        ("to=2026-04-01T10:00", "To must be a date"),
        ("task=nothing", "There is no task"),
        ("category=nothing", "There is no category"),
    ] {
        let response = area
            .get(&area.staff, &format!("/admin/solutions/?{query}"))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(response.text().await.unwrap().contains(reason), "{query}");
    }
}

#[tokio::test]
async fn bulk_rechecks_and_deletions_ask_first_and_are_audited() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    let mut solutions = Vec::new();
    for number in 1..=3 {
        let id: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
            "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status, verdict)
             VALUES ($1, $2, $3, $3, 'hash', 'finished', 'failed') RETURNING id"
        )
        .bind(task)
        .bind(area.student_id)
        .bind(number)
        .fetch_one(pool)
        .await)
        .unwrap();
        solutions.push(id.to_string());
    }
    let ticked = [
        ("ids", solutions[0].as_str()),
        ("ids", solutions[1].as_str()),
    ];

    let mut fields = vec![("action", "recheck")];
    fields.extend(ticked);
    let confirm = area
        .post(&area.staff, "/admin/solutions/bulk", &fields)
        .await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let page = confirm.text().await.unwrap();
    assert!(page.contains("Check 2 solutions again?"), "{page}");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM checks").await,
        0,
        "nothing yet"
    );
    fields.push(("confirm", "true"));
    let done = area
        .submit(&area.staff, "/admin/solutions/bulk", &fields)
        .await;
    assert!(
        done.contains("2 of 2 solutions are checked again"),
        "{done}"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM checks WHERE lane = 1 AND status = 'queued'"
        )
        .await,
        2
    );
    // The solution's page shows the queued check.
    let one = area
        .page(&area.staff, &format!("/admin/solutions/{}/", solutions[0]))
        .await;
    assert!(
        one.contains("Check ") && one.contains("staff (a re-run)"),
        "{one}"
    );

    let mut fields = vec![("action", "delete"), ("confirm", "true")];
    fields.extend(ticked);
    let done = area
        .submit(&area.staff, "/admin/solutions/bulk", &fields)
        .await;
    assert!(done.contains("Deleted 2 solutions."), "{done}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM solutions").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM checks").await, 0);
    let gone = area
        .get(&area.staff, &format!("/admin/solutions/{}/", solutions[0]))
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let audited = count(
        &db,
        "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'solution' AND field IN ('rechecked', 'deleted')",
    )
    .await;
    assert_eq!(audited, 4);
    let forged = common::browser()
        .post(area.app.at("/admin/solutions/bulk"))
        .form(&[("action", "delete")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}
