//! Security headers on every answer: no MIME sniffing, no referrer beyond this site (a guest's
//! private `/booking/{token}` link must never leak to the calendar sites it links to), and on
//! HTML a Content-Security-Policy without inline script. The dashboard may never be framed;
//! booking pages only by this site until hosts can list where they embed them. HSTS when the
//! public URL is https.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// Scripts and styles from this origin only (style attributes carry meeting colours).
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                   style-src-attr 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
                   base-uri 'none'; object-src 'none'";

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
    {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Swagger UI ships its own inline script; it only documents the API.
    if html && !path.starts_with("/api/docs") {
        let framing = if path.starts_with("/dashboard") {
            ("'none'", "DENY")
        } else {
            ("'self'", "SAMEORIGIN")
        };
        let policy = format!("{CSP}; frame-ancestors {}", framing.0);
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&policy).expect("ASCII policy"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(framing.1));
    }
    response
}
