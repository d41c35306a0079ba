//! Request extractors that fail with problem+json: a JSON body read as a `Value` (fields are
//! checked by the services, which name them), and the authenticated host (Bearer token or
//! the dashboard's session cookie).
//!
//! JSON bodies must say `Content-Type: application/json`: a cross-site HTML form cannot, so
//! a session cookie cannot be ridden into a write from another site.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::Value;

use super::AppState;
use super::error::ApiError;
use crate::services::host::token_hash;
use crate::store::Host;

/// Largest accepted request body.
pub const BODY_LIMIT: usize = 64 * 1024;

#[derive(Debug)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(BODY_LIMIT)
            } else {
                ApiError::BadRequest(format!("cannot read the request body: {r}"))
            }
        })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(ApiError::BadRequest(
                "the body must be a JSON object".into(),
            ));
        }
        Ok(Self(value))
    }
}

/// Name of the dashboard's session cookie.
pub const SESSION_COOKIE: &str = "novacrm_session";

/// The session token from the `Cookie` header, if any.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// A non-empty cookie's value from the `Cookie` header.
pub fn cookie<'h>(headers: &'h axum::http::HeaderMap, wanted: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == wanted && !value.is_empty())
        .map(|(_, value)| value)
}

/// The token of `Authorization: Bearer TOKEN`, if any.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The host behind `Authorization: Bearer TOKEN`.
#[derive(Debug)]
pub struct AuthHost(pub Host);

impl<S> FromRequestParts<S> for AuthHost
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let bearer = bearer_token(&parts.headers);
        let found = if let Some(token) = bearer {
            state.store.host_by_token_hash(&token_hash(token)).await
        } else if let Some(token) = session_cookie(&parts.headers) {
            let now = scheduling::Instant::from(state.clock.now());
            state.store.host_by_session(&token_hash(token), now).await
        } else {
            return Err(ApiError::Unauthorized);
        };
        let host = found
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Self(host))
    }
}

/// The client's address as the rate limits see it (peer, or trusted proxies' word; IPv6 by
/// /64), for what must be counted per client in the database (failed log-ins).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(super::limits::client_key(
            &parts.extensions,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}
