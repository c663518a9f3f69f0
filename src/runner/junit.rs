//! Reading the `JUnit` XML reports (`TEST-*.xml`) a checker leaves in its storage folder.

mod trace;
mod xml;

use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use regex::Regex;
use serde::{Deserialize, Serialize};

pub use trace::{INTERNAL_FRAME_PREFIXES, filter_trace};
use xml::{Attributes, name, next, next_child, read_text, skip, unreadable};

/// `&#0;`, `&#x00;` and the like.
static NUL_REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("&#(0+|[xX]0+);").expect("a valid pattern"));

/// One `<testsuite>`: usually one test class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestSuite {
    /// The suite's name, usually the test class's fully qualified name.
    pub name: String,
    /// Number of test cases.
    pub tests: u32,
    /// Cases that passed.
    pub passed: u32,
    /// Cases whose assertions failed.
    pub failures: u32,
    /// Cases that threw an unexpected exception.
    pub errors: u32,
    /// Cases that were skipped or ignored.
    pub skipped: u32,
    /// Wall time of the whole suite.
    pub time_secs: f64,
    /// What the tests printed to standard output.
    pub system_out: String,
    /// What the tests printed to standard error.
    pub system_err: String,
    /// The cases in report order; may be empty when the report only has counts.
    pub cases: Vec<TestCase>,
}

/// Tests run and tests passed over `suites`: what a solution shows as `tests_total` and
/// `tests_passed`.
#[must_use]
pub fn test_counts(suites: &[TestSuite]) -> (i64, i64) {
    let total: u32 = suites.iter().map(|suite| suite.tests).sum();
    let passed: u32 = suites.iter().map(|suite| suite.passed).sum();
    (i64::from(total), i64::from(passed))
}

/// One `<testcase>`: a test method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    /// The test method's name.
    pub name: String,
    /// The test class's fully qualified name.
    pub class_name: String,
    /// Wall time of this case.
    pub time_secs: f64,
    /// How it ended.
    pub outcome: Outcome,
}

/// How a test case ended. Traces have JDK and test-runner frames collapsed ([`filter_trace`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The test passed.
    Passed,
    /// An assertion failed (`<failure>`).
    Failed {
        /// The exception class, e.g. `java.lang.AssertionError`.
        kind: String,
        /// The exception message, e.g. `expected:<3> but was:<4>`.
        message: String,
        /// The filtered stack trace.
        trace: String,
    },
    /// The test threw an unexpected exception (`<error>`).
    Error {
        /// The exception class, e.g. `java.lang.NullPointerException`.
        kind: String,
        /// The exception message, possibly empty.
        message: String,
        /// The filtered stack trace.
        trace: String,
    },
    /// The test was skipped or ignored (`<skipped>`).
    Skipped {
        /// Why, possibly empty.
        message: String,
    },
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The report is bigger than the caller allows.
    #[error("the report has {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// The report's size in bytes.
        size: usize,
        /// The caller's limit in bytes.
        limit: usize,
    },
    /// The report is not a `JUnit` XML report we accept.
    #[error("unreadable report: {0}")]
    Unreadable(String),
}

/// Reads one `JUnit` XML report with a `<testsuite>` or `<testsuites>` root.
///
/// Reports over `max_bytes` are refused unread. The XML is read as a stream and must not
/// declare a DOCTYPE, so no entity beyond the five predefined ones and numeric character
/// references can exist: billion-laughs and external-entity (XXE) files are refused at once.
/// Bytes that are not UTF-8 are replaced with U+FFFD rather than failing the whole report,
/// since student programs decide what ends up in `<system-out>`. Counts are taken from the
/// cases when there are any, and from the suite's attributes otherwise.
pub fn parse(report: &[u8], max_bytes: usize) -> Result<Vec<TestSuite>, ReportError> {
    if report.len() > max_bytes {
        return Err(ReportError::TooLarge {
            size: report.len(),
            limit: max_bytes,
        });
    }
    // NUL too, also as a character reference: XML 1.0 allows it nowhere, PostgreSQL refuses it
    // in text, and a student's program can print it into a message or `<system-out>`.
    let text = crate::runner::text::from_bytes(report);
    let text = NUL_REFERENCE.replace_all(&text, "\u{fffd}");
    let mut reader = Reader::from_str(text.trim_start_matches('\u{feff}'));
    let mut suites = Vec::new();
    let mut seen_root = false;
    loop {
        let event = next(&mut reader)?;
        let root = match &event {
            Event::Start(element) | Event::Empty(element) => element,
            Event::Eof if seen_root => return Ok(suites),
            Event::Eof => return Err(unreadable("no <testsuite> or <testsuites> element")),
            Event::Text(text) if text.trim_ascii().is_empty() => continue,
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                return Err(unreadable("text outside the root element"));
            }
            _ => continue,
        };
        let has_content = matches!(event, Event::Start(_));
        match (seen_root, name(root)) {
            (true, _) => return Err(unreadable("more than one root element")),
            (false, "testsuite") => suites.push(read_suite(&mut reader, root, has_content)?),
            (false, "testsuites") if has_content => read_suites(&mut reader, &mut suites)?,
            (false, "testsuites") => {}
            (false, other) => {
                return Err(unreadable(&format!(
                    "the root element is <{other}>, expected <testsuite> or <testsuites>"
                )));
            }
        }
        seen_root = true;
    }
}

fn read_suites(reader: &mut Reader<&[u8]>, suites: &mut Vec<TestSuite>) -> Result<(), ReportError> {
    while let Some((element, has_content)) = next_child(reader, "testsuites")? {
        if name(&element) == "testsuite" {
            suites.push(read_suite(reader, &element, has_content)?);
        } else if has_content {
            skip(reader, &element)?;
        }
    }
    Ok(())
}

fn read_suite(
    reader: &mut Reader<&[u8]>,
    start: &BytesStart,
    has_content: bool,
) -> Result<TestSuite, ReportError> {
    let attributes = Attributes::of(start)?;
    let mut suite = TestSuite {
        name: attributes.text("name"),
        tests: attributes.count("tests"),
        passed: 0,
        failures: attributes.count("failures"),
        errors: attributes.count("errors"),
        skipped: attributes.count("skipped"),
        time_secs: attributes.seconds("time"),
        system_out: String::new(),
        system_err: String::new(),
        cases: Vec::new(),
    };
    while has_content && let Some((element, has_content)) = next_child(reader, "testsuite")? {
        match (name(&element), has_content) {
            ("testcase", _) => suite.cases.push(read_case(reader, &element, has_content)?),
            ("system-out", true) => suite.system_out.push_str(&read_text(reader, &element)?),
            ("system-err", true) => suite.system_err.push_str(&read_text(reader, &element)?),
            (_, true) => skip(reader, &element)?,
            (_, false) => {}
        }
    }
    let count = |wanted: fn(&Outcome) -> bool| {
        let matching = suite
            .cases
            .iter()
            .filter(|case| wanted(&case.outcome))
            .count();
        u32::try_from(matching).unwrap_or(u32::MAX)
    };
    if suite.cases.is_empty() {
        let unsuccessful = suite.failures.saturating_add(suite.errors);
        suite.passed = suite
            .tests
            .saturating_sub(unsuccessful.saturating_add(suite.skipped));
    } else {
        suite.tests = u32::try_from(suite.cases.len()).unwrap_or(u32::MAX);
        suite.passed = count(|outcome| matches!(outcome, Outcome::Passed));
        suite.failures = count(|outcome| matches!(outcome, Outcome::Failed { .. }));
        suite.errors = count(|outcome| matches!(outcome, Outcome::Error { .. }));
        suite.skipped = count(|outcome| matches!(outcome, Outcome::Skipped { .. }));
    }
    Ok(suite)
}

fn read_case(
    reader: &mut Reader<&[u8]>,
    start: &BytesStart,
    has_content: bool,
) -> Result<TestCase, ReportError> {
    let attributes = Attributes::of(start)?;
    let mut outcome = Outcome::Passed;
    while has_content && let Some((element, has_content)) = next_child(reader, "testcase")? {
        let details = Attributes::of(&element)?;
        let text = if has_content {
            read_text(reader, &element)?
        } else {
            String::new()
        };
        if outcome != Outcome::Passed {
            continue;
        }
        outcome = match name(&element) {
            "failure" => {
                let (kind, message) = exception(&details, &text);
                Outcome::Failed {
                    kind,
                    message,
                    trace: filter_trace(&text),
                }
            }
            "error" => {
                let (kind, message) = exception(&details, &text);
                Outcome::Error {
                    kind,
                    message,
                    trace: filter_trace(&text),
                }
            }
            "skipped" => Outcome::Skipped {
                message: Some(details.text("message"))
                    .filter(|message| !message.is_empty())
                    .unwrap_or_else(|| text.trim().to_owned()),
            },
            _ => Outcome::Passed,
        };
    }
    Ok(TestCase {
        name: attributes.text("name"),
        class_name: attributes.text("classname"),
        time_secs: attributes.seconds("time"),
        outcome,
    })
}

/// The exception class and message, from the attributes or else the trace's first line.
fn exception(details: &Attributes, trace: &str) -> (String, String) {
    let first_line = trace.trim_start().lines().next().unwrap_or_default();
    let (line_kind, line_message) = first_line.split_once(':').unwrap_or((first_line, ""));
    let or_from_line = |value: String, fallback: &str| {
        if value.is_empty() {
            fallback.trim().to_owned()
        } else {
            value
        }
    };
    (
        or_from_line(details.text("type"), line_kind),
        or_from_line(details.text("message"), line_message),
    )
}

#[cfg(test)]
mod tests;
