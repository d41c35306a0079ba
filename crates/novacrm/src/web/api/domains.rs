//! The host's custom domains: add, list, verify (a DNS lookup now), remove.

use crate::services::domains;
use crate::web::api::common::internal;
use crate::web::error::{ApiError, Result};
use crate::web::inputs::AuthHost;
use crate::web::inputs::JsonBody;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scheduling::FieldError;
use serde_json::Value;

pub(crate) async fn list_domains(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let list = state.store.domains(&host.id).await.map_err(internal)?;
    let names = state.names();
    Ok(Json(
        list.iter().map(|d| domains::to_json(d, &names)).collect(),
    ))
}

pub(crate) async fn add_domain(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let Some(text) = body.get("domain").and_then(Value::as_str) else {
        return Err(ApiError::from(FieldError::new(
            "domain",
            "enter the domain, e.g. book.example.com",
        )));
    };
    let names = state.names();
    let record = domains::add(&state.store, &names, &host, text, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(domains::to_json(&record, &names))).into_response())
}

pub(crate) async fn verify_domain(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let record = domains::verify(
        &state.store,
        &state.dns,
        &state.domains,
        &host,
        &id,
        state.clock.now(),
    )
    .await?;
    Ok(Json(domains::to_json(&record, &state.names())))
}

pub(crate) async fn delete_domain(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    domains::remove(&state.store, &state.domains, &host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
