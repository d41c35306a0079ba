//! The JSON API of docs/DESIGN.md §7: public booking endpoints and the host's authenticated ones.

pub mod account;
pub mod blocked_time;
pub mod bookings;
pub mod common;
pub mod domains;
pub mod guest_blocks;
pub mod insights;
pub mod integrations;
pub mod meeting_types;
pub mod public;

use crate::web::api::account::{
    calendar_feed, create_schedule, delete_photo, delete_schedule, get_availability, get_profile,
    list_schedules, patch_availability, patch_profile, put_photo, rotate_calendar_feed,
    update_schedule,
};
use crate::web::api::blocked_time::{create_blocked_time, delete_blocked_time, list_blocked_time};
use crate::web::api::bookings::{cancel_bookings, list_bookings, update_booking};
use crate::web::api::domains::{add_domain, delete_domain, list_domains, verify_domain};
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
use crate::web::session::{log_in, log_out};
use crate::web::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::MethodRouter;

/// One route of the API: its path, the methods it answers (lower case, as the OpenAPI
/// document spells them), and its handlers.
pub type Route = (
    &'static str,
    &'static [&'static str],
    MethodRouter<AppState>,
);

/// Writes the route table once: each line's methods are both the handlers the router calls
/// and the names [`table`] answers, so the two cannot disagree.
macro_rules! routes {
    ($($path:literal => $first:ident($fh:expr) $(.$method:ident($h:expr))* $(, limit $limit:expr)?;)*) => {
        vec![$((
            $path,
            &[stringify!($first) $(, stringify!($method))*][..],
            axum::routing::$first($fh)$(.$method($h))*$(.layer(DefaultBodyLimit::max($limit)))?,
        )),*]
    };
}

/// Every JSON route. The router is built from this table and nothing else, and a test walks
/// it against `api/openapi.json` and the live router's `Allow` answers.
pub fn routes() -> Vec<Route> {
    routes! {
        "/api/public/booking/{username}" => get(booking_page);
        "/api/public/booking/{username}/availability" => get(public_availability);
        "/api/public/booking/{username}/book" => post(book);
        "/api/public/captcha" => get(captcha_challenge);
        "/api/session" => post(log_in).delete(log_out);
        "/api/availability" => get(get_availability).patch(patch_availability);
        "/api/schedules" => get(list_schedules).post(create_schedule);
        "/api/schedules/{id}" => patch(update_schedule).delete(delete_schedule);
        "/api/profile" => get(get_profile).patch(patch_profile);
        "/api/profile/photo" => put(put_photo).delete(delete_photo),
            limit crate::services::profile::PHOTO_MAX_BYTES + 1024;
        "/api/meeting-types" => get(list_meeting_types).post(create_meeting_type);
        "/api/meeting-types/{id}" => patch(update_meeting_type).delete(delete_meeting_type);
        "/api/bookings" => get(list_bookings);
        "/api/bookings/{id}" => patch(update_booking);
        "/api/bookings/cancel" => post(cancel_bookings);
        "/api/guest-blocks" => get(list_guest_blocks).post(add_guest_block);
        "/api/guest-blocks/{pattern}" => delete(delete_guest_block);
        "/api/blocked-time" => get(list_blocked_time).post(create_blocked_time);
        "/api/blocked-time/{id}" => delete(delete_blocked_time);
        "/api/webhooks" => get(list_webhooks).post(create_webhook);
        "/api/webhooks/{id}" => delete(delete_webhook);
        "/api/calendar-connections" => get(list_connections).post(create_connection);
        "/api/calendar-connections/{id}" => patch(patch_connection).delete(delete_connection);
        "/api/insights" => get(get_insights);
        "/api/exports/bookings.csv" => get(export_bookings);
        "/api/exports/daily.csv" => get(export_daily);
        "/api/calendar-feed" => get(calendar_feed);
        "/api/calendar-feed/rotate" => post(rotate_calendar_feed);
        "/api/domains" => get(list_domains).post(add_domain);
        "/api/domains/{id}" => delete(delete_domain);
        "/api/domains/{id}/verify" => post(verify_domain);
    }
}

/// The route table without its handlers: each path and its methods.
pub fn table() -> Vec<(&'static str, &'static [&'static str])> {
    routes()
        .into_iter()
        .map(|(path, methods, _)| (path, methods))
        .collect()
}

pub fn router() -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, _, methods)| {
            router.route(path, methods)
        })
}
