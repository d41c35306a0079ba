//! Cookies: reading one from the `Cookie` header, and the session cookie's `Set-Cookie`
//! (`HttpOnly`, `SameSite=Lax`; behind HTTPS the edge makes every cookie `Secure`,
//! `web/headers.rs`).

use axum::http::HeaderValue;

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

/// The `Set-Cookie` value for the session (`value` empty and `max_age` 0 end it); shared by
/// the API and the dashboard's forms. Behind HTTPS the edge makes it `Secure`, as every cookie.
pub fn session_set_cookie(value: &str, max_age: i64) -> HeaderValue {
    let text =
        format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    HeaderValue::from_str(&text).expect("session tokens are ASCII")
}
