//! `/admin/users/<id>/`: one user — activity, roles (superusers only), groups, a password-reset
//! mail, their solutions. Every change is audited.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes};

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::users::{self, Flags};
use crate::accounts::mail::Mailer;
use crate::accounts::{SessionCache, User, groups, send_reset_link};
use crate::config::Config;
use crate::db::Db;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, Origin, PathNumber};

/// Solutions listed on a user's page.
const SOLUTIONS: i64 = 50;

/// Field errors by field name.
type Errors = BTreeMap<&'static str, &'static str>;

fn detail_path(id: i64) -> String {
    format!("/admin/users/{id}/")
}

async fn render(
    ctx: &Page<'_>,
    db: &Db,
    config: &Config,
    actor: &User,
    user: &User,
    errors: &Errors,
) -> AppResult<Html> {
    let zone = config.zone();
    let local =
        |moment: crate::db::Timestamp| crate::time_zone::format_local(moment.to_datetime(), &zone);
    let member_of = groups::ids_of(&db.0, user.id).await?;
    let groups: Vec<_> = groups::all(&db.0)
        .await?
        .into_iter()
        .map(|group| {
            serde_json::json!({
                "id": group.id,
                "name": group.name,
                "member": member_of.contains(&group.id),
            })
        })
        .collect();
    let solutions: Vec<_> = users::solutions_of(&db.0, user.id, SOLUTIONS)
        .await?
        .into_iter()
        .map(|solution| {
            serde_json::json!({
                "time": local(solution.submitted_at),
                "solution": solution,
            })
        })
        .collect();
    ctx.render(
        "admin/user.html",
        &serde_json::json!({
            "account": user,
            "joined": local(user.date_joined),
            "last_login": user.last_login.map(local),
            "groups": groups,
            "solutions": solutions,
            "superuser": actor.is_superuser,
            "errors": errors,
        }),
    )
}

#[get("/admin/users/<id>")]
async fn detail(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Html> {
    let user = crate::accounts::users::by_id(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&ctx, db, config, &staff.0, &user, &Errors::new()).await
}

/// The user's page form. Roles are read only from superusers; unticked boxes are not sent.
#[derive(FromForm)]
struct UserForm {
    active: bool,
    staff: bool,
    superuser: bool,
    #[field(default = Vec::new())]
    groups: Vec<i64>,
}

/// What a save changes, and why it may not.
fn new_flags(actor: &User, user: &User, form: &UserForm) -> (Flags, Errors) {
    let mut flags = Flags {
        active: form.active,
        staff: user.is_staff,
        superuser: user.is_superuser,
    };
    if actor.is_superuser {
        flags.staff = form.staff;
        flags.superuser = form.superuser;
    }
    let mut errors = Errors::new();
    if actor.id == user.id {
        if !flags.active {
            errors.insert("active", "You cannot deactivate your own account.");
        }
        if actor.is_superuser && !flags.superuser {
            errors.insert(
                "superuser",
                "You cannot take the superuser role from yourself; ask another superuser.",
            );
        }
    }
    (flags, errors)
}

#[post("/admin/users/<id>", data = "<form>")]
async fn save(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    cache: &State<SessionCache>,
    config: &State<Config>,
    id: PathNumber,
    form: Form<UserForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let actor = &staff.0;
    let user = crate::accounts::users::by_id(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let (flags, errors) = new_flags(actor, &user, &form);
    if !errors.is_empty() {
        let html = render(&ctx, db, config, actor, &user, &errors).await?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    let change = |field, old: bool, new: bool| {
        Change::of(
            "user",
            user.id,
            &user.username,
            field,
            Some(old.to_string()),
            Some(new.to_string()),
        )
    };
    let mut changes: Vec<_> = [
        change("is_active", user.is_active, flags.active),
        change("is_staff", user.is_staff, flags.staff),
        change("is_superuser", user.is_superuser, flags.superuser),
    ]
    .into_iter()
    .flatten()
    .collect();
    users::set_flags(&db.0, user.id, flags).await?;
    cache.changed(user.id).await;

    let all_groups = groups::all(&db.0).await?;
    let names = |ids: &[i64]| {
        all_groups
            .iter()
            .filter(|group| ids.contains(&group.id))
            .map(|group| group.name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let before = names(&groups::ids_of(&db.0, user.id).await?);
    users::set_groups(&db.0, user.id, &form.groups).await?;
    let after = names(&groups::ids_of(&db.0, user.id).await?);
    changes.extend(Change::of(
        "user",
        user.id,
        &user.username,
        "groups",
        Some(before),
        Some(after),
    ));
    audit::record(&db.0, actor, &changes).await?;
    let message = if changes.is_empty() {
        format!("Nothing changed for {}.", user.username)
    } else {
        format!("Saved {}.", user.username)
    };
    Ok(Either::Left(Flash::success(
        Redirect::to(detail_path(user.id)),
        message,
    )))
}

/// The managed state the reset mail needs.
pub struct ResetMail<'r> {
    config: &'r Config,
    mailer: &'r Mailer,
    origin: Origin,
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for ResetMail<'r> {
    type Error = ();

    async fn from_request(request: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let config = request.rocket().state::<Config>();
        let mailer = request.rocket().state::<Mailer>();
        let origin = request.guard::<Origin>().await.succeeded();
        match (config, mailer, origin) {
            (Some(config), Some(mailer), Some(origin)) => rocket::request::Outcome::Success(Self {
                config,
                mailer,
                origin,
            }),
            _ => rocket::request::Outcome::Error((Status::InternalServerError, ())),
        }
    }
}

#[post("/admin/users/<id>/password-reset")]
async fn password_reset(
    staff: AdminStaff,
    db: &Db,
    mail: ResetMail<'_>,
    id: PathNumber,
) -> AppResult<Flash<Redirect>> {
    let user = crate::accounts::users::by_id(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = Redirect::to(detail_path(user.id));
    if !user.is_active {
        return Ok(Flash::error(
            back,
            "Activate the account first: reset links work only for active accounts.",
        ));
    }
    send_reset_link(mail.config, mail.mailer, &mail.origin.base_url(), &user)
        .await
        .map_err(|error| AppError::internal("sending a password reset mail", error))?;
    let sent = Change::of(
        "user",
        user.id,
        &user.username,
        "password_reset_mail",
        None,
        Some("sent".into()),
    );
    audit::record(&db.0, &staff.0, &Vec::from_iter(sent)).await?;
    Ok(Flash::success(
        back,
        format!("A password reset link was mailed to {}.", user.email),
    ))
}

/// One user's pages.
pub fn routes() -> Vec<Route> {
    routes![detail, save, password_reset]
}
