//! The JSON API of docs/DESIGN.md §7: public booking endpoints and the host's authenticated ones.

pub mod account;
pub mod blocked_time;
pub mod bookings;
pub mod common;
pub mod guest_blocks;
pub mod insights;
pub mod integrations;
pub mod meeting_types;
pub mod public;

use crate::web::api::account::{
    calendar_feed, delete_photo, get_availability, get_profile, patch_availability, patch_profile,
    put_photo, rotate_calendar_feed,
};
use crate::web::api::blocked_time::{create_blocked_time, delete_blocked_time, list_blocked_time};
use crate::web::api::bookings::{cancel_bookings, list_bookings, update_booking};
use crate::web::api::guest_blocks::{add_guest_block, delete_guest_block, list_guest_blocks};
use crate::web::api::insights::{export_bookings, export_daily, get_insights};
use crate::web::api::integrations::{
    create_connection, create_webhook, delete_connection, delete_webhook, list_connections,
    list_webhooks, patch_connection,
};
use crate::web::api::meeting_types::{
    create_meeting_type, delete_meeting_type, list_meeting_types, update_meeting_type,
};
use crate::web::api::public::{book, booking_page, captcha_challenge, public_availability};
use crate::web::state::AppState;
use axum::Router;
use axum::routing::{get, patch, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/public/booking/{username}", get(booking_page))
        .route(
            "/api/public/booking/{username}/availability",
            get(public_availability),
        )
        .route("/api/public/booking/{username}/book", post(book))
        .route("/api/public/captcha", get(captcha_challenge))
        .route(
            "/api/availability",
            get(get_availability).patch(patch_availability),
        )
        .route("/api/profile", get(get_profile).patch(patch_profile))
        .route(
            "/api/profile/photo",
            axum::routing::put(put_photo).delete(delete_photo).layer(
                axum::extract::DefaultBodyLimit::max(crate::services::host::PHOTO_MAX_BYTES + 1024),
            ),
        )
        .route(
            "/api/meeting-types",
            get(list_meeting_types).post(create_meeting_type),
        )
        .route(
            "/api/meeting-types/{id}",
            patch(update_meeting_type).delete(delete_meeting_type),
        )
        .route("/api/bookings", get(list_bookings))
        .route("/api/bookings/{id}", patch(update_booking))
        .route("/api/bookings/cancel", post(cancel_bookings))
        .route(
            "/api/guest-blocks",
            get(list_guest_blocks).post(add_guest_block),
        )
        .route(
            "/api/guest-blocks/{pattern}",
            axum::routing::delete(delete_guest_block),
        )
        .route(
            "/api/blocked-time",
            get(list_blocked_time).post(create_blocked_time),
        )
        .route("/api/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/webhooks/{id}", axum::routing::delete(delete_webhook))
        .route(
            "/api/calendar-connections",
            get(list_connections).post(create_connection),
        )
        .route(
            "/api/calendar-connections/{id}",
            patch(patch_connection).delete(delete_connection),
        )
        .route("/api/insights", get(get_insights))
        .route("/api/exports/bookings.csv", get(export_bookings))
        .route("/api/exports/daily.csv", get(export_daily))
        .route("/api/calendar-feed", get(calendar_feed))
        .route("/api/calendar-feed/rotate", post(rotate_calendar_feed))
        .route(
            "/api/blocked-time/{id}",
            axum::routing::delete(delete_blocked_time),
        )
}
