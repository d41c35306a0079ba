//! Blocked time: one-off or recurring (RRULE) periods in which no one can book.

use crate::services::blocked_time;
use crate::store::Store;
use crate::web::api::common::internal;
use crate::web::error::Result;
use crate::web::inputs::AuthHost;
use crate::web::inputs::JsonBody;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

pub(crate) async fn list_blocked_time(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let list = Store::blocked_times(state.store.pool(), &host.id)
        .await
        .map_err(internal)?;
    Ok(Json(Value::Array(
        list.iter()
            .map(crate::store::BlockedRecord::to_json)
            .collect(),
    )))
}

pub(crate) async fn create_blocked_time(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>)> {
    let b =
        blocked_time::create_blocked_time(&state.store, &host, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(b.to_json())))
}

pub(crate) async fn delete_blocked_time(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    blocked_time::delete_blocked_time(&state.store, &host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
