//! What the JSON handlers share: an internal error, a pre-serialised JSON answer, the public
//! base of links.

use crate::web::error::ApiError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

pub(crate) fn json_text(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.into(),
    )
        .into_response()
}
