//! `/admin/settings/` (superusers): every runtime setting, grouped, with its default, current
//! value and help; a change is validated by kind, reaches every instance over the event bus, and
//! is audited.

use std::collections::HashMap;

use rocket::form::Form;
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes};
use serde::Serialize;

use super::access::AdminSuperuser;
use super::audit::{self, Change};
use crate::db::Db;
use crate::events::Bus;
use crate::settings::{self, Kind, Setting, SettingError, Settings};
use crate::web::page::Page;
use crate::web::{AppResult, Html};

/// The groups the page shows, in order; every setting of the catalogue is in exactly one.
const GROUPS: &[(&str, &[&Setting])] = &[
    (
        "Sign-up and accounts",
        &[
            &settings::SIGNUP_ALLOWED,
            &settings::EMAIL_PATTERN,
            &settings::EMAIL_HELP_TEXT,
            &settings::EMAIL_ERROR_MESSAGE,
            &settings::AUTO_ASSIGN_GROUPS,
            &settings::PRIVACY_TEXT,
        ],
    ),
    (
        "Own-work declaration",
        &[&settings::OWNWORK_REQUIRED, &settings::OWNWORK_DECLARATION],
    ),
    (
        "Task repository",
        &[
            &settings::GIT_URL,
            &settings::GIT_BRANCH,
            &settings::IMPORT_MAKE_NETWORK,
            &settings::PULL_INTERVAL_MINUTES,
        ],
    ),
    (
        "Solutions and exams",
        &[
            &settings::EXAM_CATEGORY,
            &settings::IMMEDIATE_FEEDBACK,
            &settings::SUBMISSION_LIMIT,
            &settings::DEADLINE_GRACE_SECONDS,
            &settings::ALLOWED_EXTENSIONS,
            &settings::MAX_UPLOAD_FILES,
            &settings::MAX_UPLOAD_KIB,
            &settings::EDITOR_AUTOCOMPLETION,
        ],
    ),
    (
        "Resource maximums for checks",
        &[
            &settings::MAX_TIME_LIMIT_SECONDS,
            &settings::MAX_MEMORY_MIB,
            &settings::MAX_CPUS_TENTHS,
            &settings::MAX_PROCESSES,
        ],
    ),
    ("Grades", &[&settings::GRADE_MAX_POINTS]),
];

/// One setting as the page shows it.
#[derive(Serialize)]
struct Field {
    key: &'static str,
    kind: &'static str,
    default: &'static str,
    help: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Serialize)]
struct Group {
    title: &'static str,
    fields: Vec<Field>,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "bool",
        Kind::Int => "int",
        Kind::Text => "text",
        Kind::Markdown => "markdown",
        Kind::Regex => "regex",
        Kind::List => "list",
    }
}

/// The page's groups: current values, overridden by what was entered, with errors.
async fn groups(
    db: &Db,
    settings: &Settings,
    entered: &HashMap<String, String>,
    errors: &HashMap<&str, String>,
) -> AppResult<Vec<Group>> {
    let mut groups = Vec::new();
    for (title, members) in GROUPS {
        let mut fields = Vec::new();
        for setting in *members {
            let value = match entered.get(setting.key) {
                Some(text) => text.clone(),
                None => settings::display(&settings.value(&db.0, setting).await?),
            };
            fields.push(Field {
                key: setting.key,
                kind: kind_name(setting.kind),
                default: setting.default,
                help: setting.help,
                value,
                error: errors.get(setting.key).cloned(),
            });
        }
        groups.push(Group { title, fields });
    }
    Ok(groups)
}

#[get("/admin/settings")]
async fn show(
    page: Page<'_>,
    _superuser: AdminSuperuser,
    db: &Db,
    settings: &State<Settings>,
) -> AppResult<Html> {
    let groups = groups(db, settings, &HashMap::new(), &HashMap::new()).await?;
    page.render(
        "admin/settings.html",
        &serde_json::json!({ "groups": groups }),
    )
}

/// The managed state a settings change needs.
pub struct SettingsChange<'r> {
    db: &'r Db,
    settings: &'r Settings,
    bus: &'r Bus,
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for SettingsChange<'r> {
    type Error = ();

    async fn from_request(request: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let state = (
            request.guard::<&Db>().await.succeeded(),
            request.rocket().state::<Settings>(),
            request.rocket().state::<Bus>(),
        );
        match state {
            (Some(db), Some(settings), Some(bus)) => {
                rocket::request::Outcome::Success(Self { db, settings, bus })
            }
            _ => rocket::request::Outcome::Error((Status::InternalServerError, ())),
        }
    }
}

/// Saves the settings sent (fields left out stay as they are). Nothing is saved while any field
/// is invalid: the page comes back with the message beside each invalid field.
#[post("/admin/settings", data = "<form>")]
async fn save(
    page: Page<'_>,
    superuser: AdminSuperuser,
    change: SettingsChange<'_>,
    form: Form<HashMap<String, String>>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let entered: HashMap<String, String> = form
        .into_inner()
        .into_iter()
        .filter(|(key, _)| settings::find(key).is_some())
        .collect();
    let mut errors = HashMap::new();
    let mut changes = Vec::new();
    for setting in settings::ALL {
        let Some(text) = entered.get(setting.key) else {
            continue;
        };
        match setting.parse(text) {
            Ok(value) => {
                let old = settings::display(&change.settings.value(&change.db.0, setting).await?);
                let new = settings::display(&value);
                changes.extend(Change::of(
                    "setting",
                    setting.key,
                    setting.key,
                    "value",
                    Some(old),
                    Some(new),
                ));
            }
            Err(SettingError::Invalid { reason, .. }) => {
                errors.insert(setting.key, reason);
            }
            Err(other) => return Err(other.into()),
        }
    }
    if !errors.is_empty() {
        let groups = groups(change.db, change.settings, &entered, &errors).await?;
        let html = page.render(
            "admin/settings.html",
            &serde_json::json!({ "groups": groups, "invalid": errors.len() }),
        )?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    for changed in &changes {
        let text = &entered[changed.id.as_str()];
        change
            .settings
            .set(&change.db.0, change.bus, &changed.id, text)
            .await?;
    }
    audit::record(&change.db.0, &superuser.0, &changes).await?;
    let message = match changes.len() {
        0 => "Nothing changed.".to_owned(),
        1 => "Saved 1 setting; every instance uses it now.".to_owned(),
        count => format!("Saved {count} settings; every instance uses them now."),
    };
    Ok(Either::Left(Flash::success(
        Redirect::to("/admin/settings/"),
        message,
    )))
}

/// The settings page.
pub fn routes() -> Vec<Route> {
    routes![show, save]
}

#[cfg(test)]
mod tests {
    use super::GROUPS;

    #[test]
    fn every_setting_is_in_exactly_one_group() {
        for setting in crate::settings::ALL {
            let homes = GROUPS
                .iter()
                .flat_map(|(_, members)| members.iter())
                .filter(|member| member.key == setting.key)
                .count();
            assert_eq!(homes, 1, "{}", setting.key);
        }
    }
}
