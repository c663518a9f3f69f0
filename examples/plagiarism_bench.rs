//! `just bench-plagiarism`: plagiarism detection over 500 synthetic Java solutions of one task.
//!
//! Generates the solutions deterministically (a seeded PRNG): groups of copies, each copy with
//! renamed identifiers, shuffled methods, other literals and comments and a statement of its own,
//! and many independent solutions built from varied statements. All start from the same
//! template, which is passed as base code. Runs `inloop::plagiarism::compare_all` once and writes
//! the figures into the measured part of `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::time::Instant;

use inloop::plagiarism::{Options, Source, Submission, compare_all};

const PAGE: &str = "docs/benchmarks.md";
const BEGIN: &str = "<!-- written by just bench-plagiarism: begin -->";
const END: &str = "<!-- written by just bench-plagiarism: end -->";
const SOLUTIONS: usize = 500;
const GROUPS: usize = 25;
const COPIES_PER_GROUP: usize = 4;
const METHODS: usize = 9;

/// The template every student starts from.
const TEMPLATE_HEAD: &str = "import java.util.ArrayList;\nimport java.util.List;\nimport java.util.Scanner;\n\npublic class Solution {\n";
const TEMPLATE_MAIN: &str = "    public static void main(String[] args) {\n        Scanner in = new Scanner(System.in);\n        List<Integer> values = new ArrayList<>();\n        while (in.hasNextInt()) {\n            values.add(in.nextInt());\n        }\n        System.out.println(new Solution().solve(values));\n    }\n";

/// A small deterministic PRNG (splitmix64).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("small")
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A solution before it is printed: methods of statements over variable numbers, so that a
/// copy can rename them and change its literals.
#[derive(Clone)]
struct Program {
    methods: Vec<Method>,
}

#[derive(Clone)]
struct Method {
    comment: String,
    lines: Vec<Line>,
}

/// One line of code: its indentation and its parts; `Var(n)` and `Lit(n)` are renamed and
/// changed by copies.
#[derive(Clone)]
struct Line {
    indent: usize,
    parts: Vec<Part>,
}

#[derive(Clone)]
enum Part {
    Text(&'static str),
    Var(usize),
    Lit(u32),
}

fn expression(random: &mut Random, depth: usize, out: &mut Vec<Part>) {
    match if depth == 0 {
        random.below(3)
    } else {
        random.below(9)
    } {
        0 => out.push(Part::Var(random.below(12))),
        1 => out.push(Part::Lit(u32::try_from(random.below(100)).expect("small"))),
        2 => {
            out.extend([
                Part::Var(random.below(12)),
                Part::Text("["),
                Part::Var(random.below(12)),
                Part::Text("]"),
            ]);
        }
        3 | 4 => {
            expression(random, depth - 1, out);
            out.push(Part::Text(
                random.pick(&[" + ", " - ", " * ", " / ", " % "]),
            ));
            expression(random, depth - 1, out);
        }
        5 => {
            out.push(Part::Text(random.pick(&[
                "Math.max(",
                "Math.min(",
                "Math.abs(",
                "helper(",
            ])));
            expression(random, depth - 1, out);
            if random.below(2) == 0 {
                out.push(Part::Text(", "));
                expression(random, depth - 1, out);
            }
            out.push(Part::Text(")"));
        }
        6 => {
            out.push(Part::Text("("));
            expression(random, depth - 1, out);
            out.push(Part::Text(")"));
        }
        7 => {
            out.extend([
                Part::Var(random.below(12)),
                Part::Text(random.pick(&[".size()", ".length", ".get(0)"])),
            ]);
        }
        _ => {
            out.push(Part::Text(random.pick(&["-", "!", "~"])));
            out.push(Part::Var(random.below(12)));
        }
    }
}

fn statement(random: &mut Random, indent: usize, lines: &mut Vec<Line>) {
    let mut parts = Vec::new();
    let var = Part::Var(random.below(12));
    let opens_block = match random.below(10) {
        0 | 1 => {
            parts.extend([
                Part::Text(random.pick(&["int ", "long ", "double "])),
                var,
                Part::Text(" = "),
            ]);
            expression(random, 3, &mut parts);
            parts.push(Part::Text(";"));
            false
        }
        2 | 3 => {
            parts.extend([
                var,
                Part::Text(random.pick(&[" = ", " += ", " -= ", " *= "])),
            ]);
            expression(random, 3, &mut parts);
            parts.push(Part::Text(";"));
            false
        }
        4 => {
            parts.push(Part::Text("if ("));
            expression(random, 2, &mut parts);
            parts.push(Part::Text(
                random.pick(&[" < ", " > ", " == ", " != ", " >= "]),
            ));
            expression(random, 2, &mut parts);
            parts.push(Part::Text(") {"));
            true
        }
        5 => {
            parts.extend([
                Part::Text("for (int "),
                var.clone(),
                Part::Text(" = "),
                Part::Lit(0),
                Part::Text("; "),
            ]);
            parts.extend([var.clone(), Part::Text(" < ")]);
            expression(random, 1, &mut parts);
            parts.extend([
                Part::Text("; "),
                var,
                Part::Text(random.pick(&["++) {", "--) {", " += 2) {"])),
            ]);
            true
        }
        6 => {
            parts.push(Part::Text("while ("));
            expression(random, 2, &mut parts);
            parts.push(Part::Text(" > "));
            expression(random, 1, &mut parts);
            parts.push(Part::Text(") {"));
            true
        }
        7 => {
            parts.extend([
                var,
                Part::Text(random.pick(&[".add(", ".remove(", ".contains("])),
            ]);
            expression(random, 2, &mut parts);
            parts.push(Part::Text(");"));
            false
        }
        8 => {
            parts.push(Part::Text("System.out.println("));
            expression(random, 2, &mut parts);
            parts.push(Part::Text(");"));
            false
        }
        _ => {
            parts.extend([Part::Text("String "), var, Part::Text(" = \"text\" + ")]);
            expression(random, 2, &mut parts);
            parts.push(Part::Text(";"));
            false
        }
    };
    lines.push(Line { indent, parts });
    if opens_block && indent < 4 {
        for _ in 0..=random.below(2) {
            statement(random, indent + 1, lines);
        }
        lines.push(Line {
            indent,
            parts: vec![Part::Text("}")],
        });
    } else if opens_block {
        lines.push(Line {
            indent: indent + 1,
            parts: vec![Part::Text("break;")],
        });
        lines.push(Line {
            indent,
            parts: vec![Part::Text("}")],
        });
    }
}

fn program(random: &mut Random) -> Program {
    let methods = (0..METHODS)
        .map(|n| {
            let mut lines = Vec::new();
            while lines.len() < 12 {
                statement(random, 2, &mut lines);
            }
            lines.push(Line {
                indent: 2,
                parts: vec![Part::Text("return "), Part::Var(n % 12), Part::Text(";")],
            });
            Method {
                comment: format!("Step {n} of the solution."),
                lines,
            }
        })
        .collect();
    Program { methods }
}

/// A disguised copy: methods shuffled, literals changed, new comments, one statement added; the
/// names are changed when printing.
fn disguise(original: &Program, random: &mut Random) -> Program {
    let mut copy = original.clone();
    for at in (1..copy.methods.len()).rev() {
        copy.methods.swap(at, random.below(at + 1));
    }
    for method in &mut copy.methods {
        method.comment = format!("Computes part {} (my own work).", random.below(1000));
        for line in &mut method.lines {
            for part in &mut line.parts {
                if let Part::Lit(value) = part {
                    *value = (*value * 7 + 3) % 101;
                }
            }
        }
    }
    let method = random.below(copy.methods.len());
    let mut extra = Vec::new();
    statement(random, 2, &mut extra);
    copy.methods[method].lines.splice(0..0, extra);
    copy
}

fn print(program: &Program, names: &[String]) -> String {
    let mut text = String::from(TEMPLATE_HEAD);
    for (n, method) in program.methods.iter().enumerate() {
        let _ = writeln!(
            text,
            "    // {}\n    long {}(int[] {}, List<Integer> {}) {{",
            method.comment,
            names[12 + n],
            names[0],
            names[1]
        );
        for line in &method.lines {
            text.push_str(&"    ".repeat(line.indent));
            for part in &line.parts {
                match part {
                    Part::Text(code) => text.push_str(code),
                    Part::Var(n) => text.push_str(&names[*n]),
                    Part::Lit(value) => {
                        let _ = write!(text, "{value}");
                    }
                }
            }
            text.push('\n');
        }
        text.push_str("    }\n\n");
    }
    text.push_str(
        "    long solve(List<Integer> values) {\n        return values.size();\n    }\n\n",
    );
    text.push_str(TEMPLATE_MAIN);
    text.push_str("}\n");
    text
}

fn names(random: &mut Random) -> Vec<String> {
    let stems = [
        "count", "total", "item", "value", "index", "sum", "data", "result", "tmp", "acc", "node",
        "step",
    ];
    (0..12 + METHODS)
        .map(|n| {
            format!(
                "{}{}{n}",
                stems[random.below(stems.len())],
                random.below(90)
            )
        })
        .collect()
}

fn main() {
    let mut random = Random(2026);
    let mut solutions = Vec::new();
    let mut copied_pairs = 0;
    for _ in 0..GROUPS {
        let original = program(&mut random);
        solutions.push(print(&original, &names(&mut random)));
        for _ in 0..COPIES_PER_GROUP {
            let copy = disguise(&original, &mut random);
            solutions.push(print(&copy, &names(&mut random)));
        }
        copied_pairs += (COPIES_PER_GROUP + 1) * COPIES_PER_GROUP / 2;
    }
    while solutions.len() < SOLUTIONS {
        let independent = program(&mut random);
        solutions.push(print(&independent, &names(&mut random)));
    }
    let lines = solutions
        .iter()
        .map(|text| text.lines().count())
        .sum::<usize>()
        / solutions.len();
    let submissions: Vec<Submission> = solutions
        .into_iter()
        .enumerate()
        .map(|(id, content)| Submission {
            id: i64::try_from(id).expect("small"),
            files: vec![Source {
                name: "Solution.java".into(),
                content,
            }],
        })
        .collect();
    let base = [Source {
        name: "Solution.java".into(),
        content: format!("{TEMPLATE_HEAD}{TEMPLATE_MAIN}}}\n"),
    }];
    let options = Options::default();
    let started = Instant::now();
    let report = compare_all(&submissions, &base, &options, &|_, _| {});
    let seconds = started.elapsed().as_secs_f64();
    let possible = SOLUTIONS * (SOLUTIONS - 1) / 2;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let lowest = report
        .pairs
        .iter()
        .map(|pair| pair.similarity)
        .fold(1.0, f64::min);
    let measured = format!(
        "{BEGIN}\n## Plagiarism: {SOLUTIONS} Java solutions of one task\n\n\
         `inloop::plagiarism::compare_all` (release build, {cores} cores) on {SOLUTIONS} synthetic \
         solutions of about {lines} lines each, generated from a fixed seed: {GROUPS} groups of an original \
         and {COPIES_PER_GROUP} disguised copies (names changed, methods shuffled, other literals and \
         comments, one statement added) and {} independent solutions built from random statements and \
         expressions. All start from the same template, passed as base code. Options: minimum match \
         {} tokens, threshold {}. No JDK or JPlag is installed on this machine, so there is no \
         comparison with JPlag's figures.\n\n\
         | Measure | Result |\n|---|---|\n\
         | Wall time | {seconds:.2} s (goal: under 30 s) |\n\
         | Candidate pairs (pre-filter) | {} of {possible} |\n\
         | Full comparisons (Greedy String Tiling) | {} |\n\
         | Pairs at or above {} | {} (copied pairs generated: {copied_pairs}; lowest similarity {lowest:.3}) |\n{END}",
        SOLUTIONS - GROUPS * (COPIES_PER_GROUP + 1),
        options.min_match,
        options.threshold,
        report.candidate_pairs,
        report.full_comparisons,
        options.threshold,
        report.pairs.len(),
    );
    println!("{measured}");
    let page = std::fs::read_to_string(PAGE).unwrap_or_default();
    let page = match (page.find(BEGIN), page.find(END)) {
        (Some(begin), Some(end)) => {
            format!("{}{measured}{}", &page[..begin], &page[end + END.len()..])
        }
        _ => format!("{page}\n{measured}\n"),
    };
    std::fs::write(PAGE, page).expect("writing docs/benchmarks.md");
}
