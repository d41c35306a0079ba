//! The guest's own booking page, reached without logging in through the private link in
//! every email: `/booking/{token}` shows the booking as it is now (booked, moved, cancelled
//! and by whom, or passed), with Cancel and Reschedule.
//!
//! Opening any of these links never changes anything — mail scanners open links. Only the
//! buttons' POSTs do, each with a double-submit form token; the rules (cut-off, a meeting
//! that started, the slot check) are the booking service's, the same as the host's API.
//!
//! The pages speak the guest's language (`Reader`); a refusal the booking service words
//! (a conflict, a field error, a throttle) stays in English.

use askama::Template;
use axum::Router;
use axum::extract::Form;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use scheduling::{BookingStatus, Instant, Zone, reminders};
use serde_json::json;

use crate::format::when_label;
use crate::i18n::Arg;
use crate::i18n::Lang;
use crate::services::ServiceError;
use crate::services::booking::{self, GuestAction};
use crate::store::Actor;
use crate::web::csrf::form_token;
use crate::web::csrf::form_token_matches;
use crate::web::form::Fields;
use crate::web::guest::widgets::CalendarMode;
use crate::web::guest::widgets::CalendarQuery;
use crate::web::guest::widgets::GuestBooking;
use crate::web::guest::widgets::guest_booking;
use crate::web::guest::widgets::location_text;
use crate::web::guest::widgets::render_calendar;
use crate::web::reader::Reader;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::HTML;
use crate::web::shell::encode;
use crate::web::shell::html;
use crate::web::shell::not_found_for;
use crate::web::shell::respond;
use crate::web::state::AppState;

/// The guest forms' double-submit cookie (scoped to these pages).
const GUEST_FORM_COOKIE: &str = "novacrm_guest_form";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/booking/{token}", get(booking_page))
        .route("/booking/{token}/cancel", post(cancel))
        .route(
            "/booking/{token}/reschedule",
            get(reschedule_page).post(reschedule),
        )
        .route(
            "/booking/{token}/invite.ics",
            get(crate::web::guest::ics::download),
        )
}

/// The 404 for a token we do not know.
fn unknown(reader: &Reader, headers: &HeaderMap) -> Response {
    not_found_for(reader, headers, &reader.lang.msg("booking-unknown"))
}

#[derive(Template)]
#[template(path = "booking_manage.html")]
struct ManagePage<'a> {
    asset_version: &'a str,
    t: Lang,
    reader: &'a Reader,
    title: String,
    token: &'a str,
    csrf: &'a str,
    state: &'static str,
    heading: String,
    flash: Option<String>,
    error: Option<String>,
    host_name: &'a str,
    type_name: &'a str,
    duration: i64,
    message: Option<String>,
    location: Option<String>,
    link: Option<String>,
    guest_when: String,
    guest_zone: &'a str,
    host_when: String,
    host_zone: &'a str,
    same_zone: bool,
    cancelled_line: Option<String>,
    reason: Option<String>,
    can_change: bool,
    /// A pending request the guest may still withdraw.
    can_withdraw: bool,
    closed_reason: Option<String>,
    book_again: String,
    google_url: String,
    outlook_url: String,
    /// Embedded, right after booking: what the page tells the parent site (JSON).
    announce: Option<String>,
}

/// The "flash" of the page a booking lands on: no message (the heading says it), but an
/// embedded page announces the booking to its parent.
const JUST_BOOKED: &str = "just-booked";

#[derive(Debug, serde::Deserialize)]
struct ManageQuery {
    done: Option<String>,
}

fn utc_basic(at: Instant) -> String {
    at.to_timestamp().strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Renders the booking page as it is now, with an optional message (its id) after an
/// action, or the error of a refused one.
fn render_manage(
    state: &AppState,
    reader: &Reader,
    headers: &HeaderMap,
    status: StatusCode,
    found: &GuestBooking,
    flash: Option<&'static str>,
    error: Option<String>,
) -> Response {
    let GuestBooking {
        booking: b,
        host,
        meeting,
        host_zone,
    } = found;
    let (t, locale) = (reader.lang, reader.locale);
    // Also the answer to a refused POST: the switcher leads back to the page itself.
    let token = b.guest_token.as_deref().unwrap_or_default();
    let reader = &reader.at(&format!("/booking/{token}"));
    let guest_zone = Zone::parse(&b.timezone).unwrap_or_else(|_| host_zone.clone());
    let now = Instant::from(state.clock.now());
    let passed = now >= b.start;
    let (state_name, heading) = match b.status {
        BookingStatus::Cancelled => ("cancelled", "manage-cancelled"),
        BookingStatus::Pending => ("pending", "manage-pending"),
        BookingStatus::Rejected => ("closed", "manage-rejected"),
        BookingStatus::Expired => ("closed", "manage-expired"),
        BookingStatus::Completed | BookingStatus::NoShow => ("passed", "manage-passed"),
        BookingStatus::Confirmed if passed => ("passed", "manage-passed"),
        BookingStatus::Confirmed if b.reschedule_count > 0 => ("moved", "manage-moved"),
        BookingStatus::Confirmed => ("booked", "manage-booked"),
    };
    let heading = t.msg(heading);
    // Before the meeting, the only reason left is the cut-off (said in the guest's words).
    let closed_reason = (b.status == BookingStatus::Confirmed && !passed)
        .then(|| reminders::guest_may_change(b.start, now, meeting.guest_cutoff_hours).err())
        .flatten()
        .map(|_| t.msg1("changes-closed", "hours", &meeting.guest_cutoff_hours));
    let can_change = b.status == BookingStatus::Confirmed && !passed && closed_reason.is_none();
    let cancelled_line = (b.status == BookingStatus::Cancelled).then(|| {
        let who = match b.cancelled_by {
            Some(Actor::Guest) => "guest",
            Some(Actor::Host) => "host",
            _ => "system",
        };
        let mut args: Vec<(&'static str, &dyn Arg)> =
            vec![("who", &who as &dyn Arg), ("host", &host.name as &dyn Arg)];
        let when = b.cancelled_at.map(|at| when_label(at, &guest_zone, locale));
        match &when {
            Some(when) => {
                args.push(("when", when as &dyn Arg));
                t.msg_args("cancelled-by-on", &args)
            }
            None => t.msg_args("cancelled-by", &args),
        }
    });
    let title = t.msg2("type-with-host", "type", &meeting.name, "host", &host.name);
    let details = b.meeting_notes.clone().unwrap_or_default();
    let (csrf, set_cookie) = form_token(headers, GUEST_FORM_COOKIE, "/booking");
    let place = meeting
        .location
        .as_ref()
        .map(|l| l.for_booking(b.meeting_link.as_deref()));
    let page = ManagePage {
        asset_version: &ASSET_VERSION,
        t,
        reader,
        title: t.msg_args(
            "manage-title",
            &[
                ("heading", &heading as &dyn Arg),
                ("type", &meeting.name as &dyn Arg),
                ("host", &host.name as &dyn Arg),
            ],
        ),
        token,
        csrf: &csrf,
        state: state_name,
        heading,
        flash: flash.filter(|id| *id != JUST_BOOKED).map(|id| t.msg(id)),
        announce: (flash == Some(JUST_BOOKED)
            && reader.embedded
            && b.status == BookingStatus::Confirmed)
            .then(|| {
                json!({"bookingId": b.id, "start": b.start.to_string(), "end": b.end.to_string(),
                       "meetingTypeId": b.meeting_type_id})
                .to_string()
            }),
        error,
        host_name: &host.name,
        type_name: &meeting.name,
        duration: b.minutes(),
        message: match b.status {
            BookingStatus::Pending => Some(t.msg1("pending-line", "host", &host.name)),
            BookingStatus::Rejected => Some(t.msg1("rejected-line", "host", &host.name)),
            BookingStatus::Expired => Some(t.msg1("expired-line", "host", &host.name)),
            _ => (state_name == "booked")
                .then(|| meeting.confirmation_message.clone())
                .flatten(),
        },
        location: place
            .as_ref()
            .map(|l| location_text(l, &host.name, b.guest_phone.as_deref(), t)),
        link: place.as_ref().and_then(|l| l.url()).map(str::to_owned),
        guest_when: when_label(b.start, &guest_zone, locale),
        guest_zone: guest_zone.name(),
        host_when: when_label(b.start, host_zone, locale),
        host_zone: host_zone.name(),
        same_zone: guest_zone.name() == host_zone.name(),
        cancelled_line,
        reason: b.cancel_reason.clone(),
        can_change,
        can_withdraw: b.status == BookingStatus::Pending && !passed,
        closed_reason,
        book_again: format!(
            "/book/{}/{}{}",
            host.username,
            meeting.id,
            reader.carry_alone()
        ),
        google_url: format!(
            "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={}/{}&details={}",
            encode(&title),
            utc_basic(b.start),
            utc_basic(b.end),
            encode(&details)
        ),
        outlook_url: format!(
            "https://outlook.live.com/calendar/0/deeplink/compose?subject={}&startdt={}&enddt={}&body={}",
            encode(&title),
            encode(&b.start.to_string()),
            encode(&b.end.to_string()),
            encode(&details)
        ),
    };
    let mut response =
        crate::web::shell::framable(html(headers, status, &page), &host.embed_origins);
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

async fn booking_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<ManageQuery>,
    reader: Reader,
    headers: HeaderMap,
) -> Response {
    let Some(found) = guest_booking(&state, &token).await else {
        return unknown(&reader, &headers);
    };
    // Only fixed messages: nothing from the URL is shown as text.
    let flash = match query.done.as_deref() {
        Some("cancelled") => Some("flash-cancelled"),
        Some("moved") => Some("flash-moved"),
        Some("booked") => Some(JUST_BOOKED),
        _ => None,
    };
    render_manage(
        &state,
        &reader,
        &headers,
        StatusCode::OK,
        &found,
        flash,
        None,
    )
}

/// Runs a guest action and answers: back to the booking page with a fixed message, or the
/// page again with the reason it was refused.
async fn act(
    state: &AppState,
    reader: &Reader,
    headers: &HeaderMap,
    token: &str,
    fields: &Fields,
    action: GuestAction,
    done: &str,
) -> Response {
    let Some(found) = guest_booking(state, token).await else {
        return unknown(reader, headers);
    };
    if !form_token_matches(headers, GUEST_FORM_COOKIE, fields.first("csrf")) {
        return render_manage(
            state,
            reader,
            headers,
            StatusCode::FORBIDDEN,
            &found,
            None,
            Some(reader.lang.msg("form-expired")),
        );
    }
    let result = booking::guest_change(&state.store, token, action, None, state.clock.now()).await;
    let refused = |status, message: String| async move {
        let fresh = guest_booking(state, token).await;
        render_manage(
            state,
            reader,
            headers,
            status,
            fresh.as_ref().unwrap_or(&found),
            None,
            Some(message),
        )
    };
    match result {
        Ok(_) => {
            Redirect::to(&format!("/booking/{token}?done={done}{}", reader.carry())).into_response()
        }
        Err(ServiceError::Conflict(message) | ServiceError::Refused { message, .. }) => {
            refused(StatusCode::CONFLICT, message).await
        }
        Err(ServiceError::Invalid(errors)) => {
            let message = errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" ");
            refused(StatusCode::UNPROCESSABLE_ENTITY, message).await
        }
        Err(ServiceError::NotFound(_)) => unknown(reader, headers),
        Err(ServiceError::Throttled { message, .. }) => {
            refused(StatusCode::TOO_MANY_REQUESTS, message).await
        }
        Err(ServiceError::Store(e)) => {
            tracing::error!(error = %e, "a guest's change failed");
            refused(
                StatusCode::SERVICE_UNAVAILABLE,
                reader.lang.msg("error-ours"),
            )
            .await
        }
    }
}

async fn cancel(
    State(state): State<AppState>,
    Path(token): Path<String>,
    reader: Reader,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let reason = fields.first("reason").trim();
    let reason = (!reason.is_empty()).then(|| reason.chars().take(1000).collect::<String>());
    act(
        &state,
        &reader,
        &headers,
        &token,
        &fields,
        GuestAction::Cancel { reason },
        "cancelled",
    )
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
struct RescheduleQuery {
    start: Option<String>,
    tz: Option<String>,
    month: Option<String>,
    date: Option<String>,
    taken: Option<String>,
}

#[derive(Template)]
#[template(path = "booking_move.html")]
struct MovePage<'a> {
    asset_version: &'a str,
    t: Lang,
    reader: &'a Reader,
    token: &'a str,
    csrf: &'a str,
    zone: &'a str,
    start: String,
    type_name: &'a str,
    host_name: &'a str,
    old_when: String,
    new_when: String,
}

/// Without `start`: the type's calendar, in the guest's zone. With `start`: "Move to …?"
/// with the button that does it.
async fn reschedule_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<RescheduleQuery>,
    reader: Reader,
    headers: HeaderMap,
) -> Response {
    let Some(found) = guest_booking(&state, &token).await else {
        return unknown(&reader, &headers);
    };
    let b = &found.booking;
    let now = Instant::from(state.clock.now());
    let allowed = b.status == BookingStatus::Confirmed
        && reminders::guest_may_change(b.start, now, found.meeting.guest_cutoff_hours).is_ok();
    if !allowed {
        return Redirect::to(&format!("/booking/{token}{}", reader.carry_alone())).into_response();
    }
    let tz = query.tz.clone().or_else(|| Some(b.timezone.clone()));
    let zone = tz
        .as_deref()
        .and_then(|t| Zone::parse(t).ok())
        .unwrap_or_else(|| found.host_zone.clone());
    let (t, locale) = (reader.lang, reader.locale);
    if let Some(start) = query
        .start
        .as_deref()
        .and_then(|s| Instant::parse_timestamp(s).ok())
        .map(Instant::from)
    {
        let (csrf, set_cookie) = form_token(&headers, GUEST_FORM_COOKIE, "/booking");
        let page = MovePage {
            asset_version: &ASSET_VERSION,
            t,
            reader: &reader,
            token: &token,
            csrf: &csrf,
            zone: zone.name(),
            start: start.to_string(),
            type_name: &found.meeting.name,
            host_name: &found.host.name,
            old_when: when_label(b.start, &zone, locale),
            new_when: when_label(start, &zone, locale),
        };
        let mut response = html(&headers, StatusCode::OK, &page);
        if let Some(cookie) = set_cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        return response;
    }
    let calendar_query = CalendarQuery {
        tz,
        month: query.month,
        date: query.date,
        taken: query.taken,
        duration: Some(b.minutes().to_string()),
    };
    let mode = CalendarMode {
        slot_base: format!("/booking/{token}/reschedule"),
        back_href: format!("/booking/{token}{}", reader.carry_alone()),
        back_label: t.msg("back-your-booking"),
        heading: Some(t.msg1("move-heading", "type", &found.meeting.name)),
        note: Some(t.msg2(
            "move-note",
            "when",
            &when_label(b.start, &zone, locale),
            "zone",
            zone.name(),
        )),
        pick_length: false,
    };
    match render_calendar(
        &state,
        &found.host.username,
        &found.meeting.id,
        &calendar_query,
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

async fn reschedule(
    State(state): State<AppState>,
    Path(token): Path<String>,
    reader: Reader,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let Some(start) = Instant::parse_timestamp(fields.first("start"))
        .ok()
        .map(Instant::from)
    else {
        return Redirect::to(&format!(
            "/booking/{token}/reschedule{}",
            reader.carry_alone()
        ))
        .into_response();
    };
    let response = act(
        &state,
        &reader,
        &headers,
        &token,
        &fields,
        GuestAction::Reschedule { start },
        "moved",
    )
    .await;
    // A time taken meanwhile (not a closed cut-off): back to the times, saying so.
    let now = Instant::from(state.clock.now());
    if response.status() == StatusCode::CONFLICT
        && let Some(found) = guest_booking(&state, &token).await
        && found.booking.status == BookingStatus::Confirmed
        && found.booking.start != start
        && reminders::guest_may_change(found.booking.start, now, found.meeting.guest_cutoff_hours)
            .is_ok()
        && reminders::guest_may_change(start, now, found.meeting.guest_cutoff_hours).is_ok()
    {
        let tz = encode(fields.first("tz"));
        return Redirect::to(&format!(
            "/booking/{token}/reschedule?tz={tz}&taken=1{}#times",
            reader.carry()
        ))
        .into_response();
    }
    response
}
