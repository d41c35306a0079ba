//! The host's meeting types: the list, and the form with the intake-question editor.

use crate::services::meeting_types;
use crate::store::MeetingTypeRecord;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::form_status;
use crate::web::dashboard::kit::problems;
use crate::web::form::Fields;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};

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

pub(crate) async fn types_page(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
) -> Response {
    let base = state.public_url().to_owned();
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
    offer: OfferFields,
    /// The host's named schedules, `(id, name)`, for the hours the type offers.
    schedules: Vec<(String, String)>,
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

/// The form's "How guests book it" fields, as typed or from the type.
struct OfferFields {
    durations: String,
    seats: String,
    guest_limit: String,
    /// `never`, `always` or `notice`.
    approval: String,
    approval_hours: String,
    expires: String,
    /// The named schedule whose hours it offers (empty: the Availability page's).
    schedule: String,
}

impl OfferFields {
    fn of(m: &MeetingTypeRecord) -> Self {
        let text = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        let (approval, hours) = match m.offer.approval {
            scheduling::Approval::Never => ("never", None),
            scheduling::Approval::Always => ("always", None),
            scheduling::Approval::UnderNoticeHours(h) => ("notice", Some(h)),
        };
        Self {
            durations: m
                .offer
                .other_durations
                .iter()
                .map(|d| d.get().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            seats: text(m.policy.seats),
            guest_limit: text(m.offer.guest_limit),
            approval: approval.into(),
            approval_hours: text(hours),
            expires: text(m.offer.pending_expires_hours),
            schedule: m.schedule_id.clone().unwrap_or_default(),
        }
    }

    fn typed(f: &Fields) -> Self {
        let get = |name: &str| f.first(name).to_owned();
        Self {
            durations: get("durations"),
            seats: get("seats"),
            guest_limit: get("guestLimit"),
            approval: get("approval"),
            approval_hours: get("approvalHours"),
            expires: get("pendingExpiresHours"),
            schedule: get("scheduleId"),
        }
    }
}

fn type_form_page(
    headers: &HeaderMap,
    s: Session,
    schedules: Vec<(String, String)>,
    creating: bool,
    m: &MeetingTypeRecord,
    typed: Option<&Fields>,
    errors: Vec<String>,
) -> Response {
    let (location_kind, location_value, cutoff) = if let Some(f) = typed {
        (
            f.first("locationKind").to_owned(),
            f.first("locationValue").to_owned(),
            f.first("guestCutoffHours").to_owned(),
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
        offer: typed.map_or_else(|| OfferFields::of(m), OfferFields::typed),
        schedules,
        questions,
        kinds: KINDS,
    };
    html(headers, status, &page)
}

pub(crate) async fn type_form(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let schedules = schedule_choices(&state, &s.host.id).await;
    if id == "new" {
        let blank = MeetingTypeRecord::with_defaults(String::new(), &s.host.id);
        return type_form_page(&headers, s, schedules, true, &blank, None, Vec::new());
    }
    match state
        .store
        .meeting_type(&s.host.id, &id)
        .await
        .ok()
        .flatten()
        .filter(|m| !m.archived)
    {
        Some(m) => type_form_page(&headers, s, schedules, false, &m, None, Vec::new()),
        None => crate::web::shell::not_found(&headers, "No such meeting type."),
    }
}

/// The API body for a meeting type from the form (question rows zipped by position).
fn type_body(f: &Fields) -> Value {
    let list = |name: &str| f.all(name).to_vec();
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
        f.first(name)
            .trim()
            .parse::<i64>()
            .map_or_else(|_| json!(f.first(name)), Value::from)
    };
    let optional = |name: &str| {
        if f.first(name).trim().is_empty() {
            Value::Null
        } else {
            number(name)
        }
    };
    // The type's own length first, then the others typed (a word stays a word: refused by name).
    let others = f.first("durations");
    let durations = if others.trim().is_empty() {
        Value::Null
    } else {
        let mut list = vec![number("duration")];
        list.extend(
            others
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(|d| d.parse::<i64>().map_or_else(|_| json!(d), Value::from)),
        );
        Value::Array(list)
    };
    let approval = match f.first("approval") {
        "always" => json!("always"),
        "notice" => json!({"underNoticeHours": number("approvalHours")}),
        _ => json!("never"),
    };
    let mut body = json!({
        "name": f.first("name"),
        "duration": number("duration"),
        "slotInterval": if f.first("slotInterval").trim().is_empty() { Value::Null } else { number("slotInterval") },
        "color": f.first("color").to_ascii_uppercase(),
        "description": f.first("description"),
        "confirmationMessage": f.first("confirmationMessage"),
        "active": f.first("active") == "yes",
        "questions": questions,
        "location": location_body(f.first("locationKind"), f.first("locationValue").trim()),
        "guestCutoffHours": number("guestCutoffHours"),
        "durations": durations,
        "seats": optional("seats"),
        "guestLimit": optional("guestLimit"),
        "approval": approval,
        "pendingExpiresHours": optional("pendingExpiresHours"),
    });
    // The hours choice is on the form only when the host has schedules (and could read
    // them): a form without it leaves the type's schedule as it is.
    if let Some(schedule) = f.get("scheduleId") {
        body["scheduleId"] = if schedule.is_empty() {
            Value::Null
        } else {
            json!(schedule)
        };
    }
    body
}

/// The host's named schedules for the form's hours choice (none when they cannot be read:
/// the form still offers the default hours, and saving checks the id).
async fn schedule_choices(state: &AppState, host_id: &str) -> Vec<(String, String)> {
    let schedules = state.store.schedules(host_id).await.unwrap_or_default();
    schedules.into_iter().map(|r| (r.id, r.name)).collect()
}

pub(crate) async fn save_type(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Posted(s, f): Posted,
) -> Response {
    let body = type_body(&f);
    let now = state.clock.now();
    let (store, meetings) = (&state.store, &state.meetings);
    let saved = if id == "new" {
        meeting_types::create_meeting_type(store, meetings, &s.host, &body, now).await
    } else {
        meeting_types::update_meeting_type(store, meetings, &s.host, &id, &body, now).await
    };
    match saved {
        Ok(_) => Redirect::to("/dashboard/meeting-types").into_response(),
        Err(e) => {
            // Re-render with what was typed.
            let mut typed = MeetingTypeRecord::with_defaults(String::new(), &s.host.id);
            typed.name = f.first("name").into();
            typed.duration = f.first("duration").parse().unwrap_or(30);
            typed.slot_interval = f.first("slotInterval").parse().ok();
            typed.color = f.first("color").into();
            typed.description = Some(f.first("description").into());
            typed.confirmation_message = Some(f.first("confirmationMessage").into());
            typed.active = f.first("active") == "yes";
            typed.questions = body["questions"].clone();
            let errors = problems(e).iter().map(ToString::to_string).collect();
            let schedules = schedule_choices(&state, &s.host.id).await;
            type_form_page(
                &headers,
                s,
                schedules,
                id == "new",
                &typed,
                Some(&f),
                errors,
            )
        }
    }
}

pub(crate) async fn delete_type(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, _): Posted,
) -> Response {
    let _ = meeting_types::delete_meeting_type(&state.store, &s.host, &id, state.clock.now()).await;
    Redirect::to("/dashboard/meeting-types").into_response()
}
