//! What leaves the server on the host's behalf besides messages: signed webhooks to a local
//! receiver (order, retries, the SSRF guard), the Integrations page that manages them, and the
//! subscribable calendar feed.
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit, Mac};
use icalendar::Component;
use jiff::SignedDuration;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::support::app::{Backend, NowTs, TestApp, spawn_app};

/// A webhook receiver on 127.0.0.1 that keeps what it is sent and answers 503 to the first
/// `failures` requests.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    failures: Arc<Mutex<usize>>,
}

impl Receiver {
    async fn start() -> (Self, String) {
        let receiver = Self::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(Self::take))
            .with_state(receiver.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    #[allow(clippy::unused_async)] // an axum handler
    async fn take(State(me): State<Self>, headers: HeaderMap, body: String) -> StatusCode {
        me.seen.lock().unwrap().push((headers, body));
        let mut failures = me.failures.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::NO_CONTENT
        }
    }

    fn fail_next(&self, n: usize) {
        *self.failures.lock().unwrap() = n;
    }

    fn seen(&self) -> Vec<(HeaderMap, String)> {
        self.seen.lock().unwrap().clone()
    }
}

/// Verifies a delivery as a receiver would, from the Standard Webhooks rules alone.
fn verify(secret: &str, headers: &HeaderMap, body: &str) -> Value {
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    let signed = format!(
        "{}.{}.{body}",
        header("webhook-id"),
        header("webhook-timestamp")
    );
    mac.update(signed.as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    assert_eq!(header("webhook-signature"), expected, "signature verifies");
    assert_eq!(header("content-type"), "application/json");
    serde_json::from_str(body).unwrap()
}

fn events_of(receiver: &Receiver, secret: &str, booking: &str) -> Vec<String> {
    let mut ids = Vec::new();
    receiver
        .seen()
        .iter()
        .map(|(h, b)| (h.clone(), verify(secret, h, b)))
        .filter(|(_, event)| event["data"]["id"] == booking)
        .filter_map(|(h, event)| {
            // A retried message keeps its id: count each id once, as receivers do.
            let id = h["webhook-id"].to_str().unwrap().to_owned();
            (!ids.contains(&id)).then(|| {
                ids.push(id);
                event["type"].as_str().unwrap().to_owned()
            })
        })
        .collect()
}

async fn register(app: &TestApp, url: &str) -> String {
    let created = app.post("/api/webhooks", json!({ "url": url })).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        created.body["events"].as_array().unwrap().len(),
        novacrm::outbox::EVENTS.len()
    );
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    secret
}

async fn webhooks_are_signed_ordered_and_retried(backend: Backend) {
    let app = spawn_app(backend).await;
    let (receiver, url) = Receiver::start().await;
    for bad in [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9/hook",
        "ftp://example.com/hook",
    ] {
        let refused = app.post("/api/webhooks", json!({ "url": bad })).await;
        assert_eq!(refused.status, 422, "{bad}: {:?}", refused.body);
        assert_eq!(refused.body["errors"][0]["field"], "url");
    }
    let unknown = app
        .post(
            "/api/webhooks",
            json!({"url": url, "events": ["booking.exploded"]}),
        )
        .await;
    assert_eq!(unknown.status, 422);
    let secret = register(&app, &url).await;
    let listed = app.authed(Method::GET, "/api/webhooks", None).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert!(
        listed.body[0].get("secret").is_none(),
        "the secret is shown once"
    );

    // One booking's life: created, moved, cancelled — each event once, in order.
    let booked = app
        .book(&app.quick_call, "2026-11-24T14:00:00Z", "ann@example.com")
        .await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    let moved = app
        .patch(
            &format!("/api/bookings/{id}"),
            json!({"startTime": "2026-11-24T15:00:00Z"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let cancelled = app
        .patch(
            &format!("/api/bookings/{id}"),
            json!({"status": "CANCELLED", "cancelReason": "ill"}),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    app.run_jobs().await;
    assert_eq!(
        events_of(&receiver, &secret, &id),
        [
            "booking.created",
            "booking.rescheduled",
            "booking.cancelled"
        ]
    );
    let last = receiver.seen().last().cloned().unwrap();
    let event = verify(&secret, &last.0, &last.1);
    assert_eq!(event["data"]["status"], "CANCELLED");
    assert_eq!(event["data"]["cancelReason"], "ill");

    // A failing receiver: retried with backoff, and the later event waits its turn.
    receiver.fail_next(2);
    let second = app
        .book(&app.quick_call, "2026-11-24T16:00:00Z", "bob@example.com")
        .await;
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    let done = app
        .patch(
            &format!("/api/bookings/{second_id}"),
            json!({"status": "CANCELLED"}),
        )
        .await;
    assert_eq!(done.status, 200);
    let before = receiver.seen().len();
    app.run_jobs().await;
    assert_eq!(
        receiver.seen().len(),
        before + 1,
        "one attempt, the cancel waits"
    );
    let jobs = app.store.booking_jobs(&second_id).await.unwrap();
    let hooks: Vec<_> = jobs.iter().filter(|j| j.kind == "webhook").collect();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0].last_error.as_deref(), Some("HTTP 503"));
    assert!(hooks[1].done_at.is_none() && hooks[1].attempts == 0);
    app.run_jobs().await;
    assert_eq!(receiver.seen().len(), before + 1, "not before the backoff");
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(31));
    app.run_jobs().await;
    assert_eq!(
        receiver.seen().len(),
        before + 2,
        "second attempt fails too"
    );
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(61));
    app.run_jobs().await;
    assert_eq!(
        events_of(&receiver, &secret, &second_id),
        ["booking.created", "booking.cancelled"]
    );
    let ids: Vec<String> = receiver.seen()[before..]
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids[0], ids[1], "a retry keeps its webhook-id");
    assert_eq!(ids[1], ids[2]);
    assert_ne!(ids[2], ids[3]);

    // Deleted: nothing more is sent.
    let id_of_hook = listed.body[0]["id"].as_str().unwrap().to_owned();
    let deleted = app
        .authed(Method::DELETE, &format!("/api/webhooks/{id_of_hook}"), None)
        .await;
    assert_eq!(deleted.status, 204);
    let count = receiver.seen().len();
    app.book(&app.quick_call, "2026-11-24T17:00:00Z", "cy@example.com")
        .await;
    app.run_jobs().await;
    assert_eq!(receiver.seen().len(), count);
}

async fn the_calendar_feed_follows_the_bookings(backend: Backend) {
    let app = spawn_app(backend).await;
    let feed = app.authed(Method::GET, "/api/calendar-feed", None).await;
    assert_eq!(feed.status, 200);
    let webcal = feed.body["url"].as_str().unwrap().to_owned();
    assert!(webcal.starts_with("webcal://127.0.0.1:"), "{webcal}");
    assert_eq!(
        app.authed(Method::GET, "/api/calendar-feed", None)
            .await
            .body["url"],
        webcal.as_str(),
        "the same link until rotated"
    );
    let http = webcal.replacen("webcal://", "http://", 1);
    let fetch = |etag: Option<String>| {
        let mut request = app.client.get(&http);
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        request.send()
    };
    let booked = app
        .book(&app.quick_call, "2026-11-24T14:00:00Z", "ann@example.com")
        .await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    let first = fetch(None).await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(
        first.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let text = first.text().await.unwrap();
    let calendar: icalendar::Calendar = text.parse().unwrap();
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 1);
    assert!(events[0].get_uid().unwrap().starts_with(&id));
    assert_eq!(events[0].property_value("STATUS"), Some("CONFIRMED"));
    assert!(text.contains("REFRESH-INTERVAL;VALUE=DURATION:PT15M"));
    let same = fetch(Some(etag.clone())).await.unwrap();
    assert_eq!(same.status(), 304, "unchanged: 304");
    app.patch(
        &format!("/api/bookings/{id}"),
        json!({"status": "CANCELLED"}),
    )
    .await;
    let changed = fetch(Some(etag)).await.unwrap();
    assert_eq!(changed.status(), 200);
    assert!(changed.text().await.unwrap().contains("STATUS:CANCELLED"));
    let rotated = app
        .authed(Method::POST, "/api/calendar-feed/rotate", None)
        .await;
    assert_eq!(rotated.status, 200);
    assert_ne!(rotated.body["url"], webcal.as_str());
    assert_eq!(
        fetch(None).await.unwrap().status(),
        404,
        "the old link is dead"
    );
    let new = rotated.body["url"]
        .as_str()
        .unwrap()
        .replacen("webcal://", "http://", 1);
    assert_eq!(app.client.get(new).send().await.unwrap().status(), 200);
    let forged = app
        .client
        .get(app.url("/cal/feed_forged.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
}

/// The dashboard's Integrations page: a feed link, an endpoint added (a private address
/// refused with the typed URL kept; the secret shown once), the delivery log and Resend.
async fn hosts_manage_integrations_in_the_dashboard(backend: Backend) {
    use crate::support::forms::{dashboard_login, form, hidden_csrf};
    let app = spawn_app(backend).await;
    let (receiver, url) = Receiver::start().await;
    let cookie = dashboard_login(&app).await;
    let client = crate::support::app::no_redirects();
    let get = || {
        client
            .get(app.url("/dashboard/integrations"))
            .header("cookie", cookie.clone())
            .send()
    };
    let post = |path: &str, fields: Vec<(&str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client
            .post(app.url(path))
            .header("cookie", cookie.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&fields))
            .send()
    };
    let page = get().await.unwrap().text().await.unwrap();
    assert!(page.contains("Create my calendar link"));
    let csrf = hidden_csrf(&page);
    let made = post("/dashboard/integrations/feed", vec![("csrf", csrf.clone())])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(made.contains("webcal://"), "the feed link is shown");
    let refused = post(
        "/dashboard/webhooks",
        vec![
            ("csrf", csrf.clone()),
            ("url", "http://10.0.0.1/hook".into()),
            ("events", "booking.created".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.unwrap();
    assert!(text.contains("private or internal address"), "{text}");
    assert!(
        text.contains("value=\"http://10.0.0.1/hook\""),
        "the typed URL stays"
    );
    let added = post(
        "/dashboard/webhooks",
        vec![
            ("csrf", csrf.clone()),
            ("url", url.clone()),
            ("events", "booking.created".into()),
            ("events", "booking.cancelled".into()),
        ],
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(added.contains("whsec_"), "the secret is shown once");
    assert!(added.contains("booking.created, booking.cancelled"));
    assert!(
        !get()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("whsec_")
    );
    app.book(&app.quick_call, "2026-11-24T14:00:00Z", "ann@example.com")
        .await;
    app.run_jobs().await;
    assert_eq!(receiver.seen().len(), 1);
    let log = get().await.unwrap().text().await.unwrap();
    assert!(
        log.contains("booking.created") && log.contains("Delivered"),
        "{log}"
    );
    let at = log.find("/dashboard/webhooks/deliveries/").unwrap() + 31;
    let delivery = &log[at..at + log[at..].find('/').unwrap()];
    let resent = post(
        &format!("/dashboard/webhooks/deliveries/{delivery}/resend"),
        vec![("csrf", csrf.clone())],
    )
    .await
    .unwrap();
    assert!(resent.text().await.unwrap().contains("Sent again"));
    app.run_jobs().await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2, "sent once more");
    assert_eq!(
        seen[0].0["webhook-id"], seen[1].0["webhook-id"],
        "under the same id"
    );
    assert_eq!(seen[0].1, seen[1].1);
}

crate::on_both_backends!(
    hosts_manage_integrations_in_the_dashboard,
    webhooks_are_signed_ordered_and_retried,
    the_calendar_feed_follows_the_bookings,
);
