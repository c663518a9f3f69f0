//! The `inloop` command: parses the command line and runs the chosen subcommand.

use std::process::ExitCode;

use clap::Parser;

#[rocket::main]
async fn main() -> ExitCode {
    let cli = inloop::cli::Cli::parse();
    inloop::cli::init_logging();
    cli.run().await
}
