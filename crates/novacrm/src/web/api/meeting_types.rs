//! The host's meeting types: list, create, update, delete.

use crate::services::meeting_types;
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

pub(crate) async fn list_meeting_types(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let types = state
        .store
        .meeting_types(&host.id)
        .await
        .map_err(internal)?;
    Ok(Json(Value::Array(
        types
            .iter()
            .map(crate::store::MeetingTypeRecord::to_json)
            .collect(),
    )))
}

pub(crate) async fn create_meeting_type(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>)> {
    let now = state.clock.now();
    let m = meeting_types::create_meeting_type(&state.store, &state.meetings, &host, &body, now)
        .await?;
    Ok((StatusCode::CREATED, Json(m.to_json())))
}

pub(crate) async fn update_meeting_type(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let (store, meetings, now) = (&state.store, &state.meetings, state.clock.now());
    let m = meeting_types::update_meeting_type(store, meetings, &host, &id, &body, now).await?;
    Ok(Json(m.to_json()))
}

pub(crate) async fn delete_meeting_type(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    meeting_types::delete_meeting_type(&state.store, &host, &id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
