//! `/statistics/`: seeded solutions and checks give known answers on every chart, as pages and
//! as CSV; bad parameters get 400 with the reason; only staff see any of it.

use inloop::db::DbPool;
use reqwest::StatusCode;

use crate::admin::{Area, PASSWORD, catalog, log_in};

/// A JUnit report of class `CalcTest` as INLOOP stores it: `(test, outcome)` with outcome
/// `passed`, `failed` or `error`.
fn report(cases: &[(&str, &str)]) -> String {
    let cases: Vec<_> = cases
        .iter()
        .map(|(name, outcome)| {
            let outcome = match *outcome {
                "passed" => serde_json::json!({ "status": "passed" }),
                status => serde_json::json!({
                    "status": status, "kind": "AssertionError", "message": "no", "trace": ""
                }),
            };
            serde_json::json!({
                "name": name, "class_name": "CalcTest", "time_secs": 0.01, "outcome": outcome
            })
        })
        .collect();
    serde_json::json!([{
        "name": "CalcTest", "tests": cases.len(), "passed": 0, "failures": 0, "errors": 0,
        "skipped": 0, "time_secs": 0.1, "system_out": "", "system_err": "", "cases": cases
    }])
    .to_string()
}

/// A finished solution of `author` with `verdict`, handed in at `at` (Unix milliseconds).
pub async fn solution(
    db: &DbPool,
    task: i64,
    author: i64,
    number: i64,
    verdict: &str,
    at: i64,
) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status, verdict)
         VALUES ($1, $2, $3, $4, 'hash', 'finished', $5) RETURNING id"
    )
    .bind(task)
    .bind(author)
    .bind(number)
    .bind(at)
    .bind(verdict)
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// A finished check of `solution` that waited `wait` ms and ran `duration` ms, with `reports`.
async fn check(db: &DbPool, solution: i64, author: i64, wait: i64, duration: i64, reports: &str) {
    inloop::on_pool!(db, |pool| sqlx::query(
        "INSERT INTO checks (solution_id, author_id, status, not_before, queued_at, started_at,
                             finished_at, duration_ms, verdict, reports)
         VALUES ($1, $2, 'done', 1000, 1000, $3, $4, $5, 'failed', $6)"
    )
    .bind(solution)
    .bind(author)
    .bind(1000 + wait)
    .bind(1000 + wait + duration)
    .bind(duration)
    .bind(reports)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
}

/// `verdicts` as the solutions 1, 2, … of `author`, a minute apart from `start`; their ids.
async fn sequence(db: &DbPool, task: i64, author: i64, verdicts: &str, start: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for (index, letter) in verdicts.split(',').enumerate() {
        let verdict = if letter == "P" { "passed" } else { "failed" };
        let number = i64::try_from(index).unwrap() + 1;
        ids.push(solution(db, task, author, number, verdict, start + number * 60_000).await);
    }
    ids
}

async fn csv(area: &Area, path: &str) -> Vec<String> {
    let response = area.get(&area.staff, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8",
        "{path}"
    );
    let body = response.text().await.unwrap();
    body.lines().map(str::to_owned).collect()
}

/// Two students (F,F,F,P,F,P and P,F,F,P) and a teacher whose own solution does not count.
async fn seeded() -> (Area, i64, DbPool, i64) {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    let second = area.app.create_user("second", PASSWORD, false).await;
    let teacher: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username = 'teacher'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let start = 1_780_000_000_000;
    sequence(&db, task, area.student_id, "F,F,F,P,F,P", start).await;
    sequence(&db, task, second, "P,F,F,P", start).await;
    sequence(&db, task, teacher, "F,F,F,F,F,F,F,F,P", start).await;
    (area, task, db, second)
}

#[tokio::test]
async fn attempts_until_the_first_pass_and_the_task_table_have_known_answers() {
    let (area, _, db, second) = seeded().await;
    let ids: Vec<i64> = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM solutions WHERE author_id IN ($1, $2) ORDER BY id"
    )
    .bind(area.student_id)
    .bind(second)
    .fetch_all(pool)
    .await)
    .unwrap();
    // Queue waits of 1, 3 and 5 seconds; check times of 2, 2 and 4.
    for (id, wait, duration) in [
        (ids[0], 1000, 2000),
        (ids[1], 3000, 2000),
        (ids[2], 5000, 4000),
    ] {
        check(&db, id, area.student_id, wait, duration, "[]").await;
    }
    // The second student's one check keeps the medians of waits and check times. Peaks and CPU
    // times of 48 MiB and 300 ms, 16 MiB and 100 ms, 1 GiB and 9 ms; one check unmeasured.
    check(&db, ids[6], second, 3000, 2000, "[]").await;
    for (id, peak, cpu) in [
        (ids[2], 48 << 20, 300),
        (ids[6], 16 << 20, 100),
        (ids[0], 1 << 30, 9),
    ] {
        inloop::on_pool!(&db, |pool| sqlx::query(
            "UPDATE checks SET peak_memory_bytes = $2, cpu_ms = $3 WHERE solution_id = $1"
        )
        .bind(id)
        .bind(peak)
        .bind(cpu)
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
    }

    let attempts = csv(&area, "/statistics/attempts/?format=csv").await;
    assert_eq!(
        attempts,
        [
            "task,title,attempts,students",
            "shell-task,Shell Task,1,1",
            "shell-task,Shell Task,4,1"
        ]
    );
    let page = area.page(&area.staff, "/statistics/attempts/").await;
    assert!(page.contains("<svg"), "{page}");
    assert!(
        page.contains(">Students per number of attempts until the first pass</caption>"),
        "{page}"
    );

    let tasks = csv(&area, "/statistics/?format=csv").await;
    assert_eq!(
        tasks[0],
        "task,title,category,attempted,solved,solve_rate_percent,median_attempts,passed,failed,\
         compile_error,time_limit,memory_limit,output_limit,infrastructure_error,\
         median_queue_wait_secs,median_check_secs,median_peak_memory_mib,max_peak_memory_mib,\
         median_cpu_ms"
    );
    // Medians: of 6 and 4 solutions, 5; of waits 1, 3, 3, 5 s, 3; of check times 2, 2, 2, 4 s,
    // 2; of peaks 16, 48 and 1024 MiB, 48 (the highest 1024); of CPU times, 100 ms.
    assert_eq!(
        tasks[1],
        "shell-task,Shell Task,Basics,2,2,100.0,5.0,4,6,0,0,0,0,0,3.0,2.0,48.0,1024.0,100.0"
    );
    let page = area.page(&area.staff, "/statistics/").await;
    assert!(page.contains(r#"<a href="/statistics/tasks/shell-task/">Shell Task</a>"#));
    assert!(page.contains(r#"role="img""#));
    // The filter by category: another category has no tasks.
    let other = csv(&area, "/statistics/?category=basics&format=csv").await;
    assert_eq!(other.len(), 2);
}

#[tokio::test]
async fn failures_per_test_case_come_from_each_students_latest_checked_solution() {
    let (area, task, db, second) = seeded().await;
    let latest = |author: i64| {
        let db = db.clone();
        async move {
            inloop::on_pool!(&db, |pool| sqlx::query_scalar::<_, i64>(
                "SELECT id FROM solutions WHERE author_id = $1 AND task_id = $2 ORDER BY number"
            )
            .bind(author)
            .bind(task)
            .fetch_all(pool)
            .await)
            .unwrap()
        }
    };
    let first = latest(area.student_id).await;
    // An older solution's failures do not count; the latest's newest check does.
    let everything_failed = report(&[("testAdd", "failed"), ("testSub", "failed")]);
    check(&db, first[0], area.student_id, 10, 10, &everything_failed).await;
    check(&db, first[5], area.student_id, 10, 10, &everything_failed).await;
    let sub_failed = report(&[("testAdd", "passed"), ("testSub", "failed")]);
    check(&db, first[5], area.student_id, 10, 10, &sub_failed).await;
    let others = latest(second).await;
    let both_broken = report(&[("testAdd", "error"), ("testSub", "failed")]);
    check(&db, others[3], second, 10, 10, &both_broken).await;

    let cases = csv(&area, "/statistics/tasks/shell-task/?format=csv").await;
    assert_eq!(
        cases,
        [
            "class,test,runs,failures,errors",
            "CalcTest,testSub,2,2,0",
            "CalcTest,testAdd,2,0,1"
        ]
    );
    let page = area
        .page(&area.staff, "/statistics/tasks/shell-task/")
        .await;
    assert!(page.contains("(2\n  checked solutions"), "{page}");
    assert!(page.contains("<th scope=\"row\">testSub</th>"), "{page}");
    let missing = area
        .get(&area.staff, "/statistics/tasks/no-such-task/")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn submissions_over_time_count_per_local_day_and_filter_by_verdict() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    let second = area.app.create_user("second", PASSWORD, false).await;
    // 2026-03-01 10:00 and 11:00 UTC, 2026-03-03 12:00 UTC, and 2026-03-05 (outside the range).
    // 2026-02-28 23:30 UTC is already March 1st in Berlin, the configured zone.
    let times = [
        (area.student_id, 1, "passed", 1_772_359_200_000),
        (area.student_id, 2, "failed", 1_772_362_800_000),
        (second, 1, "failed", 1_772_539_200_000),
        (second, 2, "failed", 1_772_712_000_000),
        (second, 3, "compile_error", 1_772_321_400_000),
    ];
    for (author, number, verdict, at) in times {
        solution(&db, task, author, number, verdict, at).await;
    }
    let days = csv(
        &area,
        "/statistics/submissions/?granularity=day&from=2026-03-01&to=2026-03-03&format=csv",
    )
    .await;
    assert_eq!(
        days,
        [
            "day,submissions",
            "2026-03-01,3",
            "2026-03-02,0",
            "2026-03-03,1"
        ]
    );
    let failed = csv(
        &area,
        "/statistics/submissions/?granularity=day&verdict=failed&from=2026-03-01&to=2026-03-03&format=csv",
    )
    .await;
    assert_eq!(
        failed,
        [
            "day,submissions",
            "2026-03-01,1",
            "2026-03-02,0",
            "2026-03-03,1"
        ]
    );
    let hours = csv(
        &area,
        "/statistics/submissions/?granularity=hour&from=2026-03-01&to=2026-03-03&task=shell-task&format=csv",
    )
    .await;
    assert_eq!(hours.len(), 1 + 72);
    assert_eq!(hours[1], "2026-03-01 00:00,1");
    assert_eq!(hours[12], "2026-03-01 11:00,1");
    let months = csv(
        &area,
        "/statistics/submissions/?granularity=month&from=2026-03-01&to=2026-03-31&format=csv",
    )
    .await;
    assert_eq!(months, ["month,submissions", "2026-03,5"]);
    let page = area
        .page(
            &area.staff,
            "/statistics/submissions/?from=2026-03-01&to=2026-03-03",
        )
        .await;
    assert!(page.contains("4 submissions in this range"), "{page}");
    assert!(
        page.contains("<th scope=\"row\">2026-03-02</th><td>0</td>"),
        "{page}"
    );
}

#[tokio::test]
async fn bad_parameters_get_400_with_the_reason() {
    let area = Area::new().await;
    catalog(&area.app.db().await).await;
    for (path, reason) in [
        (
            "/statistics/submissions/?granularity=week",
            "unknown granularity",
        ),
        ("/statistics/submissions/?verdict=great", "unknown verdict"),
        (
            "/statistics/submissions/?from=2026-13-01",
            "from must be a date",
        ),
        ("/statistics/submissions/?to=yesterday", "to must be a date"),
        (
            "/statistics/submissions/?from=2026-03-05&to=2026-03-01",
            "from must not be after to",
        ),
        (
            "/statistics/submissions/?granularity=minute&from=2026-01-01&to=2026-01-31",
            "more than 1500 minutes",
        ),
        ("/statistics/?category=nothing", "there is no category"),
        ("/statistics/attempts/?task=nothing", "there is no task"),
        ("/statistics/attempts/?format=xml", "unknown format"),
    ] {
        let response = area.get(&area.staff, path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body = response.text().await.unwrap();
        assert!(body.contains(reason), "{path}: {body}");
    }
}

#[tokio::test]
async fn only_staff_see_statistics() {
    let area = Area::new().await;
    catalog(&area.app.db().await).await;
    let paths = [
        "/statistics/",
        "/statistics/submissions/",
        "/statistics/attempts/?format=csv",
        "/statistics/tasks/shell-task/",
        "/statistics/live/",
        "/statistics/live/events",
    ];
    for path in paths {
        let response = area.get(&area.student, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let visitor = crate::common::browser();
        let response = visitor.get(area.app.at(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(crate::common::location(&response).starts_with("/login/"));
    }
    let canonical = area
        .get(&area.staff, "/statistics/attempts?task=shell-task")
        .await;
    assert_eq!(canonical.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        crate::common::location(&canonical),
        "/statistics/attempts/?task=shell-task"
    );
    // Staff find it in the navigation; students do not.
    assert!(
        area.page(&area.staff, "/tasks/")
            .await
            .contains(r#"href="/statistics/""#)
    );
    assert!(
        !area
            .page(&area.student, "/tasks/")
            .await
            .contains(r#"href="/statistics/""#)
    );
}

#[tokio::test]
async fn the_live_view_streams_fresh_figures() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    let page = area.page(&area.staff, "/statistics/live/").await;
    assert!(
        page.contains(r#"sse-connect="/statistics/live/events""#),
        "{page}"
    );
    assert!(
        page.contains("<strong>0</strong> submissions in the last 3 hours"),
        "{page}"
    );

    let now = inloop::db::Timestamp::now().millis();
    let id = solution(&db, task, area.student_id, 1, "passed", now).await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "INSERT INTO checks (solution_id, author_id, status, not_before, queued_at)
         VALUES ($1, $2, 'queued', $3, $3)"
    )
    .bind(id)
    .bind(area.student_id)
    .bind(now)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    let mut stream = area.get(&area.staff, "/statistics/live/events").await;
    assert_eq!(stream.status(), StatusCode::OK);
    let mut received = String::new();
    while !received.contains("submissions in the last 3 hours") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), stream.chunk())
            .await
            .expect("an update within 10 s")
            .unwrap()
            .expect("the stream stays open");
        received.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(received.contains("event:update"), "{received}");
    assert!(
        received.contains("<strong>1</strong> checks waiting"),
        "{received}"
    );
    assert!(
        received.contains("<strong>1</strong> submissions in the last 3 hours"),
        "{received}"
    );

    // Logging out ends the stream.
    let staff = log_in(&area.app, "teacher").await;
    let mut stream = area.get(&staff, "/statistics/live/events").await;
    area.post(&staff, "/logout/", &[]).await;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ends with its session");
}
