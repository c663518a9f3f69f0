//! The commands on a course's solutions, run as the real binary: `generate-submissions`,
//! `prune-solutions` and `export-solutions`.

use std::io::Read;
use std::process::Output;

use inloop::db::{DbPool, TaskId, UserId};

use crate::common::{self, TestApp};

fn run(app: &TestApp, args: &[&str]) -> (bool, String) {
    let output: Output = app.command(args, "");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

async fn count(db: &DbPool, sql: &str) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}

/// A synthetic course `prefix`: `students` × `tasks`, `solutions` spread round-robin.
fn generate(app: &TestApp, prefix: &str, students: i64, tasks: i64, solutions: i64) {
    let (students, tasks, solutions) = (
        students.to_string(),
        tasks.to_string(),
        solutions.to_string(),
    );
    let args = [
        "generate-submissions",
        "--prefix",
        prefix,
        "--students",
        &students,
        "--tasks",
        &tasks,
        "--solutions",
        &solutions,
    ];
    let (ok, said) = run(app, &args);
    assert!(ok, "{said}");
}

#[tokio::test]
async fn generate_submissions_makes_a_whole_course_once_per_prefix() {
    let app = common::spawn().await;
    let db = app.db().await;
    generate(&app, "load", 7, 3, 50);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM users WHERE username LIKE 'load-s%'"
        )
        .await,
        7
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM tasks WHERE slug LIKE 'load-t%'").await,
        3
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM solutions").await, 50);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM solution_files").await, 50);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM checks WHERE status = 'done'").await,
        50
    );
    // 50 solutions over 21 student-task pairs: numbers 1 to 3, the newest a minute ago.
    assert_eq!(count(&db, "SELECT MAX(number) FROM solutions").await, 3);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM solutions WHERE verdict = 'passed'"
        )
        .await,
        30
    );

    let (ok, said) = run(&app, &["generate-submissions", "--prefix", "load"]);
    assert!(!ok);
    assert!(
        said.contains("a category \"load\" exists already"),
        "{said}"
    );
    let (ok, said) = run(&app, &["generate-submissions", "--prefix", "Load Test"]);
    assert!(!ok);
    assert!(
        said.contains("--prefix must be 1 to 20 lower-case letters or digits"),
        "{said}"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM solutions").await, 50);
}

#[tokio::test]
async fn prune_solutions_keeps_the_newest_per_student_and_task_and_the_limit_still_counts() {
    let app = common::spawn().await;
    let db = app.db().await;
    // Two students with five solutions each of one task.
    generate(&app, "prune", 2, 1, 10);
    let (ok, said) = run(&app, &["prune-solutions", "--keep", "2", "--dry-run"]);
    assert!(ok, "{said}");
    assert!(
        said.contains("would delete 6 solution(s) of 2 author(s)"),
        "{said}"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM solutions").await, 10);

    let (ok, said) = run(&app, &["prune-solutions", "--keep", "2"]);
    assert!(ok, "{said}");
    assert!(
        said.contains("deleted 6 solution(s) of 2 author(s)"),
        "{said}"
    );
    let kept: Vec<i64> = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT number FROM solutions ORDER BY author_id, number"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert_eq!(kept, [4, 5, 4, 5]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM checks").await, 4);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM solution_files").await, 4);
    // A submission limit of 5 is still reached: numbers are never reused.
    let (author, task) = inloop::on_pool!(&db, |pool| sqlx::query_as::<_, (i64, i64)>(
        "SELECT author_id, task_id FROM solutions ORDER BY id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let handed_in = inloop::solutions::store::count(&db, UserId(author), TaskId(task));
    assert_eq!(handed_in.await.unwrap(), 5);

    let (ok, said) = run(&app, &["prune-solutions", "--keep", "0"]);
    assert!(!ok);
    assert!(said.contains("--keep must be at least 1"), "{said}");
}

/// The entry names of the zip file `path`, and the content of its first entry.
fn entries(path: &std::path::Path) -> (Vec<String>, String) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut names: Vec<String> = zip
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    names.sort();
    let mut first = String::new();
    zip.by_name(&names[0])
        .unwrap()
        .read_to_string(&mut first)
        .unwrap();
    (names, first)
}

#[tokio::test]
async fn export_solutions_zips_each_students_latest_files_of_a_task_or_category() {
    let app = common::spawn().await;
    generate(&app, "exp", 2, 2, 12);
    let staff = app
        .create_user("teacher", "Tulpen-Fahrrad-Ostsee-81", true)
        .await;
    let db = app.db().await;
    crate::statistics::solution(&db, 1, staff, 1, "passed", 1).await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("all.zip");
    let (ok, said) = run(&app, &["export-solutions", "exp", file.to_str().unwrap()]);
    assert!(ok, "{said}");
    assert!(
        said.contains("the latest solutions of 4 student(s) for 2 task(s)"),
        "{said}"
    );
    let (names, content) = entries(&file);
    assert_eq!(
        names,
        [
            "exp-t1/exp-s1/Solution.java",
            "exp-t1/exp-s2/Solution.java",
            "exp-t2/exp-s1/Solution.java",
            "exp-t2/exp-s2/Solution.java",
        ]
    );
    assert!(content.starts_with("public class Solution"), "{content}");

    let one = folder.path().join("one.zip");
    let (ok, said) = run(&app, &["export-solutions", "EXP-T2", one.to_str().unwrap()]);
    assert!(ok, "{said}");
    assert_eq!(
        entries(&one).0,
        ["exp-t2/exp-s1/Solution.java", "exp-t2/exp-s2/Solution.java"]
    );

    let (ok, said) = run(
        &app,
        &["export-solutions", "nothing", one.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        said.contains("there is no task or category \"nothing\""),
        "{said}"
    );
}
