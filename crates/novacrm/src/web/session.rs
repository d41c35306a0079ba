//! Logging in and out of the dashboard: `POST /api/session` sets the session cookie
//! (`HttpOnly`, `SameSite=Lax`, `Secure` behind HTTPS), `DELETE /api/session` ends it.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use scheduling::Obj;
use serde_json::json;

use super::AppState;
use super::error::Result;
use super::extract::{ClientIp, JsonBody, SESSION_COOKIE, session_cookie};
use crate::services::host::{self, SESSION_DAYS, token_hash};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/session", post(log_in).delete(log_out))
}

/// The `Set-Cookie` value for the session (`value` empty and `max_age` 0 end it); shared by
/// the API and the dashboard's forms.
pub fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let text = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).expect("session tokens are ASCII")
}

async fn log_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let obj = Obj::new(&body, "")?;
    let username = obj.required_str("username")?;
    let password = obj.required_str("password")?;
    let now = state.clock.now();
    let (host, token) = host::log_in(&state.store, username, password, client, now).await?;
    let mut response = Json(json!({"username": host.username, "name": host.name})).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&state, &token, SESSION_DAYS * 86_400),
    );
    Ok(response)
}

async fn log_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
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
        .insert(header::SET_COOKIE, cookie(&state, "", 0));
    Ok(response)
}
