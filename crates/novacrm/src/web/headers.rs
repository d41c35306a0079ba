//! Security headers on every answer: no MIME sniffing, no referrer beyond this site (a guest's
//! private `/booking/{token}` link must never leak to the calendar sites it links to), and on
//! HTML a Content-Security-Policy without inline script. The dashboard may never be framed;
//! booking pages by this site and by the sites their host lists (a response extension the
//! booking pages set, [`FrameAncestors`]). HSTS when the public URL is https.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// Scripts and styles from this origin only (style attributes carry meeting colours), with
/// who may frame the page.
macro_rules! policy {
    ($frame_ancestors:literal) => {
        concat!(
            "default-src 'self'; script-src 'self'; style-src 'self'; ",
            "style-src-attr 'unsafe-inline'; img-src 'self' data:; form-action 'self'; ",
            "base-uri 'none'; object-src 'none'; frame-ancestors ",
            $frame_ancestors
        )
    };
}
const PAGE_POLICY: &str = policy!("'self'");
const DASHBOARD_POLICY: &str = policy!("'none'");
/// Swagger UI at `/api/docs`: its own files only (it sets styles from script), never framed.
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     object-src 'none'; frame-ancestors 'none'";

/// Sites besides this one that may frame a booking page: the host's validated origins,
/// space-separated (`services::profile::embed_origins` lets nothing else through).
#[derive(Debug, Clone)]
pub struct FrameAncestors(pub String);

/// Who may frame a page, decided by its path before the request is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Never,
    SameSite,
    /// Swagger UI: never framed, with a policy of its own.
    Docs,
}

impl Framing {
    pub fn of(path: &str) -> Self {
        if path.starts_with("/dashboard") {
            Self::Never
        } else if path.starts_with("/api/docs") {
            Self::Docs
        } else {
            Self::SameSite
        }
    }
}

/// Pages and answers about one host's or one guest's own data (the dashboard, the host's API,
/// a guest's booking page): a browser or a proxy must not keep them.
pub fn is_private(path: &str) -> bool {
    path.starts_with("/dashboard")
        || path.starts_with("/booking/")
        || (path.starts_with("/api/")
            && !path.starts_with("/api/public/")
            && !path.starts_with("/api/docs")
            && path != "/api/openapi.json")
}

/// `Cache-Control: no-store` on a private answer that does not say otherwise.
pub fn no_store(response: &mut Response) {
    let h = response.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

fn with_secure(cookie: HeaderValue) -> HeaderValue {
    let text = cookie.to_str().unwrap_or_default();
    if text.is_empty() || text.to_ascii_lowercase().contains("; secure") {
        return cookie;
    }
    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
}

pub fn secure(response: &mut Response, framing: Framing, hsts: bool) {
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        // Behind HTTPS every cookie is `Secure` (the form tokens' as well as the session's).
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for cookie in cookies {
                h.append(header::SET_COOKIE, with_secure(cookie));
            }
        }
    }
    let html = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let embedders = response
        .extensions()
        .get::<FrameAncestors>()
        .map(|f| f.0.clone())
        .filter(|f| !f.is_empty());
    let h = response.headers_mut();
    let (policy, frame_options) = match (framing, embedders) {
        _ if !html => return,
        (Framing::Docs, _) => (HeaderValue::from_static(DOCS_POLICY), Some("DENY")),
        (Framing::Never, _) => (HeaderValue::from_static(DASHBOARD_POLICY), Some("DENY")),
        (Framing::SameSite, None) => (HeaderValue::from_static(PAGE_POLICY), Some("SAMEORIGIN")),
        // X-Frame-Options cannot list sites: browsers that know frame-ancestors ignore it, the
        // rest would refuse the host's own site, so it is left out.
        (Framing::SameSite, Some(sites)) => {
            match HeaderValue::from_str(&format!("{} {sites}", policy!("'self'"))) {
                Ok(policy) => (policy, None),
                Err(_) => (HeaderValue::from_static(PAGE_POLICY), Some("SAMEORIGIN")),
            }
        }
    };
    h.insert(header::CONTENT_SECURITY_POLICY, policy);
    if let Some(frame_options) = frame_options {
        h.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static(frame_options),
        );
    }
}
