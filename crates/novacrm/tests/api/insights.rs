//! Insights (issue 10): the facts a booking records, every definition of `GET /api/insights`
//! on a fixed clock, the bucketing's properties over zones and DST weeks, and the funnel
//! counted without cookies.

use std::time::Duration;

use novacrm::services::booking::{self, GuestAction};
use novacrm::store::Actor;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::{Backend, NowTs, TestApp, no_redirects, spawn_app};

/// Tuesday 2026-11-24, New York: 09:00, 10:00 and 11:00.
pub(crate) const TUE_9: &str = "2026-11-24T14:00:00Z";
pub(crate) const TUE_10: &str = "2026-11-24T15:00:00Z";
pub(crate) const TUE_11: &str = "2026-11-24T16:00:00Z";
/// Wednesday 2026-11-25 and Friday 2026-11-27, 09:00 New York.
pub(crate) const WED_9: &str = "2026-11-25T14:00:00Z";
pub(crate) const FRI_9: &str = "2026-11-27T14:00:00Z";

pub(crate) async fn insights(app: &TestApp, query: &str) -> Value {
    let answer = app
        .authed(Method::GET, &format!("/api/insights{query}"), None)
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

pub(crate) fn sum(list: &Value) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["count"].as_i64().unwrap())
        .sum()
}

pub(crate) async fn patch(app: &TestApp, id: &str, body: Value) -> Value {
    let answer = app.patch(&format!("/api/bookings/{id}"), body).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

pub(crate) fn id(answer: &crate::support::app::Answer) -> String {
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer.body["id"].as_str().unwrap().to_owned()
}

async fn bookings_record_their_facts_and_insights_follow_the_definitions(backend: Backend) {
    let app = spawn_app(backend).await;
    // Monday 07:00 New York: a guest books Tuesday 09:00 through the public API …
    let public = id(&app.book(&app.quick_call, TUE_9, "a@example.com").await);
    // … the host books Tuesday 10:00 with their own token …
    let own = id(&app
        .post(
            "/api/public/booking/jane/book",
            json!({"meetingTypeId": app.consultation, "startTime": TUE_10,
                "timezone": "UTC", "guestName": "Own", "guestEmail": "own@example.com"}),
        )
        .await);
    // … and two more guests book Wednesday and Friday.
    let late = app.book(&app.consultation, WED_9, "c@example.com").await;
    assert_eq!(late.status, 201);
    let early = id(&app.book(&app.consultation, FRI_9, "d@example.com").await);
    // No outcome before the meeting has begun.
    let too_soon = app
        .patch(
            &format!("/api/bookings/{own}"),
            json!({"status": "COMPLETED"}),
        )
        .await;
    assert_eq!(too_soon.status, 422, "{:?}", too_soon.body);

    // A reschedule moves the same booking: its first start stays.
    let moved = patch(&app, &public, json!({"startTime": TUE_11})).await;
    assert_eq!(moved["id"], public.as_str());
    assert_eq!(moved["source"], "public_api");
    assert_eq!(moved["firstStartTime"], TUE_9);
    assert_eq!(moved["startTime"], TUE_11);
    assert_eq!(moved["rescheduleCount"], 1);
    let listed = app.authed(Method::GET, "/api/bookings", None).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 4, "no new booking");
    let own_row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == own.as_str());
    assert_eq!(own_row.unwrap()["source"], "api");

    // The host cancels Friday's three days ahead: not late.
    let cancelled = patch(&app, &early, json!({"status": "CANCELLED"})).await;
    assert_eq!(cancelled["cancelledBy"], "host");
    assert_eq!(cancelled["lateCancel"], false);
    // The guest cancels Wednesday's 22 h before it: late (no cut-off, so 24 h).
    app.set_now("2026-11-24T16:00:00Z");
    let manage = late.body["manageUrl"].as_str().unwrap();
    let token = manage.rsplit('/').next().unwrap().to_owned();
    let action = GuestAction::Cancel { reason: None };
    let by_guest = booking::guest_change(&app.store, &token, action, None, app.clock.now_ts())
        .await
        .unwrap();
    assert_eq!(by_guest.cancelled_by, Some(Actor::Guest));
    assert!(by_guest.late_cancel);

    // Afterwards one no-show, one held.
    app.set_now("2026-11-26T12:00:00Z");
    patch(&app, &public, json!({"status": "NO_SHOW"})).await;
    patch(&app, &own, json!({"status": "COMPLETED"})).await;
    // A marked meeting cannot be cancelled afterwards: no-shows are never cancellations.
    let refused = app
        .patch(
            &format!("/api/bookings/{public}"),
            json!({"status": "CANCELLED"}),
        )
        .await;
    assert_eq!(refused.status, 422);

    // Thursday: the last 28 days of New York dates, today included.
    let body = insights(&app, "").await;
    assert_eq!(body["from"], "2026-10-30");
    assert_eq!(body["to"], "2026-11-27");
    assert_eq!(body["timezone"], "America/New_York");
    assert_eq!(body["bookings"], json!({"total": 2, "previous": 0}));
    let days = body["byDay"].as_array().unwrap();
    assert_eq!(days.len(), 28, "every day, zeros included");
    assert_eq!(days[24], json!({"date": "2026-11-23", "count": 2}));
    assert_eq!(sum(&body["byDay"]), 2);
    assert_eq!(sum(&body["byType"]), 2);
    assert_eq!(
        body["conversion"],
        json!({"visitors": 0, "bookings": 3, "rate": null}),
        "three public bookings (two later cancelled), no counted visitor"
    );
    // Lead times of the public bookings: 26 h (to the first start, not the moved one), 50 h
    // and 98 h; nearest-rank median and 90th percentile.
    assert_eq!(
        body["leadTime"],
        json!({"medianMinutes": 3000, "p90Minutes": 5880})
    );
    assert_eq!(
        body["noShow"],
        json!({"noShow": 1, "completed": 1, "awaitingOutcome": 0, "rate": 0.5})
    );
    assert_eq!(
        body["cancellations"],
        json!({"byGuest": 1, "byHost": 1, "late": 1})
    );
    assert_eq!(
        body["peak"],
        json!([{"weekday": "tue", "hour": 10, "count": 1},
               {"weekday": "tue", "hour": 11, "count": 1}])
    );
    let funnel: Vec<&str> = body["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(funnel, ["view", "type", "slot", "submit", "booked"]);

    // The next period sees them as the previous one.
    let next = insights(&app, "?from=2026-11-27&to=2026-12-25").await;
    assert_eq!(next["bookings"], json!({"total": 0, "previous": 2}));
}

async fn periods_are_host_local_days_and_bad_ones_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    // 23:30 on Monday in New York is already Tuesday in UTC.
    app.set_now("2026-11-24T04:30:00Z");
    id(&app.book(&app.quick_call, WED_9, "late@example.com").await);
    let body = insights(&app, "?from=2026-11-23&to=2026-11-25").await;
    assert_eq!(
        body["byDay"],
        json!([{"date": "2026-11-23", "count": 1}, {"date": "2026-11-24", "count": 0}])
    );
    for (query, field) in [
        ("?from=yesterday", "from"),
        ("?to=2026-13-01", "to"),
        ("?from=2026-11-25&to=2026-11-25", "to"),
        ("?from=2025-01-01&to=2026-02-02", "to"),
        ("?from=-9999-01-01&to=2026-01-01", "from"),
        ("?from=9999-11-01", "from"),
        ("?to=", "to"),
    ] {
        let answer = app
            .authed(Method::GET, &format!("/api/insights{query}"), None)
            .await;
        assert_eq!(answer.status, 422, "{query}: {:?}", answer.body);
        assert_eq!(answer.content_type, "application/problem+json");
        assert_eq!(answer.body["errors"][0]["field"], field, "{query}");
    }
    // Exactly 13 months is allowed.
    insights(&app, "?from=2025-01-01&to=2026-02-01").await;
}

async fn cancelling_after_the_start_is_a_late_cancellation_not_a_no_show(backend: Backend) {
    let app = spawn_app(backend).await;
    let booked = id(&app.book(&app.quick_call, TUE_9, "a@example.com").await);
    app.set_now("2026-11-24T14:20:00Z");
    let cancelled = patch(&app, &booked, json!({"status": "CANCELLED"})).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["lateCancel"], true);
    let body = insights(&app, "").await;
    assert_eq!(
        body["noShow"],
        json!({"noShow": 0, "completed": 0, "awaitingOutcome": 0, "rate": null})
    );
    assert_eq!(
        body["cancellations"],
        json!({"byGuest": 0, "byHost": 1, "late": 1})
    );
    assert_eq!(
        body["bookings"]["total"], 0,
        "a cancelled booking is not counted"
    );
    // And a cancelled booking can never be marked a no-show.
    let marked = app
        .patch(
            &format!("/api/bookings/{booked}"),
            json!({"status": "NO_SHOW"}),
        )
        .await;
    assert_eq!(marked.status, 422);
}

async fn empty_periods_have_no_rates(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = insights(&app, "").await;
    assert_eq!(body["bookings"], json!({"total": 0, "previous": 0}));
    assert_eq!(body["byDay"].as_array().unwrap().len(), 28);
    assert_eq!(body["byType"], json!([]));
    assert_eq!(body["conversion"]["rate"], Value::Null);
    assert_eq!(
        body["leadTime"],
        json!({"medianMinutes": null, "p90Minutes": null})
    );
    assert_eq!(body["noShow"]["rate"], Value::Null);
    assert_eq!(body["peak"], json!([]));
}

// ---- the funnel ------------------------------------------------------------------------

/// A browser of its own (user agent), optionally logged in as the host (cookie).
struct Guest<'a> {
    app: &'a TestApp,
    agent: &'a str,
    cookie: Option<String>,
}

impl Guest<'_> {
    async fn get(&self, path: &str) -> u16 {
        let mut request = no_redirects()
            .get(self.app.url(path))
            .header("user-agent", self.agent);
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap().status().as_u16()
    }

    /// Walks every step and books `start`.
    async fn walk(&self, start: &str, email: &str) {
        let ty = &self.app.quick_call;
        assert_eq!(self.get("/book/jane").await, 200);
        assert_eq!(self.get(&format!("/book/jane/{ty}")).await, 200);
        let details = format!("/book/jane/{ty}/details?start={start}&tz=UTC");
        assert_eq!(self.get(&details).await, 200);
        let form = crate::support::forms::form(&[
            ("start", start),
            ("tz", "UTC"),
            ("guestName", "Guest"),
            ("guestEmail", email),
        ]);
        let sent = no_redirects()
            .post(self.app.url(&format!("/book/jane/{ty}/details")))
            .header("user-agent", self.agent)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 303, "booked and sent to the booking's page");
    }
}

fn funnel_of(body: &Value) -> Vec<i64> {
    body["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["visitors"].as_i64().unwrap())
        .collect()
}

/// The funnel once the background writer has caught up with `expected` (it writes in order).
pub async fn funnel_reaches(app: &TestApp, expected: &[i64]) -> Value {
    for _ in 0..100 {
        let body = insights(app, "").await;
        if funnel_of(&body) == expected {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the funnel stayed at {:?}, expected {expected:?}",
        funnel_of(&insights(app, "").await)
    );
}

async fn the_funnel_counts_each_visitor_once_a_day_and_never_the_host(backend: Backend) {
    let app = spawn_app(backend).await;
    let ann = Guest {
        app: &app,
        agent: "Mozilla/5.0 (Ann's browser)",
        cookie: None,
    };
    ann.walk(TUE_9, "ann@example.com").await;
    funnel_reaches(&app, &[1, 1, 1, 1, 1]).await;

    // Ann again the same day, robots, previews, prefetches and HEAD: nothing more.
    ann.walk(TUE_10, "ann@example.com").await;
    for agent in [
        "Googlebot/2.1",
        "Slackbot-LinkExpanding 1.0",
        "facebookexternalhit/1.1",
        "WhatsApp/2.23",
        "",
    ] {
        let robot = Guest {
            app: &app,
            agent,
            cookie: None,
        };
        robot.get("/book/jane").await;
    }
    let prefetch = no_redirects()
        .get(app.url("/book/jane"))
        .header("user-agent", "Mozilla/5.0 (Prefetcher)")
        .header("sec-purpose", "prefetch")
        .send()
        .await
        .unwrap();
    assert_eq!(prefetch.status(), 200);
    let head = no_redirects()
        .head(app.url("/book/jane"))
        .header("user-agent", "Mozilla/5.0 (Head)")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);

    // The host, logged in, looks at their own page.
    let host = Guest {
        app: &app,
        agent: "Mozilla/5.0 (Jane's browser)",
        cookie: Some(login_cookie(&app).await),
    };
    host.get("/book/jane").await;

    // A new visitor who only looks: written after everything above, in order.
    let bob = Guest {
        app: &app,
        agent: "Mozilla/5.0 (Bob's browser)",
        cookie: None,
    };
    bob.get("/book/jane").await;
    let body = funnel_reaches(&app, &[2, 1, 1, 1, 1]).await;
    assert_eq!(
        body["conversion"],
        json!({"visitors": 2, "bookings": 2, "rate": 1.0}),
        "two page bookings over two visitors"
    );
    let listed = app.authed(Method::GET, "/api/bookings", None).await.body;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["source"] == "public_page")
    );

    // Switched off, nobody is counted; the next day counts Ann afresh.
    let off = app
        .patch("/api/profile", json!({"pageAnalytics": false}))
        .await;
    assert_eq!(off.status, 200, "{:?}", off.body);
    assert_eq!(off.body["pageAnalytics"], false);
    Guest {
        app: &app,
        agent: "Mozilla/5.0 (Carol's browser)",
        cookie: None,
    }
    .get("/book/jane")
    .await;
    // Another host's page, counted after Carol's visit was dropped (the writer keeps order).
    let bob = app.add_host("bob", "Bob").await;
    Guest {
        app: &app,
        agent: "Mozilla/5.0 (Carol's browser)",
        cookie: None,
    }
    .get("/book/bob")
    .await;
    for _ in 0..100 {
        let seen = app
            .store
            .visitors(&bob.id, "2026-11-23", "2026-11-24")
            .await
            .unwrap();
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    funnel_reaches(&app, &[2, 1, 1, 1, 1]).await;
    let on = app
        .patch(
            "/api/profile",
            json!({"pageAnalytics": true, "weekStart": "sun"}),
        )
        .await;
    assert_eq!(on.body["weekStart"], "sun");
    app.set_now("2026-11-24T12:00:00Z");
    ann.get("/book/jane").await;
    funnel_reaches(&app, &[3, 1, 1, 1, 1]).await;
    let days = insights(&app, "?from=2026-11-23&to=2026-11-25").await;
    assert_eq!(days["conversion"]["visitors"], 3, "Ann on two days, Bob");
}

// ---- exports -------------------------------------------------------------------------

async fn login_cookie(app: &TestApp) -> String {
    let login = app
        .client
        .post(app.url("/api/session"))
        .json(&json!({"username": "jane", "password": "demo-password-jane"}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

async fn dashboard(app: &TestApp, query: &str) -> String {
    dashboard_as(app, &login_cookie(app).await, query).await
}

async fn dashboard_as(app: &TestApp, cookie: &str, query: &str) -> String {
    let page = no_redirects()
        .get(app.url(&format!("/dashboard/insights{query}")))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

async fn the_insights_page_draws_accessible_charts_without_script(backend: Backend) {
    let app = spawn_app(backend).await;
    // Monday of last week: one booking; this Monday: two.
    app.set_now("2026-11-16T15:00:00Z");
    id(&app
        .book(&app.quick_call, "2026-11-18T14:00:00Z", "old@example.com")
        .await);
    app.set_now(crate::support::app::NOW);
    id(&app.book(&app.quick_call, TUE_9, "a@example.com").await);
    id(&app.book(&app.consultation, WED_9, "b@example.com").await);

    let page = dashboard(&app, "").await;
    assert!(
        !page.contains("<script>") && !page.contains("<script type"),
        "no inline script"
    );
    assert!(
        page.contains("<a href=\"/dashboard/insights\">Insights</a>"),
        "in the nav"
    );
    assert!(page.contains("This week&#39;s bookings") || page.contains("This week's bookings"));
    assert!(page.contains("<p class=\"big\">2</p>"));
    assert!(
        page.contains("+100%") && page.contains("trend up"),
        "two against one"
    );
    // Five charts, each an image with a title, a description and a table.
    assert_eq!(page.matches("role=\"img\"").count(), 5);
    assert_eq!(page.matches("<desc id=").count(), 5);
    assert_eq!(page.matches("<details>").count(), 5);
    // Every day of the 28 is a bar with its own title, zero days as hairlines.
    assert!(page.contains("<title>Monday, November 23: 2 bookings</title>"));
    assert!(
        !page.contains("November 24:"),
        "tomorrow is not in the period"
    );
    assert!(page.contains("<title>Sunday, November 22: 0 bookings</title>"));
    assert!(page.contains("<title>Monday, November 16: 1 booking</title>"));
    let bars = page
        .split("id=\"days-desc\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    assert_eq!(bars.matches("<rect").count(), 28);
    assert_eq!(bars.matches("<title>").count(), 28);
    // The heatmap has a cell per weekday and hour; the funnel a bar per step.
    assert!(page.contains("Wednesday 9:00 AM–10:00 AM: 1 meeting"));
    assert!(page.contains("Viewed your page: 0 visitors"));
    // The bookings-by-day chart as drawn, against its snapshot (`UPDATE_SNAPSHOTS=1` rewrites it).
    let at = page
        .find("<svg role=\"img\" aria-labelledby=\"days-title")
        .unwrap();
    let svg = &page[at..at + page[at..].find("</svg>").unwrap() + 6];
    let snapshot =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/snapshots/days.svg");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, svg).unwrap();
    }
    assert_eq!(svg, std::fs::read_to_string(&snapshot).unwrap().trim_end());
    assert!(page.contains("href=\"/api/exports/bookings.csv\""));
    assert!(page.contains("/api/exports/daily.csv?from=2026-10-27&#38;to=2026-11-24"));

    // Weeks that begin on Sunday put Sunday first in the heatmap and the week card.
    app.patch("/api/profile", json!({"weekStart": "sun"})).await;
    let sunday = dashboard(&app, "?from=2026-11-01&to=2026-11-30").await;
    let heat = sunday.split("id=\"peak-desc\"").nth(1).unwrap();
    assert!(heat.find(">Sun<").unwrap() < heat.find(">Mon<").unwrap());
    assert!(
        sunday.contains("<title>Monday, November 30: 0 bookings</title>"),
        "to is the last day shown"
    );
    // The settings form: CSRF-checked, then saved.
    let cookie = login_cookie(&app).await;
    let form = dashboard_as(&app, &cookie, "").await;
    let csrf = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(form.contains("<option value=\"sun\" selected>"));
    let save = |csrf: String| {
        no_redirects()
            .post(app.url("/dashboard/insights/settings"))
            .header("cookie", cookie.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}&weekStart=tue"))
            .send()
    };
    assert_eq!(save("forged".into()).await.unwrap().status(), 403);
    let saved = save(csrf).await.unwrap();
    assert_eq!(saved.status(), 303);
    let profile = app.authed(Method::GET, "/api/profile", None).await.body;
    assert_eq!(profile["weekStart"], "tue");
    assert_eq!(profile["pageAnalytics"], false, "the box was not ticked");
    // A period the service refuses is said, and the default shown.
    let bad = dashboard(&app, "?from=2020-01-01&to=2026-11-30").await;
    assert!(bad.contains("role=\"alert\"") && bad.contains("13 months"));
}

/// Insights read their facts from a cache keyed by the host's booking version: every change
/// shows on the next read, never an old answer.
async fn cached_insights_follow_every_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let total = |body: &Value| body["bookings"]["total"].as_i64().unwrap();
    assert_eq!(total(&insights(&app, "").await), 0);
    assert_eq!(total(&insights(&app, "").await), 0, "served again");
    let booked = app.book(&app.consultation, TUE_9, "a@example.com").await;
    assert_eq!(total(&insights(&app, "").await), 1);
    let id = booked.body["id"].as_str().unwrap();
    app.patch(
        &format!("/api/bookings/{id}"),
        json!({"status": "CANCELLED"}),
    )
    .await;
    let body = insights(&app, "").await;
    assert_eq!(total(&body), 0, "a cancelled booking leaves the total");
    assert_eq!(body["cancellations"]["byHost"], 1);
}

crate::on_both_backends!(
    cached_insights_follow_every_change,
    the_insights_page_draws_accessible_charts_without_script,
    bookings_record_their_facts_and_insights_follow_the_definitions,
    periods_are_host_local_days_and_bad_ones_are_refused,
    cancelling_after_the_start_is_a_late_cancellation_not_a_no_show,
    empty_periods_have_no_rates,
    the_funnel_counts_each_visitor_once_a_day_and_never_the_host,
);
