//! `/admin/groups/<id>/`: one group — its members a page at a time, adding members by username,
//! taking ticked ones out after a confirmation, renaming, and deleting it after a confirmation
//! that shows what uses it. Every change is audited.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, get, post, routes, uri};

use super::access::AdminStaff;
use super::groups;
use super::rosters::{Counted, Roster};
use super::rosters_routes::{self, NameForm, detail_path};
use super::slashed;
use super::users::{self, Filter, Sort};
use crate::accounts::User;
use crate::accounts::users::{by_id, by_login};
use crate::db::Db;
use crate::web::page::Page;
use crate::web::{AppResult, Html, PageNumber, PathNumber};

/// Members on one page.
const PAGE_SIZE: i64 = 50;

/// Field errors by field name.
type Errors = BTreeMap<&'static str, String>;

/// The page of `group` with the forms as typed and their `errors`.
async fn render(
    ctx: &Page<'_>,
    db: &Db,
    group: &Counted,
    page: PageNumber,
    form: (&str, &str),
    errors: &Errors,
) -> AppResult<Html> {
    let filter = Filter {
        group_id: Some(group.id),
        ..Filter::default()
    };
    let offset = page.offset(PAGE_SIZE);
    let mut members = users::list(&db.0, &filter, Sort::Username, offset, PAGE_SIZE + 1).await?;
    let more = members.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    members.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let link = |number: i64| slashed(&uri!(detail(group.id, Some(PageNumber(number)))));
    ctx.render(
        "admin/group.html",
        &serde_json::json!({
            "group": group,
            "members": members,
            "usage": groups::usage(&db.0, group.id).await?,
            "previous": (page.0 > 1).then(|| link(page.0 - 1)),
            "next": more.then(|| link(page.0 + 1)),
            "form": { "name": form.0, "usernames": form.1 },
            "errors": errors,
        }),
    )
}

#[get("/admin/groups/<id>?<page>")]
async fn detail(
    ctx: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    page: rocket::form::Result<'_, PageNumber>,
) -> AppResult<Html> {
    let (group, page) = (
        rosters_routes::found(&db.0, Roster::Group, id).await?,
        PageNumber::of(page)?,
    );
    render(&ctx, db, &group, page, (&group.name, ""), &Errors::new()).await
}

#[post("/admin/groups/<id>", data = "<form>")]
async fn rename(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<NameForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let group = rosters_routes::found(&db.0, Roster::Group, id).await?;
    let refused = async |problem: String| {
        let errors = Errors::from([("name", problem)]);
        render(&ctx, db, &group, PageNumber(1), (&form.name, ""), &errors).await
    };
    rosters_routes::rename(&staff.0, &db.0, Roster::Group, &group, &form, refused).await
}

/// A step that asks first: without `confirm` only the confirmation page is shown.
#[derive(FromForm)]
struct Confirmed {
    confirm: bool,
    #[field(default = Vec::new())]
    ids: Vec<i64>,
}

#[post("/admin/groups/<id>/delete", data = "<form>")]
async fn delete(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<Confirmed>,
) -> AppResult<Either<Html, Flash<Redirect>>> {
    let group = rosters_routes::found(&db.0, Roster::Group, id).await?;
    let usage = groups::usage(&db.0, group.id).await?;
    let step = (form.confirm, usage);
    rosters_routes::delete(&ctx, &staff.0, &db.0, Roster::Group, &group, step).await
}

/// Usernames (or e-mail addresses) typed one per line, or separated by commas or spaces.
#[derive(FromForm)]
struct AddForm {
    #[field(default = String::new())]
    usernames: String,
}

#[post("/admin/groups/<id>/members", data = "<form>")]
async fn add(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<AddForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let group = rosters_routes::found(&db.0, Roster::Group, id).await?;
    let logins = form
        .usernames
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|login| !login.is_empty());
    let (mut found, mut unknown) = (Vec::<User>::new(), Vec::new());
    for login in logins {
        match by_login(&db.0, login).await? {
            Some(user) if found.iter().all(|known| known.id != user.id) => found.push(user),
            None if !unknown.contains(&login) => unknown.push(login),
            _ => {}
        }
    }
    if found.is_empty() || !unknown.is_empty() {
        // Nothing is added until every name is known, and what was typed stays in the form.
        let problem = if unknown.is_empty() {
            "Type the usernames of the new members.".to_owned()
        } else {
            format!("Nobody was added: there is no user {}.", unknown.join(", "))
        };
        let errors = Errors::from([("usernames", problem)]);
        let typed = (group.name.as_str(), form.usernames.as_str());
        let html = render(&ctx, db, &group, PageNumber(1), typed, &errors).await?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    let named = groups::Named {
        id: group.id,
        name: &group.name,
    };
    let (added, already) = groups::add_members(&db.0, &staff.0, named, &found).await?;
    let added = match added.as_slice() {
        [] => "Nobody was added.".to_owned(),
        added => format!("Added to {}: {}.", group.name, added.join(", ")),
    };
    let message = match already.as_slice() {
        [] => added,
        already => format!("{added} Members already: {}.", already.join(", ")),
    };
    Ok(Either::Left(Flash::success(
        Redirect::to(detail_path(Roster::Group, group.id)),
        message,
    )))
}

#[post("/admin/groups/<id>/members/remove", data = "<form>")]
async fn remove(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<Confirmed>,
) -> AppResult<Either<Html, Flash<Redirect>>> {
    let group = rosters_routes::found(&db.0, Roster::Group, id).await?;
    let back = Redirect::to(detail_path(Roster::Group, group.id));
    let mut members = Vec::new();
    for &user_id in &form.ids {
        if let Some(user) = by_id(&db.0, user_id).await?
            && groups::is_member(&db.0, group.id, user.id).await?
        {
            members.push(user);
        }
    }
    if members.is_empty() {
        let message = "Tick the members to take out of the group first.";
        return Ok(Either::Right(Flash::error(back, message)));
    }
    if !form.confirm {
        let data = serde_json::json!({ "group": group, "members": members });
        return ctx
            .render("admin/group_members_remove.html", &data)
            .map(Either::Left);
    }
    let named = groups::Named {
        id: group.id,
        name: &group.name,
    };
    let removed = groups::remove_members(&db.0, &staff.0, named, &members).await?;
    let message = format!("Took out of {}: {}.", group.name, removed.join(", "));
    Ok(Either::Right(Flash::success(back, message)))
}

/// One group's pages.
pub fn routes() -> Vec<Route> {
    routes![detail, rename, delete, add, remove]
}
