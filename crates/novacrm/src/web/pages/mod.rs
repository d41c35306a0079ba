//! Server-rendered pages (askama): the guest booking flow, and its assets. Every step works
//! without JavaScript; `static/app.js` only picks the browser's time zone. HTML is sent
//! gzip-compressed when the browser accepts it.

pub mod dashboard;
pub mod guest;
pub mod ics;
pub mod insights;
pub mod integrations;
pub mod manage;
pub mod setup;

use std::io::Write;
use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest;

use super::AppState;

pub const CSS: &str = include_str!("../../../static/app.css");
pub const JS: &str = include_str!("../../../static/app.js");
/// The product's icon, also answered at `/favicon.ico` (browsers ask for it unprompted).
pub const ICON: &str = include_str!("../../../static/icon.svg");

/// Changes whenever an asset does, so assets can be cached for a year.
pub static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::digest([CSS, JS].concat().as_bytes());
    crate::services::host::hex(&digest[..6])
});

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/static/app.css",
            get(
                |headers: HeaderMap| async move { asset(&headers, CSS, "text/css; charset=utf-8") },
            ),
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
            "/favicon.ico",
            get(|headers: HeaderMap| async move { asset(&headers, ICON, "image/svg+xml") }),
        )
        .merge(guest::router())
        .merge(dashboard::router())
        .merge(setup::router())
        .merge(integrations::router())
        .merge(insights::router())
}

fn asset(headers: &HeaderMap, body: &'static str, content_type: &'static str) -> Response {
    let mut response = compressed(headers, body.as_bytes().to_vec(), content_type);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        })
}

/// The body, gzip-compressed when `gzip` (the client accepts it); returns whether it is.
pub fn encode_body(gzip: bool, body: Vec<u8>) -> Bytes {
    if gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        encoder.write_all(&body).expect("writing to memory");
        Bytes::from(encoder.finish().expect("writing to memory"))
    } else {
        Bytes::from(body)
    }
}

/// A response with an already encoded body.
pub fn respond(
    status: StatusCode,
    body: Bytes,
    gzip: bool,
    content_type: &'static str,
) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// The body, gzip-compressed when the client accepts it.
pub fn compressed(headers: &HeaderMap, body: Vec<u8>, content_type: &'static str) -> Response {
    let gzip = accepts_gzip(headers);
    respond(StatusCode::OK, encode_body(gzip, body), gzip, content_type)
}

pub const HTML: &str = "text/html; charset=utf-8";

/// Renders a page to its encoded body (`None` if the template failed, which is logged).
pub fn render(headers: &HeaderMap, page: &impl Template) -> Option<(Bytes, bool)> {
    match page.render() {
        Ok(text) => {
            let gzip = accepts_gzip(headers);
            Some((encode_body(gzip, text.into_bytes()), gzip))
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            None
        }
    }
}

/// Renders a page with `status`.
pub fn html(headers: &HeaderMap, status: StatusCode, page: &impl Template) -> Response {
    match render(headers, page) {
        Some((body, gzip)) => respond(status, body, gzip, HTML),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on our side",
        )
            .into_response(),
    }
}

pub use crate::format::Locale;

impl Locale {
    /// How the guest reads dates and times, from `Accept-Language`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_accept_language(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }
}

/// A double-submit form token for pages without a session: reused from `cookie` when the
/// browser has one, else new, with the `Set-Cookie` to send (`SameSite=Strict`, so another
/// site can neither read nor send it).
pub fn form_token(headers: &HeaderMap, cookie: &str, path: &str) -> (String, Option<HeaderValue>) {
    if let Some(existing) = crate::web::extract::cookie(headers, cookie) {
        return (existing.to_owned(), None);
    }
    let token = crate::services::host::random_token("nvf_");
    let value = format!("{cookie}={token}; Path={path}; HttpOnly; SameSite=Strict");
    let header = HeaderValue::from_str(&value).expect("ASCII cookie");
    (token, Some(header))
}

/// Whether a posted form token matches its cookie.
pub fn form_token_matches(headers: &HeaderMap, cookie: &str, posted: &str) -> bool {
    crate::web::extract::cookie(headers, cookie).is_some_and(|t| !t.is_empty() && t == posted)
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Template)]
#[template(path = "not_found.html")]
pub struct NotFound<'a> {
    pub asset_version: &'a str,
    pub message: &'a str,
}

/// Lets the sites a host listed frame this page of theirs (see `web::headers`).
pub fn framable(mut response: Response, embed_origins: &str) -> Response {
    if !embed_origins.is_empty() {
        response
            .extensions_mut()
            .insert(crate::web::headers::FrameAncestors(
                embed_origins.to_owned(),
            ));
    }
    response
}

pub fn not_found(headers: &HeaderMap, message: &str) -> Response {
    html(
        headers,
        StatusCode::NOT_FOUND,
        &NotFound {
            asset_version: &ASSET_VERSION,
            message,
        },
    )
}
