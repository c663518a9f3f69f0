//! One import run: fetch the repository, run `make`, store its tasks, build the checker image.

use std::time::Duration;

use super::runs::{self, ImageStatus, ImportRun};
use super::{contexts, files, git, image, loader, make, registry};
use crate::config::Config;
use crate::db::{DbPool, Timestamp};
use crate::metrics::METRICS;
use crate::settings::{self, Settings};
use crate::tasks::store::{self, Stored, TaskRecord};
use crate::tasks::stored_files;

/// What an import needs from its process.
#[derive(Clone)]
pub struct Importer {
    pub db: DbPool,
    pub config: Config,
}

/// Stops the heartbeat when the run ends, also when its future is dropped at shutdown.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A failed step, as stored in the run's `error`.
type StepResult<T> = Result<T, String>;

impl Importer {
    /// Runs the claimed run `id` to its end and records the outcome; returns the finished run.
    pub async fn run(&self, id: i64) -> Result<Option<ImportRun>, sqlx::Error> {
        let _beat = {
            let db = self.db.clone();
            AbortOnDrop(tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(30));
                loop {
                    tick.tick().await;
                    if let Err(error) = runs::heartbeat(&db, id).await {
                        tracing::warn!(%error, "import heartbeat failed");
                    }
                }
            }))
        };
        let outcome = self.steps(id).await;
        METRICS.import(outcome.is_ok());
        match &outcome {
            Ok(()) => tracing::info!(run = id, "import succeeded"),
            Err(error) => tracing::warn!(run = id, "import failed: {error}"),
        }
        runs::finish(&self.db, id, outcome.err().as_deref()).await?;
        runs::get(&self.db, id).await
    }

    async fn steps(&self, id: i64) -> StepResult<()> {
        let db = &self.db;
        let url = self.text(&settings::GIT_URL).await?;
        if url.is_empty() {
            return Err(
                "no task repository configured: set the runtime setting git_url \
                 (`inloop load-tasks --url URL`)"
                    .into(),
            );
        }
        let branch = self.text(&settings::GIT_BRANCH).await?;
        let remote = git::Remote {
            url: &url,
            branch: &branch,
            ssh_key: self.config.git_ssh_key.as_deref(),
            known_hosts: self.config.git_known_hosts.as_deref(),
        };
        let dir = self.config.repository_dir();
        let checkout = git::sync(&dir, &remote)
            .await
            .map_err(|error| format!("{error}\n{}", error.output).trim().to_owned())?;
        let (make_output, make_error) = match self.make(id, &dir).await {
            Ok(output) => (output, None),
            Err(error) => (error.output.clone(), Some(error.to_string())),
        };
        runs::record_checkout(db, id, &checkout.hash, &checkout.message, &make_output)
            .await
            .map_err(database)?;
        if let Some(error) = make_error {
            return Err(error);
        }
        let entries = self.load_tasks(&dir).await?;
        // Tasks and their checker image change together (issue 16): a failed build publishes
        // neither, and the image is published only once its tasks are stored.
        let built = self.build_image(id, &dir).await?;
        self.store_tasks(id, entries).await?;
        runs::record_image(db, id, &built.tag, built.status, &built.log)
            .await
            .map_err(database)
    }

    /// Runs the repository's `make` in its container (see [`make`]).
    async fn make(&self, id: i64, dir: &std::path::Path) -> Result<String, git::CommandError> {
        let failed = |reason: String| git::CommandError {
            what: "make".into(),
            reason,
            output: String::new(),
        };
        let network = Settings::default()
            .bool(&self.db, &settings::IMPORT_MAKE_NETWORK)
            .await
            .map_err(|error| failed(error.to_string()))?;
        let docker = crate::runner::docker::connect(&self.config)
            .map_err(|error| failed(error.to_string()))?
            .with_timeout(Duration::from_mins(2));
        let owner = image::owner(&self.config);
        let make = make::Make {
            image: self.config.make_image.trim(),
            network,
            run: id,
            owner: &owner,
            time_limit: make::TIME_LIMIT,
        };
        make.run(&docker, dir).await
    }

    async fn text(&self, setting: &settings::Setting) -> StepResult<String> {
        let value = uncached(setting, &self.db).await;
        value
            .map(|text| text.trim().to_owned())
            .map_err(|error| error.to_string())
    }

    /// Reads the task directories, storing nothing yet.
    async fn load_tasks(&self, dir: &std::path::Path) -> StepResult<Vec<loader::Entry>> {
        let zone = crate::time_zone::parse(&self.config.time_zone)?;
        let root = dir.to_owned();
        tokio::task::spawn_blocking(move || loader::load_all(&root, &zone))
            .await
            .map_err(|error| error.to_string())?
            .map_err(|error| format!("cannot read the repository: {error}"))
    }

    async fn store_tasks(&self, id: i64, entries: Vec<loader::Entry>) -> StepResult<()> {
        let db = &self.db;
        let mut keep = Vec::new();
        for entry in entries {
            let (directory, outcome, reason) = match entry {
                loader::Entry::Disabled(_) => continue,
                loader::Entry::Invalid { directory, reason } => {
                    // The last good version of a broken task stays as it was.
                    keep.push(directory.clone());
                    (directory, "invalid", reason)
                }
                loader::Entry::Task(task) => {
                    let name = task.system_name.clone();
                    keep.push(name.clone());
                    let (outcome, reason) = self.store_task(*task).await?;
                    (name, outcome, reason)
                }
            };
            runs::record_result(db, id, &directory, outcome, &reason)
                .await
                .map_err(database)?;
        }
        for name in store::hide_all_but(db, &keep).await.map_err(database)? {
            runs::record_result(db, id, &name, "hidden", "no longer in the repository")
                .await
                .map_err(database)?;
        }
        Ok(())
    }

    /// Stores a task that read cleanly with its files: its outcome and the reason to show. A
    /// file that cannot be read makes the task invalid, and its last good version stays.
    async fn store_task(&self, task: loader::LoadedTask) -> StepResult<(&'static str, String)> {
        let db = &self.db;
        let stored = stored_files::listed(db, &task.system_name)
            .await
            .map_err(database)?;
        let (write, remove) = files::changes(&stored, &task.files);
        let read = tokio::task::spawn_blocking(move || files::read(write, remove, files::CAPS))
            .await
            .map_err(|error| error.to_string())?;
        let changes = match read {
            Ok(changes) => changes,
            Err(reason) => return Ok(("invalid", reason)),
        };
        let category_id = store::ensure_category(db, &task.meta.category)
            .await
            .map_err(database)?;
        let record = TaskRecord {
            system_name: task.system_name,
            title: task.meta.title,
            category_id,
            pubdate: task.meta.pubdate.into(),
            deadline: task.meta.deadline.map(Timestamp::from),
            text_html: task.text_html,
            limits: task.limits,
            templates: task.templates,
        };
        let outcome = match store::upsert(db, &record, &changes)
            .await
            .map_err(database)?
        {
            Stored::Added => "added",
            Stored::Updated => "updated",
            Stored::Unchanged => "unchanged",
        };
        let reason = if task.skipped_links.is_empty() {
            String::new()
        } else {
            format!(
                "skipped links out of the repository: {}",
                task.skipped_links.join(", ")
            )
        };
        Ok((outcome, reason))
    }

    /// Packs the build context, stores it for other Docker hosts, builds the image here and
    /// removes older ones; records a failure, but leaves publishing the image to the caller.
    async fn build_image(&self, id: i64, dir: &std::path::Path) -> StepResult<image::Built> {
        let db = &self.db;
        let fail = async |tag: &str, reason: String, log: &str| {
            runs::record_image(db, id, tag, ImageStatus::Failed, log)
                .await
                .map_err(database)?;
            Err::<image::Built, String>(reason)
        };
        if !dir.join("Dockerfile").is_file() {
            let reason = "the repository has no Dockerfile".to_owned();
            return fail("", reason.clone(), &reason).await;
        }
        let root = dir.to_owned();
        let owner = image::owner(&self.config);
        let context = match tokio::task::spawn_blocking(move || image::context(&root, &owner)).await
        {
            Ok(Ok(context)) => context,
            Ok(Err(error)) => {
                return fail("", format!("cannot pack the build context: {error}"), "").await;
            }
            Err(error) => return fail("", error.to_string(), "").await,
        };
        // Stored before the build, which consumes it; a failed build's context goes with the
        // next prune.
        if let Err(error) = contexts::store(db, &context.tag, &context.tar).await {
            let reason = format!("cannot store the build context: {}", database(error));
            return fail(&context.tag, reason, "").await;
        }
        let docker = match crate::runner::docker::connect(&self.config) {
            Ok(docker) => docker.with_timeout(Duration::from_mins(30)),
            Err(error) => return fail(&context.tag, format!("docker: {error}"), "").await,
        };
        let owner = context.owner.clone();
        let mut built = match image::build(&docker, context).await {
            Ok(built) => built,
            Err(error) => return fail(&error.tag, error.reason, &error.log).await,
        };
        if let Some(registry) = self.config.registry() {
            // Optional: a host that cannot pull builds from the stored context instead.
            let pushed = match registry::push(&docker, registry, &built.tag).await {
                Ok(()) => format!("Pushed to {registry}."),
                Err(reason) => {
                    tracing::warn!(%reason, "pushing the checker image to INLOOP_REGISTRY failed");
                    format!("{reason}\nCheck hosts build the image from its stored context.")
                }
            };
            built.log = format!("{}\n{pushed}", built.log);
        }
        // Keep the new image and the one checks used until now (a check may be starting on it).
        let previous = runs::current_image(db).await.map_err(database)?;
        let keep = [Some(built.tag.as_str()), previous.as_deref()];
        let removed = image::prune(
            &docker,
            &owner,
            &keep.into_iter().flatten().collect::<Vec<_>>(),
        )
        .await;
        if !removed.is_empty() {
            built.log = format!(
                "{}\nRemoved old checker images: {}",
                built.log,
                removed.join(", ")
            );
        }
        let pruned = contexts::prune(db, &built.tag, previous.as_deref())
            .await
            .map_err(database)?;
        if pruned > 0 {
            tracing::info!(
                pruned,
                "removed the stored build contexts of older checker images"
            );
        }
        Ok(built)
    }
}

/// A text setting read from the database, not from any cache: imports are rare and must use
/// what an operator set last, also from a process that shares no event bus with this one.
pub async fn uncached(
    setting: &settings::Setting,
    db: &DbPool,
) -> Result<String, settings::SettingError> {
    Settings::default().text(db, setting).await
}

fn database(error: sqlx::Error) -> String {
    format!("database: {error}")
}
