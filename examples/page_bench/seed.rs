//! The course every backend is measured on: 3 categories of 10 published tasks each (every other
//! task with a deadline a week ahead), 20 students and 200 solutions, each with a finished check
//! whose report has 4 `JUnit` tests, one of them failing with a stack trace.

use std::collections::HashMap;

use inloop::db::{DbPool, Timestamp};

pub const CATEGORIES: [(&str, &str); 3] = [
    ("Basics", "basics"),
    ("Objects", "objects"),
    ("Collections", "collections"),
];
pub const TASKS_PER_CATEGORY: usize = 10;
pub const STUDENTS: usize = 20;
pub const SOLUTIONS: usize = 200;
/// The test that fails in every report: the result page must name it.
pub const FAILING_TEST: &str = "rejectsNegativeAmounts";

/// The slug of task `n` (from 0): `<category>-<n within it + 1>`.
pub fn task_slug(n: usize) -> String {
    let (category, within) = (n / TASKS_PER_CATEGORY, n % TASKS_PER_CATEGORY);
    format!("{}-{}", CATEGORIES[category].1, within + 1)
}

/// Solution `i` (from 0) is by student `i mod 20` for task `i mod 30`, so student `s0` (the
/// viewer) has four solutions of the first task, three each of two others.
fn author_and_task(i: usize) -> (usize, usize) {
    (i % STUDENTS, i % (CATEGORIES.len() * TASKS_PER_CATEGORY))
}

/// The viewer's (`s0`) result page measured: its latest solution of the first task, with the
/// three before it as earlier attempts.
pub fn result_page() -> String {
    let number = (0..SOLUTIONS)
        .filter(|&i| author_and_task(i) == (0, 0))
        .count();
    format!("/solutions/detail/{}/{number}/", task_slug(0))
}

/// The report of every check: what the checker's JUnit 5 run writes.
fn report_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="AccountTest" tests="4" skipped="0" failures="1" errors="0" time="0.087">
  <testcase name="startsEmpty" classname="AccountTest" time="0.012"/>
  <testcase name="depositsAddUp" classname="AccountTest" time="0.009"/>
  <testcase name="withdrawalsSubtract" classname="AccountTest" time="0.011"/>
  <testcase name="{FAILING_TEST}" classname="AccountTest" time="0.031">
    <failure message="expected: &lt;IllegalArgumentException&gt; but nothing was thrown" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;IllegalArgumentException&gt; but nothing was thrown
	at org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:152)
	at org.junit.jupiter.api.AssertThrows.assertThrows(AssertThrows.java:73)
	at org.junit.jupiter.api.AssertThrows.assertThrows(AssertThrows.java:35)
	at org.junit.jupiter.api.Assertions.assertThrows(Assertions.java:3115)
	at AccountTest.{FAILING_TEST}(AccountTest.java:41)
	at java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
	at java.base/java.lang.reflect.Method.invoke(Method.java:580)
	at org.junit.platform.commons.util.ReflectionUtils.invokeMethod(ReflectionUtils.java:728)
	at org.junit.jupiter.engine.execution.MethodInvocation.proceed(MethodInvocation.java:60)
	at org.junit.jupiter.engine.descriptor.TestMethodTestDescriptor.invokeTestMethod(TestMethodTestDescriptor.java:218)
	at org.junit.platform.launcher.core.DefaultLauncher.execute(DefaultLauncher.java:86)
</failure>
  </testcase>
  <system-out><![CDATA[Account created
]]></system-out>
</testsuite>
"#
    )
}

/// [`report_xml`] parsed as the worker does, with its test counts.
fn report() -> (String, i64, i64) {
    let suites =
        inloop::runner::junit::parse(report_xml().as_bytes(), 1 << 20).expect("the report");
    let (total, passed) = inloop::runner::junit::test_counts(&suites);
    assert_eq!((total, passed), (4, 3), "4 tests, one failing");
    let json = serde_json::to_string(&suites).expect("report JSON");
    (json, total, passed)
}

/// The course as the original INLOOP's seeder (`original/seed.py`) reads it.
pub fn course_json() -> serde_json::Value {
    let tasks: Vec<_> = (0..CATEGORIES.len() * TASKS_PER_CATEGORY)
        .map(|n| {
            let (category, within) = (n / TASKS_PER_CATEGORY, n % TASKS_PER_CATEGORY);
            let name = CATEGORIES[category].0;
            serde_json::json!({
                "title": format!("{name} {}", within + 1),
                "slug": task_slug(n),
                "category": category,
                "description": task_text(name, within),
                "deadline": within % 2 == 0,
            })
        })
        .collect();
    let solutions: Vec<_> = (0..SOLUTIONS)
        .map(|i| {
            let (author, task) = author_and_task(i);
            serde_json::json!({"author": author, "task": task, "minutes_ago": SOLUTIONS - i})
        })
        .collect();
    serde_json::json!({
        "password": crate::bench::PASSWORD,
        "students": (0..STUDENTS).map(|n| format!("s{n}")).collect::<Vec<_>>(),
        "categories": CATEGORIES.map(|(name, slug)| serde_json::json!({
            "name": name, "slug": slug, "description": format!("Tasks on {name}."),
        })),
        "tasks": tasks,
        "solutions": solutions,
        "report": report_xml(),
        "stdout": STDOUT,
        "file": {"name": FILE.0, "content": FILE.1},
    })
}

/// Stores the course in `db` (migrated, without users): its students first ([`STUDENTS`] of
/// them, `s0` the viewer), then categories and tasks, then solutions with a file and a check.
pub async fn course(db: &DbPool) {
    crate::bench::students(db, STUDENTS).await;
    let now = Timestamp::now().millis();
    let tasks = tasks(db, now).await;
    solutions(db, &tasks, now).await;
    // Fresh statistics for the planner, as after any bulk load.
    inloop::on_pool!(db, |pool| sqlx::query("ANALYZE")
        .execute(pool)
        .await
        .map(drop))
    .expect("ANALYZE");
}

/// The text of task `within` (from 0) of category `name`.
fn task_text(name: &str, within: usize) -> String {
    format!("<h2>{name} {}</h2><p>Write the class.</p>", within + 1)
}

/// The categories and their tasks; the tasks' ids in the order of [`task_slug`].
async fn tasks(db: &DbPool, now: i64) -> Vec<i64> {
    inloop::on_pool!(db, |pool| {
        let mut tx = pool.begin().await.expect("transaction");
        let mut tasks = Vec::new();
        for (ordering, (name, slug)) in (1_i64..).zip(CATEGORIES) {
            let category: i64 = sqlx::query_scalar(
                "INSERT INTO categories (name, slug, description, description_html, ordering)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(name)
            .bind(slug)
            .bind(format!("Tasks on {name}."))
            .bind(format!("<p>Tasks on {name}.</p>"))
            .bind(ordering)
            .fetch_one(&mut *tx)
            .await
            .expect("category");
            for within in 0..TASKS_PER_CATEGORY {
                let slug = task_slug(tasks.len());
                // Every other task has a deadline a week ahead; the others have none.
                let deadline = (within % 2 == 0).then_some(now + 7 * 86_400_000);
                let task: i64 = sqlx::query_scalar(
                    "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, deadline,
                                        text_html, imported_at)
                     VALUES ($1, $2, $1, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&slug)
                .bind(format!("{name} {}", within + 1))
                .bind(category)
                .bind(now - 30 * 86_400_000)
                .bind(deadline)
                .bind(task_text(name, within))
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .expect("task");
                tasks.push(task);
            }
        }
        tx.commit().await.expect("commit");
        tasks
    })
}

/// A finished check of solution `$1` by `$2`, submitted at `$3`, with output `$4`, report `$5`
/// and CPU time `$6`: 0.8 s in the queue, 4.2 s running, 180 MiB and 23 processes at most.
const CHECK: &str = "INSERT INTO checks (solution_id, author_id, status, attempts, not_before,
                         queued_at, started_at, finished_at, worker, image, verdict, exit_code,
                         duration_ms, stdout, reports, cpu_ms, peak_memory_bytes, peak_pids,
                         memory_limit_bytes, pids_limit, time_limit_ms)
     VALUES ($1, $2, 'done', 1, $3, $3, $3 + 800, $3 + 5000, 'bench', 'inloop-checker:bench',
             'failed', 1, 4200, $4, $5, $6, 188743680, 23, 536870912, 128, 60000)";
const STDOUT: &str = "Buildfile: /checker/build.xml\n\ntest:\n    [junit] Tests run: 4, Failures: 1\n\nBUILD FAILED\n";
/// The one file of every solution.
const FILE: (&str, &str) = (
    "Account.java",
    "public class Account {\n    private long balance;\n\n    \
     public void deposit(long amount) { balance += amount; }\n\n    \
     public void withdraw(long amount) { balance -= amount; }\n\n    \
     public long balance() { return balance; }\n}\n",
);

/// [`SOLUTIONS`] solutions a minute apart up to a minute ago, each with a file and a check.
async fn solutions(db: &DbPool, tasks: &[i64], now: i64) {
    let (reports, total, passed) = report();
    let file = FILE.1.as_bytes();
    let size = i64::try_from(file.len()).expect("size");
    inloop::on_pool!(db, |pool| {
        let mut tx = pool.begin().await.expect("transaction");
        let students: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE username LIKE 's%' ORDER BY id")
                .fetch_all(&mut *tx)
                .await
                .expect("students");
        assert_eq!(students.len(), STUDENTS, "the students");
        let mut numbers: HashMap<(usize, usize), i64> = HashMap::new();
        for i in 0..SOLUTIONS {
            let (author, task) = author_and_task(i);
            let number = numbers.entry((author, task)).or_default();
            *number += 1;
            let submitted = now - i64::try_from(SOLUTIONS - i).expect("count") * 60_000;
            let solution: i64 = sqlx::query_scalar(
                "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status,
                                        verdict, tests_total, tests_passed)
                 VALUES ($1, $2, $3, $4, $5, 'finished', 'failed', $6, $7) RETURNING id",
            )
            .bind(tasks[task])
            .bind(students[author])
            .bind(*number)
            .bind(submitted)
            .bind(format!("{i:064x}"))
            .bind(total)
            .bind(passed)
            .fetch_one(&mut *tx)
            .await
            .expect("solution");
            sqlx::query(
                "INSERT INTO solution_files (solution_id, name, size, content)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(solution)
            .bind(FILE.0)
            .bind(size)
            .bind(file)
            .execute(&mut *tx)
            .await
            .expect("file");
            sqlx::query(CHECK)
                .bind(solution)
                .bind(students[author])
                .bind(submitted)
                .bind(STDOUT)
                .bind(&reports)
                .bind(2900_i64 + i64::try_from(i).expect("count"))
                .execute(&mut *tx)
                .await
                .expect("check");
        }
        tx.commit().await.expect("commit");
    });
}
