//! `/admin/users/`: the user list (search, filters, order, pages, CSV) and bulk actions on the
//! ticked users ((de)activation, adding to or taking out of a group) with a confirmation step.
//! One user's page is in `user_routes`.

use rocket::form::{Form, FromForm};
use rocket::response::stream::ByteStream;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes, uri};
use serde::Serialize;

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::csv::{self, Csv};
use super::users::{self, Filter, Listed, Sort};
use super::{day_range, non_empty, slashed};
use crate::accounts::users::{by_id, courses};
use crate::accounts::{SessionCache, User, groups};
use crate::config::Config;
use crate::db::Db;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PageNumber};

/// Users on one page.
const PAGE_SIZE: i64 = 50;
/// Users read at once for a CSV download.
const CSV_BATCH: i64 = 500;

/// The list's search, filters and order, as the query gives them (empty: not given).
#[derive(Clone, Debug, Default, FromForm, rocket::UriDisplayQuery, Serialize)]
pub struct UserQuery {
    #[field(default = String::new())]
    q: String,
    /// `yes` or `no`.
    #[field(default = String::new())]
    staff: String,
    /// `yes` or `no`.
    #[field(default = String::new())]
    active: String,
    /// A group's id.
    #[field(default = String::new())]
    group: String,
    /// A course of study's id.
    #[field(default = String::new())]
    course: String,
    /// Sign-up dates (YYYY-MM-DD), both days included.
    #[field(default = String::new())]
    joined_from: String,
    #[field(default = String::new())]
    joined_to: String,
    /// `username`, `newest`, `oldest` or `last_login`.
    #[field(default = String::new())]
    sort: String,
}

fn yes_no(text: &str) -> Result<Option<bool>, AppError> {
    match text {
        "" => Ok(None),
        "yes" => Ok(Some(true)),
        "no" => Ok(Some(false)),
        _ => Err(AppError::BadRequest("A filter is yes, no or empty.".into())),
    }
}

impl UserQuery {
    fn parse(&self, config: &Config) -> Result<(Filter, Sort), AppError> {
        let id = |text: &str, what: &str| match text.trim() {
            "" => Ok(None),
            id => id
                .parse::<i64>()
                .map(Some)
                .map_err(|_| AppError::BadRequest(format!("No such {what}."))),
        };
        let (joined_from, joined_to) = day_range(
            (&self.joined_from, &self.joined_to),
            ("Signed up from", "Signed up to"),
            &config.zone(),
        )?;
        let sort = match self.sort.as_str() {
            "" => Sort::default(),
            name => {
                Sort::parse(name).ok_or_else(|| AppError::BadRequest("No such order.".into()))?
            }
        };
        let filter = Filter {
            search: non_empty(Some(&self.q)),
            staff: yes_no(&self.staff)?,
            active: yes_no(&self.active)?,
            group_id: id(&self.group, "group")?,
            course_id: id(&self.course, "course of study")?,
            joined_from,
            joined_to,
        };
        Ok((filter, sort))
    }
}

/// A listed user with local times.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    user: Listed,
    joined: String,
    last_seen: String,
}

fn row(user: Listed, config: &Config) -> Row {
    let local = |moment: crate::db::Timestamp| {
        crate::time_zone::format_local(moment.to_datetime(), &config.zone())
    };
    Row {
        joined: local(user.date_joined),
        last_seen: user.last_login.map(local).unwrap_or_default(),
        user,
    }
}

const CSV_HEADER: [&str; 9] = [
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "active",
    "staff",
    "superuser",
    "joined",
];

fn csv_line(row: &Row) -> Vec<u8> {
    let user = &row.user;
    let flag = |on: bool| if on { "yes" } else { "no" };
    csv::line(&[
        user.id.to_string().as_str(),
        &user.username,
        &user.email,
        &user.first_name,
        &user.last_name,
        flag(user.is_active),
        flag(user.is_staff),
        flag(user.is_superuser),
        &row.joined,
    ])
}

#[get("/admin/users?<page>&<format>&<query..>")]
async fn list(
    ctx: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    page: rocket::form::Result<'_, PageNumber>,
    format: Option<&str>,
    query: UserQuery,
) -> AppResult<Either<Html, Csv<ByteStream<impl futures_util::Stream<Item = Vec<u8>>>>>> {
    let page = PageNumber::of(page)?;
    let (filter, sort) = query.parse(config)?;
    if format == Some("csv") {
        let (db, config) = (db.0.clone(), config.inner().clone());
        let read = move |offset: Option<i64>| {
            let (db, filter) = (db.clone(), filter.clone());
            let offset = offset.unwrap_or(0);
            async move {
                let rows = users::list(&db, &filter, sort, offset, CSV_BATCH).await?;
                Ok((rows, Some(offset + CSV_BATCH)))
            }
        };
        let line = move |user| csv_line(&row(user, &config));
        let body = csv::batched(&CSV_HEADER, "users", CSV_BATCH, read, line);
        return Ok(Either::Right(Csv::new("users.csv", body)));
    }
    let mut rows = users::list(&db.0, &filter, sort, page.offset(PAGE_SIZE), PAGE_SIZE + 1).await?;
    let more = rows.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let link = |number: i64| {
        slashed(&uri!(list(
            Some(PageNumber(number)),
            None::<&str>,
            query.clone()
        )))
    };
    let rows: Vec<_> = rows.into_iter().map(|user| row(user, config)).collect();
    let html = ctx.render(
        "admin/users.html",
        &serde_json::json!({
            "rows": rows,
            "query": query,
            "groups": groups::all(&db.0).await?,
            "courses": courses(&db.0).await?,
            "previous": (page.0 > 1).then(|| link(page.0 - 1)),
            "next": more.then(|| link(page.0 + 1)),
            "csv": slashed(&uri!(list(None::<PageNumber>, Some("csv"), query.clone()))),
        }),
    )?;
    Ok(Either::Left(html))
}

/// A bulk action on the users ticked in the list.
#[derive(FromForm)]
struct BulkForm {
    /// `activate`, `deactivate`, `add_to_group` or `remove_from_group`.
    action: String,
    /// The group of the group actions.
    group: Option<i64>,
    #[field(default = Vec::new())]
    ids: Vec<i64>,
    /// Set by the confirmation page; without it the action is only shown.
    confirm: bool,
}

/// What a bulk action does.
enum Bulk {
    /// Sets every ticked user's activity.
    Active(bool),
    /// Adds the ticked users to a group (`true`) or takes them out of it.
    Group(bool, groups::Group),
}

impl Bulk {
    async fn of(db: &Db, form: &BulkForm) -> AppResult<Result<Self, &'static str>> {
        let add = match form.action.as_str() {
            "activate" => return Ok(Ok(Self::Active(true))),
            "deactivate" => return Ok(Ok(Self::Active(false))),
            "add_to_group" => true,
            "remove_from_group" => false,
            _ => return Ok(Err("Choose an action.")),
        };
        let group = match form.group {
            Some(id) => groups::all(&db.0)
                .await?
                .into_iter()
                .find(|group| group.id == id),
            None => None,
        };
        Ok(group
            .map(|group| Self::Group(add, group))
            .ok_or("Choose a group."))
    }
}

#[post("/admin/users/bulk", data = "<form>")]
async fn bulk(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    cache: &State<SessionCache>,
    form: Form<BulkForm>,
) -> AppResult<Either<Html, Flash<Redirect>>> {
    let back = Redirect::to("/admin/users/");
    let bulk = match Bulk::of(db, &form).await? {
        Ok(bulk) => bulk,
        Err(message) => return Ok(Either::Right(Flash::error(back, message))),
    };
    let mut targets = Vec::new();
    for &id in &form.ids {
        // Nobody locks themselves out.
        if id == staff.0.id && matches!(bulk, Bulk::Active(false)) {
            continue;
        }
        if let Some(user) = by_id(&db.0, id).await? {
            targets.push(user);
        }
    }
    if targets.is_empty() {
        let message =
            "Tick the users to change first (your own account cannot be deactivated here).";
        return Ok(Either::Right(Flash::error(back, message)));
    }
    if !form.confirm {
        let (active, group) = match &bulk {
            Bulk::Active(active) => (Some(*active), None),
            Bulk::Group(_, group) => (None, Some(group)),
        };
        let data = serde_json::json!({
            "action": form.action,
            "active": active,
            "group": group,
            "users": targets,
        });
        return ctx
            .render("admin/users_confirm.html", &data)
            .map(Either::Left);
    }
    let message = match bulk {
        Bulk::Active(active) => set_active(db, cache, &staff.0, &targets, active).await?,
        Bulk::Group(add, group) => {
            let named = super::groups::Named {
                id: group.id,
                name: &group.name,
            };
            if add {
                let (added, _) =
                    super::groups::add_members(&db.0, &staff.0, named, &targets).await?;
                format!(
                    "Added {} of {} users to {}.",
                    added.len(),
                    targets.len(),
                    group.name
                )
            } else {
                let removed =
                    super::groups::remove_members(&db.0, &staff.0, named, &targets).await?;
                format!(
                    "Took {} of {} users out of {}.",
                    removed.len(),
                    targets.len(),
                    group.name
                )
            }
        }
    };
    Ok(Either::Right(Flash::success(back, message)))
}

/// Sets the activity of `targets` for `actor`, audited; what it did.
async fn set_active(
    db: &Db,
    cache: &SessionCache,
    actor: &User,
    targets: &[User],
    active: bool,
) -> AppResult<String> {
    let mut changes = Vec::new();
    for user in targets {
        if user.is_active == active {
            continue;
        }
        let flags = users::Flags {
            active,
            staff: user.is_staff,
            superuser: user.is_superuser,
        };
        users::set_flags(&db.0, user.id, flags).await?;
        cache.changed(user.id).await;
        changes.extend(Change::of(
            "user",
            user.id,
            &user.username,
            "is_active",
            Some(user.is_active.to_string()),
            Some(active.to_string()),
        ));
    }
    audit::record(&db.0, actor, &changes).await?;
    let verb = if active { "Activated" } else { "Deactivated" };
    Ok(format!(
        "{verb} {} of {} users.",
        changes.len(),
        targets.len()
    ))
}

/// The user list and its bulk actions.
pub fn routes() -> Vec<Route> {
    routes![list, bulk]
}
