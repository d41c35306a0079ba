//! Request extractors that fail with problem+json: a JSON body read as a `Value` (fields are
//! checked by the services, which name them), and the authenticated host (Bearer token or
//! the dashboard's session cookie).
//!
//! Strings (and keys) holding a NUL are refused with the field's JSON pointer; other control
//! characters are the field checks' business (see `web/controls.rs`).
//!
//! JSON bodies must say `Content-Type: application/json`: a cross-site HTML form cannot, so
//! a session cookie cannot be ridden into a write from another site.

use crate::crypto::token_hash;
use crate::store::Host;
use crate::web::cookie::session_cookie;
use crate::web::error::ApiError;
use crate::web::state::AppState;
use axum::body::Bytes;
use axum::extract::FromRef;
use axum::extract::FromRequest;
use axum::extract::FromRequestParts;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::Value;

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
        if let Some(at) = nul_in(&value, String::new()) {
            return Err(ApiError::BadRequest(format!(
                "`{at}` holds the control character U+0000 (NUL), which no value may contain; \
                 remove it and send again"
            )));
        }
        Ok(Self(value))
    }
}

/// Where in a JSON value a string (or key) holds a NUL, as a JSON pointer.
fn nul_in(value: &Value, at: String) -> Option<String> {
    use crate::web::controls::holds_nul;
    match value {
        Value::String(text) => holds_nul(text).then_some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item, format!("{at}/{i}"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let place = format!("{at}/{key}");
            if holds_nul(key) {
                Some(place)
            } else {
                nul_in(item, place)
            }
        }),
        _ => None,
    }
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

/// Whether a browser's request comes from this site: `Sec-Fetch-Site` says so, or `Origin` is
/// the public URL's origin. A client that sends neither is no browser on another site.
fn same_origin(headers: &axum::http::HeaderMap, config: &crate::config::Config) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (header("origin"), config.public_url.as_deref()) {
        (None, _) => true,
        (Some(origin), Some(public)) => {
            url::Url::parse(public).is_ok_and(|u| u.origin().ascii_serialization() == origin)
        }
        (Some(_), None) => false,
    }
}

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
            // A cookie rides along on requests other sites make: a change must come from this
            // site (SameSite=Lax alone lets top-level cross-site form posts through).
            if !parts.method.is_safe() && !same_origin(&parts.headers, &state.config) {
                return Err(ApiError::Forbidden(
                    "a change by session cookie must come from this site; other clients send \
                     an API token (Authorization: Bearer)"
                        .into(),
                ));
            }
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
