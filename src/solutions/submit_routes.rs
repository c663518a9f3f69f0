//! Handing in over HTTP: the upload form and the editor's JSON submission.

use rocket::form::Form;
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket::{FromForm, Route, post, routes};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use super::course::Course;
use super::files::Upload;
use super::store::Solution;
use super::{links, view};
use crate::accounts::CurrentUser;
use crate::config::Config;
use crate::web::{AppError, AppResult};

#[derive(FromForm)]
pub struct UploadForm<'r> {
    files: Vec<TempFile<'r>>,
}

async fn read_upload(file: &TempFile<'_>) -> std::io::Result<Upload> {
    let name = file
        .raw_name()
        .map(|name| name.dangerous_unsafe_unsanitized_raw().as_str().to_owned())
        .unwrap_or_default();
    let mut content = Vec::new();
    if file.len() > 0 {
        file.open().await?.read_to_end(&mut content).await?;
    }
    Ok(Upload { name, content })
}

#[post("/solutions/editor/<slug>/upload", data = "<form>")]
async fn upload(
    course: Course<'_>,
    user: CurrentUser,
    slug: &str,
    form: Form<UploadForm<'_>>,
) -> AppResult<Flash<Redirect>> {
    let task = course.open_task(&user.0, slug).await?;
    let mut uploads = Vec::new();
    // Browsers send one empty part when no file was chosen.
    for file in form
        .files
        .iter()
        .filter(|file| file.len() > 0 || file.raw_name().is_some())
    {
        uploads.push(
            read_upload(file)
                .await
                .map_err(|e| AppError::internal("reading an upload", e))?,
        );
    }
    uploads.retain(|upload| !(upload.name.is_empty() && upload.content.is_empty()));
    let back = Redirect::to(crate::tasks::task_url(slug));
    match course.submit(&user.0, &task, &uploads).await {
        Ok(solution) => {
            let receipt = receipt(&solution, course.config);
            Ok(Flash::success(
                Redirect::to(links::detail(slug, solution.number, None)),
                receipt,
            ))
        }
        Err(error) if error.is_refusal() => Ok(Flash::error(back, error.to_string())),
        Err(error) => Err(AppError::internal("storing a solution", error)),
    }
}

/// What the student is told a solution was received as.
fn receipt(solution: &Solution, config: &Config) -> String {
    format!(
        "Solution #{} received at {} (receipt {}).",
        solution.number,
        view::clock_time(solution.submitted_at, &config.zone()),
        &solution.files_hash[..12]
    )
}

/// Files from the editor.
#[derive(Deserialize)]
pub struct EditorSubmission {
    files: Vec<EditorFile>,
}

#[derive(Deserialize)]
pub struct EditorFile {
    name: String,
    content: String,
}

#[derive(Serialize)]
pub struct SubmitAnswer {
    number: Option<i64>,
    url: Option<String>,
    receipt: Option<String>,
    error: Option<String>,
}

#[post(
    "/solutions/editor/<slug>/submit",
    format = "json",
    data = "<submission>"
)]
async fn submit_json(
    course: Course<'_>,
    user: CurrentUser,
    slug: &str,
    submission: Json<EditorSubmission>,
) -> AppResult<(Status, Json<SubmitAnswer>)> {
    let task = course.open_task(&user.0, slug).await?;
    let uploads: Vec<_> = submission
        .into_inner()
        .files
        .into_iter()
        .map(|file| Upload {
            name: file.name,
            content: file.content.into_bytes(),
        })
        .collect();
    match course.submit(&user.0, &task, &uploads).await {
        Ok(solution) => Ok((
            Status::Created,
            Json(SubmitAnswer {
                number: Some(solution.number),
                url: Some(links::detail(slug, solution.number, None)),
                receipt: Some(receipt(&solution, course.config)),
                error: None,
            }),
        )),
        Err(error) if error.is_refusal() => {
            let answer = SubmitAnswer {
                number: None,
                url: None,
                receipt: None,
                error: Some(error.to_string()),
            };
            Ok((Status::UnprocessableEntity, Json(answer)))
        }
        Err(error) => Err(AppError::internal("storing a solution", error)),
    }
}

/// The hand-in routes.
pub fn routes() -> Vec<Route> {
    routes![upload, submit_json]
}
