//! The host's side of the pages over plain HTTP: the booking-page profile (name, welcome,
//! brand colour, photo), time zones guessed, remembered and chosen, the dashboard's booking
//! detail with cancel and move confirmations, the week, contacts, blocked time in words and
//! the onboarding checklist.

use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, TestApp, no_redirects, spawn_app};
use crate::support::forms::{dashboard_login, form, hidden_csrf};

const TUE_9: &str = "2026-11-24T14:00:00Z";

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x60, 0x60, 0xF8,
    0x0F, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5F, 0xE5, 0xC3, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut request = no_redirects().get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.send().await.unwrap()).await
}

/// The status, and where a redirect leads (else the body).
async fn answer(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    (status, location.unwrap_or(body))
}

async fn put_photo(app: &TestApp, bytes: Vec<u8>) -> (u16, serde_json::Value) {
    let response = app
        .client
        .put(app.url("/api/profile/photo"))
        .bearer_auth(&app.token)
        .header("content-type", "image/png")
        .body(bytes)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or_default(),
    )
}

async fn profiles_show_on_the_booking_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, before) = get(&app, &format!("/book/jane/{}", app.consultation), &[]).await;
    assert!(before.contains(">JS</span>"), "initials without a photo");
    let saved = app
        .patch(
            "/api/profile",
            json!({"name": "Jane Q. Smith", "welcome": "Pick any time that suits you.",
                        "brandColor": "#0f766e"}),
        )
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(saved.body["brandColor"], "#0F766E");
    assert_eq!(saved.body["photoUrl"], json!(null));
    let pale = app
        .patch("/api/profile", json!({"brandColor": "#FFFF00", "name": ""}))
        .await;
    assert_eq!(pale.status, 422);
    let fields: Vec<&str> = pale.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "brandColor"], "{:?}", pale.body);

    let (status, body) = put_photo(&app, b"GIF89a not a photo we take".to_vec()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "photo");
    let (status, _) = put_photo(&app, vec![0x89; 600 * 1024]).await;
    assert_eq!(status, 413);
    let (status, body) = put_photo(&app, PNG.to_vec()).await;
    assert_eq!(status, 200, "{body}");
    let photo = body["photoUrl"].as_str().unwrap().to_owned();
    assert!(photo.starts_with("/book/jane/photo/"), "{photo}");
    let served = app.client.get(app.url(&photo)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);

    // The cached calendar page follows the profile at once.
    for path in [
        "/book/jane".to_owned(),
        format!("/book/jane/{}", app.consultation),
    ] {
        let (status, page) = get(&app, &path, &[]).await;
        assert_eq!(status, 200);
        for shown in [
            "Jane Q. Smith",
            "Pick any time that suits you.",
            "style=\"--brand: #0F766E\"",
            &format!("src=\"{photo}\""),
            "<meta property=\"og:title\"",
        ] {
            assert!(page.contains(shown), "{path} shows {shown}");
        }
    }
    let removed = app.authed(Method::DELETE, "/api/profile/photo", None).await;
    assert_eq!(removed.body["photoUrl"], json!(null));
    let gone = app.client.get(app.url(&photo)).send().await.unwrap();
    assert_eq!(gone.status(), 404, "a replaced photo's address is gone");
}

async fn zones_are_guessed_remembered_and_chosen(backend: Backend) {
    let app = spawn_app(backend).await;
    let calendar = format!("/book/jane/{}", app.consultation);
    // First visit, German browser: Berlin is the guess the script checks.
    let (_, page) = get(&app, &calendar, &[("accept-language", "de-DE,de;q=0.9")]).await;
    assert!(page.contains("data-tz-guess=\"Europe/Berlin\""), "{page}");
    assert!(
        page.contains("<optgroup label=\"Europa\">"),
        "regions in German"
    );
    assert!(
        page.contains("<option value=\"Europe/Berlin\" selected>Berlin, Germany — UTC+01:00 CET")
    );
    assert!(page.contains("Berlin, Germany · UTC+01:00 CET · "));
    // No region to go by: the host's zone, still a guess.
    let (_, page) = get(&app, &calendar, &[("accept-language", "en")]).await;
    assert!(page.contains("data-tz-guess=\"America/New_York\""));
    // The cookie the script leaves: the guest's zone, no guess.
    let (_, page) = get(
        &app,
        &calendar,
        &[("cookie", "tz=Asia/Tokyo"), ("accept-language", "de-DE")],
    )
    .await;
    assert!(!page.contains("data-tz-guess"));
    assert!(page.contains("<option value=\"Asia/Tokyo\" selected>"));
    // A choice in the link wins over the cookie.
    let (_, page) = get(
        &app,
        &format!("{calendar}?tz=America/Sao_Paulo"),
        &[("cookie", "tz=Asia/Tokyo")],
    )
    .await;
    assert!(page.contains("<option value=\"America/Sao_Paulo\" selected>"));
    assert!(page.contains("Sao Paulo, Brazil · UTC−03:00"));

    // A time that was never open is told apart from one just taken.
    let (status, back) = get(
        &app,
        &format!(
            "/book/jane/{}/details?start=2026-11-29T08:00:00Z&tz=Europe/Berlin",
            app.consultation
        ),
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert!(back.contains("taken=no"), "{back}");
    let (_, page) = get(&app, &back, &[]).await;
    assert!(page.contains("That time isn’t open for booking."), "{page}");
    assert!(!page.contains("just taken"));
    app.book(&app.consultation, TUE_9, "first@example.com")
        .await;
    let (_, back) = get(
        &app,
        &format!(
            "/book/jane/{}/details?start={TUE_9}&tz=Europe/Berlin",
            app.consultation
        ),
        &[],
    )
    .await;
    assert!(back.contains("taken=1"), "{back}");
}

/// Posts a dashboard form with the session cookie and its CSRF token.
async fn post(app: &TestApp, session: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = no_redirects()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", session)
        .body(form(fields))
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn hosts_cancel_and_move_bookings_through_confirmations(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = app
        .book(&app.consultation, TUE_9, "guest@example.com")
        .await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    let session = dashboard_login(&app).await;
    let cookie = [("cookie", session.as_str())];
    let (_, list) = get(&app, "/dashboard/bookings", &cookie).await;
    assert!(list.contains(&format!("href=\"/dashboard/bookings/{id}\"")));
    assert!(list.contains(&format!("href=\"/dashboard/bookings/{id}/cancel\"")));
    assert!(!list.contains("Move to"), "no long select of times");
    assert!(list.contains("UTC−05:00 EST"), "times carry their zone");

    let (status, detail) = get(&app, &format!("/dashboard/bookings/{id}"), &cookie).await;
    assert_eq!(status, 200);
    assert!(detail.contains("guest@example.com"));
    assert!(detail.contains("(America/New_York, EST)"));
    assert!(
        detail.contains("The guest's time:"),
        "the guest booked from Berlin"
    );

    // Move: the guests' calendar, then a confirmation, then the booking has moved.
    let (status, picker) = get(
        &app,
        &format!("/dashboard/bookings/{id}/reschedule"),
        &cookie,
    )
    .await;
    assert_eq!(status, 200);
    assert!(picker.contains("Move the meeting with Guest"));
    let link_start = format!("/dashboard/bookings/{id}/move?start=");
    let at = picker
        .find(&link_start)
        .expect("slots lead to the move step");
    let link = picker[at..at + picker[at..].find('"').unwrap()].replace("&amp;", "&");
    let (status, confirm) = get(&app, &link, &cookie).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Move meeting") && confirm.contains("To "));
    let start = confirm
        .split("name=\"start\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let csrf = hidden_csrf(&confirm);
    let (status, back) = post(
        &app,
        &session,
        &format!("/dashboard/bookings/{id}/reschedule"),
        &[("csrf", &csrf), ("start", &start), ("back", "detail")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(back, format!("/dashboard/bookings/{id}"));
    let (_, detail) = get(&app, &back, &cookie).await;
    assert!(detail.contains("class=\"ok\" role=\"status\">The meeting with Guest is confirmed"));
    assert!(detail.contains("Moved 1 time"));
    let listed = app.authed(Method::GET, "/api/bookings", None).await;
    assert_eq!(listed.body[0]["startTime"], start);

    // Cancel: a confirmation with a reason, not one click.
    let (_, step) = get(&app, &format!("/dashboard/bookings/{id}/cancel"), &cookie).await;
    assert!(step.contains("Cancel the meeting with Guest?"));
    assert!(step.contains("name=\"reason\""));
    let (status, _) = post(
        &app,
        &session,
        &format!("/dashboard/bookings/{id}"),
        &[
            ("csrf", &csrf),
            ("status", "CANCELLED"),
            ("reason", "Double-booked, sorry"),
            ("back", "detail"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, detail) = get(&app, &format!("/dashboard/bookings/{id}"), &cookie).await;
    assert!(detail.contains("status-cancelled\">Cancelled"));
    assert!(detail.contains("Cancelled by you"));
    assert!(detail.contains("Double-booked, sorry"));

    // Another host's booking is nobody's business.
    let (status, _) = get(&app, "/dashboard/bookings/not-a-booking", &cookie).await;
    assert_eq!(status, 404);
}

async fn the_week_contacts_blocked_time_and_checklist(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = dashboard_login(&app).await;
    let cookie = [("cookie", session.as_str())];
    let (_, home) = get(&app, "/dashboard", &cookie).await;
    assert!(home.contains("Get set up"));
    assert!(home.contains("Set your hours</a><span class=\"sr-only\"> (to do)"));
    assert!(home.contains("Share your link</a><span class=\"sr-only\"> (to do)"));
    let csrf = hidden_csrf(&home);
    let hours = app
        .patch("/api/availability", json!({"startTime": "08:00"}))
        .await;
    assert_eq!(hours.status, 200);
    let (_, home) = get(&app, "/dashboard", &cookie).await;
    assert!(home.contains("Set your hours</a><span class=\"sr-only\"> (done)"));
    let (status, _) = post(
        &app,
        &session,
        "/dashboard/onboarding/shared",
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, home) = get(&app, "/dashboard", &cookie).await;
    assert!(
        !home.contains("Get set up"),
        "a finished checklist goes away"
    );

    // The week: this week's booking in its day, next week one click away.
    let booked = app.book(&app.consultation, TUE_9, "ann@example.com").await;
    let id = booked.body["id"].as_str().unwrap();
    let (_, week) = get(&app, "/dashboard/calendar", &cookie).await;
    assert!(week.contains("This week"));
    assert!(week.contains(&format!("href=\"/dashboard/bookings/{id}\"")));
    assert!(
        week.contains("aria-label=\"Tuesday, November 24\""),
        "{week}"
    );
    assert!(
        week.contains("href=\"?week=2026-11-29\""),
        "US weeks start on Sunday"
    );
    let (_, next) = get(&app, "/dashboard/calendar?week=2026-12-01", &cookie).await;
    assert!(next.contains("Next week"), "any day names its week");
    assert!(!next.contains(id));

    // The contact's own page, with the booking and the host's notes.
    let (_, contacts) = get(&app, "/dashboard/contacts", &cookie).await;
    let at = contacts.find("href=\"/dashboard/contacts/").unwrap() + 6;
    let contact = contacts[at..at + contacts[at..].find('"').unwrap()].to_owned();
    let (_, page) = get(&app, &contact, &cookie).await;
    assert!(page.contains("ann@example.com"));
    assert!(page.contains(&format!("href=\"/dashboard/bookings/{id}\"")));
    let (status, back) = post(
        &app,
        &session,
        &contact,
        &[("csrf", &csrf), ("notes", "Prefers mornings")],
    )
    .await;
    assert_eq!((status, back.as_str()), (303, contact.as_str()));
    let (_, page) = get(&app, &contact, &cookie).await;
    assert!(page.contains(">Prefers mornings</textarea>"));
    assert!(page.contains("Notes saved."));

    // Blocked time in words, with its next occurrences.
    let blocked = app
        .post("/api/blocked-time", json!({"startTime": "2026-11-25T17:00:00Z", "endTime": "2026-11-25T18:00:00Z",
                        "reason": "Lunch", "recurrenceRule": "FREQ=WEEKLY;BYDAY=WE,TH;UNTIL=20261231"}))
        .await;
    assert_eq!(blocked.status, 201, "{:?}", blocked.body);
    let (_, page) = get(
        &app,
        "/dashboard/blocked",
        &[("cookie", session.as_str()), ("accept-language", "en-US")],
    )
    .await;
    assert!(
        page.contains("Every Wed and Thu, 12:00 PM–1:00 PM until 31 Dec 2026"),
        "{page}"
    );
    assert!(page.contains("<li>Wednesday, November 25, 2026 at 12:00 PM</li>"));
    assert!(!page.contains("FREQ="));
}

crate::on_both_backends!(
    profiles_show_on_the_booking_page,
    zones_are_guessed_remembered_and_chosen,
    hosts_cancel_and_move_bookings_through_confirmations,
    the_week_contacts_blocked_time_and_checklist,
);
