//! The HTTP error type: every failure becomes RFC 9457 `application/problem+json`, mapped
//! from the service errors in exactly one place. Internal errors are logged with their
//! detail and shown to the client as a plain 500 without it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scheduling::FieldError;
use serde_json::json;

use crate::services::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid API token or session is required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A 409 with a machine-readable `code` (docs/DESIGN.md §11).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("send the body as JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    #[error("internal error")]
    Internal(String),
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(m) => Self::NotFound(m),
            ServiceError::Conflict(m) => Self::Conflict(m),
            ServiceError::Refused { code, message } => Self::Refused { code, message },
            ServiceError::Invalid(errors) => Self::Invalid(errors),
            ServiceError::Throttled {
                message,
                retry_after,
            } => Self::TooManyRequests {
                detail: message,
                retry_after,
            },
            ServiceError::Store(e) => Self::Internal(e.to_string()),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::Refused { .. } => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let body = match &self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                json!({"type": "about:blank", "status": status.as_u16(), "title": title,
                       "detail": "something went wrong on our side; nothing was changed, please retry"})
            }
            Self::Invalid(errors) => {
                let list: Vec<_> = errors
                    .iter()
                    .map(|e| json!({"field": e.field, "message": e.message}))
                    .collect();
                let detail = errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                json!({"type": "about:blank", "status": status.as_u16(), "title": title,
                       "detail": detail, "errors": list})
            }
            Self::Refused { code, message } => {
                json!({"type": "about:blank", "status": status.as_u16(), "title": title,
                       "detail": message, "code": code})
            }
            other => json!({"type": "about:blank", "status": status.as_u16(), "title": title,
                            "detail": other.to_string()}),
        };
        let mut response = (status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::TooManyRequests { retry_after, .. } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}
