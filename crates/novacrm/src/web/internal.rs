//! What only the operator's own machines may ask (`NOVACRM_INTERNAL_ALLOW`, default
//! loopback): the reverse proxy's on-demand TLS question, the readiness probe's and the
//! metrics scraper's. Anyone else gets 404, as if there were nothing here.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::names::normalise_host;
use crate::web::hosts::subdomain;
use crate::web::state::AppState;

/// Lets only `NOVACRM_INTERNAL_ALLOW` through.
pub async fn only_internal(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(std::net::IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    let allowed = state
        .config
        .internal_allow
        .iter()
        .any(|network| crate::config::in_network(peer, *network));
    if allowed {
        next.run(request).await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

#[derive(Debug, Deserialize)]
pub struct Ask {
    #[serde(default)]
    domain: String,
}

/// Caddy's `on_demand_tls { ask … }`: 200 when a certificate may be issued for `domain` — a
/// verified custom domain, or an existing host's subdomain of the base domain — else 404.
pub async fn tls_ask(State(state): State<AppState>, Query(ask): Query<Ask>) -> StatusCode {
    let Some(name) = normalise_host(&ask.domain) else {
        return StatusCode::NOT_FOUND;
    };
    if state.domains.serves(&name) {
        return StatusCode::OK;
    }
    let Some(username) = state
        .config
        .base_domain
        .as_deref()
        .and_then(|base| subdomain(&name, base))
    else {
        return StatusCode::NOT_FOUND;
    };
    match state.store.host_by_username(username).await {
        Ok(Some(_)) => StatusCode::OK,
        Ok(None) => StatusCode::NOT_FOUND,
        Err(e) => {
            tracing::warn!(error = %e, "tls-ask could not read the hosts");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
