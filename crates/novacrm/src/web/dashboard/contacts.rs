//! The CRM contacts a booking creates: the list, and a page per contact with their details,
//! every booking (linked to its detail page) and the host's own notes.

use crate::web::shell::or_return;
use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::format::Locale;
use crate::format::when_label;
use crate::web::dashboard::kit::Notice;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::host_settings;
use crate::web::dashboard::kit::status_label;
use crate::web::dashboard::kit::tell;
use crate::web::dashboard::kit::waiting_notice;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::encode;
use crate::web::shell::html;
use crate::web::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/contacts", get(list))
        .route("/dashboard/contacts/{id}", get(detail).post(save_notes))
}

struct ContactRow {
    id: String,
    name: String,
    email: String,
    company: Option<String>,
}

#[derive(Template)]
#[template(path = "dash_contacts.html")]
struct ListPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    contacts: Vec<ContactRow>,
}

async fn list(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Response {
    let contacts = state
        .store
        .contacts(&s.host.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| ContactRow {
            id: c.id,
            name: c.name,
            email: c.email,
            company: c.company,
        })
        .collect();
    let page = ListPage {
        asset_version: &ASSET_VERSION,
        csrf: s.csrf,
        flash: None,
        contacts,
    };
    html(&headers, StatusCode::OK, &page)
}

struct ContactBooking {
    id: String,
    when: String,
    zone_label: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "dash_contact.html")]
struct DetailPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    notice: Option<Notice>,
    id: String,
    name: String,
    email: String,
    phone: Option<String>,
    company: Option<String>,
    notes: String,
    bookings: Vec<ContactBooking>,
}

/// Bookings shown on a contact's page (newest first).
const CONTACT_BOOKINGS: i64 = 200;

async fn detail(
    State(state): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(Some(contact)) = state.store.contact(&s.host.id, &id).await else {
        return (StatusCode::NOT_FOUND, "There is no such contact.").into_response();
    };
    let zone = or_return!(host_settings(&state, &s.host).await).zone;
    let locale = Locale::from_headers(&headers);
    let bookings = state
        .store
        .contact_bookings(&s.host.id, &contact.id, CONTACT_BOOKINGS)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|b| ContactBooking {
            when: when_label(b.start, &zone, locale),
            zone_label: crate::web::guest::zones::zone_label(&zone, b.start.to_timestamp()),
            status: status_label(b.status),
            id: b.id,
        })
        .collect();
    let page = DetailPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        notice: waiting_notice(&state, &s).await,
        id: contact.id,
        name: contact.name,
        email: contact.email,
        phone: contact.phone,
        company: contact.company,
        notes: contact.notes,
        bookings,
        csrf: s.csrf,
    };
    html(&headers, StatusCode::OK, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Notes {
    notes: String,
}

async fn save_notes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(s, Notes { notes }): Posted<Notes>,
) -> Response {
    let notes = notes.trim();
    let outcome = if notes.chars().count() > 5000 {
        Err(crate::services::ServiceError::Invalid(vec![
            scheduling::FieldError::new("notes", "must be at most 5000 characters"),
        ]))
    } else {
        match state.store.set_contact_notes(&s.host.id, &id, notes).await {
            Ok(true) => Ok("Notes saved.".to_owned()),
            Ok(false) => Err(crate::services::ServiceError::NotFound(
                "There is no such contact.".into(),
            )),
            Err(e) => Err(e.into()),
        }
    };
    tell(
        &state,
        &s,
        outcome,
        &format!("/dashboard/contacts/{}", encode(&id)),
    )
    .await
}
