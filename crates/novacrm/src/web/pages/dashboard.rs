//! The host's dashboard: sign up, log in and out (session cookie, CSRF token on every form),
//! home with the share link and the week's meetings, bookings with their actions, and the
//! availability card with a preview. Forms post back; errors re-render next to the fields.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use scheduling::{BookingStatus, FieldError, Instant, Weekday, Zone};
use serde_json::{Map, Value, json};
use sha2::Digest;

use super::guest::when_label;
use super::{ASSET_VERSION, Locale, encode, html};
use crate::jobs;
use crate::services::{ServiceError, availability, booking, host, spam};
use crate::store::{BookingFilter, Host, JobFilter};
use crate::web::AppState;
use crate::web::extract::{ClientIp, session_cookie};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(home))
        .route("/dashboard/onboarding/shared", post(link_shared))
        .route("/dashboard/signup", get(signup_page).post(signup))
        .route("/dashboard/login", get(login_page).post(login))
        .route("/dashboard/logout", post(logout))
        .route("/dashboard/bookings", get(bookings_page))
        .route("/dashboard/bookings/cancel", post(bulk_cancel))
        .route("/dashboard/blocks", post(add_block))
        .route("/dashboard/blocks/remove", post(remove_block))
        .route(
            "/dashboard/bookings/{id}",
            get(super::host_booking::detail).post(booking_action),
        )
        .route(
            "/dashboard/bookings/{id}/cancel",
            get(super::host_booking::cancel_step),
        )
        .route(
            "/dashboard/bookings/{id}/move",
            get(super::host_booking::move_step),
        )
        .route("/dashboard/calendar", get(super::host_booking::week))
        .route("/dashboard/messages/{id}/retry", post(retry_message))
        .route(
            "/dashboard/bookings/{id}/reschedule",
            get(super::host_booking::reschedule_picker).post(reschedule),
        )
        .route(
            "/dashboard/availability",
            get(availability_page).post(save_availability),
        )
        .route("/dashboard/embed", post(save_embed))
}

/// The CSRF token of a session: derived from the cookie, which another site cannot read.
fn csrf_for(session_token: &str) -> String {
    host::hex(&sha2::Sha256::digest(format!("csrf:{session_token}").as_bytes())[..16])
}

pub(super) struct Session {
    pub(super) host: Host,
    pub(super) csrf: String,
    /// The hash of the session's cookie: what its waiting message is filed under.
    pub(super) key: String,
}

/// The logged-in host, or a redirect to the login page.
pub(super) async fn session(state: &AppState, headers: &HeaderMap) -> Result<Session, Response> {
    let to_login = || Redirect::to("/dashboard/login").into_response();
    let token = session_cookie(headers).ok_or_else(to_login)?;
    let now = Instant::from(state.clock.now());
    let key = host::token_hash(token);
    let host = state
        .store
        .host_by_session(&key, now)
        .await
        .ok()
        .flatten()
        .ok_or_else(to_login)?;
    Ok(Session {
        host,
        csrf: csrf_for(token),
        key,
    })
}

/// A message on a dashboard page: what was done, what went wrong, or something to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoticeKind {
    Done,
    Problem,
    Info,
}

impl NoticeKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Problem => "problem",
            Self::Info => "info",
        }
    }
}

impl Notice {
    /// The page's CSS class: green for done, amber for a problem, blue for information.
    pub fn class(&self) -> &'static str {
        match self.kind {
            NoticeKind::Done => "ok",
            NoticeKind::Problem => "notice",
            NoticeKind::Info => "info",
        }
    }

    /// Problems interrupt (`alert`); the rest wait their turn (`status`).
    pub fn role(&self) -> &'static str {
        if self.kind == NoticeKind::Problem {
            "alert"
        } else {
            "status"
        }
    }

    /// What a use case's outcome tells the host.
    pub fn of(outcome: Result<String, ServiceError>) -> Self {
        match outcome {
            Ok(text) => Self {
                kind: NoticeKind::Done,
                text,
            },
            Err(ServiceError::Conflict(m) | ServiceError::NotFound(m)) => Self {
                kind: NoticeKind::Problem,
                text: m,
            },
            Err(e) => Self {
                kind: NoticeKind::Problem,
                text: problems(e)
                    .iter()
                    .map(|p| p.message.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            },
        }
    }
}

/// Redirects to `path` with the outcome kept on the server for the session's next page
/// (no text rides in the link, so a crafted link cannot put words on the host's page).
pub(super) async fn tell(
    state: &AppState,
    s: &Session,
    outcome: Result<String, ServiceError>,
    path: &str,
) -> Response {
    let notice = Notice::of(outcome);
    let now = Instant::from(state.clock.now());
    if let Err(e) = state
        .store
        .set_flash(&s.key, notice.kind.as_str(), &notice.text, now)
        .await
    {
        tracing::warn!(error = %e, "cannot keep a dashboard message");
    }
    Redirect::to(path).into_response()
}

/// The message waiting for this session, if any (shown once).
pub(super) async fn waiting_notice(state: &AppState, s: &Session) -> Option<Notice> {
    let (kind, text) = state.store.take_flash(&s.key).await.ok().flatten()?;
    let kind = match kind.as_str() {
        "done" => NoticeKind::Done,
        "problem" => NoticeKind::Problem,
        _ => NoticeKind::Info,
    };
    Some(Notice { kind, text })
}

pub(super) type Fields = HashMap<String, Vec<String>>;

pub(super) fn collect(pairs: Vec<(String, String)>) -> Fields {
    let mut fields = Fields::new();
    for (k, v) in pairs {
        fields.entry(k).or_default().push(v);
    }
    fields
}

pub(super) fn first<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .get(name)
        .and_then(|v| v.first())
        .map_or("", String::as_str)
}

/// A posted dashboard form: the logged-in host and the fields, once the form's CSRF token
/// has been checked (or the response to send instead).
pub(super) async fn posted(
    state: &AppState,
    headers: &HeaderMap,
    pairs: Vec<(String, String)>,
) -> Result<(Session, Fields), Response> {
    let fields = collect(pairs);
    let s = session(state, headers).await?;
    check_csrf(&s, &fields)?;
    Ok((s, fields))
}

fn check_csrf(session: &Session, fields: &Fields) -> Result<(), Response> {
    if first(fields, "csrf") == session.csrf {
        Ok(())
    } else {
        Err((
            StatusCode::FORBIDDEN,
            "This form has expired. Go back, reload the page and try again.",
        )
            .into_response())
    }
}

fn set_cookie(state: &AppState, response: &mut Response, value: &str, max_age: i64) {
    let value = crate::web::session::cookie(state, value, max_age);
    response.headers_mut().append(header::SET_COOKIE, value);
}

// ---- sign up, log in, log out ------------------------------------------------------------

struct AuthField {
    name: &'static str,
    label: &'static str,
    input_type: &'static str,
    autocomplete: &'static str,
    value: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "dash_auth.html")]
struct AuthPage<'a> {
    asset_version: &'a str,
    csrf: &'a str,
    title: &'static str,
    signup: bool,
    general_error: Option<String>,
    fields: Vec<AuthField>,
    /// Sign-up asks for the host's zone: the select, and what was wrong with it.
    zone_groups: Option<Vec<super::zones::ZoneGroup>>,
    zone_error: Option<String>,
    /// Nothing typed yet: the script may start the select from the browser's zone.
    prefill: bool,
}

/// Before there is a session, forms carry a token that must match a `SameSite=Strict`
/// cookie (double submit): another site can neither read nor send it.
const FORM_COOKIE: &str = "novacrm_form";

/// The sign-up or log-in page, with its form token (reused from the cookie, or new).
fn auth_page(
    headers: &HeaderMap,
    status: StatusCode,
    signup: bool,
    typed: &Fields,
    errors: &[FieldError],
) -> Response {
    let specs: &[(&'static str, &'static str, &'static str, &'static str)] = if signup {
        &[
            (
                "username",
                "Username (your link: /book/username)",
                "text",
                "username",
            ),
            ("name", "Your name", "text", "name"),
            ("email", "Email", "email", "email"),
            (
                "password",
                "Password (at least 10 characters)",
                "password",
                "new-password",
            ),
        ]
    } else {
        &[
            ("username", "Username", "text", "username"),
            ("password", "Password", "password", "current-password"),
        ]
    };
    let fields = specs
        .iter()
        .map(|&(name, label, input_type, autocomplete)| AuthField {
            name,
            label,
            input_type,
            autocomplete,
            value: if name == "password" {
                String::new()
            } else {
                first(typed, name).to_owned()
            },
            error: errors
                .iter()
                .find(|e| e.field == name)
                .map(|e| e.message.clone()),
        })
        .collect();
    let general_error = errors
        .iter()
        .find(|e| !specs.iter().any(|s| s.0 == e.field) && e.field != "timezone")
        .map(ToString::to_string);
    // The zone: as typed, else the browser's (the cookie the booking pages' script leaves),
    // else a guess from the language, as the booking pages choose; the script also sets the
    // browser's zone.
    let zone_groups = signup.then(|| {
        let choice = super::guest::ZoneChoice::of(Some(first(typed, "timezone")), headers);
        let chosen = match &choice {
            super::guest::ZoneChoice::Chosen(name) | super::guest::ZoneChoice::Guessed(name)
                if !name.is_empty() =>
            {
                name.as_str()
            }
            _ => scheduling::AvailabilitySettings::DEFAULT_ZONE,
        };
        super::zones::groups(chosen, Timestamp::now(), Locale::from_headers(headers))
    });
    let title = if signup {
        "Create your account"
    } else {
        "Log in"
    };
    let (csrf, set_cookie) = super::form_token(headers, FORM_COOKIE, "/dashboard");
    let mut response = html(
        headers,
        status,
        &AuthPage {
            asset_version: &ASSET_VERSION,
            csrf: &csrf,
            title,
            signup,
            general_error,
            fields,
            zone_groups,
            prefill: first(typed, "timezone").is_empty(),
            zone_error: errors
                .iter()
                .find(|e| e.field == "timezone")
                .map(|e| e.message.clone()),
        },
    );
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

async fn signup_page(headers: HeaderMap) -> Response {
    auth_page(&headers, StatusCode::OK, true, &Fields::new(), &[])
}

async fn login_page(headers: HeaderMap) -> Response {
    auth_page(&headers, StatusCode::OK, false, &Fields::new(), &[])
}

pub(super) fn problems(e: ServiceError) -> Vec<FieldError> {
    match e {
        ServiceError::Invalid(errors) => errors,
        ServiceError::Conflict(m) => vec![FieldError::new("username", m)],
        ServiceError::NotFound(m) => vec![FieldError::new("", m)],
        ServiceError::Throttled { message, .. } => vec![FieldError::new("password", message)],
        ServiceError::Store(e) => {
            tracing::error!(error = %e, "dashboard store error");
            vec![FieldError::new(
                "",
                "Something went wrong on our side; please retry.",
            )]
        }
    }
}

async fn start_session(
    state: &AppState,
    username: &str,
    password: &str,
    client: std::net::IpAddr,
    now: Timestamp,
) -> Result<Response, ServiceError> {
    let (_, token) = host::log_in(&state.store, username, password, client, now).await?;
    let mut response = Redirect::to("/dashboard").into_response();
    set_cookie(state, &mut response, &token, host::SESSION_DAYS * 86_400);
    Ok(response)
}

/// Refuses a sign-up or log-in form whose token does not match its cookie.
fn check_form_token(headers: &HeaderMap, fields: &Fields) -> Result<(), Response> {
    if super::form_token_matches(headers, FORM_COOKIE, first(fields, "csrf")) {
        Ok(())
    } else {
        let message = "This form has expired. Reload the page and try again.";
        Err((StatusCode::FORBIDDEN, message).into_response())
    }
}

async fn signup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = collect(pairs);
    if let Err(r) = check_form_token(&headers, &f) {
        return r;
    }
    let now = state.clock.now();
    let (username, password) = (first(&f, "username").trim(), first(&f, "password"));
    let result = async {
        host::create_host(
            &state.store,
            username,
            first(&f, "name"),
            first(&f, "email"),
            password,
            Some(first(&f, "timezone")),
            now,
        )
        .await?;
        start_session(&state, username, password, client, now).await
    }
    .await;
    result.unwrap_or_else(|e| {
        auth_page(
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            true,
            &f,
            &problems(e),
        )
    })
}

async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = collect(pairs);
    if let Err(r) = check_form_token(&headers, &f) {
        return r;
    }
    start_session(
        &state,
        first(&f, "username").trim(),
        first(&f, "password"),
        client,
        state.clock.now(),
    )
    .await
    .unwrap_or_else(|e| {
        auth_page(
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
            &f,
            &problems(e),
        )
    })
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let f = collect(pairs);
    if let Ok(s) = session(&state, &headers).await {
        if let Err(r) = check_csrf(&s, &f) {
            return r;
        }
        if let Some(token) = session_cookie(&headers) {
            let _ = state.store.delete_session(&host::token_hash(token)).await;
        }
    }
    let mut response = Redirect::to("/dashboard/login").into_response();
    set_cookie(&state, &mut response, "", 0);
    response
}

// ---- home and bookings --------------------------------------------------------------------

struct BookingRow {
    id: String,
    when: String,
    type_name: String,
    guest: String,
    email: String,
    phone: Option<String>,
    company: Option<String>,
    notes: Option<String>,
    status: &'static str,
    confirmed: bool,
    /// Begun already: only then can it be marked held or a no-show.
    started: bool,
    contact_id: Option<String>,
    zone_label: String,
}

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

#[derive(Template)]
#[template(path = "dash_bookings.html")]
struct BookingsPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    /// What the last action did, or what went wrong.
    notice: Option<Notice>,
    tab: String,
    tabs: [(&'static str, &'static str); 3],
    types: Vec<(String, String)>,
    type_filter: String,
    date_filter: String,
    bookings: Vec<BookingRow>,
    next_page: Option<String>,
    /// Blocked addresses and domains.
    blocks: Vec<String>,
}

async fn rows(
    state: &AppState,
    host: &Host,
    list: Vec<crate::store::BookingRecord>,
    locale: Locale,
) -> Vec<BookingRow> {
    let zone = host_zone(state, host).await;
    let mut types: HashMap<String, Option<crate::store::MeetingTypeRecord>> = HashMap::new();
    let mut out = Vec::new();
    for b in list {
        if !types.contains_key(&b.meeting_type_id) {
            let found = state
                .store
                .meeting_type(&host.id, &b.meeting_type_id)
                .await
                .ok()
                .flatten();
            types.insert(b.meeting_type_id.clone(), found);
        }
        let meeting = types[&b.meeting_type_id].as_ref();
        out.push(BookingRow {
            when: when_label(b.start, &zone, locale),
            type_name: meeting.map_or_else(|| "Meeting".into(), |m| m.name.clone()),
            guest: b.guest_name,
            email: b.guest_email,
            phone: b.guest_phone,
            company: b.guest_company,
            notes: b.meeting_notes,
            status: status_label(b.status),
            confirmed: b.status == BookingStatus::Confirmed,
            started: b.start <= Instant::from(state.clock.now()),
            contact_id: b.contact_id,
            zone_label: super::zones::zone_label(&zone, b.start.to_timestamp()),
            id: b.id,
        });
    }
    out
}

/// A status as the host reads it.
pub(super) fn status_label(status: BookingStatus) -> &'static str {
    match status {
        BookingStatus::Confirmed => "Confirmed",
        BookingStatus::Cancelled => "Cancelled",
        BookingStatus::Completed => "Held",
        BookingStatus::NoShow => "No-show",
    }
}

/// The guest's answers under their question's label, in the question's order.
pub(super) fn answers_of(
    meeting: &crate::store::MeetingTypeRecord,
    b: &crate::store::BookingRecord,
) -> Vec<(String, String)> {
    meeting
        .questions
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| {
            let answer = b.answers.get(q["id"].as_str()?)?;
            let text = match answer {
                Value::String(s) => s.clone(),
                Value::Bool(true) => "yes".into(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            Some((q["label"].as_str().unwrap_or_default().to_owned(), text))
        })
        .collect()
}

pub(super) fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    state.config.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    })
}

/// "Copy link" on the home page (or "I've shared it"): the checklist's last step is done.
async fn link_shared(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let outcome = host::update_profile(&state.store, &s.host, &json!({"linkShared": true}))
        .await
        .map(|_| "Ticked. Copy the link from the box whenever you need it.".to_owned());
    // The copy button's script already said "Copied" on the page.
    if first(&f, "copied") == "1" {
        return StatusCode::NO_CONTENT.into_response();
    }
    tell(&state, &s, outcome, "/dashboard#share").await
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
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
    let failed = state
        .store
        .jobs(Some(&s.host.id), JobFilter::Failed, 50)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|job| FailedMessage {
            what: jobs::describe(&job),
            when: job
                .failed_at
                .map(|at| when_label(at, &zone, locale))
                .unwrap_or_default(),
            error: job.last_error.clone().unwrap_or_default(),
            attempts: job.attempts,
            id: job.id,
        })
        .collect();
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
                super::zones::place(zone.name())
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
        link: format!("{}/book/{}", public_base(&state, &headers), s.host.username),
        name: s.host.name.clone(),
        upcoming: rows(&state, &s.host, week, locale).await,
        failed,
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

async fn retry_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, _) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
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

#[derive(Debug, serde::Deserialize)]
struct BookingsQuery {
    tab: Option<String>,
    #[serde(rename = "type")]
    meeting_type: Option<String>,
    date: Option<String>,
    /// The page cursor: `<start ms>.<id>` of the last booking of the previous page.
    after: Option<String>,
}

/// Bookings per dashboard page.
const PAGE_SIZE: i64 = 50;

async fn bookings_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BookingsQuery>,
) -> Response {
    let s = match session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = Instant::from(state.clock.now());
    let tab = q.tab.unwrap_or_else(|| "upcoming".into());
    let locale = Locale::from_headers(&headers);
    let zone = host_zone(&state, &s.host).await;
    let type_filter = q.meeting_type.unwrap_or_default();
    let date_filter = q.date.unwrap_or_default();
    // A day filter is the host-local day's range of starts.
    let day = date_filter.parse::<jiff::civil::Date>().ok().and_then(|d| {
        let tz = zone.time_zone().clone();
        let start = d.to_zoned_datetime(tz.clone()).ok()?.timestamp();
        let end = d.tomorrow().ok()?.to_zoned_datetime(tz).ok()?.timestamp();
        Some((Instant::from(start), Instant::from(end)))
    });
    let mut filter = match tab.as_str() {
        "past" => BookingFilter {
            not_cancelled: true,
            to: Some(now),
            newest_first: true,
            ..BookingFilter::default()
        },
        "cancelled" => BookingFilter {
            status: Some(BookingStatus::Cancelled),
            newest_first: true,
            ..BookingFilter::default()
        },
        _ => BookingFilter {
            status: Some(BookingStatus::Confirmed),
            from: Some(now),
            ..BookingFilter::default()
        },
    };
    if let Some((start, end)) = day {
        filter.from = Some(filter.from.map_or(start, |f| f.max(start)));
        filter.to = Some(filter.to.map_or(end, |t| t.min(end)));
    }
    filter.meeting_type = Some(type_filter.clone()).filter(|t| !t.is_empty());
    let cursor = q.after.as_deref().and_then(crate::store::parse_cursor);
    let mut list = state
        .store
        .bookings_page(&s.host.id, filter, cursor, PAGE_SIZE + 1)
        .await
        .unwrap_or_default();
    let more = list.len() > PAGE_SIZE as usize;
    list.truncate(PAGE_SIZE as usize);
    let next_page = list.last().filter(|_| more).map(|last| {
        format!(
            "?tab={}&type={}&date={}&after={}",
            encode(&tab),
            encode(&type_filter),
            encode(&date_filter),
            encode(&last.cursor())
        )
    });
    let bookings = rows(&state, &s.host, list, locale).await;
    let types = state
        .store
        .meeting_types(&s.host.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let page = BookingsPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        notice: waiting_notice(&state, &s).await,
        tabs: [
            ("upcoming", "Upcoming"),
            ("past", "Past"),
            ("cancelled", "Cancelled"),
        ],
        types,
        type_filter,
        date_filter,
        bookings,
        next_page,
        blocks: state
            .store
            .guest_blocks(&s.host.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(p, _)| p)
            .collect(),
        tab,
        csrf: s.csrf,
    };
    html(&headers, StatusCode::OK, &page)
}

/// Applies a change to a booking from a dashboard form and returns to the list with what
/// happened (the same service, and so the same rules, as `PATCH /api/bookings/{id}`).
async fn change_booking(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    pairs: Vec<(String, String)>,
    body: impl Fn(&Fields) -> Value,
) -> Response {
    let (s, f) = match posted(state, headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let outcome =
        match booking::update(&state.store, &s.host, id, &body(&f), state.clock.now()).await {
            Ok(b) => Ok(format!(
                "The meeting with {} is {} ({}).",
                b.guest_name,
                match b.status {
                    scheduling::BookingStatus::Confirmed => "confirmed",
                    scheduling::BookingStatus::Cancelled => "cancelled",
                    scheduling::BookingStatus::Completed => "marked as held",
                    scheduling::BookingStatus::NoShow => "marked as a no-show",
                },
                when_label(
                    b.start,
                    &host_zone(state, &s.host).await,
                    Locale::from_headers(headers)
                )
            )),
            Err(e) => Err(e),
        };
    let back = if first(&f, "back") == "detail" {
        format!("/dashboard/bookings/{}", encode(id))
    } else {
        "/dashboard/bookings".to_owned()
    };
    tell(state, &s, outcome, &back).await
}

/// Back to the bookings with what happened, or what went wrong.
async fn to_bookings(
    state: &AppState,
    s: &Session,
    outcome: Result<String, ServiceError>,
) -> Response {
    tell(state, s, outcome, "/dashboard/bookings").await
}

/// The bulk form: the ticked bookings (or all from an address or domain), as spam or not.
async fn bulk_cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let ids = f.get("id").cloned().unwrap_or_default();
    let from = first(&f, "from").trim();
    let mut body = json!({"spam": first(&f, "spam") == "yes"});
    if from.is_empty() {
        body["ids"] = json!(ids);
    } else {
        body["from"] = json!(from);
    }
    if !first(&f, "reason").trim().is_empty() {
        body["reason"] = json!(first(&f, "reason"));
    }
    let outcome = async {
        let bulk = spam::BulkCancel::read(&body)?;
        let quiet = bulk.spam;
        let done = spam::cancel_many(&state.store, &s.host, bulk, state.clock.now()).await?;
        Ok(match (done.len(), quiet) {
            (0, _) => "No confirmed bookings matched; nothing was cancelled.".to_owned(),
            (n, true) => format!(
                "Cancelled {n} booking{} as spam. Nobody was emailed; the senders are blocked.",
                if n == 1 { "" } else { "s" }
            ),
            (n, false) => format!(
                "Cancelled {n} booking{}; the guests have been told.",
                if n == 1 { "" } else { "s" }
            ),
        })
    }
    .await;
    to_bookings(&state, &s, outcome).await
}

async fn add_block(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let pattern = first(&f, "pattern");
    let outcome = spam::block(&state.store, &s.host, pattern, state.clock.now())
        .await
        .map(|(pattern, _)| format!("{pattern} can no longer book with you."));
    to_bookings(&state, &s, outcome).await
}

async fn remove_block(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let pattern = first(&f, "pattern");
    let outcome = spam::unblock(&state.store, &s.host, pattern)
        .await
        .map(|()| format!("{} may book with you again.", pattern.trim()));
    to_bookings(&state, &s, outcome).await
}

/// The host's availability settings, or the error page when they cannot be read.
pub(super) async fn host_settings(
    state: &AppState,
    host: &Host,
) -> Result<scheduling::AvailabilitySettings, Response> {
    state.store.availability(&host.id).await.map_err(|e| {
        tracing::error!(error = %e, "cannot load availability settings");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot load your settings",
        )
            .into_response()
    })
}

/// 200 for a clean form, 422 when it is shown again with errors.
pub(super) fn form_status<T>(errors: &[T]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// The host's zone (UTC if the settings cannot be read).
async fn host_zone(state: &AppState, host: &Host) -> Zone {
    state
        .store
        .availability(&host.id)
        .await
        .map_or_else(|_| Zone::parse("UTC").expect("UTC"), |st| st.zone)
}

async fn booking_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    change_booking(&state, &headers, &id, pairs, |f| {
        let mut body = json!({"status": first(f, "status")});
        if !first(f, "reason").trim().is_empty() {
            body["cancelReason"] = json!(first(f, "reason"));
        }
        body
    })
    .await
}

async fn reschedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    change_booking(
        &state,
        &headers,
        &id,
        pairs,
        |f| json!({"startTime": first(f, "start")}),
    )
    .await
}

// ---- availability --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "dash_availability.html")]
struct AvailabilityPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    errors: Vec<String>,
    start: String,
    end: String,
    days: Vec<(&'static str, &'static str, bool)>,
    buffer: String,
    zone_groups: Vec<super::zones::ZoneGroup>,
    /// The saved zone as people say it ("Paris, France"), for the preview.
    zone_place: String,
    notice: String,
    advance: String,
    advanced: bool,
    windows: Vec<(&'static str, &'static str, String)>,
    preview_type: String,
    preview: Vec<String>,
    /// The sites allowed to frame the booking page, one a line.
    embed: String,
    embed_snippet: String,
}

async fn render_availability(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    form: Option<(&Fields, Vec<String>)>,
    flash: Option<String>,
) -> Response {
    let settings = match host_settings(state, &s.host).await {
        Ok(settings) => settings,
        Err(r) => return r,
    };
    let json = settings.to_json();
    let text = |key: &str| {
        json[key]
            .as_str()
            .map_or_else(|| json[key].to_string(), str::to_owned)
    };
    let windows_text = |day: Weekday| {
        settings
            .weekly_hours
            .as_ref()
            .map_or_else(String::new, |w| {
                w.on(day)
                    .iter()
                    .map(|w| format!("{}-{}", w.start, w.end))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
    };
    let (errors, typed) = form.map_or((Vec::new(), None), |(f, e)| (e, Some(f)));
    let pick = |name: &str, stored: String| {
        typed.map_or(stored.clone(), |f| {
            if f.contains_key(name) {
                first(f, name).to_owned()
            } else {
                stored
            }
        })
    };
    let days = Weekday::ALL
        .iter()
        .map(|&d| {
            let on = typed.map_or(settings.working_days[d.index()], |f| {
                f.get("day").is_some_and(|v| v.iter().any(|x| x == d.key()))
            });
            (d.key(), d.name(), on)
        })
        .collect();
    let windows = Weekday::ALL
        .iter()
        .map(|&d| {
            (
                d.key(),
                d.name(),
                pick(&format!("w_{}", d.key()), windows_text(d)),
            )
        })
        .collect();
    // Preview: the next 7 days of the first active meeting type.
    let locale = Locale::from_headers(headers);
    let types = state
        .store
        .meeting_types(&s.host.id)
        .await
        .unwrap_or_default();
    let (preview_type, preview) = match types.iter().find(|m| m.active) {
        Some(m) => {
            let now = state.clock.now();
            let end = now
                .checked_add(jiff::SignedDuration::from_hours(24 * 7))
                .unwrap_or(now);
            let slots = availability::public_slots(
                &state.store,
                &state.cache,
                &s.host.username,
                &m.id,
                Some(now),
                Some(end),
                now,
            )
            .await
            .map(|a| {
                a.slots
                    .iter()
                    .take(40)
                    .map(|sl| when_label(sl.start, &settings.zone, locale))
                    .collect()
            })
            .unwrap_or_default();
            (m.name.clone(), slots)
        }
        None => ("no active meeting type".into(), Vec::new()),
    };
    let page = AvailabilityPage {
        asset_version: &ASSET_VERSION,
        errors,
        start: pick("startTime", text("startTime")),
        end: pick("endTime", text("endTime")),
        days,
        buffer: pick("bufferTime", text("bufferTime")),
        zone_place: super::zones::place(settings.zone.name()),
        zone_groups: super::zones::groups(
            &pick("timezone", text("timezone")),
            state.clock.now(),
            locale,
        ),
        notice: pick("minNotice", text("minNotice")),
        advance: pick("maxAdvance", text("maxAdvance")),
        advanced: settings.weekly_hours.is_some(),
        windows,
        preview_type,
        preview,
        embed: pick("embedOrigins", s.host.embed_origins.replace(' ', "\n")),
        embed_snippet: format!(
            "<iframe src=\"{}/book/{}\" title=\"Book a meeting with {}\" width=\"100%\" height=\"720\" style=\"border:0\"></iframe>",
            public_base(state, headers),
            s.host.username,
            s.host.name
        ),
        csrf: s.csrf,
        flash,
    };
    html(headers, form_status(&page.errors), &page)
}

/// Saves the sites allowed to frame the booking page (one a line).
async fn save_embed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let lines: Vec<String> = first(&f, "embedOrigins")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let patch = json!({ "embedOrigins": lines });
    match host::update_profile(&state.store, &s.host, &patch).await {
        Ok(host) => {
            let flash = if host.embed_origins.is_empty() {
                "Saved. Your booking page can be embedded on this site only.".to_owned()
            } else {
                format!(
                    "Saved. Your booking page can now be embedded on {}.",
                    host.embed_origins.replace(' ', ", ")
                )
            };
            let s = Session {
                host,
                csrf: s.csrf,
                key: s.key,
            };
            render_availability(&state, &headers, s, None, Some(flash)).await
        }
        Err(e) => {
            let errors = problems(e).iter().map(ToString::to_string).collect();
            render_availability(&state, &headers, s, Some((&f, errors)), None).await
        }
    }
}

async fn availability_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session(&state, &headers).await {
        Ok(s) => render_availability(&state, &headers, s, None, None).await,
        Err(r) => r,
    }
}

/// The settings patch from the form; the windows editor becomes `weeklyHours` (or `null`).
fn availability_patch(f: &Fields) -> Result<Value, Vec<String>> {
    let number = |name: &str| {
        first(f, name)
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Value::String(first(f, name).to_owned()), Value::from)
    };
    let mut working = Map::new();
    let chosen = f.get("day").cloned().unwrap_or_default();
    for d in Weekday::ALL {
        working.insert(
            d.key().into(),
            Value::Bool(chosen.iter().any(|x| x == d.key())),
        );
    }
    let mut weekly = Map::new();
    let mut errors = Vec::new();
    for d in Weekday::ALL {
        let line = first(f, &format!("w_{}", d.key())).trim().to_owned();
        if line.is_empty() {
            continue;
        }
        let mut list = Vec::new();
        for part in line.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('-') {
                Some((a, b)) => list.push(json!([a.trim(), b.trim()])),
                None => errors.push(format!("{}: write windows as 09:00-12:00", d.name())),
            }
        }
        weekly.insert(d.key().into(), Value::Array(list));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(json!({
        "startTime": first(f, "startTime"),
        "endTime": first(f, "endTime"),
        "workingDays": working,
        "bufferTime": number("bufferTime"),
        "timezone": first(f, "timezone").trim(),
        "minNotice": number("minNotice"),
        "maxAdvance": number("maxAdvance"),
        "weeklyHours": if weekly.is_empty() { Value::Null } else { Value::Object(weekly) },
    }))
}

async fn save_availability(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let saved = match availability_patch(&f) {
        Ok(patch) => host::update_availability(&state.store, &s.host, &patch, state.clock.now())
            .await
            .map_err(|e| problems(e).iter().map(ToString::to_string).collect()),
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(_) => {
            render_availability(
                &state,
                &headers,
                s,
                None,
                Some("Saved. Your booking page shows the new hours now.".into()),
            )
            .await
        }
        Err(errors) => render_availability(&state, &headers, s, Some((&f, errors)), None).await,
    }
}
