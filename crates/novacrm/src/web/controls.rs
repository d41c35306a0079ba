//! NUL stops at the edge. PostgreSQL refuses NUL in text outright (it once answered 500), and
//! no name, address, zone or note a person types holds one. So a request whose
//! path, query or form body carries a NUL (`%00`) is answered 400 naming where, before
//! any handler runs; JSON bodies get the same check in [`crate::web::inputs::JsonBody`],
//! which names the field. Other control characters are the fields' business: the services'
//! checks refuse them in one-line fields with a field error (422) and let notes keep lines.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::error::ApiError;

/// Whether a decoded value holds a NUL.
pub fn holds_nul(text: &str) -> bool {
    text.contains('\0')
}

/// Whether a path, query or url-encoded body, as it arrived, carries a NUL: percent-encoded
/// (`%00`, the only way one fits in a URL) or raw in a body. Read as it is, without decoding
/// or copying, since every request passes here.
fn carries_nul(raw: &[u8]) -> bool {
    raw.contains(&0) || raw.windows(3).any(|w| w == b"%00")
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn refusal(api: bool, place: &str) -> Response {
    let detail = format!(
        "the {place} holds the control character U+0000 (NUL), which no value may contain; \
         remove it and send again"
    );
    if api {
        ApiError::BadRequest(detail).into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("Bad request: {detail}.\n"),
        )
            .into_response()
    }
}

/// The request, unchanged (its form body read and put back), or the 400 that answers it.
pub async fn screen(request: Request, body_limit: usize) -> Result<Request, Response> {
    let api = request.uri().path().starts_with("/api/");
    if carries_nul(request.uri().path().as_bytes()) {
        return Err(refusal(api, "address"));
    }
    if request
        .uri()
        .query()
        .is_some_and(|query| carries_nul(query.as_bytes()))
    {
        return Err(refusal(api, "query"));
    }
    if !is_form(request.headers()) {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, body_limit).await {
        Ok(bytes) => bytes,
        Err(_) if api => return Err(ApiError::TooLarge(body_limit).into_response()),
        Err(_) => return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
    };
    if carries_nul(&bytes) {
        return Err(refusal(api, "form"));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_is_found_however_it_arrives() {
        assert!(carries_nul(b"/api/public/booking/ja%00ne"));
        assert!(carries_nul(b"guestName=Ja%00ne"));
        assert!(carries_nul(b"raw\0byte"));
        assert!(!carries_nul(b"/book/j%C3%BCrgen"));
        assert!(!carries_nul(b"name=a+b&n=%0A%20100%"));
        assert!(holds_nul("a\u{0}b"));
        assert!(!holds_nul("line one\nline two\ttab\r\n"));
    }
}
