//! The service's integration suite. Every test runs twice: on SQLite and on PostgreSQL.

mod browser;
mod calendars;
mod cli;
mod guard;
mod helpers;
mod hosts;
mod insights;
mod languages;
mod messages;
mod outside;
mod pages;
mod processes;

use helpers::{Backend, TestApp, assert_no_overlaps, spawn_app};
use languages::{
    english_stays_the_default_with_us_conventions, french_guests_read_french,
    german_guests_read_german, spanish_guests_read_spanish,
    the_switcher_overrides_the_browser_language,
};
use pages::{
    a_guest_books_without_javascript, booking_pages_are_framed_only_where_the_host_allows,
    dashboard_forms_check_their_tokens, every_answer_carries_security_headers,
    floods_get_429_and_spoofed_addresses_do_not_help, the_booking_page_weighs_under_30_kb_gzip,
    unknown_pages_are_friendly_404s,
};
use processes::{a_killed_server_loses_no_message, two_processes_share_one_schedule};
use reqwest::Method;
use serde_json::{Value, json};

/// Tuesday 2026-11-24 09:00 New York — the first bookable morning (24 h notice).
const TUE_9: &str = "2026-11-24T14:00:00Z";
const TUE_930: &str = "2026-11-24T14:30:00Z";

fn fields(answer: &helpers::Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn assert_problem(answer: &helpers::Answer, status: u16) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.body["status"], status);
    assert!(
        answer.body["detail"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

async fn health_and_booking_page(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz").await.status, 200);
    let page = app.get("/api/public/booking/jane").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["host"]["name"], "Jane Smith");
    assert_eq!(page.body["host"]["timezone"], "America/New_York");
    let names: Vec<&str> = page.body["meetingTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Quick Call", "Consultation"]);
    assert_problem(&app.get("/api/public/booking/nobody").await, 404);
    assert_problem(
        &app.get("/api/public/booking/nobody/availability?meetingTypeId=x")
            .await,
        404,
    );
    assert_problem(
        &app.get("/api/public/booking/jane/availability?meetingTypeId=nope")
            .await,
        404,
    );
    assert_problem(&app.get("/api/public/booking/jane/availability").await, 422);
}

async fn availability_equals_the_slots_command(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        app.book(&app.consultation, TUE_9, "a@example.com")
            .await
            .status,
        201
    );
    let block = json!({"startTime": "2026-11-25T17:00:00Z", "endTime": "2026-11-25T18:00:00Z",
                       "recurrenceRule": "FREQ=WEEKLY;BYDAY=WE,FR"});
    assert_eq!(
        app.authed(Method::POST, "/api/blocked-time", Some(block.clone()))
            .await
            .status,
        201
    );
    let range = "&start=2026-11-23T00:00:00Z&end=2026-12-20T00:00:00Z";
    let api = app
        .get(&format!(
            "/api/public/booking/jane/availability?meetingTypeId={}{range}",
            app.quick_call
        ))
        .await;
    let settings = app
        .authed(Method::GET, "/api/availability", None)
        .await
        .body;
    let bookings = app.authed(Method::GET, "/api/bookings", None).await.body;
    let scenario = json!({
        "now": helpers::NOW, "from": "2026-11-23T00:00:00Z", "to": "2026-12-20T00:00:00Z",
        "availability": settings, "meetingType": {"duration": 15},
        "bookings": bookings, "blockedTimes": [block],
    });
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_novacrm"))
        .arg("slots")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        scenario.to_string().as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(api.body, cli);
    assert!(api.body["slots"].as_array().unwrap().len() > 100);
}

async fn booking_links_a_contact_and_takes_the_slot_from_every_type(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.book(&app.quick_call, TUE_9, "Ann@Example.com").await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["status"], "CONFIRMED");
    assert_eq!(first.body["endTime"], "2026-11-24T14:15:00Z");
    assert!(first.body.get("confirmationMessage").is_some());
    // The 15-min booking plus its 15-min buffer hides 09:00–09:30 of the 30-min type too.
    let slots = app
        .slots(
            &app.consultation,
            "&start=2026-11-24T00:00:00Z&end=2026-11-25T00:00:00Z",
        )
        .await;
    assert_eq!(slots.first().unwrap(), "2026-11-24T14:30:00Z");
    assert_problem(
        &app.book(&app.consultation, TUE_9, "bob@example.com").await,
        409,
    );
    let second = app
        .book(&app.quick_call, "2026-11-24T16:00:00Z", "ann@example.COM")
        .await;
    assert_eq!(second.status, 201);
    assert_eq!(
        second.body["contactId"], first.body["contactId"],
        "same email, any case, same contact"
    );
    // Outside working hours, inside the notice, past the horizon: never offered.
    for start in [
        "2026-11-24T03:00:00Z",
        "2026-11-23T15:00:00Z",
        "2027-02-01T15:00:00Z",
    ] {
        assert_problem(
            &app.book(&app.quick_call, start, "c@example.com").await,
            409,
        );
    }
    assert_no_overlaps(&app.store).await;
}

async fn invalid_bookings_name_every_bad_field_and_write_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let question = json!({"questions": [{"id": "budget", "label": "Budget?", "type": "single_choice",
                                         "required": true, "options": ["small", "large"]}]});
    let patched = app
        .authed(
            Method::PATCH,
            &format!("/api/meeting-types/{}", app.quick_call),
            Some(question),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let bad = app
        .post_booking(json!({"meetingTypeId": app.quick_call, "startTime": "tomorrow", "timezone": "Mars/Base",
                             "guestName": "", "guestEmail": "not-an-email", "guestPhone": "call me",
                             "meetingNotes": "x".repeat(6000), "answers": {"budget": "huge", "extra": 1}}))
        .await;
    assert_problem(&bad, 422);
    let mut got = fields(&bad);
    got.sort();
    assert_eq!(
        got,
        [
            "answers.budget",
            "answers.extra",
            "guestEmail",
            "guestName",
            "guestPhone",
            "meetingNotes",
            "startTime",
            "timezone"
        ]
    );
    let missing = app
        .post_booking(json!({"meetingTypeId": app.quick_call, "startTime": TUE_9,
        "timezone": "UTC", "guestName": "A", "guestEmail": "a@example.com"}))
        .await;
    assert_eq!(fields(&missing), ["answers.budget"]);
    let wrong_type = app.post_booking(json!({"meetingTypeId": app.quick_call, "startTime": 5,
        "timezone": "UTC", "guestName": ["A"], "guestEmail": "a@example.com", "answers": {"budget": "small"}})).await;
    assert_problem(&wrong_type, 422);
    assert_eq!(fields(&wrong_type), ["startTime", "guestName"]);
    let raw = app
        .raw(
            Method::POST,
            "/api/public/booking/jane/book",
            "{\"meetingTypeId\": ",
        )
        .await;
    assert_problem(&raw, 400);
    let huge = app
        .raw(
            Method::POST,
            "/api/public/booking/jane/book",
            &format!("{{\"x\":\"{}\"}}", "a".repeat(100_000)),
        )
        .await;
    assert_problem(&huge, 413);
    assert_problem(
        &app.post_booking(json!({"meetingTypeId": "nope"})).await,
        404,
    );
    assert_problem(&app.post_booking(json!({})).await, 422);
    let jane = app.store.host_by_username("jane").await.unwrap().unwrap();
    assert!(
        app.store
            .bookings(&jane.id, None, None, None)
            .await
            .unwrap()
            .is_empty()
    );
    let ok = app.post_booking(json!({"meetingTypeId": app.quick_call, "startTime": TUE_9,
        "timezone": "UTC", "guestName": "A", "guestEmail": "a@example.com", "answers": {"budget": "small"}})).await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(ok.body["answers"], json!({"budget": "small"}));
}

async fn cancel_frees_the_slot_and_statuses_follow_the_state_machine(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = app.book(&app.consultation, TUE_9, "a@example.com").await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/bookings/{id}");
    assert!(
        !app.slots(&app.consultation, "")
            .await
            .contains(&TUE_9.to_owned())
    );
    let cancelled = app
        .authed(
            Method::PATCH,
            &path,
            Some(json!({"status": "CANCELLED", "cancelReason": "ill"})),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["cancelReason"], "ill");
    assert!(
        app.slots(&app.consultation, "")
            .await
            .contains(&TUE_9.to_owned()),
        "freed at once"
    );
    let refused = app
        .authed(Method::PATCH, &path, Some(json!({"status": "COMPLETED"})))
        .await;
    assert_problem(&refused, 422);
    assert_eq!(fields(&refused), ["status"]);
    let other = app.book(&app.consultation, TUE_9, "b@example.com").await;
    let other_path = format!("/api/bookings/{}", other.body["id"].as_str().unwrap());
    // Held or a no-show only once the meeting has begun.
    let early = app
        .authed(
            Method::PATCH,
            &other_path,
            Some(json!({"status": "NO_SHOW"})),
        )
        .await;
    assert_problem(&early, 422);
    assert_eq!(fields(&early), ["status"]);
    app.set_now("2026-11-24T14:05:00Z");
    assert_eq!(
        app.authed(
            Method::PATCH,
            &other_path,
            Some(json!({"status": "NO_SHOW"}))
        )
        .await
        .body["status"],
        "NO_SHOW"
    );
    assert_eq!(
        app.authed(
            Method::PATCH,
            &other_path,
            Some(json!({"status": "COMPLETED"}))
        )
        .await
        .body["status"],
        "COMPLETED"
    );
    assert_problem(
        &app.authed(Method::PATCH, &other_path, Some(json!({"status": "LATER"})))
            .await,
        422,
    );
    assert_problem(
        &app.authed(Method::PATCH, &other_path, Some(json!({})))
            .await,
        422,
    );
    let list = app
        .authed(Method::GET, "/api/bookings?status=CANCELLED", None)
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_problem(
        &app.authed(Method::GET, "/api/bookings?status=SOON", None)
            .await,
        422,
    );
}

async fn reschedule_moves_through_the_same_checks(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.book(&app.consultation, TUE_9, "a@example.com").await;
    let b = app
        .book(&app.consultation, "2026-11-24T16:00:00Z", "b@example.com")
        .await;
    let path = format!("/api/bookings/{}", a.body["id"].as_str().unwrap());
    // Overlapping its own old time is fine: the booking being moved is ignored.
    let moved = app
        .authed(Method::PATCH, &path, Some(json!({"startTime": TUE_930})))
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_eq!(moved.body["endTime"], "2026-11-24T15:00:00Z");
    // Not a candidate of the 30-min type (09:15): refused like any other unoffered time.
    let off_grid = app
        .authed(
            Method::PATCH,
            &path,
            Some(json!({"startTime": "2026-11-24T14:15:00Z"})),
        )
        .await;
    assert_problem(&off_grid, 409);
    // Onto b (or its buffer): refused, and nothing changes.
    let clash = app
        .authed(
            Method::PATCH,
            &path,
            Some(json!({"startTime": "2026-11-24T15:30:00Z"})),
        )
        .await;
    assert_problem(&clash, 409);
    let list = app.authed(Method::GET, "/api/bookings", None).await.body;
    assert_eq!(list[0]["startTime"], TUE_930);
    assert_eq!(list[1]["id"], b.body["id"]);
    assert!(
        !app.slots(&app.consultation, "")
            .await
            .contains(&TUE_9.to_owned()),
        "buffer before 09:30"
    );
    assert_no_overlaps(&app.store).await;
}

async fn settings_changes_show_in_availability_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.slots(&app.quick_call, "").await;
    assert!(before.contains(&TUE_9.to_owned()));
    let patched = app
        .authed(
            Method::PATCH,
            "/api/availability",
            Some(json!({"startTime": "10:00", "bufferTime": 0})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["startTime"], "10:00");
    assert_eq!(
        patched.body["timezone"], "America/New_York",
        "untouched fields stay"
    );
    let after = app.slots(&app.quick_call, "").await;
    assert!(!after.contains(&TUE_9.to_owned()));
    assert!(after.contains(&"2026-11-24T15:00:00Z".to_owned()));
    let bad = app
        .authed(
            Method::PATCH,
            "/api/availability",
            Some(json!({"startTime": "25:00", "timezone": "Nowhere"})),
        )
        .await;
    assert_problem(&bad, 422);
    assert_eq!(fields(&bad), ["timezone"]);
    assert_eq!(
        app.authed(Method::GET, "/api/availability", None)
            .await
            .body["startTime"],
        "10:00"
    );
    let weekly = app
        .authed(
            Method::PATCH,
            "/api/availability",
            Some(json!({"weeklyHours": {"tue": [["13:00", "14:00"]]}})),
        )
        .await;
    assert_eq!(weekly.status, 200);
    let only = app.slots(&app.quick_call, "").await;
    assert_eq!(only.first().unwrap(), "2026-11-24T18:00:00Z");
    assert!(only.iter().all(|s| s.starts_with("2026-11-24")
        || s.starts_with("2026-12-01")
        || s.starts_with("2026-12-08")
        || s.starts_with("2026-12-15")
        || s.starts_with("2026-12-22")));
    let long = app.get(&format!("/api/public/booking/jane/availability?meetingTypeId={}&start=2026-11-24T00:00:00Z&end=2027-04-01T00:00:00Z", app.quick_call)).await;
    assert_problem(&long, 422);
}

async fn meeting_types_are_managed_and_archived_when_booked(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .authed(
            Method::POST,
            "/api/meeting-types",
            Some(json!({"name": "Demo", "duration": 45,
        "color": "#10b981", "slotInterval": 15, "confirmationMessage": "See you!"})),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["color"], "#10B981");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let bad = app
        .authed(
            Method::POST,
            "/api/meeting-types",
            Some(json!({"name": "", "duration": 0, "color": "blue", "slotInterval": -1})),
        )
        .await;
    assert_problem(&bad, 422);
    assert_eq!(fields(&bad), ["name", "duration", "color", "slotInterval"]);
    let booked = app.book(&id, TUE_9, "a@example.com").await;
    assert_eq!(booked.status, 201);
    assert_eq!(booked.body["confirmationMessage"], "See you!");
    let off = app
        .authed(
            Method::PATCH,
            &format!("/api/meeting-types/{id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.body["active"], false);
    assert_problem(
        &app.book(&id, "2026-11-24T18:00:00Z", "b@example.com").await,
        404,
    );
    assert_eq!(
        app.authed(Method::DELETE, &format!("/api/meeting-types/{id}"), None)
            .await
            .status,
        204
    );
    let list = app
        .authed(Method::GET, "/api/meeting-types", None)
        .await
        .body;
    assert_eq!(list.as_array().unwrap().len(), 2, "archived, not listed");
    assert_eq!(
        app.authed(Method::GET, "/api/bookings", None).await.body[0]["meetingTypeId"],
        id.as_str(),
        "the booking keeps its type"
    );
    assert_problem(
        &app.authed(Method::DELETE, &format!("/api/meeting-types/{id}"), None)
            .await,
        404,
    );
    assert_eq!(
        app.authed(
            Method::DELETE,
            &format!("/api/meeting-types/{}", app.quick_call),
            None
        )
        .await
        .status,
        204
    );
}

async fn blocked_time_hides_slots_and_bad_rules_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .authed(
            Method::POST,
            "/api/blocked-time",
            Some(
                json!({"startTime": TUE_9, "endTime": "2026-11-24T15:00:00Z",
        "reason": "Standup", "recurrenceRule": "RRULE:FREQ=DAILY;COUNT=3"}),
            ),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["recurring"], true);
    assert_eq!(created.body["recurrenceRule"], "FREQ=DAILY;COUNT=3");
    let slots = app.slots(&app.quick_call, "").await;
    for blocked in [TUE_9, "2026-11-25T14:00:00Z", "2026-11-26T14:45:00Z"] {
        assert!(!slots.contains(&blocked.to_owned()), "{blocked}");
    }
    assert!(
        slots.contains(&"2026-11-27T14:00:00Z".to_owned()),
        "COUNT=3 is spent"
    );
    let bad = app
        .authed(
            Method::POST,
            "/api/blocked-time",
            Some(json!({"startTime": TUE_9, "endTime": TUE_9,
        "recurrenceRule": "FREQ=FORTNIGHTLY"})),
        )
        .await;
    assert_problem(&bad, 422);
    let bad_rule = app
        .authed(
            Method::POST,
            "/api/blocked-time",
            Some(json!({"startTime": TUE_9, "endTime": TUE_930,
        "recurrenceRule": "FREQ=FORTNIGHTLY"})),
        )
        .await;
    assert_eq!(fields(&bad_rule), ["recurrenceRule"]);
    let recurring_without_rule = app
        .authed(
            Method::POST,
            "/api/blocked-time",
            Some(json!({"startTime": TUE_9, "endTime": TUE_930, "recurring": true})),
        )
        .await;
    assert_eq!(fields(&recurring_without_rule), ["recurrenceRule"]);
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(
        app.authed(Method::GET, "/api/blocked-time", None)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.authed(Method::DELETE, &format!("/api/blocked-time/{id}"), None)
            .await
            .status,
        204
    );
    assert!(
        app.slots(&app.quick_call, "")
            .await
            .contains(&TUE_9.to_owned())
    );
    assert_problem(
        &app.authed(Method::DELETE, &format!("/api/blocked-time/{id}"), None)
            .await,
        404,
    );
}

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
        .authed(
            Method::POST,
            "/api/blocked-time",
            Some(json!({"startTime": TUE_9, "endTime": TUE_930})),
        )
        .await;
    let blocked_id = blocked.body["id"].as_str().unwrap().to_owned();
    let hook = app
        .authed(
            Method::POST,
            "/api/webhooks",
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(hook.status, 201, "{:?}", hook.body);
    let hook_id = hook.body["id"].as_str().unwrap().to_owned();
    let jane_feed = app
        .authed(Method::GET, "/api/calendar-feed", None)
        .await
        .body;
    // A second host with a token of their own sees none of jane's data.
    let now = helpers::NOW.parse().unwrap();
    let bob = novacrm::services::host::create_host(
        &app.store,
        "bob",
        "Bob",
        "bob@example.com",
        "bob-password-123",
        None,
        now,
    )
    .await
    .unwrap();
    let bob_token = novacrm::services::host::create_token(&app.store, &bob, now)
        .await
        .unwrap();
    let bob_app = TestApp {
        token: bob_token,
        ..app
    };
    assert_problem(
        &bob_app
            .authed(
                Method::PATCH,
                &format!("/api/bookings/{booking_id}"),
                Some(json!({"status": "CANCELLED"})),
            )
            .await,
        404,
    );
    assert_problem(
        &bob_app
            .authed(
                Method::PATCH,
                &format!("/api/meeting-types/{}", bob_app.quick_call),
                Some(json!({"name": "Mine"})),
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

async fn a_retried_booking_returns_the_first_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"meetingTypeId": app.quick_call, "startTime": TUE_9, "timezone": "UTC",
                      "guestName": "A", "guestEmail": "a@example.com"});
    let send = |b: Value| {
        app.client
            .post(app.url("/api/public/booking/jane/book"))
            .header("Idempotency-Key", "retry-1")
            .json(&b)
            .send()
    };
    let first = send(body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(body.clone()).await.unwrap();
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    let mut other = body.clone();
    other["startTime"] = json!("2026-11-24T18:00:00Z");
    assert_eq!(send(other).await.unwrap().status(), 422);
    assert_eq!(
        app.authed(Method::GET, "/api/bookings", None)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn fifty_guests_racing_for_one_slot_give_one_booking(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = app.url("/api/public/booking/jane/book");
    let requests = (0..50)
        .map(|i| {
            let body = json!({"meetingTypeId": app.quick_call, "startTime": TUE_9, "timezone": "UTC",
                              "guestName": "Racer", "guestEmail": format!("racer{i}@example.com")});
            (url.clone(), body)
        })
        .collect();
    let statuses = helpers::race(&app.client, requests).await;
    helpers::assert_one_winner(&statuses);
    assert_eq!(statuses.len(), 50);
    assert_no_overlaps(&app.store).await;
}

async fn overlapping_types_never_both_win(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = app.url("/api/public/booking/jane/book");
    for round in 0..6 {
        // 15 min and 30 min at the same hour: only one may succeed each round.
        let start = format!("2026-11-25T{:02}:00:00Z", 14 + round);
        let requests = (0..10)
            .map(|i| {
                let ty = if i % 2 == 0 { &app.quick_call } else { &app.consultation };
                let body = json!({"meetingTypeId": ty, "startTime": start, "timezone": "UTC",
                                  "guestName": "Racer", "guestEmail": format!("r{round}-{i}@example.com")});
                (url.clone(), body)
            })
            .collect();
        helpers::assert_one_winner(&helpers::race(&app.client, requests).await);
    }
    assert_no_overlaps(&app.store).await;
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

async fn the_openapi_document_covers_every_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc = app.get("/api/openapi.json").await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let routes = [
        ("/api/public/booking/{username}", "get"),
        ("/api/public/booking/{username}/availability", "get"),
        ("/api/public/booking/{username}/book", "post"),
        ("/api/availability", "get"),
        ("/api/availability", "patch"),
        ("/api/profile", "get"),
        ("/api/profile", "patch"),
        ("/api/profile/photo", "put"),
        ("/api/profile/photo", "delete"),
        ("/api/meeting-types", "get"),
        ("/api/meeting-types", "post"),
        ("/api/meeting-types/{id}", "patch"),
        ("/api/meeting-types/{id}", "delete"),
        ("/api/bookings", "get"),
        ("/api/bookings/{id}", "patch"),
        ("/api/blocked-time", "get"),
        ("/api/blocked-time", "post"),
        ("/api/blocked-time/{id}", "delete"),
        ("/api/public/captcha", "get"),
        ("/api/bookings/cancel", "post"),
        ("/api/guest-blocks", "get"),
        ("/api/guest-blocks", "post"),
        ("/api/guest-blocks/{pattern}", "delete"),
        ("/api/webhooks", "get"),
        ("/api/webhooks", "post"),
        ("/api/webhooks/{id}", "delete"),
        ("/api/calendar-connections", "get"),
        ("/api/calendar-connections", "post"),
        ("/api/calendar-connections/{id}", "patch"),
        ("/api/calendar-connections/{id}", "delete"),
        ("/api/calendar-feed", "get"),
        ("/api/calendar-feed/rotate", "post"),
        ("/api/insights", "get"),
        ("/api/exports/bookings.csv", "get"),
        ("/api/exports/daily.csv", "get"),
        ("/api/session", "post"),
        ("/api/session", "delete"),
    ];
    for (path, method) in routes {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} is undocumented"
        );
    }
    let ui = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
}

async fn every_write_endpoint_refuses_bad_bodies_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = app.book(&app.quick_call, TUE_9, "a@example.com").await;
    let booking = booked.body["id"].as_str().unwrap().to_owned();
    let settings_before = app
        .authed(Method::GET, "/api/availability", None)
        .await
        .body;
    let types_before = app
        .authed(Method::GET, "/api/meeting-types", None)
        .await
        .body;
    let bookings_before = app.authed(Method::GET, "/api/bookings", None).await.body;
    let endpoints = [
        (
            Method::PATCH,
            "/api/availability".to_owned(),
            json!({"bufferTime": "15"}),
        ),
        (
            Method::POST,
            "/api/meeting-types".to_owned(),
            json!({"name": "X", "duration": "30"}),
        ),
        (
            Method::PATCH,
            format!("/api/meeting-types/{}", app.quick_call),
            json!({"duration": [15]}),
        ),
        (
            Method::PATCH,
            format!("/api/bookings/{booking}"),
            json!({"status": 5}),
        ),
        (
            Method::POST,
            "/api/blocked-time".to_owned(),
            json!({"startTime": 5, "endTime": true}),
        ),
        (
            Method::POST,
            "/api/public/booking/jane/book".to_owned(),
            json!({"meetingTypeId": app.quick_call, "startTime": {}}),
        ),
    ];
    for (method, path, wrong_types) in endpoints {
        assert_problem(&app.raw(method.clone(), &path, "{\"oops\": ").await, 400);
        assert_problem(&app.raw(method.clone(), &path, "[]").await, 400);
        assert_problem(
            &app.raw(
                method.clone(),
                &path,
                &format!("{{\"pad\":\"{}\"}}", "x".repeat(70_000)),
            )
            .await,
            413,
        );
        let form = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&app.token)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 415, "{method} {path}");
        let typed = app.authed(method.clone(), &path, Some(wrong_types)).await;
        assert_problem(&typed, 422);
        assert!(
            !fields(&typed).is_empty(),
            "{method} {path}: {:?}",
            typed.body
        );
    }
    for (method, path) in [
        (Method::PATCH, "/api/meeting-types/nope"),
        (Method::DELETE, "/api/meeting-types/nope"),
        (Method::PATCH, "/api/bookings/nope"),
        (Method::DELETE, "/api/blocked-time/nope"),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"status": "CANCELLED", "name": "x"}));
        assert_problem(&app.authed(method, path, body).await, 404);
    }
    assert_eq!(
        app.authed(Method::GET, "/api/availability", None)
            .await
            .body,
        settings_before
    );
    assert_eq!(
        app.authed(Method::GET, "/api/meeting-types", None)
            .await
            .body,
        types_before
    );
    assert_eq!(
        app.authed(Method::GET, "/api/bookings", None).await.body,
        bookings_before
    );
    assert_eq!(
        app.authed(Method::GET, "/api/blocked-time", None)
            .await
            .body,
        json!([])
    );
}

async fn password_guessing_is_throttled_per_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let attempt = |username: &str, password: &str| {
        app.client
            .post(app.url("/api/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
    };
    for i in 0..10 {
        let wrong = attempt("jane", &format!("guess-number-{i}")).await.unwrap();
        assert_eq!(wrong.status(), 422);
    }
    // Locked, even with the right password; the answer says for how long.
    let locked = attempt("jane", "demo-password-jane").await.unwrap();
    assert_eq!(locked.status(), 429);
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((60..=900).contains(&wait), "{wait}");
    let body: Value = locked.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("too many failed log-ins")
    );
    // Unknown accounts answer like known ones, and are throttled alike.
    assert_eq!(
        attempt("nobody", "whatever-1234").await.unwrap().status(),
        422
    );
    // After the window, the right password works again.
    app.clock.set(
        jiff::Timestamp::from_second(helpers::NowTs::now_ts(&*app.clock).as_second() + 15 * 60 + 1)
            .unwrap(),
    );
    assert_eq!(
        attempt("jane", "demo-password-jane")
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn rule_bombs_are_refused_with_field_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let list =
        |range: std::ops::Range<u32>| range.map(|n| n.to_string()).collect::<Vec<_>>().join(",");
    let (hours, minutes) = (list(0..24), list(0..60));
    for rule in [
        format!("FREQ=DAILY;BYHOUR={hours};BYMINUTE={minutes};BYSECOND={minutes}"),
        format!(
            "FREQ=DAILY;BYHOUR={hours};BYMINUTE={minutes};BYSETPOS={}",
            list(1..367)
        ),
        format!(
            "FREQ=YEARLY;BYMONTH={};BYMONTHDAY={};BYHOUR={hours};BYMINUTE={minutes}",
            list(1..13),
            list(1..32)
        ),
    ] {
        let answer = app
            .authed(
                Method::POST,
                "/api/blocked-time",
                Some(
                    json!({"startTime": "2026-11-24T14:00:00Z", "endTime": "2026-11-24T14:01:00Z",
                            "recurrenceRule": rule}),
                ),
            )
            .await;
        assert_problem(&answer, 422);
        assert_eq!(fields(&answer), ["recurrenceRule"], "{rule}");
        assert!(
            answer.body["detail"]
                .as_str()
                .unwrap()
                .contains("times a day"),
            "{:?}",
            answer.body
        );
    }
    let hourly = json!({"startTime": "2026-11-24T14:00:00Z", "endTime": "2026-11-24T14:05:00Z",
                        "recurrenceRule": format!("FREQ=DAILY;BYHOUR={hours}")});
    let answer = app
        .authed(Method::POST, "/api/blocked-time", Some(hourly.clone()))
        .await;
    assert_eq!(answer.status, 201, "hourly is fine: {:?}", answer.body);
    for _ in 1..200 {
        let answer = app
            .authed(Method::POST, "/api/blocked-time", Some(hourly.clone()))
            .await;
        assert_eq!(answer.status, 201);
    }
    let over = app
        .authed(Method::POST, "/api/blocked-time", Some(hourly))
        .await;
    assert_problem(&over, 422);
    assert!(
        over.body["detail"]
            .as_str()
            .unwrap()
            .contains("200 blocked times")
    );
    // And the heaviest schedule a host may keep still answers.
    let slots = app.slots(&app.quick_call, "").await;
    assert!(!slots.is_empty());
    assert!(
        slots.iter().all(|s| !s.contains(":00:00Z")),
        "the top of every hour is blocked"
    );
}

async fn one_guest_cannot_fill_the_calendar(backend: Backend) {
    let app = spawn_app(backend).await;
    let slots = app.slots(&app.quick_call, "").await;
    let mut ids = Vec::new();
    for start in slots.iter().step_by(4).take(3) {
        let answer = app.book(&app.quick_call, start, "greedy@example.com").await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        ids.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    let fourth = app
        .book(&app.quick_call, &slots[16], "Greedy@Example.com")
        .await;
    assert_problem(&fourth, 422);
    assert_eq!(fields(&fourth), ["guestEmail"]);
    assert!(
        fourth.body["detail"]
            .as_str()
            .unwrap()
            .contains("3 upcoming meetings")
    );
    assert_eq!(
        app.book(&app.quick_call, &slots[16], "other@example.com")
            .await
            .status,
        201
    );
    let cancel = app
        .authed(
            Method::PATCH,
            &format!("/api/bookings/{}", ids[0]),
            Some(json!({"status": "CANCELLED"})),
        )
        .await;
    assert_eq!(cancel.status, 200);
    assert_eq!(
        app.book(&app.quick_call, &slots[20], "greedy@example.com")
            .await
            .status,
        201
    );
}

async fn bookings_come_in_pages_with_a_next_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let slots = app.slots(&app.quick_call, "").await;
    // Every fourth slot: an hour apart, clear of each other's buffers.
    for (i, start) in slots.iter().step_by(4).take(7).enumerate() {
        let answer = app
            .book(&app.quick_call, start, &format!("p{i}@example.com"))
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
    }
    let mut seen = Vec::new();
    let mut path = "/api/bookings?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let response = app
            .client
            .get(app.url(&path))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let next = response
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let page: Vec<Value> = response.json().await.unwrap();
        pages += 1;
        seen.extend(
            page.iter()
                .map(|b| b["startTime"].as_str().unwrap().to_owned()),
        );
        match next {
            Some(link) => {
                assert!(link.ends_with(">; rel=\"next\""), "{link}");
                assert_eq!(page.len(), 3);
                link[1..link.find('>').unwrap()].clone_into(&mut path);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = slots.iter().step_by(4).take(7).cloned().collect();
    assert_eq!(seen, expected, "every booking once, in order");
    for bad in [
        "limit=0",
        "limit=501",
        "limit=x",
        "cursor=nonsense",
        "cursor=12.",
    ] {
        let answer = app
            .authed(Method::GET, &format!("/api/bookings?{bad}"), None)
            .await;
        assert_problem(&answer, 422);
    }
}

on_both_backends!(
    sessions_log_in_and_out_with_a_cookie,
    the_openapi_document_covers_every_route,
    every_write_endpoint_refuses_bad_bodies_and_changes_nothing,
    health_and_booking_page,
    availability_equals_the_slots_command,
    booking_links_a_contact_and_takes_the_slot_from_every_type,
    invalid_bookings_name_every_bad_field_and_write_nothing,
    cancel_frees_the_slot_and_statuses_follow_the_state_machine,
    reschedule_moves_through_the_same_checks,
    settings_changes_show_in_availability_at_once,
    meeting_types_are_managed_and_archived_when_booked,
    blocked_time_hides_slots_and_bad_rules_are_refused,
    tokens_are_required_and_hosts_are_isolated,
    a_retried_booking_returns_the_first_answer,
    fifty_guests_racing_for_one_slot_give_one_booking,
    overlapping_types_never_both_win,
    two_processes_share_one_schedule,
    a_killed_server_loses_no_message,
    a_guest_books_without_javascript,
    unknown_pages_are_friendly_404s,
    the_booking_page_weighs_under_30_kb_gzip,
    every_answer_carries_security_headers,
    booking_pages_are_framed_only_where_the_host_allows,
    bookings_come_in_pages_with_a_next_link,
    password_guessing_is_throttled_per_account,
    rule_bombs_are_refused_with_field_errors,
    one_guest_cannot_fill_the_calendar,
    floods_get_429_and_spoofed_addresses_do_not_help,
    dashboard_forms_check_their_tokens,
    german_guests_read_german,
    french_guests_read_french,
    spanish_guests_read_spanish,
    english_stays_the_default_with_us_conventions,
    the_switcher_overrides_the_browser_language,
);
