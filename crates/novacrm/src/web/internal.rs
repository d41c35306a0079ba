//! What operators' machines ask: the reverse proxy's on-demand TLS question and the metrics
//! scraper's, answered only to `NOVACRM_INTERNAL_ALLOW` (default loopback; anyone else gets
//! 404, as if there were nothing here), and the readiness probe, answered to all.

use axum::extract::{Query, Request, State};
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
    let peer = crate::web::client::peer(request.extensions());
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

/// `/readyz`: 200 when the database answers and has this build's migrations, else 503 (the
/// reason goes to the log, not to whoever asks).
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ready().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(why) => {
            tracing::warn!(why, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
        }
    }
}

/// `/metrics` in the Prometheus text format (see [`crate::metrics`]).
pub async fn metrics(State(state): State<AppState>) -> Response {
    let now = scheduling::Instant::from(state.clock.now());
    let (depth, oldest) = match state.store.job_queue(now).await {
        Ok(queue) => (
            queue
                .iter()
                .map(|(kind, n, _)| {
                    (
                        format!("{{kind=\"{}\"}}", crate::metrics::escape(kind)),
                        n.to_string(),
                    )
                })
                .collect(),
            queue
                .iter()
                .map(|(kind, _, oldest)| {
                    let ms = (now.as_millis() - oldest).max(0);
                    let age = format!("{}.{:03}", ms / 1000, ms % 1000);
                    (
                        format!("{{kind=\"{}\"}}", crate::metrics::escape(kind)),
                        age,
                    )
                })
                .collect(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "metrics could not read the job queue");
            (Vec::new(), Vec::new())
        }
    };
    let gauges = [
        crate::metrics::Gauge {
            name: "novacrm_jobs_due",
            help: "Outbox jobs due and not finished, by kind (the whole database).",
            samples: depth,
        },
        crate::metrics::Gauge {
            name: "novacrm_jobs_oldest_due_seconds",
            help: "How long the oldest due job has waited, by kind.",
            samples: oldest,
        },
    ];
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(&gauges),
    )
        .into_response()
}
