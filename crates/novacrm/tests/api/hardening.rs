//! What an attacker's probe found, closed: percent-encoded usernames share their host's
//! budget (a unit test in `web/limits.rs`), control characters are refused at the edge with a
//! 4xx on both databases (PostgreSQL once answered NUL with a 500), and nothing is written
//! for them.

use novacrm::crypto::token_hash;
use reqwest::Method;
use serde_json::json;
use sqlx::Row;

use crate::support::app::{Backend, TUE_9, TestApp, assert_problem, spawn_app, spawn_app_with};
use crate::support::forms::dashboard_login;

async fn control_characters_are_refused_before_anything_runs(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/public/booking/ja%00ne".to_owned(),
        format!(
            "/api/public/booking/jane/availability?meetingTypeId={}&timezone=Europe%2FBerlin%00",
            app.quick_call
        ),
    ] {
        let answer = app.get(&path).await;
        assert_problem(&answer, 400);
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .contains("control character"),
            "{path}: {:?}",
            answer.body
        );
    }
    // JSON bodies: the field is named, and no booking is made.
    for (name, email) in [
        ("Ja\u{0}ne", "nul@example.com"),
        ("Esc\u{1b}[2J", "esc@example.com"),
    ] {
        let answer = app
            .post_booking(json!({
                "meetingTypeId": app.quick_call, "startTime": TUE_9, "timezone": "Europe/Berlin",
                "guestName": name, "guestEmail": email,
            }))
            .await;
        assert!([400, 422].contains(&answer.status), "{:?}", answer.body);
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .contains("guestName"),
            "{:?}",
            answer.body
        );
    }
    let notes = app
        .post_booking(json!({
            "meetingTypeId": app.quick_call, "startTime": TUE_9, "timezone": "Europe/Berlin",
            "guestName": "Guest", "guestEmail": "lines@example.com",
            "notes": "Two lines,\n\tindented.",
        }))
        .await;
    assert_eq!(
        notes.status, 201,
        "tab and line breaks in notes pass: {:?}",
        notes.body
    );
    let bookings = app.authed(Method::GET, "/api/bookings", None).await;
    assert_eq!(
        bookings.body.as_array().unwrap().len(),
        1,
        "only the clean booking"
    );

    let session = app
        .client
        .post(app.url("/api/session"))
        .json(&json!({"username": "ja\u{0}ne", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 400);

    // Forms, as the no-JS booking page and the log-in page send them.
    for path in [
        format!(
            "/book/jane/{}/details?start={TUE_9}&tz=Europe/Berlin",
            app.quick_call
        ),
        "/dashboard/login".to_owned(),
    ] {
        let refused = app
            .client
            .post(app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("csrf=x&username=ja%00ne&guestName=Ja%00ne&password=x")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{path}");
        assert!(refused.text().await.unwrap().contains("U+0000"));
    }
    let after = app.authed(Method::GET, "/api/bookings", None).await;
    assert_eq!(after.body.as_array().unwrap().len(), 1);
    assert_eq!(app.get("/healthz").await.status, 200);
}

/// What the dashboard, the docs and the cookie-authenticated API answer: never kept by a
/// cache, never framed, never changed from another site, and every cookie `Secure` behind
/// HTTPS.
async fn private_answers_stay_private(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.public_url = Some("https://book.example.com".into());
    })
    .await;
    let login = app
        .client
        .get(app.url("/dashboard/login"))
        .send()
        .await
        .unwrap();
    for cookie in login.headers().get_all("set-cookie") {
        assert!(cookie.to_str().unwrap().ends_with("; Secure"), "{cookie:?}");
    }
    let session = app
        .client
        .post(app.url("/api/session"))
        .json(&json!({"username": "jane", "password": "demo-password-jane"}))
        .send()
        .await
        .unwrap();
    let set = session.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set.starts_with("novacrm_session=") && set.ends_with("; Secure"),
        "{set}"
    );
    let cookie = dashboard_login(&app).await;
    let get = |path: &str| {
        app.client
            .get(app.url(path))
            .header("cookie", &cookie)
            .send()
    };
    for path in ["/dashboard", "/dashboard/bookings", "/api/bookings"] {
        let answer = get(path).await.unwrap();
        assert_eq!(answer.status(), 200, "{path}");
        assert_eq!(answer.headers()["cache-control"], "no-store", "{path}");
    }
    let public = app.client.get(app.url("/book/jane")).send().await.unwrap();
    assert_ne!(
        public
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    let policy = docs.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"));
    assert_eq!(docs.headers()["x-frame-options"], "DENY");
    // A change by session cookie from another site is refused; from this site, or with the
    // API token, it goes through.
    let patch = |origin: &'static str| {
        app.client
            .patch(app.url("/api/availability"))
            .header("cookie", &cookie)
            .header("origin", origin)
            .json(&json!({"bufferTime": 5}))
            .send()
    };
    let forged = patch("https://evil.example").await.unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(
        patch("https://book.example.com").await.unwrap().status(),
        200
    );
    let cross = app
        .client
        .patch(app.url("/api/availability"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"bufferTime": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let token = app
        .client
        .patch(app.url("/api/availability"))
        .bearer_auth(&app.token)
        .header("origin", "https://evil.example")
        .json(&json!({"bufferTime": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
}

/// Names reach subjects, display names and texts: one plain line, nothing that reads as
/// something else, from the API and from the command line alike.
async fn names_are_one_plain_line(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in [
        "Intro\nCall",
        "=?utf-8?q?Bcc:_x@evil.example?=",
        "Intro\u{202E}llac",
    ] {
        let made = app
            .post("/api/meeting-types", json!({"name": name, "duration": 30}))
            .await;
        assert_problem(&made, 422);
    }
    let body = json!({"meetingTypeId": app.quick_call, "startTime": TUE_9,
                      "guestName": "=?utf-8?q?with_Bcc:_x@evil.example?=",
                      "guestEmail": "ann@example.com", "timezone": "Europe/Berlin"});
    let refused = app.post_booking(body).await;
    assert_problem(&refused, 422);
    assert_eq!(crate::support::app::fields(&refused), ["guestName"]);
    let created = std::process::Command::new(env!("CARGO_BIN_EXE_novacrm"))
        .args([
            "user",
            "create",
            "--username",
            "eve",
            "--name",
            "Eve\nAdmin",
            "--email",
            "eve@example.com",
            "--database-url",
            &app.database_url,
        ])
        .env("NOVACRM_PASSWORD", "a-long-password-1")
        .output()
        .unwrap();
    assert!(!created.status.success());
    assert!(String::from_utf8_lossy(&created.stderr).contains("one line"));
}

/// One row's values, as text (NULL as `None`).
async fn row(app: &TestApp, sql: &str, id: &str) -> Vec<Option<String>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    (0..row.len()).map(|i| row.get(i)).collect()
}

/// A read of the database (a backup, an injection elsewhere) yields no guest or feed token:
/// each is stored as its SHA-256 and sealed, yet every link keeps working — in the answer, in
/// the email the worker renders later, and for tokens issued before the change, which the
/// next start moves.
async fn guest_and_feed_tokens_are_not_stored_in_clear(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = app.book(&app.quick_call, TUE_9, "ann@example.com").await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let id = booked.body["id"].as_str().unwrap();
    let manage = booked.body["manageUrl"].as_str().unwrap().to_owned();
    let token = manage.rsplit('/').next().unwrap();
    let stored = row(
        &app,
        "SELECT guest_token, guest_token_hash, guest_token_sealed FROM booking \
         WHERE booking_id = $1",
        id,
    )
    .await;
    assert_eq!(stored[0], None);
    assert_eq!(stored[1].as_deref(), Some(token_hash(token).as_str()));
    assert!(!stored[2].as_deref().unwrap().contains(token));
    assert_eq!(app.client.get(&manage).send().await.unwrap().status(), 200);
    app.run_jobs().await;
    let mail = &app.smtp.to("ann@example.com")[0];
    assert!(mail.text().contains(&manage), "{}", mail.text());

    let feed = app.authed(Method::GET, "/api/calendar-feed", None).await;
    let feed_url = feed.body["url"].as_str().unwrap().to_owned();
    let feed_token = feed_url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics");
    let jane = app.store.host_by_username("jane").await.unwrap().unwrap();
    let sql = "SELECT feed_token, feed_token_hash, feed_token_sealed FROM app_user \
               WHERE app_user_id = $1";
    let stored = row(&app, sql, &jane.id).await;
    assert_eq!(stored[0], None);
    assert_eq!(stored[1].as_deref(), Some(token_hash(feed_token).as_str()));
    assert!(!stored[2].as_deref().unwrap().contains(feed_token));
    let again = app.authed(Method::GET, "/api/calendar-feed", None).await;
    assert_eq!(
        again.body["url"],
        feed_url.as_str(),
        "the same link is shown again"
    );
    let ics = app.get(&format!("/cal/{feed_token}.ics")).await;
    assert_eq!(ics.status, 200);

    // Tokens from before: in clear, no hash. The next start moves them; old links still work.
    sqlx::query(
        "UPDATE booking SET guest_token = 'nvb_from_before', guest_token_hash = NULL, \
         guest_token_sealed = NULL WHERE booking_id = $1",
    )
    .bind(id)
    .execute(app.store.pool())
    .await
    .unwrap();
    let config = novacrm::config::Config {
        listen: "127.0.0.1:0".into(),
        database: novacrm::config::Database {
            url: app.database_url.clone(),
        },
        ..novacrm::config::Config::default()
    };
    novacrm::startup::Application::build_with_clock(config, app.clock.clone())
        .await
        .unwrap();
    let stored = row(
        &app,
        "SELECT guest_token, guest_token_hash FROM booking WHERE booking_id = $1",
        id,
    )
    .await;
    assert_eq!(stored[0], None);
    assert_eq!(stored[1], Some(token_hash("nvb_from_before")));
    let old = app.client.get(app.url("/booking/nvb_from_before"));
    assert_eq!(old.send().await.unwrap().status(), 200);
}

crate::on_both_backends!(
    guest_and_feed_tokens_are_not_stored_in_clear,
    control_characters_are_refused_before_anything_runs,
    private_answers_stay_private,
    names_are_one_plain_line,
);
