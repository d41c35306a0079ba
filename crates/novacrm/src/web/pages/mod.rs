//! Server-rendered pages (askama): the guest booking flow, and its assets. Every step works
//! without JavaScript; `static/app.js` only picks the browser's time zone. HTML is sent
//! gzip-compressed when the browser accepts it.

/// The page's value, or the response a page handler returns instead (a redirect to the
/// log-in page, a 404, an error page): `let s = or_return!(session(&state, &headers).await);`.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(found) => found,
            Err(response) => return response,
        }
    };
}

pub mod contacts;
pub mod dashboard;
pub mod guest;
pub mod host_booking;
pub mod ics;
pub mod insights;
pub mod integrations;
pub mod manage;
pub mod profile;
pub mod setup;
pub mod zones;

use std::io::Write;
use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::Digest;

use super::AppState;

pub const CSS: &str = include_str!("../../../static/app.css");
pub const JS: &str = include_str!("../../../static/app.js");
/// Loaded only with JavaScript off (`<noscript>`): shows what waits for the script.
pub const NOJS_CSS: &str = include_str!("../../../static/nojs.css");
/// The product's icon, also answered at `/favicon.ico` (browsers ask for it unprompted).
pub const ICON: &str = include_str!("../../../static/icon.svg");

/// Changes whenever an asset does, so assets can be cached for a year.
pub static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::digest([CSS, JS, NOJS_CSS].concat().as_bytes());
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
            "/favicon.ico",
            get(|headers: HeaderMap| async move { asset(&headers, ICON, "image/svg+xml") }),
        )
        .merge(guest::router())
        .merge(dashboard::router())
        .merge(setup::router())
        .merge(integrations::router())
        .merge(profile::router())
        .merge(contacts::router())
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

pub use crate::format::Locale;
pub use crate::i18n::Lang;

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

impl Locale {
    /// How a dashboard reader reads dates and times, from `Accept-Language` (in English).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_accept_language(accept_language(headers))
    }
}

/// Who reads a guest page: its language — `?lang=` (from the switcher's links), else the
/// first of `Accept-Language` we speak, else English — with the reader's conventions, and
/// the page's query for the switcher.
///
/// A language chosen with `?lang=` travels in the URL, not in a cookie: the pages' own links,
/// forms and redirects carry it on (`carry`), so it works without JavaScript and the cached
/// calendar pages never set a cookie. Entering anew (an email's link) goes by the browser's
/// language again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reader {
    pub lang: Lang,
    pub locale: Locale,
    /// The language came from `?lang=`: the pages' links carry it on.
    pub chosen: bool,
    /// The page's query, for the switcher's links.
    query: Option<String>,
    /// Where the switcher's links lead: this page (empty), or another (see `at`).
    base: String,
}

/// One link of the language switcher.
#[derive(Debug)]
pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

impl Reader {
    pub fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let asked = uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|pair| pair.strip_prefix("lang="))
                .find_map(Lang::parse)
        });
        let header = accept_language(headers);
        let lang = asked
            .or_else(|| Lang::negotiate(header))
            .unwrap_or_default();
        Self {
            lang,
            locale: Locale::for_guest(lang, header),
            chosen: asked.is_some(),
            query: uri.query().map(str::to_owned),
            base: String::new(),
        }
    }

    /// The reader of a page answering a form's POST: the switcher leads to `path` instead,
    /// the page to GET.
    #[must_use]
    pub fn at(&self, path: &str) -> Self {
        Self {
            query: None,
            base: path.to_owned(),
            ..self.clone()
        }
    }

    /// `&lang=de` to append to a link's query when the reader chose the language, else "".
    pub fn carry(&self) -> String {
        if self.chosen {
            format!("&lang={}", self.lang.code())
        } else {
            String::new()
        }
    }

    /// `?lang=de` for a link without a query when the reader chose the language, else "".
    pub fn carry_alone(&self) -> String {
        if self.chosen {
            format!("?lang={}", self.lang.code())
        } else {
            String::new()
        }
    }

    /// The switcher: this page in every language, its other query parameters kept. The links
    /// are query-only (`?tz=…&lang=de`), relative to the page itself, so nothing in the
    /// request's path can lead them elsewhere.
    pub fn switcher(&self) -> Vec<LangLink> {
        let kept: Vec<&str> = self
            .query
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
            .collect();
        Lang::ALL
            .into_iter()
            .map(|lang| {
                let mut pairs = kept.clone();
                let own = format!("lang={}", lang.code());
                pairs.push(&own);
                LangLink {
                    code: lang.code(),
                    name: lang.name(),
                    href: format!("{}?{}", self.base, pairs.join("&")),
                    current: lang == self.lang,
                }
            })
            .collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.uri, &parts.headers))
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
    html(
        headers,
        StatusCode::NOT_FOUND,
        &NotFound {
            asset_version: &ASSET_VERSION,
            message,
            t: Lang::En,
            reader: None,
        },
    )
}

/// A friendly 404 in the guest's language, with the switcher; `message` is already theirs.
pub fn not_found_for(reader: &Reader, headers: &HeaderMap, message: &str) -> Response {
    html(
        headers,
        StatusCode::NOT_FOUND,
        &NotFound {
            asset_version: &ASSET_VERSION,
            message,
            t: reader.lang,
            reader: Some(reader),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switcher_keeps_the_address_and_the_choice_travels_in_links() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("de-DE"));
        let uri: Uri = "/book/jane/t1?tz=Europe/Paris&lang=fr&month=2026-12"
            .parse()
            .unwrap();
        let reader = Reader::of(&uri, &headers);
        assert_eq!((reader.lang, reader.chosen), (Lang::Fr, true));
        assert_eq!(reader.carry(), "&lang=fr");
        let links = reader.switcher();
        assert_eq!(links[1].href, "?tz=Europe/Paris&month=2026-12&lang=de");
        assert!(links[2].current && !links[1].current);

        let plain = Reader::of(&"/booking/nvb_x".parse().unwrap(), &headers);
        assert_eq!((plain.lang, plain.chosen), (Lang::De, false));
        assert_eq!(
            plain.carry_alone(),
            "",
            "nothing to carry: the browser chose"
        );
        assert_eq!(plain.switcher()[0].href, "?lang=en");
        let posted = Reader::of(&"/booking/nvb_x/cancel?lang=fr".parse().unwrap(), &headers);
        assert_eq!(
            posted.at("/booking/nvb_x").switcher()[3].href,
            "/booking/nvb_x?lang=es"
        );
        let unknown = Reader::of(&"/book/jane?lang=pt".parse().unwrap(), &HeaderMap::new());
        assert_eq!((unknown.lang, unknown.chosen), (Lang::En, false));
    }
}
