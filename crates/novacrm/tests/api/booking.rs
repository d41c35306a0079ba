//! Booking through the API: availability, the booking's checks, cancel, reschedule, idempotent retries and races for one slot.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::{
    Backend, TUE_9, TUE_930, assert_no_overlaps, assert_problem, fields, spawn_app,
};

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
        app.post("/api/blocked-time", block.clone()).await.status,
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
        "now": crate::support::app::NOW, "from": "2026-11-23T00:00:00Z", "to": "2026-12-20T00:00:00Z",
        "availability": settings, "meetingType": {"duration": 15},
        "bookings": bookings, "blockedTimes": [block],
    });
    let cli = crate::support::app::slots_cli(&scenario);
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
        .patch(&format!("/api/meeting-types/{}", app.quick_call), question)
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
        .patch(&path, json!({"status": "CANCELLED", "cancelReason": "ill"}))
        .await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.body["cancelReason"], "ill");
    assert!(
        app.slots(&app.consultation, "")
            .await
            .contains(&TUE_9.to_owned()),
        "freed at once"
    );
    let refused = app.patch(&path, json!({"status": "COMPLETED"})).await;
    assert_problem(&refused, 422);
    assert_eq!(fields(&refused), ["status"]);
    let other = app.book(&app.consultation, TUE_9, "b@example.com").await;
    let other_path = format!("/api/bookings/{}", other.body["id"].as_str().unwrap());
    // Held or a no-show only once the meeting has begun.
    let early = app.patch(&other_path, json!({"status": "NO_SHOW"})).await;
    assert_problem(&early, 422);
    assert_eq!(fields(&early), ["status"]);
    app.set_now("2026-11-24T14:05:00Z");
    assert_eq!(
        app.patch(&other_path, json!({"status": "NO_SHOW"}))
            .await
            .body["status"],
        "NO_SHOW"
    );
    assert_eq!(
        app.patch(&other_path, json!({"status": "COMPLETED"}))
            .await
            .body["status"],
        "COMPLETED"
    );
    assert_problem(
        &app.patch(&other_path, json!({"status": "LATER"})).await,
        422,
    );
    assert_problem(&app.patch(&other_path, json!({})).await, 422);
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
    let moved = app.patch(&path, json!({"startTime": TUE_930})).await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_eq!(moved.body["endTime"], "2026-11-24T15:00:00Z");
    // Not a candidate of the 30-min type (09:15): refused like any other unoffered time.
    let off_grid = app
        .patch(&path, json!({"startTime": "2026-11-24T14:15:00Z"}))
        .await;
    assert_problem(&off_grid, 409);
    // Onto b (or its buffer): refused, and nothing changes.
    let clash = app
        .patch(&path, json!({"startTime": "2026-11-24T15:30:00Z"}))
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
    let statuses = crate::support::app::race(&app.client, requests).await;
    crate::support::app::assert_one_winner(&statuses);
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
        crate::support::app::assert_one_winner(
            &crate::support::app::race(&app.client, requests).await,
        );
    }
    assert_no_overlaps(&app.store).await;
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

crate::on_both_backends!(
    health_and_booking_page,
    availability_equals_the_slots_command,
    booking_links_a_contact_and_takes_the_slot_from_every_type,
    invalid_bookings_name_every_bad_field_and_write_nothing,
    cancel_frees_the_slot_and_statuses_follow_the_state_machine,
    reschedule_moves_through_the_same_checks,
    a_retried_booking_returns_the_first_answer,
    fifty_guests_racing_for_one_slot_give_one_booking,
    overlapping_types_never_both_win,
    bookings_come_in_pages_with_a_next_link,
);
