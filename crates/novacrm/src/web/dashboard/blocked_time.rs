//! Blocked time: one-off or recurring (written as an RRULE, shown in words with its next
//! occurrences).

use crate::format::Locale;
use crate::format::when_label;
use crate::services::blocked_time;
use crate::store::Store;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::form_status;
use crate::web::dashboard::kit::host_settings;
use crate::web::dashboard::kit::problems;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::{Date, Time};
use scheduling::{Instant, Weekday};
use serde_json::json;

// ---- blocked time ----------------------------------------------------------------------

#[derive(Default)]
struct BlockForm {
    date: String,
    from: String,
    to: String,
    reason: String,
    repeat: String,
    every: String,
    on: Vec<String>,
    until: String,
    count: String,
}

impl BlockForm {
    fn has_day(&self, day: &str) -> bool {
        self.on.iter().any(|d| d == day)
    }
}

struct BlockRow {
    id: String,
    when: String,
    reason: Option<String>,
    rule: Option<String>,
    next: Vec<String>,
}

#[derive(Template)]
#[template(path = "dash_blocked.html")]
struct BlockedPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    errors: Vec<String>,
    zone: String,
    form: BlockForm,
    repeats: [(&'static str, &'static str); 4],
    days: Vec<(&'static str, &'static str)>,
    blocks: Vec<BlockRow>,
}

async fn render_blocked(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    form: BlockForm,
    errors: Vec<String>,
) -> Response {
    let settings = match host_settings(state, &s.host).await {
        Ok(settings) => settings,
        Err(r) => return r,
    };
    let locale = Locale::from_headers(headers);
    let now = Instant::from(state.clock.now());
    let records = Store::blocked_times(state.store.pool(), &s.host.id)
        .await
        .unwrap_or_default();
    let blocks = records
        .iter()
        .map(|b| {
            let next = b
                .to_blocked_time()
                .map(|bt| bt.upcoming(&settings.zone, now, now.plus_minutes(400 * 24 * 60), 3))
                .unwrap_or_default()
                .into_iter()
                .filter(|_| b.rule.is_some())
                .map(|at| when_label(at, &settings.zone, locale))
                .collect();
            let tz = settings.zone.time_zone().clone();
            let local = |at: Instant| at.to_timestamp().to_zoned_datetime(tz.clone());
            let rule = b
                .rule
                .as_deref()
                .and_then(|r| scheduling::RecurrenceRule::parse(r).ok())
                .map(|r| crate::format::rule_label(&r, (&local(b.start), &local(b.end)), locale));
            BlockRow {
                id: b.id.clone(),
                when: if rule.is_some() {
                    format!("From {}", when_label(b.start, &settings.zone, locale))
                } else {
                    crate::format::span_label(b.start, b.end, &settings.zone, locale)
                },
                reason: b.reason.clone(),
                rule,
                next,
            }
        })
        .collect();
    let status = form_status(&errors);
    let page = BlockedPage {
        asset_version: &ASSET_VERSION,
        csrf: s.csrf,
        flash: None,
        errors,
        zone: settings.zone.name().into(),
        form,
        repeats: [
            ("none", "Does not repeat"),
            ("DAILY", "Daily"),
            ("WEEKLY", "Weekly"),
            ("MONTHLY", "Monthly"),
        ],
        days: Weekday::ALL.iter().map(|d| (d.key(), d.name())).collect(),
        blocks,
    };
    html(headers, status, &page)
}

pub(crate) async fn blocked_page(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
) -> Response {
    let form = BlockForm {
        repeat: "none".into(),
        every: "1".into(),
        from: "12:00".into(),
        to: "13:00".into(),
        ..BlockForm::default()
    };
    render_blocked(&state, &headers, s, form, Vec::new()).await
}

/// The RRULE the form describes (`None` for a one-off block).
fn rule_of(form: &BlockForm) -> Result<Option<String>, String> {
    if form.repeat == "none" {
        return Ok(None);
    }
    let mut parts = vec![format!("FREQ={}", form.repeat)];
    let every: u32 = form
        .every
        .trim()
        .parse()
        .map_err(|_| "“Every” must be a whole number".to_owned())?;
    if every > 1 {
        parts.push(format!("INTERVAL={every}"));
    }
    if form.repeat == "WEEKLY" && !form.on.is_empty() {
        let days: Vec<String> = form
            .on
            .iter()
            .map(|d| d[..2].to_ascii_uppercase())
            .collect();
        parts.push(format!("BYDAY={}", days.join(",")));
    }
    match (form.until.trim(), form.count.trim()) {
        ("", "") => {}
        // A date: through that day in the host's zone (see the recurrence module).
        (until, "") => {
            let date: Date = until
                .parse()
                .map_err(|_| "“Until” must be a date".to_owned())?;
            parts.push(format!("UNTIL={}", date.strftime("%Y%m%d")));
        }
        ("", count) => parts.push(format!("COUNT={count}")),
        _ => return Err("give either an end date or a number of times, not both".into()),
    }
    let rule = parts.join(";");
    Ok(Some(rule))
}

pub(crate) async fn add_blocked(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, f): Posted,
) -> Response {
    let form = BlockForm {
        date: f.first("date").into(),
        from: f.first("from").into(),
        to: f.first("to").into(),
        reason: f.first("reason").into(),
        repeat: f.first("repeat").into(),
        every: f.first("every").into(),
        on: f.all("on").to_vec(),
        until: f.first("until").into(),
        count: f.first("count").into(),
    };
    let settings = match host_settings(&state, &s.host).await {
        Ok(settings) => settings,
        Err(r) => return r,
    };
    let instants = (|| -> Result<(String, String), String> {
        let date: Date = form.date.parse().map_err(|_| "pick a date".to_owned())?;
        let at = |t: &str| -> Result<String, String> {
            let time: Time = t.parse().map_err(|_| format!("{t:?} is not a time"))?;
            let ts = settings
                .zone
                .time_zone()
                .to_ambiguous_timestamp(date.to_datetime(time))
                .compatible()
                .map_err(|e| e.to_string())?;
            Ok(ts.to_string())
        };
        Ok((at(&form.from)?, at(&form.to)?))
    })();
    let result = match (instants, rule_of(&form)) {
        (Ok((start, end)), Ok(rule)) => {
            let body = json!({"startTime": start, "endTime": end, "reason": form.reason, "recurrenceRule": rule});
            blocked_time::create_blocked_time(&state.store, &s.host, &body, state.clock.now())
                .await
                .map(|_| ())
                .map_err(|e| {
                    problems(e)
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                })
        }
        (Err(e), _) | (_, Err(e)) => Err(vec![e]),
    };
    match result {
        Ok(()) => Redirect::to("/dashboard/blocked").into_response(),
        Err(errors) => render_blocked(&state, &headers, s, form, errors).await,
    }
}

pub(crate) async fn delete_blocked(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let _ = blocked_time::delete_blocked_time(&state.store, &s.host, &id).await;
    Redirect::to("/dashboard/blocked").into_response()
}
