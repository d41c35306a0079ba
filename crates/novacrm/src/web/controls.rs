//! Control characters stop at the edge. No name, address, zone or note a person types holds
//! a NUL or an escape code, PostgreSQL refuses NUL in text outright (a 500 once), and line
//! breaks in a path or query are only ever an attack. So a request whose percent-decoded path
//! or query holds any C0 control or DEL, or whose form body holds a NUL or a C0 control other
//! than tab and line breaks, is answered 400 with the place it was found, before any handler
//! runs. JSON bodies get the same check in [`crate::web::extract::JsonBody`], which names the
//! field.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::error::ApiError;

/// The first character no path or query may hold.
pub fn in_address(text: &str) -> Option<char> {
    text.chars().find(char::is_ascii_control)
}

/// The first character no typed value may hold: tab, line feed and carriage return pass
/// (notes have lines; fields that must be one line check that themselves).
pub fn in_value(text: &str) -> Option<char> {
    text.chars()
        .find(|c| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r'))
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
        assert_eq!(in_address(&decoded("tz=Europe%2FBerlin%0A")), Some('\n'));
        assert_eq!(in_address(&decoded("/book/jane%7F")), Some('\u{7f}'));
        assert_eq!(in_address(&decoded("/book/j%C3%BCrgen")), None);
        assert_eq!(in_address(&decoded("name=a+b")), None);
        assert_eq!(in_value("line one\nline two\ttab\r\n"), None);
        assert_eq!(in_value("a\u{0}b"), Some('\0'));
        assert_eq!(in_value("esc\u{1b}[31m"), Some('\u{1b}'));
    }
}
