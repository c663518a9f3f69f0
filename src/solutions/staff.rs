//! Staff operations on checks: checking a solution or a whole task again, cancelling a check.

use rocket::response::{Flash, Redirect};
use rocket::{Route, post, routes};

use super::course::{Course, Visible};
use super::{links, recheck, store};
use crate::accounts::Staff;
use crate::web::{AppResult, PathNumber};

#[post("/solutions/detail/<slug>/<number>/rerun?<author>")]
async fn rerun(
    course: Course<'_>,
    staff: Staff,
    slug: &str,
    number: PathNumber,
    author: Option<&str>,
) -> AppResult<Flash<Redirect>> {
    let number = number.get()?;
    let Visible { solution, .. } = course
        .visible_solution(&staff.0, slug, number, author)
        .await?;
    let Course {
        db, bus, doorbell, ..
    } = course;
    let queued = recheck::check_again(db, bus, doorbell, &[solution.id]).await? > 0;
    let back = Redirect::to(links::detail(slug, number, author));
    Ok(if queued {
        Flash::success(back, "The solution is checked again.")
    } else {
        Flash::warning(
            back,
            "A check of this solution is queued or running already.",
        )
    })
}

#[post("/solutions/detail/<slug>/<number>/cancel?<author>")]
async fn cancel(
    course: Course<'_>,
    staff: Staff,
    slug: &str,
    number: PathNumber,
    author: Option<&str>,
) -> AppResult<Flash<Redirect>> {
    let number = number.get()?;
    let Visible { solution, .. } = course
        .visible_solution(&staff.0, slug, number, author)
        .await?;
    let Course { db, bus, .. } = course;
    let cancelled = recheck::cancel(db, bus, solution.id).await?;
    let back = Redirect::to(links::detail(slug, number, author));
    Ok(if cancelled {
        Flash::success(back, "The check was cancelled.")
    } else {
        Flash::warning(back, "Nothing to cancel: the check had ended.")
    })
}

#[post("/solutions/rerun/<slug>")]
async fn rerun_task(course: Course<'_>, staff: Staff, slug: &str) -> AppResult<Flash<Redirect>> {
    let task = course.open_task(&staff.0, slug).await?;
    let Course {
        db, bus, doorbell, ..
    } = course;
    let latest: Vec<i64> = store::latest_per_author(db, task.summary.id)
        .await?
        .into_iter()
        .map(|solution| solution.id)
        .collect();
    let queued = recheck::check_again(db, bus, doorbell, &latest).await?;
    Ok(Flash::success(
        Redirect::to(crate::tasks::task_url(slug)),
        format!("{queued} solution(s) will be checked again."),
    ))
}

/// The staff routes.
pub fn routes() -> Vec<Route> {
    routes![rerun, cancel, rerun_task]
}
