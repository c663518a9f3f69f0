//! The per-process session cache (issue 17): pages learn who is logged in without asking the
//! database each time, yet a logout or a deactivation at one instance ends the session at another
//! at once over Redis; and where the announcement never arrives, `session_cache_secs` bounds it.

use std::time::{Duration, Instant};

use inloop::accounts::session_cache::TOPIC;
use reqwest::StatusCode;

use crate::common::{self, TestApp};
use crate::solutions::support::PASSWORD;

const SHARED_REDIS: &str = "redis://127.0.0.1:6379/0";
/// Long enough that only an announcement can make an instance read a session again.
const FOREVER: u64 = 3600;

/// Another instance of `first`'s installation: its database, Redis when `redis`, and a session
/// cache that believes what it read for `cache_secs`.
async fn instance(first: &TestApp, redis: bool, cache_secs: u64) -> TestApp {
    let database_url = first.config.database_url().to_owned();
    common::spawn_with(|config| {
        config.database_url = Some(database_url);
        config.redis_url = redis.then(|| SHARED_REDIS.into());
        config.session_cache_secs = cache_secs;
    })
    .await
}

/// Waits until `to` hears what `from` publishes (Redis subscribes in the background).
async fn connected(from: &TestApp, to: &TestApp) {
    let mut heard = to.bus.subscribe();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(
            Instant::now() < deadline,
            "the instances never heard each other"
        );
        from.bus.publish("probe", "").await;
        let wait = tokio::time::timeout(Duration::from_millis(200), async {
            while heard
                .recv()
                .await
                .is_ok_and(|message| message.topic != "probe")
            {}
        });
        if wait.await.is_ok() {
            return;
        }
    }
}

/// A login session of `username` (made with `PASSWORD`) at `app`, as the `Cookie` header that
/// carries it. Requests send it themselves, so a logout does not take it out of a jar: what the
/// session's other copies then get is the server's say.
async fn session(app: &TestApp, username: &str, staff: bool) -> String {
    app.create_user(username, PASSWORD, staff).await;
    app.login(username, PASSWORD).await;
    let url = app.url.parse().unwrap();
    let cookie = reqwest::cookie::CookieStore::cookies(&*app.jar, &url).expect("a session cookie");
    cookie.to_str().unwrap().to_owned()
}

async fn status(session: &str, app: &TestApp, path: &str) -> StatusCode {
    let request = common::browser()
        .get(app.at(path))
        .header("Cookie", session);
    request.send().await.unwrap().status()
}

/// Asks `app` for `path` until the answer is no longer 200; what it then was.
async fn refused(session: &str, app: &TestApp, path: &str) -> StatusCode {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = status(session, app, path).await;
        if answer != StatusCode::OK || Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn post(session: &str, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> StatusCode {
    let browser = common::browser();
    let page = browser.get(app.at("/privacy/")).header("Cookie", session);
    let token = common::csrf_token_in(&page.send().await.unwrap().text().await.unwrap());
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    let request = browser.post(app.at(path)).header("Cookie", session);
    request.form(&form).send().await.unwrap().status()
}

#[tokio::test]
async fn a_logout_and_a_deactivation_at_one_instance_end_the_session_at_another_at_once() {
    let a = common::spawn_with(|config| config.redis_url = Some(SHARED_REDIS.into())).await;
    let b = instance(&a, true, FOREVER).await;
    connected(&a, &b).await;
    let ada = session(&a, "ada", false).await;
    let teacher = session(&a, "teacher", true).await;
    let boss = session(&a, "boss", true).await;
    let db = a.db().await;
    let teacher_id = inloop::accounts::users::by_login(&db, "teacher")
        .await
        .unwrap()
        .unwrap()
        .id;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE users SET is_superuser = TRUE WHERE username = 'boss'"
    )
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    // B reads both sessions once; from now on it answers from its cache.
    assert_eq!(status(&ada, &b, "/account/profile/").await, StatusCode::OK);
    assert_eq!(status(&teacher, &b, "/admin/users/").await, StatusCode::OK);

    assert_eq!(post(&ada, &a, "/logout/", &[]).await, StatusCode::SEE_OTHER);
    assert_eq!(
        refused(&ada, &b, "/account/profile/").await,
        StatusCode::SEE_OTHER,
        "B still knew ada as logged in"
    );

    let id = teacher_id.to_string();
    let deactivate = [("action", "deactivate"), ("ids", &id), ("confirm", "true")];
    let answer = post(&boss, &a, "/admin/users/bulk/", &deactivate).await;
    assert_eq!(answer, StatusCode::SEE_OTHER);
    assert_eq!(
        refused(&teacher, &b, "/admin/users/").await,
        StatusCode::SEE_OTHER,
        "B still let the deactivated teacher in"
    );
}

#[tokio::test]
async fn a_change_whose_announcement_never_arrives_lasts_the_cache_time_at_most() {
    // Instances without Redis share only the database: nothing is announced across them.
    let a = common::spawn().await;
    let believing = instance(&a, false, FOREVER).await;
    let brief = instance(&a, false, 1).await;
    let ada = session(&a, "ada", false).await;
    for other in [&believing, &brief] {
        assert_eq!(
            status(&ada, other, "/account/profile/").await,
            StatusCode::OK
        );
    }
    assert_eq!(post(&ada, &a, "/logout/", &[]).await, StatusCode::SEE_OTHER);
    assert_eq!(
        status(&ada, &a, "/account/profile/").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        status(&ada, &believing, "/account/profile/").await,
        StatusCode::OK,
        "an instance that heard nothing serves its cache: the time is the only bound"
    );
    assert_eq!(
        refused(&ada, &brief, "/account/profile/").await,
        StatusCode::SEE_OTHER,
        "after session_cache_secs the session is read again"
    );
}

#[tokio::test]
async fn an_announcement_that_is_no_user_id_forgets_every_session() {
    let app = common::spawn_with(|config| config.session_cache_secs = FOREVER).await;
    let ada = session(&app, "ada", false).await;
    assert_eq!(
        status(&ada, &app, "/account/profile/").await,
        StatusCode::OK
    );
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query("DELETE FROM sessions")
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
    assert_eq!(
        status(&ada, &app, "/account/profile/").await,
        StatusCode::OK,
        "served from the cache"
    );
    // As after Redis reconnected: messages may have been missed.
    app.bus.publish(TOPIC, "*").await;
    assert_eq!(
        refused(&ada, &app, "/account/profile/").await,
        StatusCode::SEE_OTHER
    );
}
