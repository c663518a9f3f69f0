//! `/admin/users/`: the list with search, filters, order, pages and CSV; one user's page with
//! activity, roles, groups and a reset mail; bulk (de)activation and group membership with a
//! confirmation step.

use inloop::db::{DbPool, Timestamp};
use reqwest::StatusCode;

use super::Area;
use crate::common::{self, mail::MailSink};

/// Adds `count` students `user000`… (every third inactive, every fifth in group `Lab`).
async fn seed(db: &DbPool, count: i64) -> i64 {
    inloop::on_pool!(db, |pool| {
        let group: i64 =
            sqlx::query_scalar("INSERT INTO groups (name) VALUES ('Lab') RETURNING id")
                .fetch_one(pool)
                .await
                .unwrap();
        for number in 0..count {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (username, email, password_hash, first_name, last_name, is_active, date_joined)
                 VALUES ($1, $2, 'x', 'Ada', $3, $4, $5) RETURNING id",
            )
            .bind(format!("user{number:03}"))
            .bind(format!("u{number:03}@uni.example"))
            .bind(format!("Surname{number:03}"))
            .bind(number % 3 != 0)
            .bind(Timestamp::now().millis() + number)
            .fetch_one(pool)
            .await
            .unwrap();
            if number % 5 == 0 {
                sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
                    .bind(group)
                    .bind(id)
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        group
    })
}

fn usernames(page: &str) -> Vec<String> {
    let link = regex::Regex::new(r#"<a href="/admin/users/\d+/">([^<]+)</a>"#).unwrap();
    link.captures_iter(page)
        .map(|found| found[1].to_owned())
        .collect()
}

fn next_link(page: &str) -> Option<String> {
    let next = regex::Regex::new(r#"<a href="([^"]+)">Next</a>"#).unwrap();
    next.captures(page)
        .map(|found| found[1].replace("&#x2F;", "/").replace("&amp;", "&"))
}

#[tokio::test]
async fn the_list_searches_filters_sorts_pages_and_exports() {
    let area = Area::new().await;
    let group = seed(&area.app.db().await, 120).await;

    // 123 users, 50 a page, by username: three pages.
    let mut all = Vec::new();
    let mut next = Some("/admin/users/".to_owned());
    while let Some(path) = next.take() {
        let page = area.page(&area.staff, &path).await;
        all.extend(usernames(&page));
        next = next_link(&page);
    }
    assert_eq!(all.len(), 123);
    let mut sorted = all.clone();
    sorted.sort_by_key(|name| name.to_lowercase());
    assert_eq!(all, sorted);

    let found = usernames(&area.page(&area.staff, "/admin/users/?q=U017%40UNI").await);
    assert_eq!(found, ["user017"], "search by e-mail, any case");
    let found = usernames(&area.page(&area.staff, "/admin/users/?q=surname10").await);
    assert_eq!(found.len(), 10, "search by name: {found:?}");
    let found = usernames(&area.page(&area.staff, "/admin/users/?q=%25").await);
    assert!(found.is_empty(), "wildcards are literal: {found:?}");
    let staff = usernames(&area.page(&area.staff, "/admin/users/?staff=yes").await);
    assert_eq!(staff, ["boss", "teacher"]);
    let path = format!("/admin/users/?group={group}&active=no&sort=newest");
    let found = usernames(&area.page(&area.staff, &path).await);
    let expected: Vec<_> = (0..120)
        .rev()
        .filter(|number| number % 5 == 0 && number % 3 == 0)
        .map(|number| format!("user{number:03}"))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(
        area.get(&area.staff, "/admin/users/?sort=bogus")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );

    let csv = area
        .get(
            &area.staff,
            &format!("/admin/users/?format=csv&group={group}"),
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,username,email,first_name,last_name,active,staff,superuser,joined"
    );
    assert_eq!(lines.len(), 1 + 24);
    assert!(lines[1].contains(",user000,u000@uni.example,Ada,Surname000,no,no,no,"));
    let everyone = area
        .get(&area.staff, "/admin/users/?format=csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(everyone.lines().count(), 1 + 123);
}

#[tokio::test]
async fn staff_deactivate_and_group_students_superusers_change_roles_all_audited() {
    let area = Area::new().await;
    let student = area.student_id;
    let path = format!("/admin/users/{student}/");
    let group = inloop::accounts::groups::ensure(&area.app.db().await, "Lab")
        .await
        .unwrap();
    let page = area.page(&area.staff, &path).await;
    assert!(page.contains("only superusers change roles"), "{page}");

    // Staff: deactivate and add to a group; a role sent anyway is ignored.
    let group_id = group.to_string();
    let fields = [("staff", "true"), ("groups", group_id.as_str())];
    let page = area.submit(&area.staff, &path, &fields).await;
    assert!(page.contains("Saved student"), "{page}");
    let response = area.get(&area.student, "/tasks/").await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the student's session ended"
    );
    let user = inloop::accounts::users::by_id(&area.app.db().await, student)
        .await
        .unwrap()
        .unwrap();
    assert!(!user.is_active && !user.is_staff);

    // A superuser makes them staff again and active; nobody takes their own superuser role.
    let fields = [
        ("active", "true"),
        ("staff", "true"),
        ("groups", group_id.as_str()),
    ];
    area.submit(&area.superuser, &path, &fields).await;
    let user = inloop::accounts::users::by_id(&area.app.db().await, student)
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_active && user.is_staff);
    let own = format!("/admin/users/{}/", area.superuser_id);
    let response = area
        .post(
            &area.superuser,
            &own,
            &[("active", "true"), ("staff", "true")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("You cannot take the superuser role from yourself")
    );

    let csv = area
        .get(
            &area.superuser,
            &format!("/admin/audit/?format=csv&kind=user&object={student}"),
        )
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<_> = csv.lines().skip(1).collect();
    assert_eq!(lines.len(), 4, "{csv}");
    for expected in [
        ",boss,user,{id},student,is_staff,false,true",
        ",boss,user,{id},student,is_active,false,true",
        ",teacher,user,{id},student,groups,,Lab",
        ",teacher,user,{id},student,is_active,true,false",
    ] {
        let expected = expected.replace("{id}", &student.to_string());
        assert!(
            lines.iter().any(|line| line.ends_with(&expected)),
            "{expected} in {csv}"
        );
    }
}

#[tokio::test]
async fn bulk_deactivation_asks_first_and_spares_the_actor() {
    let area = Area::new().await;
    let db = area.app.db().await;
    seed(&db, 3).await;
    let ids: Vec<i64> = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username IN ('user001', 'user002', 'teacher') ORDER BY id"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let mut fields = vec![("action", "deactivate")];
    fields.extend(ids.iter().map(|id| ("ids", id.as_str())));
    let response = area.post(&area.staff, "/admin/users/bulk/", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let confirm = response.text().await.unwrap();
    assert!(confirm.contains("Deactivate 2 users?"), "{confirm}");
    assert!(
        confirm.contains("user001") && !confirm.contains("teacher@"),
        "{confirm}"
    );
    let active = |name: &'static str| {
        let db = db.clone();
        async move {
            inloop::accounts::users::by_login(&db, name)
                .await
                .unwrap()
                .unwrap()
                .is_active
        }
    };
    assert!(
        active("user001").await,
        "nothing changes before the confirmation"
    );

    fields.push(("confirm", "true"));
    let page = area
        .submit(&area.staff, "/admin/users/bulk/", &fields)
        .await;
    assert!(page.contains("Deactivated 2 of 2 users."), "{page}");
    assert!(!active("user001").await && !active("user002").await && active("teacher").await);
    let audit = area.page(&area.superuser, "/admin/audit/?kind=user").await;
    assert_eq!(audit.matches("is_active").count(), 2, "{audit}");
}

#[tokio::test]
async fn ticked_users_join_and_leave_a_group_after_a_confirmation() {
    let area = Area::new().await;
    let db = area.app.db().await;
    seed(&db, 3).await;
    let group = inloop::accounts::groups::ensure(&db, "Lab 3")
        .await
        .unwrap();
    let ids: Vec<i64> = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username IN ('user001', 'user002') ORDER BY id"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let group = group.to_string();
    let members = |db: inloop::db::DbPool| async move {
        inloop::on_pool!(&db, |pool| sqlx::query_scalar::<_, String>(
            "SELECT u.username FROM group_members m JOIN users u ON u.id = m.user_id
             JOIN groups g ON g.id = m.group_id WHERE g.name = 'Lab 3' ORDER BY u.username"
        )
        .fetch_all(pool)
        .await)
        .unwrap()
    };

    // A group action without a group is refused with the reason.
    let mut fields = vec![("action", "add_to_group")];
    fields.extend(ids.iter().map(|id| ("ids", id.as_str())));
    let page = area
        .submit(&area.staff, "/admin/users/bulk/", &fields)
        .await;
    assert!(page.contains("Choose a group."), "{page}");

    fields.push(("group", group.as_str()));
    let response = area.post(&area.staff, "/admin/users/bulk/", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let confirm = response.text().await.unwrap();
    assert!(confirm.contains("Add 2 users to Lab 3?"), "{confirm}");
    assert!(
        members(db.clone()).await.is_empty(),
        "nothing before the confirmation"
    );
    fields.push(("confirm", "true"));
    let page = area
        .submit(&area.staff, "/admin/users/bulk/", &fields)
        .await;
    assert!(page.contains("Added 2 of 2 users to Lab 3."), "{page}");
    assert_eq!(members(db.clone()).await, ["user001", "user002"]);

    let mut fields = vec![("action", "remove_from_group"), ("group", group.as_str())];
    fields.push(("ids", ids[0].as_str()));
    let response = area.post(&area.staff, "/admin/users/bulk/", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let confirm = response.text().await.unwrap();
    assert!(confirm.contains("Take 1 user out of Lab 3?"), "{confirm}");
    fields.push(("confirm", "true"));
    let page = area
        .submit(&area.staff, "/admin/users/bulk/", &fields)
        .await;
    assert!(page.contains("Took 1 of 1 users out of Lab 3."), "{page}");
    assert_eq!(members(db.clone()).await, ["user002"]);
    let audited: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'group' AND field = 'member'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(audited, 3, "two joined, one left");
}

#[tokio::test]
async fn staff_mail_a_password_reset_link() {
    let sink = MailSink::start();
    let url = sink.url();
    let area = Area::with(|config| config.email_url = Some(url.as_str().into())).await;
    let path = format!("/admin/users/{}/password-reset/", area.student_id);
    let page = area.submit(&area.staff, &path, &[]).await;
    assert!(
        page.contains("A password reset link was mailed to student@example.org"),
        "{page}"
    );
    let mails = sink.mails_to("student@example.org");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("/account/reset/"), "{}", mails[0]);
    let link = regex::Regex::new(r"http://[^\s]+/account/reset/[^\s]+/").unwrap();
    let link = link.find(&mails[0]).unwrap().as_str();
    let reset = common::browser().get(link).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_users_page_links_their_solutions_and_the_list_keeps_its_filters() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, _) = super::catalog(&db).await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status, verdict)
         VALUES ($1, $2, 1, $3, 'hash', 'finished', 'passed')",
    )
    .bind(task)
    .bind(area.student_id)
    .bind(Timestamp::now())
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    let page = area
        .page(&area.staff, &format!("/admin/users/{}/", area.student_id))
        .await;
    assert!(
        page.contains("href=\"/solutions/detail/shell-task/1/?author=student\""),
        "{page}"
    );
    assert!(page.contains("<td>passed</td>"), "{page}");
    assert!(
        page.contains("<dd>never</dd>") || page.contains("Last login</dt><dd>2"),
        "{page}"
    );

    let group = inloop::accounts::groups::ensure(&db, "Lab").await.unwrap();
    let list = area
        .page(
            &area.staff,
            &format!("/admin/users/?group={group}&staff=no&q=stu"),
        )
        .await;
    assert!(
        list.contains(&format!("<option value=\"{group}\" selected>Lab</option>")),
        "{list}"
    );
    assert!(list.contains("<option value=\"no\" selected>no</option>"));
    assert!(list.contains("name=\"q\" value=\"stu\""));
}

#[tokio::test]
async fn the_list_filters_by_course_of_study_and_sign_up_days_in_the_configured_zone() {
    let area = Area::new().await;
    let db = area.app.db().await;
    // 1 March 2026, 23:30 and 2 March, 00:30 and 23:59 in Berlin (winter time, UTC+1).
    let joined = [
        ("late", 1_772_404_200_000_i64, true),
        ("early", 1_772_407_800_000, false),
        ("midnight", 1_772_488_740_000, true),
    ];
    inloop::on_pool!(&db, |pool| {
        let course: i64 =
            sqlx::query_scalar("INSERT INTO courses (name) VALUES ('Informatik') RETURNING id")
                .fetch_one(pool)
                .await
                .unwrap();
        for (name, at, in_course) in joined {
            sqlx::query(
                "INSERT INTO users (username, email, password_hash, date_joined, is_active, course_id)
                 VALUES ($1, $1 || '@uni.example', 'x', $2, TRUE, $3)",
            )
            .bind(name)
            .bind(at)
            .bind(in_course.then_some(course))
            .execute(pool)
            .await
            .unwrap();
        }
        course
    });
    let course: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM courses WHERE name = 'Informatik'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();

    let found = usernames(
        &area
            .page(&area.staff, &format!("/admin/users/?course={course}"))
            .await,
    );
    assert_eq!(found, ["late", "midnight"]);
    let path = "/admin/users/?joined_from=2026-03-02&joined_to=2026-03-02";
    let found = usernames(&area.page(&area.staff, path).await);
    assert_eq!(found, ["early", "midnight"], "2 March in Berlin");
    let found = usernames(
        &area
            .page(&area.staff, "/admin/users/?joined_to=2026-03-01")
            .await,
    );
    assert!(found.contains(&"late".to_owned()) && !found.contains(&"early".to_owned()));
    let page = area
        .page(
            &area.staff,
            &format!("/admin/users/?course={course}&joined_from=2026-03-02"),
        )
        .await;
    assert_eq!(usernames(&page), ["midnight"]);
    assert!(page.contains(&format!(
        "<option value=\"{course}\" selected>Informatik</option>"
    )));
    assert!(page.contains("name=\"joined_from\" value=\"2026-03-02\""));
    let csv = area
        .get(
            &area.staff,
            &format!("/admin/users/?format=csv&course={course}&joined_from=2026-03-02"),
        )
        .await
        .text()
        .await
        .unwrap();
    let rows: Vec<_> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(",midnight,"), "{csv}");

    for (query, reason) in [
        ("joined_from=2026-02-30", "Signed up from must be a date"),
        ("joined_to=soon", "Signed up to must be a date"),
        ("course=abc", "No such course of study."),
    ] {
        let response = area
            .get(&area.staff, &format!("/admin/users/?{query}"))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(response.text().await.unwrap().contains(reason), "{query}");
    }
}
