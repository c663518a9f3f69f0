//! `/admin/extensions/`: per-student deadline extensions. Staff grant a student or a group a
//! later deadline for a task or a whole category, with a reason, and take it back; both are
//! audited. The list (searchable, as CSV too) shows who has one.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes};
use serde::Serialize;

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::csv::{self, Csv};
use super::non_empty;
use crate::accounts::users;
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::on_pool;
use crate::tasks::extensions::{self, Extension, Grantee, Scope};
use crate::tasks::meta::parse_date;
use crate::web::page::Page;
use crate::web::{AppResult, Html, PathNumber};

/// The grant form as typed (kept when it is refused).
#[derive(Clone, Debug, Default, FromForm, Serialize)]
struct GrantForm {
    task: String,
    category: String,
    student: String,
    group: String,
    deadline: String,
    reason: String,
}

/// A row as the page and the CSV show it.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    extension: Extension,
    deadline: String,
    task_deadline: Option<String>,
    granted_at: String,
}

fn row(extension: Extension, config: &Config) -> Row {
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    Row {
        deadline: local(extension.deadline),
        task_deadline: extension.task_deadline.map(local),
        granted_at: local(extension.granted_at),
        extension,
    }
}

/// The id of the row of `table` whose `column` is `value` (any case).
async fn id_by(
    db: &DbPool,
    table: &str,
    column: &str,
    value: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = format!("SELECT id FROM {table} WHERE lower({column}) = lower($1)");
    on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(value)
        .fetch_optional(pool)
        .await)
}

/// The form checked: what to grant, or a message per field.
async fn check(
    db: &DbPool,
    form: &GrantForm,
    config: &Config,
) -> Result<Result<(Scope, Grantee, Timestamp, String), BTreeMap<&'static str, String>>, sqlx::Error>
{
    let mut errors = BTreeMap::new();
    let scope = match (form.task.trim(), form.category.trim()) {
        ("", "") => {
            errors.insert("task", "Name a task (its slug) or a category.".to_owned());
            None
        }
        (task, "") => {
            let id = id_by(db, "tasks", "slug", task).await?;
            if id.is_none() {
                errors.insert("task", format!("There is no task with the slug {task:?}."));
            }
            id.map(Scope::Task)
        }
        ("", category) => {
            let id = id_by(db, "categories", "slug", category).await?;
            if id.is_none() {
                let message = format!("There is no category with the slug {category:?}.");
                errors.insert("category", message);
            }
            id.map(Scope::Category)
        }
        _ => {
            errors.insert("task", "Name a task or a category, not both.".to_owned());
            None
        }
    };
    let grantee = match (form.student.trim(), form.group.trim()) {
        ("", "") => {
            errors.insert(
                "student",
                "Name a student (username) or a group.".to_owned(),
            );
            None
        }
        (student, "") => {
            let id = users::by_login(db, student).await?.map(|user| user.id);
            if id.is_none() {
                errors.insert("student", format!("There is no user {student:?}."));
            }
            id.map(Grantee::User)
        }
        ("", group) => {
            let id = id_by(db, "groups", "name", group).await?;
            if id.is_none() {
                errors.insert("group", format!("There is no group {group:?}."));
            }
            id.map(Grantee::Group)
        }
        _ => {
            errors.insert("student", "Name a student or a group, not both.".to_owned());
            None
        }
    };
    let deadline = parse_date(&form.deadline, &config.zone()).map(Timestamp::from);
    if deadline.is_none() {
        let message = format!(
            "The deadline must be a date and time like 2026-10-31 23:59 ({}).",
            config.time_zone
        );
        errors.insert("deadline", message);
    }
    let reason = form.reason.trim();
    if reason.is_empty() {
        errors.insert("reason", "Say why, for the other staff.".to_owned());
    }
    Ok(match (scope, grantee, deadline) {
        (Some(scope), Some(grantee), Some(deadline)) if errors.is_empty() => {
            Ok((scope, grantee, deadline, reason.to_owned()))
        }
        _ => Err(errors),
    })
}

async fn render(
    page: &Page<'_>,
    db: &DbPool,
    config: &Config,
    search: Option<String>,
    form: &GrantForm,
    errors: &BTreeMap<&'static str, String>,
) -> AppResult<Html> {
    let rows: Vec<Row> = extensions::list(db, search.as_deref())
        .await?
        .into_iter()
        .map(|extension| row(extension, config))
        .collect();
    page.render(
        "admin/extensions.html",
        &serde_json::json!({
            "rows": rows,
            "search": search.unwrap_or_default(),
            "form": form,
            "errors": errors,
            "time_zone": config.time_zone,
        }),
    )
}

const CSV_HEADER: [&str; 9] = [
    "id",
    "for",
    "group",
    "task_or_category",
    "category",
    "deadline",
    "reason",
    "granted_by",
    "granted_at",
];

/// The list and the grant form, or `format=csv` for the list.
#[get("/admin/extensions?<search>&<format>")]
async fn list(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    search: Option<String>,
    format: Option<&str>,
) -> AppResult<Either<Html, Csv<Vec<u8>>>> {
    let search = non_empty(search.as_ref());
    if format == Some("csv") {
        let mut body = csv::line(&CSV_HEADER);
        for extension in extensions::list(&db.0, search.as_deref()).await? {
            let row = row(extension, config);
            let e = &row.extension;
            body.extend(csv::line(&[
                e.id.to_string().as_str(),
                &e.grantee,
                if e.is_group { "yes" } else { "no" },
                &e.scope,
                if e.is_category { "yes" } else { "no" },
                &row.deadline,
                &e.reason,
                e.granted_by.as_deref().unwrap_or(""),
                &row.granted_at,
            ]));
        }
        return Ok(Either::Right(Csv::new("extensions.csv", body)));
    }
    let html = render(
        &page,
        &db.0,
        config,
        search,
        &<GrantForm as Default>::default(),
        &BTreeMap::new(),
    )
    .await?;
    Ok(Either::Left(html))
}

/// Grants an extension; a refused form comes back with a message beside each field (422).
#[post("/admin/extensions", data = "<form>")]
async fn grant(
    page: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    form: Form<GrantForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let (scope, grantee, deadline, reason) = match check(&db.0, &form, config).await? {
        Ok(checked) => checked,
        Err(errors) => {
            let html = render(&page, &db.0, config, None, &form, &errors).await?;
            return Ok(Either::Right((Status::UnprocessableEntity, html)));
        }
    };
    let id = extensions::grant(&db.0, scope, grantee, deadline, &reason, staff.0.id).await?;
    if let Some(extension) = extensions::get(&db.0, id).await? {
        let shown = row(extension, config);
        let changes: Vec<_> = [
            Change::of(
                "extension",
                id,
                &shown.extension.label(),
                "deadline",
                None,
                Some(shown.deadline.clone()),
            ),
            Change::of(
                "extension",
                id,
                &shown.extension.label(),
                "reason",
                None,
                Some(reason),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        audit::record(&db.0, &staff.0, &changes).await?;
        let message = format!(
            "{} now has until {}.",
            shown.extension.label(),
            shown.deadline
        );
        return Ok(Either::Left(Flash::success(
            Redirect::to("/admin/extensions/"),
            message,
        )));
    }
    Ok(Either::Left(Flash::error(
        Redirect::to("/admin/extensions/"),
        "The extension is gone again.",
    )))
}

/// Takes an extension back.
#[post("/admin/extensions/<id>/delete")]
async fn revoke(
    staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Flash<Redirect>> {
    let id = id.get()?;
    let back = Redirect::to("/admin/extensions/");
    let Some(extension) = extensions::revoke(&db.0, id).await? else {
        return Ok(Flash::error(back, "That extension no longer exists."));
    };
    let shown = row(extension, config);
    let change = Change::of(
        "extension",
        id,
        &shown.extension.label(),
        "deadline",
        Some(shown.deadline.clone()),
        None,
    );
    audit::record(&db.0, &staff.0, &change.into_iter().collect::<Vec<_>>()).await?;
    Ok(Flash::success(
        back,
        format!("Took back the extension of {}.", shown.extension.label()),
    ))
}

pub fn routes() -> Vec<Route> {
    routes![list, grant, revoke]
}
