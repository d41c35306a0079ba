//! The availability card: weekly hours, zone, buffers and notice, with a preview.

use crate::format::Locale;
use crate::format::when_label;
use crate::services::availability;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::form_status;
use crate::web::dashboard::kit::host_settings;
use crate::web::dashboard::kit::problems;
use crate::web::form::Fields;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use scheduling::Weekday;
use serde_json::{Map, Value, json};

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
    zone_groups: Vec<crate::web::guest::zones::ZoneGroup>,
    /// The saved zone as people say it ("Paris, France"), for the preview.
    zone_place: String,
    notice: String,
    advance: String,
    advanced: bool,
    windows: Vec<(&'static str, &'static str, String)>,
    preview_type: String,
    preview: Vec<String>,
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
            if f.sent(name) {
                f.first(name).to_owned()
            } else {
                stored
            }
        })
    };
    let days = Weekday::ALL
        .iter()
        .map(|&d| {
            let on = typed.map_or(settings.working_days[d.index()], |f| f.has("day", d.key()));
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
                None,
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
        zone_place: crate::web::guest::zones::place(settings.zone.name()),
        zone_groups: crate::web::guest::zones::groups(
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
        csrf: s.csrf,
        flash,
    };
    html(headers, form_status(&page.errors), &page)
}

pub(crate) async fn availability_page(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
) -> Response {
    render_availability(&state, &headers, s, None, None).await
}

/// `09:00-12:00, 13:00-17:00` as the API's windows (`[["09:00","12:00"], …]`); the times
/// themselves are checked by the schedule they go into.
pub(crate) fn windows_from_text(line: &str) -> Result<Value, String> {
    line.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            part.split_once('-')
                .map(|(a, b)| json!([a.trim(), b.trim()]))
                .ok_or_else(|| "write windows as 09:00-12:00".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// The settings patch from the form; the windows editor becomes `weeklyHours` (or `null`).
fn availability_patch(f: &Fields) -> Result<Value, Vec<String>> {
    let number = |name: &str| {
        f.first(name)
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Value::String(f.first(name).to_owned()), Value::from)
    };
    let mut working = Map::new();
    let chosen = f.all("day").to_vec();
    for d in Weekday::ALL {
        working.insert(
            d.key().into(),
            Value::Bool(chosen.iter().any(|x| x == d.key())),
        );
    }
    let mut weekly = Map::new();
    let mut errors = Vec::new();
    for d in Weekday::ALL {
        let line = f.first(&format!("w_{}", d.key())).trim().to_owned();
        if line.is_empty() {
            continue;
        }
        match windows_from_text(&line) {
            Ok(list) => {
                weekly.insert(d.key().into(), list);
            }
            Err(e) => errors.push(format!("{}: {e}", d.name())),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(json!({
        "startTime": f.first("startTime"),
        "endTime": f.first("endTime"),
        "workingDays": working,
        "bufferTime": number("bufferTime"),
        "timezone": f.first("timezone").trim(),
        "minNotice": number("minNotice"),
        "maxAdvance": number("maxAdvance"),
        "weeklyHours": if weekly.is_empty() { Value::Null } else { Value::Object(weekly) },
    }))
}

pub(crate) async fn save_availability(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, f): Posted,
) -> Response {
    let saved = match availability_patch(&f) {
        Ok(patch) => {
            availability::update_availability(&state.store, &s.host, &patch, state.clock.now())
                .await
                .map_err(|e| problems(e).iter().map(ToString::to_string).collect())
        }
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
