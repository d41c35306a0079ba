//! The host's bookings: the filtered, paged list; changing one; cancelling several.

use crate::services::{booking, spam};
use crate::store::BookingFilter;
use crate::web::api::common::internal;
use crate::web::api::public::query_instant;
use crate::web::error::Result;
use crate::web::inputs::AuthHost;
use crate::web::inputs::JsonBody;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use scheduling::{FieldError, Instant};
use serde_json::{Value, json};
use std::collections::HashMap;

pub(crate) async fn list_bookings(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let status = query
        .get("status")
        .map(|s| s.parse().map_err(|m| FieldError::new("status", m)))
        .transpose()?;
    let from = query_instant(&query, "from")?.map(Instant::ceil);
    let to = query_instant(&query, "to")?.map(Instant::ceil);
    let limit = match query.get("limit") {
        None => 100,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| FieldError::new("limit", "must be a whole number from 1 to 500"))?,
    };
    let cursor = query
        .get("cursor")
        .map(|c| {
            crate::store::parse_cursor(c)
                .ok_or_else(|| FieldError::new("cursor", "is not a cursor from a Link header"))
        })
        .transpose()?;
    let filter = BookingFilter {
        status,
        from,
        to,
        ..BookingFilter::default()
    };
    let mut list = state
        .store
        .bookings_page(&host.id, filter, cursor, limit + 1)
        .await
        .map_err(internal)?;
    let more = list.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    list.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let body = Value::Array(
        list.iter()
            .map(crate::store::BookingRecord::to_json)
            .collect(),
    );
    let mut response = Json(body).into_response();
    if more && let Some(last) = list.last() {
        // The next page: the same filters, after the last booking of this one.
        let mut next = format!(
            "/api/bookings?limit={limit}&cursor={}",
            crate::web::shell::encode(&last.cursor())
        );
        for key in ["status", "from", "to"] {
            if let Some(value) = query.get(key).filter(|v| !v.is_empty()) {
                next.push('&');
                next.push_str(key);
                next.push('=');
                next.push_str(&crate::web::shell::encode(value));
            }
        }
        let link = format!("<{next}>; rel=\"next\"");
        response.headers_mut().insert(
            axum::http::header::LINK,
            axum::http::HeaderValue::from_str(&link).map_err(internal)?,
        );
    }
    Ok(response)
}

pub(crate) async fn update_booking(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let b = booking::update(&state.store, &host, &id, &body, state.clock.now()).await?;
    Ok(Json(b.to_json()))
}

pub(crate) async fn cancel_bookings(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let bulk = spam::BulkCancel::read(&body)?;
    let cancelled = spam::cancel_many(&state.store, &host, bulk, state.clock.now()).await?;
    Ok(Json(json!({
        "cancelled": cancelled.len(),
        "bookings": cancelled.iter().map(crate::store::BookingRecord::to_json).collect::<Vec<_>>(),
    })))
}
