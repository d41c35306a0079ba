//! Use cases, one file each: handlers parse the request, call one function here, and render
//! what comes back. Services own transactions and call the pure rules; SQL stays in `store`.

pub mod accounts;
pub mod availability;
pub mod blocked_time;
pub mod booking;
pub mod cache;
mod calendar_sync;
pub mod calendars;
pub mod captcha;
pub mod domains;
pub mod exports;
pub mod feed;
pub mod funnel;
mod google_calendar;
pub mod insights;
pub mod meeting_types;
pub mod profile;
pub mod schedules;
pub mod spam;
mod validate;
pub mod webhooks;

use scheduling::FieldError;

use crate::store::StoreError;

/// What can go wrong in a use case, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The slot check refused a start; `code` says why (docs/DESIGN.md §11).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// Too many attempts: try again in `retry_after` seconds.
    #[error("{message}")]
    Throttled { message: String, retry_after: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::Sql(e))
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
