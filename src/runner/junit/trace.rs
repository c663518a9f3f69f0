//! Trimming Java stack traces down to the lines that concern the student's code.

use std::fmt::Write as _;

/// Drops JDK-internal and test-runner frames from a Java stack trace.
///
/// Exception lines (`java.lang.AssertionError: …`, `Caused by: …`), the student's frames and
/// the JVM's own `... 3 more` lines stay; each run of removed frames becomes one line
/// `\t... N internal frames`. A frame is internal when its class, after any Java 9+
/// `module/` or `loader//` prefix, starts with one of [`INTERNAL_FRAME_PREFIXES`].
#[must_use]
pub fn filter_trace(trace: &str) -> String {
    let mut kept = String::with_capacity(trace.len());
    let mut hidden = 0_usize;
    for line in trace.lines() {
        if is_internal_frame(line) {
            hidden += 1;
        } else {
            flush_hidden(&mut kept, &mut hidden);
            kept.push_str(line.trim_end());
            kept.push('\n');
        }
    }
    flush_hidden(&mut kept, &mut hidden);
    kept.trim_end().to_owned()
}

/// Writes the marker for a run of removed frames, if there was one.
fn flush_hidden(kept: &mut String, hidden: &mut usize) {
    match *hidden {
        0 => return,
        1 => kept.push_str("\t... 1 internal frame\n"),
        n => {
            let _ = writeln!(kept, "\t... {n} internal frames");
        }
    }
    *hidden = 0;
}

/// Package prefixes of frames that say nothing about the student's code.
pub const INTERNAL_FRAME_PREFIXES: [&str; 13] = [
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "org.junit.",
    "junit.",
    "org.apache.tools.ant.",
    "org.hamcrest.",
    "org.opentest4j.",
    "org.apache.maven.surefire.",
    "org.gradle.",
    "worker.org.gradle.",
];

fn is_internal_frame(line: &str) -> bool {
    let Some(frame) = line.trim_start().strip_prefix("at ") else {
        return false;
    };
    let method = frame.split('(').next().unwrap_or(frame);
    let class = method.rsplit('/').next().unwrap_or(method);
    INTERNAL_FRAME_PREFIXES
        .iter()
        .any(|prefix| class.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_trace_keeps_causes_and_jvm_elisions() {
        let trace = "java.lang.RuntimeException: wrapped\n\
                     \tat Shop.buy(Shop.java:10)\n\
                     \tat java.base/java.util.ArrayList.forEach(ArrayList.java:1541)\n\
                     \tat ShopTest.test(ShopTest.java:5)\n\
                     Caused by: java.lang.IllegalStateException: empty\n\
                     \tat Shop.check(Shop.java:20)\n\
                     \t... 5 more\n";
        assert_eq!(
            filter_trace(trace),
            "java.lang.RuntimeException: wrapped\n\
             \tat Shop.buy(Shop.java:10)\n\
             \t... 1 internal frame\n\
             \tat ShopTest.test(ShopTest.java:5)\n\
             Caused by: java.lang.IllegalStateException: empty\n\
             \tat Shop.check(Shop.java:20)\n\
             \t... 5 more"
        );
    }

    #[test]
    fn filter_trace_recognises_runner_and_loader_prefixes() {
        let trace = "E\r\n\tat app//Student.run(Student.java:1)\r\n\
                     \tat app//org.junit.jupiter.api.AssertEquals.failNotEqual(AssertEquals.java:197)\r\n\
                     \tat org.hamcrest.MatcherAssert.assertThat(MatcherAssert.java:20)\r\n\
                     \tat javaexamples.Student.go(Student.java:2)\r\n\
                     \tat worker.org.gradle.process.internal.worker.GradleWorkerMain.main(GradleWorkerMain.java:74)";
        assert_eq!(
            filter_trace(trace),
            "E\n\tat app//Student.run(Student.java:1)\n\t... 2 internal frames\n\
             \tat javaexamples.Student.go(Student.java:2)\n\t... 1 internal frame"
        );
        assert_eq!(filter_trace(""), "");
        assert_eq!(filter_trace("just a message"), "just a message");
    }
}
