//! The command line: `serve` (the default) and the operators' subcommands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::db::DbPool;

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
}

/// Logs to stderr; `RUST_LOG` overrides the default filter.
pub fn init_logging() {
    let default = "info,rocket=error,_=error,sqlx=warn,hyper=warn,bollard=warn,fred=warn";
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
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
        let outcome = match self.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config, &figment).await,
            Command::Migrate => migrate(&config).await,
            Command::CheckConfig => check_config(&config).await,
        };
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("inloop: {error}");
                ExitCode::FAILURE
            }
        }
    }
}

type CommandResult = Result<(), Box<dyn std::error::Error>>;

async fn serve(config: Config, figment: &rocket::figment::Figment) -> CommandResult {
    crate::app::rocket(config, figment)
        .launch()
        .await
        .map_err(|error| {
            // Rocket's error has already been logged with its details; name the kind once more.
            format!("the server stopped: {}", error.kind())
        })?;
    Ok(())
}

async fn migrate(config: &Config) -> CommandResult {
    let pool = DbPool::connect(config.database_url(), 1).await?;
    pool.migrate().await?;
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
