//! `/admin/groups/`: the list with search, order and CSV; creating and renaming with a message
//! beside a refused name; members added by username (unknown ones named, nothing added) and taken
//! out after a confirmation, a page at a time; deleting after a confirmation that shows what uses
//! the group. Every change is audited.

use inloop::accounts::groups;
use inloop::db::{DbPool, Timestamp, UserId};
use inloop::tasks::extensions::{self, Grantee, Scope};
use reqwest::StatusCode;

use super::{Area, catalog};
use crate::common;

/// Group `name` with `members` new users `{name}-000`…: its id.
async fn group_of(db: &DbPool, name: &str, members: i64) -> i64 {
    let group = groups::ensure(db, name).await.unwrap();
    for number in 0..members {
        let id: i64 = inloop::on_pool!(db, |pool| sqlx::query_scalar(
            "INSERT INTO users (username, email, password_hash, date_joined)
             VALUES ($1, $2, 'x', 0) RETURNING id"
        )
        .bind(format!("{name}-{number:03}"))
        .bind(format!("{name}-{number:03}@uni.example"))
        .fetch_one(pool)
        .await)
        .unwrap();
        groups::add_member(db, group, UserId(id)).await.unwrap();
    }
    group
}

/// The names in the list's table, in order.
fn listed(page: &str) -> Vec<String> {
    let link = regex::Regex::new(r#"<a href="/admin/groups/\d+/">([^<]+)</a>"#).unwrap();
    link.captures_iter(page)
        .map(|found| found[1].to_owned())
        .collect()
}

/// The audit log's rows about groups, newest first, as CSV lines without id and time.
async fn audited(area: &Area) -> Vec<String> {
    let csv = area
        .get(&area.superuser, "/admin/audit/?format=csv&kind=group")
        .await
        .text()
        .await
        .unwrap();
    csv.lines()
        .skip(1)
        .map(|line| line.splitn(3, ',').nth(2).unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_searches_sorts_and_exports() {
    let area = Area::new().await;
    let db = area.app.db().await;
    group_of(&db, "tutorial", 1).await;
    group_of(&db, "Lab A", 3).await;
    group_of(&db, "lab_b", 0).await;

    let page = area.page(&area.staff, "/admin/groups/").await;
    assert_eq!(listed(&page), ["Lab A", "lab_b", "tutorial"]);
    let page = area.page(&area.staff, "/admin/groups/?sort=members").await;
    assert_eq!(listed(&page), ["Lab A", "tutorial", "lab_b"]);
    assert!(page.contains("<td>3</td>"), "{page}");
    let page = area.page(&area.staff, "/admin/groups/?q=LAB").await;
    assert_eq!(listed(&page), ["Lab A", "lab_b"]);
    let page = area.page(&area.staff, "/admin/groups/?q=_").await;
    assert_eq!(listed(&page), ["lab_b"], "wildcards are literal");
    let response = area.get(&area.staff, "/admin/groups/?sort=bogus").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response = area
        .get(&area.staff, "/admin/groups/?format=csv&q=lab&sort=members")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    let rows: Vec<_> = csv
        .lines()
        .map(|line| line.split_once(',').unwrap().1)
        .collect();
    assert_eq!(rows, ["name,members", "Lab A,3", "lab_b,0"], "{csv}");

    assert_eq!(
        area.get(&area.student, "/admin/groups/").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn names_are_refused_beside_the_field_when_empty_or_taken() {
    let area = Area::new().await;
    let response = area
        .post(&area.staff, "/admin/groups/", &[("name", " ")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Give the group a name.")
    );

    let page = area
        .submit(&area.staff, "/admin/groups/", &[("name", " Lab ")])
        .await;
    assert!(page.contains("Created the group Lab."), "{page}");
    let response = area
        .post(&area.staff, "/admin/groups/", &[("name", "LAB")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("There is a group named &quot;LAB&quot; already."),
        "{page}"
    );
    assert!(page.contains(r#"value="LAB""#), "the name as typed stays");

    let id = groups::ensure(&area.app.db().await, "Lab").await.unwrap();
    groups::ensure(&area.app.db().await, "Tutorial")
        .await
        .unwrap();
    let path = format!("/admin/groups/{id}/");
    let response = area.post(&area.staff, &path, &[("name", "tutorial")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = area.submit(&area.staff, &path, &[("name", "Lab 2")]).await;
    assert!(page.contains("Saved the group Lab 2."), "{page}");
    let page = area.submit(&area.staff, &path, &[("name", "lab 2")]).await;
    assert!(
        page.contains("Saved the group lab 2."),
        "its own name in another case"
    );

    let forged = area
        .staff
        .post(area.app.at("/admin/groups/"))
        .form(&[("name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");

    let id = id.to_string();
    let expected = [
        format!("teacher,group,{id},lab 2,name,Lab 2,lab 2"),
        format!("teacher,group,{id},Lab 2,name,Lab,Lab 2"),
        format!("teacher,group,{id},Lab,name,,Lab"),
    ];
    assert_eq!(audited(&area).await, expected);
}

#[tokio::test]
async fn members_are_added_by_name_and_taken_out_after_a_confirmation() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let group = group_of(&db, "Lab", 52).await;
    let path = format!("/admin/groups/{group}/");

    // Unknown names are named, nothing is added, and what was typed stays.
    let typed = "student, nobody\nghost nobody";
    let response = area
        .post(
            &area.staff,
            &format!("{path}members/"),
            &[("usernames", typed)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Nobody was added: there is no user nobody, ghost."),
        "{page}"
    );
    assert!(
        page.contains(">student, nobody\nghost nobody</textarea>"),
        "{page}"
    );
    assert!(
        groups::names_of(&db, area.student_id)
            .await
            .unwrap()
            .is_empty()
    );

    let fields = [("usernames", "student TEACHER@example.org student Lab-000")];
    let page = area
        .submit(&area.staff, &format!("{path}members/"), &fields)
        .await;
    assert!(
        page.contains("Added to Lab: student, teacher. Members already: Lab-000."),
        "{page}"
    );

    // 54 members, 50 a page, by username.
    let link = regex::Regex::new(r#"<a href="/admin/users/(\d+)/">([^<]+)</a>"#).unwrap();
    let names = |page: &str| -> Vec<String> {
        link.captures_iter(page)
            .map(|found| found[2].to_owned())
            .collect()
    };
    assert_eq!(names(&page).len(), 50);
    assert!(page.contains(">Next</a>"), "{page}");
    let second = area.page(&area.staff, &format!("{path}?page=2")).await;
    assert_eq!(names(&second), ["Lab-050", "Lab-051", "student", "teacher"]);

    // Taking out asks first.
    let student = area.student_id.to_string();
    let remove = format!("{path}members/remove/");
    let response = area.post(&area.staff, &remove, &[("ids", &student)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let confirm = response.text().await.unwrap();
    assert!(confirm.contains("Take 1 member out of Lab?"), "{confirm}");
    assert_eq!(
        groups::names_of(&db, area.student_id).await.unwrap(),
        ["Lab"]
    );
    let fields = [("ids", student.as_str()), ("confirm", "true")];
    let page = area.submit(&area.staff, &remove, &fields).await;
    assert!(page.contains("Took out of Lab: student."), "{page}");
    assert!(
        groups::names_of(&db, area.student_id)
            .await
            .unwrap()
            .is_empty()
    );

    let expected = [
        format!("teacher,group,{group},Lab,member,student,"),
        format!("teacher,group,{group},Lab,member,,teacher"),
        format!("teacher,group,{group},Lab,member,,student"),
    ];
    assert_eq!(audited(&area).await, expected);
}

#[tokio::test]
async fn deleting_shows_what_uses_the_group_and_asks_first() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = catalog(&db).await;
    let group = group_of(&db, "Exam", 2).await;
    inloop::on_pool!(&db, |pool| sqlx::query("UPDATE tasks SET group_id = $1")
        .bind(group)
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
    let deadline = Timestamp::now();
    let grantee = Grantee::Group(group);
    extensions::grant(
        &db,
        Scope::Task(task),
        grantee,
        deadline,
        "ill",
        area.superuser_id,
    )
    .await
    .unwrap();
    let path = format!("/admin/groups/{group}/");
    let page = area.page(&area.staff, &path).await;
    assert!(page.contains("Shell Task"), "{page}");

    let response = area.post(&area.staff, &format!("{path}delete/"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let confirm = response.text().await.unwrap();
    assert!(confirm.contains("Delete the group Exam?"), "{confirm}");
    assert!(confirm.contains("2 members leave the group"), "{confirm}");
    assert!(confirm.contains("Everyone will see the tasks only this group sees now: Shell Task."));
    assert!(confirm.contains("1 deadline extension granted to the group is deleted."));
    assert_eq!(area.get(&area.staff, &path).await.status(), StatusCode::OK);

    let fields = [("confirm", "true")];
    let page = area
        .submit(&area.staff, &format!("{path}delete/"), &fields)
        .await;
    assert!(page.contains("Deleted the group Exam."), "{page}");
    assert_eq!(
        area.get(&area.staff, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    let restricted: Option<i64> = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT group_id FROM tasks WHERE id = $1"
    )
    .bind(task)
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(restricted, None);
    assert_eq!(
        audited(&area).await,
        [format!("teacher,group,{group},Exam,name,Exam,")]
    );
    let response = common::browser()
        .get(area.app.at(&path))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "visitors log in first"
    );
}
