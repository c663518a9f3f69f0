//! Database statements per page (issue 17): every statement sqlx runs is counted (its
//! `sqlx::query` trace events, from the server in this same process), and the pages students open
//! most must stay within their budget. Fewer round trips per page is how a page gets cheaper; a
//! change that adds one fails here, naming the statements.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

use crate::solutions::lifecycle::wait_until_async;
use crate::solutions::support;

/// The summaries (first words) of the statements sqlx ran, in order.
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl<S: Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        struct Summary(String);
        impl Visit for Summary {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "summary" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut summary = Summary(String::new());
        event.record(&mut summary);
        self.0.lock().unwrap().push(summary.0);
    }
}

impl Statements {
    /// Starts recording in this process (one test per process under nextest).
    fn record() -> Self {
        let statements = Self::default();
        let layer = statements
            .clone()
            .with_filter(Targets::new().with_target("sqlx::query", tracing::Level::TRACE));
        tracing::subscriber::set_global_default(Registry::default().with(layer))
            .expect("no other subscriber in this test process");
        statements
    }

    /// The statements of the GET of `url` that ran the fewest, over a few tries: a statement of
    /// a background loop may fall into one of them.
    async fn of_page(&self, browser: &reqwest::Client, url: &str) -> Vec<String> {
        let mut fewest: Option<Vec<String>> = None;
        for _ in 0..5 {
            let before = self.0.lock().unwrap().len();
            let answer = browser.get(url).send().await.unwrap();
            assert_eq!(answer.status(), reqwest::StatusCode::OK, "{url}");
            answer.text().await.unwrap();
            let ran = self.0.lock().unwrap()[before..].to_vec();
            if fewest
                .as_ref()
                .is_none_or(|fewest| ran.len() < fewest.len())
            {
                fewest = Some(ran);
            }
        }
        fewest.unwrap_or_default()
    }
}

#[tokio::test]
async fn the_pages_students_open_most_stay_within_their_statement_budget() {
    let statements = Statements::record();
    let app = support::app(1, &[]).await;
    let answer = support::upload(&app, &[("solution.sh", b"echo hello")]).await;
    assert_eq!(answer.status(), reqwest::StatusCode::SEE_OTHER);
    let db = app.db().await;
    wait_until_async("the check is done", Duration::from_mins(1), || async {
        let status: String =
            inloop::on_pool!(&db, |pool| sqlx::query_scalar("SELECT status FROM checks")
                .fetch_one(pool)
                .await)
            .unwrap();
        status == "done"
    })
    .await;

    // The goal, reached on 7 December 2026: one or two statements a page. The session
    // and its user come from the per-process cache (read once, then for `session_cache_secs`);
    // the result page reads the solution with its task and files, then its latest check with the
    // author's earlier checks; a category page reads its tasks with the category; the overview
    // reads the categories with their counts. Settings come from their cache.
    let budgets = [
        ("/solutions/detail/shell-task/1/", 2),
        ("/tasks/category/basics/", 1),
        ("/tasks/", 1),
    ];
    for (path, budget) in budgets {
        let ran = statements
            .of_page(&app.http, &format!("{}{path}", app.url))
            .await;
        println!("{path}: {} statements", ran.len());
        assert!(
            ran.len() <= budget,
            "{path} ran {} statements, its budget is {budget}:\n{}",
            ran.len(),
            ran.join("\n")
        );
    }
}
