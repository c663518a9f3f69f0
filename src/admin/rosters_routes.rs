//! `/admin/groups/` and `/admin/courses/`: the lists (search, order, pages, CSV) and the form
//! that creates one, and the renaming and deleting both detail pages share. Every change is
//! audited. The detail pages are in `group_routes` and `course_routes`.

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::stream::ByteStream;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, get, post, routes, uri};
use serde::Serialize;

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::csv::{self, Csv};
use super::rosters::{self, Counted, Roster, Sort};
use super::{non_empty, slashed};
use crate::accounts::User;
use crate::db::{Db, DbPool};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PageNumber, PathNumber};

/// Rows on one page.
const PAGE_SIZE: i64 = 100;
/// Rows read at once for a CSV download.
const CSV_BATCH: i64 = 500;
const CSV_HEADER: [&str; 3] = ["id", "name", "members"];

/// The list's search and order, as the query gives them (empty: not given).
#[derive(Clone, Debug, Default, FromForm, rocket::UriDisplayQuery, Serialize)]
pub struct RosterQuery {
    #[field(default = String::new())]
    q: String,
    /// `name` or `members`.
    #[field(default = String::new())]
    sort: String,
}

impl RosterQuery {
    fn parse(&self) -> Result<(Option<String>, Sort), AppError> {
        let sort = match self.sort.as_str() {
            "" => Sort::default(),
            name => {
                Sort::parse(name).ok_or_else(|| AppError::BadRequest("No such order.".into()))?
            }
        };
        Ok((non_empty(Some(&self.q)), sort))
    }
}

/// The name form: creating, renaming.
#[derive(FromForm)]
pub(super) struct NameForm {
    #[field(default = String::new())]
    pub name: String,
}

/// A list page or its CSV download.
type Listing = Either<Html, Csv<ByteStream<futures_util::stream::BoxStream<'static, Vec<u8>>>>>;

/// The list of `roster`; `link(page, format)` is its address with the same search and order.
async fn listing(
    ctx: &Page<'_>,
    db: &DbPool,
    roster: Roster,
    query: &RosterQuery,
    page: PageNumber,
    format: Option<&str>,
    link: impl Fn(Option<i64>, Option<&str>) -> String,
) -> AppResult<Listing> {
    let (search, sort) = query.parse()?;
    if format == Some("csv") {
        let db = db.clone();
        let read = move |offset: Option<i64>| {
            let (db, search) = (db.clone(), search.clone());
            let offset = offset.unwrap_or(0);
            async move {
                let rows =
                    rosters::list(&db, roster, search.as_deref(), sort, offset, CSV_BATCH).await?;
                Ok((rows, Some(offset + CSV_BATCH)))
            }
        };
        let to_line =
            |row: Counted| csv::line(&[row.id.to_string(), row.name, row.members.to_string()]);
        let body = csv::batched(&CSV_HEADER, roster.kind(), CSV_BATCH, read, to_line);
        let name = match roster {
            Roster::Group => "groups.csv",
            Roster::Course => "courses.csv",
        };
        return Ok(Either::Right(Csv::new(name, ByteStream(Box::pin(body.0)))));
    }
    let (offset, size) = (page.offset(PAGE_SIZE), PAGE_SIZE + 1);
    let mut rows = rosters::list(db, roster, search.as_deref(), sort, offset, size).await?;
    let more = rows.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    ctx.render(
        "admin/rosters.html",
        &serde_json::json!({
            "roster": roster,
            "rows": rows,
            "query": query,
            "previous": (page.0 > 1).then(|| link(Some(page.0 - 1), None)),
            "next": more.then(|| link(Some(page.0 + 1), None)),
            "csv": link(None, Some("csv")),
            "form": { "name": "" },
            "errors": {},
        }),
    )
    .map(Either::Left)
}

#[get("/admin/groups?<page>&<format>&<query..>")]
async fn groups(
    ctx: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    page: rocket::form::Result<'_, PageNumber>,
    format: Option<&str>,
    query: RosterQuery,
) -> AppResult<Listing> {
    let link = |page: Option<i64>, format: Option<&str>| {
        slashed(&uri!(groups(page.map(PageNumber), format, query.clone())))
    };
    let page = PageNumber::of(page)?;
    listing(&ctx, &db.0, Roster::Group, &query, page, format, link).await
}

#[get("/admin/courses?<page>&<format>&<query..>")]
async fn courses(
    ctx: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    page: rocket::form::Result<'_, PageNumber>,
    format: Option<&str>,
    query: RosterQuery,
) -> AppResult<Listing> {
    let link = |page: Option<i64>, format: Option<&str>| {
        slashed(&uri!(courses(page.map(PageNumber), format, query.clone())))
    };
    let page = PageNumber::of(page)?;
    listing(&ctx, &db.0, Roster::Course, &query, page, format, link).await
}

/// The detail page of row `id` of `roster`.
pub(super) fn detail_path(roster: Roster, id: i64) -> String {
    format!("/admin/{}s/{id}/", roster.kind())
}

/// Creates a row named as the form says; a refused name comes back beside the field (422).
async fn create(
    ctx: &Page<'_>,
    actor: &User,
    db: &DbPool,
    roster: Roster,
    form: &NameForm,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let name = form.name.trim();
    if let Some(problem) = rosters::name_problem(db, roster, name, None).await? {
        let html = ctx.render(
            "admin/rosters.html",
            &serde_json::json!({
                "roster": roster,
                "rows": rosters::list(db, roster, None, Sort::Name, 0, PAGE_SIZE).await?,
                "query": <RosterQuery as Default>::default(),
                "csv": format!("/admin/{}s/?format=csv", roster.kind()),
                "form": { "name": form.name },
                "errors": { "name": problem },
            }),
        )?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    let id = rosters::create(db, roster, name).await?;
    let created = Change::of(roster.kind(), id, name, "name", None, Some(name.to_owned()));
    audit::record(db, actor, &Vec::from_iter(created)).await?;
    let message = format!("Created the {} {name}.", roster.kind());
    Ok(Either::Left(Flash::success(
        Redirect::to(detail_path(roster, id)),
        message,
    )))
}

#[post("/admin/groups", data = "<form>")]
async fn create_group(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    form: Form<NameForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    create(&ctx, &staff.0, &db.0, Roster::Group, &form).await
}

#[post("/admin/courses", data = "<form>")]
async fn create_course(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    form: Form<NameForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    create(&ctx, &staff.0, &db.0, Roster::Course, &form).await
}

/// Row `id` of `roster`, or 404.
pub(super) async fn found(db: &DbPool, roster: Roster, id: PathNumber) -> AppResult<Counted> {
    rosters::get(db, roster, id.get()?)
        .await?
        .ok_or(AppError::NotFound)
}

/// Renames `row` to the form's name, audited; a refused name comes back as `refused(why)` (422).
pub(super) async fn rename(
    actor: &User,
    db: &DbPool,
    roster: Roster,
    row: &Counted,
    form: &NameForm,
    refused: impl AsyncFnOnce(String) -> AppResult<Html>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let name = form.name.trim();
    if let Some(problem) = rosters::name_problem(db, roster, name, Some(row.id)).await? {
        let html = refused(problem).await?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    rosters::rename(db, roster, row.id, name).await?;
    let old = Some(row.name.clone());
    let renamed = Change::of(
        roster.kind(),
        row.id,
        name,
        "name",
        old,
        Some(name.to_owned()),
    );
    audit::record(db, actor, &Vec::from_iter(renamed)).await?;
    Ok(Either::Left(Flash::success(
        Redirect::to(detail_path(roster, row.id)),
        format!("Saved the {} {name}.", roster.kind()),
    )))
}

/// Deleting `row`: the confirmation page (showing `usage`) until `confirm`, then done, audited.
pub(super) async fn delete(
    ctx: &Page<'_>,
    actor: &User,
    db: &DbPool,
    roster: Roster,
    row: &Counted,
    (confirm, usage): (bool, impl Serialize),
) -> AppResult<Either<Html, Flash<Redirect>>> {
    if !confirm {
        let data = serde_json::json!({ "roster": roster, "row": row, "usage": usage });
        return ctx
            .render("admin/roster_delete.html", &data)
            .map(Either::Left);
    }
    rosters::delete(db, roster, row.id).await?;
    let gone = Change::of(
        roster.kind(),
        row.id,
        &row.name,
        "name",
        Some(row.name.clone()),
        None,
    );
    audit::record(db, actor, &Vec::from_iter(gone)).await?;
    Ok(Either::Right(Flash::success(
        Redirect::to(format!("/admin/{}s/", roster.kind())),
        format!("Deleted the {} {}.", roster.kind(), row.name),
    )))
}

/// The lists and their create forms.
pub fn routes() -> Vec<Route> {
    routes![groups, courses, create_group, create_course]
}
