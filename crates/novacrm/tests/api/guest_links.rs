//! The guest's self-service pages behind the links in their emails: opening them changes
//! nothing; cancelling and rescheduling go through the same rules as the API, and the cut-off
//! closes them.

use reqwest::Method;
use serde_json::json;

use crate::support::app::{Backend, no_redirects, spawn_app};

use crate::messages::{TUE_9, TUE_10, WED_9, book, jobs_of, parse_invite, state_of};

/// Posts a guest form with its cookie.
async fn post_form(
    client: &reqwest::Client,
    url: impl reqwest::IntoUrl,
    cookie: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(url)
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The guest's page, its form cookie and the form token in it.
async fn guest_form(client: &reqwest::Client, url: &str) -> (String, String, String) {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned())
        .unwrap_or_default();
    let page = response.text().await.unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .unwrap_or_default();
    (page, cookie, csrf)
}

async fn opening_guest_links_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = book(&app, TUE_9, "ada@example.com", None).await;
    let id = booked["id"].as_str().unwrap();
    let manage = booked["manageUrl"].as_str().unwrap().to_owned();
    let before = (state_of(&app, id).await, jobs_of(&app, id).await);
    let client = no_redirects();
    for url in [
        manage.clone(),
        format!("{manage}/reschedule"),
        format!("{manage}/reschedule?start={TUE_10}"),
        format!("{manage}/invite.ics"),
        format!("{manage}#cancel"),
    ] {
        for method in [Method::GET, Method::HEAD] {
            let status = client.request(method, &url).send().await.unwrap().status();
            assert_eq!(status, 200, "{url}");
        }
    }
    assert_eq!((state_of(&app, id).await, jobs_of(&app, id).await), before);
    for token in ["nvb_forged", "", "../../etc/passwd", "nvb_%00"] {
        let response = client
            .get(app.url(&format!("/booking/{token}")))
            .send()
            .await
            .unwrap();
        assert!(
            // A NUL is refused at the edge (400) before any lookup.
            [404, 308, 400].contains(&response.status().as_u16()),
            "{token}: {}",
            response.status()
        );
    }
    let forged = client
        .get(app.url("/booking/nvb_forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("could not find this booking")
    );
    let forged = client
        .post(app.url("/booking/nvb_forged/cancel"))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
}

async fn a_guest_cancels_through_the_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = book(&app, TUE_9, "ada@example.com", None).await;
    let id = booked["id"].as_str().unwrap();
    let manage = booked["manageUrl"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    assert!(
        !app.slots(&app.consultation, "")
            .await
            .contains(&TUE_9.to_owned())
    );
    let client = no_redirects();
    let (page, cookie, csrf) = guest_form(&client, &manage).await;
    assert!(page.contains("re booked!"), "{page}");
    // Without the form token: refused, nothing changes.
    let refused = client
        .post(format!("{manage}/cancel"))
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(state_of(&app, id).await["status"], "CONFIRMED");
    let done = post_form(
        &client,
        format!("{manage}/cancel"),
        &cookie,
        &[("csrf", csrf.as_str()), ("reason", "Something came up")],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(state_of(&app, id).await["status"], "CANCELLED");
    assert!(
        app.slots(&app.consultation, "")
            .await
            .contains(&TUE_9.to_owned()),
        "the slot is free at once"
    );
    let page = app
        .client
        .get(&manage)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("This meeting is cancelled"), "{page}");
    assert!(page.contains("Cancelled by you"));
    assert!(page.contains("Something came up"));
    assert!(!page.contains("Cancel meeting"));
    assert_eq!(app.run_jobs().await, 2);
    for to in ["ada@example.com", "jane@example.com"] {
        let notice = app.smtp.to(to).pop().unwrap();
        assert!(
            notice.subject().starts_with("Cancelled:"),
            "{}",
            notice.subject()
        );
        assert!(
            notice
                .text()
                .contains("Ada Lovelace cancelled this meeting")
        );
        assert!(notice.text().contains("Something came up"));
        assert_eq!(notice.calendar().0, "CANCEL");
    }
    // A second click changes nothing and tells no one again.
    let again = post_form(
        &client,
        format!("{manage}/cancel"),
        &cookie,
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(again.status(), 303);
    assert_eq!(app.run_jobs().await, 0);
    // The download follows: same UID, SEQUENCE 1, cancelled.
    let ics = app
        .client
        .get(format!("{manage}/invite.ics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, event) = parse_invite(&ics);
    assert_eq!(event["SEQUENCE"], "1");
    assert_eq!(event["STATUS"], "CANCELLED");
}

async fn a_guest_reschedules_through_the_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = book(&app, TUE_9, "ada@example.com", None).await;
    let id = booked["id"].as_str().unwrap();
    let manage = booked["manageUrl"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    let client = no_redirects();
    let calendar = app
        .client
        .get(format!("{manage}/reschedule"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        calendar.contains("Pick a new time for Consultation"),
        "{calendar}"
    );
    assert!(calendar.contains(&format!(
        "/booking/{}/reschedule?start=",
        manage.rsplit('/').next().unwrap()
    )));
    let (page, cookie, csrf) =
        guest_form(&client, &format!("{manage}/reschedule?start={WED_9}")).await;
    assert!(page.contains("Move your meeting?"), "{page}");
    let done = post_form(
        &client,
        format!("{manage}/reschedule"),
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("start", WED_9),
            ("tz", "Europe/Berlin"),
        ],
    )
    .await;
    assert_eq!(done.status(), 303);
    let moved = state_of(&app, id).await;
    assert_eq!(moved["startTime"], WED_9);
    let slots = app.slots(&app.consultation, "").await;
    assert!(slots.contains(&TUE_9.to_owned()), "the old slot is free");
    assert!(!slots.contains(&WED_9.to_owned()), "the new one is taken");
    let all = app.authed(Method::GET, "/api/bookings", None).await;
    assert_eq!(all.body.as_array().unwrap().len(), 1, "one booking, moved");
    let page = app
        .client
        .get(&manage)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your meeting has a new time"), "{page}");
    assert!(page.contains("Wednesday, November 25, 2026"));
    assert_eq!(app.run_jobs().await, 2);
    for to in ["ada@example.com", "jane@example.com"] {
        let notice = app.smtp.to(to).pop().unwrap();
        assert!(
            notice.subject().starts_with("Moved:"),
            "{}",
            notice.subject()
        );
        let (method, ics) = notice.calendar();
        assert_eq!(method, "REQUEST");
        let (_, event) = parse_invite(&ics);
        assert_eq!(event["SEQUENCE"], "1");
        assert_eq!(event["DTSTART"], "20261125T140000Z");
        assert_eq!(event["UID"], format!("{id}@localhost"));
    }
    // A time that is not free: back to the times, saying so; nothing moves.
    app.book(&app.quick_call, TUE_10, "other@example.com").await;
    let taken = post_form(
        &client,
        format!("{manage}/reschedule"),
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("start", TUE_10),
            ("tz", "Europe/Berlin"),
        ],
    )
    .await;
    assert_eq!(taken.status(), 303);
    assert!(
        taken.headers()["location"]
            .to_str()
            .unwrap()
            .contains("taken=1")
    );
    assert_eq!(state_of(&app, id).await["startTime"], WED_9);
}

async fn the_cut_off_closes_guest_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = app
        .patch(
            &format!("/api/meeting-types/{}", app.consultation),
            json!({"guestCutoffHours": 48,
                "location": {"kind": "link", "url": "https://meet.jit.si/novacrm-jane"}}),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["guestCutoffHours"], 48);
    let booked = book(&app, TUE_9, "ada@example.com", None).await;
    let id = booked["id"].as_str().unwrap();
    let manage = booked["manageUrl"].as_str().unwrap().to_owned();
    let client = no_redirects();
    let (page, _, _) = guest_form(&client, &manage).await;
    assert!(
        page.contains("changes are closed 48 hours before the meeting"),
        "{page}"
    );
    assert!(!page.contains("Cancel meeting"), "no form offered");
    assert!(page.contains("https://meet.jit.si/novacrm-jane"));
    // A form from an earlier visit (any matching cookie and token pair) is still refused.
    let refused = post_form(
        &client,
        format!("{manage}/cancel"),
        "novacrm_guest_form=nvf_earlier",
        &[("csrf", "nvf_earlier")],
    )
    .await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("changes are closed 48 hours")
    );
    assert_eq!(state_of(&app, id).await["status"], "CONFIRMED");
    app.run_jobs().await;
    // The host may still change it.
    let host = app
        .patch(
            &format!("/api/bookings/{id}"),
            json!({"status": "CANCELLED"}),
        )
        .await;
    assert_eq!(host.status, 200);
    let confirmation = app.smtp.to("ada@example.com").into_iter().next().unwrap();
    assert!(
        confirmation
            .text()
            .contains("Video call: https://meet.jit.si/novacrm-jane")
    );
    let (_, event) = parse_invite(&confirmation.calendar().1);
    assert_eq!(event["LOCATION"], "https://meet.jit.si/novacrm-jane");
}

crate::on_both_backends!(
    opening_guest_links_changes_nothing,
    a_guest_cancels_through_the_link,
    a_guest_reschedules_through_the_link,
    the_cut_off_closes_guest_changes,
);
