//! `/admin/plagiarism/`: a check started from the form runs on the server's job loop and finds
//! two students' renamed copies, not an independent solution, not staff's or superusers' copies,
//! not a copy that is not the student's latest passed solution; a pair can be dismissed and
//! restored (audited), and a later check keeps the dismissal; bad forms are refused per field.

use std::time::Duration;

use inloop::db::DbPool;
use reqwest::StatusCode;

use super::Area;
use super::plagiarism_seed::seed;
use crate::common;

/// Starts a check from the form; returns the check's page address.
async fn start(area: &Area, scope: &str) -> String {
    let fields = [("scope", scope), ("min_similarity", "90")];
    let response = area.post(&area.staff, "/admin/plagiarism/", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    common::location(&response)
}

/// The check's page once it has ended (panics if it does not within 30 s).
async fn finished(area: &Area, path: &str) -> String {
    for _ in 0..120 {
        let page = area.page(&area.staff, path).await;
        if page.contains(r#"id="plagiarism-status">succeeded"#) {
            return page;
        }
        assert!(!page.contains(r#"id="plagiarism-status">failed"#), "{page}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("the check at {path} did not finish");
}

/// The pairs of the check at `path`: (pair id, similarity, dismissed, note).
async fn pairs_of(db: &DbPool, path: &str) -> Vec<(i64, f64, bool, String)> {
    let run: i64 = path
        .trim_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    inloop::on_pool!(db, |pool| sqlx::query_as(
        "SELECT id, similarity, dismissed_at IS NOT NULL, dismissal_note FROM plagiarism_pairs
         WHERE run_id = $1 ORDER BY id"
    )
    .bind(run)
    .fetch_all(pool)
    .await)
    .unwrap()
}

async fn audited(db: &DbPool, pair: i64) -> Vec<(Option<String>, Option<String>)> {
    inloop::on_pool!(db, |pool| sqlx::query_as(
        "SELECT old_value, new_value FROM audit_log
         WHERE object_kind = 'plagiarism_pair' AND object_id = $1 ORDER BY id"
    )
    .bind(pair.to_string())
    .fetch_all(pool)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_check_finds_renamed_copies_and_a_later_check_keeps_their_dismissal() {
    let area = Area::new().await;
    seed(&area.app).await;
    let db = area.app.db().await;

    let path = start(&area, "task:shell-task").await;
    let page = finished(&area, &path).await;
    assert!(page.contains("alice (#1) and bob (#2)"), "{page}");
    for absent in ["carol", "dave", "erin", "teacher", "boss"] {
        assert!(
            !page.contains(&format!("{absent} (#")),
            "{absent} is paired"
        );
    }
    let found = pairs_of(&db, &path).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let (pair, similarity, dismissed, _) = found[0].clone();
    assert!(similarity >= 0.9 && !dismissed, "{similarity}");
    for sort in ["similarity", "task", "student"] {
        let sorted = area.page(&area.staff, &format!("{path}?sort={sort}")).await;
        assert!(sorted.contains("alice (#1) and bob (#2)"), "{sort}");
    }
    let csv = area.page(&area.staff, &format!("{path}?format=csv")).await;
    let rows: Vec<_> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(",Shell Task,alice,1,bob,2,"), "{csv}");

    let pair_path = format!("/admin/plagiarism/pairs/{pair}/");
    let side_by_side = area.page(&area.staff, &pair_path).await;
    assert!(side_by_side.contains(r#"id="a-m1""#) && side_by_side.contains(r#"id="b-m1""#));
    assert!(side_by_side.contains(r#"<mark class="match""#));
    assert!(
        side_by_side.contains("i &lt; values.length"),
        "code is escaped"
    );
    assert!(side_by_side.contains(r##"href="#b-m1""##));

    let refused = area
        .post(
            &area.staff,
            &format!("{pair_path}dismiss"),
            &[("note", " ")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Say why this is no copy")
    );
    let note = "worked together with permission";
    let dismissed = area
        .submit(
            &area.staff,
            &format!("{pair_path}dismiss"),
            &[("note", note)],
        )
        .await;
    assert!(
        dismissed.contains(&format!("by teacher: {note}")),
        "{dismissed}"
    );
    let restored = area
        .submit(&area.staff, &format!("{pair_path}restore"), &[])
        .await;
    assert!(restored.contains("a possible copy"));
    area.submit(
        &area.staff,
        &format!("{pair_path}dismiss"),
        &[("note", note)],
    )
    .await;
    let note = Some(note.to_owned());
    assert_eq!(
        audited(&db, pair).await,
        [
            (None, note.clone()),
            (note.clone(), None),
            (None, note.clone())
        ]
    );

    let later = start(&area, "category:basics").await;
    assert_ne!(later, path);
    let page = finished(&area, &later).await;
    assert!(
        page.contains("by teacher: worked together with permission"),
        "{page}"
    );
    let found = pairs_of(&db, &later).await;
    assert_eq!(found.len(), 1);
    assert!(found[0].2 && Some(found[0].3.clone()) == note, "{found:?}");
    let list = area.page(&area.staff, "/admin/plagiarism/").await;
    let (newer, older) = (list.find(&later).unwrap(), list.find(&path).unwrap());
    assert!(newer < older, "newest first");
}

#[tokio::test]
async fn bad_forms_are_refused_field_by_field_and_students_see_nothing() {
    let area = Area::new().await;
    seed(&area.app).await;

    let response = area
        .post(
            &area.staff,
            "/admin/plagiarism/",
            &[("scope", ""), ("min_similarity", "lots")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("Choose a task or a category."), "{page}");
    assert!(page.contains("a number of percent from 1 to 100"));
    assert!(page.contains(r#"value="lots""#), "the input is kept");
    let response = area
        .post(
            &area.staff,
            "/admin/plagiarism/",
            &[("scope", "task:nope"), ("min_similarity", "150")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("There is no such task or category"));
    assert!(page.contains("a number of percent from 1 to 100"));
    let response = area
        .post(
            &area.staff,
            "/admin/plagiarism/",
            &[("scope", "task:shell-task"), ("min_similarity", "85,5 %")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "a decimal comma and a % sign are fine"
    );

    assert_eq!(
        area.get(&area.student, "/admin/plagiarism/").await.status(),
        StatusCode::NOT_FOUND
    );
    let fields = [("scope", "task:shell-task"), ("min_similarity", "90")];
    let response = area
        .post(&area.student, "/admin/plagiarism/", &fields)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let forged = area
        .staff
        .post(area.app.at("/admin/plagiarism/"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_check_whose_instance_went_away_is_taken_over_and_finished() {
    let area = Area::new().await;
    seed(&area.app).await;
    let db = area.app.db().await;
    let (check, task): (i64, i64) = inloop::on_pool!(&db, |pool| sqlx::query_as(
        "INSERT INTO plagiarism_runs (task_id, min_similarity, requested_at, started_at,
             heartbeat_at, status, worker, tasks_total)
         SELECT id, 0.9, 0, 0, 0, 'running', 'gone:1', 1 FROM tasks RETURNING id, task_id"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    inloop::on_pool!(&db, |pool| sqlx::query(
        "INSERT INTO plagiarism_pairs (run_id, task_id, solution_a, solution_b, author_a,
             author_b, similarity)
         SELECT $1, $2, MIN(id), MAX(id), MIN(author_id), MAX(author_id), $3 FROM solutions"
    )
    .bind(check)
    .bind(task)
    .bind(0.5_f64)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();

    // The server's loop polls every few seconds; `finished` waits up to 30 s.
    let page = finished(&area, &format!("/admin/plagiarism/{check}/")).await;
    assert!(!page.contains("gone:1"), "another instance ran it");
    assert!(page.contains("alice (#1) and bob (#2)"), "{page}");
    let found = pairs_of(&db, &format!("/admin/plagiarism/{check}/")).await;
    assert_eq!(
        found.len(),
        1,
        "the dead instance's pairs are gone: {found:?}"
    );
}
