//! Task repositories over real HTTP: import, checker image, webhook, task pages, task files.

mod admin;
mod contexts;
mod files;
mod hardening;
mod import;
mod pages;
mod queue;
pub(crate) mod repo;
mod webhook;

use crate::common::{self, TestApp};
use inloop::accounts::{password, users};
use inloop::events::Bus;
use inloop::import::runs::RunStatus;
use inloop::import::runs::{self, ImportRun};
use inloop::import::{Importer, Trigger, worker};
use inloop::settings::Settings;

/// Creates an active user and logs the app's browser in as them; returns the user's id.
pub async fn log_in(app: &TestApp, username: &str, staff: bool) -> i64 {
    let db = app.db().await;
    let hash = password::hash("correct horse battery staple");
    let id = users::create(
        &db,
        &users::NewUser {
            username,
            email: &format!("{username}@example.org"),
            password_hash: &hash,
            is_active: true,
            is_staff: staff,
            is_superuser: false,
        },
    )
    .await
    .unwrap();
    let response = app
        .post_form(
            "/login/",
            &[
                ("login", username),
                ("password", "correct horse battery staple"),
            ],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    id
}

/// A server that imported the standard repository: `(app, repo, run)`.
pub async fn imported() -> (TestApp, repo::TestRepo, ImportRun) {
    let app = common::spawn().await;
    let repo = repo::TestRepo::standard();
    set_repository(&app, &repo.url()).await;
    let run = import(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    (app, repo, run)
}

/// Points the app at `url` (runtime setting `git_url`).
pub async fn set_repository(app: &TestApp, url: &str) {
    Settings::default()
        .set(&app.db().await, &Bus::local(), "git_url", url)
        .await
        .unwrap();
}

/// Runs an import to its end (this test process takes part in the queue, like an instance).
pub async fn import(app: &TestApp) -> ImportRun {
    let importer = Importer {
        db: app.db().await,
        config: app.config.clone(),
    };
    worker::run_and_wait(&importer, Trigger::Admin)
        .await
        .unwrap()
}

/// What each directory came to in `run`: `(directory, outcome, reason)`.
pub async fn results(app: &TestApp, run: &ImportRun) -> Vec<(String, String, String)> {
    runs::results(&app.db().await, run.id)
        .await
        .unwrap()
        .into_iter()
        .map(|result| (result.directory, result.outcome, result.reason))
        .collect()
}

/// Removes a checker image a test built.
pub async fn remove_image(tag: &str) {
    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    let _ = docker
        .remove_image(
            tag,
            None::<bollard::query_parameters::RemoveImageOptions>,
            None,
        )
        .await;
}
