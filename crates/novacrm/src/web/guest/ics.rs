//! Calendars as files: one booking as a download (the same UID, SEQUENCE and STATUS as the
//! invites in the emails — one writer, `scheduling::invite`, through `messages::Sender` — as
//! `METHOD:PUBLISH` because a download is not a scheduling message), and the host's
//! subscribable feed at `/cal/{token}.ics` with an `ETag`, so a polling calendar gets a 304
//! while nothing changed.

use axum::extract::Path;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scheduling::invite::Method;
use sha2::Digest;

use crate::messages::Recipient;
use crate::web::guest::widgets::GuestBooking;
use crate::web::guest::widgets::guest_booking;
use crate::web::shell::not_found;
use crate::web::state::AppState;

pub async fn download(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(GuestBooking {
        booking,
        host,
        meeting,
        ..
    }) = guest_booking(&state, &token).await
    else {
        return not_found(
            &headers,
            "We could not find this booking. The link may be incomplete.",
        );
    };
    let ics = state
        .sender
        .invite(&booking, &host, &meeting, Method::Publish, Recipient::Guest);
    let mut response = ics.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"meeting.ics\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /cal/{token}.ics`: the host's feed, or a plain 404 for an unknown or rotated token.
pub async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let gone = || (StatusCode::NOT_FOUND, "no such calendar feed").into_response();
    let Some(token) = file.strip_suffix(".ics") else {
        return gone();
    };
    let ics = match crate::services::feed::feed_ics(
        &state.store,
        &state.sender,
        token,
        state.clock.now(),
    )
    .await
    {
        Ok(Some(ics)) => ics,
        Ok(None) => return gone(),
        Err(e) => {
            tracing::error!(error = %e, "the calendar feed failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again shortly").into_response();
        }
    };
    let digest = sha2::Sha256::digest(ics.as_bytes());
    let etag = format!("\"{}\"", crate::crypto::hex(&digest[..16]));
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ics.into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, etag);
    }
    // Private to the link's holder; revalidate every time (the ETag makes that cheap).
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}
