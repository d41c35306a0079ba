//! What every dashboard page shares: the session of the logged-in host, the notice shown after
//! an action, reading posted forms (with their CSRF check), and the host's settings and zone.

use crate::format::Locale;
use crate::format::when_label;
use crate::services::ServiceError;
use crate::store::Host;
use crate::web::cookie::session_cookie;
use crate::web::csrf::csrf_for;
use crate::web::form::Fields;
use crate::web::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, RawForm, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use scheduling::{BookingStatus, FieldError, Instant, Zone};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;

pub(crate) struct Session {
    pub(crate) host: Host,
    pub(crate) csrf: String,
    /// The hash of the session's cookie: what its waiting message is filed under.
    pub(crate) key: String,
}

/// The logged-in host, or a redirect to the login page.
async fn session(state: &AppState, headers: &HeaderMap) -> Result<Session, Response> {
    let to_login = || Redirect::to("/dashboard/login").into_response();
    let token = session_cookie(headers).ok_or_else(to_login)?;
    let now = Instant::from(state.clock.now());
    let key = crate::crypto::token_hash(token);
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
pub(crate) struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoticeKind {
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
            Err(
                ServiceError::Conflict(m)
                | ServiceError::NotFound(m)
                | ServiceError::Refused { message: m, .. },
            ) => Self {
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
pub(crate) async fn tell(
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
pub(crate) async fn waiting_notice(state: &AppState, s: &Session) -> Option<Notice> {
    let (kind, text) = state.store.take_flash(&s.key).await.ok().flatten()?;
    let kind = match kind.as_str() {
        "done" => NoticeKind::Done,
        "problem" => NoticeKind::Problem,
        _ => NoticeKind::Info,
    };
    Some(Notice { kind, text })
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        session(state, &parts.headers).await
    }
}

/// A posted dashboard form: the logged-in host and the form read as `T` (a struct of its
/// fields, or [`Fields`] when they are not known ahead), once its CSRF token has matched.
/// Logged out, the answer is the login page; a stale token, a 403 that says what to do.
pub(crate) struct Posted<T = Fields>(pub Session, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        #[derive(Deserialize)]
        struct Token {
            #[serde(default)]
            csrf: String,
        }
        let (mut parts, body) = request.into_parts();
        let s = Session::from_request_parts(&mut parts, state).await?;
        let RawForm(bytes) = RawForm::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let token = serde_urlencoded::from_bytes::<Token>(&bytes)
            .map_or_else(|_| String::new(), |t| t.csrf);
        if token != s.csrf {
            let message = "This form has expired. Go back, reload the page and try again.";
            return Err((StatusCode::FORBIDDEN, message).into_response());
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            let message =
                format!("This form could not be read ({e}). Reload the page and try again.");
            (StatusCode::BAD_REQUEST, message).into_response()
        })?;
        Ok(Posted(s, form))
    }
}

pub(crate) fn set_cookie(response: &mut Response, value: &str, max_age: i64) {
    let value = crate::web::cookie::session_set_cookie(value, max_age);
    response.headers_mut().append(header::SET_COOKIE, value);
}

pub(crate) fn problems(e: ServiceError) -> Vec<FieldError> {
    match e {
        ServiceError::Invalid(errors) => errors,
        ServiceError::Conflict(m) => vec![FieldError::new("username", m)],
        ServiceError::Refused { message, .. } => vec![FieldError::new("startTime", message)],
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

// ---- home and bookings --------------------------------------------------------------------

pub(crate) struct BookingRow {
    pub(crate) id: String,
    pub(crate) when: String,
    pub(crate) type_name: String,
    pub(crate) guest: String,
    pub(crate) email: String,
    pub(crate) phone: Option<String>,
    pub(crate) company: Option<String>,
    pub(crate) notes: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) confirmed: bool,
    /// Begun already: only then can it be marked held or a no-show.
    pub(crate) started: bool,
    pub(crate) contact_id: Option<String>,
    pub(crate) zone_label: String,
}

pub(crate) async fn rows(
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
            zone_label: crate::web::guest::zones::zone_label(&zone, b.start.to_timestamp()),
            id: b.id,
        });
    }
    out
}

/// A status as the host reads it.
/// The host's meeting types as (id, name), in the host's order (a list or a week names each
/// booking's type).
pub(crate) async fn type_names(state: &AppState, host: &Host) -> Vec<(String, String)> {
    let types = state.store.meeting_types(&host.id).await;
    types
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect()
}

pub(crate) fn status_label(status: BookingStatus) -> &'static str {
    match status {
        BookingStatus::Confirmed => "Confirmed",
        BookingStatus::Cancelled => "Cancelled",
        BookingStatus::Completed => "Held",
        BookingStatus::NoShow => "No-show",
        BookingStatus::Pending => "Awaiting approval",
        BookingStatus::Rejected => "Declined",
        BookingStatus::Expired => "Expired",
    }
}

/// The guest's answers under their question's label, in the question's order.
pub(crate) fn answers_of(
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

/// The host's availability settings, or the error page when they cannot be read.
pub(crate) async fn host_settings(
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
pub(crate) fn form_status<T>(errors: &[T]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// The host's zone (UTC if the settings cannot be read).
pub(crate) async fn host_zone(state: &AppState, host: &Host) -> Zone {
    state
        .store
        .availability(&host.id)
        .await
        .map_or_else(|_| Zone::parse("UTC").expect("UTC"), |st| st.zone)
}
