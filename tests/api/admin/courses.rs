//! `/admin/courses/`: the list with student counts, search, order and CSV; creating and renaming
//! with a message beside a refused name; the user list filtered by course; deleting after a
//! confirmation leaves the students without a course. Every change is audited.

use inloop::db::DbPool;
use reqwest::StatusCode;

use super::Area;

async fn choose_course(db: &DbPool, user: i64, course: i64) {
    inloop::on_pool!(db, |pool| sqlx::query(
        "UPDATE users SET course_id = $2 WHERE id = $1"
    )
    .bind(user)
    .bind(course)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
}

async fn course_of(db: &DbPool, user: i64) -> Option<i64> {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "SELECT course_id FROM users WHERE id = $1"
    )
    .bind(user)
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// The id in the address a redirect went to (`/admin/courses/<id>/`).
fn created_id(page: &str) -> i64 {
    let form = regex::Regex::new(r#"action="/admin/courses/(\d+)/""#).unwrap();
    form.captures(page).unwrap()[1].parse().unwrap()
}

#[tokio::test]
async fn courses_are_created_listed_and_filter_the_user_list() {
    let area = Area::new().await;
    let db = area.app.db().await;

    let response = area
        .post(&area.staff, "/admin/courses/", &[("name", "")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Give the course a name.")
    );
    let response = area
        .post(&area.staff, "/admin/courses/", &[("name", "other")])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "Other exists"
    );
    let page = area
        .submit(&area.staff, "/admin/courses/", &[("name", "Informatik")])
        .await;
    assert!(page.contains("Created the course Informatik."), "{page}");
    let course = created_id(&page);
    choose_course(&db, area.student_id, course).await;
    let page = area
        .page(&area.staff, &format!("/admin/courses/{course}/"))
        .await;
    assert!(
        page.contains("1 student names this course of study"),
        "{page}"
    );

    // The list: by name, by students, searched, as CSV.
    let row =
        regex::Regex::new(r#"<a href="/admin/courses/\d+/">([^<]+)</a></th>\s*<td>(\d+)</td>"#)
            .unwrap();
    let rows = |page: &str| -> Vec<String> {
        row.captures_iter(page)
            .map(|found| format!("{} {}", &found[1], &found[2]))
            .collect()
    };
    let page = area.page(&area.staff, "/admin/courses/").await;
    assert_eq!(rows(&page), ["Informatik 1", "Other 0"]);
    let page = area.page(&area.staff, "/admin/courses/?q=THER").await;
    assert_eq!(rows(&page), ["Other 0"]);
    let csv = area
        .get(&area.staff, "/admin/courses/?format=csv&sort=members")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines[0], "id,name,members");
    assert_eq!(lines[1], format!("{course},Informatik,1"));
    assert_eq!(lines.len(), 3, "{csv}");

    // The user list shows the course's students.
    let users = area
        .page(&area.staff, &format!("/admin/users/?course={course}"))
        .await;
    assert!(
        users.contains(">student</a></th>") && !users.contains(">teacher</a></th>"),
        "{users}"
    );
}

#[tokio::test]
async fn courses_are_renamed_and_deleted_after_a_confirmation() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let page = area
        .submit(&area.staff, "/admin/courses/", &[("name", "Informatik")])
        .await;
    let course = created_id(&page);
    choose_course(&db, area.student_id, course).await;

    let path = format!("/admin/courses/{course}/");
    let response = area.post(&area.staff, &path, &[("name", " OTHER ")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = area
        .submit(&area.staff, &path, &[("name", "Computer Science")])
        .await;
    assert!(
        page.contains("Saved the course Computer Science."),
        "{page}"
    );

    let response = area.post(&area.staff, &format!("{path}delete/"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let confirm = response.text().await.unwrap();
    assert!(
        confirm.contains("Delete the course Computer Science?"),
        "{confirm}"
    );
    assert_eq!(course_of(&db, area.student_id).await, Some(course));
    let fields = [("confirm", "true")];
    let page = area
        .submit(&area.staff, &format!("{path}delete/"), &fields)
        .await;
    assert!(
        page.contains("Deleted the course Computer Science."),
        "{page}"
    );
    assert_eq!(course_of(&db, area.student_id).await, None);
    assert_eq!(
        area.get(&area.staff, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        area.get(&area.student, "/admin/courses/").await.status(),
        StatusCode::NOT_FOUND
    );

    let csv = area
        .get(&area.superuser, "/admin/audit/?format=csv&kind=course")
        .await
        .text()
        .await
        .unwrap();
    let changes: Vec<_> = csv
        .lines()
        .skip(1)
        .map(|line| line.splitn(3, ',').nth(2).unwrap())
        .collect();
    let id = course.to_string();
    assert_eq!(
        changes,
        [
            format!("teacher,course,{id},Computer Science,name,Computer Science,"),
            format!("teacher,course,{id},Computer Science,name,Informatik,Computer Science"),
            format!("teacher,course,{id},Informatik,name,,Informatik"),
        ]
    );
}
