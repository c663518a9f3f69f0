//! The live solution list over real HTTP: new solutions appear on the first page, later pages
//! follow their own rows.

use std::time::Duration;

use super::live::logged_in;
use super::queue_live::{cancel, next_named, place, queue_many, staff};
use super::sse::{Sse, badge};
use super::support::{self, upload_as};

const WAIT: Duration = super::live::WAIT;

#[tokio::test]
async fn a_solution_handed_in_in_another_tab_appears_on_the_open_list() {
    let app = support::app(0, &[]).await;
    queue_many(&app, 1).await;
    let page = app.get_text("/solutions/list/shell-task/").await;
    assert!(
        page.contains("sse-connect=\"/solutions/list/shell-task/events\""),
        "{page}"
    );
    assert!(
        page.contains("sse-swap=\"added\" hx-swap=\"afterbegin\""),
        "{page}"
    );
    let mut stream = Sse::open(
        &app.http,
        &app.at("/solutions/list/shell-task/events"),
        None,
    )
    .await;
    let first = stream.next(WAIT).await.unwrap();
    assert_eq!(first.name, "row-1");

    let other_tab = logged_in(&app, "student").await;
    upload_as(&app, &other_tab, &[("solution.sh", b"exit 0\n")]).await;
    let added = next_named(&mut stream, "added").await;
    assert!(
        added.data.starts_with("<tr id=\"solution-2\""),
        "{}",
        added.data
    );
    assert!(added.data.contains("sse-swap=\"row-2\""), "{}", added.data);
    assert_eq!(place(&added.data), Some(2), "{}", added.data);

    // The new row is followed like the others, and the first page keeps listening after all
    // its rows are final.
    let staff = staff(&app).await;
    cancel(&app, &staff, 2).await;
    let row = next_named(&mut stream, "row-2").await;
    assert_eq!(badge(&row.data), "cancelled", "{}", row.data);
    cancel(&app, &staff, 1).await;
    loop {
        let event = stream.next(WAIT).await.unwrap();
        if event.name == "row-1" && badge(&event.data) == "cancelled" {
            break;
        }
    }
    let quiet = tokio::time::timeout(Duration::from_secs(2), stream.next(WAIT)).await;
    assert!(
        quiet.is_err(),
        "the first page's stream stays open: {quiet:?}"
    );
    upload_as(&app, &other_tab, &[("solution.sh", b"exit 0\n")]).await;
    let added = next_named(&mut stream, "added").await;
    assert!(
        added.data.starts_with("<tr id=\"solution-3\""),
        "{}",
        added.data
    );
}

#[tokio::test]
async fn a_later_page_follows_its_own_rows_until_they_are_final() {
    let app = support::app(0, &[]).await;
    queue_many(&app, 21).await;
    let page = app.get_text("/solutions/list/shell-task/?page=2").await;
    assert!(
        page.contains("sse-connect=\"/solutions/list/shell-task/events?page=2\""),
        "{page}"
    );
    assert!(!page.contains("sse-swap=\"added\""), "{page}");
    assert!(page.contains("sse-swap=\"row-1\""), "{page}");

    let url = app.at("/solutions/list/shell-task/events?page=2");
    let mut stream = Sse::open(&app.http, &url, None).await;
    let first = stream.next(WAIT).await.unwrap();
    assert_eq!(first.name, "row-1");
    assert_eq!(place(&first.data), Some(1), "{}", first.data);
    let staff = staff(&app).await;
    cancel(&app, &staff, 1).await;
    let events = stream.until("done", WAIT).await;
    let names: Vec<_> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["row-1", "done"], "{events:?}");
    assert_eq!(badge(&events[0].data), "cancelled");
    assert!(stream.next(WAIT).await.is_none(), "the stream ends");
}
