//! What an attacker's probe found, closed: percent-encoded usernames share their host's
//! budget (a unit test in `web/limits.rs`), control characters are refused at the edge with a
//! 4xx on both databases (PostgreSQL once answered NUL with a 500), and nothing is written
//! for them.

use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, TUE_9, assert_problem, spawn_app};

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

crate::on_both_backends!(control_characters_are_refused_before_anything_runs);
