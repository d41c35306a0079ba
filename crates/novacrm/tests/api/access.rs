//! Who may do what: API tokens, tenant isolation, sessions, and password guessing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::{
    Backend, TUE_9, TUE_930, TestApp, assert_problem, spawn_app, spawn_app_with,
};

async fn tokens_are_required_and_hosts_are_isolated(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/availability",
        "/api/profile",
        "/api/webhooks",
        "/api/calendar-feed",
        "/api/calendar-connections",
        "/api/meeting-types",
        "/api/bookings",
        "/api/blocked-time",
        "/api/insights",
        "/api/exports/bookings.csv",
        "/api/exports/daily.csv",
    ] {
        let none = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(none.status(), 401);
        let bad = app
            .client
            .get(app.url(path))
            .bearer_auth("nvc_forged")
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 401);
    }
    let booked = app.book(&app.quick_call, TUE_9, "a@example.com").await;
    let booking_id = booked.body["id"].as_str().unwrap().to_owned();
    let blocked = app
        .post(
            "/api/blocked-time",
            json!({"startTime": TUE_9, "endTime": TUE_930}),
        )
        .await;
    let blocked_id = blocked.body["id"].as_str().unwrap().to_owned();
    let hook = app
        .post("/api/webhooks", json!({"url": "http://127.0.0.1:9/hook"}))
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let hook_id = hook.body["id"].as_str().unwrap().to_owned();
    let jane_feed = app
        .authed(Method::GET, "/api/calendar-feed", None)
        .await
        .body;
    // A second host with a token of their own sees none of jane's data.
    let now = crate::support::app::NOW.parse().unwrap();
    let bob = app.add_host("bob", "Bob").await;
    let bob_token = novacrm::services::accounts::create_token(&app.store, &bob, now)
        .await
        .unwrap();
    let bob_app = TestApp {
        token: bob_token,
        ..app
    };
    assert_problem(
        &bob_app
            .patch(
                &format!("/api/bookings/{booking_id}"),
                json!({"status": "CANCELLED"}),
            )
            .await,
        404,
    );
    assert_problem(
        &bob_app
            .patch(
                &format!("/api/meeting-types/{}", bob_app.quick_call),
                json!({"name": "Mine"}),
            )
            .await,
        404,
    );
    assert_problem(
        &bob_app
            .authed(
                Method::DELETE,
                &format!("/api/meeting-types/{}", bob_app.quick_call),
                None,
            )
            .await,
        404,
    );
    assert_problem(
        &bob_app
            .authed(
                Method::DELETE,
                &format!("/api/blocked-time/{blocked_id}"),
                None,
            )
            .await,
        404,
    );
    assert_eq!(
        bob_app
            .authed(Method::GET, "/api/bookings", None)
            .await
            .body,
        json!([])
    );
    assert_eq!(
        bob_app
            .authed(Method::GET, "/api/blocked-time", None)
            .await
            .body,
        json!([])
    );
    assert_eq!(
        bob_app
            .authed(Method::GET, "/api/insights", None)
            .await
            .body["bookings"]["total"],
        0
    );
    let bob_csv = bob_app
        .authed(Method::GET, "/api/exports/bookings.csv", None)
        .await
        .body;
    assert_eq!(
        bob_csv.as_str().unwrap().lines().count(),
        1,
        "only the header"
    );
    assert_problem(
        &bob_app
            .authed(Method::DELETE, &format!("/api/webhooks/{hook_id}"), None)
            .await,
        404,
    );
    assert_eq!(
        bob_app
            .authed(Method::GET, "/api/webhooks", None)
            .await
            .body,
        json!([])
    );
    assert_ne!(
        bob_app
            .authed(Method::GET, "/api/calendar-feed", None)
            .await
            .body,
        jane_feed
    );
    assert_problem(
        &bob_app
            .raw(Method::PATCH, "/api/availability", "[1,2]")
            .await,
        400,
    );
}

async fn sessions_log_in_and_out_with_a_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let post = |body: Value| app.client.post(app.url("/api/session")).json(&body).send();
    let wrong = post(json!({"username": "jane", "password": "not-it"}))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let nobody = post(json!({"username": "nobody", "password": "demo-password-jane"}))
        .await
        .unwrap();
    assert_eq!(nobody.status(), 422, "same answer for an unknown user");
    let ok = post(json!({"username": "jane", "password": "demo-password-jane"}))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let set = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly")
            && set.contains("SameSite=Lax")
            && set.starts_with("novacrm_session=nvs_"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let settings = app
        .client
        .get(app.url("/api/availability"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 200);
    // A form post (not JSON) cannot ride the cookie into a write.
    let form = app
        .client
        .patch(app.url("/api/availability"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("bufferTime=0")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    let out = app
        .client
        .delete(app.url("/api/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = app
        .client
        .get(app.url("/api/availability"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

async fn password_guessing_is_throttled_per_account(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.trusted_proxies = novacrm::config::TrustedProxies::Count(1);
    })
    .await;
    let attempt = |from: &str, username: &str, password: &str| {
        app.client
            .post(app.url("/api/session"))
            .header("x-forwarded-for", from)
            .json(&json!({"username": username, "password": password}))
            .send()
    };
    let (attacker, owner) = ("198.51.100.7", "203.0.113.9");
    for i in 0..10 {
        let wrong = attempt(attacker, "jane", &format!("guess-number-{i}"))
            .await
            .unwrap();
        assert_eq!(wrong.status(), 422);
    }
    // The guessing network is locked, even with the right password; the answer says how long.
    let locked = attempt(attacker, "jane", "demo-password-jane")
        .await
        .unwrap();
    assert_eq!(locked.status(), 429);
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((60..=900).contains(&wait), "{wait}");
    let body: Value = locked.json().await.unwrap();
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("too many failed log-ins"), "{detail}");
    // The owner, from a network without failures, is not locked out by the stranger.
    let own = attempt(owner, "jane", "demo-password-jane").await.unwrap();
    assert_eq!(own.status(), 200);
    // Unknown accounts answer like known ones.
    let unknown = attempt(owner, "nobody", "whatever-1234").await.unwrap();
    assert_eq!(unknown.status(), 422);
    // The operator lets the guessing network in at once ...
    let unlock = std::process::Command::new(env!("CARGO_BIN_EXE_novacrm"))
        .args([
            "user",
            "unlock",
            "--username",
            "jane",
            "--database-url",
            &app.database_url,
        ])
        .output()
        .unwrap();
    assert!(unlock.status.success(), "{unlock:?}");
    let again = attempt(attacker, "jane", "demo-password-jane")
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    // ... and after the window, anyone may try again anyway.
    for i in 0..10 {
        attempt(attacker, "jane", &format!("guess-again-{i}"))
            .await
            .unwrap();
    }
    assert_eq!(
        attempt(attacker, "jane", "demo-password-jane")
            .await
            .unwrap()
            .status(),
        429
    );
    app.clock.set(
        jiff::Timestamp::from_second(
            crate::support::app::NowTs::now_ts(&*app.clock).as_second() + 15 * 60 + 1,
        )
        .unwrap(),
    );
    assert_eq!(
        attempt(attacker, "jane", "demo-password-jane")
            .await
            .unwrap()
            .status(),
        200
    );
}

/// 160 guesses at once from one network: each is reserved before its password is hashed, so
/// exactly the budget's ten are checked and the rest wait (on both databases).
async fn concurrent_guesses_spend_one_budget(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.trusted_proxies = novacrm::config::TrustedProxies::Count(1);
    })
    .await;
    let guesses = (0..160).map(|i| {
        app.client
            .post(app.url("/api/session"))
            .header("x-forwarded-for", "198.51.100.8")
            .json(&json!({"username": "jane", "password": format!("guess-{i}")}))
            .send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let waited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, waited), (10, 150), "{statuses:?}");
}

crate::on_both_backends!(
    tokens_are_required_and_hosts_are_isolated,
    sessions_log_in_and_out_with_a_cookie,
    password_guessing_is_throttled_per_account,
    concurrent_guesses_spend_one_budget,
);
