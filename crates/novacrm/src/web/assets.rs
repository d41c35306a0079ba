//! The static assets (CSS, JS, icon), cached for a year under a versioned name, and the
//! embed script other sites load from `/embed.js`.

use crate::web::shell::{CSS, EMBED_JS, ICON, JS, NOJS_CSS, compressed};
use crate::web::state::AppState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/static/app.css",
            get(
                |headers: HeaderMap| async move { asset(&headers, CSS, "text/css; charset=utf-8") },
            ),
        )
        .route(
            "/static/nojs.css",
            get(|headers: HeaderMap| async move {
                asset(&headers, NOJS_CSS, "text/css; charset=utf-8")
            }),
        )
        .route(
            "/static/app.js",
            get(|headers: HeaderMap| async move {
                asset(&headers, JS, "text/javascript; charset=utf-8")
            }),
        )
        .route(
            "/static/icon.svg",
            get(|headers: HeaderMap| async move { asset(&headers, ICON, "image/svg+xml") }),
        )
        .route(
            "/embed.js",
            get(|headers: HeaderMap| async move {
                let mut response = compressed(
                    &headers,
                    EMBED_JS.as_bytes().to_vec(),
                    "text/javascript; charset=utf-8",
                );
                // Its address is in other sites' HTML, so no version in it: an hour's cache.
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                );
                response
            }),
        )
        .route(
            "/favicon.ico",
            get(|headers: HeaderMap| async move { asset(&headers, ICON, "image/svg+xml") }),
        )
}

fn asset(headers: &HeaderMap, body: &'static str, content_type: &'static str) -> Response {
    let mut response = compressed(headers, body.as_bytes().to_vec(), content_type);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}
