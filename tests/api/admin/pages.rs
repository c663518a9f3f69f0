//! Pages at `/about/<slug>/`: defaults, edited by superusers (sanitised, audited), optionally
//! login-only; the privacy statement's old address shows the same page.

use reqwest::StatusCode;

use super::Area;
use crate::common;

#[tokio::test]
async fn pages_show_defaults_and_the_privacy_text_at_both_addresses() {
    let area = Area::new().await;
    area.app
        .set_setting("privacy_text", "We keep *little*.")
        .await;
    let visitor = common::browser();
    for path in ["/about/privacy/", "/privacy/"] {
        let page = area.page(&visitor, path).await;
        assert!(page.contains("We keep <em>little</em>."), "{path}: {page}");
    }
    let help = area.page(&visitor, "/about/help/").await;
    assert!(help.contains("<h1>Help</h1>"));
    for link in ["/about/help/", "/about/privacy/", "/about/legal-notice/"] {
        assert!(
            help.contains(&format!("href=\"{link}\"")),
            "footer links {link}"
        );
    }
    assert_eq!(
        area.get(&visitor, "/about/nothing/").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn superusers_edit_pages_sanitised_audited_and_optionally_login_only() {
    let area = Area::new().await;
    let fields = [
        ("title", "Privacy"),
        ("body", "Hello <script>alert(1)</script>**world**"),
        ("login_only", "true"),
    ];
    area.submit(&area.superuser, "/admin/pages/privacy/", &fields)
        .await;
    let visitor = common::browser();
    let page = area.page(&visitor, "/privacy/").await;
    assert!(page.contains("<strong>world</strong>"), "{page}");
    assert!(!page.contains("<script>alert"), "sanitised: {page}");
    assert!(
        page.contains("<h1>Privacy</h1>"),
        "privacy is never login-only"
    );

    let fields = [
        ("title", "Help"),
        ("body", "Ask us."),
        ("login_only", "true"),
    ];
    area.submit(&area.superuser, "/admin/pages/help/", &fields)
        .await;
    let response = area.get(&visitor, "/about/help/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(common::location(&response).starts_with("/login/"));
    assert!(
        area.page(&area.student, "/about/help/")
            .await
            .contains("Ask us.")
    );

    let response = area
        .post(
            &area.superuser,
            "/admin/pages/help/",
            &[("title", " "), ("body", "x")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("A title has 1 to 200 characters.")
    );

    let csv = area
        .get(
            &area.superuser,
            "/admin/audit/?format=csv&kind=page&object=help",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains(",boss,page,help,Help,login_only,false,true"),
        "{csv}"
    );
    assert!(csv.contains(",boss,page,help,Help,body,"), "{csv}");
}
