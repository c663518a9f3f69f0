//! Grades: `/admin/grades/`, its matrix and `inloop export-grades` on seeded solutions with known
//! points (a dismissed and a standing plagiarism detection, a solution before the start date, an
//! extension, the cap, students without points); bad forms get 400 with the reason.

use inloop::db::DbPool;
use reqwest::StatusCode;

use crate::admin::{Area, PASSWORD, catalog};
use crate::statistics::solution;

/// 2026-10-05 10:00 UTC, after the start date 2026-10-01 (Europe/Berlin).
const IN_TERM: i64 = 1_791_194_400_000;
/// 2026-09-20 10:00 UTC, before it.
const BEFORE_START: i64 = 1_789_898_400_000;
/// 2026-11-01 00:00 UTC: the deadline of `late-task`.
const DEADLINE: i64 = 1_793_491_200_000;
/// 2026-11-05 10:00 UTC: after the deadline.
const AFTER_DEADLINE: i64 = 1_793_872_800_000;
/// 2026-11-10 00:00 UTC: dave's extended deadline.
const EXTENDED: i64 = 1_794_268_800_000;

async fn task(db: &DbPool, category: i64, slug: &str, deadline: Option<i64>) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, deadline, text_html, imported_at)
         VALUES ($1, $1, $1, $2, 0, $3, '', 0) RETURNING id"
    )
    .bind(slug)
    .bind(category)
    .bind(deadline)
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// A detection of `a` and `b` on `task`, dismissed or standing.
async fn detection(db: &DbPool, task: i64, a: (i64, i64), b: (i64, i64), dismissed: bool) {
    inloop::on_pool!(db, |pool| {
        async {
        let run: i64 = sqlx::query_scalar(
            "INSERT INTO plagiarism_runs (task_id, min_similarity, requested_at, status)
             VALUES ($1, 0.9, 0, 'succeeded') RETURNING id",
        )
        .bind(task)
        .fetch_one(pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO plagiarism_pairs
                 (run_id, task_id, solution_a, solution_b, author_a, author_b, similarity, dismissed_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0.97, $7)",
        )
        .bind(run)
        .bind(task)
        .bind(a.1)
        .bind(b.1)
        .bind(a.0)
        .bind(b.0)
        .bind(dismissed.then_some(1_000_i64))
        .execute(pool)
        .await
        .unwrap();
    }
    .await;
    });
}

/// The seeded course (who has what is said inside), logged in as in [`Area`].
async fn seeded() -> Area {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (category, first, _) = catalog(&db).await;
    let second = task(&db, category, "second-task", None).await;
    let late = task(&db, category, "late-task", Some(DEADLINE)).await;
    let mut users = std::collections::HashMap::new();
    for name in [
        "alice", "bob", "carol", "dave", "erin", "frank", "gina", "copier",
    ] {
        users.insert(name, area.app.create_user(name, PASSWORD, false).await);
    }
    let teacher: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username = 'teacher'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let passed = |user: &str, task: i64, at: i64| {
        let (db, author) = (db.clone(), users[user]);
        async move { (author, solution(&db, task, author, 1, "passed", at).await) }
    };
    // alice: two tasks; a detection on the first was dismissed, so both count.
    let alice = passed("alice", first, IN_TERM).await;
    passed("alice", second, IN_TERM).await;
    // bob: two tasks; a standing detection (with copier) on the first leaves one.
    let bob = passed("bob", first, IN_TERM).await;
    passed("bob", second, IN_TERM).await;
    let copier = passed("copier", first, IN_TERM).await;
    detection(&db, first, alice, copier, true).await;
    detection(&db, first, copier, bob, false).await;
    // carol: the first task before the start date does not count, the second does.
    passed("carol", first, BEFORE_START).await;
    passed("carol", second, IN_TERM).await;
    // dave: the late task after its deadline, within his extension, and the first task.
    passed("dave", late, AFTER_DEADLINE).await;
    passed("dave", first, IN_TERM).await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "INSERT INTO deadline_extensions (task_id, user_id, deadline, reason, granted_at)
         VALUES ($1, $2, $3, 'ill', 0)"
    )
    .bind(late)
    .bind(users["dave"])
    .bind(EXTENDED)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    // erin: all three in time, capped at 2; gina: only the late task, too late; frank: nothing.
    for task in [first, second, late] {
        passed("erin", task, IN_TERM).await;
    }
    passed("gina", late, AFTER_DEADLINE).await;
    // A failed solution and a teacher's pass change nothing.
    solution(&db, second, users["frank"], 1, "failed", IN_TERM).await;
    solution(&db, second, teacher, 1, "passed", IN_TERM).await;
    area
}

/// `(username, points)` of each CSV line after the header.
fn points(csv: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("last_name,first_name,username,email,matriculation_number,course_of_study,points")
    );
    lines
        .map(|line| {
            let fields: Vec<_> = line.split(',').collect();
            assert_eq!(fields.len(), 7, "{line}");
            (fields[2].to_owned(), fields[6].to_owned())
        })
        .collect()
}

fn expected(rows: &[(&str, &str)]) -> Vec<(String, String)> {
    rows.iter()
        .map(|(user, points)| ((*user).to_owned(), (*points).to_owned()))
        .collect()
}

#[tokio::test]
async fn points_count_solved_tasks_by_each_students_deadline_without_standing_detections() {
    let area = seeded().await;
    let query = "category=Basics&start=2026-10-01&max_points=2&header=on";
    let response = area
        .get(&area.staff, &format!("/admin/grades/?{query}&format=csv"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"grades.csv\""
    );
    let csv = response.text().await.unwrap();
    let with_points = [
        ("alice", "2"),
        ("bob", "1"),
        ("carol", "1"),
        ("copier", "0"),
        ("dave", "2"),
        ("erin", "2"),
    ];
    let without_zero: Vec<_> = with_points
        .iter()
        .filter(|row| row.1 != "0")
        .copied()
        .collect();
    assert_eq!(points(&csv), expected(&without_zero));
    assert!(csv.contains("alice@example.org"), "{csv}");

    // With the students without points (active ones, not staff), by username here.
    let all = area
        .page(
            &area.staff,
            &format!("/admin/grades/?{query}&zero=on&format=csv"),
        )
        .await;
    let mut everyone = with_points.to_vec();
    everyone.extend([("frank", "0"), ("gina", "0"), ("student", "0")]);
    assert_eq!(points(&all), expected(&everyone));

    // Without a header, and with the setting's cap (10) erin has all three.
    let plain = area
        .page(
            &area.staff,
            "/admin/grades/?category=basics&start=2026-10-01&format=csv",
        )
        .await;
    assert!(plain.starts_with(",,alice,alice@example.org,,"), "{plain}");
    assert!(plain.contains(",,erin,erin@example.org,,,3\r\n"), "{plain}");

    // The page previews the same rows.
    let page = area
        .page(&area.staff, &format!("/admin/grades/?{query}"))
        .await;
    assert!(page.contains("Points of 5 students (at most 2)"), "{page}");
    assert!(
        page.contains("/admin/grades/matrix/?category=Basics"),
        "{page}"
    );
}

#[tokio::test]
async fn the_results_matrix_shows_attempts_and_first_passes_since_the_start() {
    let area = seeded().await;
    let csv = area
        .page(
            &area.staff,
            "/admin/grades/matrix/?category=Basics&start=2026-10-01&format=csv",
        )
        .await;
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "username,last_name,first_name,late-task solved,late-task attempts,late-task first_pass,\
         second-task solved,second-task attempts,second-task first_pass,\
         shell-task solved,shell-task attempts,shell-task first_pass"
    );
    // Tasks by publication date, then title. carol's pass before the start is left out;
    // times are Berlin's.
    assert!(
        lines.contains(&"carol,,,no,0,,yes,1,2026-10-05 12:00,no,0,"),
        "{csv}"
    );
    assert!(
        lines.contains(&"dave,,,yes,1,2026-11-05 11:00,no,0,,yes,1,2026-10-05 12:00"),
        "{csv}"
    );
    assert!(lines.contains(&"frank,,,no,0,,no,1,,no,0,"), "{csv}");
    assert!(!csv.contains("teacher"), "{csv}");
    let page = area
        .page(
            &area.staff,
            "/admin/grades/matrix/?category=Basics&start=2026-10-01",
        )
        .await;
    assert!(page.contains("8 students × 3 tasks"), "{page}");
}

#[tokio::test]
async fn export_grades_writes_the_same_csv_as_the_page() {
    let area = seeded().await;
    let folder = tempfile::tempdir().unwrap();
    let (file, matrix) = (
        folder.path().join("grades.csv"),
        folder.path().join("matrix.csv"),
    );
    let output = area.app.command(
        &[
            "export-grades",
            "basics",
            "2026-10-01",
            file.to_str().unwrap(),
            "--max-points",
            "2",
            "--header",
            "--matrix",
            matrix.to_str().unwrap(),
        ],
        "",
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("5 student(s) of \"Basics\" (at most 2 points)"),
        "{said}"
    );
    let page = area
        .page(
            &area.staff,
            "/admin/grades/?category=Basics&start=2026-10-01&max_points=2&header=on&format=csv",
        )
        .await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), page);
    assert!(
        std::fs::read_to_string(&matrix)
            .unwrap()
            .starts_with("username,")
    );

    let output = area
        .app
        .command(&["export-grades", "nope", "2026-10-01", "-"], "");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no category \"nope\""));
    let output = area
        .app
        .command(&["export-grades", "basics", "October", "-"], "");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a date like 2026-10-01"));
}

#[tokio::test]
async fn bad_grade_forms_get_400_with_the_reason_and_students_see_nothing() {
    let area = seeded().await;
    let response = area
        .get(
            &area.staff,
            "/admin/grades/?category=Nope&start=yesterday&max_points=-1",
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap();
    for message in [
        "There is no category &quot;Nope&quot;.",
        "Give the first day that counts, like 2026-10-01.",
        "The maximum must be a whole number of 0 or more.",
    ] {
        assert!(page.contains(message), "{message}: {page}");
    }
    let csv = area.get(&area.staff, "/admin/grades/?format=csv").await;
    assert_eq!(csv.status(), StatusCode::BAD_REQUEST);
    // The first visit shows the form without messages.
    let first = area.page(&area.staff, "/admin/grades/").await;
    assert!(!first.contains("field-error"), "{first}");
    for path in [
        "/admin/grades/",
        "/admin/grades/matrix/?category=Basics&start=2026-10-01",
    ] {
        let response = area.get(&area.student, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
}
