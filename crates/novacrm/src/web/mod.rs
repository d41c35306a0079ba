//! The HTTP layer (axum): routes, shared state, one error type. Handlers extract, call one
//! service function, and render; they hold no rules and no SQL.

pub mod api;
pub mod error;
pub mod extract;
pub mod headers;
pub mod limits;
pub mod pages;
pub mod session;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

use crate::clock::Clock;
use crate::config::Config;
use crate::services::availability::SlotCache;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub cache: Arc<SlotCache>,
    /// Rendered guest pages, keyed like the slots by the host's schedule version.
    pub pages: Arc<pages::guest::PageCache>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// Builds links, invites and messages the way the outbox does.
    pub sender: Arc<crate::jobs::Sender>,
    /// The outbox worker (run in the background by `serve`; by hand in tests).
    pub worker: crate::jobs::Worker,
    /// `None` when rate limits are off.
    pub limiter: Option<Arc<limits::Limiter>>,
}

/// The OpenAPI document (`api/openapi.json`, kept by hand and checked by tests against the
/// routes) at `/api/openapi.json`, browsable at `/api/docs`.
fn docs() -> Router<AppState> {
    let document: serde_json::Value =
        serde_json::from_str(OPENAPI).expect("api/openapi.json is valid JSON (a test checks it)");
    Router::from(
        utoipa_swagger_ui::SwaggerUi::new("/api/docs")
            .external_url_unchecked("/api/openapi.json", document),
    )
}

pub const OPENAPI: &str = include_str!("../../api/openapi.json");

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::router())
        .merge(session::router())
        .merge(pages::router())
        .merge(webhooks::router())
        .merge(docs())
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}
