//! PostgreSQL's side: `pg_dump` and `pg_restore` (PostgreSQL's client programs, at least the
//! server's version), given the password through `PGPASSWORD`, never on their command line.

use std::path::Path;

use super::{BackupError, refused};
use crate::db::DbPool;

/// The database's file name in a backup: `pg_dump`'s custom format.
pub const FILE: &str = "database.pgdump";

/// Dumps the database into `file`: one snapshot, so it is consistent while the server runs.
/// Owners and privileges are left out, so the dump restores into a database of another role.
pub async fn dump(url: &str, file: &Path) -> Result<(), BackupError> {
    let (target, password) = without_password(url)?;
    let mut command = tokio::process::Command::new("pg_dump");
    command
        .args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
        .arg(file)
        .args(["--dbname", &target]);
    run(command, "pg_dump", password).await
}

/// Restores the dump `file` into the (empty) database, all or nothing.
pub async fn restore(url: &str, file: &Path) -> Result<(), BackupError> {
    let (target, password) = without_password(url)?;
    let mut command = tokio::process::Command::new("pg_restore");
    command
        .args([
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            &target,
        ])
        .arg(file);
    run(command, "pg_restore", password).await
}

/// Drops every table of the database's schema (`restore --force`), with what depends on them.
pub async fn clear(db: &DbPool) -> Result<(), BackupError> {
    let DbPool::Postgres(pool) = db else {
        unreachable!("only PostgreSQL databases are cleared table by table");
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()",
    )
    .fetch_all(pool)
    .await?;
    if !tables.is_empty() {
        sqlx::query(&format!("DROP TABLE {} CASCADE", tables.join(", ")))
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// The URL without its password, and the password (percent-decoded) for `PGPASSWORD`.
fn without_password(url: &str) -> Result<(String, Option<String>), BackupError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|error| refused(format!("DATABASE_URL is not a URL: {error}")))?;
    let password = parsed.password().map(|encoded| {
        percent_encoding::percent_decode_str(encoded)
            .decode_utf8_lossy()
            .into_owned()
    });
    parsed
        .set_password(None)
        .map_err(|()| refused("DATABASE_URL has no host"))?;
    Ok((parsed.to_string(), password))
}

async fn run(
    mut command: tokio::process::Command,
    program: &str,
    password: Option<String>,
) -> Result<(), BackupError> {
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            refused(format!(
                "{program} is not installed: install PostgreSQL's client programs (Debian: \
                 postgresql-client) in the server's major version or newer"
            ))
        } else {
            refused(format!("cannot run {program}: {error}"))
        }
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(refused(format!(
        "{program} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_pgpassword() {
        let (url, password) = without_password(
            "postgres://inloop:p%40ss%3Aw0rd@db.example:5433/inloop?sslmode=require",
        )
        .unwrap();
        assert_eq!(
            url,
            "postgres://inloop@db.example:5433/inloop?sslmode=require"
        );
        assert_eq!(password.as_deref(), Some("p@ss:w0rd"));
        let (url, password) = without_password("postgresql://db.example/inloop").unwrap();
        assert_eq!(
            (url.as_str(), password),
            ("postgresql://db.example/inloop", None)
        );
    }

    #[tokio::test]
    async fn a_missing_client_program_is_named() {
        let missing = "pg_dump-not-installed";
        let error = run(tokio::process::Command::new(missing), missing, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("pg_dump-not-installed is not installed"),
            "{error}"
        );
        assert!(error.contains("postgresql-client"), "{error}");
    }
}
