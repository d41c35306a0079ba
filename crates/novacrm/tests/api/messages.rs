//! Messages: what a booking change sends, over real SMTP (the stand-in in `outside.rs`) and
//! Twilio's REST API (its stand-in), with the outbox run step by step on the test clock, and
//! the guest's self-service pages behind the links.

use std::collections::HashSet;

use icalendar::parser::{read_calendar, unfold};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::{Backend, NowTs, TestApp, spawn_app};
use crate::support::outside::SmtpMode;

/// Tuesday 2026-11-24 09:00 New York — 26 hours after the test clock's `now`.
pub(crate) const TUE_9: &str = "2026-11-24T14:00:00Z";
pub(crate) const TUE_10: &str = "2026-11-24T15:00:00Z";
pub(crate) const WED_9: &str = "2026-11-25T14:00:00Z";

pub(crate) fn booking_body(app: &TestApp, start: &str, email: &str, phone: Option<&str>) -> Value {
    let mut body = json!({
        "meetingTypeId": app.consultation, "startTime": start, "timezone": "Europe/Berlin",
        "guestName": "Ada Lovelace", "guestEmail": email,
        "meetingNotes": "Line one\nLine two",
    });
    if let Some(phone) = phone {
        body["guestPhone"] = json!(phone);
    }
    body
}

pub(crate) async fn book(app: &TestApp, start: &str, email: &str, phone: Option<&str>) -> Value {
    let answer = app
        .post_booking(booking_body(app, start, email, phone))
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer.body
}

/// The one VEVENT of an invite, as a real parser reads it: (METHOD, property → value).
pub(crate) fn parse_invite(ics: &str) -> (String, std::collections::HashMap<String, String>) {
    let unfolded = unfold(ics);
    let calendars = read_calendar(&unfolded).expect("valid iCalendar");
    let method = calendars
        .properties
        .iter()
        .find(|p| p.name == "METHOD")
        .map(|p| p.val.to_string())
        .unwrap_or_default();
    let events: Vec<_> = calendars
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 1, "{ics}");
    let fields = events[0]
        .properties
        .iter()
        .map(|p| (p.name.to_string(), p.val.to_string()))
        .collect();
    (method, fields)
}

pub(crate) async fn jobs_of(app: &TestApp, booking_id: &str) -> usize {
    app.store.booking_jobs(booking_id).await.unwrap().len()
}

pub(crate) async fn a_booking_emails_both_sides_with_an_invite(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = book(&app, TUE_9, "ada@example.com", Some("+44 20 7946 0958")).await;
    let id = booked["id"].as_str().unwrap();
    let manage = booked["manageUrl"].as_str().unwrap();
    assert!(
        manage.starts_with(&format!("{}/booking/nvb_", app.address)),
        "{manage}"
    );
    assert!(
        app.smtp.received().is_empty(),
        "nothing leaves before the worker runs"
    );
    assert_eq!(
        app.run_jobs().await,
        2,
        "confirmation and host notice are due now"
    );
    assert_eq!(app.run_jobs().await, 0, "and each is sent once");

    let guest = app.smtp.to("ada@example.com");
    assert_eq!(guest.len(), 1);
    let mail = &guest[0];
    assert_eq!(mail.mail_from, "bookings@novacrm.test");
    assert_eq!(
        mail.subject(),
        "Confirmed: Consultation with Jane Smith on Tuesday, November 24"
    );
    let text = mail.text();
    for expected in [
        "Hi Ada Lovelace,",
        "Tuesday, November 24, 2026, 15:00 – 15:30 (Europe/Berlin, CET)",
        "9:00 AM – 9:30 AM (America/New_York, EST) for Jane Smith",
        &format!("Reschedule: {manage}/reschedule"),
        &format!("Cancel:     {manage}#cancel"),
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let html = mail.html();
    assert!(
        html.contains(&format!("href=\"{manage}/reschedule\"")),
        "{html}"
    );
    assert!(html.contains("Europe/Berlin, CET"));
    assert!(mail.message_id().ends_with("@localhost"));
    let parsed = mail.parsed();
    assert_eq!(
        parsed
            .reply_to()
            .and_then(|r| r.first())
            .and_then(|a| a.address()),
        Some("jane@example.com")
    );

    let (method, ics) = mail.calendar();
    assert_eq!(method, "REQUEST");
    assert_eq!(mail.attachment(), ics, "the attachment is the same invite");
    let (ics_method, event) = parse_invite(&ics);
    assert_eq!(ics_method, "REQUEST");
    assert_eq!(event["UID"], format!("{id}@localhost"));
    assert_eq!(event["SEQUENCE"], "0");
    assert_eq!(event["DTSTART"], "20261124T140000Z");
    assert_eq!(event["DTEND"], "20261124T143000Z");
    assert_eq!(event["STATUS"], "CONFIRMED");
    assert!(event["ORGANIZER"].contains("jane@example.com"));
    assert!(event["ATTENDEE"].contains("ada@example.com"));

    let host = app.smtp.to("jane@example.com");
    assert_eq!(host.len(), 1);
    assert_eq!(
        host[0].subject(),
        "New booking: Consultation with Ada Lovelace on Tuesday, November 24"
    );
    let text = host[0].text();
    for expected in [
        "Tuesday, November 24, 2026, 9:00 AM – 9:30 AM (America/New_York, EST)",
        "Phone:   +442079460958",
        "Line one\nLine two",
        "First meeting with Ada Lovelace.",
        "/dashboard/bookings",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    assert_eq!(
        host[0]
            .parsed()
            .reply_to()
            .and_then(|r| r.first())
            .and_then(|a| a.address()),
        Some("ada@example.com")
    );

    // The guest's second booking: the host's brief lists the first.
    book(&app, WED_9, "ADA@example.com", None).await;
    app.run_jobs().await;
    let host = app.smtp.to("jane@example.com");
    let brief = host.last().unwrap().text();
    assert!(brief.contains("Earlier meetings:"), "{brief}");
    assert!(
        brief.contains("Tuesday, November 24, 2026 at 9:00 AM"),
        "{brief}"
    );
}

pub(crate) async fn a_refused_booking_sends_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let bodies = (0..8)
        .map(|i| {
            (
                app.url("/api/public/booking/jane/book"),
                booking_body(&app, TUE_9, &format!("racer{i}@example.com"), None),
            )
        })
        .collect();
    let statuses = crate::support::app::race(&app.client, bodies).await;
    crate::support::app::assert_one_winner(&statuses);
    let bad = app
        .post_booking(
            json!({"meetingTypeId": app.consultation, "startTime": TUE_10,
            "timezone": "Europe/Berlin", "guestName": "Eve\r\nBcc: x@example.com",
            "guestEmail": "eve@example.com"}),
        )
        .await;
    assert_eq!(
        bad.status, 422,
        "a name on two lines is refused: {:?}",
        bad.body
    );
    assert_eq!(app.run_jobs().await, 2);
    assert_eq!(
        app.smtp.received().len(),
        2,
        "one booking: one confirmation, one notice"
    );
}

/// Lets Jane be booked any day, far ahead (the reminder cases need dates around DST).
pub(crate) async fn open_every_day(app: &TestApp) {
    let answer = app
        .patch("/api/availability", json!({"maxAdvance": 200, "minNotice": 0, "weeklyHours": {
                "mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
                "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]], "sat": [["09:00", "17:00"]],
                "sun": [["09:00", "17:00"]]}}))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
}

pub(crate) fn reminders_to(app: &TestApp, email: &str) -> usize {
    app.smtp
        .to(email)
        .iter()
        .filter(|m| m.subject().starts_with("Reminder:"))
        .count()
}

pub(crate) async fn the_reminder_fires_a_day_before_even_across_dst(backend: Backend) {
    let app = spawn_app(backend).await;
    open_every_day(&app).await;
    // Sunday 2027-03-14 09:00 EDT = 13:00Z; New York springs forward at 02:00 that day, so
    // 24 hours before is Saturday 08:00 EST (13:00Z), not 09:00 wall-clock (14:00Z).
    book(&app, "2027-03-14T13:00:00Z", "ada@example.com", None).await;
    app.run_jobs().await;
    app.set_now("2027-03-13T12:59:59Z");
    assert_eq!(app.run_jobs().await, 0);
    assert_eq!(reminders_to(&app, "ada@example.com"), 0);
    app.set_now("2027-03-13T13:00:00Z");
    assert_eq!(app.run_jobs().await, 1);
    assert_eq!(reminders_to(&app, "ada@example.com"), 1);
    let reminder = app.smtp.to("ada@example.com").pop().unwrap();
    assert_eq!(
        reminder.subject(),
        "Reminder: Consultation with Jane Smith tomorrow"
    );
    assert!(
        reminder
            .text()
            .contains("Sunday, March 14, 2027, 14:00 – 14:30 (Europe/Berlin, CET)"),
        "{}",
        reminder.text()
    );
}

pub(crate) async fn a_move_replans_the_reminder_and_a_cancel_drops_it(backend: Backend) {
    let app = spawn_app(backend).await;
    open_every_day(&app).await;
    let moved = book(&app, "2026-12-10T15:00:00Z", "moved@example.com", None).await;
    let dropped = book(&app, "2026-12-11T15:00:00Z", "dropped@example.com", None).await;
    // Booked less than a day ahead (15:00 today in New York): no reminder at all.
    let soon = book(&app, "2026-11-23T20:00:00Z", "soon@example.com", None).await;
    assert_eq!(jobs_of(&app, soon["id"].as_str().unwrap()).await, 2);
    app.run_jobs().await;
    let app = &app;
    let patch = |id: &str, body: Value| {
        let path = format!("/api/bookings/{id}");
        async move { app.patch(&path, body).await }
    };
    let answer = patch(
        moved["id"].as_str().unwrap(),
        json!({"startTime": "2026-12-12T15:00:00Z"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let answer = patch(
        dropped["id"].as_str().unwrap(),
        json!({"status": "CANCELLED", "cancelReason": "Double-booked on my side"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        app.run_jobs().await,
        4,
        "a moved and a cancelled notice to each side"
    );
    let cancelled = app.smtp.to("dropped@example.com").pop().unwrap();
    assert!(
        cancelled.subject().starts_with("Cancelled:"),
        "{}",
        cancelled.subject()
    );
    assert!(
        cancelled
            .text()
            .contains("Jane Smith cancelled this meeting")
    );
    assert!(cancelled.text().contains("Double-booked on my side"));
    let (method, ics) = cancelled.calendar();
    assert_eq!(method, "CANCEL");
    let (_, event) = parse_invite(&ics);
    assert_eq!(event["SEQUENCE"], "1");
    assert_eq!(event["STATUS"], "CANCELLED");
    let moved_notice = app.smtp.to("moved@example.com").pop().unwrap();
    assert!(
        moved_notice.subject().starts_with("Moved:"),
        "{}",
        moved_notice.subject()
    );
    assert!(
        moved_notice
            .text()
            .contains("It was Thursday, December 10, 2026 at 16:00."),
        "{}",
        moved_notice.text()
    );
    let (_, event) = parse_invite(&moved_notice.calendar().1);
    assert_eq!(event["SEQUENCE"], "1");
    assert_eq!(event["DTSTART"], "20261212T150000Z");
    // The old due times pass without a reminder; the new one brings it.
    app.set_now("2026-12-11T14:59:59Z");
    app.run_jobs().await;
    assert_eq!(reminders_to(app, "moved@example.com"), 0);
    assert_eq!(reminders_to(app, "dropped@example.com"), 0);
    app.set_now("2026-12-11T15:00:00Z");
    app.run_jobs().await;
    assert_eq!(reminders_to(app, "moved@example.com"), 1);
    assert_eq!(reminders_to(app, "soon@example.com"), 0);
}

pub(crate) async fn a_failing_mail_server_gets_retries_then_a_visible_failure(backend: Backend) {
    let app = spawn_app(backend).await;
    app.smtp.set_mode(SmtpMode::TempFail);
    book(&app, TUE_9, "ada@example.com", None).await;
    let mut now: jiff::Timestamp = crate::support::app::NOW.parse().unwrap();
    assert_eq!(app.run_jobs().await, 2);
    let cookie = crate::support::forms::dashboard_login(&app).await;
    let home = |app: &TestApp, cookie: &str| {
        let request = app
            .client
            .get(app.url("/dashboard"))
            .header("cookie", cookie);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    for attempt in 1..novacrm::outbox::MAX_ATTEMPTS {
        let wait = novacrm::outbox::backoff(attempt);
        let pending = app
            .store
            .jobs(None, novacrm::store::JobFilter::Pending, 10)
            .await
            .unwrap();
        let emails: Vec<_> = pending.iter().filter(|j| j.kind == "email").collect();
        assert_eq!(emails.len(), 2, "attempt {attempt}");
        if attempt == 2 {
            // Minutes into the outage, the host already sees the messages are late.
            let home = home(&app, &cookie).await;
            assert!(
                home.contains("Messages that are late") && home.contains("451"),
                "{home}"
            );
        }
        for job in &emails {
            assert_eq!(job.attempts, attempt);
            assert!(
                job.last_error.as_deref().unwrap().contains("451"),
                "{job:?}"
            );
        }
        // Not a moment before the backoff has passed.
        now += jiff::SignedDuration::try_from(wait).unwrap();
        app.clock.set(now - jiff::SignedDuration::from_millis(1));
        assert_eq!(app.run_jobs().await, 0, "attempt {attempt} waits {wait:?}");
        app.clock.set(now);
        assert_eq!(app.run_jobs().await, 2, "attempt {}", attempt + 1);
    }
    let failed = app
        .store
        .jobs(None, novacrm::store::JobFilter::Failed, 10)
        .await
        .unwrap();
    assert_eq!(
        failed.len(),
        2,
        "given up after {} attempts",
        novacrm::outbox::MAX_ATTEMPTS
    );
    assert!(app.smtp.received().is_empty());

    // The host sees them, with the error, and a retry sends them.
    let home = home(&app, &cookie).await;
    assert!(home.contains("Messages that could not be sent"), "{home}");
    assert!(home.contains("Confirmation email to the guest"));
    assert!(home.contains("451"));
    app.smtp.set_mode(SmtpMode::Accept);
    // The operator sees them too, and retries one from the command line; the host the other.
    let jobs = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_novacrm"))
            .arg("jobs")
            .args(args)
            .args(["--database-url", &app.database_url])
            .output()
            .unwrap()
    };
    let listed = String::from_utf8(jobs(&["list"]).stdout).unwrap();
    assert_eq!(
        listed.lines().filter(|l| l.contains("\tfailed\t")).count(),
        2,
        "{listed}"
    );
    assert!(listed.contains("451"), "{listed}");
    let unknown = jobs(&["retry", "no-such-job"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8(unknown.stderr)
            .unwrap()
            .contains("no failed job")
    );
    assert!(jobs(&["retry", &failed[0].id]).status.success());
    let now = scheduling::Instant::from(app.clock.now_ts());
    let host = failed[1].host_id.clone().unwrap();
    assert!(
        !app.store
            .retry_job(&failed[1].id, Some("another-host"), now)
            .await
            .unwrap()
    );
    assert!(
        app.store
            .retry_job(&failed[1].id, Some(&host), now)
            .await
            .unwrap()
    );
    // The command line queued its job at the real time of day; catch the test clock up.
    app.clock.set(jiff::Timestamp::now());
    app.run_jobs().await;
    assert_eq!(app.smtp.received().len(), 2);
}

pub(crate) async fn two_workers_never_send_one_message_twice(backend: Backend) {
    let app = spawn_app(backend).await;
    open_every_day(&app).await;
    for day in 1..=12 {
        let start = format!("2026-12-{day:02}T15:00:00Z");
        book(&app, &start, &format!("guest{day}@example.com"), None).await;
    }
    // A second service on the same database: its own pool, its own worker.
    let config = novacrm::config::Config {
        listen: "127.0.0.1:0".into(),
        database: novacrm::config::Database {
            url: app.database_url.clone(),
        },
        smtp_url: Some(app.smtp.url.clone()),
        worker: false,
        ..novacrm::config::Config::default()
    };
    let other = novacrm::startup::Application::build_with_clock(config, app.clock.clone())
        .await
        .unwrap();
    let second = other.state().worker.clone();
    let now = app.clock.now_ts();
    let (a, b) = tokio::join!(app.worker.run_due(now), second.run_due(now));
    assert_eq!(a.unwrap() + b.unwrap(), 24);
    let received = app.smtp.received();
    assert_eq!(received.len(), 24);
    let ids: HashSet<String> = received
        .iter()
        .map(crate::support::outside::Received::message_id)
        .collect();
    assert_eq!(ids.len(), 24, "every message once");
}

pub(crate) async fn state_of(app: &TestApp, id: &str) -> Value {
    let bookings = app.authed(Method::GET, "/api/bookings", None).await;
    bookings
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap()
        .clone()
}

crate::on_both_backends!(
    a_booking_emails_both_sides_with_an_invite,
    a_refused_booking_sends_nothing,
    the_reminder_fires_a_day_before_even_across_dst,
    a_move_replans_the_reminder_and_a_cancel_drops_it,
    a_failing_mail_server_gets_retries_then_a_visible_failure,
    two_workers_never_send_one_message_twice,
);
