//! The host's bookings: the filtered list with paging, bulk cancel, and the actions on one
//! booking (cancel, reschedule, no-show, block the guest).

use crate::format::Locale;
use crate::format::when_label;
use crate::services::{ServiceError, booking, spam};
use crate::store::BookingFilter;
use crate::web::dashboard::kit::BookingRow;
use crate::web::dashboard::kit::Notice;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::host_zone;
use crate::web::dashboard::kit::rows;
use crate::web::dashboard::kit::tell;
use crate::web::dashboard::kit::type_names;
use crate::web::dashboard::kit::waiting_notice;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::encode;
use crate::web::shell::html;
use crate::web::state::AppState;
use askama::Template;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use scheduling::{BookingStatus, Instant};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Template)]
#[template(path = "dash_bookings.html")]
struct BookingsPage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    /// What the last action did, or what went wrong.
    notice: Option<Notice>,
    tab: String,
    tabs: [(&'static str, &'static str); 3],
    types: Vec<(String, String)>,
    type_filter: String,
    date_filter: String,
    bookings: Vec<BookingRow>,
    next_page: Option<String>,
    /// Blocked addresses and domains.
    blocks: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
pub(crate) struct BookingsQuery {
    tab: Option<String>,
    #[serde(rename = "type")]
    meeting_type: Option<String>,
    date: Option<String>,
    /// The page cursor: `<start ms>.<id>` of the last booking of the previous page.
    after: Option<String>,
}

/// Bookings per dashboard page.
const PAGE_SIZE: i64 = 50;

pub(crate) async fn bookings_page(
    State(state): State<AppState>,
    s: Session,
    headers: HeaderMap,
    Query(q): Query<BookingsQuery>,
) -> Response {
    let now = Instant::from(state.clock.now());
    let tab = q.tab.unwrap_or_else(|| "upcoming".into());
    let locale = Locale::from_headers(&headers);
    let zone = host_zone(&state, &s.host).await;
    let type_filter = q.meeting_type.unwrap_or_default();
    let date_filter = q.date.unwrap_or_default();
    // A day filter is the host-local day's range of starts.
    let day = date_filter.parse::<jiff::civil::Date>().ok().and_then(|d| {
        let tz = zone.time_zone().clone();
        let start = d.to_zoned_datetime(tz.clone()).ok()?.timestamp();
        let end = d.tomorrow().ok()?.to_zoned_datetime(tz).ok()?.timestamp();
        Some((Instant::from(start), Instant::from(end)))
    });
    let mut filter = match tab.as_str() {
        "past" => BookingFilter {
            not_cancelled: true,
            to: Some(now),
            newest_first: true,
            ..BookingFilter::default()
        },
        "cancelled" => BookingFilter {
            status: Some(BookingStatus::Cancelled),
            newest_first: true,
            ..BookingFilter::default()
        },
        _ => BookingFilter {
            status: Some(BookingStatus::Confirmed),
            from: Some(now),
            ..BookingFilter::default()
        },
    };
    if let Some((start, end)) = day {
        filter.from = Some(filter.from.map_or(start, |f| f.max(start)));
        filter.to = Some(filter.to.map_or(end, |t| t.min(end)));
    }
    filter.meeting_type = Some(type_filter.clone()).filter(|t| !t.is_empty());
    let cursor = q.after.as_deref().and_then(crate::store::parse_cursor);
    let mut list = state
        .store
        .bookings_page(&s.host.id, filter, cursor, PAGE_SIZE + 1)
        .await
        .unwrap_or_default();
    let more = list.len() > PAGE_SIZE as usize;
    list.truncate(PAGE_SIZE as usize);
    let next_page = list.last().filter(|_| more).map(|last| {
        format!(
            "?tab={}&type={}&date={}&after={}",
            encode(&tab),
            encode(&type_filter),
            encode(&date_filter),
            encode(&last.cursor())
        )
    });
    let bookings = rows(&state, &s.host, list, locale).await;
    let types = type_names(&state, &s.host).await;
    let page = BookingsPage {
        asset_version: &ASSET_VERSION,
        flash: None,
        notice: waiting_notice(&state, &s).await,
        tabs: [
            ("upcoming", "Upcoming"),
            ("past", "Past"),
            ("cancelled", "Cancelled"),
        ],
        types,
        type_filter,
        date_filter,
        bookings,
        next_page,
        blocks: state
            .store
            .guest_blocks(&s.host.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(p, _)| p)
            .collect(),
        tab,
        csrf: s.csrf,
    };
    html(&headers, StatusCode::OK, &page)
}

/// Applies a change to a booking from a dashboard form and returns to the list with what
/// happened (the same service, and so the same rules, as `PATCH /api/bookings/{id}`).
async fn change_booking(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    s: Session,
    body: Value,
    back: &str,
) -> Response {
    let outcome = match booking::update(&state.store, &s.host, id, &body, state.clock.now()).await {
        Ok(b) => Ok(format!(
            "The meeting with {} is {} ({}).",
            b.guest_name,
            match b.status {
                scheduling::BookingStatus::Confirmed => "confirmed",
                scheduling::BookingStatus::Cancelled => "cancelled",
                scheduling::BookingStatus::Completed => "marked as held",
                scheduling::BookingStatus::NoShow => "marked as a no-show",
                scheduling::BookingStatus::Pending => "waiting for your approval",
                scheduling::BookingStatus::Rejected => "declined",
                scheduling::BookingStatus::Expired => "expired",
            },
            when_label(
                b.start,
                &host_zone(state, &s.host).await,
                Locale::from_headers(headers)
            )
        )),
        Err(e) => Err(e),
    };
    let back = if back == "detail" {
        format!("/dashboard/bookings/{}", encode(id))
    } else {
        "/dashboard/bookings".to_owned()
    };
    tell(state, &s, outcome, &back).await
}

/// Back to the bookings with what happened, or what went wrong.
async fn to_bookings(
    state: &AppState,
    s: &Session,
    outcome: Result<String, ServiceError>,
) -> Response {
    tell(state, s, outcome, "/dashboard/bookings").await
}

/// The bulk form: the ticked bookings (or all from an address or domain), as spam or not.
pub(crate) async fn bulk_cancel(State(state): State<AppState>, Posted(s, f): Posted) -> Response {
    let ids = f.all("id").to_vec();
    let from = f.first("from").trim();
    let mut body = json!({"spam": f.first("spam") == "yes"});
    if from.is_empty() {
        body["ids"] = json!(ids);
    } else {
        body["from"] = json!(from);
    }
    if !f.first("reason").trim().is_empty() {
        body["reason"] = json!(f.first("reason"));
    }
    let outcome = async {
        let bulk = spam::BulkCancel::read(&body)?;
        let quiet = bulk.spam;
        let done = spam::cancel_many(&state.store, &s.host, bulk, state.clock.now()).await?;
        Ok(match (done.len(), quiet) {
            (0, _) => "No confirmed bookings matched; nothing was cancelled.".to_owned(),
            (n, true) => format!(
                "Cancelled {n} booking{} as spam. Nobody was emailed; the senders are blocked.",
                if n == 1 { "" } else { "s" }
            ),
            (n, false) => format!(
                "Cancelled {n} booking{}; the guests have been told.",
                if n == 1 { "" } else { "s" }
            ),
        })
    }
    .await;
    to_bookings(&state, &s, outcome).await
}

/// The block list's forms: an address or `@domain`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Pattern {
    pattern: String,
}

pub(crate) async fn add_block(
    State(state): State<AppState>,
    Posted(s, Pattern { pattern }): Posted<Pattern>,
) -> Response {
    let pattern = &pattern;
    let outcome = spam::block(&state.store, &s.host, pattern, state.clock.now())
        .await
        .map(|(pattern, _)| format!("{pattern} can no longer book with you."));
    to_bookings(&state, &s, outcome).await
}

pub(crate) async fn remove_block(
    State(state): State<AppState>,
    Posted(s, Pattern { pattern }): Posted<Pattern>,
) -> Response {
    let pattern = &pattern;
    let outcome = spam::unblock(&state.store, &s.host, pattern)
        .await
        .map(|()| format!("{} may book with you again.", pattern.trim()));
    to_bookings(&state, &s, outcome).await
}

/// A booking's forms on the list and its page: a new status (with the reason for cancelling),
/// or a new start; `back` says which page to return to.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Change {
    status: String,
    reason: String,
    start: String,
    back: String,
}

pub(crate) async fn booking_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Posted(s, form): Posted<Change>,
) -> Response {
    let mut body = json!({"status": form.status});
    if !form.reason.trim().is_empty() {
        body["cancelReason"] = json!(form.reason);
    }
    change_booking(&state, &headers, &id, s, body, &form.back).await
}

pub(crate) async fn reschedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Posted(s, form): Posted<Change>,
) -> Response {
    let body = json!({"startTime": form.start});
    change_booking(&state, &headers, &id, s, body, &form.back).await
}
