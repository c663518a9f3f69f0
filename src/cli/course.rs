//! The commands on a course's solutions and results: plagiarism checks, pruning, exports,
//! grades and synthetic courses for load tests.

use clap::Subcommand;

use super::{CommandResult, database};
use crate::config::Config;
use crate::events::Bus;
use crate::{grades, plagiarism, solutions};

/// The commands on a course's solutions and results.
#[derive(Subcommand)]
pub(super) enum CourseCommand {
    /// Compare the latest passed solutions of a task (by slug) or of every task of a category
    /// (by slug or name) here, and print the pairs found.
    PlagiarismCheck {
        /// A task's slug, or a category's slug or name.
        task_or_category: String,
        /// Report pairs at least this similar, in percent.
        #[arg(long, default_value_t = 90.0)]
        min_similarity: f64,
    },
    /// Delete all but the newest N solutions of every student and task (with their checks).
    PruneSolutions {
        #[arg(long)]
        keep: i64,
        /// Only say what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the files of every student's latest solution of a task (by slug) or of each task of
    /// a category (by name or slug) to a zip file, as <task>/<username>/<file>.
    ExportSolutions {
        task_or_category: String,
        file: std::path::PathBuf,
    },
    /// Create a synthetic course for load tests: a category, tasks, students and solutions with
    /// finished checks. Refused by release builds without --force.
    GenerateSubmissions {
        /// Names the category, its tasks (<prefix>-t<n>) and students (<prefix>-s<n>).
        #[arg(long, default_value = "generated")]
        prefix: String,
        #[arg(long, default_value_t = 100)]
        students: i64,
        #[arg(long, default_value_t = 10)]
        tasks: i64,
        #[arg(long, default_value_t = 1000)]
        solutions: i64,
        /// Generate even with a release build (a production database).
        #[arg(long)]
        force: bool,
    },
    /// Write the points per student for a category (a point per task solved from START on, by
    /// each student's deadline, capped) as CSV, as /admin/grades/ offers them.
    ExportGrades {
        /// The category's name or slug.
        category: String,
        /// The first day that counts (YYYY-MM-DD, in the configured time zone).
        start: String,
        /// The CSV file to write (`-`: standard output).
        file: std::path::PathBuf,
        /// The most points one student gets (default: the setting `grade_max_points`).
        #[arg(long)]
        max_points: Option<i64>,
        /// Start with a row of column names.
        #[arg(long)]
        header: bool,
        /// Include active students without points.
        #[arg(long)]
        include_zero: bool,
        /// Also write the results matrix (students × tasks) to this CSV file.
        #[arg(long)]
        matrix: Option<std::path::PathBuf>,
    },
}

/// Runs one of the course commands.
pub(super) async fn run(config: &Config, command: CourseCommand) -> CommandResult {
    match command {
        CourseCommand::PlagiarismCheck {
            task_or_category,
            min_similarity,
        } => {
            let instance = config.instance_name(&format!("cli-{}", std::process::id()));
            let db = database(config).await?;
            plagiarism::commands::check(&db, &instance, &task_or_category, min_similarity).await
        }
        CourseCommand::PruneSolutions { keep, dry_run } => {
            let bus = Bus::from_config(config)?;
            bus.ready().await;
            solutions::commands::prune(&database(config).await?, &bus, keep, dry_run).await
        }
        CourseCommand::ExportSolutions {
            task_or_category,
            file,
        } => solutions::commands::export(&database(config).await?, &task_or_category, &file).await,
        CourseCommand::GenerateSubmissions {
            prefix,
            students,
            tasks,
            solutions: count,
            force,
        } => {
            if !cfg!(debug_assertions) && !force {
                return Err(
                    "generate-submissions writes synthetic users and solutions into the \
                            database; a release build does that only with --force"
                        .into(),
                );
            }
            let course = solutions::commands::Synthetic {
                prefix,
                students,
                tasks,
                solutions: count,
            };
            solutions::commands::generate(&database(config).await?, &course).await
        }
        CourseCommand::ExportGrades {
            category,
            start,
            file,
            max_points,
            header,
            include_zero,
            matrix,
        } => {
            let spec = grades::command::ExportSpec {
                category,
                start,
                file,
                max_points,
                header,
                include_zero,
                matrix,
            };
            grades::command::export_grades(&database(config).await?, &config.zone(), spec).await
        }
    }
}
