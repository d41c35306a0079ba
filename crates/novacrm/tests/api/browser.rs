//! Real-browser tests: Debian's Chromium driven through chromedriver (fantoccini), headless,
//! against the real server on SQLite. Screenshots of each step go to `target/screenshots/`;
//! axe-core (from npm, `NOVACRM_AXE` or `target/npm/node_modules/axe-core/axe.min.js`) checks
//! the pages for serious or critical accessibility violations. One idea, kept in one file: what
//! a person sees and does in a real browser, guest and host, one chromedriver for all of it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::app::{Backend, NowTs, TestApp, spawn_app_with};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts chromedriver; the browser's own zone is Europe/Berlin, so detection is visible.
async fn driver() -> (Driver, String) {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .env("TZ", "Europe/Berlin")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver must be installed (apt-get install chromium chromium-driver)");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            return (driver, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(webdriver: &str, width: u32, height: u32, javascript: bool) -> Client {
    let profile = std::env::temp_dir().join(format!("novacrm-chrome-{}", uuid::Uuid::now_v7()));
    let mut options = json!({
        "binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-component-update",
                 "--disable-sync", "--lang=en-US", format!("--window-size={width},{height}"),
                 // A person's browser, not "HeadlessChrome" (which the funnel leaves out as a bot).
                 "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                 format!("--user-data-dir={}", profile.display())],
    });
    if !javascript {
        options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(webdriver)
        .await
        .expect("a Chromium session")
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

fn axe_source() -> String {
    let path = std::env::var("NOVACRM_AXE").map_or_else(
        |_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/npm/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is needed at {} ({e}); scripts/test installs it",
            path.display()
        )
    })
}

/// Runs axe-core on the current page; fails on serious or critical violations.
async fn assert_accessible(c: &Client, axe: &str, page: &str) {
    c.execute(axe, vec![]).await.unwrap();
    let result = c
        .execute_async("const done = arguments[arguments.length - 1]; axe.run().then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))));", vec![])
        .await
        .unwrap();
    let bad: Vec<&Value> = result
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(bad.is_empty(), "{page}: accessibility violations {bad:?}");
}

/// The first free time a person can see: a first visit whose guessed zone is wrong keeps its
/// times hidden until the script swaps in the page of the browser's zone, so a time found
/// before the swap is not one to click (without JavaScript they show at once).
async fn free_time(c: &Client) -> fantoccini::elements::Element {
    for _ in 0..100 {
        for slot in c.find_all(Locator::Css(".slots a")).await.unwrap() {
            if slot.is_displayed().await.unwrap_or(false) {
                return slot;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no free time shows on {}", c.current_url().await.unwrap());
}

/// Clicks the first free time a person can see.
async fn pick_time(c: &Client) {
    free_time(c).await.click().await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn fill(c: &Client, css: &str, text: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Books the first offered slot of the 30-minute type through the pages.
async fn book_through_pages(
    c: &Client,
    app: &TestApp,
    name: &str,
    email: &str,
    step: &str,
) -> String {
    c.goto(&app.url("/book/jane")).await.unwrap();
    shot(c, &format!("{step}-1-types")).await;
    click(c, &format!("a[href='/book/jane/{}']", app.consultation)).await;
    free_time(c).await;
    shot(c, &format!("{step}-2-calendar")).await;
    pick_time(c).await;
    c.wait()
        .for_element(Locator::Css("form button.primary"))
        .await
        .unwrap();
    shot(c, &format!("{step}-3-details")).await;
    fill(c, "#guestName", name).await;
    fill(c, "#guestEmail", email).await;
    fill(c, "#meetingNotes", "Our roadmap").await;
    click(c, "input[name=q_goal][value=Growth]").await;
    shot(c, &format!("{step}-4-filled")).await;
    // A person takes a few seconds over the form (the no-JavaScript CAPTCHA path counts them).
    app.clock
        .set(app.clock.now_ts() + jiff::SignedDuration::from_secs(5));
    click(c, "form button.primary").await;
    c.wait()
        .for_element(Locator::Css(".actions"))
        .await
        .unwrap();
    shot(c, &format!("{step}-5-confirmed")).await;
    body_text(c).await
}

/// Against the default backend (SQLite); the API suite covers both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_book_in_a_real_browser_and_hosts_see_it() {
    // With the defaults: the page solves the proof of work while the guest types.
    let app = spawn_app_with(Backend::Sqlite, |c| c.captcha = true).await;
    let axe = axe_source();
    let question = json!({"questions": [{"id": "goal", "label": "Main goal", "type": "single_choice",
                                         "required": true, "options": ["Growth", "Savings"]}],
                          "confirmationMessage": "Thanks, see you soon!"});
    app.patch(
        &format!("/api/meeting-types/{}", app.consultation),
        question,
    )
    .await;
    let (_driver, webdriver) = driver().await;

    // A phone, JavaScript on: the page switches to the browser's zone (Europe/Berlin).
    let phone = browser(&webdriver, 375, 812, true).await;
    let text = book_through_pages(&phone, &app, "Ann Mobile", "ann@example.com", "mobile").await;
    assert!(text.contains("Thanks, see you soon!"), "{text}");
    assert!(text.contains("Europe/Berlin") && text.contains("America/New_York"));
    // The funnel: that walk moved each step by exactly one; a second visit today moves none.
    crate::insights::funnel_reaches(&app, &[1, 1, 1, 1, 1]).await;
    phone.goto(&app.url("/book/jane")).await.unwrap();
    assert_accessible(&phone, &axe, "meeting types").await;
    crate::insights::funnel_reaches(&app, &[1, 1, 1, 1, 1]).await;
    phone
        .goto(&app.url(&format!("/book/jane/{}", app.consultation)))
        .await
        .unwrap();
    free_time(&phone).await;
    // The browser's zone, remembered from the first page: rendered at once, no reload.
    assert!(
        !phone.current_url().await.unwrap().as_str().contains("tz="),
        "no redirect to name the zone"
    );
    assert!(
        body_text(&phone)
            .await
            .contains("Berlin, Germany · UTC+01:00 CET"),
        "zone detected"
    );
    assert_accessible(&phone, &axe, "calendar").await;
    pick_time(&phone).await;
    phone
        .wait()
        .for_element(Locator::Css("form button.primary"))
        .await
        .unwrap();
    assert_accessible(&phone, &axe, "details form").await;

    // A desktop guest with a required question left empty sees the error next to it.
    let desk = browser(&webdriver, 1280, 800, true).await;
    desk.goto(&app.url(&format!("/book/jane/{}", app.consultation)))
        .await
        .unwrap();
    pick_time(&desk).await;
    fill(&desk, "#guestName", "Dee Desk").await;
    fill(&desk, "#guestEmail", "dee@example.com").await;
    click(&desk, "form button.primary").await;
    desk.wait()
        .for_element(Locator::Css("#q_goal-error"))
        .await
        .unwrap();
    shot(&desk, "desktop-3-error").await;
    assert_eq!(
        desk.find(Locator::Css("#guestName"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Dee Desk")
    );
    let text = book_through_pages(&desk, &app, "Dee Desk", "dee@example.com", "desktop").await;
    assert!(text.contains("You're booked!"));

    // The zone picker finds zones by city and by name, and a choice applies at once.
    desk.goto(&app.url(&format!("/book/jane/{}", app.consultation)))
        .await
        .unwrap();
    fill(&desk, ".zone-search", "Central European Time").await;
    let found = desk
        .execute(
            "return Array.from(document.querySelectorAll('#tz option')).map(o => o.value)",
            vec![],
        )
        .await
        .unwrap();
    let found: Vec<String> = serde_json::from_value(found).unwrap();
    assert!(found.contains(&"Europe/Berlin".to_owned()), "{found:?}");
    assert!(!found.contains(&"Asia/Tokyo".to_owned()), "{found:?}");
    fill(&desk, ".zone-search", "Tokyo").await;
    shot(&desk, "desktop-2b-zone-search").await;
    desk.find(Locator::Css(".zone-search"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    desk.wait()
        .for_url(
            &url::Url::parse(&app.url(&format!(
                "/book/jane/{}?month=2026-11&tz=Asia%2FTokyo",
                app.consultation
            )))
            .unwrap(),
        )
        .await
        .unwrap();
    assert!(
        body_text(&desk)
            .await
            .contains("Tokyo, Japan · UTC+09:00 JST")
    );
    shot(&desk, "desktop-2c-tokyo").await;

    // Two guests race for one slot: the second is sent back with a message.
    let first = browser(&webdriver, 1280, 800, true).await;
    let second = browser(&webdriver, 375, 812, true).await;
    for c in [&first, &second] {
        c.goto(&app.url(&format!("/book/jane/{}", app.consultation)))
            .await
            .unwrap();
        pick_time(c).await;
        c.wait()
            .for_element(Locator::Css("#guestName"))
            .await
            .unwrap();
        fill(c, "#guestName", "Racer").await;
        fill(c, "#guestEmail", "racer@example.com").await;
        click(c, "input[name=q_goal][value=Savings]").await;
    }
    click(&first, "form button.primary").await;
    first
        .wait()
        .for_element(Locator::Css(".actions"))
        .await
        .unwrap();
    click(&second, "form button.primary").await;
    second
        .wait()
        .for_element(Locator::Css(".notice"))
        .await
        .unwrap();
    shot(&second, "race-just-taken").await;
    assert!(
        body_text(&second)
            .await
            .contains("that time was just taken")
    );

    // JavaScript off: the whole flow still completes.
    let plain = browser(&webdriver, 375, 812, false).await;
    let text = book_through_pages(&plain, &app, "No Script", "nojs@example.com", "nojs").await;
    assert!(text.contains("You're booked!"), "{text}");
    // Without JavaScript the zone is a plain grouped select; the page names the zone it shows.
    plain
        .goto(&app.url(&format!("/book/jane/{}", app.consultation)))
        .await
        .unwrap();
    assert!(
        body_text(&plain)
            .await
            .contains("New York, United States · UTC−05:00 EST"),
        "en-US guesses New York"
    );
    plain
        .find(Locator::Css("#tz"))
        .await
        .unwrap()
        .select_by_value("Asia/Kolkata")
        .await
        .unwrap();
    click(&plain, ".zone-pick button").await;
    plain
        .wait()
        .for_element(Locator::Css("#tz option[value='Asia/Kolkata'][selected]"))
        .await
        .unwrap();
    assert!(
        body_text(&plain)
            .await
            .contains("Kolkata, India · UTC+05:30 IST")
    );
    shot(&plain, "nojs-6-zone-chosen").await;

    // The host logs in and finds the bookings; then changes working days.
    let host = browser(&webdriver, 1280, 800, true).await;
    host.goto(&app.url("/dashboard/login")).await.unwrap();
    assert_accessible(&host, &axe, "login").await;
    fill(&host, "#username", "jane").await;
    fill(&host, "#password", "demo-password-jane").await;
    click(&host, "form button.primary").await;
    host.wait()
        .for_element(Locator::Css("#link"))
        .await
        .unwrap();
    shot(&host, "host-1-home").await;
    assert!(
        host.find(Locator::Css(
            ".checklist li:not(.done) a[href='/dashboard/availability']"
        ))
        .await
        .is_ok(),
        "the checklist asks for the hours first"
    );
    assert_accessible(&host, &axe, "dashboard home").await;
    host.goto(&app.url("/dashboard/bookings")).await.unwrap();
    let bookings = body_text(&host).await;
    shot(&host, "host-2-bookings").await;
    for guest in ["Ann Mobile", "Dee Desk", "Racer", "No Script"] {
        assert!(bookings.contains(guest), "{guest} in {bookings}");
    }
    assert!(
        !bookings.contains("Mark no-show") && !bookings.contains("Mark held"),
        "meetings still ahead cannot be marked held or missed"
    );
    assert_accessible(&host, &axe, "dashboard bookings").await;
    // A booking's own page: everything the guest said.
    click(&host, ".row strong a").await;
    host.wait()
        .for_element(Locator::Css(".detail"))
        .await
        .unwrap();
    assert!(body_text(&host).await.contains("Main goal"));
    shot(&host, "host-2a-detail").await;
    assert_accessible(&host, &axe, "booking detail").await;
    // Move it through the guests' calendar, confirming the new time.
    click(&host, "a.button[href$='/reschedule']").await;
    free_time(&host).await;
    shot(&host, "host-2b-reschedule-picker").await;
    assert_accessible(&host, &axe, "host reschedule picker").await;
    pick_time(&host).await;
    host.wait()
        .for_element(Locator::Css("form.confirm"))
        .await
        .unwrap();
    shot(&host, "host-2c-move-confirm").await;
    assert_accessible(&host, &axe, "move confirmation").await;
    click(&host, "form.confirm button.solid").await;
    host.wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap();
    let moved = body_text(&host).await;
    assert!(
        moved.contains("is confirmed (") && moved.contains("Moved 1 time"),
        "{moved}"
    );
    // Cancel it: a confirmation step with a reason.
    click(&host, "a.button.danger[href$='/cancel']").await;
    host.wait()
        .for_element(Locator::Css("#reason"))
        .await
        .unwrap();
    fill(&host, "#reason", "Double-booked elsewhere").await;
    shot(&host, "host-2d-cancel-confirm").await;
    assert_accessible(&host, &axe, "cancel confirmation").await;
    click(&host, "form.confirm button.danger").await;
    host.wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap();
    let cancelled = body_text(&host).await;
    assert!(
        cancelled.contains("Cancelled by you") && cancelled.contains("Double-booked elsewhere"),
        "{cancelled}"
    );
    host.goto(&app.url("/dashboard/bookings?tab=cancelled"))
        .await
        .unwrap();
    assert!(body_text(&host).await.contains("Cancelled"));
    shot(&host, "host-2e-cancelled").await;
    // The week at a glance.
    host.goto(&app.url("/dashboard/calendar")).await.unwrap();
    let week = body_text(&host).await;
    assert!(
        week.contains("This week") && week.contains("Consultation"),
        "{week}"
    );
    shot(&host, "host-2f-week").await;
    assert_accessible(&host, &axe, "week").await;
    host.set_window_size(375, 812).await.unwrap();
    shot(&host, "host-2f-week-phone").await;
    host.set_window_size(1280, 800).await.unwrap();
    host.goto(&app.url("/dashboard/availability"))
        .await
        .unwrap();
    assert_accessible(&host, &axe, "dashboard availability").await;
    for day in ["mon", "tue", "wed", "thu", "fri", "sat"] {
        let checkbox = host
            .find(Locator::Css(&format!("input[name=day][value={day}]")))
            .await
            .unwrap();
        let checked = checkbox.prop("checked").await.unwrap().as_deref() == Some("true");
        if checked != (day == "sat") {
            checkbox.click().await.unwrap();
        }
    }
    click(&host, "form button.primary").await;
    host.wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap();
    shot(&host, "host-3-saturdays-only").await;
    host.goto(&app.url("/dashboard")).await.unwrap();
    assert!(
        !body_text(&host).await.contains("Get set up"),
        "hours saved, types made, bookings in: the checklist is done"
    );

    // Meeting types: create one with an intake question through the form.
    host.goto(&app.url("/dashboard/meeting-types/new"))
        .await
        .unwrap();
    assert_accessible(&host, &axe, "new meeting type").await;
    fill(&host, "#name", "Strategy session").await;
    fill(&host, "#duration", "45").await;
    fill(&host, "#ql-1", "Company size").await;
    host.find(Locator::Css("#qt-1"))
        .await
        .unwrap()
        .select_by_value("single_choice")
        .await
        .unwrap();
    fill(&host, "#qo-1", "1-10, 11-100, 100+").await;
    click(&host, "form button.primary").await;
    host.wait()
        .for_element(Locator::Css("[data-copy]"))
        .await
        .unwrap();
    let types = body_text(&host).await;
    assert!(
        types.contains("Strategy session") && types.contains("45 min"),
        "{types}"
    );
    shot(&host, "host-4-meeting-types").await;
    assert_accessible(&host, &axe, "meeting types").await;

    // Blocked time: every Saturday 12:00–13:00, listed with its next occurrences.
    host.goto(&app.url("/dashboard/blocked")).await.unwrap();
    assert_accessible(&host, &axe, "blocked time").await;
    host.execute(
        "document.getElementById('date').value = '2026-11-28';",
        vec![],
    )
    .await
    .unwrap();
    fill(&host, "#reason", "Family lunch").await;
    host.find(Locator::Css("#repeat"))
        .await
        .unwrap()
        .select_by_value("WEEKLY")
        .await
        .unwrap();
    click(&host, "input[name=on][value=sat]").await;
    click(&host, "form button.primary").await;
    host.wait()
        .for_element(Locator::Css("ul.next"))
        .await
        .unwrap();
    let blocked = body_text(&host).await;
    assert!(
        blocked.contains("Every Sat, 12:00 PM–1:00 PM") && blocked.contains("Family lunch"),
        "{blocked}"
    );
    assert!(
        blocked.contains("Saturday, December 5, 2026 at 12:00 PM"),
        "next occurrences listed: {blocked}"
    );
    shot(&host, "host-5-blocked").await;

    host.goto(&app.url("/dashboard/contacts")).await.unwrap();
    let contacts = body_text(&host).await;
    assert!(
        contacts.contains("Ann Mobile") && contacts.contains("ann@example.com"),
        "{contacts}"
    );
    assert_accessible(&host, &axe, "contacts").await;
    click(&host, ".list a[href^='/dashboard/contacts/']").await;
    host.wait()
        .for_element(Locator::Css("#notes"))
        .await
        .unwrap();
    fill(&host, "#notes", "Met at the fair; prefers mornings").await;
    click(&host, "form button.solid").await;
    host.wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap();
    shot(&host, "host-5b-contact").await;
    assert_accessible(&host, &axe, "contact").await;

    // Insights: the charts and their tables, accessible.
    host.goto(&app.url("/dashboard/insights")).await.unwrap();
    let insights = body_text(&host).await;
    assert!(insights.contains("This week"), "{insights}");
    shot(&host, "host-5d-insights").await;
    assert_accessible(&host, &axe, "insights").await;

    // The profile: a photo, a welcome line and a colour, seen on the booking page.
    host.goto(&app.url("/dashboard/profile")).await.unwrap();
    assert_accessible(&host, &axe, "profile").await;
    let photo = std::env::temp_dir().join(format!("novacrm-photo-{}.png", uuid::Uuid::now_v7()));
    std::fs::write(&photo, crate::hosts::PNG).unwrap();
    host.find(Locator::Css("#photo"))
        .await
        .unwrap()
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    click(&host, "form[action='/dashboard/profile/photo'] button").await;
    host.wait()
        .for_element(Locator::Css("img.avatar"))
        .await
        .unwrap();
    fill(
        &host,
        "#welcome",
        "Happy to help: pick any time that suits you.",
    )
    .await;
    host.execute(
        "const c = document.getElementById('brandColor'); c.value = '#0f766e'; \
         c.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![],
    )
    .await
    .unwrap();
    click(&host, "form[action='/dashboard/profile'] button.solid").await;
    host.wait()
        .for_element(Locator::Css("[role=status]"))
        .await
        .unwrap();
    shot(&host, "host-5c-profile").await;
    desk.goto(&app.url(&format!("/book/jane/{}", app.consultation)))
        .await
        .unwrap();
    let card = body_text(&desk).await;
    assert!(card.contains("Happy to help"), "{card}");
    assert!(
        desk.find(Locator::Css(".host-card img.avatar"))
            .await
            .is_ok()
    );
    shot(&desk, "desktop-7-branded").await;

    // Integrations: a webhook endpoint added (its secret shown once), the feed link made.
    host.goto(&app.url("/dashboard/integrations"))
        .await
        .unwrap();
    assert_accessible(&host, &axe, "integrations").await;
    fill(&host, "#url", "http://127.0.0.1:9/hooks/crm").await;
    click(&host, "form[action='/dashboard/webhooks'] button").await;
    host.wait()
        .for_element(Locator::Css("pre code"))
        .await
        .unwrap();
    assert!(body_text(&host).await.contains("whsec_"));
    click(&host, "form[action='/dashboard/integrations/feed'] button").await;
    host.wait()
        .for_element(Locator::Css("a.button[href^='webcal://']"))
        .await
        .unwrap();
    assert_accessible(&host, &axe, "integrations with a feed").await;
    shot(&host, "host-6-integrations").await;
    let scroll_to = |id: &'static str| {
        let script = format!("document.getElementById('{id}').scrollIntoView()");
        let host = host.clone();
        async move { host.execute(&script, vec![]).await }
    };
    scroll_to("hooks").await.unwrap();
    shot(&host, "host-6-integrations-webhooks").await;
    host.set_window_size(375, 812).await.unwrap();
    scroll_to("cals").await.unwrap();
    shot(&host, "host-6-integrations-phone").await;
    scroll_to("hooks").await.unwrap();
    shot(&host, "host-6-integrations-webhooks-phone").await;
    host.goto(&app.url("/dashboard/availability"))
        .await
        .unwrap();
    shot(&host, "host-7-availability-phone").await;
    host.set_window_size(1280, 800).await.unwrap();

    // The guest page now offers Saturdays only.
    phone
        .goto(&app.url(&format!(
            "/book/jane/{}?tz=America%2FNew_York",
            app.consultation
        )))
        .await
        .unwrap();
    let days = phone.find_all(Locator::Css("td a")).await.unwrap();
    assert!(!days.is_empty());
    for day in days {
        let label = day.attr("aria-label").await.unwrap().unwrap_or_default();
        assert!(label.starts_with("Saturday"), "{label}");
    }
    shot(&phone, "mobile-6-saturdays").await;

    // The guest's own links: from the confirmation email to a reschedule, then a cancel.
    let text = book_through_pages(&desk, &app, "Sam Self", "sam@example.com", "self").await;
    assert!(text.contains("re booked!"), "{text}");
    app.run_jobs().await;
    let email = app
        .smtp
        .to("sam@example.com")
        .into_iter()
        .find(|m| m.subject().starts_with("Confirmed:"))
        .expect("a confirmation email");
    let manage = email
        .text()
        .lines()
        .find_map(|l| l.trim().strip_prefix("Reschedule: "))
        .expect("a reschedule link")
        .trim_end_matches("/reschedule")
        .to_owned();
    desk.goto(&manage).await.unwrap();
    desk.wait()
        .for_element(Locator::Css("h1[data-state=booked]"))
        .await
        .unwrap();
    shot(&desk, "self-6-manage").await;
    assert_accessible(&desk, &axe, "guest booking page").await;
    phone.goto(&manage).await.unwrap();
    shot(&phone, "self-6-manage-phone").await;
    click(&desk, "a.button[href$='/reschedule']").await;
    free_time(&desk).await;
    shot(&desk, "self-7-reschedule-calendar").await;
    assert_accessible(&desk, &axe, "reschedule calendar").await;
    pick_time(&desk).await;
    desk.wait()
        .for_element(Locator::Css("form button.primary"))
        .await
        .unwrap();
    shot(&desk, "self-8-move").await;
    assert_accessible(&desk, &axe, "move confirmation").await;
    click(&desk, "form button.primary").await;
    desk.wait()
        .for_element(Locator::Css("h1[data-state=moved]"))
        .await
        .unwrap();
    shot(&desk, "self-9-moved").await;
    assert!(
        body_text(&desk)
            .await
            .contains("your meeting has a new time")
    );
    app.run_jobs().await;
    fill(&desk, "#reason", "Travel plans changed").await;
    click(&desk, "button.danger").await;
    desk.wait()
        .for_element(Locator::Css("h1[data-state=cancelled]"))
        .await
        .unwrap();
    shot(&desk, "self-10-cancelled").await;
    assert_accessible(&desk, &axe, "cancelled booking").await;
    let page = body_text(&desk).await;
    assert!(
        page.contains("Cancelled by you") && page.contains("Travel plans changed"),
        "{page}"
    );
    phone.goto(&manage).await.unwrap();
    shot(&phone, "self-11-cancelled-phone").await;
    app.run_jobs().await;
    let subjects: Vec<String> = app
        .smtp
        .to("sam@example.com")
        .iter()
        .map(crate::support::outside::Received::subject)
        .collect();
    assert!(
        subjects.iter().any(|s| s.starts_with("Moved:")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.starts_with("Cancelled:")),
        "{subjects:?}"
    );

    // Every page at 320, 375 and 1280 px: no sideways scrolling, a screenshot of each.
    let narrow = browser(&webdriver, 320, 640, true).await;
    narrow.goto(&app.url("/dashboard/login")).await.unwrap();
    fill(&narrow, "#username", "jane").await;
    fill(&narrow, "#password", "demo-password-jane").await;
    click(&narrow, "form button.primary").await;
    narrow
        .wait()
        .for_element(Locator::Css("#link"))
        .await
        .unwrap();
    let booking = app.authed(Method::GET, "/api/bookings", None).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pages = [
        "/book/jane".to_owned(),
        format!("/book/jane/{}", app.consultation),
        "/dashboard".to_owned(),
        "/dashboard/bookings".to_owned(),
        format!("/dashboard/bookings/{booking}"),
        format!("/dashboard/bookings/{booking}/reschedule"),
        "/dashboard/calendar".to_owned(),
        "/dashboard/availability".to_owned(),
        "/dashboard/meeting-types".to_owned(),
        "/dashboard/blocked".to_owned(),
        "/dashboard/contacts".to_owned(),
        "/dashboard/profile".to_owned(),
        "/dashboard/integrations".to_owned(),
        "/dashboard/sharing".to_owned(),
        "/dashboard/insights".to_owned(),
    ];
    // A domain waiting for its records, so the sharing page shows them.
    let added = app
        .post("/api/domains", json!({"domain": "book.acme.example"}))
        .await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    narrow.goto(&app.url("/dashboard/sharing")).await.unwrap();
    assert_accessible(&narrow, &axe, "share & embed").await;
    for (width, height) in [(320, 640), (375, 812), (1280, 800)] {
        narrow.set_window_size(width, height).await.unwrap();
        for path in &pages {
            narrow.goto(&app.url(path)).await.unwrap();
            let overflow = narrow
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                    vec![],
                )
                .await
                .unwrap();
            let name: String = path
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            shot(&narrow, &format!("w{width}{name}")).await;
            if overflow != json!(0) {
                let wide = narrow
                    .execute(
                        "return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth).map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)",
                        vec![],
                    )
                    .await
                    .unwrap();
                panic!("{path} scrolls sideways at {width} px by {overflow}: {wide}");
            }
        }
    }

    for c in [phone, desk, first, second, plain, host, narrow] {
        c.close().await.unwrap();
    }
}

/// Another site (another origin: `localhost`, not `127.0.0.1`) that embeds jane's page inline
/// and as a pop-up, listening for `novacrm:booked`.
/// A host closes a day on the month calendar and makes a seated type with a second length
/// in the dashboard; a guest on a phone picks the 60-minute variant, sees the seats left and
/// books it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_changes_a_day_and_a_guest_books_a_seat_of_another_length() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let axe = axe_source();
    let (_driver, webdriver) = driver().await;
    let host = browser(&webdriver, 1280, 900, true).await;
    host.goto(&app.url("/dashboard/login")).await.unwrap();
    fill(&host, "#username", "jane").await;
    fill(&host, "#password", "demo-password-jane").await;
    click(&host, "form button.primary").await;
    host.wait()
        .for_element(Locator::Css("#link"))
        .await
        .unwrap();

    // Thanksgiving off: click the day, choose Closed, save.
    host.goto(&app.url("/dashboard/availability"))
        .await
        .unwrap();
    click(&host, "a[href='/dashboard/availability/dates']").await;
    click(&host, "a.day[href*='date=2026-11-26']").await;
    host.wait()
        .for_element(Locator::Css("#hours"))
        .await
        .unwrap();
    assert_accessible(&host, &axe, "date-specific hours").await;
    click(&host, "input[name=open][value=no]").await;
    click(&host, "#day button.primary").await;
    host.wait()
        .for_element(Locator::Css("a.day.changed"))
        .await
        .unwrap();
    let text = body_text(&host).await;
    assert!(text.contains("Saved."), "{text}");
    assert!(text.contains("Thursday, November 26 · Closed"), "{text}");
    shot(&host, "dates-1-desktop").await;
    let settings = app
        .authed(reqwest::Method::GET, "/api/availability", None)
        .await;
    assert_eq!(settings.body["dateOverrides"]["2026-11-26"], json!([]));

    // A group session: 30 minutes or an hour, five guests a slot.
    host.goto(&app.url("/dashboard/meeting-types/new"))
        .await
        .unwrap();
    fill(&host, "#name", "Group workshop").await;
    fill(&host, "#duration", "30").await;
    fill(&host, "#durations", "60").await;
    fill(&host, "#seats", "5").await;
    assert_accessible(&host, &axe, "seated meeting type").await;
    shot(&host, "dates-2-type-form").await;
    click(&host, "form button.primary").await;
    host.wait()
        .for_element(Locator::Css("[data-copy]"))
        .await
        .unwrap();
    assert!(body_text(&host).await.contains("Group workshop"));
    let types = app
        .authed(reqwest::Method::GET, "/api/meeting-types", None)
        .await;
    let workshop = types
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Group workshop")
        .unwrap()
        .clone();
    assert_eq!(workshop["seats"], 5);
    assert_eq!(workshop["durations"], json!([30, 60]));
    let id = workshop["id"].as_str().unwrap().to_owned();

    // The host's dates page on a phone, too.
    let small = browser(&webdriver, 375, 812, true).await;
    small.goto(&app.url("/dashboard/login")).await.unwrap();
    fill(&small, "#username", "jane").await;
    fill(&small, "#password", "demo-password-jane").await;
    click(&small, "form button.primary").await;
    small
        .wait()
        .for_element(Locator::Css("#link"))
        .await
        .unwrap();
    small
        .goto(&app.url("/dashboard/availability/dates?month=2026-11&date=2026-11-27"))
        .await
        .unwrap();
    small
        .wait()
        .for_element(Locator::Css("#hours"))
        .await
        .unwrap();
    shot(&small, "dates-3-phone").await;

    // The guest picks an hour.
    let guest = browser(&webdriver, 375, 812, true).await;
    guest
        .goto(&app.url(&format!("/book/jane/{id}")))
        .await
        .unwrap();
    free_time(&guest).await;
    let calendar = body_text(&guest).await;
    assert!(
        calendar.contains("30 min") && calendar.contains("60 min"),
        "{calendar}"
    );
    assert!(calendar.contains("5 seats left"), "{calendar}");
    shot(&guest, "seats-1-calendar-30").await;
    click(&guest, ".lengths a[href*='duration=60']").await;
    guest
        .wait()
        .for_element(Locator::Css(".lengths a.selected[href*='duration=60']"))
        .await
        .unwrap();
    assert!(
        guest
            .find_all(Locator::Css("a.day[href*='date=2026-11-26']"))
            .await
            .unwrap()
            .is_empty(),
        "the closed day offers nothing"
    );
    assert_accessible(&guest, &axe, "calendar with lengths and seats").await;
    shot(&guest, "seats-2-calendar-60").await;
    pick_time(&guest).await;
    guest
        .wait()
        .for_element(Locator::Css("form button.primary"))
        .await
        .unwrap();
    assert!(body_text(&guest).await.contains("60 min"));
    shot(&guest, "seats-3-details").await;
    fill(&guest, "#guestName", "Grace Hopper").await;
    fill(&guest, "#guestEmail", "grace@example.com").await;
    app.clock
        .set(app.clock.now_ts() + jiff::SignedDuration::from_secs(5));
    click(&guest, "form button.primary").await;
    guest
        .wait()
        .for_element(Locator::Css(".actions"))
        .await
        .unwrap();
    let done = body_text(&guest).await;
    assert!(done.contains("60 minutes"), "{done}");
    shot(&guest, "seats-4-booked").await;
    let desk = browser(&webdriver, 1280, 900, true).await;
    desk.goto(&app.url(&format!("/book/jane/{id}?duration=60")))
        .await
        .unwrap();
    free_time(&desk).await;
    assert!(
        body_text(&desk).await.contains("4 seats left"),
        "one seat taken"
    );
    shot(&desk, "seats-5-desktop").await;
    let booked = app
        .authed(reqwest::Method::GET, "/api/bookings", None)
        .await;
    let grace = booked
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["guestEmail"] == "grace@example.com")
        .unwrap()
        .clone();
    let minutes = jiff::Timestamp::from_str(grace["endTime"].as_str().unwrap())
        .unwrap()
        .duration_since(jiff::Timestamp::from_str(grace["startTime"].as_str().unwrap()).unwrap())
        .as_mins();
    assert_eq!(minutes, 60);
}

async fn other_site(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let page = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<h1>Acme Ltd</h1><p>Talk to Jane:</p>
<div id="inline" data-novacrm-url="{app}/book/jane/{consultation}"></div>
<button id="pop" type="button" data-novacrm-popup="{app}/book/jane">Book a meeting</button>
<script>window.booked = []; document.addEventListener("novacrm:booked", function (e) {{ window.booked.push(e.detail); }});</script>
<script src="{app}/embed.js" async></script></body></html>"#,
        app = app.address,
        consultation = app.consultation
    );
    let site = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, site).await });
    format!("http://localhost:{port}/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_booking_page_embeds_in_another_site() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let site = other_site(&app).await;
    let origin = site.trim_end_matches('/').to_owned();
    let (_driver, webdriver) = driver().await;
    let c = browser(&webdriver, 1280, 900, true).await;

    // Not yet allowed: the browser refuses to show the page in the frame.
    c.goto(&site).await.unwrap();
    let frame = c
        .wait()
        .for_element(Locator::Css("#inline iframe"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let shown = c.find(Locator::Css(".slots, .month-nav")).await.is_ok();
    assert!(
        !shown,
        "a site the host did not allow must not show the page"
    );
    c.enter_parent_frame().await.unwrap();

    let allowed = app
        .patch("/api/profile", json!({ "embedOrigins": [origin] }))
        .await;
    assert_eq!(allowed.status, 200, "{:?}", allowed.body);
    c.goto(&site).await.unwrap();
    let frame = c
        .wait()
        .for_element(Locator::Css("#inline iframe"))
        .await
        .unwrap();
    let src = frame.attr("src").await.unwrap().unwrap();
    assert!(src.ends_with("?embed=1"), "{src}");
    frame.enter_frame().await.unwrap();
    free_time(&c).await;
    let embedded = c
        .execute(
            "return document.documentElement.hasAttribute('data-embedded')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(embedded, json!(true));
    c.enter_parent_frame().await.unwrap();
    // The frame takes its page's height (not the 720 px it starts with).
    let mut height = 0;
    for _ in 0..50 {
        height = c
            .execute(
                "return document.querySelector('#inline iframe').getBoundingClientRect().height",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap() as i64;
        if height != 720 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(height, 720, "the frame sizes itself");
    shot(&c, "embed-1-inline").await;

    // A guest books inside the frame; the site hears of it.
    frame.enter_frame().await.unwrap();
    pick_time(&c).await;
    c.wait()
        .for_element(Locator::Css("form button.primary"))
        .await
        .unwrap();
    let here = c.execute("return location.href", vec![]).await.unwrap();
    assert!(here.as_str().unwrap().contains("embed=1"), "{here}");
    fill(&c, "#guestName", "Eve Embed").await;
    fill(&c, "#guestEmail", "eve@example.com").await;
    click(&c, "form button.primary").await;
    c.wait()
        .for_element(Locator::Css("[data-novacrm-booked]"))
        .await
        .unwrap();
    let manage = c.find(Locator::Css("a[target=_blank]")).await.unwrap();
    assert!(
        !manage
            .attr("href")
            .await
            .unwrap()
            .unwrap()
            .contains("embed")
    );
    c.enter_parent_frame().await.unwrap();
    let mut booked = Value::Null;
    for _ in 0..50 {
        booked = c.execute("return window.booked", vec![]).await.unwrap();
        if booked.as_array().is_some_and(|b| !b.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listed = app.authed(Method::GET, "/api/bookings", None).await.body;
    let made = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["guestEmail"] == "eve@example.com")
        .unwrap()
        .clone();
    assert_eq!(booked[0]["bookingId"], made["id"], "{booked}");
    assert_eq!(booked[0]["start"], made["startTime"]);
    shot(&c, "embed-2-booked").await;

    // The pop-up: a dialog over the site with the page in it, closed with its button.
    let phone = browser(&webdriver, 375, 812, true).await;
    phone.goto(&site).await.unwrap();
    click(&phone, "#pop").await;
    let dialog = phone
        .wait()
        .for_element(Locator::Css("dialog[open] iframe"))
        .await
        .unwrap();
    dialog.enter_frame().await.unwrap();
    phone
        .wait()
        .for_element(Locator::Css("a.card"))
        .await
        .unwrap();
    phone.enter_parent_frame().await.unwrap();
    shot(&phone, "embed-3-popup-phone").await;
    click(&phone, "dialog button[aria-label=Close]").await;
    assert!(
        phone.find(Locator::Css("dialog")).await.is_err(),
        "closed and gone"
    );
}
