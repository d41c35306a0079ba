//! The page shell every page shares: rendering a template, the response with its encoding
//! and type, the friendly 404, framing for embeds, the asset constants and their version,
//! and `or_return!` for page handlers. A leaf: it imports no page.

use crate::i18n::Lang;
use crate::web::reader::Reader;
use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;
use std::io::Write;
use std::sync::LazyLock;

/// The page's value, or the response a page handler returns instead (a redirect to the
/// log-in page, a 404, an error page): `let zone = or_return!(host_settings(&state, &s.host).await).zone;`.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(found) => found,
            Err(response) => return response,
        }
    };
}
pub(crate) use or_return;

pub const CSS: &str = include_str!("../../static/app.css");
pub const JS: &str = include_str!("../../static/app.js");
/// The embed script sites include (`/embed.js`, unversioned: its address is in their HTML).
pub const EMBED_JS: &str = include_str!("../../static/embed.js");
/// Loaded only with JavaScript off (`<noscript>`): shows what waits for the script.
pub const NOJS_CSS: &str = include_str!("../../static/nojs.css");
/// The product's icon, also answered at `/favicon.ico` (browsers ask for it unprompted).
pub const ICON: &str = include_str!("../../static/icon.svg");

/// Changes whenever an asset does, so assets can be cached for a year.
pub static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::digest([CSS, JS, NOJS_CSS].concat().as_bytes());
    crate::crypto::hex(&digest[..6])
});

/// Whether `Accept-Encoding` admits gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`) with a
/// non-zero weight, or `*` with one when gzip is not named. `gzip;q=0` refuses it.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut named = None;
    let mut star = None;
    for entry in value.split(',') {
        let mut parts = entry.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => named = Some(weight > 0.0),
            "*" => star = Some(weight > 0.0),
            _ => {}
        }
    }
    named.or(star).unwrap_or(false)
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
    // Pages speak the reader's language and write times their way (`Reader`).
    let vary = if content_type == HTML {
        "accept-encoding, accept-language"
    } else {
        "accept-encoding"
    };
    h.insert(header::VARY, HeaderValue::from_static(vary));
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
    pub t: Lang,
    pub reader: Option<&'a Reader>,
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

/// A friendly 404 in English (pages outside the guest flow).
pub fn not_found(headers: &HeaderMap, message: &str) -> Response {
    not_found_page(headers, message, Lang::En, None)
}

/// A friendly 404 in the guest's language, with the switcher; `message` is already theirs.
pub fn not_found_for(reader: &Reader, headers: &HeaderMap, message: &str) -> Response {
    not_found_page(headers, message, reader.lang, Some(reader))
}

fn not_found_page(
    headers: &HeaderMap,
    message: &str,
    t: Lang,
    reader: Option<&Reader>,
) -> Response {
    let page = NotFound {
        asset_version: &ASSET_VERSION,
        message,
        t,
        reader,
    };
    html(headers, StatusCode::NOT_FOUND, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepts_gzip(&headers)
    }

    #[test]
    fn gzip_is_negotiated_by_weight() {
        for (value, expected) in [
            ("gzip", true),
            ("br, gzip;q=0.5", true),
            ("GZIP", true),
            ("x-gzip", true),
            ("gzip;q=0", false),
            ("gzip; q=0.0", false),
            ("br", false),
            ("*", true),
            ("*;q=0", false),
            ("gzip;q=0, *", false),
            ("identity", false),
            ("", false),
        ] {
            assert_eq!(accepts(value), expected, "{value:?}");
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
