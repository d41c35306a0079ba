//! Logging in and out of the dashboard: `POST /api/session` sets the session cookie
//! (`HttpOnly`, `SameSite=Lax`, `Secure` behind HTTPS), `DELETE /api/session` ends it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scheduling::Obj;
use serde_json::json;

use crate::crypto::token_hash;
use crate::services::accounts::{self, SESSION_DAYS};
use crate::web::client::ClientIp;
use crate::web::cookie::session_cookie;
use crate::web::cookie::session_set_cookie;
use crate::web::error::Result;
use crate::web::inputs::JsonBody;
use crate::web::state::AppState;

pub async fn log_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let obj = Obj::new(&body, "")?;
    let username = obj.required_str("username")?;
    let password = obj.required_str("password")?;
    let now = state.clock.now();
    let (host, token) = accounts::log_in(&state.store, username, password, client, now).await?;
    let mut response = Json(json!({"username": host.username, "name": host.name})).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_set_cookie(&token, SESSION_DAYS * 86_400),
    );
    Ok(response)
}

pub async fn log_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    if let Some(token) = session_cookie(&headers) {
        state
            .store
            .delete_session(&token_hash(token))
            .await
            .map_err(|e| super::error::ApiError::Internal(e.to_string()))?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_set_cookie("", 0));
    Ok(response)
}
