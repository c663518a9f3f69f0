//! `/admin/audit/`: staff changes are recorded with old and new value; the list pages by keyset,
//! filters, and downloads as CSV.

use inloop::db::Timestamp;
use reqwest::StatusCode;

use super::{Area, catalog};

#[tokio::test]
async fn category_and_task_changes_are_recorded_with_old_and_new_values() {
    let area = Area::new().await;
    let (category, task, _) = catalog(&area.app.db().await).await;
    area.submit(
        &area.staff,
        &format!("/admin/categories/{category}/"),
        &[("ordering", "3"), ("description", "Start *here*.")],
    )
    .await;
    area.submit(
        &area.staff,
        &format!("/admin/tasks/{task}/"),
        &[("submission_limit", "5"), ("group", "Tutors")],
    )
    .await;
    // Saving the same values again records nothing.
    area.submit(
        &area.staff,
        &format!("/admin/tasks/{task}/"),
        &[("submission_limit", "5"), ("group", "Tutors")],
    )
    .await;

    let csv = area
        .get(&area.superuser, "/admin/audit/?format=csv&actor=TEACHER")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<_> = csv.lines().skip(1).collect();
    assert_eq!(lines.len(), 4, "{csv}");
    // Newest first.
    assert!(
        lines[0].ends_with(&format!(",teacher,task,{task},Shell Task,group,,Tutors")),
        "{csv}"
    );
    assert!(
        lines[1].ends_with(&format!(
            ",teacher,task,{task},Shell Task,submission_limit,,5"
        )),
        "{csv}"
    );
    assert!(
        lines[2].ends_with(&format!(
            ",teacher,category,{category},Basics,description,,Start *here*."
        )),
        "{csv}"
    );
    assert!(
        lines[3].ends_with(&format!(",teacher,category,{category},Basics,ordering,0,3")),
        "{csv}"
    );

    let tasks_only = area.page(&area.superuser, "/admin/audit/?kind=task").await;
    assert!(tasks_only.contains("submission_limit") && !tasks_only.contains("ordering"));
    let nobody = area.page(&area.superuser, "/admin/audit/?actor=boss").await;
    assert!(
        nobody.contains("No changes recorded that match these filters"),
        "{nobody}"
    );
}

#[tokio::test]
async fn the_list_pages_by_keyset_and_the_csv_streams_every_row() {
    let area = Area::new().await;
    let db = area.app.db().await;
    for number in 0..1234_i64 {
        let kind = if number % 2 == 0 { "user" } else { "task" };
        inloop::on_pool!(&db, |pool| sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor_name, object_kind, object_id, object_label, field, old_value, new_value)
             VALUES ($1, NULL, 'someone', $2, $3, 'x', 'field', NULL, $4)",
        )
        .bind(Timestamp::now())
        .bind(kind)
        .bind(number.to_string())
        .bind(format!("value-{number}"))
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
    }
    // Walk the pages of the `user` rows: 617 rows, 50 a page, none twice, newest first.
    let mut seen = Vec::new();
    let mut next = Some("/admin/audit/?kind=user".to_owned());
    let values = regex::Regex::new(r"value-(\d+)").unwrap();
    let older = regex::Regex::new(r#"<a href="([^"]+)">Older</a>"#).unwrap();
    while let Some(path) = next.take() {
        let page = area.page(&area.superuser, &path).await;
        let numbers: Vec<i64> = values
            .captures_iter(&page)
            .map(|found| found[1].parse().unwrap())
            .collect();
        assert!(numbers.len() <= 50);
        seen.extend(numbers);
        next = older
            .captures(&page)
            .map(|found| found[1].replace("&#x2F;", "/").replace("&amp;", "&"));
    }
    let expected: Vec<i64> = (0..1234).rev().filter(|number| number % 2 == 0).collect();
    assert_eq!(seen, expected);

    let response = area.get(&area.superuser, "/admin/audit/?format=csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("audit.csv")
    );
    let csv = response.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1 + 1234);
}
