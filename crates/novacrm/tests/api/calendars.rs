//! The host's own calendars: CalDAV (against Radicale) and Google (against a stand-in) block
//! the booking page with their events and receive the bookings as events.

use jiff::SignedDuration;
use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, NowTs, TestApp, spawn_app};
use crate::support::outside::{FakeGoogle, Radicale};

const NEW_YORK: &str = "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nDTSTART:19700308T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nDTSTART:19701101T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// A weekly Tuesday 10:00 New York call, without 8 December, and 15 December moved to 13:00.
fn weekly_call() -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n{NEW_YORK}BEGIN:VEVENT\r\n\
         UID:weekly-call\r\nDTSTAMP:20261101T000000Z\r\n\
         DTSTART;TZID=America/New_York:20261201T100000\r\n\
         DTEND;TZID=America/New_York:20261201T110000\r\nRRULE:FREQ=WEEKLY;BYDAY=TU\r\n\
         EXDATE;TZID=America/New_York:20261208T100000\r\nSUMMARY:Team call\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:weekly-call\r\nDTSTAMP:20261101T000000Z\r\n\
         RECURRENCE-ID;TZID=America/New_York:20261215T100000\r\n\
         DTSTART;TZID=America/New_York:20261215T130000\r\n\
         DTEND;TZID=America/New_York:20261215T140000\r\nSUMMARY:Team call (moved)\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn one_event(uid: &str, start: &str, end: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Dentist\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// The quick call's offered starts on one UTC day.
async fn day(app: &TestApp, date: &str) -> Vec<String> {
    app.slots(
        &app.quick_call,
        &format!("&start={date}T00:00:00Z&end={date}T23:59:00Z"),
    )
    .await
}

fn has(slots: &[String], at: &str) -> bool {
    slots.iter().any(|s| s == at)
}

async fn caldav_calendars_block_the_page_and_receive_bookings(backend: Backend) {
    let mut radicale = Radicale::start().await;
    let work = radicale.calendar("work", "Work").await;
    radicale.put(&work, "weekly-call", &weekly_call()).await;
    let app = spawn_app(backend).await;
    let wider = app
        .patch(
            "/api/availability",
            json!({"maxAdvance": 150, "bufferTime": 0}),
        )
        .await;
    assert_eq!(wider.status, 200, "{:?}", wider.body);
    assert!(has(&day(&app, "2026-12-01").await, "2026-12-01T15:00:00Z"));

    // Refused: a private address, a wrong password, another provider.
    let connect = |url: &str, password: &str| json!({"provider": "caldav", "url": url, "username": Radicale::USER, "password": password});
    for (body, field) in [
        (connect("http://10.0.0.1/dav/", "x"), "url"),
        (connect(&radicale.base, "wrong"), "password"),
        (
            json!({"provider": "exchange", "url": radicale.base, "username": "a", "password": "b"}),
            "provider",
        ),
    ] {
        let refused = app.post("/api/calendar-connections", body).await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.body["errors"][0]["field"], field);
    }
    let made = app
        .post(
            "/api/calendar-connections",
            connect(&radicale.base, Radicale::PASSWORD),
        )
        .await;
    assert_eq!(made.status, 201, "{:?}", made.body);
    assert_eq!(made.body["provider"], "caldav");
    assert_eq!(made.body["status"], "ok");
    let calendars = made.body["calendars"].as_array().unwrap();
    assert_eq!(calendars.len(), 1, "{calendars:?}");
    assert_eq!(calendars[0]["name"], "Work");
    assert_eq!(calendars[0]["checkConflicts"], true);
    assert_eq!(calendars[0]["addBookings"], true);

    // The weekly call blocks its Tuesdays, in New York time across the DST change, except
    // the excluded one; the moved one blocks its new time only.
    let dec1 = day(&app, "2026-12-01").await;
    assert!(!has(&dec1, "2026-12-01T15:00:00Z") && !has(&dec1, "2026-12-01T15:45:00Z"));
    assert!(has(&dec1, "2026-12-01T14:45:00Z") && has(&dec1, "2026-12-01T16:00:00Z"));
    assert!(
        has(&day(&app, "2026-12-08").await, "2026-12-08T15:00:00Z"),
        "EXDATE"
    );
    let dec15 = day(&app, "2026-12-15").await;
    assert!(has(&dec15, "2026-12-15T15:00:00Z") && !has(&dec15, "2026-12-15T18:00:00Z"));
    assert!(!has(&day(&app, "2026-12-22").await, "2026-12-22T15:00:00Z"));
    let march = day(&app, "2027-03-16").await;
    assert!(
        !has(&march, "2027-03-16T14:00:00Z"),
        "10:00 EDT after the change"
    );
    assert!(has(&march, "2027-03-16T15:00:00Z"));
    let refused = app
        .book(&app.quick_call, "2026-12-01T15:00:00Z", "ann@example.com")
        .await;
    assert_eq!(refused.status, 409, "the API refuses it too");

    // A booking is written into the calendar as an event with our UID.
    let booked = app
        .book(&app.quick_call, "2026-12-02T15:00:00Z", "ann@example.com")
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let id = booked.body["id"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    let events = radicale.events(&work).await;
    let ours: Vec<&String> = events
        .iter()
        .filter(|e| e.contains(&format!("UID:{id}@")))
        .collect();
    assert_eq!(ours.len(), 1, "{events:?}");
    assert!(ours[0].contains("SCHEDULE-AGENT=CLIENT"));
    assert!(ours[0].contains("DTSTART:20261202T150000Z"));
    // Our own event does not block the booking's neighbours twice, or its own move.
    let moved = app
        .patch(
            &format!("/api/bookings/{id}"),
            json!({"startTime": "2026-12-02T15:15:00Z"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    app.run_jobs().await;
    let events = radicale.events(&work).await;
    assert!(
        events
            .iter()
            .any(|e| e.contains(&format!("UID:{id}@")) && e.contains("DTSTART:20261202T151500Z"))
    );

    // An event added in the other app blocks the page once read (jobs read every 5 minutes).
    radicale
        .put(
            &work,
            "dentist",
            &one_event("dentist", "20261202T190000Z", "20261202T200000Z"),
        )
        .await;
    assert!(
        has(&day(&app, "2026-12-02").await, "2026-12-02T19:00:00Z"),
        "not read yet"
    );
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(5 * 60 + 1));
    app.run_jobs().await;
    assert!(!has(&day(&app, "2026-12-02").await, "2026-12-02T19:00:00Z"));
    // Reads are incremental where the server offers sync-collection (Radicale does): a
    // removed event frees its time at the next read.
    let jane = app.store.host_by_username("jane").await.unwrap().unwrap();
    let kept = app.store.calendars(&jane.id).await.unwrap();
    assert!(kept[0].sync_token.is_some(), "a sync token is kept");
    radicale.delete(&work, "dentist").await;
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(5 * 60 + 1));
    app.run_jobs().await;
    assert!(has(&day(&app, "2026-12-02").await, "2026-12-02T19:00:00Z"));

    // Cancelling removes the event.
    let cancelled = app
        .patch(
            &format!("/api/bookings/{id}"),
            json!({"status": "CANCELLED"}),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    app.run_jobs().await;
    assert!(
        !radicale
            .events(&work)
            .await
            .iter()
            .any(|e| e.contains(&format!("UID:{id}@")))
    );

    // The server goes away: once the data is too old, nothing is offered and nothing booked,
    // and the host is told why.
    radicale.stop();
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(16 * 60));
    app.run_jobs().await;
    assert!(day(&app, "2026-12-03").await.is_empty());
    let refused = app
        .book(&app.quick_call, "2026-12-03T15:00:00Z", "bob@example.com")
        .await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    let listed = app
        .authed(Method::GET, "/api/calendar-connections", None)
        .await;
    assert_eq!(listed.body[0]["status"], "error");
    assert!(
        listed.body[0]["lastError"]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{:?}",
        listed.body
    );
    let cookie = crate::support::forms::dashboard_login(&app).await;
    let page =
        crate::support::forms::dashboard_page(&app, &cookie, "/dashboard/integrations").await;
    assert!(
        page.contains("Your booking page offers no times right now"),
        "{page}"
    );
    assert!(page.contains("did not answer"));
    let connection = listed.body[0]["id"].as_str().unwrap().to_owned();
    let deleted = app
        .authed(
            Method::DELETE,
            &format!("/api/calendar-connections/{connection}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert!(
        !day(&app, "2026-12-03").await.is_empty(),
        "without calendars, the hours decide"
    );
}

/// The CalDAV client's conditional writes against Radicale: a second create of one UID and
/// an update with a stale ETag are both refused with 412.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caldav_writes_are_conditional() {
    use novacrm::integrations::caldav::{CalDav, CalDavError};
    use novacrm::integrations::outbound::OutboundPolicy;
    let radicale = Radicale::start().await;
    let work = radicale.calendar("work", "Work").await;
    let policy = OutboundPolicy::new(vec![("127.0.0.0".parse().unwrap(), 8)]);
    let dav = CalDav::new(&policy, Radicale::USER, Radicale::PASSWORD);
    let found = dav.discover(&radicale.base).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].url, work);
    let ics = one_event("u1@novacrm.test", "20261202T150000Z", "20261202T153000Z");
    let (href, etag) = dav
        .put_event(&work, "u1@novacrm.test", &ics, None)
        .await
        .unwrap();
    assert_eq!(
        dav.put_event(&work, "u1@novacrm.test", &ics, None).await,
        Err(CalDavError::PreconditionFailed)
    );
    assert_eq!(
        dav.put_event(&work, "u1@novacrm.test", &ics, Some("\"stale\""))
            .await,
        Err(CalDavError::PreconditionFailed)
    );
    let etag = etag.expect("Radicale answers an ETag");
    dav.put_event(&work, "u1@novacrm.test", &ics, Some(&etag))
        .await
        .unwrap();
    dav.delete_event(&href, None).await.unwrap();
    dav.delete_event(&href, None).await.unwrap();
    let wrong = CalDav::new(&policy, Radicale::USER, "nope");
    assert!(matches!(
        wrong.discover(&radicale.base).await,
        Err(CalDavError::Unauthorized(_))
    ));
    let guarded = CalDav::new(
        &OutboundPolicy::default(),
        Radicale::USER,
        Radicale::PASSWORD,
    );
    assert!(
        guarded.discover(&radicale.base).await.is_err(),
        "loopback is refused by default"
    );
}

async fn google_calendar_connects_reads_writes_and_refreshes(backend: Backend) {
    let google = FakeGoogle::start().await;
    {
        let mut g = google.state.lock().unwrap();
        let mut calendars = vec![
            json!({"id": "jane@example.com", "summary": "Jane", "primary": true, "accessRole": "owner"}),
            json!({"id": "team@group.example", "summary": "Team", "accessRole": "writer"}),
            json!({"id": "holidays@group.example", "summary": "Holidays", "accessRole": "reader"}),
        ];
        // Enough calendars to need two freeBusy requests per window.
        calendars.extend((0..50).map(|i| json!({"id": format!("c{i}@group.example"), "summary": format!("C{i}"), "accessRole": "owner"})));
        g.calendars = calendars;
        g.busy.insert(
            "jane@example.com".into(),
            vec![("2026-11-24T15:00:00Z".into(), "2026-11-24T16:00:00Z".into())],
        );
    }
    let config = google.config();
    let app = crate::support::app::spawn_app_with(backend, move |c| c.google = Some(config)).await;
    let cookie = crate::support::forms::dashboard_login(&app).await;
    let client = crate::support::app::no_redirects();
    let get = |path: String| {
        client
            .get(app.url(&path))
            .header("cookie", cookie.clone())
            .send()
    };
    let start = get("/dashboard/integrations/google/start".into())
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let to = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with(&format!("{}/auth?", google.base)), "{to}");
    let query: std::collections::HashMap<String, String> = reqwest::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(query["access_type"], "offline");
    assert_eq!(
        query["client_id"],
        crate::support::outside::GOOGLE_CLIENT_ID
    );
    let redirect = app.url("/dashboard/integrations/google/callback");
    assert_eq!(query["redirect_uri"], redirect);
    let state = query["state"].clone();
    let forged = get("/dashboard/integrations/google/callback?code=good-code&state=forged".into())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(forged.contains("expired or was not started here"));
    let done = get(format!(
        "/dashboard/integrations/google/callback?code=good-code&state={state}"
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(done.contains("Connected Google Calendar"), "{done}");
    let again = get(format!(
        "/dashboard/integrations/google/callback?code=good-code&state={state}"
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(
        again.contains("expired or was not started here"),
        "a state is spent once"
    );
    {
        let g = google.state.lock().unwrap();
        let exchange = &g.token_requests[0];
        assert_eq!(exchange["grant_type"], "authorization_code");
        assert_eq!(exchange["code"], "good-code");
        assert_eq!(exchange["redirect_uri"], redirect);
        // 96 days of 52 checked calendars: two windows (≤ 90 days) × two batches (≤ 50).
        assert_eq!(
            g.free_busy_requests.len(),
            4,
            "{:?}",
            g.free_busy_requests.len()
        );
    }
    let listed = app
        .authed(Method::GET, "/api/calendar-connections", None)
        .await;
    let connection = &listed.body[0];
    assert_eq!(connection["provider"], "google");
    assert_eq!(connection["username"], "jane@example.com");
    assert_eq!(
        connection["scopes"].as_array().unwrap().len(),
        2,
        "granted scopes kept"
    );
    assert_eq!(connection["status"], "ok");
    let cals = connection["calendars"].as_array().unwrap();
    let by_name = |n: &str| cals.iter().find(|c| c["name"] == n).unwrap().clone();
    assert_eq!(by_name("Jane")["addBookings"], true);
    assert_eq!(
        by_name("Holidays")["checkConflicts"],
        false,
        "read-only calendars do not block"
    );
    let slots = day(&app, "2026-11-24").await;
    assert!(!has(&slots, "2026-11-24T15:00:00Z") && has(&slots, "2026-11-24T14:00:00Z"));

    // A calendar Google cannot read is unknown, so busy: the page offers nothing until the
    // host stops checking it.
    google.state.lock().unwrap().failing = Some("team@group.example".into());
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(5 * 60 + 1));
    app.run_jobs().await;
    assert!(day(&app, "2026-11-25").await.is_empty());
    let id = connection["id"].as_str().unwrap();
    let team = by_name("Team")["id"].clone();
    let patched = app
        .patch(
            &format!("/api/calendar-connections/{id}"),
            json!({"calendars": [{"id": team, "checkConflicts": false}]}),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert!(!day(&app, "2026-11-25").await.is_empty());

    // Bookings become events without Google's own invitations; moves update, cancels delete.
    let booked = app
        .book(&app.quick_call, "2026-11-25T14:00:00Z", "ann@example.com")
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let booking = booked.body["id"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    app.patch(
        &format!("/api/bookings/{booking}"),
        json!({"startTime": "2026-11-25T14:30:00Z"}),
    )
    .await;
    // (Each job writes the booking as it is then: a move and a cancel queued together
    // would end as one delete.)
    app.run_jobs().await;
    app.patch(
        &format!("/api/bookings/{booking}"),
        json!({"status": "CANCELLED"}),
    )
    .await;
    app.run_jobs().await;
    {
        let g = google.state.lock().unwrap();
        let methods: Vec<&str> = g.event_calls.iter().map(|(m, _, _)| m.as_str()).collect();
        assert_eq!(methods, ["POST", "PUT", "DELETE"]);
        assert!(
            g.event_calls[0]
                .1
                .contains("/calendars/jane%40example.com/events")
        );
        let uid = g.event_calls[0].2["iCalUID"].as_str().unwrap();
        assert!(
            uid.starts_with(&format!("{booking}@")),
            "the invite's UID: {uid}"
        );
        assert_eq!(
            g.event_calls[1].2["start"]["dateTime"],
            "2026-11-25T14:30:00Z"
        );
    }

    // The access token is refused: three writes at once lead to exactly one refresh, and the
    // rotated refresh token is the one used next time.
    google.revoke_access();
    for at in [
        "2026-11-26T14:00:00Z",
        "2026-11-26T15:00:00Z",
        "2026-11-26T16:00:00Z",
    ] {
        let b = app
            .book(
                &app.quick_call,
                at,
                &format!("g{}@example.com", &at[11..13]),
            )
            .await;
        assert_eq!(b.status, 201, "{:?}", b.body);
    }
    app.run_jobs().await;
    assert_eq!(google.refreshes(), 1, "one refresh for three refused calls");
    assert_eq!(google.state.lock().unwrap().event_calls.len(), 6);
    google.revoke_access();
    app.book(&app.quick_call, "2026-11-27T14:00:00Z", "h@example.com")
        .await;
    app.run_jobs().await;
    assert_eq!(google.refreshes(), 2);
    assert_eq!(
        google.state.lock().unwrap().token_requests[2]["refresh_token"],
        "refresh-2"
    );
    assert_eq!(google.state.lock().unwrap().event_calls.len(), 7);

    // 429: the write is retried after the outbox's backoff.
    google.state.lock().unwrap().rate_limit_next = 1;
    app.book(&app.quick_call, "2026-11-27T15:00:00Z", "i@example.com")
        .await;
    app.run_jobs().await;
    assert_eq!(
        google.state.lock().unwrap().event_calls.len(),
        7,
        "refused, not retried yet"
    );
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(31));
    app.run_jobs().await;
    assert_eq!(google.state.lock().unwrap().event_calls.len(), 8);

    // Google Meet: the link comes with the booking's Google event (asked for with the
    // booking's id), before the emails; the calendar job then updates that same event.
    let meet = app
        .patch(
            &format!("/api/meeting-types/{}", app.consultation),
            json!({"location": {"kind": "video", "provider": "google_meet"}}),
        )
        .await;
    assert_eq!(meet.status, 200, "{:?}", meet.body);
    let booked = app
        .book(
            &app.consultation,
            "2026-11-30T15:00:00Z",
            "meet@example.com",
        )
        .await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let meet_id = booked.body["id"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    {
        let g = google.state.lock().unwrap();
        let methods: Vec<&str> = g.event_calls[8..]
            .iter()
            .map(|(m, _, _)| m.as_str())
            .collect();
        assert_eq!(methods, ["POST", "PUT"], "one event, made then updated");
        let request = &g.event_calls[8].2["conferenceData"]["createRequest"];
        assert_eq!(request["requestId"], meet_id.as_str());
        assert_eq!(request["conferenceSolutionKey"]["type"], "hangoutsMeet");
    }
    let link = format!("https://meet.example/{meet_id}");
    assert!(app.smtp.to("meet@example.com")[0].text().contains(&link));

    // invalid_grant: the connection needs the host, and says so.
    google.state.lock().unwrap().invalid_grant = true;
    google.revoke_access();
    app.clock
        .set(app.clock.now_ts() + SignedDuration::from_secs(5 * 60 + 1));
    app.run_jobs().await;
    let listed = app
        .authed(Method::GET, "/api/calendar-connections", None)
        .await;
    assert_eq!(
        listed.body[0]["status"], "needs_reconnect",
        "{:?}",
        listed.body
    );
    let page = get("/dashboard/integrations".into())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Disconnect and connect again"), "{page}");
    assert!(day(&app, "2026-11-30").await.is_empty());
}

crate::on_both_backends!(
    google_calendar_connects_reads_writes_and_refreshes,
    caldav_calendars_block_the_page_and_receive_bookings,
);
