//! One booking as its host sees it: the detail page (every answer the guest gave, the contact,
//! the time in both zones, its history), cancelling with a confirmation step and a reason,
//! moving it with the calendar guests use (the whole horizon, real free times) and a
//! confirmation; and the week calendar of the host's bookings.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use scheduling::{BookingStatus, Instant, Zone};

use super::dashboard::{
    Notice, Session, answers_of, host_settings, session, status_label, waiting_notice,
};
use super::guest::{CalendarMode, CalendarQuery, render_calendar};
use super::{ASSET_VERSION, HTML, Locale, Reader, encode, html, respond};
use crate::format::{span_label, when_label};
use crate::store::{BookingFilter, BookingRecord, MeetingTypeRecord};
use crate::web::AppState;

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
    started: bool,
}

pub(super) async fn detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let s = or_return!(session(&state, &headers).await);
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
    let page = DetailPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        notice: waiting_notice(&state, &s).await,
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

pub(super) async fn cancel_step(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let s = or_return!(session(&state, &headers).await);
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
pub(super) async fn reschedule_picker(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(mut query): Query<CalendarQuery>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let s = or_return!(session(&state, &headers).await);
    let (b, _) = or_return!(own_booking(&state, &s, &id).await);
    let zone = or_return!(host_settings(&state, &s.host).await).zone;
    if b.status != BookingStatus::Confirmed {
        return Redirect::to(&format!("/dashboard/bookings/{}", encode(&b.id))).into_response();
    }
    if query.tz.is_none() {
        query.tz = Some(zone.name().to_owned());
    }
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
pub(super) struct MoveQuery {
    start: Option<String>,
    tz: Option<String>,
}

pub(super) async fn move_step(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<MoveQuery>,
    headers: HeaderMap,
) -> Response {
    let s = or_return!(session(&state, &headers).await);
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

// ---- the week -----------------------------------------------------------------------------

struct WeekEvent {
    id: String,
    /// `top`/`height` of the block within its day, in percent of the hours shown.
    style: String,
    time: String,
    title: String,
    status: &'static str,
}

struct WeekDay {
    label: String,
    short: String,
    today: bool,
    events: Vec<WeekEvent>,
}

#[derive(Template)]
#[template(path = "dash_week.html")]
struct WeekPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    heading: String,
    relative: Option<&'static str>,
    zone_label: String,
    prev: String,
    next: String,
    this_week: Option<String>,
    hours: Vec<String>,
    days: Vec<WeekDay>,
    total: usize,
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct WeekQuery {
    week: Option<String>,
}

/// "This week", "Next week", "Last week": the week holding `first` next to today's.
fn week_relation(first: Date, this_first: Date) -> Option<&'static str> {
    match first.since(this_first).ok()?.get_days() {
        0 => Some("This week"),
        7 => Some("Next week"),
        -7 => Some("Last week"),
        _ => None,
    }
}

pub(super) async fn week(
    State(state): State<AppState>,
    Query(query): Query<WeekQuery>,
    headers: HeaderMap,
) -> Response {
    let s = or_return!(session(&state, &headers).await);
    let settings = or_return!(host_settings(&state, &s.host).await);
    let zone = settings.zone.clone();
    let tz = zone.time_zone().clone();
    let locale = Locale::from_headers(&headers);
    let now = state.clock.now();
    let today = now.to_zoned_datetime(tz.clone()).date();
    let week_start = |d: Date| {
        let back = if locale.sunday_first {
            d.weekday().to_sunday_zero_offset()
        } else {
            d.weekday().to_monday_zero_offset()
        };
        d.checked_sub(jiff::Span::new().days(i64::from(back)))
            .unwrap_or(d)
    };
    let this_first = week_start(today);
    let first = query
        .week
        .as_deref()
        .and_then(|w| w.parse::<Date>().ok())
        .map_or(this_first, week_start);
    let dates: Vec<Date> = (0..7)
        .filter_map(|i| first.checked_add(jiff::Span::new().days(i)).ok())
        .collect();
    let instant_of = |d: Date| {
        d.to_zoned_datetime(tz.clone())
            .ok()
            .map(|z| Instant::from(z.timestamp()))
    };
    let (Some(from), Some(to)) = (
        instant_of(first),
        dates
            .last()
            .and_then(|d| d.tomorrow().ok())
            .and_then(instant_of),
    ) else {
        return Redirect::to("/dashboard/calendar").into_response();
    };
    let filter = BookingFilter {
        not_cancelled: true,
        from: Some(from),
        to: Some(to),
        ..BookingFilter::default()
    };
    let bookings = state
        .store
        .bookings_page(&s.host.id, filter, None, 1000)
        .await
        .unwrap_or_default();
    let types: std::collections::HashMap<String, String> = state
        .store
        .meeting_types(&s.host.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    // The hours shown: the working day, widened to every booking of the week.
    let local_minutes = |at: Instant| {
        let z = at.to_timestamp().to_zoned_datetime(tz.clone());
        i32::from(z.hour()) * 60 + i32::from(z.minute())
    };
    let mut first_hour = i32::from(settings.start_time.minutes()) / 60;
    let mut last_hour = (i32::from(settings.end_time.minutes()) + 59) / 60;
    for b in &bookings {
        first_hour = first_hour.min(local_minutes(b.start) / 60);
        let end = b.end.plus_millis(-1);
        last_hour = last_hour.max(local_minutes(end) / 60 + 1);
    }
    let (first_hour, last_hour) = (first_hour.clamp(0, 23), last_hour.clamp(1, 24));
    let span = f64::from((last_hour - first_hour).max(1) * 60);
    let days = dates
        .iter()
        .map(|&date| {
            let events = bookings
                .iter()
                .filter(|b| b.start.to_timestamp().to_zoned_datetime(tz.clone()).date() == date)
                .map(|b| {
                    let start = local_minutes(b.start);
                    let minutes = (b.end.as_millis() - b.start.as_millis()) / 60_000;
                    let top = f64::from(start - first_hour * 60) / span * 100.0;
                    #[allow(clippy::cast_precision_loss)]
                    let height = (minutes as f64 / span * 100.0).min(100.0 - top);
                    let z = b.start.to_timestamp().to_zoned_datetime(tz.clone());
                    WeekEvent {
                        id: b.id.clone(),
                        style: format!("top:{top:.2}%;height:{height:.2}%"),
                        time: locale.time(z.hour(), z.minute()),
                        title: format!(
                            "{} · {}",
                            types
                                .get(&b.meeting_type_id)
                                .map_or("Meeting", String::as_str),
                            b.guest_name
                        ),
                        status: status_label(b.status),
                    }
                })
                .collect();
            WeekDay {
                label: crate::format::date_label(date, crate::i18n::Lang::En),
                short: format!(
                    "{} {}",
                    crate::format::weekday_names(
                        crate::i18n::Lang::En,
                        date.weekday().to_monday_zero_offset() as usize
                    )
                    .1,
                    date.day()
                ),
                today: date == today,
                events,
            }
        })
        .collect();
    let shift = |days: i64| {
        first
            .checked_add(jiff::Span::new().days(days))
            .map_or_else(|_| String::new(), |d| format!("?week={d}"))
    };
    let page = WeekPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        heading: format!(
            "Week of {}, {}",
            crate::format::date_label(first, crate::i18n::Lang::En),
            first.year()
        ),
        relative: week_relation(first, this_first),
        zone_label: format!(
            "{} · {}",
            super::zones::place(zone.name()),
            super::zones::zone_label(&zone, from.to_timestamp())
        ),
        prev: shift(-7),
        next: shift(7),
        this_week: (first != this_first).then(|| "/dashboard/calendar".to_owned()),
        hours: (first_hour..last_hour)
            .map(|h| locale.time(i8::try_from(h).unwrap_or(0), 0))
            .collect(),
        total: bookings.len(),
        days,
        csrf: s.csrf,
    };
    html(&headers, StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_named_next_to_this_one() {
        let this: Date = "2026-11-23".parse().unwrap();
        assert_eq!(week_relation(this, this), Some("This week"));
        assert_eq!(
            week_relation("2026-11-30".parse().unwrap(), this),
            Some("Next week")
        );
        assert_eq!(
            week_relation("2026-11-16".parse().unwrap(), this),
            Some("Last week")
        );
        assert_eq!(week_relation("2026-12-07".parse().unwrap(), this), None);
    }
}
