//! Webhook endpoints and calendar connections.

use crate::services::{calendars, webhooks};
use crate::web::api::common::internal;
use crate::web::error::Result;
use crate::web::inputs::AuthHost;
use crate::web::inputs::JsonBody;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub(crate) async fn list_webhooks(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let list = state.store.webhooks(&host.id).await.map_err(internal)?;
    Ok(Json(list.iter().map(webhooks::to_json).collect()))
}

pub(crate) async fn create_webhook(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let (webhook, secret) = webhooks::create(
        &state.store,
        &state.sealer,
        &state.calendars.policy,
        &host,
        &body,
        state.clock.now(),
    )
    .await?;
    let mut json = webhooks::to_json(&webhook);
    json["secret"] = Value::String(secret);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

pub(crate) async fn delete_webhook(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    webhooks::delete(&state.store, &host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn connections_json(state: &AppState, host: &crate::store::Host) -> Result<Value> {
    let connections = state.store.connections(&host.id).await.map_err(internal)?;
    let calendars = state.store.calendars(&host.id).await.map_err(internal)?;
    Ok(Value::Array(
        connections
            .iter()
            .map(|c| calendars::connection_json(c, &calendars))
            .collect(),
    ))
}

pub(crate) async fn list_connections(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    Ok(Json(connections_json(&state, &host).await?))
}

pub(crate) async fn create_connection(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let (connection, calendars) = state
        .calendars
        .connect(&host, &body, state.clock.now())
        .await?;
    let json = calendars::connection_json(&connection, &calendars);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

pub(crate) async fn patch_connection(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    state
        .calendars
        .patch(&host, &id, &body, state.clock.now())
        .await?;
    let all = connections_json(&state, &host).await?;
    let one = all
        .as_array()
        .and_then(|list| list.iter().find(|c| c["id"] == id.as_str()).cloned())
        .unwrap_or(Value::Null);
    Ok(Json(one))
}

pub(crate) async fn delete_connection(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state.calendars.delete(&host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
