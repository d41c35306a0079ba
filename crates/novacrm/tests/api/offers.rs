//! How a type is offered (docs/DESIGN.md §11): seats, several lengths, a per-guest limit and
//! the host's approval, through the API on both databases, with the races that break them
//! elsewhere (a 5-seat slot and twenty guests; two requests for one slot).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::{Backend, TUE_9, TestApp, assert_problem, fields, spawn_app};
use crate::support::forms::{dashboard_login, dashboard_page, hidden_csrf, post_form};

/// The offered slot starting at `start` (with its `seatsRemaining`), if any.
async fn slot_at(app: &TestApp, meeting_type: &str, query: &str, start: &str) -> Option<Value> {
    app.slot_list(meeting_type, query)
        .await
        .into_iter()
        .find(|s| s["start"] == start)
}

async fn bookings(app: &TestApp) -> Vec<Value> {
    let all = app.authed(Method::GET, "/api/bookings", None).await;
    all.body.as_array().unwrap().clone()
}

async fn status_of(app: &TestApp, id: &str) -> Value {
    let all = bookings(app).await;
    all.iter().find(|b| b["id"] == id).unwrap()["status"].clone()
}

/// Twenty guests race for one 5-seat slot: five seats, fifteen `seats_full`; each guest
/// hears only of their own seat, a guest holds one seat, one cancelled seat frees one seat
/// and never the session, and other types see the session as busy.
async fn five_seats_hold_under_a_race_of_twenty(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/meeting-types/{}", app.quick_call);
    let set = app.patch(&path, json!({"seats": 5, "bufferTime": 0})).await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.body["seats"], 5);
    let open = slot_at(&app, &app.quick_call, "", TUE_9).await.unwrap();
    assert_eq!(open["seatsRemaining"], 5);

    let emails: Vec<String> = (0..20).map(|i| format!("seat{i}@example.com")).collect();
    let racers = emails.iter().map(|e| app.book(&app.quick_call, TUE_9, e));
    let answers = futures_util::future::join_all(racers).await;
    let seated: Vec<&Value> = answers
        .iter()
        .filter(|a| a.status == 201)
        .map(|a| &a.body)
        .collect();
    let full = answers
        .iter()
        .filter(|a| a.status == 409 && a.body["code"] == "seats_full")
        .count();
    assert_eq!(
        (seated.len(), full),
        (5, 15),
        "{:?}",
        answers
            .iter()
            .map(|a| (a.status, a.body["code"].clone()))
            .collect::<Vec<_>>()
    );
    assert!(
        slot_at(&app, &app.quick_call, "", TUE_9).await.is_none(),
        "full"
    );
    assert!(
        slot_at(&app, &app.consultation, "", TUE_9).await.is_none(),
        "the session keeps the host busy for every other type"
    );

    // Each guest has their own link and hears only of their own seat.
    let links: Vec<&str> = seated
        .iter()
        .map(|b| b["manageUrl"].as_str().unwrap())
        .collect();
    let mut unique = links.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 5, "one manage link per guest");
    app.run_jobs().await;
    for booking in &seated {
        let me = booking["guestEmail"].as_str().unwrap();
        let mails = app.smtp.to(me);
        assert!(!mails.is_empty(), "{me} was told");
        for mail in mails {
            let text = String::from_utf8_lossy(&mail.data).to_string();
            for other in &emails {
                assert!(
                    other == me || !text.contains(other.as_str()),
                    "{me}'s email names {other}"
                );
            }
        }
    }

    // One cancelled seat frees one seat; the others keep theirs.
    let first = seated[0]["id"].as_str().unwrap();
    let cancel = app
        .patch(
            &format!("/api/bookings/{first}"),
            json!({"status": "CANCELLED"}),
        )
        .await;
    assert_eq!(cancel.status, 200, "{:?}", cancel.body);
    let again = slot_at(&app, &app.quick_call, "", TUE_9).await.unwrap();
    assert_eq!(again["seatsRemaining"], 1);
    let live = bookings(&app)
        .await
        .into_iter()
        .filter(|b| b["status"] == "CONFIRMED")
        .count();
    assert_eq!(live, 4, "the session goes on");

    // A guest holds one seat.
    let holder = seated[1]["guestEmail"].as_str().unwrap();
    let twice = app.book(&app.quick_call, TUE_9, holder).await;
    assert_problem(&twice, 422);
    assert_eq!(fields(&twice), ["guestEmail"]);
    let last = app.book(&app.quick_call, TUE_9, "late@example.com").await;
    assert_eq!(last.status, 201, "{:?}", last.body);
}

/// A type offered for 15, 30 or 60 minutes: the guest's length is used by the listing and
/// the booking; a length not offered is refused by name.
async fn a_guest_books_one_of_several_lengths(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/meeting-types/{}", app.quick_call);
    let set = app
        .patch(&path, json!({"durations": [60, 15, 30], "bufferTime": 0}))
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.body["durations"], json!([15, 30, 60]));
    let public = app.get("/api/public/booking/jane").await;
    let listed = public.body["meetingTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == app.quick_call.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["durations"], json!([15, 30, 60]));

    let hour = slot_at(&app, &app.quick_call, "&duration=60", TUE_9)
        .await
        .unwrap();
    assert_eq!(hour["end"], "2026-11-24T15:00:00Z");
    let late = app.slots(&app.quick_call, "&duration=60").await;
    assert!(
        late.iter()
            .filter(|s| s.starts_with("2026-11-24"))
            .all(|s| s.as_str() <= "2026-11-24T21:00:00Z"),
        "an hour must end by 17:00 New York: {late:?}"
    );
    let mut body = json!({
        "meetingTypeId": app.quick_call, "startTime": TUE_9, "timezone": "Europe/Berlin",
        "guestName": "Long", "guestEmail": "long@example.com", "duration": 60,
    });
    let booked = app.post_booking(body.clone()).await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    assert_eq!(booked.body["endTime"], "2026-11-24T15:00:00Z");
    let short = app.slots(&app.quick_call, "").await;
    assert!(
        !short
            .iter()
            .any(|s| s.as_str() >= TUE_9 && s.as_str() < "2026-11-24T15:00:00Z"),
        "the hour is taken for every length"
    );
    assert!(short.iter().any(|s| s == "2026-11-24T15:00:00Z"));

    body["duration"] = json!(45);
    body["startTime"] = json!("2026-11-25T14:00:00Z");
    let refused = app.post_booking(body).await;
    assert_problem(&refused, 422);
    assert_eq!(fields(&refused), ["duration"]);
    let asked = app
        .get(&format!(
            "/api/public/booking/jane/availability?meetingTypeId={}&duration=45",
            app.quick_call
        ))
        .await;
    assert_problem(&asked, 422);
    let bad = app.patch(&path, json!({"durations": [20, 40]})).await;
    assert_problem(&bad, 422);
    assert_eq!(
        fields(&bad),
        ["durations"],
        "must contain the type's own length"
    );
}

/// `guestLimit`: one guest email holds at most N active future bookings of the type.
async fn a_guest_limit_counts_one_guests_upcoming_meetings(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/meeting-types/{}", app.quick_call);
    let set = app.patch(&path, json!({"guestLimit": 1})).await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let first = app.book(&app.quick_call, TUE_9, "one@example.com").await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let second = app
        .book(&app.quick_call, "2026-11-25T14:00:00Z", "ONE@example.com")
        .await;
    assert_problem(&second, 409);
    assert_eq!(second.body["code"], "guest_limit", "{:?}", second.body);
    let other = app
        .book(&app.quick_call, "2026-11-25T14:00:00Z", "two@example.com")
        .await;
    assert_eq!(other.status, 201, "another guest is not limited");
    let elsewhere = app
        .book(&app.consultation, "2026-11-26T14:00:00Z", "one@example.com")
        .await;
    assert_eq!(
        elsewhere.status, 201,
        "the limit is the type's: {:?}",
        elsewhere.body
    );
}

/// Approval: a request holds its slot, both sides are told, the host approves (checked
/// again under the lock) or declines, and an unanswered request expires once, by the job.
async fn requests_wait_for_the_host_and_expire_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/meeting-types/{}", app.quick_call);
    let set = app
        .patch(
            &path,
            json!({"approval": "always", "pendingExpiresHours": 24}),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.body["approval"], "always");

    // Two guests ask for one slot at once: one request holds it.
    let racers =
        ["ask1@example.com", "ask2@example.com"].map(|e| app.book(&app.quick_call, TUE_9, e));
    let answers = futures_util::future::join_all(racers).await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let request = answers.iter().find(|a| a.status == 201).unwrap();
    assert_eq!(request.body["status"], "PENDING");
    let guest = request.body["guestEmail"].as_str().unwrap().to_owned();
    let id = request.body["id"].as_str().unwrap().to_owned();
    assert!(
        slot_at(&app, &app.quick_call, "", TUE_9).await.is_none(),
        "held"
    );
    app.run_jobs().await;
    let told = app.smtp.to(&guest);
    assert_eq!(told.len(), 1);
    assert!(
        told[0].subject().starts_with("Requested:"),
        "{}",
        told[0].subject()
    );
    assert!(
        !told[0].text().contains("BEGIN:VCALENDAR"),
        "no invite before approval"
    );
    let host = app.smtp.to("jane@example.com");
    assert!(
        host.iter()
            .any(|m| m.subject().starts_with("Approve or decline"))
    );
    assert!(
        host[0]
            .text()
            .contains(&format!("/dashboard/bookings/{id}"))
    );

    // Approved: the guest gets the invite.
    let approve = app
        .patch(
            &format!("/api/bookings/{id}"),
            json!({"status": "CONFIRMED"}),
        )
        .await;
    assert_eq!(approve.status, 200, "{:?}", approve.body);
    assert_eq!(approve.body["status"], "CONFIRMED");
    app.run_jobs().await;
    let told = app.smtp.to(&guest);
    assert_eq!(told.len(), 2);
    assert!(told[1].subject().starts_with("Confirmed:"));
    assert_eq!(told[1].calendar().0, "REQUEST");

    // A request the host's calendar has since filled is not approved.
    let blocked_at = "2026-11-25T14:00:00Z";
    let held = app
        .book(&app.quick_call, blocked_at, "held@example.com")
        .await;
    assert_eq!(held.status, 201);
    let held_id = held.body["id"].as_str().unwrap().to_owned();
    let block = app
        .post(
            "/api/blocked-time",
            json!({"startTime": "2026-11-25T13:00:00Z", "endTime": "2026-11-25T16:00:00Z",
                   "reason": "Offsite"}),
        )
        .await;
    assert_eq!(block.status, 201, "{:?}", block.body);
    let refused = app
        .patch(
            &format!("/api/bookings/{held_id}"),
            json!({"status": "CONFIRMED"}),
        )
        .await;
    assert_problem(&refused, 409);
    assert_eq!(refused.body["code"], "slot_taken");
    let declined = app
        .patch(
            &format!("/api/bookings/{held_id}"),
            json!({"status": "REJECTED"}),
        )
        .await;
    assert_eq!(declined.status, 200, "{:?}", declined.body);
    app.run_jobs().await;
    let no = app.smtp.to("held@example.com");
    assert!(no.iter().any(|m| m.subject().starts_with("Not available:")));

    // Unanswered: it expires a day later, once, and frees its slot.
    let thursday = "2026-11-26T14:00:00Z";
    let waiting = app
        .book(&app.quick_call, thursday, "wait@example.com")
        .await;
    assert_eq!(waiting.status, 201);
    let waiting_id = waiting.body["id"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    app.set_now("2026-11-24T11:59:00Z");
    app.run_jobs().await;
    assert_eq!(
        status_of(&app, &waiting_id).await,
        "PENDING",
        "not before its deadline"
    );
    app.set_now("2026-11-24T12:01:00Z");
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(status_of(&app, &waiting_id).await, "EXPIRED");
    let expired: Vec<_> = app
        .smtp
        .to("wait@example.com")
        .into_iter()
        .filter(|m| m.subject().starts_with("Request expired"))
        .collect();
    assert_eq!(expired.len(), 1, "told exactly once");
    assert!(
        slot_at(&app, &app.quick_call, "", thursday).await.is_some(),
        "free again"
    );
    let late = app
        .patch(
            &format!("/api/bookings/{waiting_id}"),
            json!({"status": "CONFIRMED"}),
        )
        .await;
    assert_problem(&late, 422);
}

/// Named schedules: a type offers its schedule's hours (zone, windows, overrides); a booking
/// of any type keeps the host busy on every schedule; a deleted schedule gives its types
/// back the default hours; a bad id or field is refused by name.
async fn a_type_offers_its_named_schedules_hours(backend: Backend) {
    let app = spawn_app(backend).await;
    let made = app
        .post(
            "/api/schedules",
            json!({"name": "Berlin mornings", "timezone": "Europe/Berlin",
                   "weeklyHours": {"mon": [], "tue": [["08:00", "10:00"]], "wed": [["08:00", "10:00"]],
                                   "thu": [], "fri": [], "sat": [], "sun": []},
                   "dateOverrides": {"2026-12-02": []}, "bufferTime": 0}),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    let id = made.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        made.body["minNotice"],
        app.authed(Method::GET, "/api/availability", None)
            .await
            .body["minNotice"],
        "fields left out start as the default schedule's"
    );
    let path = format!("/api/meeting-types/{}", app.consultation);
    let set = app.patch(&path, json!({"scheduleId": id})).await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.body["scheduleId"], id.as_str());

    let slots = app.slots(&app.consultation, "").await;
    assert!(
        slots.iter().all(|s| ["07", "08"].contains(&&s[11..13])),
        "only 08:00–10:00 Berlin: {slots:?}"
    );
    assert!(
        slots.contains(&"2026-12-01T07:00:00Z".to_owned()),
        "{slots:?}"
    );
    assert!(
        slots.iter().all(|s| !s.starts_with("2026-12-02")),
        "{slots:?}"
    );
    assert!(
        app.slots(&app.quick_call, "")
            .await
            .contains(&TUE_9.to_owned()),
        "the other types keep the default hours"
    );

    // Busy time is the host's: a default-hours booking blocks the named schedule too.
    let rename = app
        .patch(&format!("/api/schedules/{id}"), json!({"name": "Early", "weeklyHours": {
            "mon": [], "tue": [["08:00", "16:00"]], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []}}))
        .await;
    assert_eq!(rename.status, 200, "{:?}", rename.body);
    assert_eq!(rename.body["name"], "Early");
    let booked = app
        .book(&app.quick_call, "2026-12-01T14:00:00Z", "busy@example.com")
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let named = app.slots(&app.consultation, "").await;
    assert!(
        named.contains(&"2026-12-01T13:00:00Z".to_owned()),
        "{named:?}"
    );
    assert!(
        !named.iter().any(|s| s == "2026-12-01T14:00:00Z"),
        "the default-hours booking keeps the named schedule busy: {named:?}"
    );
    assert!(
        named.contains(&"2026-12-01T13:30:00Z".to_owned()),
        "no buffer on this schedule"
    );
    let taken = app
        .book(
            &app.consultation,
            "2026-12-01T14:00:00Z",
            "late@example.com",
        )
        .await;
    assert_problem(&taken, 409);

    for (body, field) in [(json!({"scheduleId": "nope"}), "scheduleId")] {
        let refused = app.patch(&path, body).await;
        assert_problem(&refused, 422);
        assert_eq!(fields(&refused), [field]);
    }
    let bad = app
        .patch(
            &format!("/api/schedules/{id}"),
            json!({"dateOverrides": {"2026-02-30": []}}),
        )
        .await;
    assert_problem(&bad, 422);
    let nameless = app.post("/api/schedules", json!({"timezone": "UTC"})).await;
    assert_problem(&nameless, 422);
    assert_eq!(fields(&nameless), ["name"]);

    // The dashboard's type form picks the schedule too: shown selected, set back to the
    // default hours by the form.
    let session = dashboard_login(&app).await;
    let form_path = format!("/dashboard/meeting-types/{}", app.quick_call);
    let page = dashboard_page(&app, &session, &form_path).await;
    assert!(
        page.contains("<option value=\"\" selected>My weekly hours"),
        "{page}"
    );
    assert!(
        page.contains(&format!("<option value=\"{id}\">Early</option>")),
        "{page}"
    );
    let csrf = hidden_csrf(&page);
    let save = async |schedule: &str| {
        let fields = [
            ("csrf", csrf.as_str()),
            ("name", "Quick Call"),
            ("duration", "15"),
            ("color", "#3B82F6"),
            ("guestCutoffHours", "0"),
            ("active", "yes"),
            ("scheduleId", schedule),
        ];
        post_form(&app, &session, &form_path, &fields).await
    };
    let saved = save(&id).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(saved.headers()["location"], "/dashboard/meeting-types");
    let schedule_of = async |app: &TestApp| {
        let types = app.authed(Method::GET, "/api/meeting-types", None).await;
        let types = types.body.as_array().unwrap().clone();
        let quick = types
            .into_iter()
            .find(|t| t["id"] == app.quick_call.as_str());
        quick.unwrap()["scheduleId"].clone()
    };
    assert_eq!(schedule_of(&app).await, id.as_str());
    // A form without the choice (drawn while the schedules could not be read) keeps it.
    let without = [
        ("csrf", csrf.as_str()),
        ("name", "Quick Call"),
        ("duration", "15"),
        ("color", "#3B82F6"),
        ("guestCutoffHours", "0"),
        ("active", "yes"),
    ];
    let kept = post_form(&app, &session, &form_path, &without).await;
    assert_eq!(kept.status(), 303);
    assert_eq!(schedule_of(&app).await, id.as_str());
    let refused = save("nope").await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("is not one of your schedules")
    );
    assert_eq!(save("").await.status(), 303);
    assert_eq!(schedule_of(&app).await, Value::Null);

    let gone = app
        .authed(Method::DELETE, &format!("/api/schedules/{id}"), None)
        .await;
    assert_eq!(gone.status, 204);
    let back = app.slots(&app.consultation, "").await;
    assert!(
        back.iter().any(|s| s.as_str() == "2026-11-24T15:00:00Z"),
        "default hours again: {back:?}"
    );
    let listed = app.authed(Method::GET, "/api/schedules", None).await;
    assert_eq!(listed.body, json!([]));
    let again = app
        .authed(Method::DELETE, &format!("/api/schedules/{id}"), None)
        .await;
    assert_problem(&again, 404);
}

crate::on_both_backends!(
    five_seats_hold_under_a_race_of_twenty,
    a_guest_books_one_of_several_lengths,
    a_guest_limit_counts_one_guests_upcoming_meetings,
    requests_wait_for_the_host_and_expire_once,
    a_type_offers_its_named_schedules_hours,
);
