//! Sessions over real HTTP: login and logout, rate limits, password change, own-work, profile.

use crate::common;

use common::location;
use reqwest::StatusCode;

const GOOD_PASSWORD: &str = "Tulpen-Fahrrad-Ostsee-81";

#[tokio::test]
async fn off_site_next_is_ignored_and_logout_is_post_only() {
    let app = common::spawn().await;
    app.create_user("alan", GOOD_PASSWORD, false).await;
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let response = app
            .post_form(
                "/login/",
                &[
                    ("login", "alan"),
                    ("password", GOOD_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(location(&response), "/", "{next}");
    }
    let response = app
        .post_form(
            "/login/",
            &[
                ("login", "alan"),
                ("password", GOOD_PASSWORD),
                ("next", "/account/profile/"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account/profile/");
    let by_get = app.get("/logout/").await;
    assert_eq!(by_get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(by_get.headers()["allow"], "POST");
}

#[tokio::test]
async fn logout_ends_the_session_for_every_copy_of_the_cookie() {
    let app = common::spawn().await;
    app.create_user("barbara", GOOD_PASSWORD, false).await;
    app.login("barbara", GOOD_PASSWORD).await;
    let url = app.url.parse().unwrap();
    let cookies = reqwest::cookie::CookieStore::cookies(&*app.jar, &url).unwrap();
    let copy = common::browser();
    let with_copy = || {
        copy.get(app.at("/account/profile/"))
            .header("Cookie", cookies.clone())
            .send()
    };
    assert_eq!(with_copy().await.unwrap().status(), StatusCode::OK);
    let token = app.csrf_token("/account/profile/").await;
    assert_eq!(
        app.post_form_with_token("/logout/", &token, &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        with_copy().await.unwrap().status(),
        StatusCode::SEE_OTHER,
        "the copied cookie is dead too"
    );
}

#[tokio::test]
async fn a_login_without_csrf_token_is_refused_and_logs_nobody_in() {
    let app = common::spawn().await;
    app.create_user("edsger", GOOD_PASSWORD, false).await;
    app.get("/login/").await;
    let forged = app
        .http
        .post(app.at("/login/"))
        .form(&[("login", "edsger"), ("password", GOOD_PASSWORD)])
        .send()
        .await;
    assert_eq!(forged.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/account/profile/").await.status(),
        StatusCode::SEE_OTHER,
        "still anonymous"
    );
}

#[tokio::test]
async fn the_eleventh_login_attempt_for_an_account_gets_429() {
    let app = common::spawn().await;
    app.create_user("kathleen", GOOD_PASSWORD, false).await;
    for _ in 0..10 {
        let response = app
            .post_form(
                "/login/",
                &[("login", "kathleen"), ("password", "not the password")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let blocked = app
        .post_form(
            "/login/",
            &[("login", "kathleen"), ("password", GOOD_PASSWORD)],
        )
        .await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 60, "{wait}");
    assert!(blocked.text().await.unwrap().contains("Please wait"));
    assert_eq!(
        app.get("/account/profile/").await.status(),
        StatusCode::SEE_OTHER,
        "not logged in"
    );
}

#[tokio::test]
async fn password_change_ends_sessions_and_the_old_password() {
    let app = common::spawn().await;
    app.create_user("frances", GOOD_PASSWORD, false).await;
    app.login("frances", GOOD_PASSWORD).await;
    let new_password = "Wolken-Gitarre-Zebra-55";
    let fields = [
        ("old_password", GOOD_PASSWORD),
        ("password1", new_password),
        ("password2", new_password),
    ];
    let changed = app.post_form("/account/password/", &fields).await;
    assert_eq!(location(&changed), "/login/");
    assert_eq!(
        app.get("/account/profile/").await.status(),
        StatusCode::SEE_OTHER,
        "logged out"
    );
    let old = app
        .post_form(
            "/login/",
            &[("login", "frances"), ("password", GOOD_PASSWORD)],
        )
        .await;
    assert_eq!(old.status(), StatusCode::OK);
    app.login("frances", new_password).await;
}

#[tokio::test]
async fn own_work_declaration_gates_everything_until_confirmed() {
    let app = common::spawn().await;
    app.set_setting("ownwork_required", "true").await;
    app.create_user("margaret", GOOD_PASSWORD, false).await;
    app.login("margaret", GOOD_PASSWORD).await;
    for path in ["/", "/account/profile/", "/account/password/"] {
        assert_eq!(
            location(&app.get(path).await),
            "/account/confirm_ownwork/",
            "{path}"
        );
    }
    assert_eq!(
        app.get("/account/confirm_ownwork/").await.status(),
        StatusCode::OK
    );
    assert_eq!(app.get("/privacy/").await.status(), StatusCode::OK);
    let confirmed = app.post_form("/account/confirm_ownwork/", &[]).await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/account/profile/").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn profile_keeps_digits_only_matriculation_numbers() {
    let app = common::spawn().await;
    app.create_user("barbara", GOOD_PASSWORD, false).await;
    app.login("barbara", GOOD_PASSWORD).await;
    let bad = app
        .post_form(
            "/account/profile/",
            &[("first_name", "Barbara"), ("matriculation_number", "12a")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("Use digits only"));
    let fields = [
        ("first_name", "Barbara"),
        ("last_name", "Liskov"),
        ("matriculation_number", "4711"),
    ];
    assert_eq!(
        app.post_form("/account/profile/", &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    let html = app.get_text("/account/profile/").await;
    assert!(html.contains("value=\"Liskov\"") && html.contains("value=\"4711\""));
}

/// Posts a login form as if from `address` (through the trusted proxy at 127.0.0.1).
async fn login_from(
    app: &common::TestApp,
    browser: &reqwest::Client,
    address: &str,
    password: &str,
) -> reqwest::Response {
    let html = browser
        .get(app.at("/login/"))
        .header("X-Forwarded-For", address)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = common::csrf_token_in(&html);
    browser
        .post(app.at("/login/"))
        .header("X-Forwarded-For", address)
        .form(&[
            ("csrf_token", token.as_str()),
            ("login", "grace"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn failed_logins_from_elsewhere_cannot_lock_the_owner_out() {
    let app = common::spawn_with(|config| config.trusted_proxies = vec!["127.0.0.1".into()]).await;
    app.create_user("grace", GOOD_PASSWORD, false).await;
    let attacker = common::browser();
    for _ in 0..10 {
        let guess = login_from(&app, &attacker, "203.0.113.9", "not the password").await;
        assert_eq!(guess.status(), StatusCode::OK);
    }
    let blocked = login_from(&app, &attacker, "203.0.113.9", GOOD_PASSWORD).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let owner = common::browser();
    let owner_login = login_from(&app, &owner, "198.51.100.1", GOOD_PASSWORD).await;
    assert_eq!(
        owner_login.status(),
        StatusCode::SEE_OTHER,
        "the owner gets in"
    );
}

#[tokio::test]
async fn a_burst_of_logins_does_not_stall_other_pages() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const LOGINS: usize = 32;
    let app = common::spawn().await;
    let token = app.csrf_token("/privacy/").await;
    let finished = Arc::new(AtomicUsize::new(0));
    let mut logins = tokio::task::JoinSet::new();
    for attempt in 0..LOGINS {
        let (http, url, token) = (app.http.clone(), app.at("/login/"), token.clone());
        let finished = finished.clone();
        logins.spawn(async move {
            let login = format!("nobody{attempt}");
            let form = [
                ("csrf_token", token.as_str()),
                ("login", login.as_str()),
                ("password", "not the password"),
            ];
            let status = http.post(url).form(&form).send().await.unwrap().status();
            finished.fetch_add(1, Ordering::SeqCst);
            status
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    assert_eq!(app.get_text("/healthz").await, "ok");
    // Password hashing runs beside the request handlers, not on them: the health check is
    // answered while the logins are still being checked (not after them, as it would be if
    // hashing held the server's threads). No timing: the machine may be busy.
    let done_before_health = finished.load(Ordering::SeqCst);
    while let Some(status) = logins.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    assert!(
        done_before_health < LOGINS,
        "/healthz was answered only after all {LOGINS} logins"
    );
}
