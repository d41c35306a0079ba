//! A meeting type's own policy through the API (docs/DESIGN.md §11): limits in the host's
//! zone, the first slot of each day only, its own notice; refusals carry their `code`; and
//! a limit holds under a race of twenty guests.

use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, TUE_9, TUE_930, assert_problem, fields, spawn_app};

async fn type_limits_and_first_slot_are_offered_and_enforced_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/meeting-types/{}", app.quick_call);
    let set = app
        .patch(&path, json!({"limits": {"day": 1}, "bufferTime": 0}))
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.body["limits"]["day"], 1);
    assert_eq!(set.body["bufferTime"], 0);
    assert_eq!(
        set.body["minNotice"],
        json!(null),
        "untouched fields stay the host's"
    );
    let booked = app.book(&app.quick_call, TUE_9, "first@example.com").await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let slots = app.slots(&app.quick_call, "").await;
    assert!(
        slots.iter().all(|s| !s.starts_with("2026-11-24")),
        "Tuesday (New York) is full: {slots:?}"
    );
    assert!(slots.iter().any(|s| s.starts_with("2026-11-25")));
    let refused = app
        .book(&app.quick_call, TUE_930, "second@example.com")
        .await;
    assert_problem(&refused, 409);
    assert_eq!(refused.body["code"], "limit_reached", "{:?}", refused.body);
    let taken = app
        .book(&app.quick_call, "2026-11-25T13:00:00Z", "early@example.com")
        .await;
    assert_problem(&taken, 409);
    assert_eq!(taken.body["code"], "slot_taken", "before the day's hours");

    // The first slot of each day only: Wednesday offers 09:00 New York and nothing else.
    let first = app
        .patch(&path, json!({"limits": null, "firstSlotOnly": true}))
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let slots = app.slots(&app.quick_call, "").await;
    let wednesday: Vec<_> = slots
        .iter()
        .filter(|s| s.starts_with("2026-11-25"))
        .collect();
    assert_eq!(wednesday, ["2026-11-25T14:00:00Z"]);
    let later = app
        .book(&app.quick_call, "2026-11-25T15:00:00Z", "later@example.com")
        .await;
    assert_eq!(later.body["code"], "slot_taken");
    let tuesday: Vec<_> = slots
        .iter()
        .filter(|s| s.starts_with("2026-11-24"))
        .collect();
    assert_eq!(
        tuesday,
        ["2026-11-24T14:15:00Z"],
        "the first slot still free on Tuesday"
    );

    // Its own notice: a week ahead only.
    let notice = app
        .patch(&path, json!({"firstSlotOnly": false, "minNotice": 168}))
        .await;
    assert_eq!(notice.status, 200);
    let slots = app.slots(&app.quick_call, "").await;
    assert!(
        slots.iter().all(|s| s.as_str() >= "2026-11-30T12:00:00Z"),
        "{:?}",
        slots.first()
    );

    for (bad, field) in [
        (json!({"limits": {"day": -1}}), "limits.day"),
        (json!({"limits": {"year": 3}}), "limits.year"),
        (json!({"bufferTime": 5000}), "bufferTime"),
        (json!({"firstSlotOnly": "yes"}), "firstSlotOnly"),
    ] {
        let answer = app.patch(&path, bad).await;
        assert_problem(&answer, 422);
        assert_eq!(fields(&answer), [field], "{:?}", answer.body);
    }
    let kept = app.authed(Method::GET, "/api/meeting-types", None).await;
    let mine = kept
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == app.quick_call.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["minNotice"], 168, "a refused change changes nothing");
}

/// Twenty guests race for twenty different Tuesday slots of a type allowed two a day:
/// exactly two are booked, the others hear `limit_reached`.
async fn a_day_limit_holds_under_a_race(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/meeting-types/{}", app.quick_call);
    let set = app
        .patch(
            &path,
            json!({"limits": {"day": 2}, "bufferTime": 0, "slotInterval": 15}),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let tuesday: Vec<String> = app
        .slots(&app.quick_call, "")
        .await
        .into_iter()
        .filter(|s| s.starts_with("2026-11-24"))
        .take(20)
        .collect();
    assert_eq!(tuesday.len(), 20);
    let emails: Vec<String> = (0..tuesday.len())
        .map(|i| format!("racer{i}@example.com"))
        .collect();
    let racers = tuesday
        .iter()
        .zip(&emails)
        .map(|(start, email)| app.book(&app.quick_call, start, email));
    let answers = futures_util::future::join_all(racers).await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    let limited = answers
        .iter()
        .filter(|a| a.status == 409 && a.body["code"] == "limit_reached")
        .count();
    assert_eq!(
        (created, limited),
        (2, 18),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    let stored = app.authed(Method::GET, "/api/bookings", None).await;
    assert_eq!(stored.body.as_array().unwrap().len(), 2);
}

crate::on_both_backends!(
    type_limits_and_first_slot_are_offered_and_enforced_alike,
    a_day_limit_holds_under_a_race,
);
