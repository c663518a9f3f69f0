//! What the solution routes take from the request: the course's shared state in one guard, and
//! the task a user may hand in to or read solutions of, resolved from its slug.

use rocket::Request;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket_db_pools::Database;

use super::files::Upload;
use super::queue_places::QueueCache;
use super::store::{self, Solution, SolutionFile};
use super::submit::{self, Doorbell, SubmitError, TaskTerms};
use crate::accounts::{User, users};
use crate::config::Config;
use crate::db::{Db, Timestamp, UserId};
use crate::events::Bus;
use crate::settings::Settings;
use crate::tasks::catalog::{self, TaskDetail, Viewer};
use crate::web::{AppError, AppResult};

/// The shared state of a course: database, runtime settings, configuration, event bus, the
/// workers' doorbell and the queue places.
pub(super) struct Course<'r> {
    pub db: &'r Db,
    pub settings: &'r Settings,
    pub config: &'r Config,
    pub bus: &'r Bus,
    pub doorbell: &'r Doorbell,
    pub queue: &'r QueueCache,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Course<'r> {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let rocket = request.rocket();
        let course = (|| {
            Some(Course {
                db: Db::fetch(rocket)?,
                settings: rocket.state()?,
                config: rocket.state()?,
                bus: rocket.state()?,
                doorbell: rocket.state()?,
                queue: rocket.state()?,
            })
        })();
        course.map_or(
            Outcome::Error((Status::InternalServerError, ())),
            Outcome::Success,
        )
    }
}

impl Course<'_> {
    /// The task `user` may hand in to: see [`open_task`].
    pub async fn open_task(&self, user: &User, slug: &str) -> AppResult<TaskDetail> {
        open_task(self.db, self.settings, user, slug).await
    }

    /// Hands in `uploads` to `task` for `user`, under the task's deadline and submission limit.
    pub async fn submit(
        &self,
        user: &User,
        task: &TaskDetail,
        uploads: &[Upload],
    ) -> Result<Solution, SubmitError> {
        let terms = TaskTerms::of(task);
        submit::submit(
            self.db,
            self.settings,
            self.doorbell,
            self.bus,
            &terms,
            user,
            uploads,
        )
        .await
    }

    /// A solution `user` may see: see [`visible_solution`].
    pub async fn visible_solution(
        &self,
        user: &User,
        slug: &str,
        number: i64,
        author: Option<&str>,
    ) -> AppResult<Visible> {
        visible_solution(self.db, self.settings, user, slug, number, author).await
    }
}

/// The task `user` may hand in to (published, or any for staff), by slug; else 404.
pub(super) async fn open_task(
    db: &Db,
    settings: &Settings,
    user: &User,
    slug: &str,
) -> AppResult<TaskDetail> {
    let viewer = Viewer::of(user, db, settings).await?;
    let task = catalog::task(db, viewer, slug, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.is_staff() && task.summary.pubdate > Timestamp::now() {
        return Err(AppError::NotFound);
    }
    Ok(task)
}

/// A solution `user` may see, in a task they may open: their own, or (staff) anyone's named by
/// `author`; else 404.
pub(super) async fn visible_solution(
    db: &Db,
    settings: &Settings,
    user: &User,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<Visible> {
    let owner = match author {
        Some(name) if user.is_staff() => {
            Some(users::by_login(db, name).await?.ok_or(AppError::NotFound)?)
        }
        Some(_) => return Err(AppError::NotFound),
        None => None,
    };
    let author_id = owner.as_ref().map_or(user.id, |owner| owner.id);
    let viewer = Viewer::of(user, db, settings).await?;
    let found = store::in_task(db, viewer, slug, UserId(author_id), number)
        .await?
        .filter(|found| user.is_staff() || found.pubdate <= Timestamp::now())
        .ok_or(AppError::NotFound)?;
    Ok(Visible {
        task_title: found.title,
        solution: found.solution,
        files: found.files,
        owner,
    })
}

/// A solution as its viewer may see it.
pub(super) struct Visible {
    pub task_title: String,
    pub solution: Solution,
    /// The solution's files, by name.
    pub files: Vec<SolutionFile>,
    /// The author when staff named one (`?author=`); `None` for the viewer's own solution.
    pub owner: Option<User>,
}
