//! The funnel's view of a booking-page request: who the visitor is (network, user agent,
//! dashboard session, `HEAD` or not), read once by an extractor so that a page handler
//! counts its step with one line and never waits for it.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;

use crate::services::funnel::Visitor;
use crate::services::insights::Step;
use crate::web::cookie::session_cookie;
use crate::web::state::AppState;

/// A guest page's visitor, for [`Visit::count`].
#[derive(Debug, Clone)]
pub struct Visit(Visitor);

impl FromRequestParts<AppState> for Visit {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let ip = crate::web::client::client_key(
            &parts.extensions,
            &parts.headers,
            &state.config.trusted_proxies,
        );
        Ok(Self(Visitor::new(
            &parts.headers,
            ip,
            session_cookie(&parts.headers),
            parts.method == Method::HEAD,
        )))
    }
}

impl Visit {
    /// Counts this visitor at `step` of `username`'s pages (in the background).
    pub fn count(&self, state: &AppState, username: &str, step: Step) {
        state
            .funnel
            .count(username, step, &self.0, state.clock.now());
    }
}
