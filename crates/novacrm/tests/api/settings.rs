//! A host's settings through the API: weekly hours, meeting types, blocked time, and the limits on rules.

use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, TUE_9, TUE_930, assert_problem, fields, spawn_app};

async fn settings_changes_show_in_availability_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.slots(&app.quick_call, "").await;
    assert!(before.contains(&TUE_9.to_owned()));
    let patched = app
        .patch(
            "/api/availability",
            json!({"startTime": "10:00", "bufferTime": 0}),
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
        .patch(
            "/api/availability",
            json!({"startTime": "25:00", "timezone": "Nowhere"}),
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
        .patch(
            "/api/availability",
            json!({"weeklyHours": {"tue": [["13:00", "14:00"]]}}),
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
        .post(
            "/api/meeting-types",
            json!({"name": "Demo", "duration": 45,
        "color": "#10b981", "slotInterval": 15, "confirmationMessage": "See you!"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["color"], "#10B981");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let bad = app
        .post(
            "/api/meeting-types",
            json!({"name": "", "duration": 0, "color": "blue", "slotInterval": -1}),
        )
        .await;
    assert_problem(&bad, 422);
    assert_eq!(fields(&bad), ["name", "duration", "color", "slotInterval"]);
    let booked = app.book(&id, TUE_9, "a@example.com").await;
    assert_eq!(booked.status, 201);
    assert_eq!(booked.body["confirmationMessage"], "See you!");
    let off = app
        .patch(
            &format!("/api/meeting-types/{id}"),
            json!({"active": false}),
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
        .post(
            "/api/blocked-time",
            json!({"startTime": TUE_9, "endTime": "2026-11-24T15:00:00Z",
        "reason": "Standup", "recurrenceRule": "RRULE:FREQ=DAILY;COUNT=3"}),
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
        .post(
            "/api/blocked-time",
            json!({"startTime": TUE_9, "endTime": TUE_9,
        "recurrenceRule": "FREQ=FORTNIGHTLY"}),
        )
        .await;
    assert_problem(&bad, 422);
    let bad_rule = app
        .post(
            "/api/blocked-time",
            json!({"startTime": TUE_9, "endTime": TUE_930,
        "recurrenceRule": "FREQ=FORTNIGHTLY"}),
        )
        .await;
    assert_eq!(fields(&bad_rule), ["recurrenceRule"]);
    let recurring_without_rule = app
        .post(
            "/api/blocked-time",
            json!({"startTime": TUE_9, "endTime": TUE_930, "recurring": true}),
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
            .post(
                "/api/blocked-time",
                json!({"startTime": "2026-11-24T14:00:00Z", "endTime": "2026-11-24T14:01:00Z",
                            "recurrenceRule": rule}),
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
    let answer = app.post("/api/blocked-time", hourly.clone()).await;
    assert_eq!(answer.status, 201, "hourly is fine: {:?}", answer.body);
    for _ in 1..200 {
        let answer = app.post("/api/blocked-time", hourly.clone()).await;
        assert_eq!(answer.status, 201);
    }
    let over = app.post("/api/blocked-time", hourly).await;
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

/// Date overrides (docs/DESIGN.md §11): a closed Tuesday and an open Saturday morning, in
/// the host's zone; the booking re-check follows them; a bad date names its field; `null`
/// clears them.
async fn date_overrides_close_and_open_single_days(backend: Backend) {
    let app = spawn_app(backend).await;
    let patched = app
        .patch(
            "/api/availability",
            json!({"dateOverrides": {"2026-11-24": [], "2026-11-28": [["10:00", "11:00"]]}}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["dateOverrides"]["2026-11-24"], json!([]));
    let slots = app.slots(&app.quick_call, "").await;
    assert!(
        slots.iter().all(|s| !s.starts_with("2026-11-24")),
        "the closed Tuesday offers nothing: {slots:?}"
    );
    let saturday: Vec<_> = slots
        .iter()
        .filter(|s| s.starts_with("2026-11-28"))
        .collect();
    assert_eq!(
        saturday.first().map(|s| s.as_str()),
        Some("2026-11-28T15:00:00Z")
    );
    assert!(
        saturday.iter().all(|s| s.as_str() < "2026-11-28T16:00:00Z"),
        "{saturday:?}"
    );
    assert!(
        slots.iter().any(|s| s.starts_with("2026-11-25")),
        "other days keep their hours"
    );
    let closed = app.book(&app.quick_call, TUE_9, "closed@example.com").await;
    assert_problem(&closed, 409);
    let open = app
        .book(
            &app.quick_call,
            "2026-11-28T15:00:00Z",
            "saturday@example.com",
        )
        .await;
    assert_eq!(open.status, 201, "{:?}", open.body);
    let read = app.authed(Method::GET, "/api/availability", None).await;
    assert_eq!(
        read.body["dateOverrides"]["2026-11-28"],
        json!([["10:00", "11:00"]])
    );
    for bad in [
        json!({"2026-02-30": []}),
        json!({"2026-11-30": [["12:00", "10:00"]]}),
        json!({"tomorrow": []}),
    ] {
        let refused = app
            .patch("/api/availability", json!({"dateOverrides": bad}))
            .await;
        assert_problem(&refused, 422);
        assert!(
            fields(&refused)[0].starts_with("dateOverrides."),
            "{:?}",
            refused.body
        );
    }
    let cleared = app
        .patch("/api/availability", json!({"dateOverrides": null}))
        .await;
    assert_eq!(cleared.body["dateOverrides"], json!({}));
    let again = app.slots(&app.quick_call, "").await;
    assert!(
        again.iter().any(|s| s.starts_with("2026-11-24")),
        "the Tuesday is open again"
    );
}

crate::on_both_backends!(
    settings_changes_show_in_availability_at_once,
    meeting_types_are_managed_and_archived_when_booked,
    blocked_time_hides_slots_and_bad_rules_are_refused,
    rule_bombs_are_refused_with_field_errors,
    date_overrides_close_and_open_single_days,
);
