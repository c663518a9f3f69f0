use super::*;
use time::macros::datetime;

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap()
}

fn meta_with(extra: &str) -> String {
    format!(
        r#"{{"title": "Fibonacci", "category": "Basic", "pubdate": "2017-01-01 00:00:00Z"{extra}}}"#
    )
}

fn date_of(text: &str) -> Result<OffsetDateTime, MetaError> {
    let json = serde_json::json!({"title": "T", "category": "C", "pubdate": text}).to_string();
    parse(&json, &berlin()).map(|meta| meta.pubdate)
}

#[test]
fn reads_a_typical_meta_json() {
    let json = r#"{
        "title": "Some Task III (winter term 2010/2011)",
        "category": "Lesson",
        "pubdate": "2018-03-08 10:00:00 +0200",
        "deadline": "2018-04-01 23:59",
        "author": "ignored, like every unknown key"
    }"#;
    let meta = parse(json, &berlin()).unwrap();
    assert_eq!(meta.title, "Some Task III (winter term 2010/2011)");
    assert_eq!(meta.category, "Lesson");
    assert_eq!(meta.pubdate, datetime!(2018-03-08 08:00 UTC));
    assert_eq!(meta.deadline, Some(datetime!(2018-04-01 21:59 UTC)));
    assert!(!meta.disabled);
    assert_eq!(meta.limits, CheckLimits::default());
}

#[test]
fn dates_seen_in_the_wild() {
    let cases = [
        ("2018-03-08 10:00:00 +0200", datetime!(2018-03-08 08:00 UTC)),
        ("2018-03-08 10:00:00+0200", datetime!(2018-03-08 08:00 UTC)),
        (
            "2018-03-08 10:00:00 +02:00",
            datetime!(2018-03-08 08:00 UTC),
        ),
        ("2017-01-01 00:00:00Z", datetime!(2017-01-01 00:00 UTC)),
        ("2017-01-01 00:00:00 Z", datetime!(2017-01-01 00:00 UTC)),
        ("2017-01-01T10:00", datetime!(2017-01-01 09:00 UTC)),
        ("2017-01-01t10:00:30z", datetime!(2017-01-01 10:00:30 UTC)),
        ("2017-01-01", datetime!(2016-12-31 23:00 UTC)),
        ("2017-07-01", datetime!(2017-06-30 22:00 UTC)),
        ("2017-07-01 12:00", datetime!(2017-07-01 10:00 UTC)),
        ("2017-01-01 10:00-05", datetime!(2017-01-01 15:00 UTC)),
        ("2017-01-01 10:00 -05", datetime!(2017-01-01 15:00 UTC)),
        ("2017-01-01 10:00 -0530", datetime!(2017-01-01 15:30 UTC)),
        ("  2017-01-01 10:00  ", datetime!(2017-01-01 09:00 UTC)),
    ];
    for (text, expected) in cases {
        assert_eq!(date_of(text), Ok(expected), "{text}");
    }
}

#[test]
fn fractional_seconds_are_kept() {
    assert_eq!(
        date_of("2017-01-01 10:00:00.123456Z"),
        Ok(datetime!(2017-01-01 10:00:00.123456 UTC))
    );
    assert_eq!(
        date_of("2017-01-01T10:00:00.5"),
        Ok(datetime!(2017-01-01 09:00:00.5 UTC))
    );
}

#[test]
fn dst_gap_moves_forward_and_fold_takes_the_earlier_instant() {
    // 2024-03-31 02:00 CET jumps to 03:00 CEST: 02:30 does not exist, it reads as 03:30 CEST.
    assert_eq!(
        date_of("2024-03-31 02:30"),
        Ok(datetime!(2024-03-31 01:30 UTC))
    );
    // 2024-10-27 03:00 CEST falls back to 02:00 CET: 02:30 happens twice, the first one wins.
    assert_eq!(
        date_of("2024-10-27 02:30"),
        Ok(datetime!(2024-10-27 00:30 UTC))
    );
}

#[test]
fn the_zone_only_applies_without_an_offset() {
    let utc = TimeZone::UTC;
    let json = meta_with(r#", "deadline": "2017-07-01 12:00""#);
    assert_eq!(
        parse(&json, &utc).unwrap().deadline,
        Some(datetime!(2017-07-01 12:00 UTC))
    );
    let json = meta_with(r#", "deadline": "2017-07-01 12:00 +0200""#);
    assert_eq!(
        parse(&json, &utc).unwrap().deadline,
        Some(datetime!(2017-07-01 10:00 UTC))
    );
}

#[test]
fn bad_dates_are_refused_with_the_value_in_the_message() {
    let bad = [
        "2018-13-40",
        "2017-02-30",
        "2017-01-01 24:00",
        "2017-01-01 10:61",
        "01.01.2017",
        "2017-1-1",
        "2017-01-01 9:00",
        "20170101T1000",
        "2017-01-01T10",
        "2017-01-01 10:00[Europe/Berlin]",
        "2017-01-01Z",
        "2017-01-01 +02",
        "2017-01-01 10:00 +2",
        "2017-01-01 10:00 +0200 extra",
        "2017-01-01 10:00:00.1234567891",
        "tomorrow",
        "",
    ];
    for text in bad {
        assert_eq!(
            date_of(text),
            Err(MetaError::BadDate {
                key: "pubdate",
                value: text.to_owned()
            }),
            "{text:?}"
        );
    }
    assert_eq!(
        date_of("2018-13-40").unwrap_err().to_string(),
        r#""pubdate": cannot read "2018-13-40" as a date (expected YYYY-MM-DD HH:MM[:SS])"#
    );
}

#[test]
fn deadline_is_optional_and_null_clears_it() {
    let zone = berlin();
    assert_eq!(parse(&meta_with(""), &zone).unwrap().deadline, None);
    let json = meta_with(r#", "deadline": null"#);
    assert_eq!(parse(&json, &zone).unwrap().deadline, None);
    let json = meta_with(r#", "deadline": "soon""#);
    assert!(matches!(
        parse(&json, &zone),
        Err(MetaError::BadDate {
            key: "deadline",
            ..
        })
    ));
}

#[test]
fn missing_required_keys_are_named() {
    let zone = berlin();
    let cases = [
        (r#"{"category": "C", "pubdate": "2017-01-01"}"#, "title"),
        (r#"{"title": "T", "pubdate": "2017-01-01"}"#, "category"),
        (r#"{"title": "T", "category": "C"}"#, "pubdate"),
        (
            r#"{"title": null, "category": "C", "pubdate": "2017-01-01"}"#,
            "title",
        ),
    ];
    for (json, key) in cases {
        assert_eq!(
            parse(json, &zone),
            Err(MetaError::MissingKey(key)),
            "{json}"
        );
    }
    assert_eq!(
        parse("{}", &zone).unwrap_err().to_string(),
        r#"missing required key "title""#
    );
}

#[test]
fn malformed_json_and_non_objects_are_refused() {
    let zone = berlin();
    let error = parse(r#"{"title": "T""#, &zone).unwrap_err();
    assert!(matches!(error, MetaError::MalformedJson(_)));
    assert!(error.to_string().starts_with("malformed JSON: "), "{error}");
    assert!(matches!(parse("", &zone), Err(MetaError::MalformedJson(_))));
    assert_eq!(
        parse("[1, 2]", &zone).unwrap_err().to_string(),
        "expected a JSON object at the top level, found an array"
    );
}

#[test]
fn wrong_types_are_refused_with_a_clear_message() {
    let zone = berlin();
    let message = |json: &str| parse(json, &zone).unwrap_err().to_string();
    assert_eq!(
        message(r#"{"title": 42, "category": "C", "pubdate": "2017-01-01"}"#),
        r#""title": expected a string, found 42"#
    );
    assert_eq!(
        message(r#"{"title": "  ", "category": "C", "pubdate": "2017-01-01"}"#),
        r#""title": must not be empty"#
    );
    assert_eq!(
        message(r#"{"title": "T", "category": ["C"], "pubdate": "2017-01-01"}"#),
        r#""category": expected a string, found an array"#
    );
    assert_eq!(
        message(r#"{"title": "T", "category": "C", "pubdate": 1483228800}"#),
        r#""pubdate": expected a date string, found 1483228800"#
    );
}

#[test]
fn title_and_category_are_trimmed() {
    let json = r#"{"title": " Fibonacci ", "category": "Basic\n", "pubdate": "2017-01-01"}"#;
    let meta = parse(json, &berlin()).unwrap();
    assert_eq!(
        (meta.title.as_str(), meta.category.as_str()),
        ("Fibonacci", "Basic")
    );
}

#[test]
fn disabled_is_truthy_like_python() {
    let truthy = [
        r"true",
        "1",
        "-1",
        "0.5",
        r#""yes""#,
        r#""false""#,
        "[0]",
        r#"{"a": 1}"#,
    ];
    let falsy = ["false", "0", "0.0", "null", r#""""#, "[]", "{}"];
    let zone = berlin();
    for (values, expected) in [(truthy.as_slice(), true), (falsy.as_slice(), false)] {
        for value in values {
            let json = meta_with(&format!(r#", "disabled": {value}"#));
            assert_eq!(parse(&json, &zone).unwrap().disabled, expected, "{value}");
            assert_eq!(is_disabled(&json), expected, "{value}");
        }
    }
}

#[test]
fn a_parked_task_is_disabled_without_other_keys() {
    assert!(is_disabled(r#"{"disabled": true}"#));
    assert!(!is_disabled(r#"{"title": "T"}"#));
    assert!(!is_disabled("not json"));
    assert!(!is_disabled("true"));
}

#[test]
fn limits_are_read() {
    let json =
        meta_with(r#", "time_limit": 60, "memory_limit": 512, "cpus": 1.5, "process_limit": 64"#);
    let limits = parse(&json, &berlin()).unwrap().limits;
    assert_eq!(
        limits,
        CheckLimits {
            time_limit_secs: Some(60),
            memory_mib: Some(512),
            cpus: Some(1.5),
            processes: Some(64),
        }
    );
    let json = meta_with(r#", "cpus": 2, "time_limit": null"#);
    let limits = parse(&json, &berlin()).unwrap().limits;
    assert_eq!((limits.cpus, limits.time_limit_secs), (Some(2.0), None));
}

#[test]
fn bad_limits_are_refused() {
    let cases = [
        (
            r#""time_limit": "120""#,
            r#""time_limit": expected a positive whole number of seconds, found the string "120""#,
        ),
        (
            r#""time_limit": 0"#,
            r#""time_limit": expected a positive whole number of seconds, found 0"#,
        ),
        (
            r#""time_limit": 1.5"#,
            r#""time_limit": expected a positive whole number of seconds, found 1.5"#,
        ),
        (
            r#""memory_limit": -256"#,
            r#""memory_limit": expected a positive whole number of MiB, found -256"#,
        ),
        (
            r#""memory_limit": 4294967296"#,
            r#""memory_limit": expected a positive whole number of MiB, found 4294967296"#,
        ),
        (
            r#""process_limit": true"#,
            r#""process_limit": expected a positive whole number of processes, found a boolean"#,
        ),
        (
            r#""cpus": 0"#,
            r#""cpus": expected a positive number of CPUs, found 0"#,
        ),
        (
            r#""cpus": "2""#,
            r#""cpus": expected a positive number of CPUs, found the string "2""#,
        ),
        (
            r#""cpus": 1e9"#,
            r#""cpus": expected a positive number of CPUs, found 1000000000.0"#,
        ),
    ];
    for (extra, message) in cases {
        let json = meta_with(&format!(", {extra}"));
        assert_eq!(parse(&json, &berlin()).unwrap_err().to_string(), message);
    }
}

#[test]
fn slug_removes_parenthesised_parts() {
    assert_eq!(
        slug("Some Task III (winter term 2010/2011)"),
        "some-task-iii"
    );
    assert_eq!(slug("A (first) and B (second) part"), "a-and-b-part");
    assert_eq!(slug("Nested (a (b) c) tail"), "nested-c-tail");
    assert_eq!(slug("Unclosed (paren"), "unclosed-paren");
    assert_eq!(slug("Empty () parens"), "empty-parens");
}

#[test]
fn slug_of_nothing_sluggable_is_empty() {
    assert_eq!(slug("(only parentheses)"), "");
    assert_eq!(slug("?!"), "");
    assert_eq!(slug(""), "");
}

#[test]
fn slug_transliterates_non_ascii() {
    assert_eq!(slug("Übung: Größe ändern"), "ubung-grosse-andern");
    assert_eq!(slug("Café crème"), "cafe-creme");
    assert_eq!(slug("Ærø\u{a0}Ødegård"), "aero-odegard");
}

#[test]
fn slug_follows_djangos_punctuation_rules() {
    assert_eq!(slug("Hello, World!"), "hello-world");
    assert_eq!(slug("Task 1.2"), "task-12");
    assert_eq!(slug("a -- b\t\n c"), "a-b-c");
    assert_eq!(slug("--Lead & trail--"), "lead-trail");
    assert_eq!(slug("snake_case stays"), "snake_case-stays");
    assert_eq!(slug("_private_"), "private");
    assert_eq!(slug("C++ / Java: Generics"), "c-java-generics");
}
