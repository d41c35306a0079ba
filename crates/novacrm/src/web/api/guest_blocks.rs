//! Guests the host has blocked from booking (by email or phone).

use crate::services::spam;
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
use scheduling::Instant;
use serde_json::{Value, json};

fn block_json(pattern: &str, at: Instant) -> Value {
    json!({"pattern": pattern, "createdAt": at.to_string()})
}

/// When the host blocked `pattern` (as stored: a repeat block keeps the first date).
async fn added_at(state: &AppState, host: &crate::store::Host, pattern: &str) -> Result<Instant> {
    let blocks = state.store.guest_blocks(&host.id).await.map_err(internal)?;
    blocks
        .into_iter()
        .find(|(p, _)| p == pattern)
        .map(|(_, at)| at)
        .ok_or_else(|| internal("a block just saved is missing"))
}

pub(crate) async fn list_guest_blocks(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let blocks = state.store.guest_blocks(&host.id).await.map_err(internal)?;
    Ok(Json(Value::Array(
        blocks.iter().map(|(p, at)| block_json(p, *at)).collect(),
    )))
}

pub(crate) async fn add_guest_block(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let obj = scheduling::Obj::new(&body, "")?;
    let text = obj.required_str("pattern")?;
    let (pattern, added) = spam::block(&state.store, &host, text, state.clock.now()).await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(block_json(
            &pattern,
            added_at(&state, &host, &pattern).await?,
        )),
    )
        .into_response())
}

pub(crate) async fn delete_guest_block(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(pattern): Path<String>,
) -> Result<StatusCode> {
    spam::unblock(&state.store, &host, &pattern).await?;
    Ok(StatusCode::NO_CONTENT)
}
