//! The HTTP layer (axum): routes, shared state, one error type. Handlers extract, call one
//! service function, and render; they hold no rules and no SQL.

pub mod api;
pub mod assets;
pub mod client;
pub mod controls;
pub mod cookie;
pub mod csrf;
pub mod dashboard;
pub mod error;
pub mod form;
pub mod guest;
pub mod headers;
pub mod hosts;
pub mod inputs;
pub mod internal;
pub mod limits;
pub mod reader;
pub mod session;
pub mod shell;
pub mod state;
pub mod visit;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

use crate::web::state::AppState;

/// What the edge of the service checks and adds on every request, in one layer: rate limits
/// and control characters before, security headers after.
#[derive(Debug)]
struct Edge {
    /// `None` when rate limits are off.
    limiter: Option<limits::Limiter>,
    trusted: crate::config::TrustedProxies,
    hsts: bool,
}

async fn edge(
    axum::extract::State(edge): axum::extract::State<Arc<Edge>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let Some(limiter) = &edge.limiter
        && let Some((class, client)) = limits::spending(&edge.trusted, &request)
        && let Some(seconds) = limiter.spend(&class, client).await
    {
        let mut refused = limits::refusal(seconds, &request);
        headers::secure(&mut refused, headers::Framing::SameSite, edge.hsts);
        return refused;
    }
    let started = std::time::Instant::now();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", axum::extract::MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let framing = headers::Framing::of(request.uri().path());
    let private = headers::is_private(request.uri().path());
    let request = match controls::screen(request, inputs::BODY_LIMIT).await {
        Ok(request) => request,
        Err(mut refused) => {
            headers::secure(&mut refused, framing, edge.hsts);
            return refused;
        }
    };
    let mut response = next.run(request).await;
    headers::secure(&mut response, framing, edge.hsts);
    if private {
        headers::no_store(&mut response);
    }
    crate::metrics::observe_request(
        &route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
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

/// Rewrites a host address's paths to the host's pages, before routing (see [`hosts`]).
async fn by_host(
    axum::extract::State(routes): axum::extract::State<Arc<hosts::HostRoutes>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    next.run(routes.route(request)).await
}

/// `/internal/*`, for the operator's own machines only.
fn internal_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/internal/tls-ask", get(internal::tls_ask))
        .route("/metrics", get(internal::metrics))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            internal::only_internal,
        ))
}

pub fn router(state: AppState) -> Router {
    let edge_state = Arc::new(Edge {
        limiter: state
            .config
            .rate_limits
            .as_ref()
            .map(|l| limits::Limiter::new(l, &state.store)),
        trusted: state.config.trusted_proxies.clone(),
        hsts: state.config.https(),
    });
    let host_routes = Arc::new(hosts::HostRoutes {
        base_domain: state.config.base_domain.clone(),
        public_host: state.names().public_host,
        table: state.domains.clone(),
    });
    let routed = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(internal::readyz))
        .merge(internal_routes(&state))
        .merge(api::router())
        .merge(assets::router())
        .merge(guest::router())
        .merge(dashboard::router())
        .merge(webhooks::router())
        .merge(docs())
        .layer(DefaultBodyLimit::max(inputs::BODY_LIMIT))
        .with_state(state)
        // JSON, CSV and the rest, gzip where the client accepts it; the guest pages are
        // cached already compressed and carry their Content-Encoding, which this leaves alone.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .layer(axum::middleware::from_fn_with_state(edge_state, edge));
    // The Host decides the path before the routes (and the edge's limits) see it.
    Router::new()
        .fallback_service(routed)
        .layer(axum::middleware::from_fn_with_state(host_routes, by_host))
}
