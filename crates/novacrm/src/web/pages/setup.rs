//! The host's setup pages: meeting types (with the intake-question editor), blocked time
//! (one-off or recurring, written as an RRULE, shown in words with its next occurrences).

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::{Date, Time};
use scheduling::{Instant, Weekday};
use serde_json::{Value, json};

use super::dashboard::{
    Fields, Session, first, form_status, host_settings, posted, problems, public_base, session,
};
use super::guest::when_label;
use super::{ASSET_VERSION, Locale, html};
use crate::services::host;
use crate::store::{MeetingTypeRecord, Store};
use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/meeting-types", get(types_page))
        .route(
            "/dashboard/meeting-types/{id}",
            get(type_form).post(save_type),
        )
        .route("/dashboard/meeting-types/{id}/delete", post(delete_type))
        .route("/dashboard/blocked", get(blocked_page).post(add_blocked))
        .route("/dashboard/blocked/{id}/delete", post(delete_blocked))
}

// ---- meeting types ---------------------------------------------------------------------

struct TypeRow {
    id: String,
    name: String,
    duration: i64,
    color: String,
    active: bool,
    link: String,
}

#[derive(Template)]
#[template(path = "dash_types.html")]
struct TypesPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    types: Vec<TypeRow>,
}

async fn types_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let s = or_return!(session(&state, &headers).await);
    let base = public_base(&state, &headers);
    let types = state
        .store
        .meeting_types(&s.host.id)
        .await
        .unwrap_or_default();
    let types = types
        .into_iter()
        .map(|m| TypeRow {
            link: format!("{base}/book/{}/{}", s.host.username, m.id),
            id: m.id,
            name: m.name,
            duration: m.duration,
            color: m.color,
            active: m.active,
        })
        .collect();
    html(
        &headers,
        StatusCode::OK,
        &TypesPage {
            asset_version: &ASSET_VERSION,
            csrf: s.csrf,
            flash: None,
            types,
        },
    )
}

struct QuestionRow {
    label: String,
    kind: String,
    options: String,
    required: bool,
}

#[derive(Template)]
#[template(path = "dash_type_form.html")]
struct TypeForm<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    heading: &'static str,
    errors: Vec<String>,
    name: String,
    duration: String,
    interval: String,
    color: String,
    description: String,
    confirmation: String,
    active: bool,
    location_kind: String,
    location_value: String,
    cutoff: String,
    questions: Vec<QuestionRow>,
    kinds: [(&'static str, &'static str); 6],
}

const KINDS: [(&str, &str); 6] = [
    ("short_text", "Short text"),
    ("long_text", "Long text"),
    ("single_choice", "Single choice"),
    ("multiple_choice", "Multiple choice"),
    ("checkbox", "Checkbox"),
    ("phone", "Phone"),
];

/// Blank question rows offered below the existing ones.
const SPARE_QUESTIONS: usize = 3;

/// The location form fields (kind, value) of a meeting type.
fn location_fields(location: Option<&scheduling::Location>) -> (String, String) {
    use scheduling::Location;
    match location {
        None => (String::new(), String::new()),
        Some(Location::InPerson { address }) => ("in_person".into(), address.clone()),
        Some(Location::HostCallsGuest) => ("phone_host".into(), String::new()),
        Some(Location::GuestCallsHost { phone }) => ("phone_guest".into(), phone.clone()),
        Some(Location::Link { url }) => ("link".into(), url.clone()),
        Some(Location::Video { provider }) => (format!("video_{}", provider.key()), String::new()),
    }
}

/// The API's `location` from the form's kind and value.
fn location_body(kind: &str, value: &str) -> Value {
    match kind {
        "in_person" => json!({"kind": "in_person", "address": value}),
        "phone_host" => json!({"kind": "phone", "caller": "host"}),
        "phone_guest" => json!({"kind": "phone", "caller": "guest", "phone": value}),
        "link" => json!({"kind": "link", "url": value}),
        video if video.starts_with("video_") => {
            json!({"kind": "video", "provider": &video["video_".len()..]})
        }
        _ => Value::Null,
    }
}

fn type_form_page(
    headers: &HeaderMap,
    s: Session,
    creating: bool,
    m: &MeetingTypeRecord,
    typed: Option<&Fields>,
    errors: Vec<String>,
) -> Response {
    let (location_kind, location_value, cutoff) = if let Some(f) = typed {
        (
            first(f, "locationKind").to_owned(),
            first(f, "locationValue").to_owned(),
            first(f, "guestCutoffHours").to_owned(),
        )
    } else {
        let (kind, value) = location_fields(m.location.as_ref());
        (kind, value, m.guest_cutoff_hours.to_string())
    };
    let mut questions: Vec<QuestionRow> = m
        .questions
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| QuestionRow {
            label: q["label"].as_str().unwrap_or_default().into(),
            kind: q["type"].as_str().unwrap_or("short_text").into(),
            options: q["options"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            required: q["required"].as_bool().unwrap_or(false),
        })
        .collect();
    questions.extend((0..SPARE_QUESTIONS).map(|_| QuestionRow {
        label: String::new(),
        kind: "short_text".into(),
        options: String::new(),
        required: false,
    }));
    let status = form_status(&errors);
    let page = TypeForm {
        asset_version: &ASSET_VERSION,
        csrf: s.csrf,
        flash: None,
        heading: if creating {
            "New meeting type"
        } else {
            "Edit meeting type"
        },
        errors,
        name: m.name.clone(),
        duration: m.duration.to_string(),
        interval: m.slot_interval.map(|i| i.to_string()).unwrap_or_default(),
        color: m.color.to_ascii_lowercase(),
        description: m.description.clone().unwrap_or_default(),
        confirmation: m.confirmation_message.clone().unwrap_or_default(),
        active: m.active,
        location_kind,
        location_value,
        cutoff,
        questions,
        kinds: KINDS,
    };
    html(headers, status, &page)
}

async fn type_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = or_return!(session(&state, &headers).await);
    if id == "new" {
        let blank = MeetingTypeRecord::with_defaults(String::new(), &s.host.id);
        return type_form_page(&headers, s, true, &blank, None, Vec::new());
    }
    match state
        .store
        .meeting_type(&s.host.id, &id)
        .await
        .ok()
        .flatten()
        .filter(|m| !m.archived)
    {
        Some(m) => type_form_page(&headers, s, false, &m, None, Vec::new()),
        None => super::not_found(&headers, "No such meeting type."),
    }
}

/// The API body for a meeting type from the form (question rows zipped by position).
fn type_body(f: &Fields) -> Value {
    let list = |name: &str| f.get(name).cloned().unwrap_or_default();
    let (labels, kinds, options, required) = (
        list("q_label"),
        list("q_type"),
        list("q_options"),
        list("q_required"),
    );
    let questions: Vec<Value> = labels
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, label)| {
            let kind = kinds.get(i).map_or("short_text", String::as_str);
            let opts: Vec<&str> = options.get(i).map_or("", String::as_str).split(',').map(str::trim).filter(|o| !o.is_empty()).collect();
            json!({"label": label, "type": kind, "required": required.get(i).is_some_and(|r| r == "yes"), "options": opts})
        })
        .collect();
    let number = |name: &str| {
        first(f, name)
            .trim()
            .parse::<i64>()
            .map_or_else(|_| json!(first(f, name)), Value::from)
    };
    json!({
        "name": first(f, "name"),
        "duration": number("duration"),
        "slotInterval": if first(f, "slotInterval").trim().is_empty() { Value::Null } else { number("slotInterval") },
        "color": first(f, "color").to_ascii_uppercase(),
        "description": first(f, "description"),
        "confirmationMessage": first(f, "confirmationMessage"),
        "active": first(f, "active") == "yes",
        "questions": questions,
        "location": location_body(first(f, "locationKind"), first(f, "locationValue").trim()),
        "guestCutoffHours": number("guestCutoffHours"),
    })
}

async fn save_type(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let body = type_body(&f);
    let now = state.clock.now();
    let saved = match state.worker.check_video(&s.host.id, &body).await {
        Err(e) => Err(e.into()),
        Ok(()) if id == "new" => host::create_meeting_type(&state.store, &s.host, &body, now).await,
        Ok(()) => host::update_meeting_type(&state.store, &s.host, &id, &body, now).await,
    };
    match saved {
        Ok(_) => Redirect::to("/dashboard/meeting-types").into_response(),
        Err(e) => {
            // Re-render with what was typed.
            let mut typed = MeetingTypeRecord::with_defaults(String::new(), &s.host.id);
            typed.name = first(&f, "name").into();
            typed.duration = first(&f, "duration").parse().unwrap_or(30);
            typed.slot_interval = first(&f, "slotInterval").parse().ok();
            typed.color = first(&f, "color").into();
            typed.description = Some(first(&f, "description").into());
            typed.confirmation_message = Some(first(&f, "confirmationMessage").into());
            typed.active = first(&f, "active") == "yes";
            typed.questions = body["questions"].clone();
            let errors = problems(e).iter().map(ToString::to_string).collect();
            type_form_page(&headers, s, id == "new", &typed, Some(&f), errors)
        }
    }
}

async fn delete_type(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, _) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let _ = host::delete_meeting_type(&state.store, &s.host, &id, state.clock.now()).await;
    Redirect::to("/dashboard/meeting-types").into_response()
}

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

async fn blocked_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let s = or_return!(session(&state, &headers).await);
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

async fn add_blocked(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, f) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let form = BlockForm {
        date: first(&f, "date").into(),
        from: first(&f, "from").into(),
        to: first(&f, "to").into(),
        reason: first(&f, "reason").into(),
        repeat: first(&f, "repeat").into(),
        every: first(&f, "every").into(),
        on: f.get("on").cloned().unwrap_or_default(),
        until: first(&f, "until").into(),
        count: first(&f, "count").into(),
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
            host::create_blocked_time(&state.store, &s.host, &body, state.clock.now())
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

async fn delete_blocked(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (s, _) = match posted(&state, &headers, pairs).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let _ = host::delete_blocked_time(&state.store, &s.host, &id).await;
    Redirect::to("/dashboard/blocked").into_response()
}
