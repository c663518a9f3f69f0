//! The import stores the checker image's build context for other Docker hosts, and publishes its
//! tasks and its image together (issue 16).

use std::io::Read as _;

use super::repo::TestRepo;
use super::{import, imported, remove_image, set_repository};
use crate::common;
use inloop::db::DbPool;
use inloop::import::contexts;
use inloop::import::runs::{self, ImageStatus, RunStatus};

/// The file names in a tar.
fn names(tar: &[u8]) -> Vec<String> {
    let mut archive = tar::Archive::new(tar);
    let mut names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|entry| entry.unwrap().path().unwrap().display().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_build_context_is_stored_by_its_image_tag() {
    let (app, repo, first) = imported().await;
    let db = app.db().await;
    let stored = contexts::load(&db, &first.image_tag)
        .await
        .unwrap()
        .expect("the context of the new image is stored");
    let names = names(&stored);
    assert!(names.contains(&"Dockerfile".to_owned()), "{names:?}");
    assert!(names.contains(&"nonce.txt".to_owned()), "{names:?}");
    assert!(
        names.contains(&"task-a/attachments/generated.txt".to_owned()),
        "what make made is part of it: {names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|name| name == "ignored.txt" || name.starts_with(".git/")),
        ".dockerignore and .git stay out: {names:?}"
    );
    let mut nonce = String::new();
    tar::Archive::new(stored.as_slice())
        .entries()
        .unwrap()
        .map(Result::unwrap)
        .find(|entry| entry.path().unwrap().to_str() == Some("nonce.txt"))
        .unwrap()
        .read_to_string(&mut nonce)
        .unwrap();
    let committed = std::fs::read_to_string(repo.path().join("nonce.txt")).unwrap();
    assert_eq!(nonce, committed, "the files as the build sent them");
    remove_image(&first.image_tag).await;
}

/// The task's title and whether it is hidden, if it exists.
async fn task(db: &DbPool, system_name: &str) -> Option<(String, bool)> {
    let sql = "SELECT title, hidden FROM tasks WHERE system_name = $1";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(system_name)
        .fetch_optional(pool)
        .await)
    .unwrap()
}

#[tokio::test]
async fn a_failed_image_build_publishes_neither_the_tasks_nor_the_image() {
    let (app, repo, first) = imported().await;
    let db = app.db().await;
    let current = async || runs::current_image(&db).await.unwrap();
    let task_a = task(&db, "task-a").await;

    repo.write(
        "task-a/meta.json",
        r#"{"title": "Task A changed", "category": "Basics", "pubdate": "2020-01-01 10:00"}"#,
    );
    repo.write("task-d/task.md", "# Task D\n");
    repo.write(
        "task-d/meta.json",
        r#"{"title": "Task D", "category": "Basics", "pubdate": "2020-01-01 10:00"}"#,
    );
    repo.remove_dir("task-b");
    repo.write("Dockerfile", "FROM inloop-test/busybox:1\nRUN exit 3\n");
    repo.commit("new tasks, broken image");
    let failed = import(&app).await;
    assert_eq!(failed.status, RunStatus::Failed, "{failed:?}");
    assert_eq!(failed.image_status, ImageStatus::Failed, "{failed:?}");
    assert_eq!(
        task(&db, "task-a").await,
        task_a,
        "the changed task is not published"
    );
    assert_eq!(
        task(&db, "task-d").await,
        None,
        "the new task is not published"
    );
    assert_eq!(
        task(&db, "task-b").await.map(|(_, hidden)| hidden),
        Some(false),
        "the removed task stays"
    );
    assert_eq!(
        current().await,
        Some(first.image_tag.clone()),
        "the previous image stays"
    );

    repo.write(
        "Dockerfile",
        "FROM inloop-test/busybox:1\nCOPY nonce.txt /n\n",
    );
    repo.commit("image fixed");
    let fixed = import(&app).await;
    assert_eq!(fixed.status, RunStatus::Succeeded, "{fixed:?}");
    assert_eq!(task(&db, "task-a").await.unwrap().0, "Task A changed");
    assert!(task(&db, "task-d").await.is_some());
    assert_eq!(current().await, Some(fixed.image_tag.clone()));
    for tag in [&first.image_tag, &fixed.image_tag] {
        remove_image(tag).await;
    }
}

#[tokio::test]
async fn an_import_without_a_dockerfile_stores_no_tasks() {
    let app = common::spawn().await;
    let repo = TestRepo::standard();
    std::fs::remove_file(repo.path().join("Dockerfile")).unwrap();
    repo.commit("no Dockerfile");
    set_repository(&app, &repo.url()).await;
    let run = import(&app).await;
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert!(run.error.contains("no Dockerfile"), "{}", run.error);
    let tasks: i64 = inloop::on_pool!(&app.db().await, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM tasks"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(tasks, 0);
    assert!(contexts::tags(&app.db().await).await.unwrap().is_empty());
}
