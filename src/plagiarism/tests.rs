//! Whole comparisons of real Java solutions (the files in `fixtures/`).

use super::*;

const LIBRARY: &str = include_str!("fixtures/Library.java");
/// `LIBRARY` with every name changed, methods moved, new comments and other literals.
const LIBRARY_RENAMED: &str = include_str!("fixtures/LibraryRenamed.java");
/// The same task solved by someone else.
const LIBRARY_INDEPENDENT: &str = include_str!("fixtures/LibraryIndependent.java");
/// A task's template: students replace the `TODO` line with their methods.
const INVENTORY: &str = include_str!("fixtures/Inventory.java");
const INVENTORY_OWN_A: &str = include_str!("fixtures/InventoryOwnA.java.part");
const INVENTORY_OWN_B: &str = include_str!("fixtures/InventoryOwnB.java.part");
const TODO: &str = "    // TODO: your code here\n";

fn submission(id: i64, name: &str, content: &str) -> Submission {
    Submission {
        id,
        files: vec![Source {
            name: name.into(),
            content: content.into(),
        }],
    }
}

fn compare_with(submissions: &[Submission], base: &[Source], threshold: f64) -> Report {
    let options = Options {
        threshold,
        ..Options::default()
    };
    compare_all(submissions, base, &options, &|_, _| {})
}

/// The pair's similarity when both are compared in full (0 when not even a candidate).
fn similarity(a: &str, b: &str, base: &[Source]) -> (f64, usize) {
    let report = compare_with(
        &[submission(1, "A.java", a), submission(2, "B.java", b)],
        base,
        0.0,
    );
    (
        report.pairs.first().map_or(0.0, |pair| pair.similarity),
        report.candidate_pairs,
    )
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let index = text
        .lines()
        .position(|line| line.contains(needle))
        .expect(needle);
    u32::try_from(index + 1).unwrap()
}

#[test]
fn a_renamed_and_reordered_copy_is_found() {
    let (similarity, candidates) = similarity(LIBRARY, LIBRARY_RENAMED, &[]);
    assert!(similarity >= 0.9, "similarity {similarity}");
    assert_eq!(candidates, 1);
    let report = compare_with(
        &[
            submission(7, "Library.java", LIBRARY),
            submission(9, "BookStore.java", LIBRARY_RENAMED),
        ],
        &[],
        0.9,
    );
    assert_eq!(report.pairs.len(), 1);
    assert_eq!((report.pairs[0].a, report.pairs[0].b), (7, 9));
}

#[test]
fn independent_solutions_of_the_same_task_stay_apart() {
    let (similarity, _) = similarity(LIBRARY, LIBRARY_INDEPENDENT, &[]);
    // Same API, imports and idioms (about 0.3), but nothing like a copy.
    assert!(similarity < 0.4, "similarity {similarity}");
    let report = compare_with(
        &[
            submission(1, "A.java", LIBRARY),
            submission(2, "B.java", LIBRARY_INDEPENDENT),
        ],
        &[],
        0.9,
    );
    assert!(report.pairs.is_empty());
}

#[test]
fn the_template_counts_for_nobody() {
    let a = INVENTORY.replace(TODO, INVENTORY_OWN_A);
    let b = INVENTORY.replace(TODO, INVENTORY_OWN_B);
    let base = [Source {
        name: "Inventory.java".into(),
        content: INVENTORY.into(),
    }];
    let (with_template, _) = similarity(&a, &b, &[]);
    let (without, _) = similarity(&a, &b, &base);
    assert!(
        with_template > 0.5,
        "with the template counted: {with_template}"
    );
    assert!(without < 0.5, "without it: {without}");
    let report = compare_with(
        &[
            submission(1, "Inventory.java", &a),
            submission(2, "Inventory.java", &b),
        ],
        &base,
        0.0,
    );
    // The template's lines are those before and after the students' own.
    let own_a = line_of(&a, "The value of everything")..line_of(&a, "public static void main");
    let own_b = line_of(&b, "public long totalValue")..line_of(&b, "public static void main");
    for pair in &report.pairs {
        for found in &pair.matches {
            assert!(
                own_a.contains(&found.lines_a.0) && own_b.contains(&found.lines_b.0),
                "{found:?}"
            );
        }
    }
}

#[test]
fn the_template_alone_makes_no_candidates() {
    let base = [Source {
        name: "Inventory.java".into(),
        content: INVENTORY.into(),
    }];
    let template_only = INVENTORY.replace(TODO, "");
    let report = compare_with(
        &[
            submission(1, "I.java", &template_only),
            submission(2, "I.java", &template_only),
        ],
        &base,
        0.0,
    );
    assert_eq!(report.candidate_pairs, 0);
    assert!(report.pairs.is_empty());
}

#[test]
fn matches_point_at_the_copied_regions() {
    let report = compare_with(
        &[
            submission(1, "Library.java", LIBRARY),
            submission(2, "BookStore.java", LIBRARY_RENAMED),
        ],
        &[],
        0.0,
    );
    let pair = &report.pairs[0];
    // `lend` was moved behind `giveBack` (`borrow` there).
    let lend = line_of(LIBRARY, "public LocalDate lend");
    let borrow = line_of(LIBRARY_RENAMED, "public LocalDate borrow");
    let found = pair
        .matches
        .iter()
        .find(|found| (found.lines_a.0..=found.lines_a.1).contains(&(lend + 1)))
        .expect("a match inside lend");
    assert_eq!(found.file_a, "Library.java");
    assert_eq!(found.file_b, "BookStore.java");
    assert!(
        (found.lines_b.0..=found.lines_b.1).contains(&(borrow + 1)),
        "{found:?}"
    );
    assert!(found.tokens >= Options::default().min_match);
    for found in &pair.matches {
        assert!(found.lines_a.0 <= found.lines_a.1 && found.lines_b.0 <= found.lines_b.1);
        assert!(found.lines_a.1 <= 116 && found.lines_b.1 <= 116);
    }
}

#[test]
fn copies_across_files_keep_their_file_names() {
    let helper = "class Helper {\n  static int twice(int x) {\n    int y = x + x;\n    return y * 1 - 0 + x % 1;\n  }\n}\n";
    let a = Submission {
        id: 1,
        files: vec![
            Source {
                name: "Main.java".into(),
                content: LIBRARY.into(),
            },
            Source {
                name: "Helper.java".into(),
                content: helper.into(),
            },
        ],
    };
    let b = submission(2, "Other.java", &format!("{LIBRARY_INDEPENDENT}\n{helper}"));
    let report = compare_with(&[a, b], &[], 0.0);
    let found = report.pairs[0]
        .matches
        .iter()
        .find(|found| found.file_a == "Helper.java")
        .expect("the helper is found");
    assert_eq!(found.lines_a, (1, 6));
    assert_eq!(found.file_b, "Other.java");
    // After the other file's lines and the blank line `format!` put between.
    let first = u32::try_from(LIBRARY_INDEPENDENT.lines().count()).unwrap() + 2;
    assert_eq!(found.lines_b, (first, first + 5));
}

#[test]
fn submissions_without_tokens_never_match() {
    let report = compare_with(
        &[
            submission(1, "a.java", ""),
            submission(2, "b.java", "// only a comment\n"),
            Submission {
                id: 3,
                files: Vec::new(),
            },
        ],
        &[],
        0.0,
    );
    assert!(report.pairs.is_empty());
    assert_eq!(report.full_comparisons, 0);
}

#[test]
fn progress_counts_every_full_comparison() {
    let done = std::sync::Mutex::new(Vec::new());
    let submissions = [
        submission(1, "A.java", LIBRARY),
        submission(2, "B.java", LIBRARY_RENAMED),
        submission(3, "C.java", LIBRARY),
    ];
    let report = compare_all(
        &submissions,
        &[],
        &Options::default(),
        &|done_now, total| {
            done.lock().unwrap().push((done_now, total));
        },
    );
    let mut done = done.into_inner().unwrap();
    done.sort_unstable();
    assert_eq!(done, [(1, 3), (2, 3), (3, 3)]);
    assert_eq!(report.pairs.len(), 3);
    // Moved methods are tiles of their own: every token of the copy is covered.
    assert!(report.pairs.iter().all(|pair| pair.similarity >= 0.9));
    assert!((report.pairs[0].similarity - 1.0).abs() < 1e-9);
    assert!(report.pairs[0].a < report.pairs[0].b);
}
