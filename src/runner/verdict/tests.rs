use std::time::Duration;

use super::*;

fn outcome(exit_code: i64) -> CheckOutcome {
    CheckOutcome {
        exit_code,
        stdout: String::new(),
        stderr: String::new(),
        stdout_truncated: false,
        stderr_truncated: false,
        timed_out: false,
        oom_killed: false,
        output_limit_hit: false,
        duration: Duration::from_secs(1),
        files: Vec::new(),
        usage: crate::runner::sandbox::Usage::default(),
    }
}

fn file(name: &str, text: &str) -> CollectedFile {
    CollectedFile {
        name: name.to_owned(),
        bytes: text.as_bytes().to_vec(),
        truncated: false,
    }
}

const ONE_FAILURE: &str = r#"<testsuite name="AdderTest" tests="1">
  <testcase name="adds" classname="AdderTest"><failure message="expected:&lt;5&gt;" type="java.lang.AssertionError"/></testcase>
</testsuite>"#;

const NO_TESTS: &str = r#"<testsuite name="AdderTest" tests="0"/>"#;

#[test]
fn limits_come_before_exit_codes_in_a_fixed_order() {
    let mut killed = outcome(137);
    killed.timed_out = true;
    killed.oom_killed = true;
    killed.output_limit_hit = true;
    assert_eq!(verdict(&killed, &[]), Verdict::TimeLimit);
    killed.timed_out = false;
    assert_eq!(verdict(&killed, &[]), Verdict::MemoryLimit);
    killed.oom_killed = false;
    assert_eq!(verdict(&killed, &[]), Verdict::OutputLimit);
}

#[test]
fn exit_code_zero_passes_even_without_reports() {
    assert_eq!(verdict(&outcome(0), &[]), Verdict::Passed);
}

#[test]
fn a_failure_before_any_test_is_a_compile_error() {
    let (empty, _) = reports(&[file("TEST-AdderTest.xml", NO_TESTS)]);
    assert_eq!(verdict(&outcome(1), &[]), Verdict::CompileError);
    assert_eq!(verdict(&outcome(1), &empty), Verdict::CompileError);
}

#[test]
fn a_failure_after_tests_ran_is_failed() {
    let (suites, notes) = reports(&[file("TEST-AdderTest.xml", ONE_FAILURE)]);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(verdict(&outcome(1), &suites), Verdict::Failed);
}

#[test]
fn only_test_reports_are_read() {
    let files = [
        file("TEST-AdderTest.xml", ONE_FAILURE),
        file("results.xml", "not a report"),
        file("TEST-notes.txt", "not a report either"),
    ];
    let (suites, notes) = reports(&files);
    assert_eq!(suites.len(), 1);
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn unreadable_and_cut_reports_become_notes() {
    let mut cut = file("TEST-Cut.xml", "<testsuite name=\"Cut\" tests=\"1\">");
    cut.truncated = true;
    let files = [
        file("TEST-Broken.xml", "<testsuite"),
        cut,
        file("TEST-AdderTest.xml", ONE_FAILURE),
    ];
    let (suites, notes) = reports(&files);
    assert_eq!(suites.len(), 1);
    assert_eq!(notes.len(), 2);
    assert!(
        notes[0].starts_with("TEST-Broken.xml: report unreadable: "),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with("TEST-Cut.xml: report unreadable: cut off after 32 bytes"),
        "{notes:?}"
    );
}

#[test]
fn stored_names_round_trip() {
    for verdict in Verdict::ALL {
        assert_eq!(verdict.as_str().parse(), Ok(verdict));
        assert!(!verdict.explanation().is_empty());
    }
    assert_eq!(
        "timeout".parse::<Verdict>(),
        Err(UnknownVerdict("timeout".to_owned()))
    );
    let names: Vec<_> = Verdict::ALL
        .iter()
        .map(|verdict| verdict.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "passed",
            "failed",
            "compile_error",
            "time_limit",
            "memory_limit",
            "output_limit",
            "infrastructure_error"
        ]
    );
}
