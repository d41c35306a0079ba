//! The dashboard's Insights page: the numbers of `services::insights` drawn as server-side
//! SVG, without JavaScript and without a chart crate.
//!
//! Every chart is one [`Chart`] rendered by one askama macro (`_chart.html`): an `<svg
//! role="img">` with its `<title>` and `<desc>`, a `<title>` on every mark, and a
//! `<details>` table with the same numbers for anyone who cannot see the drawing. This module
//! only lays out marks; it computes no statistic.

#![allow(
    clippy::cast_precision_loss,
    reason = "chart geometry: counts and indexes stay far below 2^52"
)]

use std::fmt::Write as _;

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use scheduling::Weekday;
use scheduling::civil::civil_from_days;
use serde::Deserialize;

use crate::format::Locale;
use crate::format::date_label;
use crate::services::insights::{self, Overview, Step, Summary, date_text};
use crate::services::{ServiceError, profile};
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::problems;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::encode;
use crate::web::shell::html;
use crate::web::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/insights", get(insights_page))
        .route("/dashboard/insights/settings", post(save_settings))
}

/// One mark of a chart (a bar, a heatmap cell or a dot), with its own `<title>`.
struct Mark {
    x: String,
    y: String,
    w: String,
    h: String,
    opacity: String,
    title: String,
}

/// A text label inside a chart (axis names), hidden from assistive technology.
struct Label {
    x: String,
    y: String,
    text: String,
    anchor: &'static str,
}

/// A chart and the table that says the same.
struct Chart {
    id: &'static str,
    title: String,
    desc: String,
    width: u32,
    height: u32,
    marks: Vec<Mark>,
    /// Marks are dots joined by `line` (a sparkline) instead of rectangles.
    dots: bool,
    line: String,
    labels: Vec<Label>,
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

fn num(value: f64) -> String {
    format!("{value:.1}")
}

fn rect(x: f64, y: f64, w: f64, h: f64, opacity: f64, title: String) -> Mark {
    Mark {
        x: num(x),
        y: num(y),
        w: num(w),
        h: num(h),
        opacity: format!("{opacity:.2}"),
        title,
    }
}

fn label(x: f64, y: f64, text: impl Into<String>, anchor: &'static str) -> Label {
    Label {
        x: num(x),
        y: num(y),
        text: text.into(),
        anchor,
    }
}

fn share(part: i64, whole: i64) -> f64 {
    if whole > 0 {
        part as f64 / whole as f64
    } else {
        0.0
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "Monday, November 23" of a day number.
fn day_label(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    date_label(
        jiff::civil::date(y as i16, m as i8, d as i8),
        crate::i18n::Lang::En,
    )
}

/// A rate as a percentage, or a dash when there was nothing to divide by.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// Minutes as "45 min", "5 h 30 min" or "2 d 3 h"; a dash when there are none.
fn duration(minutes: Option<i64>) -> String {
    let Some(m) = minutes else {
        return "—".to_owned();
    };
    match m {
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d {} h", m / (24 * 60), m % (24 * 60) / 60),
    }
}

/// Vertical bars, one per value, zero values drawn as a hairline so every day shows.
fn bars(id: &'static str, title: String, desc: String, values: &[(String, i64)]) -> Chart {
    let (width, height) = (600.0, 140.0);
    let max = values.iter().map(|v| v.1).max().unwrap_or(0).max(1);
    let slot = width / values.len().max(1) as f64;
    let marks = values
        .iter()
        .enumerate()
        .map(|(i, (name, n))| {
            let h = (share(*n, max) * (height - 20.0)).max(1.0);
            let title = format!("{name}: {}", plural(*n, "booking", "bookings"));
            rect(
                i as f64 * slot + slot * 0.1,
                height - h,
                slot * 0.8,
                h,
                1.0,
                title,
            )
        })
        .collect();
    let labels = vec![
        label(0.0, 12.0, format!("max {max}"), "start"),
        label(
            width,
            12.0,
            values.last().map_or("", |v| &v.0).to_owned(),
            "end",
        ),
    ];
    Chart {
        id,
        title,
        desc,
        width: width as u32,
        height: height as u32,
        marks,
        dots: false,
        line: String::new(),
        labels,
        columns: vec!["Day", "Bookings"],
        rows: values
            .iter()
            .map(|(name, n)| vec![name.clone(), n.to_string()])
            .collect(),
    }
}

/// Horizontal bars with a label column; `extra` adds a third table column.
fn hbars(
    id: &'static str,
    title: String,
    desc: String,
    columns: Vec<&'static str>,
    rows: Vec<(String, i64, String)>,
    unit: (&str, &str),
) -> Chart {
    let (width, row, left) = (600.0, 28.0, 180.0);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let mut marks = Vec::new();
    let mut labels = Vec::new();
    for (i, (name, n, extra)) in rows.iter().enumerate() {
        let y = i as f64 * row;
        let w = (share(*n, max) * (width - left - 60.0)).max(1.0);
        let mut title = format!("{name}: {}", plural(*n, unit.0, unit.1));
        if !extra.is_empty() {
            let _ = write!(title, " ({extra})");
        }
        marks.push(rect(left, y + 4.0, w, row - 8.0, 1.0, title));
        labels.push(label(left - 8.0, y + row / 2.0 + 5.0, name.clone(), "end"));
        labels.push(label(
            left + w + 6.0,
            y + row / 2.0 + 5.0,
            n.to_string(),
            "start",
        ));
    }
    Chart {
        id,
        title,
        desc,
        width: width as u32,
        height: (rows.len().max(1) as f64 * row) as u32,
        marks,
        dots: false,
        line: String::new(),
        labels,
        columns,
        rows: rows
            .into_iter()
            .map(|(name, n, extra)| {
                let mut row = vec![name, n.to_string()];
                if !extra.is_empty() {
                    row.push(extra);
                }
                row
            })
            .collect(),
    }
}

/// Weekday × hour, weeks beginning on the host's first day; darker is busier.
fn heatmap(s: &Summary, first: Weekday, locale: Locale) -> Chart {
    let (cell, left, top) = (22.0, 44.0, 18.0);
    let max = s.peak.iter().map(|p| p.2).max().unwrap_or(0);
    let count = |day: Weekday, hour: u8| {
        s.peak
            .iter()
            .find(|p| p.0 == day && p.1 == hour)
            .map_or(0, |p| p.2)
    };
    let mut marks = Vec::new();
    let mut labels = Vec::new();
    for hour in (0..24).step_by(6) {
        let x = left + f64::from(hour) * cell;
        labels.push(label(x, 12.0, locale.time(hour as i8, 0), "start"));
    }
    for row in 0..7 {
        let day = Weekday::from_index(first.index() as u32 + row);
        let y = top + f64::from(row) * cell;
        labels.push(label(left - 6.0, y + 15.0, &day.name()[..3], "end"));
        for hour in 0..24_u8 {
            let n = count(day, hour);
            let opacity = if n == 0 {
                0.06
            } else {
                0.25 + 0.75 * share(n, max)
            };
            let title = format!(
                "{} {}–{}: {}",
                day.name(),
                locale.time(hour as i8, 0),
                locale.time(((hour + 1) % 24) as i8, 0),
                plural(n, "meeting", "meetings")
            );
            let x = left + f64::from(hour) * cell;
            marks.push(rect(x, y, cell - 2.0, cell - 2.0, opacity, title));
        }
    }
    let rows = s
        .peak
        .iter()
        .map(|(day, hour, n)| {
            vec![
                day.name().to_owned(),
                locale.time(*hour as i8, 0),
                n.to_string(),
            ]
        })
        .collect();
    Chart {
        id: "peak",
        title: "Meetings by weekday and hour".into(),
        desc: format!(
            "Starts of the meetings in this period by weekday and hour in your time zone; the \
             busiest hour has {}.",
            plural(max, "meeting", "meetings")
        ),
        width: (left + 24.0 * cell) as u32,
        height: (top + 7.0 * cell) as u32,
        marks,
        dots: false,
        line: String::new(),
        labels,
        columns: vec!["Weekday", "Hour", "Meetings"],
        rows,
    }
}

/// The eight-week sparkline of the "This week" card.
fn sparkline(weeks: &[(i32, i64)]) -> Chart {
    let (width, height) = (160.0, 40.0);
    let max = weeks.iter().map(|w| w.1).max().unwrap_or(0).max(1);
    // Inset by the dots' radius so the first and last stay whole.
    let step = (width - 8.0) / (weeks.len().max(2) - 1) as f64;
    let point = |i: usize, n: i64| {
        (
            4.0 + i as f64 * step,
            height - 4.0 - share(n, max) * (height - 8.0),
        )
    };
    let marks = weeks
        .iter()
        .enumerate()
        .map(|(i, &(week, n))| {
            let (x, y) = point(i, n);
            let title = format!(
                "Week of {}: {}",
                day_label(week),
                plural(n, "booking", "bookings")
            );
            rect(x, y, 3.0, 3.0, 1.0, title)
        })
        .collect();
    let line = weeks
        .iter()
        .enumerate()
        .map(|(i, &(_, n))| {
            let (x, y) = point(i, n);
            format!("{},{}", num(x), num(y))
        })
        .collect::<Vec<_>>()
        .join(" ");
    Chart {
        id: "weeks",
        title: "Bookings per week".into(),
        desc: format!(
            "Bookings made in each of the last {} weeks, this week so far last.",
            weeks.len()
        ),
        width: width as u32,
        height: height as u32,
        marks,
        dots: true,
        line,
        labels: Vec::new(),
        columns: vec!["Week of", "Bookings"],
        rows: weeks
            .iter()
            .map(|&(week, n)| vec![day_label(week), n.to_string()])
            .collect(),
    }
}

/// A headline number with the previous period's beside it.
struct Card {
    label: &'static str,
    value: String,
    previous: String,
}

/// "This week's bookings" and how it moved against the same days of last week.
struct Week {
    value: i64,
    change: String,
    /// `up`, `down` or `flat`.
    direction: &'static str,
    arrow: &'static str,
    spark: Chart,
}

fn week_card(o: &Overview) -> Week {
    let (now, before) = o.this_week();
    let (change, direction) = match (now, before) {
        (0, 0) => ("no change".to_owned(), "flat"),
        (_, 0) => ("new".to_owned(), "up"),
        (n, b) => {
            let pct = (share(n - b, b) * 100.0).round() as i64;
            let direction = match pct {
                p if p > 0 => "up",
                p if p < 0 => "down",
                _ => "flat",
            };
            (format!("{pct:+}%"), direction)
        }
    };
    let arrow = match direction {
        "up" => "▲",
        "down" => "▼",
        _ => "▶",
    };
    Week {
        value: now,
        change,
        direction,
        arrow,
        spark: sparkline(&o.weekly()),
    }
}

#[derive(Template)]
#[template(path = "dash_insights.html")]
struct InsightsPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    error: Option<String>,
    from: String,
    to_inclusive: String,
    daily_csv: String,
    range: String,
    week: Week,
    /// `(key, name, selected)` for the first-day-of-the-week choice.
    weekdays: Vec<(&'static str, &'static str, bool)>,
    page_analytics: bool,
    cards: Vec<Card>,
    by_day: Chart,
    funnel: Chart,
    types: Chart,
    peak: Chart,
}

#[derive(Debug, serde::Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    saved: Option<String>,
}

async fn insights_page(
    State(state): State<AppState>,
    s: Session,
    Query(query): Query<PeriodQuery>,
    headers: HeaderMap,
) -> Response {
    // The form asks for the last day shown; the service takes the first day left out.
    let to = query
        .to
        .as_deref()
        .and_then(insights::parse_date)
        .map(|d| date_text(d + 1));
    let asked = query.from.as_deref().zip(to.as_deref());
    let now = state.clock.now();
    let (overview, error) =
        match insights::overview(&state.store, &state.insights, &s.host, asked, now).await {
            Ok(o) => (o, None),
            Err(ServiceError::Invalid(errors)) => {
                let message = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>();
                match insights::overview(&state.store, &state.insights, &s.host, None, now).await {
                    Ok(o) => (o, Some(message.join("; "))),
                    Err(e) => return failed(&e),
                }
            }
            Err(e) => return failed(&e),
        };
    let locale = Locale::from_headers(&headers);
    let mut page = render(&overview, locale, s.csrf, error);
    page.page_analytics = s.host.page_analytics;
    page.flash = query.saved.map(|_| "Insight settings saved.".to_owned());
    html(&headers, StatusCode::OK, &page)
}

/// The page's settings form: the first day of the week, and whether visitors are counted.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PageSettings {
    week_start: String,
    page_analytics: String,
}

async fn save_settings(
    State(state): State<AppState>,
    Posted(s, form): Posted<PageSettings>,
) -> Response {
    let patch = serde_json::json!({
        "weekStart": form.week_start,
        "pageAnalytics": form.page_analytics == "on",
    });
    match profile::update_profile(&state.store, &s.host, &patch).await {
        Ok(_) => Redirect::to("/dashboard/insights?saved=1").into_response(),
        Err(e) => {
            let message = problems(e)
                .into_iter()
                .map(|p| p.message)
                .collect::<Vec<_>>();
            (StatusCode::UNPROCESSABLE_ENTITY, message.join(" ")).into_response()
        }
    }
}

fn failed(e: &ServiceError) -> Response {
    tracing::error!(error = %e, "the insights page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side; please reload",
    )
        .into_response()
}

fn render(
    o: &Overview,
    locale: Locale,
    csrf: String,
    error: Option<String>,
) -> InsightsPage<'static> {
    let s = &o.report.current;
    let p = &o.report.previous;
    let days = s.period.days();
    let range = format!(
        "{} – {}",
        day_label(s.period.from),
        day_label(s.period.to - 1)
    );
    let before = format!("previous {days} days");
    let cards = vec![
        Card {
            label: "Conversion",
            value: percent(s.conversion),
            previous: format!("{}: {}", before, percent(p.conversion)),
        },
        Card {
            label: "Lead time (median)",
            value: duration(s.lead_median_minutes),
            previous: format!("{}: {}", before, duration(p.lead_median_minutes)),
        },
        Card {
            label: "No-show rate",
            value: percent(s.no_show_rate),
            previous: format!("{}: {}", before, percent(p.no_show_rate)),
        },
        Card {
            label: "Bookings",
            value: s.total.to_string(),
            previous: format!("{}: {}", before, p.total),
        },
    ];
    let by_day = bars(
        "days",
        "Bookings by day".into(),
        format!(
            "Bookings made on each day from {range}, {} in all; a hairline marks a day without any.",
            s.total
        ),
        &s.by_day
            .iter()
            .map(|&(day, n)| (day_label(day), n))
            .collect::<Vec<_>>(),
    );
    let mut kept_from = None;
    let funnel_rows = s
        .funnel
        .iter()
        .map(|&(step, n)| {
            let kept = kept_from.map_or_else(String::new, |before: i64| {
                format!("{} kept", percent((before > 0).then(|| share(n, before))))
            });
            kept_from = Some(n);
            (step_name(step).to_owned(), n, kept)
        })
        .collect();
    let funnel = hbars(
        "funnel",
        "Booking page funnel".into(),
        "Daily-unique visitors at each step of your booking pages, and the share kept from \
         the step before."
            .into(),
        vec!["Step", "Visitors", "Kept"],
        funnel_rows,
        ("visitor", "visitors"),
    );
    let types = hbars(
        "types",
        "Popular meeting types".into(),
        "Bookings made in this period by meeting type, cancelled ones left out.".into(),
        vec!["Meeting type", "Bookings"],
        s.by_type
            .iter()
            .map(|t| (t.name.clone(), t.count, String::new()))
            .collect(),
        ("booking", "bookings"),
    );
    InsightsPage {
        asset_version: &ASSET_VERSION,
        csrf,
        flash: None,
        error,
        from: date_text(s.period.from),
        to_inclusive: date_text(s.period.to - 1),
        daily_csv: format!(
            "/api/exports/daily.csv?from={}&to={}",
            encode(&date_text(s.period.from)),
            encode(&date_text(s.period.to))
        ),
        range,
        week: week_card(o),
        weekdays: Weekday::ALL
            .iter()
            .map(|d| (d.key(), d.name(), *d == o.week_start))
            .collect(),
        page_analytics: true,
        cards,
        by_day,
        funnel,
        types,
        peak: heatmap(s, o.week_start, locale),
    }
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::View => "Viewed your page",
        Step::Type => "Chose a meeting type",
        Step::Slot => "Picked a time",
        Step::Submit => "Sent their details",
        Step::Booked => "Booked",
    }
}
