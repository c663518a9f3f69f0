//! Accounts over real HTTP: sign-up and activation by mail, login, reset, limits, declaration.

use crate::common;

use common::TestApp;
use common::mail::MailSink;
use reqwest::StatusCode;

const GOOD_PASSWORD: &str = "Tulpen-Fahrrad-Ostsee-81";

async fn app_with_mail() -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let url = sink.url();
    let app = common::spawn_with(|config| config.email_url = Some(url.as_str().into())).await;
    (app, sink)
}

async fn sign_up(app: &TestApp, username: &str, email: &str, password: &str) -> reqwest::Response {
    let fields = [
        ("username", username),
        ("email", email),
        ("password1", password),
        ("password2", password),
        ("privacy_consent", "true"),
    ];
    app.post_form("/account/signup/", &fields).await
}

async fn user_count(app: &TestApp) -> i64 {
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await)
    .unwrap()
}

#[tokio::test]
async fn sign_up_activate_by_mail_then_log_in() {
    let (app, sink) = app_with_mail().await;
    let response = sign_up(&app, "ada", "ada@example.org", GOOD_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.text().await.unwrap().contains("ada@example.org"));

    let before = app
        .post_form("/login/", &[("login", "ada"), ("password", GOOD_PASSWORD)])
        .await;
    assert_eq!(
        before.status(),
        StatusCode::OK,
        "an inactive account cannot log in"
    );
    let inactive_message = before.text().await.unwrap();
    let wrong = app
        .post_form(
            "/login/",
            &[("login", "ada"), ("password", "wrong password!")],
        )
        .await;
    let wrong_message = wrong.text().await.unwrap();
    let alert = |html: &str| {
        html.split("role=\"alert\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        alert(&inactive_message),
        alert(&wrong_message),
        "no hint that the account exists"
    );

    let link = sink.link_to("ada@example.org", "/account/activate/").await;
    let path = link
        .split_once("127.0.0.1")
        .unwrap()
        .1
        .split_once('/')
        .unwrap()
        .1;
    let tampered = app.get(&format!("/{}x/", path.trim_end_matches('/'))).await;
    assert_eq!(tampered.status(), StatusCode::NOT_FOUND);
    let activated = app.get(&format!("/{path}")).await;
    assert_eq!(activated.status(), StatusCode::OK);
    assert!(
        activated
            .text()
            .await
            .unwrap()
            .contains("Your account is active")
    );

    app.login("ADA", GOOD_PASSWORD).await;
    assert!(
        app.get_text("/account/profile/")
            .await
            .contains("Logged in as <strong>ada</strong>")
    );

    let reused = app.get_text(&format!("/{path}")).await;
    assert!(reused.contains("can be used only once"));
}

#[tokio::test]
async fn bad_sign_ups_get_their_own_message_and_create_nothing() {
    let (app, sink) = app_with_mail().await;
    app.create_user("Grace", GOOD_PASSWORD, false).await;
    let before = user_count(&app).await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("username", "grace")], "This username is already taken."),
        (
            &[("email", "GRACE@example.org")],
            "An account with this e-mail address exists already.",
        ),
        (&[("username", "admin")], "This username is reserved."),
        (&[("username", "no spaces")], "Use up to 150 letters"),
        (
            &[("email", "not-an-address")],
            "Enter a valid e-mail address.",
        ),
        (
            &[("password1", "short"), ("password2", "short")],
            "too short",
        ),
        (
            &[("password1", "password1234"), ("password2", "password1234")],
            "too common",
        ),
        (
            &[
                ("username", "linus.torvalds"),
                ("password1", "linustorvalds1"),
                ("password2", "linustorvalds1"),
            ],
            "too similar",
        ),
        (
            &[("password2", "something else entirely")],
            "The two passwords do not match.",
        ),
        (
            &[("privacy_consent", "false")],
            "Please agree to the privacy statement",
        ),
    ];
    for (changes, message) in cases {
        let mut fields = vec![
            ("username", "newcomer"),
            ("email", "newcomer@example.org"),
            ("password1", GOOD_PASSWORD),
            ("password2", GOOD_PASSWORD),
            ("privacy_consent", "true"),
        ];
        for (key, value) in *changes {
            fields.iter_mut().find(|(name, _)| name == key).unwrap().1 = value;
        }
        let response = app.post_form("/account/signup/", &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "expected {message:?}");
        assert!(html.contains("aria-invalid=\"true\""));
    }
    assert_eq!(user_count(&app).await, before);
    assert!(sink.mails().is_empty());
}

#[tokio::test]
async fn closed_sign_up_is_refused() {
    let app = common::spawn().await;
    app.set_setting("signup_allowed", "false").await;
    assert!(
        app.get_text("/account/signup/")
            .await
            .contains("Sign-up is closed")
    );
    let closed = sign_up(&app, "carol", "carol@uni.example", GOOD_PASSWORD).await;
    assert_eq!(closed.status(), StatusCode::FORBIDDEN);
    assert!(closed.text().await.unwrap().contains("Sign-up is closed"));
    assert_eq!(user_count(&app).await, 0);
}

#[tokio::test]
async fn e_mail_addresses_must_match_the_pattern() {
    let app = common::spawn().await;
    app.set_setting("email_pattern", r"@uni\.example$").await;
    app.set_setting("email_error_message", "Use your **university** address.")
        .await;
    let outside = sign_up(&app, "carol", "carol@example.org", GOOD_PASSWORD).await;
    assert_eq!(outside.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        outside
            .text()
            .await
            .unwrap()
            .contains("Use your <strong>university</strong> address.")
    );
    let inside = sign_up(&app, "carol", "carol@uni.example", GOOD_PASSWORD).await;
    assert_eq!(inside.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn password_reset_by_mail_without_revealing_accounts() {
    let (app, sink) = app_with_mail().await;
    app.create_user("hedy", GOOD_PASSWORD, false).await;
    let known = app
        .post_form("/account/password_reset/", &[("email", "hedy@example.org")])
        .await;
    let unknown = app
        .post_form(
            "/account/password_reset/",
            &[("email", "nobody@example.org")],
        )
        .await;
    assert_eq!(known.status(), unknown.status());
    let strip = |html: String, email: &str| html.replace(email, "EMAIL");
    let known_page = strip(known.text().await.unwrap(), "hedy@example.org");
    let unknown_page = strip(unknown.text().await.unwrap(), "nobody@example.org");
    let main = |html: &str| html.split("<main").nth(1).unwrap().to_owned();
    assert_eq!(main(&known_page), main(&unknown_page));

    let link = sink.link_to("hedy@example.org", "/account/reset/").await;
    assert!(sink.mails_to("nobody@example.org").is_empty());
    let path = format!(
        "/{}",
        link.split_once("127.0.0.1")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1
    );
    let tampered = format!("{}AA/", path.trim_end_matches('/'));
    assert_eq!(app.get(&tampered).await.status(), StatusCode::NOT_FOUND);

    let new_password = "Leuchtturm-Kompass-Anker-7";
    let done = app
        .post_form(
            &path,
            &[("password1", new_password), ("password2", new_password)],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let reused = app
        .post_form(
            &path,
            &[("password1", GOOD_PASSWORD), ("password2", GOOD_PASSWORD)],
        )
        .await;
    assert_eq!(
        reused.status(),
        StatusCode::NOT_FOUND,
        "a reset link works once"
    );
    app.login("hedy", new_password).await;
}

#[tokio::test]
async fn a_username_can_never_be_another_accounts_e_mail_address_nor_the_reverse() {
    let (app, sink) = app_with_mail().await;
    app.create_user("grace", GOOD_PASSWORD, false).await;
    app.create_user("alan@example.net", GOOD_PASSWORD, false)
        .await;
    let before = user_count(&app).await;
    let as_name = sign_up(
        &app,
        "GRACE@example.org",
        "other@example.org",
        GOOD_PASSWORD,
    )
    .await;
    assert_eq!(as_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        as_name
            .text()
            .await
            .unwrap()
            .contains("This username is already taken")
    );
    let as_address = sign_up(&app, "newcomer", "Alan@example.net", GOOD_PASSWORD).await;
    assert_eq!(as_address.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        as_address
            .text()
            .await
            .unwrap()
            .contains("cannot log in as yours")
    );
    assert_eq!(user_count(&app).await, before);
    assert!(sink.mails().is_empty());
}
