//! The week calendar of the host's bookings.

use crate::format::Locale;
use crate::store::BookingFilter;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::host_settings;
use crate::web::dashboard::kit::status_label;
use crate::web::dashboard::kit::type_names;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::shell::or_return;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use scheduling::Instant;

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
pub(crate) struct WeekQuery {
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

pub(crate) async fn week(
    State(state): State<AppState>,
    s: Session,
    Query(query): Query<WeekQuery>,
    headers: HeaderMap,
) -> Response {
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
    let types: std::collections::HashMap<_, _> =
        type_names(&state, &s.host).await.into_iter().collect();
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
            crate::web::guest::zones::place(zone.name()),
            crate::web::guest::zones::zone_label(&zone, from.to_timestamp())
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
