//! What leaves the container: collected files, console text, reports.

use std::fmt::Write as _;

use inloop::runner::sandbox::Limits;
use inloop::runner::verdict::{Verdict, reports, verdict};

use super::support::{Sandbox, input, no_input};

#[tokio::test]
async fn only_regular_files_in_storage_are_collected() {
    let sandbox = Sandbox::new().await;
    let script = r"
        cd /checker/output/storage
        echo report > real.txt
        ln -s /etc/passwd passwd
        ln -s real.txt link.txt
        mkdir folder && echo inner > folder/inner.txt
        mkfifo pipe
    ";
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;

    assert_eq!(outcome.exit_code, 0, "{}", outcome.stderr);
    let names: Vec<_> = outcome
        .files
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    // `passwd` points at the host's /etc/passwd once outside the container.
    assert_eq!(names, ["real.txt"]);
    assert_eq!(outcome.files[0].bytes, b"report\n");
}

#[tokio::test]
async fn files_are_collected_by_name_within_the_limits() {
    let sandbox = Sandbox::new().await;
    let script = r#"
        cd /checker/output/storage
        for i in $(seq -w 1 40); do echo "$i" > "file-$i"; done
        head -c 100000 /dev/zero > big.bin
    "#;
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;

    assert_eq!(outcome.files.len(), 32);
    assert_eq!(outcome.files[0].name, "big.bin");
    assert_eq!(outcome.files[0].bytes.len(), 80 * 1024);
    assert!(outcome.files[0].truncated);
    assert_eq!(outcome.files[1].name, "file-01");
    assert_eq!(outcome.files[31].name, "file-31");
    assert!(!outcome.files[31].truncated);
}

#[tokio::test]
async fn invalid_utf8_output_is_replaced() {
    let sandbox = Sandbox::new().await;
    let script = r"printf 'ok \377\376 end\n'; printf '\300 err\n' >&2";
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;

    assert_eq!(outcome.stdout, "ok \u{fffd}\u{fffd} end\n");
    assert_eq!(outcome.stderr, "\u{fffd} err\n");
    assert!(!outcome.stdout_truncated && !outcome.stderr_truncated);
}

/// A billion-laughs report padded to 1 MiB.
fn nested_entities_report() -> Vec<u8> {
    let mut report = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite [\n");
    report.push_str("  <!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let previous = format!("&lol{};", level - 1).repeat(10);
        writeln!(report, "  <!ENTITY lol{level} \"{previous}\">").unwrap();
    }
    report.push_str("]>\n<testsuite name=\"Evil\" tests=\"1\"><system-out>&lol9;</system-out>\n");
    let padding = (1 << 20) - report.len() - "-->\n</testsuite>\n".len() - "<!--".len();
    write!(report, "<!--{}-->\n</testsuite>\n", "x".repeat(padding)).unwrap();
    report.into_bytes()
}

#[tokio::test]
async fn a_report_with_nested_entities_becomes_a_note() {
    let sandbox = Sandbox::new().await;
    let report = nested_entities_report();
    assert_eq!(report.len(), 1 << 20);
    let input = input(&[("report.xml", &report)]);
    let script = "cp /checker/input/report.xml /checker/output/storage/TEST-Evil.xml; exit 1";
    let whole_files = Limits {
        file_bytes: 2 << 20,
        ..Limits::default()
    };

    let outcome = sandbox.run_script(script, &input, whole_files).await;
    let (suites, notes) = reports(&outcome.files);
    assert!(suites.is_empty());
    assert_eq!(
        notes,
        ["TEST-Evil.xml: report unreadable: DOCTYPE declarations are not allowed"]
    );
    assert_eq!(verdict(&outcome, &suites), Verdict::CompileError);

    let outcome = sandbox.run_script(script, &input, Limits::default()).await;
    let (suites, notes) = reports(&outcome.files);
    assert!(suites.is_empty());
    assert_eq!(
        notes,
        ["TEST-Evil.xml: report unreadable: cut off after 81920 bytes (the file size limit)"]
    );
}
