//! The `inloop` command: parses the command line and runs the chosen subcommand.

use std::process::ExitCode;

use clap::Parser;

/// The static build links musl, whose allocator takes one lock for every thread; mimalloc keeps
/// per-thread heaps like glibc's malloc does.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[rocket::main]
async fn main() -> ExitCode {
    let cli = inloop::cli::Cli::parse();
    inloop::cli::init_logging();
    // Uploads and checks put their files under TMPDIR, which may name a folder on a fresh volume
    // (as in the production image).
    let temp = std::env::temp_dir();
    if let Err(error) = std::fs::create_dir_all(&temp) {
        tracing::warn!(%error, "cannot create the temp folder {}", temp.display());
    }
    cli.run().await
}
