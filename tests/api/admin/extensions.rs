//! `/admin/extensions/`: a student (or a group) with an extension hands in after the task's
//! deadline and before theirs, others cannot; refused forms say why beside each field; taking
//! an extension back closes again; every change is audited.

use inloop::db::{DbPool, Timestamp};
use reqwest::{Client, StatusCode};

use super::log_in;
use crate::common::{self, TestApp};
use crate::solutions::support::{self, PASSWORD, upload_as};

/// `moment` as the form takes it, in the configured zone (Europe/Berlin).
fn form_time(moment: Timestamp) -> String {
    let zone = inloop::time_zone::parse("Europe/Berlin").unwrap();
    inloop::time_zone::format_local(moment.to_datetime(), &zone)
}

async fn post(
    app: &TestApp,
    browser: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = browser
        .get(app.at("/privacy/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = common::csrf_token_in(&page);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    browser.post(app.at(path)).form(&form).send().await.unwrap()
}

/// Whether `browser`'s upload was stored as a solution (else it was sent back to the task page).
async fn hands_in(app: &TestApp, browser: &Client) -> bool {
    let response = upload_as(app, browser, &[("solution.sh", b"exit 0")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    common::location(&response).starts_with("/solutions/detail/")
}

async fn set_deadline(db: &DbPool, deadline: Timestamp) {
    inloop::on_pool!(db, |pool| sqlx::query("UPDATE tasks SET deadline = $1")
        .bind(deadline)
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
}

/// Grants an extension through the form: `fields` over empty defaults.
async fn grant(app: &TestApp, teacher: &Client, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> =
        ["task", "category", "student", "group", "deadline", "reason"]
            .iter()
            .map(|name| (*name, ""))
            .collect();
    for (name, value) in fields {
        if let Some(field) = form.iter_mut().find(|(field, _)| field == name) {
            field.1 = value;
        }
    }
    post(app, teacher, "/admin/extensions", &form).await
}

/// A task whose deadline passed a minute ago, the student `student` (logged in as `app.http`),
/// a teacher and another student, each with a browser; the other's id; a deadline tomorrow.
async fn course() -> (TestApp, Client, Client, i64, String) {
    let app = support::app(0, &[]).await;
    set_deadline(
        &app.db().await,
        Timestamp::now().plus(-time::Duration::minutes(1)),
    )
    .await;
    app.create_user("teacher", PASSWORD, true).await;
    let teacher = log_in(&app, "teacher").await;
    let other_id = app.create_user("other", PASSWORD, false).await;
    let other = log_in(&app, "other").await;
    let tomorrow = form_time(Timestamp::now().plus(time::Duration::days(1)));
    (app, teacher, other, other_id, tomorrow)
}

#[tokio::test]
async fn an_extended_student_hands_in_after_the_deadline_and_others_cannot() {
    let (app, teacher, other, _, tomorrow) = course().await;
    assert!(!hands_in(&app, &app.http).await, "the deadline has passed");
    let fields = [
        ("task", "shell-task"),
        ("student", "student"),
        ("deadline", tomorrow.as_str()),
        ("reason", "ill for a week"),
    ];
    let granted = grant(&app, &teacher, &fields).await;
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    assert_eq!(common::location(&granted), "/admin/extensions/");
    assert!(hands_in(&app, &app.http).await, "before their own deadline");
    assert!(
        !hands_in(&app, &other).await,
        "no extension for the other student"
    );
    let page = app.get_text("/solutions/editor/shell-task/").await;
    assert!(
        page.contains(&format!(
            "Deadline {tomorrow}</strong> (extended for you from"
        )),
        "{page}"
    );

    // Taking it back closes the task for them again; both changes are audited.
    let db = app.db().await;
    let id: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM deadline_extensions"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    let revoked = post(
        &app,
        &teacher,
        &format!("/admin/extensions/{id}/delete"),
        &[],
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert!(!hands_in(&app, &app.http).await, "the extension is gone");
    let audited: Vec<(String, Option<String>, Option<String>)> = inloop::on_pool!(&db, |pool| {
        sqlx::query_as(
            "SELECT field, old_value, new_value FROM audit_log
             WHERE object_kind = 'extension' AND object_id = $1 ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(pool)
        .await
    })
    .unwrap();
    assert_eq!(
        audited,
        [
            ("deadline".to_owned(), None, Some(tomorrow.clone())),
            ("reason".to_owned(), None, Some("ill for a week".to_owned())),
            ("deadline".to_owned(), Some(tomorrow), None),
        ]
    );
}

#[tokio::test]
async fn a_groups_extension_for_a_category_reaches_its_members_and_the_list_shows_it() {
    let (app, teacher, other, other_id, tomorrow) = course().await;
    let db = app.db().await;
    let group = inloop::accounts::groups::ensure(&db, "Late starters")
        .await
        .unwrap();
    inloop::accounts::groups::add_member(&db, group, inloop::db::UserId(other_id))
        .await
        .unwrap();
    let fields = [
        ("category", "basics"),
        ("group", "late starters"),
        ("deadline", tomorrow.as_str()),
        ("reason", "joined late"),
    ];
    assert_eq!(
        grant(&app, &teacher, &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(hands_in(&app, &other).await, "a member of the group");
    assert!(!hands_in(&app, &app.http).await, "not a member");

    let fields = [
        ("task", "shell-task"),
        ("student", "student"),
        ("deadline", tomorrow.as_str()),
        ("reason", "ill for a week"),
    ];
    assert_eq!(
        grant(&app, &teacher, &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    let text = |path: &str| {
        let request = teacher.get(app.at(path));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let csv = text("/admin/extensions/?format=csv").await;
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines
            .iter()
            .any(|line| line.contains(",Late starters,yes,Basics,yes,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains(",student,no,Shell Task,no,")),
        "{csv}"
    );
    let only_groups = text("/admin/extensions/?search=LATE").await;
    assert!(only_groups.contains("Late starters") && !only_groups.contains("ill for a week"));
}

#[tokio::test]
async fn a_refused_extension_says_why_beside_each_field_and_keeps_the_input() {
    let app = support::app(0, &[]).await;
    app.create_user("teacher", PASSWORD, true).await;
    let teacher = log_in(&app, "teacher").await;
    let refused = post(
        &app,
        &teacher,
        "/admin/extensions",
        &[
            ("task", "no-such-task"),
            ("category", ""),
            ("student", "student"),
            ("group", "Tutors"),
            ("deadline", "next friday"),
            ("reason", " "),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    for message in [
        r#"id="error_task">There is no task with the slug &quot;no-such-task&quot;."#,
        r#"id="error_student">Name a student or a group, not both."#,
        r#"id="error_deadline">The deadline must be a date and time like 2026-10-31 23:59 (Europe/Berlin)."#,
        r#"id="error_reason">Say why, for the other staff."#,
    ] {
        assert!(page.contains(message), "{message} in {page}");
    }
    assert!(page.contains(r#"value="next friday""#));
    let stored: i64 = inloop::on_pool!(&app.db().await, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM deadline_extensions"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(stored, 0);
}
