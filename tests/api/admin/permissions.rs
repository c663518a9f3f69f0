//! Every admin route, taken from the server's own route list, against every role: students get
//! 404 (the area is invisible), visitors the login page, staff the staff pages (404 for the
//! superusers' pages), superusers everything; no admin POST is accepted without CSRF.

use reqwest::StatusCode;

use super::{Area, catalog};
use crate::common;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Staff,
    Superuser,
}

/// One admin route: its method and Rocket path, a path to request it by (`{user}`, `{run}`,
/// `{category}`, `{task}`, `{check}` (a plagiarism check), `{run_check}` (a run of the check queue), `{pair}`,
/// `{group}`, `{course}`, `{regrade}` stand for existing objects), and who may use it.
#[rustfmt::skip]
const TABLE: &[(&str, &str, &str, Who)] = &[
    ("GET",  "/admin",                              "/admin/",                              Who::Staff),
    ("GET",  "/admin/dashboard/events",             "/admin/dashboard/events",              Who::Staff),
    ("GET",  "/admin/imports",                      "/admin/imports/",                      Who::Staff),
    ("POST", "/admin/imports",                      "/admin/imports/",                      Who::Staff),
    ("GET",  "/admin/imports/<id>",                 "/admin/imports/{run}/",                Who::Staff),
    ("GET",  "/admin/categories",                   "/admin/categories/",                   Who::Staff),
    ("GET",  "/admin/categories/<id>",              "/admin/categories/{category}/",        Who::Staff),
    ("POST", "/admin/categories/<id>",              "/admin/categories/{category}/",        Who::Staff),
    ("GET",  "/admin/tasks",                        "/admin/tasks/",                        Who::Staff),
    ("GET",  "/admin/tasks/<id>",                   "/admin/tasks/{task}/",                 Who::Staff),
    ("POST", "/admin/tasks/<id>",                   "/admin/tasks/{task}/",                 Who::Staff),
    ("GET",  "/admin/extensions",                   "/admin/extensions/",                   Who::Staff),
    ("POST", "/admin/extensions",                   "/admin/extensions/",                   Who::Staff),
    ("POST", "/admin/extensions/<id>/delete",       "/admin/extensions/1/delete/",          Who::Staff),
    ("GET",  "/admin/grades",                       "/admin/grades/",                       Who::Staff),
    ("GET",  "/admin/grades/matrix",                "/admin/grades/matrix/",                Who::Staff),
    ("GET",  "/admin/solutions",                    "/admin/solutions/",                    Who::Staff),
    ("POST", "/admin/solutions/bulk",               "/admin/solutions/bulk/",               Who::Staff),
    ("GET",  "/admin/solutions/<id>",               "/admin/solutions/{solution}/",         Who::Staff),
    ("GET",  "/admin/checks",                       "/admin/checks/",                       Who::Staff),
    ("GET",  "/admin/checks/<id>",                  "/admin/checks/{run_check}/",           Who::Staff),
    ("POST", "/admin/checks/<id>/cancel",           "/admin/checks/{run_check}/cancel/",    Who::Staff),
    ("GET",  "/admin/users",                        "/admin/users/",                        Who::Staff),
    ("POST", "/admin/users/bulk",                   "/admin/users/bulk/",                   Who::Staff),
    ("GET",  "/admin/users/<id>",                   "/admin/users/{user}/",                 Who::Staff),
    ("POST", "/admin/users/<id>",                   "/admin/users/{user}/",                 Who::Staff),
    ("POST", "/admin/users/<id>/password-reset",    "/admin/users/{user}/password-reset/",  Who::Staff),
    ("GET",  "/admin/groups",                       "/admin/groups/",                       Who::Staff),
    ("POST", "/admin/groups",                       "/admin/groups/",                       Who::Staff),
    ("GET",  "/admin/groups/<id>",                  "/admin/groups/{group}/",               Who::Staff),
    ("POST", "/admin/groups/<id>",                  "/admin/groups/{group}/",               Who::Staff),
    ("POST", "/admin/groups/<id>/delete",           "/admin/groups/{group}/delete/",        Who::Staff),
    ("POST", "/admin/groups/<id>/members",          "/admin/groups/{group}/members/",       Who::Staff),
    ("POST", "/admin/groups/<id>/members/remove",   "/admin/groups/{group}/members/remove/", Who::Staff),
    ("GET",  "/admin/courses",                      "/admin/courses/",                      Who::Staff),
    ("POST", "/admin/courses",                      "/admin/courses/",                      Who::Staff),
    ("GET",  "/admin/courses/<id>",                 "/admin/courses/{course}/",             Who::Staff),
    ("POST", "/admin/courses/<id>",                 "/admin/courses/{course}/",             Who::Staff),
    ("POST", "/admin/courses/<id>/delete",          "/admin/courses/{course}/delete/",      Who::Staff),
    ("GET",  "/admin/plagiarism",                   "/admin/plagiarism/",                   Who::Staff),
    ("POST", "/admin/plagiarism",                   "/admin/plagiarism/",                   Who::Staff),
    ("GET",  "/admin/plagiarism/<id>",               "/admin/plagiarism/{check}/",           Who::Staff),
    ("GET",  "/admin/plagiarism/<id>/events",       "/admin/plagiarism/{check}/events",     Who::Staff),
    ("GET",  "/admin/plagiarism/pairs/<id>",        "/admin/plagiarism/pairs/{pair}/",      Who::Staff),
    ("POST", "/admin/plagiarism/pairs/<id>/dismiss", "/admin/plagiarism/pairs/{pair}/dismiss/", Who::Staff),
    ("POST", "/admin/plagiarism/pairs/<id>/restore", "/admin/plagiarism/pairs/{pair}/restore/", Who::Staff),
    ("POST", "/admin/tasks/<id>/regrade",           "/admin/tasks/{task}/regrade/",         Who::Staff),
    ("GET",  "/admin/regrades",                     "/admin/regrades/",                     Who::Staff),
    ("GET",  "/admin/regrades/<id>",                "/admin/regrades/{regrade}/",           Who::Staff),
    ("GET",  "/admin/regrades/<id>/events",         "/admin/regrades/{regrade}/events",     Who::Staff),
    ("POST", "/admin/regrades/<id>/publish",        "/admin/regrades/{regrade}/publish/",   Who::Staff),
    ("POST", "/admin/regrades/<id>/discard",        "/admin/regrades/{regrade}/discard/",   Who::Staff),
    ("GET",  "/admin/audit",                        "/admin/audit/",                        Who::Superuser),
    ("GET",  "/admin/settings",                     "/admin/settings/",                     Who::Superuser),
    ("POST", "/admin/settings",                     "/admin/settings/",                     Who::Superuser),
    ("GET",  "/admin/pages",                        "/admin/pages/",                        Who::Superuser),
    ("GET",  "/admin/pages/<slug>",                 "/admin/pages/help/",                   Who::Superuser),
    ("POST", "/admin/pages/<slug>",                 "/admin/pages/help/",                   Who::Superuser),
];

/// A solution of `author` for `task`: its id.
async fn a_solution(db: &inloop::db::DbPool, task: i64, author: i64) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status)
         VALUES ($1, $2, 1, 0, 'hash', 'saved') RETURNING id"
    )
    .bind(task)
    .bind(author)
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// A queued check of `solution`: its id.
async fn a_check(db: &inloop::db::DbPool, solution: i64, author: i64) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "INSERT INTO checks (solution_id, author_id, not_before, queued_at)
         VALUES ($1, $2, 0, 0) RETURNING id"
    )
    .bind(solution)
    .bind(author)
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// A finished plagiarism check with one pair (a solution paired with itself will do): their ids.
async fn a_plagiarism_pair(
    db: &inloop::db::DbPool,
    task: i64,
    solution: i64,
    author: i64,
) -> (i64, i64) {
    inloop::on_pool!(db, |pool| {
        let check: i64 = sqlx::query_scalar(
            "INSERT INTO plagiarism_runs (task_id, min_similarity, requested_at, status)
             VALUES ($1, 0.9, 0, 'succeeded') RETURNING id",
        )
        .bind(task)
        .fetch_one(pool)
        .await
        .unwrap();
        let pair: i64 = sqlx::query_scalar(
            "INSERT INTO plagiarism_pairs
                 (run_id, task_id, solution_a, solution_b, author_a, author_b, similarity)
             VALUES ($1, $2, $3, $3, $4, $4, 1.0) RETURNING id",
        )
        .bind(check)
        .bind(task)
        .bind(solution)
        .bind(author)
        .fetch_one(pool)
        .await
        .unwrap();
        (check, pair)
    })
}

/// A discarded regrade of `task`: its id.
async fn a_regrade(db: &inloop::db::DbPool, task: i64) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "INSERT INTO regrades (task_id, requested_at, status, decided_at)
         VALUES ($1, 0, 'discarded', 0) RETURNING id"
    )
    .bind(task)
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// A group and a course of study: their ids.
async fn a_group_and_course(db: &inloop::db::DbPool) -> (i64, i64) {
    let group = inloop::accounts::groups::ensure(db, "Lab").await.unwrap();
    let course = inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "INSERT INTO courses (name) VALUES ('Physics') RETURNING id"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    (group, course)
}

/// The table names exactly the server's admin routes.
fn table_names_every_admin_route(routes: &[(String, String)]) {
    let admin_routes: Vec<_> = routes
        .iter()
        .filter(|(_, path)| path == "/admin" || path.starts_with("/admin/"))
        .collect();
    for (method, pattern) in &admin_routes {
        assert!(
            TABLE.iter().any(|(m, p, _, _)| m == method && p == pattern),
            "{method} {pattern} has no entry in the permission table"
        );
    }
    for (method, pattern, _, _) in TABLE {
        assert!(
            admin_routes
                .iter()
                .any(|(m, p)| m == method && p == pattern),
            "the table names {method} {pattern}, which the server does not have"
        );
    }
}

#[tokio::test]
async fn every_admin_route_answers_each_role_as_the_table_says() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (category, task, run) = catalog(&db).await;
    let solution = a_solution(&db, task, area.student_id).await;
    let (check, pair) = a_plagiarism_pair(&db, task, solution, area.student_id).await;
    let (group, course) = a_group_and_course(&db).await;
    let run_check = a_check(&db, solution, area.student_id).await;
    let regrade = a_regrade(&db, task).await;
    let objects = [
        ("{user}", area.student_id),
        ("{run}", run),
        ("{category}", category),
        ("{task}", task),
        ("{solution}", solution),
        ("{check}", check),
        ("{run_check}", run_check),
        ("{pair}", pair),
        ("{group}", group),
        ("{course}", course),
        ("{regrade}", regrade),
    ];
    let anonymous = common::browser();

    table_names_every_admin_route(&area.app.routes);

    for &(method, _, template, who) in TABLE {
        let path = objects
            .iter()
            .fold(template.to_owned(), |path, (name, id)| {
                path.replace(name, &id.to_string())
            });
        if method == "GET" {
            let response = area.get(&anonymous, &path).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "anonymous {path}");
            assert!(
                common::location(&response).starts_with("/login/?next="),
                "anonymous {path}"
            );
            let staff = if who == Who::Staff {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            for (browser, expected, role) in [
                (&area.student, StatusCode::NOT_FOUND, "student"),
                (&area.staff, staff, "staff"),
                (&area.superuser, StatusCode::OK, "superuser"),
            ] {
                let response = area.get(browser, &path).await;
                assert_eq!(response.status(), expected, "{role} {path}");
            }
            // The address of a page without the final slash leads to the one with it (event
            // streams are no pages and have none).
            if !path.ends_with("/events") {
                let bare = path.trim_end_matches('/');
                let response = area.get(&area.superuser, bare).await;
                assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{bare}");
                assert_eq!(common::location(&response), format!("{bare}/"));
            }
        } else {
            for browser in [&anonymous, &area.student, &area.staff, &area.superuser] {
                let forged = browser
                    .post(area.app.at(&path))
                    .form(&[("x", "1")])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    forged.status(),
                    StatusCode::FORBIDDEN,
                    "POST {path} without CSRF"
                );
            }
            let response = area.post(&anonymous, &path, &[]).await;
            assert_eq!(
                response.status(),
                StatusCode::SEE_OTHER,
                "anonymous POST {path}"
            );
            assert!(common::location(&response).starts_with("/login/?next="));
            let response = area.post(&area.student, &path, &[]).await;
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "student POST {path}"
            );
            if who == Who::Superuser {
                let response = area.post(&area.staff, &path, &[]).await;
                assert_eq!(
                    response.status(),
                    StatusCode::NOT_FOUND,
                    "staff POST {path}"
                );
            }
        }
    }
}
