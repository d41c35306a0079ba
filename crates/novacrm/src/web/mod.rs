//! The HTTP layer (axum): routes, shared state, one error type. Handlers extract, call one
//! service function, and render; they hold no rules and no SQL.

pub mod api;
pub mod error;
pub mod extract;

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
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::router())
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .with_state(state)
}
