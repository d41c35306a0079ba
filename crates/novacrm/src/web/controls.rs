//! NUL stops at the edge. PostgreSQL refuses NUL in text outright (it once answered 500), and
//! no name, address, zone or note a person types holds one. So a request whose
//! percent-decoded path, query or form body holds a NUL is answered 400 naming where, before
//! any handler runs; JSON bodies get the same check in [`crate::web::extract::JsonBody`],
//! which names the field. Other control characters are the fields' business: the services'
//! checks refuse them in one-line fields with a field error (422) and let notes keep lines.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::error::ApiError;

/// The first character no path or query may hold.
pub fn in_address(text: &str) -> Option<char> {
    text.chars().find(|&c| c == '\0')
}

/// The first character no typed value may hold: tab, line feed and carriage return pass
/// (notes have lines; fields that must be one line check that themselves).
pub fn in_value(text: &str) -> Option<char> {
    in_address(text)
}

fn decoded(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
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

fn refusal(api: bool, place: &str, found: char) -> Response {
    let detail = format!(
        "the {place} holds the control character U+{:04X}, which no value may contain; \
         remove it and send again",
        u32::from(found)
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
    if let Some(found) = in_address(&decoded(request.uri().path())) {
        return Err(refusal(api, "address", found));
    }
    if let Some(query) = request.uri().query()
        && let Some(found) = in_address(&decoded(query))
    {
        return Err(refusal(api, "query", found));
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
    if let Some(found) = in_value(&decoded(&String::from_utf8_lossy(&bytes))) {
        return Err(refusal(api, "form", found));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_found_where_they_cannot_belong() {
        assert_eq!(
            in_address(&decoded("/api/public/booking/ja%00ne")),
            Some('\0')
        );
        assert_eq!(in_address(&decoded("/book/j%C3%BCrgen")), None);
        assert_eq!(in_address(&decoded("name=a+b")), None);
        assert_eq!(in_value("line one\nline two\ttab\r\n"), None);
        assert_eq!(in_value("a\u{0}b"), Some('\0'));
    }
}
