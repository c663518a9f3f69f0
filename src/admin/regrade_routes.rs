//! `/admin/regrades/`: regrades with a preview (issue 14). Started from a task's page, a regrade
//! checks its students' latest solutions again in the shadow lane; its page at `<id>/` shows the
//! progress live until every check ended, then the verdicts that would change, to publish or
//! discard.

use std::time::Duration;

use rocket::response::stream::{Event, EventStream};
use rocket::response::{Flash, Redirect};
use rocket::{Route, Shutdown, State, get, post, routes, uri};

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::redraws::{OpenedIn, redraws_until};
use crate::accounts::User;
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::events::Bus;
use crate::runner::verdict::Verdict;
use crate::solutions::regrade::{self, Outcome, Regrade, RegradeStatus, Started};
use crate::solutions::state::SolutionStatus;
use crate::solutions::{Doorbell, events};
use crate::tasks::staff_fields;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber, Templates};

/// How many regrades the list shows.
const RECENT: i64 = 50;
/// How often an open preview whose checks still run is redrawn.
const EVERY: Duration = Duration::from_secs(1);
/// The event that carries a redrawn preview; the name `admin/regrade.html` listens for.
const UPDATE: &str = "regrade";

/// A regrade with local times, for the templates.
fn view(regrade: &Regrade, config: &Config) -> serde_json::Value {
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    serde_json::json!({
        "regrade": regrade,
        "requested": local(regrade.requested_at),
        "decided": regrade.decided_at.map(local),
        "is_final": regrade.is_final(),
        "total": regrade.queued + regrade.running + regrade.done + regrade.cancelled,
    })
}

fn label(verdict: Option<Verdict>) -> &'static str {
    verdict.map_or("–", Verdict::label)
}

/// The preview's live part: progress, and once every check ended, the verdicts that change.
async fn live(db: &DbPool, config: &Config, regrade: &Regrade) -> AppResult<serde_json::Value> {
    let outcomes = if regrade.is_final() {
        regrade::outcomes(db, regrade.id).await?
    } else {
        Vec::new()
    };
    let failed = |outcome: &&Outcome| outcome.after == Some(Verdict::InfrastructureError);
    let changes: Vec<_> = outcomes
        .iter()
        .filter(|outcome| !failed(outcome) && outcome.before != outcome.after)
        .map(|outcome| {
            serde_json::json!({
                "outcome": outcome,
                "before": label(outcome.before),
                "after": label(outcome.after),
            })
        })
        .collect();
    let infrastructure = outcomes.iter().filter(failed).count();
    Ok(serde_json::json!({
        "view": view(regrade, config),
        "changes": changes,
        "same": outcomes.len() - changes.len() - infrastructure,
        "infrastructure": infrastructure,
        "images": regrade::images(db, regrade.id).await?,
        "update": UPDATE,
    }))
}

#[get("/admin/regrades")]
async fn list(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
) -> AppResult<Html> {
    let regrades: Vec<_> = regrade::recent(&db.0, RECENT)
        .await?
        .iter()
        .map(|regrade| view(regrade, config))
        .collect();
    page.render(
        "admin/regrades.html",
        &serde_json::json!({ "regrades": regrades }),
    )
}

/// Records that `staff` moved regrade `id` of task `title` from `old` to `new`.
async fn record(
    db: &DbPool,
    staff: &User,
    id: i64,
    title: &str,
    old: Option<RegradeStatus>,
    new: RegradeStatus,
) -> Result<(), sqlx::Error> {
    let word = |status: RegradeStatus| {
        serde_json::to_value(status)
            .ok()?
            .as_str()
            .map(str::to_owned)
    };
    let change = Change::of(
        "regrade",
        id,
        &format!("{title} (regrade {id})"),
        "status",
        old.and_then(word),
        word(new),
    );
    audit::record(db, staff, &Vec::from_iter(change)).await
}

/// Starts a regrade of task `id`, unless a preview of it is still open.
#[post("/admin/tasks/<id>/regrade")]
async fn start(
    staff: AdminStaff,
    db: &Db,
    bus: &State<Bus>,
    doorbell: &State<Doorbell>,
    id: PathNumber,
) -> AppResult<Flash<Redirect>> {
    let task = staff_fields::task(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let to_preview = |id: i64| Redirect::to(format!("{}/", uri!(detail(id = id))));
    match regrade::start(&db.0, task.id, staff.0.id).await? {
        Started::Queued { id, checks } => {
            record(
                &db.0,
                &staff.0,
                id,
                &task.title,
                None,
                RegradeStatus::Preview,
            )
            .await?;
            doorbell.ring(bus).await;
            let message = format!(
                "{checks} solutions of {} are checked again in the shadow lane; students see nothing until you publish.",
                task.title
            );
            Ok(Flash::success(to_preview(id), message))
        }
        Started::StillOpen(open) => Ok(Flash::error(
            to_preview(open),
            "A regrade of this task is still a preview: publish or discard it first.",
        )),
        Started::NoSolutions => Ok(Flash::error(
            Redirect::to(format!("/admin/tasks/{}/", task.id)),
            "No student has handed in a solution of this task: there is nothing to regrade.",
        )),
    }
}

#[get("/admin/regrades/<id>")]
async fn detail(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Html> {
    let regrade = regrade::get(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let live = live(&db.0, config, &regrade).await?;
    page.render("admin/regrade.html", &serde_json::json!({ "live": live }))
}

/// The preview's live part as an event every second until every check ended (then once more).
#[get("/admin/regrades/<id>/events", rank = 2)]
async fn stream<'r>(
    _staff: AdminStaff,
    opened_in: OpenedIn,
    db: &'r Db,
    config: &'r State<Config>,
    templates: &'r State<Templates>,
    shutdown: Shutdown,
    id: PathNumber,
) -> AppResult<EventStream![Event + 'r]> {
    let id = id.get()?;
    regrade::get(&db.0, id).await?.ok_or(AppError::NotFound)?;
    Ok(redraws_until(
        EVERY,
        UPDATE,
        opened_in,
        db,
        config,
        shutdown,
        move || async move {
            let regrade = regrade::get(&db.0, id).await?.ok_or(AppError::NotFound)?;
            let live = live(&db.0, config, &regrade).await?;
            let data = serde_json::json!({ "live": live });
            let html = templates.render("admin/_regrade.html", &data)?;
            Ok((html.0, regrade.is_final()))
        },
    ))
}

/// The regrade a publish or discard names, and its page to go back to.
async fn deciding(db: &Db, id: PathNumber) -> AppResult<(Regrade, Redirect)> {
    let regrade = regrade::get(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = Redirect::to(format!("{}/", uri!(detail(id = regrade.id))));
    Ok((regrade, back))
}

/// Audits that `regrade`'s preview was decided: published or discarded.
async fn record_decision(
    db: &Db,
    staff: &User,
    regrade: &Regrade,
    status: RegradeStatus,
) -> Result<(), sqlx::Error> {
    let preview = Some(RegradeStatus::Preview);
    record(
        &db.0,
        staff,
        regrade.id,
        &regrade.task_title,
        preview,
        status,
    )
    .await
}

/// Makes the preview's new verdicts the solutions' own.
#[post("/admin/regrades/<id>/publish")]
async fn publish(
    staff: AdminStaff,
    db: &Db,
    bus: &State<Bus>,
    id: PathNumber,
) -> AppResult<Flash<Redirect>> {
    let (regrade, back) = deciding(db, id).await?;
    let Some(solutions) = regrade::publish(&db.0, regrade.id).await? else {
        return Ok(Flash::error(back, "This regrade is no preview any more."));
    };
    record_decision(db, &staff.0, &regrade, RegradeStatus::Published).await?;
    for solution in &solutions {
        events::solution_changed(bus, *solution, SolutionStatus::Finished).await;
    }
    events::queue_moved(bus).await;
    let message = format!(
        "Published: {} solutions of {} show their new check.",
        solutions.len(),
        regrade.task_title
    );
    Ok(Flash::success(back, message))
}

/// Drops the preview: nothing students see changes.
#[post("/admin/regrades/<id>/discard")]
async fn discard(
    staff: AdminStaff,
    db: &Db,
    bus: &State<Bus>,
    id: PathNumber,
) -> AppResult<Flash<Redirect>> {
    let (regrade, back) = deciding(db, id).await?;
    if !regrade::discard(&db.0, regrade.id).await? {
        return Ok(Flash::error(back, "This regrade is no preview any more."));
    }
    record_decision(db, &staff.0, &regrade, RegradeStatus::Discarded).await?;
    events::queue_moved(bus).await;
    Ok(Flash::success(
        back,
        "Discarded: students' verdicts stay as they were.",
    ))
}

pub fn routes() -> Vec<Route> {
    routes![list, start, detail, stream, publish, discard]
}
