//! The dashboard's home: the onboarding steps, the share link, the week's meetings and the
//! messages that failed (with a retry).

use crate::format::Locale;
use crate::format::when_label;
use crate::outbox;
use crate::services::profile;
use crate::store::{BookingFilter, JobFilter};
use crate::web::dashboard::kit::BookingRow;
use crate::web::dashboard::kit::Notice;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::host_zone;
use crate::web::dashboard::kit::rows;
use crate::web::dashboard::kit::tell;
use crate::web::dashboard::kit::waiting_notice;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use scheduling::{BookingStatus, Instant};
use serde::Deserialize;
use serde_json::json;

#[derive(Template)]
#[template(path = "dash_home.html")]
struct HomePage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    name: String,
    link: String,
    upcoming: Vec<BookingRow>,
    failed: Vec<FailedMessage>,
    /// Messages that failed twice or more and wait for their next try (an SMTP outage shows
    /// here within minutes, long before the outbox gives up).
    retrying: Vec<FailedMessage>,
    /// The onboarding checklist, until every step is done.
    steps: Vec<Step>,
    notice: Option<Notice>,
}

/// A step of the onboarding checklist.
struct Step {
    label: &'static str,
    hint: String,
    href: &'static str,
    done: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Shared {
    /// `1` when the copy button's script sent the form.
    copied: String,
}

/// "Copy link" on the home page (or "I've shared it"): the checklist's last step is done.
pub(crate) async fn link_shared(
    State(state): State<AppState>,
    Posted(s, shared): Posted<Shared>,
) -> Response {
    let outcome = profile::update_profile(&state.store, &s.host, &json!({"linkShared": true}))
        .await
        .map(|_| "Ticked. Copy the link from the box whenever you need it.".to_owned());
    // The copy button's script already said "Copied" on the page.
    if shared.copied == "1" {
        return StatusCode::NO_CONTENT.into_response();
    }
    tell(&state, &s, outcome, "/dashboard#share").await
}

pub(crate) async fn home(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
) -> Response {
    let now = Instant::from(state.clock.now());
    let week = state
        .store
        .bookings(
            &s.host.id,
            Some(BookingStatus::Confirmed),
            Some(now),
            Some(now.plus_minutes(7 * 24 * 60)),
        )
        .await
        .unwrap_or_default();
    let locale = Locale::from_headers(&headers);
    let zone = host_zone(&state, &s.host).await;
    let (store, host_id, zone) = (&state.store, s.host.id.as_str(), &zone);
    let messages = |filter| async move {
        let jobs = store.jobs(Some(host_id), filter, 50).await;
        jobs.unwrap_or_default()
            .into_iter()
            .map(|job| FailedMessage {
                what: outbox::describe(&job),
                // When it gave up, or when it tries next.
                when: when_label(job.failed_at.unwrap_or(job.run_at), zone, locale),
                error: job.last_error.clone().unwrap_or_default(),
                attempts: job.attempts,
                id: job.id,
            })
            .collect::<Vec<_>>()
    };
    let failed = messages(JobFilter::Failed).await;
    let retrying = messages(JobFilter::Retrying).await;
    // A first booking also means the link is out (asked only while the step is open).
    let shared = s.host.onboarding.shared
        || !state
            .store
            .bookings_page(&s.host.id, BookingFilter::default(), None, 1)
            .await
            .unwrap_or_default()
            .is_empty();
    let steps = vec![
        Step {
            label: "Set your hours",
            hint: format!(
                "Until you do, guests can book Mon–Fri 9:00–17:00 in {}.",
                crate::web::guest::zones::place(zone.name())
            ),
            href: "/dashboard/availability",
            done: s.host.onboarding.hours,
        },
        Step {
            label: "Create or review a meeting type",
            hint: "Name, length, place and the questions guests answer.".into(),
            href: "/dashboard/meeting-types",
            done: s.host.onboarding.types,
        },
        Step {
            label: "Share your link",
            hint: "Copy it below into your email signature, website or a message.".into(),
            href: "#share",
            done: shared,
        },
    ];
    let page = HomePage {
        asset_version: &ASSET_VERSION,
        steps: if steps.iter().all(|st| st.done) {
            Vec::new()
        } else {
            steps
        },
        notice: waiting_notice(&state, &s).await,
        link: format!("{}/book/{}", state.public_url().to_owned(), s.host.username),
        name: s.host.name.clone(),
        upcoming: rows(&state, &s.host, week, locale).await,
        failed,
        retrying,
        csrf: s.csrf,
        flash: None,
    };
    html(&headers, StatusCode::OK, &page)
}

/// A message the outbox gave up on, shown to the host with a retry button.
struct FailedMessage {
    id: String,
    what: String,
    when: String,
    error: String,
    attempts: i64,
}

pub(crate) async fn retry_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let now = Instant::from(state.clock.now());
    match state.store.retry_job(&id, Some(&s.host.id), now).await {
        Ok(_) => Redirect::to("/dashboard#messages").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot queue a message again");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "cannot queue the message again; try later",
            )
                .into_response()
        }
    }
}
