//! Insights and the CSV exports (bookings, daily figures).

use crate::services::{exports, insights};
use crate::web::error::Result;
use crate::web::inputs::AuthHost;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::Query;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;

pub(crate) async fn get_insights(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>> {
    let report = insights::insights(
        &state.store,
        &state.insights,
        &host,
        query.get("from").map(String::as_str),
        query.get("to").map(String::as_str),
        state.clock.now(),
    )
    .await?;
    Ok(Json(report.to_json()))
}

/// A CSV download named `file`.
fn csv(file: &str, body: axum::body::Body) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/csv; charset=utf-8; header=present".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn export_bookings(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Response> {
    let rows = exports::bookings_csv(&state.store, &host).await?;
    let rows = futures_util::TryStreamExt::inspect_err(rows, |e| {
        tracing::error!(error = %e, "the bookings export stopped");
    });
    Ok(csv("bookings.csv", axum::body::Body::from_stream(rows)))
}

pub(crate) async fn export_daily(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let body = exports::daily_csv(
        &state.store,
        &state.insights,
        &host,
        query.get("from").map(String::as_str),
        query.get("to").map(String::as_str),
        state.clock.now(),
    )
    .await?;
    Ok(csv("daily.csv", body.into()))
}
