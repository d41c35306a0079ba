//! Single-day changes to the host's hours (docs/DESIGN.md §11 `dateOverrides`), as
//! Calendly does them: a month of the host's own calendar to click, the clicked day's form
//! (closed, or these hours), and the list of upcoming changes.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use scheduling::{AvailabilitySettings, Weekday};
use serde_json::Value;

use crate::format::{Locale, date_label};
use crate::i18n::Lang;
use crate::services::availability;
use crate::web::dashboard::availability::windows_from_text;
use crate::web::dashboard::kit::{Posted, Session, form_status, host_settings, problems};
use crate::web::guest::widgets::month_key;
use crate::web::shell::{ASSET_VERSION, html};
use crate::web::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct DatesQuery {
    month: Option<String>,
    date: Option<String>,
    saved: Option<String>,
}

/// One day of the month grid.
struct Cell {
    day: i8,
    date: String,
    label: String,
    /// "Closed" or the day's changed hours, when it has an override.
    change: Option<String>,
    /// Open by the weekly hours (before any change).
    working: bool,
    selected: bool,
    past: bool,
}

/// The selected day's form.
struct DayForm {
    date: String,
    label: String,
    closed: bool,
    hours: String,
    changed: bool,
}

#[derive(Template)]
#[template(path = "dash_dates.html")]
struct DatesPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    errors: Vec<String>,
    zone: String,
    month_label: String,
    prev_month: Option<String>,
    next_month: String,
    weekday_names: Vec<&'static str>,
    weeks: Vec<Vec<Option<Cell>>>,
    form: Option<DayForm>,
    /// The month shown, as its links name it (`2026-12`).
    month_param: String,
    /// Upcoming changes: month, date, label, what it says.
    upcoming: Vec<(String, String, String, String)>,
}

/// `09:00–12:00, 13:00–17:00`, or "Closed".
fn windows_label(windows: &[scheduling::Window]) -> String {
    if windows.is_empty() {
        return "Closed".into();
    }
    windows
        .iter()
        .map(|w| format!("{}–{}", w.start, w.end))
        .collect::<Vec<_>>()
        .join(", ")
}

fn day_number(date: Date) -> i32 {
    scheduling::civil::days_from_civil(
        i32::from(date.year()),
        date.month() as u32,
        date.day() as u32,
    )
}

fn render(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    settings: &AvailabilitySettings,
    query: &DatesQuery,
    typed: Option<(&crate::web::form::Fields, Vec<String>)>,
    flash: Option<String>,
) -> Response {
    let zone = &settings.zone;
    let today = state
        .clock
        .now()
        .to_zoned_datetime(zone.time_zone().clone())
        .date();
    let month = query
        .month
        .as_deref()
        .and_then(|m| format!("{m}-01").parse::<Date>().ok())
        .filter(|m| *m >= today.first_of_month())
        .unwrap_or_else(|| today.first_of_month());
    let selected = query
        .date
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        .filter(|d| *d >= today);
    let sunday_first = Locale::from_headers(headers).sunday_first;
    let offset = if sunday_first {
        month.weekday().to_sunday_zero_offset()
    } else {
        month.weekday().to_monday_zero_offset()
    } as usize;
    let mut cells: Vec<Option<Cell>> = (0..offset).map(|_| None).collect();
    for day in 1..=month.days_in_month() {
        let date = month.with().day(day).build().expect("a day of this month");
        let n = day_number(date);
        let weekday = Weekday::from_index(date.weekday().to_monday_zero_offset() as u32);
        cells.push(Some(Cell {
            day,
            date: date.to_string(),
            label: date_label(date, Lang::En),
            change: settings.date_overrides.on(n).map(windows_label),
            working: !settings.windows(weekday).is_empty(),
            selected: selected == Some(date),
            past: date < today,
        }));
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let mut weeks = Vec::new();
    let mut rest = cells.into_iter().peekable();
    while rest.peek().is_some() {
        weeks.push(rest.by_ref().take(7).collect());
    }
    let mut weekday_names: Vec<&str> = (0..7)
        .map(|d| crate::format::weekday_names(Lang::En, d).1)
        .collect();
    if sunday_first {
        weekday_names.rotate_right(1);
    }
    let (errors, typed) = typed.map_or((Vec::new(), None), |(f, e)| (e, Some(f)));
    let form = selected.map(|date| {
        let n = day_number(date);
        let weekday = Weekday::from_index(date.weekday().to_monday_zero_offset() as u32);
        let own = settings.date_overrides.on(n);
        let windows = own.unwrap_or_else(|| settings.windows(weekday));
        let stored_hours = windows
            .iter()
            .map(|w| format!("{}-{}", w.start, w.end))
            .collect::<Vec<_>>()
            .join(", ");
        DayForm {
            date: date.to_string(),
            label: date_label(date, Lang::En),
            closed: typed.map_or(own.is_some_and(<[_]>::is_empty), |f| {
                f.first("open") == "no"
            }),
            hours: typed.map_or(stored_hours, |f| f.first("hours").to_owned()),
            changed: own.is_some(),
        }
    });
    let mut upcoming = Vec::new();
    if let Value::Object(map) = &settings.to_json()["dateOverrides"] {
        for key in map.keys() {
            let Ok(date) = key.parse::<Date>() else {
                continue;
            };
            if date < today {
                continue;
            }
            let said = settings
                .date_overrides
                .on(day_number(date))
                .map(windows_label)
                .unwrap_or_default();
            let label = date_label(date, Lang::En);
            upcoming.push((month_key(date), key.clone(), label, said));
        }
    }
    upcoming.sort();
    let shift = |months: i8| month.checked_add(jiff::Span::new().months(months)).ok();
    let page = DatesPage {
        asset_version: &ASSET_VERSION,
        csrf: s.csrf,
        flash,
        zone: crate::web::guest::zones::place(zone.name()),
        month_label: Locale::from_headers(headers).month_title(month),
        prev_month: shift(-1)
            .filter(|m| *m >= today.first_of_month())
            .map(month_key),
        next_month: shift(1).map_or_else(|| month_key(month), month_key),
        weekday_names,
        month_param: month_key(month),
        weeks,
        form,
        upcoming,
        errors,
    };
    html(headers, form_status(&page.errors), &page)
}

pub(crate) async fn dates_page(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Query(query): Query<DatesQuery>,
) -> Response {
    let settings = match host_settings(&state, &s.host).await {
        Ok(settings) => settings,
        Err(r) => return r,
    };
    let flash = query
        .saved
        .is_some()
        .then(|| "Saved. Your booking page shows the change now.".to_owned());
    render(&state, &headers, s, &settings, &query, None, flash)
}

/// Saves the day's form: closed, these hours, or back to the weekly hours (`reset`).
pub(crate) async fn save_date(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, f): Posted,
) -> Response {
    let date = f.first("date").to_owned();
    let windows = if f.first("reset") == "yes" {
        Ok(None)
    } else if f.first("open") == "no" {
        Ok(Some(Value::Array(Vec::new())))
    } else if f.first("hours").trim().is_empty() {
        Err(vec![
            "Give the hours you are available that day, or choose Closed.".to_owned(),
        ])
    } else {
        windows_from_text(f.first("hours"))
            .map(Some)
            .map_err(|e| vec![format!("Hours: {e}")])
    };
    let now = state.clock.now();
    let saved = match windows {
        Ok(windows) => availability::set_date_override(&state.store, &s.host, &date, windows, now)
            .await
            .map_err(|e| problems(e).iter().map(ToString::to_string).collect()),
        Err(errors) => Err(errors),
    };
    let month = date.get(..7).unwrap_or_default().to_owned();
    match saved {
        Ok(_) => Redirect::to(&format!(
            "/dashboard/availability/dates?month={month}&date={date}&saved=1"
        ))
        .into_response(),
        Err(errors) => {
            let settings = match host_settings(&state, &s.host).await {
                Ok(settings) => settings,
                Err(r) => return r,
            };
            let query = DatesQuery {
                month: Some(month),
                date: Some(date),
                saved: None,
            };
            render(
                &state,
                &headers,
                s,
                &settings,
                &query,
                Some((&f, errors)),
                None,
            )
        }
    }
}
