//! `inloop export-grades <category> <start-date> <file>`: the points as on `/admin/grades/`.

use std::path::PathBuf;

use jiff::tz::TimeZone;

use super::{Export, grade_rows, points_csv, results_matrix};
use crate::db::{DbPool, Timestamp};
use crate::settings::{DEADLINE_GRACE_SECONDS, GRADE_MAX_POINTS, Settings};

/// What the command line asks for.
#[derive(Debug)]
pub struct ExportSpec {
    /// The category's name or slug.
    pub category: String,
    /// The first day that counts, `YYYY-MM-DD` in the configured time zone.
    pub start: String,
    /// Where the points go (`-`: standard output).
    pub file: PathBuf,
    /// The cap (default: the runtime setting `grade_max_points`).
    pub max_points: Option<i64>,
    pub header: bool,
    pub include_zero: bool,
    /// Where the results matrix goes, if anywhere.
    pub matrix: Option<PathBuf>,
}

/// Writes the points (and the matrix) and says how many rows.
pub async fn export_grades(
    db: &DbPool,
    zone: &TimeZone,
    spec: ExportSpec,
) -> Result<(), Box<dyn std::error::Error>> {
    let (category_id, name) = super::category(db, &spec.category)
        .await?
        .ok_or_else(|| format!("there is no category {:?}", spec.category))?;
    let start = crate::time_zone::day_start(&spec.start, zone)
        .ok_or_else(|| format!("{:?} is not a date like 2026-10-01", spec.start))?;
    let settings = Settings::default();
    let max_points = match spec.max_points {
        Some(points) if points < 0 => return Err("--max-points must not be negative".into()),
        Some(points) => points,
        None => settings.int(db, &GRADE_MAX_POINTS).await?,
    };
    let export = Export {
        category_id,
        start: Timestamp::from_millis(start),
        max_points,
        grace_seconds: settings.int(db, &DEADLINE_GRACE_SECONDS).await?,
        include_zero: spec.include_zero,
    };
    let rows = grade_rows(db, export).await?;
    write(&spec.file, &points_csv(&rows, spec.header))?;
    eprintln!(
        "{} student(s) of {name:?} (at most {max_points} points) written to {}",
        rows.len(),
        spec.file.display()
    );
    if let Some(file) = spec.matrix {
        let matrix = results_matrix(db, category_id, export.start).await?;
        write(&file, &matrix.to_csv(zone))?;
        eprintln!(
            "the results matrix of {} student(s) × {} task(s) written to {}",
            matrix.students.len(),
            matrix.tasks.len(),
            file.display()
        );
    }
    Ok(())
}

fn write(file: &PathBuf, body: &[u8]) -> std::io::Result<()> {
    if file.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(body)
    } else {
        std::fs::write(file, body)
    }
}
