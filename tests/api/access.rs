//! The access-control matrix outside `/admin/` (which `admin::permissions` covers): every route,
//! taken from the server's own route list, against a visitor, the student who owns a solution,
//! another student, staff and a superuser; and no unsafe request is taken without its CSRF token.

use reqwest::{Client, StatusCode};

use crate::common::{self, TestApp};
use crate::solutions::support;

/// What a role gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    /// 200.
    Ok,
    /// 303 to the login page, which returns here afterwards.
    Login,
    /// 303 elsewhere.
    Away,
    /// 404: what a role may not see does not exist for it.
    Missing,
    /// 403: the page that explains a refused request.
    Refused,
    /// 405: a GET where only a POST may act (logging out).
    PostOnly,
}

use Answer::{Away, Login, Missing, Ok, PostOnly, Refused};

/// Answers for a visitor, the owner (a student), another student, staff and a superuser.
type Row = [Answer; 5];
const PUBLIC: Row = [Ok, Ok, Ok, Ok, Ok];
const ACCOUNT: Row = [Login, Ok, Ok, Ok, Ok];
/// The owner's own address of their solution (others have no solution of that number).
const OWN: Row = [Login, Ok, Missing, Missing, Missing];
/// The address staff use for a student's solution; students never name an author.
const NAMED: Row = [Login, Missing, Missing, Ok, Ok];
const STAFF: Row = [Login, Missing, Missing, Ok, Ok];
const NOBODY: Row = [Login, Missing, Missing, Missing, Missing];
const VISITOR: Row = [Ok, Away, Away, Away, Away];
const INVALID: Row = [Missing; 5];

/// Every GET route outside `/admin/`: its Rocket path, a path to request (the owner's solution is
/// number 1 of `shell-task`), and the answers. Links sent by mail with an unknown key are 404.
#[rustfmt::skip]
const GETS: &[(&str, &str, Row)] = &[
    ("/",                                               "/",                                                PUBLIC),
    ("/_/rejected/<reason>",                            "/_/rejected/csrf",                                 [Refused; 5]),
    ("/about/<slug>",                                   "/about/help/",                                     PUBLIC),
    ("/account/activate/<key>",                         "/account/activate/not-a-key/",                     INVALID),
    ("/account/confirm_ownwork",                        "/account/confirm_ownwork/",                        ACCOUNT),
    ("/account/password",                               "/account/password/",                               ACCOUNT),
    ("/account/password_reset",                         "/account/password_reset/",                         PUBLIC),
    ("/account/profile",                                "/account/profile/",                                ACCOUNT),
    ("/account/reset/<token>",                          "/account/reset/not-a-token/",                      INVALID),
    ("/account/signup",                                 "/account/signup/",                                 PUBLIC),
    ("/healthz",                                        "/healthz",                                         PUBLIC),
    ("/readyz",                                         "/readyz",                                          PUBLIC),
    ("/login",                                          "/login/",                                          VISITOR),
    ("/logout",                                         "/logout/",                                         [PostOnly; 5]),
    ("/metrics",                                        "/metrics",                                         PUBLIC),
    ("/privacy",                                        "/privacy/",                                        PUBLIC),
    ("/static/<path..>",                                "/static/app.css",                                  PUBLIC),
    ("/tasks",                                          "/tasks/",                                          ACCOUNT),
    ("/tasks/category/<slug>",                          "/tasks/category/basics/",                          ACCOUNT),
    ("/solutions/editor/<key>",                         "/solutions/editor/shell-task/",                    ACCOUNT),
    ("/solutions/editor/<slug>/<folder>/<path..>",      "/solutions/editor/shell-task/attachments/none.txt", NOBODY),
    ("/solutions/editor/<slug>/checkpoint",             "/solutions/editor/shell-task/checkpoint",          ACCOUNT),
    ("/solutions/editor/<slug>/checkpoint/history",     "/solutions/editor/shell-task/checkpoint/history",  ACCOUNT),
    ("/solutions/editor/<slug>/checkpoint/history/<version>", "/solutions/editor/shell-task/checkpoint/history/1", NOBODY),
    ("/solutions/editor/<slug>/terms",                  "/solutions/editor/shell-task/terms",               ACCOUNT),
    ("/solutions/list/<slug>",                          "/solutions/list/shell-task/",                      ACCOUNT),
    ("/solutions/list/<slug>/events",                   "/solutions/list/shell-task/events",                ACCOUNT),
    ("/solutions/detail/<slug>/<number>",               "/solutions/detail/shell-task/1/",   OWN),
    ("/solutions/detail/<slug>/<number>",               "/solutions/detail/shell-task/1/?author=student",   NAMED),
    ("/solutions/detail/<slug>/<number>/events",        "/solutions/detail/shell-task/1/events", OWN),
    ("/solutions/detail/<slug>/<number>/events",        "/solutions/detail/shell-task/1/events?author=student", NAMED),
    ("/solutions/detail/<slug>/<number>/download",      "/solutions/detail/shell-task/1/download", OWN),
    ("/solutions/detail/<slug>/<number>/download",      "/solutions/detail/shell-task/1/download?author=student", NAMED),
    ("/solutions/detail/<slug>/<number>/files/<name>",  "/solutions/detail/shell-task/1/files/solution.sh", OWN),
    ("/solutions/detail/<slug>/<number>/files/<name>",  "/solutions/detail/shell-task/1/files/solution.sh?author=student", NAMED),
    ("/statistics",                                     "/statistics/",                                     STAFF),
    ("/statistics/attempts",                            "/statistics/attempts/",                            STAFF),
    ("/statistics/submissions",                         "/statistics/submissions/",                         STAFF),
    ("/statistics/tasks/<slug>",                        "/statistics/tasks/shell-task/",                    STAFF),
    ("/statistics/live",                                "/statistics/live/",                                STAFF),
    ("/statistics/live/events",                         "/statistics/live/events",                          STAFF),
];

/// Every unsafe route outside `/admin/`, with a path to request and whether it is private (a
/// visitor is sent to log in). The webhook is the one without CSRF: its signature stands in.
/// The editor's routes take JSON (the token then comes in the `X-CSRF-Token` header).
#[rustfmt::skip]
const UNSAFE: &[(&str, &str, &str, bool)] = &[
    ("POST", "/login",                                          "/login/",                                          false),
    ("POST", "/logout",                                         "/logout/",                                         false),
    ("POST", "/account/signup",                                 "/account/signup/",                                 false),
    ("POST", "/account/password_reset",                         "/account/password_reset/",                         false),
    ("POST", "/account/reset/<token>",                          "/account/reset/not-a-token/",                      false),
    ("POST", "/account/confirm_ownwork",                        "/account/confirm_ownwork/",                        true),
    ("POST", "/account/password",                               "/account/password/",                               true),
    ("POST", "/account/profile",                                "/account/profile/",                                true),
    ("PUT",  "/solutions/editor/<slug>/checkpoint",             "/solutions/editor/shell-task/checkpoint",          true),
    ("POST", "/solutions/editor/<slug>/checkpoint/history/<version>/restore", "/solutions/editor/shell-task/checkpoint/history/1/restore", true),
    ("POST", "/solutions/editor/<slug>/upload",                 "/solutions/editor/shell-task/upload",              true),
    ("POST", "/solutions/editor/<slug>/submit",                 "/solutions/editor/shell-task/submit",              true),
    ("POST", "/solutions/rerun/<slug>",                         "/solutions/rerun/shell-task",                      true),
    ("POST", "/solutions/detail/<slug>/<number>/cancel",        "/solutions/detail/shell-task/1/cancel?author=student", true),
    ("POST", "/solutions/detail/<slug>/<number>/rerun",         "/solutions/detail/shell-task/1/rerun?author=student", true),
];

const ROLES: [&str; 5] = ["visitor", "owner", "another student", "staff", "superuser"];

/// The status and target `answer` means for `path`.
fn matches(answer: Answer, status: StatusCode, location: Option<&str>) -> bool {
    match answer {
        Ok => status == StatusCode::OK,
        Missing => status == StatusCode::NOT_FOUND,
        Login => {
            status == StatusCode::SEE_OTHER
                && location.is_some_and(|to| to.starts_with("/login/?next="))
        }
        Refused => status == StatusCode::FORBIDDEN,
        PostOnly => status == StatusCode::METHOD_NOT_ALLOWED,
        Away => {
            status == StatusCode::SEE_OTHER && location.is_some_and(|to| !to.starts_with("/login/"))
        }
    }
}

/// The server's routes outside `/admin/`, each named once in `GETS` or `UNSAFE`, and the reverse.
fn tables_name_every_route(app: &TestApp) {
    let routes: Vec<_> = app
        .routes
        .iter()
        .filter(|(_, path)| path != "/admin" && !path.starts_with("/admin/"))
        .filter(|(_, path)| path != "/gitload/webhook_handler")
        .collect();
    let named = |method: &str, pattern: &str| {
        (method == "GET" && GETS.iter().any(|(p, _, _)| *p == pattern))
            || UNSAFE
                .iter()
                .any(|(m, p, _, _)| *m == method && *p == pattern)
    };
    let unnamed: Vec<_> = routes
        .iter()
        .filter(|(method, pattern)| !named(method, pattern))
        .map(|(method, pattern)| format!("{method} {pattern}"))
        .collect();
    assert!(
        unnamed.is_empty(),
        "no entry in the access tables: {}",
        unnamed.join(", ")
    );
    let served =
        |method: &str, pattern: &str| routes.iter().any(|(m, p)| m == method && p == pattern);
    for (pattern, _, _) in GETS {
        assert!(served("GET", pattern), "GET {pattern} is not served");
    }
    for (method, pattern, _, _) in UNSAFE {
        assert!(served(method, pattern), "{method} {pattern} is not served");
    }
}

/// `browser`'s request to `path` with its CSRF token and an otherwise empty body: JSON for the
/// editor's routes (the token in the `X-CSRF-Token` header), else a form.
async fn with_token(
    app: &TestApp,
    browser: &Client,
    method: &reqwest::Method,
    path: &str,
) -> reqwest::Response {
    let page = browser.get(app.at("/privacy/")).send().await.unwrap();
    let token = common::csrf_token_in(&page.text().await.unwrap());
    let request = browser.request(method.clone(), app.at(path));
    let request = if path.ends_with("/submit") || path.ends_with("/checkpoint") {
        request
            .header("X-CSRF-Token", &token)
            .json(&serde_json::json!({}))
    } else {
        request.form(&[("csrf_token", token.as_str())])
    };
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_tables_say() {
    let app = support::app(0, &[]).await;
    let handed_in = support::upload(&app, &[("solution.sh", b"echo hello\n")]).await;
    assert_eq!(handed_in.status(), StatusCode::SEE_OTHER);
    let browsers = [
        common::browser(),
        app.http.clone(),
        support::student(&app, "other").await,
        support::staff(&app, "teacher").await,
        support::superuser(&app, "boss").await,
    ];
    tables_name_every_route(&app);

    let mut wrong = Vec::new();
    for (_, path, row) in GETS {
        for ((browser, role), expected) in browsers.iter().zip(ROLES).zip(row) {
            let response = browser.get(app.at(path)).send().await.unwrap();
            let status = response.status();
            let location = response
                .headers()
                .get("location")
                .and_then(|to| to.to_str().ok())
                .map(str::to_owned);
            if !matches(*expected, status, location.as_deref()) {
                wrong.push(format!(
                    "{role} GET {path}: {status} {location:?}, wanted {expected:?}"
                ));
            }
        }
    }
    for (method, _, path, private) in UNSAFE {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        for (browser, role) in browsers.iter().zip(ROLES) {
            let forged = browser
                .request(method.clone(), app.at(path))
                .form(&[("x", "1")])
                .send()
                .await
                .unwrap();
            if forged.status() != StatusCode::FORBIDDEN {
                wrong.push(format!(
                    "{role} {method} {path} without CSRF: {}",
                    forged.status()
                ));
            }
        }
        if *private {
            let response = with_token(&app, &browsers[0], &method, path).await;
            let location = common::location(&response);
            if !matches(Login, response.status(), Some(&location)) {
                wrong.push(format!(
                    "visitor {method} {path}: {} {location}",
                    response.status()
                ));
            }
        }
        // Cancelling and checking again are staff's: students, the owner too, are refused.
        if path.contains("?author=") {
            for (browser, role) in browsers.iter().zip(ROLES).skip(1).take(2) {
                let response = with_token(&app, browser, &method, path).await;
                if response.status() != StatusCode::FORBIDDEN {
                    wrong.push(format!("{role} {method} {path}: {}", response.status()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
