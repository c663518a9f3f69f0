//! The command line: `serve` (the default) and the operators' subcommands.

mod course;
mod healthcheck;
mod lifecycle;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::accounts::{self, commands::AccountSpec};
use crate::config::Config;
use crate::db::DbPool;
use crate::events::Bus;
use crate::import;
use crate::settings::{self, Settings};

/// INLOOP, a platform for programming courses.
#[derive(Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and the check workers (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the effective configuration (secrets redacted); exit non-zero on problems.
    CheckConfig,
    /// Create an active superuser (asks for what the options leave out).
    Createsuperuser {
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Create an active user, for scripts.
    Createuser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        staff: bool,
        /// Groups to join (repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove accounts that were never activated within 7 days.
    PruneUsers,
    /// Add every existing user to the named groups.
    AssignGroups {
        #[arg(required = true)]
        groups: Vec<String>,
    },
    /// List, read or change runtime settings.
    Settings {
        #[command(subcommand)]
        action: SettingsAction,
    },
    /// Import the task repository (the flags change the runtime settings first).
    LoadTasks {
        /// Repository URL (sets `git_url`).
        #[arg(long)]
        url: Option<String>,
        /// Branch (sets `git_branch`).
        #[arg(long)]
        branch: Option<String>,
        /// Run the import here and wait for it; exit non-zero if it failed.
        #[arg(long)]
        wait: bool,
    },
    /// Print what to enter in the task repository's webhook settings.
    PrintWebhookSettings,
    /// Ask the server on this machine for `/healthz`; exit non-zero unless it answers 200 (the
    /// image's `HEALTHCHECK`).
    Healthcheck,
    /// Run check workers without the web server, until SIGTERM or Ctrl-C.
    Worker {
        /// How many checks run at once (default: `INLOOP_WORKERS`).
        #[arg(long)]
        count: Option<u32>,
    },
    /// Create the accounts admin, staff and student for trying INLOOP out, and print their
    /// passwords.
    Demo,
    /// Remove the console output and collected files of checks finished longer ago than
    /// `--older-than` (e.g. `180d`); verdicts, test counts and test reports stay.
    PruneResults {
        #[arg(long, value_parser = humantime::parse_duration)]
        older_than: std::time::Duration,
        /// Only say what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Back up the database and the data folder into DIR (new or empty), while INLOOP runs.
    Backup { dir: std::path::PathBuf },
    /// Restore a backup folder into an empty database and data folder (stop INLOOP first).
    Restore {
        dir: std::path::PathBuf,
        /// Replace a database and data folder that are not empty.
        #[arg(long)]
        force: bool,
    },
    #[command(flatten)]
    Course(course::CourseCommand),
}

#[derive(Subcommand)]
enum SettingsAction {
    /// Every setting with its current value.
    List,
    /// One setting's value.
    Get { key: String },
    /// Change a setting (validated); every running instance picks it up.
    Set { key: String, value: String },
}

/// Logs to stderr, as text or, with `INLOOP_LOG_FORMAT=json`, one JSON object a line; `RUST_LOG`
/// overrides the default filter.
pub fn init_logging() {
    // Rocket's server logs unmatched requests with their raw path, which may hold a mangled
    // activation or reset link; our request log names routes instead (panics still reach stderr).
    let default =
        "info,rocket=error,rocket::server=off,_=error,sqlx=warn,hyper=warn,bollard=warn,fred=warn";
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let format = std::env::var("INLOOP_LOG_FORMAT").unwrap_or_default();
    let _ = match format.trim() {
        "json" => logs.json().flatten_event(true).try_init(),
        "" | "text" => logs.try_init(),
        other => {
            let started = logs.try_init();
            tracing::warn!("INLOOP_LOG_FORMAT={other:?} is neither text nor json: logging text");
            started
        }
    };
}

impl Cli {
    /// Runs the chosen subcommand.
    pub async fn run(self) -> ExitCode {
        let figment = Config::figment();
        let config = match Config::load(&figment) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("inloop: configuration error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let outcome = dispatch(self.command.unwrap_or(Command::Serve), config, &figment).await;
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("inloop: {error}");
                ExitCode::FAILURE
            }
        }
    }
}

pub(crate) type CommandResult = Result<(), Box<dyn std::error::Error>>;

async fn dispatch(
    command: Command,
    config: Config,
    figment: &rocket::figment::Figment,
) -> CommandResult {
    match command {
        Command::Serve => lifecycle::serve(config, figment).await,
        Command::Migrate => migrate(&config).await,
        Command::CheckConfig => check_config(&config).await,
        Command::Healthcheck => healthcheck::run(&config, figment).await,
        Command::Createsuperuser {
            username,
            email,
            password_stdin,
        } => {
            let spec = AccountSpec {
                username,
                email,
                password_stdin,
                staff: true,
                superuser: true,
                groups: vec![],
            };
            accounts::commands::create(&database(&config).await?, spec).await
        }
        Command::Createuser {
            username,
            email,
            staff,
            groups,
            password_stdin,
        } => {
            let spec = AccountSpec {
                username: Some(username),
                email: Some(email),
                password_stdin,
                staff,
                superuser: false,
                groups,
            };
            accounts::commands::create(&database(&config).await?, spec).await
        }
        Command::PruneResults {
            older_than,
            dry_run,
        } => prune_results(&config, older_than, dry_run).await,
        Command::Backup { dir } => {
            let made = crate::backup::backup(&config, &dir).await?;
            println!("backed up {} into {}", made.describe(), dir.display());
            Ok(())
        }
        Command::Restore { dir, force } => {
            let restored = crate::backup::restore(&config, &dir, force).await?;
            println!("restored {} from {}", restored.describe(), dir.display());
            Ok(())
        }
        Command::PruneUsers => accounts::commands::prune(&database(&config).await?).await,
        Command::AssignGroups { groups } => {
            accounts::commands::assign_groups(&database(&config).await?, &groups).await
        }
        Command::Settings { action } => settings_command(&config, action).await,
        Command::Demo => accounts::commands::demo(&database(&config).await?).await,
        Command::Worker { count } => {
            lifecycle::workers(&config, count.unwrap_or(config.workers)).await
        }
        Command::LoadTasks { url, branch, wait } => {
            let db = database(&config).await?;
            import::commands::load_tasks(db, config, url, branch, wait).await
        }
        Command::Course(command) => course::run(&config, command).await,
        Command::PrintWebhookSettings => {
            import::commands::print_webhook_settings(database(&config).await?, &config).await
        }
    }
}

/// The migrated database, for commands; waits for it up to `INLOOP_DB_WAIT_SECS`.
pub(crate) async fn database(config: &Config) -> Result<DbPool, crate::db::DbError> {
    let pool = DbPool::connect_waiting(config.database_url(), 2, config.db_wait()).await?;
    pool.migrate().await?;
    Ok(pool)
}

async fn prune_results(
    config: &Config,
    older_than: std::time::Duration,
    dry_run: bool,
) -> CommandResult {
    let age = time::Duration::try_from(older_than)?;
    let before = crate::db::Timestamp::now().plus(-age);
    let db = database(config).await?;
    let when = crate::time_zone::format_local(before.to_datetime(), &config.zone());
    let (pruned, verb) = if dry_run {
        (
            crate::solutions::retention::measure(&db, before).await?,
            "would remove",
        )
    } else {
        (
            crate::solutions::retention::prune(&db, before).await?,
            "removed",
        )
    };
    println!(
        "{verb} the output of {} check(s) finished before {when} ({} KiB)",
        pruned.checks,
        (pruned.bytes + 1023) / 1024
    );
    Ok(())
}

async fn migrate(config: &Config) -> CommandResult {
    database(config).await?;
    println!("database is up to date");
    Ok(())
}

async fn check_config(config: &Config) -> CommandResult {
    println!("{config}");
    let pool = DbPool::connect(config.database_url(), 1).await?;
    pool.ping().await?;
    println!("database          reachable");
    Ok(())
}

async fn settings_command(config: &Config, action: SettingsAction) -> CommandResult {
    let db = database(config).await?;
    let store = Settings::default();
    match action {
        SettingsAction::List => {
            for setting in settings::ALL {
                let value = settings::display(&store.value(&db, setting).await?);
                println!("{:<22} {value:?}\n{:<22} {}", setting.key, "", setting.help);
            }
        }
        SettingsAction::Get { key } => {
            let setting = settings::find(&key).ok_or_else(|| format!("unknown setting {key:?}"))?;
            println!("{}", settings::display(&store.value(&db, setting).await?));
        }
        SettingsAction::Set { key, value } => {
            let bus = Bus::from_config(config)?;
            bus.ready().await;
            store.set(&db, &bus, &key, &value).await?;
            println!(
                "{key} = {}",
                settings::display(
                    &store
                        .value(&db, settings::find(&key).expect("set checked it"))
                        .await?
                )
            );
        }
    }
    Ok(())
}
