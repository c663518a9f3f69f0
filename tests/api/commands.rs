//! The operators' commands, run as the real binary against a test database.

use crate::common;

use std::process::Output;

use common::TestApp;

const PASSWORD: &str = "Tulpen-Fahrrad-Ostsee-81";

fn inloop(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    app.command(args, stdin)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn createuser_and_createsuperuser_make_accounts_that_can_log_in() {
    let app = common::spawn().await;
    let args = [
        "createuser",
        "--username",
        "tutor",
        "--email",
        "tutor@example.org",
        "--staff",
        "--group",
        "g1",
    ];
    let created = inloop(
        &app,
        &[&args[..], &["--password-stdin"]].concat(),
        &format!("{PASSWORD}\n"),
    );
    assert!(created.status.success(), "{}", text(&created));
    app.login("tutor", PASSWORD).await;
    let db = app.db().await;
    let user = inloop::accounts::users::by_login(&db, "tutor")
        .await
        .unwrap()
        .unwrap();
    assert!(user.is_staff && !user.is_superuser && user.is_active);
    assert_eq!(
        inloop::accounts::groups::names_of(&db, user.id)
            .await
            .unwrap(),
        ["g1"]
    );

    let weak = inloop(
        &app,
        &[
            "createsuperuser",
            "--username",
            "root2",
            "--email",
            "r@example.org",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(text(&weak).contains("too short"));
    let duplicate = inloop(
        &app,
        &[&args[..], &["--password-stdin"]].concat(),
        &format!("{PASSWORD}\n"),
    );
    assert!(!duplicate.status.success() && text(&duplicate).contains("exists already"));
    // Login takes either: a username may not be another account's address, nor the reverse.
    for (username, email) in [
        ("TUTOR@example.org", "other@example.org"),
        ("other", "Tutor"),
    ] {
        let crossed = inloop(
            &app,
            &[
                "createuser",
                "--username",
                username,
                "--email",
                email,
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        );
        assert!(!crossed.status.success(), "{username} {email}");
        assert!(
            text(&crossed).contains("exists already"),
            "{}",
            text(&crossed)
        );
    }

    let superuser = [
        "createsuperuser",
        "--username",
        "boss",
        "--email",
        "boss@example.org",
        "--password-stdin",
    ];
    assert!(
        inloop(&app, &superuser, &format!("{PASSWORD}\n"))
            .status
            .success()
    );
    let boss = inloop::accounts::users::by_login(&db, "boss")
        .await
        .unwrap()
        .unwrap();
    assert!(boss.is_superuser && boss.is_staff());
}

#[tokio::test]
async fn settings_are_validated_listed_and_changed() {
    let app = common::spawn().await;
    let invalid = inloop(&app, &["settings", "set", "signup_allowed", "maybe"], "");
    assert!(!invalid.status.success());
    assert!(text(&invalid).contains("signup_allowed: \"maybe\" is not true or false"));
    assert!(
        !inloop(&app, &["settings", "set", "no_such_key", "1"], "")
            .status
            .success()
    );
    assert!(
        !inloop(&app, &["settings", "set", "email_pattern", "(unclosed"], "")
            .status
            .success()
    );

    assert!(
        inloop(&app, &["settings", "set", "signup_allowed", "off"], "")
            .status
            .success()
    );
    let value = inloop(&app, &["settings", "get", "signup_allowed"], "");
    assert_eq!(String::from_utf8_lossy(&value.stdout).trim(), "false");
    let list = text(&inloop(&app, &["settings", "list"], ""));
    assert!(list.contains("signup_allowed") && list.contains("auto_assign_groups"));
    assert!(
        app.get_text("/account/signup/")
            .await
            .contains("Sign-up is closed")
    );
}

#[tokio::test]
async fn prune_users_removes_only_old_unactivated_accounts_and_groups_are_assigned() {
    let app = common::spawn().await;
    let db = app.db().await;
    app.create_user("active", PASSWORD, false).await;
    for (name, days_ago) in [("stale", 8), ("fresh", 1)] {
        let hash = inloop::accounts::password::hash(PASSWORD);
        let email = format!("{name}@example.org");
        let user = inloop::accounts::users::NewUser {
            username: name,
            email: &email,
            password_hash: &hash,
            is_active: false,
            is_staff: false,
            is_superuser: false,
        };
        let id = inloop::accounts::users::create(&db, &user).await.unwrap();
        let joined = inloop::db::Timestamp::now().plus(-time::Duration::days(days_ago));
        inloop::on_pool!(&db, |pool| sqlx::query(
            "UPDATE users SET date_joined = $1 WHERE id = $2"
        )
        .bind(joined)
        .bind(id)
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
    }
    let pruned = inloop(&app, &["prune-users"], "");
    assert!(
        text(&pruned).contains("removed 1 account(s)"),
        "{}",
        text(&pruned)
    );
    assert!(
        inloop::accounts::users::by_login(&db, "stale")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        inloop::accounts::users::by_login(&db, "fresh")
            .await
            .unwrap()
            .is_some()
    );

    assert!(
        inloop(&app, &["assign-groups", "course-a", "course-b"], "")
            .status
            .success()
    );
    let active = inloop::accounts::users::by_login(&db, "active")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        inloop::accounts::groups::names_of(&db, active.id)
            .await
            .unwrap(),
        ["course-a", "course-b"]
    );
}

#[tokio::test]
async fn login_joins_the_auto_assigned_groups_and_demo_creates_three_accounts() {
    let app = common::spawn().await;
    assert!(
        inloop(
            &app,
            &["settings", "set", "auto_assign_groups", "winter, exam"],
            ""
        )
        .status
        .success()
    );
    app.create_user("joiner", PASSWORD, false).await;
    app.login("joiner", PASSWORD).await;
    let db = app.db().await;
    let joiner = inloop::accounts::users::by_login(&db, "joiner")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        inloop::accounts::groups::names_of(&db, joiner.id)
            .await
            .unwrap(),
        ["exam", "winter"]
    );

    let demo = text(&inloop(&app, &["demo"], ""));
    let password = |name: &str| {
        let line = demo
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap()
            .to_owned();
        line.rsplit(' ').next().unwrap().to_owned()
    };
    let browser =
        common::spawn_with(|config| config.database_url = app.config.database_url.clone()).await;
    browser.login("student", &password("student")).await;
    assert!(text(&inloop(&app, &["demo"], "")).contains("exists already"));
}

#[tokio::test]
async fn a_settings_change_reaches_running_servers_through_redis() {
    let redis = "redis://127.0.0.1:6379/0".to_owned();
    let url = redis.clone();
    let app = common::spawn_with(|config| config.redis_url = Some(url)).await;
    assert!(
        !app.get_text("/account/signup/")
            .await
            .contains("Sign-up is closed"),
        "cached: open"
    );
    // Another process changes the setting (asynchronously: the server shares this test's thread).
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_inloop"));
    command
        .args(["settings", "set", "signup_allowed", "false"])
        .env("DATABASE_URL", app.config.database_url());
    assert!(
        command
            .env("REDIS_URL", &redis)
            .output()
            .await
            .unwrap()
            .status
            .success()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !app
        .get_text("/account/signup/")
        .await
        .contains("Sign-up is closed")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the running server never saw the change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn plagiarism_check_prints_the_pairs_of_a_task_or_category() {
    let app = common::spawn().await;
    app.create_user("teacher", PASSWORD, true).await;
    app.create_user("boss", PASSWORD, true).await;
    crate::admin::plagiarism_seed::seed(&app).await;

    let checked = inloop(&app, &["plagiarism-check", "shell-task"], "");
    assert!(checked.status.success(), "{}", text(&checked));
    let out = String::from_utf8_lossy(&checked.stdout);
    let pairs: Vec<_> = out.lines().filter(|line| line.contains(" %  ")).collect();
    assert_eq!(pairs.len(), 1, "{out}");
    assert!(pairs[0].contains("Shell Task  alice  bob"), "{out}");
    let category = inloop(
        &app,
        &["plagiarism-check", "Basics", "--min-similarity", "95"],
        "",
    );
    assert!(category.status.success(), "{}", text(&category));
    assert!(String::from_utf8_lossy(&category.stdout).contains("alice  bob"));

    let out_of_range = inloop(
        &app,
        &["plagiarism-check", "shell-task", "--min-similarity", "150"],
        "",
    );
    assert!(!out_of_range.status.success());
    assert!(text(&out_of_range).contains("from 1 to 100"));
    let unknown = inloop(&app, &["plagiarism-check", "no-such-task"], "");
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("there is no task with the slug \"no-such-task\""),
        "{}",
        text(&unknown)
    );
}

#[tokio::test]
async fn healthcheck_succeeds_only_when_the_server_answers_healthz() {
    let app = common::spawn().await;
    let port = app.url.rsplit(':').next().unwrap().to_owned();
    // Asynchronously: the test server runs on this test's thread.
    let healthcheck = async |port: &str, allowed_hosts: &str| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_inloop"))
            .arg("healthcheck")
            .env("ROCKET_ADDRESS", "0.0.0.0")
            .env("ROCKET_PORT", port)
            .env("ALLOWED_HOSTS", allowed_hosts)
            .output()
            .await
            .unwrap()
    };
    let healthy = healthcheck(&port, "localhost").await;
    assert!(healthy.status.success(), "{}", text(&healthy));

    // This server allows only its default hosts: another name is refused, and that is no health.
    let refused = healthcheck(&port, "inloop.example.org").await;
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("answered 400"),
        "{}",
        text(&refused)
    );

    let nobody = healthcheck(&common::free_port().to_string(), "localhost").await;
    assert!(!nobody.status.success());
    assert!(text(&nobody).contains("cannot ask"), "{}", text(&nobody));
}
