//! Video links per booking (Jitsi, Zoom, Teams), made before the emails that show them.

use reqwest::Method;
use serde_json::json;

use crate::support::app::Backend;
use crate::support::outside::FakeVideo;

/// Video links made per booking, before the emails that show them: Jitsi (no account),
/// Zoom (server-to-server OAuth) and Teams (Graph), against fakes that check every request.
async fn video_links_are_made_before_the_emails(backend: Backend) {
    let video = FakeVideo::start().await;
    let base = video.base.clone();
    let app = crate::support::app::spawn_app_with(backend, move |c| {
        c.jitsi_url = "https://jitsi.example".into();
        c.zoom = Some(novacrm::config::ZoomConfig {
            account_id: "zoom-account".into(),
            client_id: "zoom-client".into(),
            client_secret: "zoom-secret".into(),
            oauth_url: format!("{base}/zoom"),
            api_url: format!("{base}/zoom/v2"),
        });
        c.teams = Some(novacrm::config::TeamsConfig {
            tenant_id: "tenant-1".into(),
            client_id: "teams-client".into(),
            client_secret: "teams-secret".into(),
            login_url: format!("{base}/ms"),
            graph_url: format!("{base}/graph/v1.0"),
        });
    })
    .await;
    // Google Meet needs the host's Google connection: refused until there is one.
    let meet = app
        .patch(
            &format!("/api/meeting-types/{}", app.quick_call),
            json!({"location": {"kind": "video", "provider": "google_meet"}}),
        )
        .await;
    assert_eq!(meet.status, 422, "{:?}", meet.body);
    assert_eq!(meet.body["errors"][0]["field"], "location.provider");
    let starts = [
        "2026-11-24T14:00:00Z",
        "2026-11-24T15:00:00Z",
        "2026-11-24T16:00:00Z",
    ];
    for ((provider, expected), start) in [
        ("jitsi", "https://jitsi.example/NovaCRM-"),
        ("zoom", "https://zoom.example/j/123?pwd=x"),
        ("teams", "https://teams.example/l/meetup-join/1"),
    ]
    .into_iter()
    .zip(starts)
    {
        let typed = app
            .patch(
                &format!("/api/meeting-types/{}", app.quick_call),
                json!({"location": {"kind": "video", "provider": provider}}),
            )
            .await;
        assert_eq!(typed.status, 200, "{:?}", typed.body);
        let guest = format!("{provider}@example.com");
        let booked = app.book(&app.quick_call, start, &guest).await;
        assert_eq!(booked.status, 201, "{:?}", booked.body);
        let id = booked.body["id"].as_str().unwrap().to_owned();
        app.run_jobs().await;
        let bookings = app.authed(Method::GET, "/api/bookings", None).await.body;
        let link = bookings
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["id"] == id.as_str())
            .unwrap()["meetingLink"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(link.starts_with(expected), "{provider}: {link}");
        let mail = app.smtp.to(&guest);
        let confirmation = mail.first().expect("a confirmation");
        assert!(
            confirmation.text().contains(&link),
            "{provider}: the first email carries the link"
        );
        let (first, second) = confirmation.calendar();
        let ics = if first.contains("BEGIN:VCALENDAR") {
            first
        } else {
            second
        };
        assert!(
            ics.replace("\r\n ", "").contains(&format!("URL:{link}")),
            "{ics}"
        );
    }
    let calls = video.calls.lock().unwrap().clone();
    let names: Vec<&str> = calls.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "zoom token",
            "zoom meeting",
            "ms token",
            "teams meeting for jane%40example.com"
        ]
        .map(|n| n.replace("%40", "@"))
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
    );
}

crate::on_both_backends!(video_links_are_made_before_the_emails);
