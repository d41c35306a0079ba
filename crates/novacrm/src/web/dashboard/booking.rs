//! One booking as its host sees it: the detail page (every answer the guest gave, the contact,
//! the time in both zones, its history), cancelling with a confirmation step and a reason,
//! moving it with the calendar guests use (the whole horizon, real free times) and a
//! confirmation.

use crate::format::Locale;
use crate::format::{span_label, when_label};
use crate::store::{BookingRecord, MeetingTypeRecord};
use crate::web::dashboard::kit::Notice;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::answers_of;
use crate::web::dashboard::kit::host_settings;
use crate::web::dashboard::kit::status_label;
use crate::web::dashboard::kit::waiting_notice;
use crate::web::guest::widgets::CalendarMode;
use crate::web::guest::widgets::CalendarQuery;
use crate::web::guest::widgets::render_calendar;
use crate::web::reader::Reader;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::HTML;
use crate::web::shell::encode;
use crate::web::shell::html;
use crate::web::shell::or_return;
use crate::web::shell::respond;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use scheduling::{BookingStatus, Instant, Zone};

/// The host's booking with its meeting type, or the page to show instead.
async fn own_booking(
    state: &AppState,
    s: &Session,
    id: &str,
) -> Result<(BookingRecord, Option<MeetingTypeRecord>), Response> {
    let booking = state
        .store
        .booking_by_id(id)
        .await
        .ok()
        .flatten()
        .filter(|b| b.host_id == s.host.id)
        .ok_or_else(|| {
            (
                StatusCode::NOT_FOUND,
                "There is no such booking. It may belong to another account.",
            )
                .into_response()
        })?;
    let meeting = state
        .store
        .meeting_type(&s.host.id, &booking.meeting_type_id)
        .await
        .ok()
        .flatten();
    Ok((booking, meeting))
}

#[derive(Template)]
#[template(path = "dash_booking.html")]
struct DetailPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    notice: Option<Notice>,
    id: String,
    title: String,
    status: &'static str,
    when: String,
    guest_when: Option<String>,
    location: Option<String>,
    link: Option<String>,
    guest: String,
    email: String,
    phone: Option<String>,
    company: Option<String>,
    contact_id: Option<String>,
    notes: Option<String>,
    answers: Vec<(String, String)>,
    history: Vec<String>,
    confirmed: bool,
    /// A request waiting for the host's answer.
    pending: bool,
    /// When the request expires unless answered.
    expires: Option<String>,
    /// A seated session's guests: booking id, name, email (empty for other types).
    attendees: Vec<(String, String, String)>,
    seats: Option<u32>,
    started: bool,
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (b, meeting) = or_return!(own_booking(&state, &s, &id).await);
    let zone = or_return!(host_settings(&state, &s.host).await).zone;
    let locale = Locale::from_headers(&headers);
    let guest_zone = Zone::parse(&b.timezone)
        .ok()
        .filter(|g| g.name() != zone.name());
    let type_name = meeting.as_ref().map_or("Meeting", |m| m.name.as_str());
    let mut history = vec![format!(
        "Booked {}",
        when_label(b.created_at, &zone, locale)
    )];
    if b.reschedule_count > 0 {
        history.push(format!(
            "Moved {} time{}",
            b.reschedule_count,
            if b.reschedule_count == 1 { "" } else { "s" }
        ));
    }
    if let (BookingStatus::Cancelled, Some(at)) = (b.status, b.cancelled_at) {
        let by = match b.cancelled_by {
            Some(crate::store::Actor::Guest) => " by the guest",
            Some(crate::store::Actor::Host) => " by you",
            _ => "",
        };
        history.push(format!(
            "Cancelled{by} {}{}",
            when_label(at, &zone, locale),
            b.cancel_reason
                .as_deref()
                .map(|r| format!(": “{r}”"))
                .unwrap_or_default()
        ));
    }
    let seats = meeting.as_ref().and_then(|m| m.policy.seats);
    let attendees = if seats.is_some() {
        let filter = crate::store::BookingFilter {
            not_cancelled: true,
            from: Some(b.start),
            to: Some(b.start.plus_millis(1)),
            meeting_type: Some(b.meeting_type_id.clone()),
            ..Default::default()
        };
        let session = state
            .store
            .bookings_page(&s.host.id, filter, None, 1000)
            .await;
        session
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.status.holds_time())
            .map(|a| (a.id, a.guest_name, a.guest_email))
            .collect()
    } else {
        Vec::new()
    };
    let expires = meeting
        .as_ref()
        .filter(|_| b.status == BookingStatus::Pending)
        .map(|m| when_label(m.offer.pending_expiry(b.created_at, b.start), &zone, locale));
    let page = DetailPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        notice: waiting_notice(&state, &s).await,
        pending: b.status == BookingStatus::Pending,
        expires,
        attendees,
        seats,
        title: format!("{type_name} with {}", b.guest_name),
        status: status_label(b.status),
        when: span_label(b.start, b.end, &zone, locale),
        guest_when: guest_zone.map(|g| span_label(b.start, b.end, &g, Locale::for_zone(&g))),
        location: meeting
            .as_ref()
            .and_then(|m| m.location.as_ref())
            .map(|l| l.describe(&s.host.name, b.guest_phone.as_deref())),
        link: b.meeting_link.clone(),
        answers: meeting
            .as_ref()
            .map(|m| answers_of(m, &b))
            .unwrap_or_default(),
        confirmed: b.status == BookingStatus::Confirmed,
        started: b.start <= Instant::from(state.clock.now()),
        guest: b.guest_name,
        email: b.guest_email,
        phone: b.guest_phone,
        company: b.guest_company,
        contact_id: b.contact_id,
        notes: b.meeting_notes,
        history,
        id: b.id,
        csrf: s.csrf,
    };
    html(&headers, StatusCode::OK, &page)
}

/// A yes-or-no step before a change: what will happen, and the button that does it.
#[derive(Template)]
#[template(path = "dash_confirm.html")]
struct ConfirmPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    title: String,
    lines: Vec<(String, bool)>,
    action: String,
    hidden: Vec<(&'static str, String)>,
    reason: bool,
    button: &'static str,
    danger: bool,
    back: String,
    keep: &'static str,
}

pub(crate) async fn cancel_step(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (b, meeting) = or_return!(own_booking(&state, &s, &id).await);
    if b.status != BookingStatus::Confirmed {
        return Redirect::to(&format!("/dashboard/bookings/{}", encode(&b.id))).into_response();
    }
    let zone = or_return!(host_settings(&state, &s.host).await).zone;
    let locale = Locale::from_headers(&headers);
    let type_name = meeting.as_ref().map_or("Meeting", |m| m.name.as_str());
    let page = ConfirmPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        title: format!("Cancel the meeting with {}?", b.guest_name),
        lines: vec![
            (format!("{type_name} with {}", b.guest_name), true),
            (span_label(b.start, b.end, &zone, locale), false),
            (
                format!(
                    "{} is emailed that you cancelled, with your reason.",
                    b.guest_name
                ),
                false,
            ),
        ],
        action: format!("/dashboard/bookings/{}", encode(&b.id)),
        hidden: vec![("status", "CANCELLED".into()), ("back", "detail".into())],
        reason: true,
        button: "Cancel meeting",
        danger: true,
        back: format!("/dashboard/bookings/{}", encode(&b.id)),
        keep: "Keep it",
        csrf: s.csrf,
    };
    html(&headers, StatusCode::OK, &page)
}

/// The guests' calendar, for moving a booking: the type's real free times over the whole
/// horizon, in the host's zone unless another is picked.
pub(crate) async fn reschedule_picker(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(mut query): Query<CalendarQuery>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let (b, _) = or_return!(own_booking(&state, &s, &id).await);
    let zone = or_return!(host_settings(&state, &s.host).await).zone;
    if b.status != BookingStatus::Confirmed {
        return Redirect::to(&format!("/dashboard/bookings/{}", encode(&b.id))).into_response();
    }
    if query.tz.is_none() {
        query.tz = Some(zone.name().to_owned());
    }
    // A move keeps the booked length.
    query.duration = Some(b.minutes().to_string());
    let locale = Locale::from_headers(&headers);
    let mode = CalendarMode {
        slot_base: format!("/dashboard/bookings/{}/move", encode(&b.id)),
        back_href: format!("/dashboard/bookings/{}", encode(&b.id)),
        back_label: "Back to the booking".into(),
        heading: Some(format!("Move the meeting with {}", b.guest_name)),
        note: Some(format!(
            "Now: {}. {} is emailed the new time once you confirm it.",
            span_label(b.start, b.end, &zone, locale),
            b.guest_name
        )),
        pick_length: false,
    };
    let reader = Reader::of(&uri, &headers);
    match render_calendar(
        &state,
        &s.host.username,
        &b.meeting_type_id,
        &query,
        &reader,
        &headers,
        mode,
    )
    .await
    {
        Ok((body, gzip)) => respond(StatusCode::OK, body, gzip, HTML),
        Err(response) => response,
    }
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct MoveQuery {
    start: Option<String>,
    tz: Option<String>,
}

pub(crate) async fn move_step(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    Query(query): Query<MoveQuery>,
    headers: HeaderMap,
) -> Response {
    let (b, meeting) = or_return!(own_booking(&state, &s, &id).await);
    let zone = or_return!(host_settings(&state, &s.host).await).zone;
    let picker = format!("/dashboard/bookings/{}/reschedule", encode(&b.id));
    let Some(start) = query
        .start
        .as_deref()
        .and_then(|t| Instant::parse_timestamp(t).ok())
        .map(Instant::from)
    else {
        return Redirect::to(&picker).into_response();
    };
    let shown = query
        .tz
        .as_deref()
        .and_then(|t| Zone::parse(t).ok())
        .unwrap_or(zone);
    let locale = Locale::from_headers(&headers);
    let type_name = meeting.as_ref().map_or("Meeting", |m| m.name.as_str());
    let end = start.plus_millis(b.end.as_millis() - b.start.as_millis());
    let page = ConfirmPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        title: format!("Move the meeting with {}?", b.guest_name),
        lines: vec![
            (format!("{type_name} with {}", b.guest_name), true),
            (
                format!("From {}", span_label(b.start, b.end, &shown, locale)),
                false,
            ),
            (
                format!("To {}", span_label(start, end, &shown, locale)),
                true,
            ),
        ],
        action: picker.clone(),
        hidden: vec![("start", start.to_string()), ("back", "detail".into())],
        reason: false,
        button: "Move meeting",
        danger: false,
        back: picker,
        keep: "Pick another time",
        csrf: s.csrf,
    };
    html(&headers, StatusCode::OK, &page)
}
