//! CSRF tokens: the double-submit form token of pages without a session, and the token of a
//! dashboard session (derived from its cookie).

use axum::http::{HeaderMap, HeaderValue};
use sha2::Digest;

use crate::web::cookie;

/// A double-submit form token for pages without a session: reused from `cookie` when the
/// browser has one, else new, with the `Set-Cookie` to send (`SameSite=Strict`, so another
/// site can neither read nor send it).
pub fn form_token(headers: &HeaderMap, cookie: &str, path: &str) -> (String, Option<HeaderValue>) {
    if let Some(existing) = cookie::cookie(headers, cookie) {
        return (existing.to_owned(), None);
    }
    let token = crate::crypto::random_token("nvf_");
    let value = format!("{cookie}={token}; Path={path}; HttpOnly; SameSite=Strict");
    let header = HeaderValue::from_str(&value).expect("ASCII cookie");
    (token, Some(header))
}

/// Whether a posted form token matches its cookie.
pub fn form_token_matches(headers: &HeaderMap, cookie: &str, posted: &str) -> bool {
    cookie::cookie(headers, cookie).is_some_and(|t| !t.is_empty() && t == posted)
}

/// The CSRF token of a session: derived from the cookie, which another site cannot read.
pub(crate) fn csrf_for(session_token: &str) -> String {
    crate::crypto::hex(&sha2::Sha256::digest(format!("csrf:{session_token}").as_bytes())[..16])
}
