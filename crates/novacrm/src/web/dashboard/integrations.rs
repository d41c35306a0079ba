//! Dashboard → Integrations: connected calendars (connect CalDAV, choose which calendars
//! check conflicts and which get bookings, see why one cannot be read, disconnect), the
//! subscribable calendar feed (create, rotate), webhook endpoints (add with their events,
//! delete) and the delivery log with "Resend".

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::format::Locale;
use crate::format::when_label;
use crate::outbox::EVENTS;
use crate::services::{feed, webhooks};
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::form_status;
use crate::web::dashboard::kit::host_settings;
use crate::web::dashboard::kit::problems;
use crate::web::form::Fields;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/integrations", get(page))
        .route("/dashboard/integrations/feed", post(issue_feed))
        .route("/dashboard/integrations/google/start", get(google_start))
        .route(
            "/dashboard/integrations/google/callback",
            get(google_callback),
        )
        .route("/dashboard/calendars", post(connect_calendar))
        .route("/dashboard/calendars/{id}", post(save_calendars))
        .route("/dashboard/calendars/{id}/delete", post(disconnect))
        .route("/dashboard/webhooks", post(add_webhook))
        .route("/dashboard/webhooks/{id}/delete", post(delete_webhook))
        .route("/dashboard/webhooks/deliveries/{id}/resend", post(resend))
}

struct CalendarRow {
    id: String,
    name: String,
    check: bool,
    add: bool,
    writable: bool,
    error: Option<String>,
}

struct ConnectionRow {
    id: String,
    title: String,
    username: String,
    state: String,
    /// Why the page offers nothing, in words for the host.
    problem: Option<String>,
    calendars: Vec<CalendarRow>,
}

struct WebhookRow {
    id: String,
    url: String,
    events: String,
}

struct DeliveryRow {
    id: String,
    event: String,
    url: String,
    when: String,
    state: String,
    can_resend: bool,
}

#[derive(Template)]
#[template(path = "dash_integrations.html")]
struct IntegrationsPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    errors: Vec<String>,
    new_secret: Option<String>,
    feed_url: Option<String>,
    webhooks: Vec<WebhookRow>,
    deliveries: Vec<DeliveryRow>,
    typed_url: String,
    /// Every event, and whether the add form has it ticked.
    events: Vec<(&'static str, bool)>,
    connections: Vec<ConnectionRow>,
    connect_open: bool,
    /// Google Calendar is set up on this server.
    google: bool,
    typed_cal_url: String,
    typed_cal_user: String,
}

/// What the page shows besides the stored state: a form typed back, errors, a new secret.
#[derive(Default)]
struct Shown {
    flash: Option<String>,
    errors: Vec<String>,
    new_secret: Option<String>,
    form: Option<Fields>,
    /// The typed form is the CalDAV one (not the webhook one).
    connect_failed: bool,
}

impl Shown {
    fn flash(message: impl Into<String>) -> Self {
        Self {
            flash: Some(message.into()),
            ..Self::default()
        }
    }

    fn error(message: impl Into<String>) -> Self {
        Self {
            errors: vec![message.into()],
            ..Self::default()
        }
    }

    /// What went wrong, field by field, as the dashboard words it.
    fn problems(e: crate::services::ServiceError) -> Self {
        Self {
            errors: problems(e).iter().map(ToString::to_string).collect(),
            ..Self::default()
        }
    }
}

async fn render(state: &AppState, headers: &HeaderMap, s: Session, shown: Shown) -> Response {
    let zone = match host_settings(state, &s.host).await {
        Ok(settings) => settings.zone,
        Err(r) => return r,
    };
    let locale = Locale::from_headers(headers);
    let feed_url = match state.store.feed_token(&s.host.id).await {
        Ok(Some(_)) => feed::feed_url(&state.store, &state.sealer, &s.host, state.public_url())
            .await
            .ok(),
        _ => None,
    };
    let endpoints = state.store.webhooks(&s.host.id).await.unwrap_or_default();
    let urls: HashMap<String, String> = endpoints
        .iter()
        .map(|w| (w.id.clone(), w.url.clone()))
        .collect();
    let deliveries = webhooks::deliveries(&state.store, &s.host, 50)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            let job = &d.job;
            let error = job.last_error.clone().unwrap_or_default();
            let state = if job.done_at.is_some() {
                "Delivered".to_owned()
            } else if job.failed_at.is_some() {
                format!("Failed after {} attempts: {error}", job.attempts)
            } else if job.attempts > 0 {
                format!(
                    "Retrying at {} (attempt {} failed: {error})",
                    when_label(job.run_at, &zone, locale),
                    job.attempts
                )
            } else {
                "Waiting to be sent".to_owned()
            };
            let (event, url) = d.webhook.map_or_else(
                || ("webhook".to_owned(), String::new()),
                |w| {
                    let url = urls
                        .get(&w.webhook_id)
                        .cloned()
                        .unwrap_or_else(|| "(deleted endpoint)".into());
                    (w.event, url)
                },
            );
            DeliveryRow {
                id: job.id.clone(),
                event,
                url,
                when: when_label(job.created_at, &zone, locale),
                can_resend: job.done_at.is_some() || job.failed_at.is_some(),
                state,
            }
        })
        .collect();
    let calendars = state.store.calendars(&s.host.id).await.unwrap_or_default();
    let connections: Vec<ConnectionRow> = state
        .store
        .connections(&s.host.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let mine: Vec<_> = calendars
                .iter()
                .filter(|cal| cal.connection_id == c.id)
                .collect();
            let unreadable = mine
                .iter()
                .any(|cal| cal.check_conflicts && cal.sync_error.is_some());
            let problem = (c.status != "ok" || unreadable).then(|| {
                let why = c
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "a calendar could not be read".into());
                let fix = if c.status == "needs_reconnect" {
                    "Disconnect and connect again with a new app-specific password."
                } else {
                    "We keep trying every few minutes."
                };
                format!("Your booking page offers no times right now: {why}. {fix}")
            });
            let state = c.last_sync_at.map_or_else(
                || "Not read yet".to_owned(),
                |at| format!("Read {}", when_label(at, &zone, locale)),
            );
            ConnectionRow {
                title: if c.provider == "caldav" {
                    "CalDAV".into()
                } else {
                    c.provider.clone()
                },
                id: c.id,
                username: c.username,
                state,
                problem,
                calendars: mine
                    .into_iter()
                    .map(|cal| CalendarRow {
                        id: cal.id.clone(),
                        name: cal.name.clone(),
                        check: cal.check_conflicts,
                        add: cal.add_bookings,
                        writable: cal.writable,
                        error: cal.sync_error.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let form = shown.form.as_ref();
    let ticked: Vec<String> = form.map_or_else(
        || EVENTS.iter().map(|e| (*e).to_owned()).collect(),
        |f| f.all("events").to_vec(),
    );
    let page = IntegrationsPage {
        asset_version: &ASSET_VERSION,
        csrf: s.csrf,
        flash: shown.flash,
        errors: shown.errors,
        new_secret: shown.new_secret,
        feed_url,
        webhooks: endpoints
            .iter()
            .map(|w| WebhookRow {
                id: w.id.clone(),
                url: w.url.clone(),
                events: w.events.replace(' ', ", "),
            })
            .collect(),
        deliveries,
        typed_url: form
            .filter(|_| !shown.connect_failed)
            .map(|f| f.first("url").to_owned())
            .unwrap_or_default(),
        events: EVENTS
            .iter()
            .map(|e| (*e, ticked.iter().any(|t| t == e)))
            .collect(),
        connect_open: shown.connect_failed || connections.is_empty(),
        google: state.calendars.google.is_some(),
        connections,
        typed_cal_url: form
            .filter(|_| shown.connect_failed)
            .map(|f| f.first("url").to_owned())
            .unwrap_or_default(),
        typed_cal_user: form
            .filter(|_| shown.connect_failed)
            .map(|f| f.first("username").to_owned())
            .unwrap_or_default(),
    };
    html(headers, form_status(&page.errors), &page)
}

async fn page(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Response {
    render(&state, &headers, s, Shown::default()).await
}

/// The feed's form: show the link, or (with `rotate`) replace it with a new one.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Rotate {
    rotate: String,
}

async fn issue_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, Rotate { rotate }): Posted<Rotate>,
) -> Response {
    let base = state.public_url().to_owned();
    let rotate = !rotate.is_empty();
    let done = if rotate {
        feed::rotate(&state.store, &state.sealer, &s.host, &base).await
    } else {
        feed::feed_url(&state.store, &state.sealer, &s.host, &base).await
    };
    let flash = match done {
        Ok(_) if rotate => "A new calendar link is ready; the old one no longer works.",
        Ok(_) => "Your calendar link is ready.",
        Err(_) => "Something went wrong on our side; please retry.",
    };
    let shown = Shown::flash(flash);
    render(&state, &headers, s, shown).await
}

async fn add_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, f): Posted,
) -> Response {
    let events = f.all("events").to_vec();
    let body = json!({"url": f.first("url"), "events": events});
    let created = webhooks::create(
        &state.store,
        &state.sealer,
        &state.calendars.policy,
        &s.host,
        &body,
        state.clock.now(),
    )
    .await;
    let shown = match created {
        Ok((_, secret)) => Shown {
            new_secret: Some(secret),
            ..Shown::default()
        },
        Err(e) => Shown {
            form: Some(f),
            ..Shown::problems(e)
        },
    };
    render(&state, &headers, s, shown).await
}

async fn delete_webhook(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let _ = webhooks::delete(&state.store, &s.host, &id).await;
    Redirect::to("/dashboard/integrations").into_response()
}

async fn resend(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let flash = match webhooks::resend(&state.store, &s.host, &id, state.clock.now()).await {
        Ok(()) => "Sent again: it is on its way.",
        Err(_) => "That delivery is no longer in the log.",
    };
    let shown = Shown::flash(flash);
    render(&state, &headers, s, shown).await
}

async fn connect_calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, f): Posted,
) -> Response {
    let body = json!({"provider": "caldav", "url": f.first("url"),
                      "username": f.first("username"), "password": f.first("password")});
    let done = state
        .calendars
        .connect(&s.host, &body, state.clock.now())
        .await;
    let shown = match done {
        Ok((_, calendars)) => Shown::flash(format!(
            "Connected: {} calendar(s) now block your booking page.",
            calendars.iter().filter(|c| c.check_conflicts).count()
        )),
        Err(e) => Shown {
            form: Some(f),
            connect_failed: true,
            ..Shown::problems(e)
        },
    };
    render(&state, &headers, s, shown).await
}

async fn save_calendars(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Posted(s, f): Posted,
) -> Response {
    let ticked = |name: &str, cal: &str| f.has(name, cal);
    let calendars = state.store.calendars(&s.host.id).await.unwrap_or_default();
    let list: Vec<_> = calendars
        .iter()
        .filter(|c| c.connection_id == id)
        .map(|c| {
            json!({"id": c.id, "checkConflicts": ticked("check", &c.id),
                   "addBookings": c.writable && ticked("add", &c.id)})
        })
        .collect();
    let done = state
        .calendars
        .patch(
            &s.host,
            &id,
            &json!({ "calendars": list }),
            state.clock.now(),
        )
        .await;
    let shown = match done {
        Ok(()) => Shown::flash("Saved."),
        Err(e) => Shown::problems(e),
    };
    render(&state, &headers, s, shown).await
}

async fn disconnect(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let _ = state.calendars.delete(&s.host, &id).await;
    Redirect::to("/dashboard/integrations").into_response()
}

/// Always on the main domain (the public URL), whatever address the host came from: the
/// one redirect URI registered with Google.
fn google_redirect_uri(state: &AppState) -> String {
    format!(
        "{}/dashboard/integrations/google/callback",
        state.public_url()
    )
}

/// Sends the host to Google's consent screen with a one-time `state`.
async fn google_start(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Response {
    let Some(google) = state.calendars.google.clone() else {
        let shown = Shown::error("Google Calendar is not set up on this server.");
        return render(&state, &headers, s, shown).await;
    };
    let token = crate::crypto::random_token("");
    let now = scheduling::Instant::from(state.clock.now());
    let expires = now.plus_minutes(10);
    if state
        .store
        .add_oauth_state(&token, &s.host.id, "google", expires)
        .await
        .is_err()
    {
        let shown = Shown::error("Something went wrong on our side; please retry.");
        return render(&state, &headers, s, shown).await;
    }
    let url = google.authorize_url(&token, &google_redirect_uri(&state));
    Redirect::to(&url).into_response()
}

/// Google sends the host back here: the `state` must be theirs and fresh, then the code is
/// exchanged and the calendars connected.
async fn google_callback(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let now = state.clock.now();
    if let Some(error) = query.get("error") {
        let shown = Shown::error(format!("Google did not connect: {error}."));
        return render(&state, &headers, s, shown).await;
    }
    let given = query.get("state").map_or("", String::as_str);
    let ours = state
        .store
        .spend_oauth_state(given, &s.host.id, "google", scheduling::Instant::from(now))
        .await
        .unwrap_or(false);
    let Some(code) = query.get("code").filter(|_| ours) else {
        let shown = Shown::error(
            "This Google link has expired or was not started here; please connect again.",
        );
        return render(&state, &headers, s, shown).await;
    };
    let redirect = google_redirect_uri(&state);
    let shown = match state
        .calendars
        .connect_google(&s.host, code, &redirect, now)
        .await
    {
        Ok(calendars) => Shown::flash(format!(
            "Connected Google Calendar: {} calendar(s) now block your booking page.",
            calendars.iter().filter(|c| c.check_conflicts).count()
        )),
        Err(e) => Shown::problems(e),
    };
    render(&state, &headers, s, shown).await
}
