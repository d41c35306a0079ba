//! The door's guards with their defaults on: the proof-of-work CAPTCHA on the API and the
//! form (with and without JavaScript), and the host's spam controls — blocked senders and a
//! quiet bulk cancel.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::{
    Answer, Backend, NowTs, TestApp, no_redirects, spawn_app, spawn_app_with,
};

/// Solves a challenge as the page's script does, in base64(JSON {challenge, solution}).
fn solve(challenge: &Value) -> String {
    let challenge: altcha::Challenge = serde_json::from_value(challenge.clone()).unwrap();
    let solution = altcha::solve_challenge(altcha::SolveChallengeOptions::new(&challenge))
        .unwrap()
        .expect("solved within the timeout");
    let payload = json!({"challenge": challenge, "solution": solution});
    BASE64.encode(payload.to_string())
}

async fn challenge(app: &TestApp) -> Value {
    let answer = app.get("/api/public/captcha").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

fn booking(app: &TestApp, start: &str, email: &str) -> Value {
    json!({"meetingTypeId": app.quick_call, "startTime": start, "timezone": "Europe/Berlin",
           "guestName": "Guest", "guestEmail": email})
}

fn altcha_error(answer: &Answer) -> String {
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    let errors = answer.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["field"], "altcha");
    errors[0]["message"].as_str().unwrap().to_owned()
}

pub async fn the_api_asks_for_proof_of_work(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.captcha = true).await;
    let slots = app.slots(&app.quick_call, "").await;

    let none = app
        .post_booking(booking(&app, &slots[0], "a@example.com"))
        .await;
    assert!(altcha_error(&none).contains("GET /api/public/captcha"));

    let mut body = booking(&app, &slots[0], "a@example.com");
    body["altcha"] = json!("bm90IGEgcGF5bG9hZA==");
    assert!(altcha_error(&app.post_booking(body.clone()).await).contains("not an ALTCHA payload"));

    // A solved challenge books; the same solution again is a replay.
    let solved = solve(&challenge(&app).await);
    body["altcha"] = json!(solved);
    let booked = app.post_booking(body).await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let mut again = booking(&app, &slots[8], "b@example.com");
    again["altcha"] = json!(solved);
    assert!(altcha_error(&app.post_booking(again).await).contains("already used"));

    // A wrong counter, a forged cheaper challenge, an expired one: all refused.
    let issued = challenge(&app).await;
    let mut payload: Value =
        serde_json::from_slice(&BASE64.decode(solve(&issued)).unwrap()).unwrap();
    payload["solution"]["counter"] = json!(payload["solution"]["counter"].as_u64().unwrap() + 1);
    let mut wrong = booking(&app, &slots[8], "b@example.com");
    wrong["altcha"] = json!(BASE64.encode(payload.to_string()));
    assert!(altcha_error(&app.post_booking(wrong).await).contains("not a valid solution"));
    let mut forged = issued.clone();
    forged["parameters"]["keyPrefix"] = json!("00");
    let mut cheap = booking(&app, &slots[8], "b@example.com");
    cheap["altcha"] = json!(solve(&forged));
    assert!(altcha_error(&app.post_booking(cheap).await).contains("not a challenge from"));
    let stale = solve(&issued);
    app.clock
        .set(app.clock.now_ts() + jiff::SignedDuration::from_mins(31));
    let slots = app.slots(&app.quick_call, "").await;
    let mut late = booking(&app, &slots[8], "b@example.com");
    late["altcha"] = json!(stale);
    assert!(altcha_error(&app.post_booking(late).await).contains("expired"));

    // The host's own token needs no proof of work; another host's does.
    let own = app
        .post(
            "/api/public/booking/jane/book",
            booking(&app, &slots[8], "c@example.com"),
        )
        .await;
    assert_eq!(own.status, 201, "{:?}", own.body);
    let sam = app.add_host("sam", "Sam Host").await;
    let sam_token = novacrm::services::accounts::create_token(&app.store, &sam, app.clock.now_ts())
        .await
        .unwrap();
    let other = app
        .client
        .post(app.url("/api/public/booking/jane/book"))
        .bearer_auth(sam_token)
        .json(&booking(&app, &slots[12], "d@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 422);
}

/// The details form's hidden fields.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).expect("the hidden field") + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

pub async fn the_form_works_with_and_without_javascript(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.captcha = true).await;
    let slots = app.slots(&app.quick_call, "").await;
    let client = no_redirects();
    let details = |start: &str| {
        let url = app.url(&format!(
            "/book/jane/{}/details?start={}&tz=Europe/Berlin",
            app.quick_call,
            novacrm::web::shell::encode(start)
        ));
        let client = client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = app.url(&format!("/book/jane/{}/details", app.quick_call));
        async move { client.post(url).form(&fields).send().await.unwrap() }
    };
    let fields = |start: &str, email: &str, challenge: &str, altcha: &str| {
        vec![
            ("start", start.to_owned()),
            ("tz", "Europe/Berlin".to_owned()),
            ("website", String::new()),
            ("guestName", "Form Guest".to_owned()),
            ("guestEmail", email.to_owned()),
            ("altcha_challenge", challenge.to_owned()),
            ("altcha", altcha.to_owned()),
        ]
    };

    // With JavaScript: the page's challenge, solved, books at once.
    let page = details(&slots[0]).await;
    let challenge = hidden(&page, "altcha_challenge");
    let decoded: Value = serde_json::from_slice(&BASE64.decode(&challenge).unwrap()).unwrap();
    let booked = post(fields(
        &slots[0],
        "js@example.com",
        &challenge,
        &solve(&decoded),
    ))
    .await;
    assert_eq!(booked.status(), 303, "{}", booked.text().await.unwrap());

    // Without: an instant post is a bot's; the same form a few seconds later books, once.
    let page = details(&slots[8]).await;
    let challenge = hidden(&page, "altcha_challenge");
    let quick = post(fields(&slots[8], "nojs@example.com", &challenge, "")).await;
    assert_eq!(quick.status(), 422);
    let text = quick.text().await.unwrap();
    assert!(
        text.contains("quicker than a person types") && text.contains("Form Guest"),
        "the form comes back, filled"
    );
    app.clock
        .set(app.clock.now_ts() + jiff::SignedDuration::from_secs(8));
    let booked = post(fields(&slots[8], "nojs@example.com", &challenge, "")).await;
    assert_eq!(booked.status(), 303, "{}", booked.text().await.unwrap());
    let replay = post(fields(&slots[12], "nojs2@example.com", &challenge, "")).await;
    assert_eq!(replay.status(), 422);
    assert!(replay.text().await.unwrap().contains("already used"));

    // No challenge at all, or the honeypot filled: nothing is booked.
    let bare = post(fields(&slots[12], "bare@example.com", "", "")).await;
    assert_eq!(bare.status(), 422);
    let page = details(&slots[12]).await;
    let mut trapped = fields(
        &slots[12],
        "bot@example.com",
        &hidden(&page, "altcha_challenge"),
        "",
    );
    trapped[2].1 = "http://spam.example".into();
    assert_eq!(post(trapped).await.status(), 422);
    let bookings = app.authed(Method::GET, "/api/bookings", None).await;
    assert_eq!(bookings.body.as_array().unwrap().len(), 2);
}

/// Sixty no-JavaScript bookings posted at once on one host: the hourly cap is counted and
/// spent in one transaction under the host's lock, so exactly twenty go through.
async fn the_no_script_cap_holds_under_concurrent_posts(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.captcha = true).await;
    let slots = app.slots(&app.quick_call, "").await;
    let starts: Vec<String> = slots.iter().step_by(2).take(60).cloned().collect();
    assert_eq!(starts.len(), 60, "enough separate times");
    let client = no_redirects();
    let mut forms = Vec::new();
    for (i, start) in starts.iter().enumerate() {
        let url = app.url(&format!(
            "/book/jane/{}/details?start={}&tz=Europe/Berlin",
            app.quick_call,
            novacrm::web::shell::encode(start)
        ));
        let page = client.get(url).send().await.unwrap().text().await.unwrap();
        forms.push(vec![
            ("start", start.clone()),
            ("tz", "Europe/Berlin".to_owned()),
            ("website", String::new()),
            ("guestName", format!("Guest {i}")),
            ("guestEmail", format!("guest{i}@example.com")),
            ("altcha_challenge", hidden(&page, "altcha_challenge")),
            ("altcha", String::new()),
        ]);
    }
    app.clock
        .set(app.clock.now_ts() + jiff::SignedDuration::from_secs(8));
    let url = app.url(&format!("/book/jane/{}/details", app.quick_call));
    let posts = forms.iter().map(|f| client.post(&url).form(f).send());
    let booked = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .filter(|r| r.as_ref().unwrap().status() == 303)
        .count();
    let stored = app.authed(Method::GET, "/api/bookings", None).await;
    assert_eq!((booked, stored.body.as_array().unwrap().len()), (20, 20));
}

/// A host with 1-minute slots all day long: an answer lists at most 10 000 slots and names
/// where the next page starts; asking from there goes on without a gap or a repeat; bounds a
/// millisecond apart give the same answer.
async fn huge_answers_come_in_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = [["00:00", "24:00"]];
    let every_day = json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day,
                           "sat": day, "sun": day});
    let settings = json!({"weeklyHours": every_day, "bufferTime": 0, "minNotice": 0,
                          "maxAdvance": 93});
    assert_eq!(app.patch("/api/availability", settings).await.status, 200);
    let minute = app
        .post(
            "/api/meeting-types",
            json!({"name": "Minute", "duration": 1, "slotInterval": 1}),
        )
        .await;
    assert_eq!(minute.status, 201, "{:?}", minute.body);
    let id = minute.body["id"].as_str().unwrap();
    let query = |from: &str| {
        format!(
            "/api/public/booking/jane/availability?meetingTypeId={id}&start={from}&end=2026-12-20T00:00:00Z"
        )
    };
    let first = app.get(&query("2026-11-24T00:00:00Z")).await;
    assert_eq!(first.status, 200);
    let slots = first.body["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 10_000);
    let next = first.body["next"].as_str().unwrap();
    let last: jiff::Timestamp = slots[9_999]["start"].as_str().unwrap().parse().unwrap();
    let following: jiff::Timestamp = next.parse().unwrap();
    assert_eq!(following - last, jiff::SignedDuration::from_mins(1));
    let second = app.get(&query(next)).await;
    assert_eq!(second.body["slots"][0]["start"], next);
    // A millisecond later names the same slots (slots start on whole minutes).
    let shifted = app.get(&query("2026-11-23T23:59:59.999Z")).await;
    assert_eq!(shifted.body, first.body);
}

pub async fn spam_is_cancelled_quietly_and_its_senders_blocked(backend: Backend) {
    let app = spawn_app(backend).await;
    let slots = app.slots(&app.quick_call, "").await;
    let mut ids = Vec::new();
    for (i, start) in slots.iter().step_by(4).take(4).enumerate() {
        let email = if i < 3 {
            format!("bot{i}@spam.example")
        } else {
            "real@example.com".to_owned()
        };
        let answer = app.book(&app.quick_call, start, &email).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        ids.push(answer.body["id"].as_str().unwrap().to_owned());
    }
    app.run_jobs().await;
    let to_spam = || {
        (0..3)
            .map(|i| app.smtp.to(&format!("bot{i}@spam.example")).len())
            .sum::<usize>()
    };
    let sent_before = to_spam();

    // Everything from one domain, as spam: cancelled, nobody emailed, the domain blocked.
    let bulk = app
        .post(
            "/api/bookings/cancel",
            json!({"from": "Spam.Example", "spam": true}),
        )
        .await;
    assert_eq!(bulk.status, 200, "{:?}", bulk.body);
    assert_eq!(bulk.body["cancelled"], 3);
    assert!(
        bulk.body["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["status"] == "CANCELLED" && b["cancelReason"] == "Cancelled as spam")
    );
    app.set_now("2026-11-24T13:00:00Z");
    app.run_jobs().await;
    assert_eq!(to_spam(), sent_before, "no notice and no reminder for spam");
    let blocks = app.authed(Method::GET, "/api/guest-blocks", None).await;
    assert_eq!(blocks.body[0]["pattern"], "spam.example");
    let again = app
        .book(&app.quick_call, &slots[20], "new@SPAM.example")
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(again.body["errors"][0]["field"], "guestEmail");

    // Ticked ids, not spam: the guest is told as usual.
    let one = app
        .post(
            "/api/bookings/cancel",
            json!({"ids": [ids[3]], "reason": "Double-booked"}),
        )
        .await;
    assert_eq!(one.body["cancelled"], 1);
    app.run_jobs().await;
    assert!(
        app.smtp
            .to("real@example.com")
            .iter()
            .any(|m| m.text().contains("Double-booked")),
        "a plain cancel tells the guest why"
    );

    // Bad selections are named; another host's booking is not found.
    let bad = app
        .post("/api/bookings/cancel", json!({"from": "not a domain"}))
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["field"], "from");
    let neither = app.post("/api/bookings/cancel", json!({})).await;
    assert_eq!(neither.status, 422);
    let unknown = app
        .post("/api/bookings/cancel", json!({"ids": ["nope"]}))
        .await;
    assert_eq!(unknown.status, 404);

    // Blocks are managed one by one too.
    let slots = app.slots(&app.quick_call, "").await;
    let add = app
        .post("/api/guest-blocks", json!({"pattern": "Eve@Example.com"}))
        .await;
    assert_eq!(add.status, 201);
    assert_eq!(add.body["pattern"], "eve@example.com");
    assert_eq!(
        app.book(&app.quick_call, &slots[24], "eve@example.com")
            .await
            .status,
        422
    );
    let removed = app
        .authed(Method::DELETE, "/api/guest-blocks/eve@example.com", None)
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(
        app.book(&app.quick_call, &slots[24], "eve@example.com")
            .await
            .status,
        201
    );
}

/// The `slots` command's answer for the same data: the engine without any cache.
fn engine_slots(scenario: &Value) -> Vec<String> {
    let answer = crate::support::app::slots_cli(scenario);
    starts(&answer)
}

fn starts(answer: &Value) -> Vec<String> {
    answer["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect()
}

/// Ranges shifted by minutes reuse the days computed before them (the cache is keyed per
/// host-local day), and every answer still equals the engine's: across a DST change, with
/// notice cutting into today, a horizon ending mid-range, bookings and a weekly block.
async fn shifted_ranges_reuse_days_and_stay_exact(backend: Backend) {
    let app = spawn_app(backend).await;
    let settings = json!({"timezone": "Europe/London", "minNotice": 0, "maxAdvance": 150,
                          "bufferTime": 10, "weeklyHours": {"sun": [["00:00", "24:00"]],
                          "mon": [["09:00", "17:00"]], "wed": [["22:00", "24:00"]]}});
    let patched = app.patch("/api/availability", settings).await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    let block = json!({"startTime": "2026-11-30T10:00:00Z", "endTime": "2026-11-30T11:30:00Z",
                       "recurrenceRule": "FREQ=WEEKLY;BYDAY=MO"});
    let blocked = app.post("/api/blocked-time", block.clone()).await;
    assert_eq!(blocked.status, 201, "{:?}", blocked.body);
    for start in ["2026-12-07T09:00:00Z", "2027-03-28T00:45:00Z"] {
        assert_eq!(
            app.book(&app.quick_call, start, "g@example.com")
                .await
                .status,
            201
        );
    }
    let at = |minutes: i64| {
        let t: jiff::Timestamp = crate::support::app::NOW.parse().unwrap();
        (t + jiff::SignedDuration::from_mins(minutes)).to_string()
    };
    let query = |from: &str, to: &str| {
        format!(
            "/api/public/booking/jane/availability?meetingTypeId={}&start={from}&end={to}",
            app.quick_call
        )
    };
    let settings = app
        .authed(Method::GET, "/api/availability", None)
        .await
        .body;
    let bookings = app.authed(Method::GET, "/api/bookings", None).await.body;
    let day = 24 * 60;
    for now_shift in [0, 7, 20, 12 * 60 + 5] {
        let now = at(now_shift);
        app.set_now(&now);
        // Pieces first (cold days, then days partly known), then ranges they cover.
        let ranges = [
            (3, 20 * day + 11),
            (40 * day - 13, 60 * day),
            (10 * day + 1, 93 * day),
            (0, 93 * day),
            (119 * day + 17, 150 * day),
            (-30, 30 * day - 29),
        ];
        for (from, to) in ranges {
            let (from, to) = (at(from), at(to));
            let answer = app.get(&query(&from, &to)).await;
            assert_eq!(answer.status, 200, "{:?}", answer.body);
            let scenario = json!({
                "now": now, "from": from, "to": to, "availability": settings,
                "meetingType": {"duration": 15}, "bookings": bookings, "blockedTimes": [block],
            });
            let expected = engine_slots(&scenario);
            assert_eq!(starts(&answer.body), expected, "{from} .. {to} at {now}");
            assert!(!expected.is_empty() || from > at(150 * day));
        }
    }
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
    crate::support::app::assert_problem(&fourth, 422);
    assert_eq!(crate::support::app::fields(&fourth), ["guestEmail"]);
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
        .patch(
            &format!("/api/bookings/{}", ids[0]),
            json!({"status": "CANCELLED"}),
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

crate::on_both_backends!(
    one_guest_cannot_fill_the_calendar,
    shifted_ranges_reuse_days_and_stay_exact,
    the_api_asks_for_proof_of_work,
    the_form_works_with_and_without_javascript,
    the_no_script_cap_holds_under_concurrent_posts,
    huge_answers_come_in_pages,
    spam_is_cancelled_quietly_and_its_senders_blocked,
);
