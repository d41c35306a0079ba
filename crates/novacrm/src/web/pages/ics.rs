//! The booking as a downloadable iCalendar file: the same UID, SEQUENCE and STATUS as the
//! invites in the emails (one writer, `scheduling::invite`, through `jobs::Sender`), as
//! `METHOD:PUBLISH` because a download is not a scheduling message.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use scheduling::invite::Method;

use super::guest::{GuestBooking, guest_booking};
use super::not_found;
use crate::jobs::Recipient;
use crate::web::AppState;

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
