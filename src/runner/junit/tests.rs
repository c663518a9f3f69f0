use super::*;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const LIMIT: usize = 1 << 20;

// What Ant's XMLJUnitResultFormatter writes for a JUnit 4 test class (trimmed properties).
const ANT_REPORT: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<testsuite errors="1" failures="1" hostname="localhost" name="FibonacciTest" skipped="1" tests="4" time="0.042" timestamp="2018-03-08T10:00:00">
  <properties>
    <property name="java.version" value="1.8.0_151" />
    <property name="ant.project.name" value="tasks" />
  </properties>
  <testcase classname="FibonacciTest" name="testBaseCases" time="0.002" />
  <testcase classname="FibonacciTest" name="testRecursion" time="0.011">
    <failure message="fib(5) expected:&lt;5&gt; but was:&lt;8&gt;" type="java.lang.AssertionError">java.lang.AssertionError: fib(5) expected:&lt;5&gt; but was:&lt;8&gt;
	at org.junit.Assert.fail(Assert.java:88)
	at org.junit.Assert.failNotEquals(Assert.java:834)
	at org.junit.Assert.assertEquals(Assert.java:645)
	at FibonacciTest.testRecursion(FibonacciTest.java:17)
	at sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at sun.reflect.NativeMethodAccessorImpl.invoke(NativeMethodAccessorImpl.java:62)
	at sun.reflect.DelegatingMethodAccessorImpl.invoke(DelegatingMethodAccessorImpl.java:43)
	at java.lang.reflect.Method.invoke(Method.java:498)
	at org.junit.runners.model.FrameworkMethod$1.runReflectiveCall(FrameworkMethod.java:50)
	at org.junit.internal.runners.model.ReflectiveCallable.run(ReflectiveCallable.java:12)
	at org.junit.runners.ParentRunner.run(ParentRunner.java:363)
	at junit.framework.JUnit4TestAdapter.run(JUnit4TestAdapter.java:38)
	at org.apache.tools.ant.taskdefs.optional.junit.JUnitTestRunner.run(JUnitTestRunner.java:535)
	at org.apache.tools.ant.taskdefs.optional.junit.JUnitTestRunner.launch(JUnitTestRunner.java:1182)
	at org.apache.tools.ant.taskdefs.optional.junit.JUnitTestRunner.main(JUnitTestRunner.java:1033)
</failure>
  </testcase>
  <testcase classname="FibonacciTest" name="testNegative" time="0.001">
    <error message="Index 5 out of bounds for length 5" type="java.lang.ArrayIndexOutOfBoundsException">java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 5
	at Fibonacci.fib(Fibonacci.java:9)
	at Fibonacci.fib(Fibonacci.java:11)
	at FibonacciTest.testNegative(FibonacciTest.java:23)
	at java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
	at java.base/java.lang.reflect.Method.invoke(Method.java:566)
	at org.junit.runners.ParentRunner.run(ParentRunner.java:363)
</error>
  </testcase>
  <testcase classname="FibonacciTest" name="testHuge" time="0.0">
    <skipped />
  </testcase>
  <system-out><![CDATA[Computing fib(5)...
<debug> & done ]]]]><![CDATA[>
]]></system-out>
  <system-err><![CDATA[]]></system-err>
</testsuite>
"#;

fn unreadable_reason(report: &[u8]) -> String {
    match parse(report, LIMIT) {
        Err(ReportError::Unreadable(reason)) => reason,
        other => panic!("expected Unreadable, got {other:?}"),
    }
}

#[test]
fn reads_an_ant_junit4_report() {
    let suites = parse(ANT_REPORT.as_bytes(), LIMIT).unwrap();
    assert_eq!(suites.len(), 1);
    let suite = &suites[0];
    assert_eq!(suite.name, "FibonacciTest");
    assert_eq!(
        (
            suite.tests,
            suite.passed,
            suite.failures,
            suite.errors,
            suite.skipped
        ),
        (4, 1, 1, 1, 1)
    );
    assert!((suite.time_secs - 0.042).abs() < 1e-9);
    assert_eq!(
        suite.system_out,
        "Computing fib(5)...\n<debug> & done ]]>\n"
    );
    assert_eq!(suite.system_err, "");
    let names: Vec<_> = suite.cases.iter().map(|case| case.name.as_str()).collect();
    assert_eq!(
        names,
        ["testBaseCases", "testRecursion", "testNegative", "testHuge"]
    );
    assert_eq!(suite.cases[0].outcome, Outcome::Passed);
    assert_eq!(suite.cases[0].class_name, "FibonacciTest");
    assert!((suite.cases[1].time_secs - 0.011).abs() < 1e-9);
    assert_eq!(
        suite.cases[3].outcome,
        Outcome::Skipped {
            message: String::new()
        }
    );
}

#[test]
fn failure_keeps_the_exception_and_the_students_frames() {
    let suites = parse(ANT_REPORT.as_bytes(), LIMIT).unwrap();
    assert_eq!(
        suites[0].cases[1].outcome,
        Outcome::Failed {
            kind: "java.lang.AssertionError".to_owned(),
            message: "fib(5) expected:<5> but was:<8>".to_owned(),
            trace: "java.lang.AssertionError: fib(5) expected:<5> but was:<8>\n\
                    \t... 3 internal frames\n\
                    \tat FibonacciTest.testRecursion(FibonacciTest.java:17)\n\
                    \t... 11 internal frames"
                .to_owned(),
        }
    );
}

#[test]
fn error_drops_java9_module_frames() {
    let suites = parse(ANT_REPORT.as_bytes(), LIMIT).unwrap();
    let Outcome::Error {
        kind,
        message,
        trace,
    } = &suites[0].cases[2].outcome
    else {
        panic!("expected an error, got {:?}", suites[0].cases[2].outcome);
    };
    assert_eq!(kind, "java.lang.ArrayIndexOutOfBoundsException");
    assert_eq!(message, "Index 5 out of bounds for length 5");
    assert_eq!(
        trace,
        "java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 5\n\
         \tat Fibonacci.fib(Fibonacci.java:9)\n\
         \tat Fibonacci.fib(Fibonacci.java:11)\n\
         \tat FibonacciTest.testNegative(FibonacciTest.java:23)\n\
         \t... 3 internal frames"
    );
}

#[test]
fn counts_come_from_cases_not_attributes() {
    let report = r#"<testsuite name="S" tests="10" failures="7" errors="0" skipped="0">
        <testcase name="a"/><testcase name="b"><failure message="m" type="T"/></testcase>
    </testsuite>"#;
    let suite = &parse(report.as_bytes(), LIMIT).unwrap()[0];
    assert_eq!((suite.tests, suite.passed, suite.failures), (2, 1, 1));
}

#[test]
fn counts_fall_back_to_attributes_without_cases() {
    let report =
        r#"<testsuite name="S" tests="5" failures="1" errors="1" skipped="1" time="1,234.5"/>"#;
    let suite = &parse(report.as_bytes(), LIMIT).unwrap()[0];
    assert_eq!(
        (
            suite.tests,
            suite.passed,
            suite.failures,
            suite.errors,
            suite.skipped
        ),
        (5, 2, 1, 1, 1)
    );
    assert!((suite.time_secs - 1234.5).abs() < 1e-9);
    let nonsense = r#"<testsuite tests="x" failures="-1" time="NaN"/>"#;
    let suite = &parse(nonsense.as_bytes(), LIMIT).unwrap()[0];
    assert_eq!((suite.tests, suite.failures, suite.time_secs), (0, 0, 0.0));
}

#[test]
fn testsuites_root_holds_several_suites() {
    let report = r#"<?xml version="1.0"?>
    <!-- written by some build tool -->
    <testsuites name="all">
      <testsuite name="A"><testcase name="a1" classname="A"/></testsuite>
      <other><testsuite name="ignored"/></other>
      <testsuite name="B"><testcase name="b1" classname="B"><skipped message="@Ignore: slow"/></testcase></testsuite>
    </testsuites>"#;
    let suites = parse(report.as_bytes(), LIMIT).unwrap();
    let names: Vec<_> = suites.iter().map(|suite| suite.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(
        suites[1].cases[0].outcome,
        Outcome::Skipped {
            message: "@Ignore: slow".to_owned()
        }
    );
    assert!(parse(b"<testsuites/>", LIMIT).unwrap().is_empty());
}

#[test]
fn missing_type_and_message_are_taken_from_the_trace() {
    let report = "<testsuite><testcase name=\"t\"><error>java.lang.NullPointerException\n\
                  \tat Foo.bar(Foo.java:3)</error></testcase>\
                  <testcase name=\"u\"><failure>AssertionFailedError: too small</failure></testcase></testsuite>";
    let cases = &parse(report.as_bytes(), LIMIT).unwrap()[0].cases;
    assert!(matches!(&cases[0].outcome,
        Outcome::Error { kind, message, .. } if kind == "java.lang.NullPointerException" && message.is_empty()));
    assert!(matches!(&cases[1].outcome,
        Outcome::Failed { kind, message, .. } if kind == "AssertionFailedError" && message == "too small"));
}

#[test]
fn character_references_and_predefined_entities_are_resolved() {
    let report = r#"<testsuite name="&#x41;&amp;B"><testcase name="t"><failure message="line1&#10;line2" type="T">a &lt;&#65;&gt; &quot;&apos;</failure></testcase></testsuite>"#;
    let suite = &parse(report.as_bytes(), LIMIT).unwrap()[0];
    assert_eq!(suite.name, "A&B");
    let Outcome::Failed { message, trace, .. } = &suite.cases[0].outcome else {
        panic!()
    };
    assert_eq!(message, "line1\nline2");
    assert_eq!(trace, "a <A> \"'");
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let mut report =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let previous = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        let refs = format!("&{previous};").repeat(10);
        let _ = writeln!(report, "<!ENTITY lol{level} \"{refs}\">");
    }
    report.push_str("]>\n<testsuite name=\"&lol9;\">&lol9;</testsuite>\n");
    let started = Instant::now();
    let reason = unreadable_reason(report.as_bytes());
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(reason.contains("DOCTYPE"), "{reason}");
}

#[test]
fn external_entities_are_refused() {
    let with_dtd = r#"<?xml version="1.0"?><!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuite name="x"><system-out>&xxe;</system-out></testsuite>"#;
    assert!(unreadable_reason(with_dtd.as_bytes()).contains("DOCTYPE"));
    let in_text = "<testsuite><system-out>&xxe;</system-out></testsuite>";
    assert_eq!(
        unreadable_reason(in_text.as_bytes()),
        "undefined entity &xxe;"
    );
    let in_attribute = r#"<testsuite name="&xxe;"/>"#;
    assert!(unreadable_reason(in_attribute.as_bytes()).contains("xxe"));
    let in_skipped_element =
        r#"<testsuite><properties><property value="1">&xxe;</property></properties></testsuite>"#;
    assert!(unreadable_reason(in_skipped_element.as_bytes()).contains("xxe"));
}

#[test]
fn garbage_is_refused() {
    let reason = unreadable_reason(b"\x00\x9f\x92\x96 not xml at all \xff");
    assert_eq!(reason, "text outside the root element");
    assert!(unreadable_reason(b"<testsuite><testcase></testsuite>").starts_with("at byte"));
    assert!(unreadable_reason(b"<testsuite><testcase name=\"t\">").contains("never closed"));
    assert!(unreadable_reason(b"<testsuite name=x/>").starts_with("in <testsuite>: "));
    assert!(unreadable_reason(b"<html><body/></html>").contains("<html>"));
    assert_eq!(
        unreadable_reason(b"<testsuite/><testsuite/>"),
        "more than one root element"
    );
}

#[test]
fn empty_file_is_refused() {
    assert_eq!(
        unreadable_reason(b""),
        "no <testsuite> or <testsuites> element"
    );
    assert!(unreadable_reason(b"  \n<?xml version=\"1.0\"?>\n").starts_with("no <testsuite>"));
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    let report =
        b"\xef\xbb\xbf<testsuite name=\"S\"><system-out>caf\xe9 \xff</system-out></testsuite>";
    let suite = &parse(report, LIMIT).unwrap()[0];
    assert_eq!(suite.system_out, "caf\u{fffd} \u{fffd}");
}

#[test]
fn oversized_reports_are_refused_unread() {
    assert_eq!(
        parse(ANT_REPORT.as_bytes(), 100),
        Err(ReportError::TooLarge {
            size: ANT_REPORT.len(),
            limit: 100
        })
    );
}

#[test]
fn round_trips_through_json() {
    let suites = parse(ANT_REPORT.as_bytes(), LIMIT).unwrap();
    let json = serde_json::to_string(&suites).unwrap();
    assert!(
        json.contains(r#""outcome":{"status":"failed","kind":"java.lang.AssertionError""#),
        "{json}"
    );
    assert!(json.contains(r#""outcome":{"status":"passed"}"#), "{json}");
    let back: Vec<TestSuite> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, suites);
}

#[test]
fn nul_and_invalid_utf8_anywhere_are_replaced_and_the_report_still_counts() {
    let report = b"<testsuite name=\"N\0\xff\" tests=\"1\"><testcase name=\"t\0\" classname=\"C\">\
        <failure message=\"m\0&#0;\" type=\"E\">trace\0\xfe&#0;</failure></testcase>\
        <system-out>out\0&#x0;</system-out></testsuite>";
    let suites = parse(report, LIMIT).unwrap();
    let json = serde_json::to_string(&suites).unwrap();
    assert!(!json.contains("\\u0000"), "{json}");
    assert_eq!(suites[0].name, "N\u{fffd}\u{fffd}");
    assert_eq!(suites[0].failures, 1);
    assert_eq!(suites[0].cases[0].name, "t\u{fffd}");
    assert!(suites[0].system_out.starts_with("out\u{fffd}"));
}
