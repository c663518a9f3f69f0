//! `/admin/categories/`: staff edit a category in its row with htmx, or as a whole page without.

use reqwest::StatusCode;

use super::{Area, catalog};

#[tokio::test]
async fn a_category_is_edited_in_its_row_with_htmx_and_as_a_page_without() {
    let area = Area::new().await;
    let (category, _, _) = catalog(&area.app.db().await).await;
    let path = format!("/admin/categories/{category}/");
    let list = area.page(&area.staff, "/admin/categories/").await;
    assert!(
        list.contains(&format!("hx-post=\"{path}\""))
            && list.contains("id=\"messages\" class=\"messages\" role=\"status\""),
        "each row posts itself; the page has its live region for messages: {list}"
    );

    // htmx: the saved row comes back (200) with the page's message out of band.
    let response = area
        .post_from(
            &area.staff,
            &path,
            &[("ordering", "7"), ("description", "Start *here*.")],
            true,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let row = response.text().await.unwrap();
    assert!(
        row.trim_start()
            .starts_with(&format!("<form method=\"post\" action=\"{path}\"")),
        "{row}"
    );
    assert!(
        row.contains("value=\"7\"") && row.contains("Start *here*."),
        "{row}"
    );
    assert!(
        row.contains(
            "<div id=\"messages\" hx-swap-oob=\"innerHTML\"><p class=\"message message-success\">Saved the category Basics.</p></div>"
        ),
        "{row}"
    );
    assert!(!row.contains("<html"), "a fragment, not a page: {row}");

    // htmx with a bad order: 422, the row with the message beside what was typed, nothing saved.
    let response = area
        .post_from(
            &area.staff,
            &path,
            &[("ordering", "soon"), ("description", "")],
            true,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let row = response.text().await.unwrap();
    assert!(
        row.contains("value=\"soon\"")
            && row.contains("aria-invalid=\"true\"")
            && row.contains("The order must be a whole number.")
            && row.contains("message-error\">Nothing was saved for Basics: see its row."),
        "{row}"
    );
    let list = area.page(&area.staff, "/admin/categories/").await;
    assert!(
        list.contains("value=\"7\"") && list.contains("Start *here*."),
        "{list}"
    );

    // Without htmx the same form answers with a redirect to the list and a flash message.
    let response = area
        .post(
            &area.staff,
            &path,
            &[("ordering", "8"), ("description", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = area.page(&area.staff, "/admin/categories/").await;
    assert!(
        list.contains("value=\"8\"") && list.contains("Saved the category Basics."),
        "{list}"
    );
}
