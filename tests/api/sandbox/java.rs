//! A Java checker in the shape of INLOOP's public example: passed, failed, compile error.

use inloop::runner::junit::Outcome;
use inloop::runner::verdict::{self, Verdict};

use super::support::{Sandbox, input, java_image};

const RIGHT: &str = "public class Calculator {\n    public static int add(int a, int b) {\n        return a + b;\n    }\n}\n";
const WRONG: &str = "public class Calculator {\n    public static int add(int a, int b) {\n        return a - b;\n    }\n}\n";
const BROKEN: &str = "public class Calculator {\n    public static int add(int a, int b) {\n        return a + ;\n    }\n}\n";

async fn check(solution: &str) -> inloop::runner::sandbox::CheckOutcome {
    let sandbox = Sandbox::new().await;
    let input = input(&[("Calculator.java", solution.as_bytes())]);
    let request = sandbox.request(&java_image().await, "calculator", &input);
    sandbox.run(&request).await
}

#[tokio::test]
async fn a_right_solution_passes_with_its_report_collected() {
    let outcome = check(RIGHT).await;

    assert_eq!(
        outcome.exit_code, 0,
        "{}\n{}",
        outcome.stdout, outcome.stderr
    );
    assert!(
        outcome.stdout.contains("BUILD SUCCESSFUL"),
        "{}",
        outcome.stdout
    );
    let names: Vec<_> = outcome
        .files
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    assert_eq!(names, ["TEST-CalculatorTest.xml"]);
    let (suites, notes) = verdict::reports(&outcome.files);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!((suites.len(), suites[0].tests, suites[0].passed), (1, 2, 2));
    assert_eq!(verdict::verdict(&outcome, &suites), Verdict::Passed);
}

#[tokio::test]
async fn a_wrong_solution_fails_with_the_tests_message() {
    let outcome = check(WRONG).await;

    assert_eq!(
        outcome.exit_code, 1,
        "{}\n{}",
        outcome.stdout, outcome.stderr
    );
    let (suites, notes) = verdict::reports(&outcome.files);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(verdict::verdict(&outcome, &suites), Verdict::Failed);
    let messages: Vec<_> = suites[0]
        .cases
        .iter()
        .filter_map(|case| match &case.outcome {
            Outcome::Failed { message, .. } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        messages.contains(&"2 + 3 expected:<5> but was:<-1>"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn a_solution_that_does_not_compile_is_a_compile_error() {
    let outcome = check(BROKEN).await;

    assert_ne!(outcome.exit_code, 0);
    assert!(
        outcome.stdout.contains("Calculator.java:3: error:"),
        "{}",
        outcome.stdout
    );
    assert!(outcome.files.is_empty());
    let (suites, _) = verdict::reports(&outcome.files);
    assert_eq!(verdict::verdict(&outcome, &suites), Verdict::CompileError);
}
