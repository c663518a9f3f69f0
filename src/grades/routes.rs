//! `/admin/grades/`: the points of a category per student (a preview table and the CSV file),
//! and `/admin/grades/matrix/`: the results matrix (a table and the CSV file). Staff only.

use std::collections::BTreeMap;

use rocket::http::Status;
use rocket::{Either, FromForm, Route, State, get, routes};
use serde::Serialize;

use super::{Export, grade_rows, points_csv, results_matrix};
use crate::admin::AdminStaff;
use crate::admin::csv::Csv;
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::settings::{DEADLINE_GRACE_SECONDS, GRADE_MAX_POINTS, Settings};
use crate::tasks::staff_fields;
use crate::web::page::Page;
use crate::web::{AppResult, Html};

/// The form as typed (a GET form: the page is a report, its URL a bookmark).
#[derive(Clone, Debug, Default, FromForm, Serialize)]
struct GradeForm {
    #[field(default = String::new())]
    category: String,
    #[field(default = String::new())]
    start: String,
    #[field(default = String::new())]
    max_points: String,
    header: bool,
    zero: bool,
}

/// The form checked: the export, or a message per field.
async fn check(
    db: &DbPool,
    settings: &Settings,
    config: &Config,
    form: &GradeForm,
) -> AppResult<Result<Export, BTreeMap<&'static str, String>>> {
    let mut errors = BTreeMap::new();
    let category = match form.category.trim() {
        "" => {
            errors.insert("category", "Choose a category.".to_owned());
            None
        }
        name => {
            let found = super::category(db, name).await?;
            if found.is_none() {
                errors.insert("category", format!("There is no category {name:?}."));
            }
            found
        }
    };
    let start = crate::time_zone::day_start(&form.start, &config.zone());
    if start.is_none() {
        let message = "Give the first day that counts, like 2026-10-01.".to_owned();
        errors.insert("start", message);
    }
    let max_points = match form.max_points.trim() {
        "" => Some(settings.int(db, &GRADE_MAX_POINTS).await?),
        text => text.parse::<i64>().ok().filter(|points| *points >= 0),
    };
    if max_points.is_none() {
        let message = "The maximum must be a whole number of 0 or more.".to_owned();
        errors.insert("max_points", message);
    }
    let (Some((category_id, _)), Some(start), Some(max_points)) = (category, start, max_points)
    else {
        return Ok(Err(errors));
    };
    Ok(Ok(Export {
        category_id,
        start: Timestamp::from_millis(start),
        max_points,
        grace_seconds: settings.int(db, &DEADLINE_GRACE_SECONDS).await?,
        include_zero: form.zero,
    }))
}

/// The page with the form and, for a valid one, `report` (a preview or the matrix).
async fn render(
    page: &Page<'_>,
    db: &DbPool,
    settings: &Settings,
    template: &str,
    form: &GradeForm,
    errors: &BTreeMap<&'static str, String>,
    report: serde_json::Value,
) -> AppResult<(Status, Html)> {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("category", &form.category)
        .append_pair("start", &form.start)
        .append_pair("max_points", &form.max_points)
        .extend_pairs(form.header.then_some(("header", "on")))
        .extend_pairs(form.zero.then_some(("zero", "on")))
        .finish();
    let html = page.render(
        template,
        &serde_json::json!({
            "categories": staff_fields::categories(db).await?,
            "form": form,
            "errors": errors,
            "query": query,
            "default_max_points": settings.int(db, &GRADE_MAX_POINTS).await?,
            "report": report,
        }),
    )?;
    let status = if errors.is_empty() {
        Status::Ok
    } else {
        Status::BadRequest
    };
    Ok((status, html))
}

/// The export the form asks for, or the page to answer instead: the empty form on the first
/// visit, the form with a message beside each wrong field (400) otherwise (a CSV download
/// without a form included).
async fn export_or_form(
    page: &Page<'_>,
    db: &DbPool,
    settings: &Settings,
    config: &Config,
    template: &str,
    form: &GradeForm,
    format: Option<&str>,
) -> AppResult<Result<Export, (Status, Html)>> {
    let errors = if form.category.is_empty() && form.start.is_empty() && format.is_none() {
        BTreeMap::new()
    } else {
        match check(db, settings, config, form).await? {
            Ok(export) => return Ok(Ok(export)),
            Err(errors) => errors,
        }
    };
    let html = render(page, db, settings, template, form, &errors, ().into()).await?;
    Ok(Err(html))
}

/// The points per student: the form, a preview, or `format=csv` for the file.
#[get("/admin/grades?<format>&<form..>")]
async fn points(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    settings: &State<Settings>,
    config: &State<Config>,
    form: GradeForm,
    format: Option<&str>,
) -> AppResult<Either<(Status, Html), Csv<Vec<u8>>>> {
    let template = "admin/grades.html";
    let export =
        match export_or_form(&page, &db.0, settings, config, template, &form, format).await? {
            Ok(export) => export,
            Err(page) => return Ok(Either::Left(page)),
        };
    let rows = grade_rows(&db.0, export).await?;
    if format == Some("csv") {
        return Ok(Either::Right(Csv::new(
            "grades.csv",
            points_csv(&rows, form.header),
        )));
    }
    let report = serde_json::json!({ "rows": rows, "max_points": export.max_points });
    let errors = BTreeMap::new();
    let page = render(&page, &db.0, settings, template, &form, &errors, report);
    Ok(Either::Left(page.await?))
}

/// The results matrix: the form, the table, or `format=csv` for the file.
#[get("/admin/grades/matrix?<format>&<form..>")]
async fn matrix(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    settings: &State<Settings>,
    config: &State<Config>,
    form: GradeForm,
    format: Option<&str>,
) -> AppResult<Either<(Status, Html), Csv<Vec<u8>>>> {
    let template = "admin/grades_matrix.html";
    let export =
        match export_or_form(&page, &db.0, settings, config, template, &form, format).await? {
            Ok(export) => export,
            Err(page) => return Ok(Either::Left(page)),
        };
    let matrix = results_matrix(&db.0, export.category_id, export.start).await?;
    let zone = config.zone();
    if format == Some("csv") {
        return Ok(Either::Right(Csv::new("results.csv", matrix.to_csv(&zone))));
    }
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &zone);
    let students: Vec<_> = matrix
        .students
        .iter()
        .map(|student| {
            let cells: Vec<_> = student
                .cells
                .iter()
                .map(|cell| {
                    serde_json::json!({
                        "attempts": cell.attempts,
                        "first_pass": cell.first_pass.map(local),
                    })
                })
                .collect();
            serde_json::json!({ "student": student, "cells": cells })
        })
        .collect();
    let report = serde_json::json!({ "tasks": matrix.tasks, "students": students });
    let errors = BTreeMap::new();
    let page = render(&page, &db.0, settings, template, &form, &errors, report);
    Ok(Either::Left(page.await?))
}

pub fn routes() -> Vec<Route> {
    routes![points, matrix]
}
