//! `/admin/settings/`: every setting shown, validated by kind, effective on every instance,
//! audited with old and new value.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::Area;
use crate::common;

#[tokio::test]
async fn the_page_lists_every_setting_with_its_default_and_help() {
    let area = Area::new().await;
    let page = area.page(&area.superuser, "/admin/settings/").await;
    for setting in inloop::settings::ALL {
        assert!(
            page.contains(&format!("id=\"setting_{}\"", setting.key)),
            "{}",
            setting.key
        );
        assert!(
            page.contains(&format!("for=\"setting_{}\"", setting.key)),
            "{} has a label",
            setting.key
        );
    }
    assert!(page.contains("Whether new users may sign up."));
    assert!(page.contains("<legend>Task repository</legend>"));
}

#[tokio::test]
async fn a_bad_regex_is_refused_with_the_compilers_message_and_nothing_is_saved() {
    let area = Area::new().await;
    let response = area
        .post(
            &area.superuser,
            "/admin/settings/",
            &[
                ("email_pattern", "(unclosed"),
                ("max_upload_files", "many"),
                ("git_branch", "dev"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    let compiler = regex::Regex::new(std::hint::black_box("(unclosed"))
        .unwrap_err()
        .to_string();
    let first_line = compiler.lines().next().unwrap();
    assert!(page.contains(first_line), "{page}");
    assert!(page.contains("id=\"error_email_pattern\""));
    assert!(
        page.contains("&quot;many&quot; is not a whole number"),
        "{page}"
    );
    assert!(
        page.contains("value=\"(unclosed\""),
        "what was entered stays"
    );
    let settings = inloop::settings::Settings::default();
    let db = area.app.db().await;
    let branch = settings
        .text(&db, &inloop::settings::GIT_BRANCH)
        .await
        .unwrap();
    assert_eq!(
        branch, "main",
        "a valid field of a refused form is not saved"
    );
    let audit = area.page(&area.superuser, "/admin/audit/").await;
    assert!(audit.contains("No changes recorded"), "{audit}");
}

#[tokio::test]
async fn a_change_reaches_a_second_instance_within_a_second_and_is_audited() {
    let area = Area::new().await;
    let url = area.app.config.database_url().to_owned();
    let redis = "redis://127.0.0.1:6379/0";
    // A second instance on the same database; both hear the bus through Redis.
    let first_bus = area.app.config.redis_url.clone();
    assert!(
        first_bus.is_none(),
        "the first instance publishes in-process only"
    );
    let second = common::spawn_with(|config| {
        config.database_url = Some(url);
        config.redis_url = Some(redis.to_owned());
    })
    .await;
    let third = {
        let url = area.app.config.database_url().to_owned();
        common::spawn_with(|config| {
            config.database_url = Some(url);
            config.redis_url = Some(redis.to_owned());
        })
        .await
    };
    for instance in [&second, &third] {
        assert!(
            !instance
                .get_text("/account/signup/")
                .await
                .contains("Sign-up is closed")
        );
    }
    // The change is made on the second instance (which publishes to Redis); the third hears it.
    let boss = super::log_in(&second, "boss").await;
    let page = second.at("/privacy/");
    let token = common::csrf_token_in(&boss.get(page).send().await.unwrap().text().await.unwrap());
    let response = boss
        .post(second.at("/admin/settings/"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("signup_allowed", "false"),
            ("email_pattern", r"@uni\.example$"),
            ("git_branch", "main"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let saved = Instant::now();
    while !third
        .get_text("/account/signup/")
        .await
        .contains("Sign-up is closed")
    {
        assert!(
            saved.elapsed() < Duration::from_secs(1),
            "not effective within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        second
            .get_text("/account/signup/")
            .await
            .contains("Sign-up is closed")
    );

    let audit = area
        .page(&area.superuser, "/admin/audit/?kind=setting")
        .await;
    assert!(audit.contains("signup_allowed"), "{audit}");
    assert!(audit.contains("email_pattern"), "{audit}");
    assert!(
        !audit.contains("git_branch"),
        "an unchanged value is not recorded: {audit}"
    );
    settings_csv_has_both_changes(&area).await;
}

async fn settings_csv_has_both_changes(area: &Area) {
    let csv = area
        .get(&area.superuser, "/admin/audit/?kind=setting&format=csv")
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,time,actor,kind,object_id,object,field,old,new"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines
            .iter()
            .any(|line| line
                .contains(",boss,setting,signup_allowed,signup_allowed,value,true,false")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.ends_with(r",value,,'@uni\.example$")),
        "{csv}"
    );
}
