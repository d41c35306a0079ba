//! The host's dashboard: sign up, log in and out (session cookie, CSRF token on every form),
//! home with the share link and the week's meetings, bookings with their actions, the
//! availability card, meeting types, blocked time, contacts, profile, calendars and insights.
//! Forms post back; errors re-render next to the fields. Each page is its own file; the pieces
//! they share are in `kit`.

pub mod auth;
pub mod availability;
pub mod blocked_time;
pub mod booking;
pub mod bookings;
pub mod contacts;
pub mod dates;
pub mod home;
pub mod insights;
pub mod integrations;
pub mod kit;
pub mod meeting_types;
pub mod profile;
pub mod sharing;
pub mod week;

use axum::Router;
use axum::routing::{get, post};

use crate::web::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(home::home))
        .route("/dashboard/onboarding/shared", post(home::link_shared))
        .route(
            "/dashboard/signup",
            get(auth::signup_page).post(auth::signup),
        )
        .route("/dashboard/login", get(auth::login_page).post(auth::login))
        .route("/dashboard/logout", post(auth::logout))
        .route("/dashboard/bookings", get(bookings::bookings_page))
        .route("/dashboard/bookings/cancel", post(bookings::bulk_cancel))
        .route("/dashboard/blocks", post(bookings::add_block))
        .route("/dashboard/blocks/remove", post(bookings::remove_block))
        .route(
            "/dashboard/bookings/{id}",
            get(booking::detail).post(bookings::booking_action),
        )
        .route("/dashboard/bookings/{id}/cancel", get(booking::cancel_step))
        .route("/dashboard/bookings/{id}/move", get(booking::move_step))
        .route("/dashboard/calendar", get(week::week))
        .route("/dashboard/messages/{id}/retry", post(home::retry_message))
        .route(
            "/dashboard/bookings/{id}/reschedule",
            get(booking::reschedule_picker).post(bookings::reschedule),
        )
        .route(
            "/dashboard/availability",
            get(availability::availability_page).post(availability::save_availability),
        )
        .route(
            "/dashboard/availability/dates",
            get(dates::dates_page).post(dates::save_date),
        )
        .route("/dashboard/meeting-types", get(meeting_types::types_page))
        .route(
            "/dashboard/meeting-types/{id}",
            get(meeting_types::type_form).post(meeting_types::save_type),
        )
        .route(
            "/dashboard/meeting-types/{id}/delete",
            post(meeting_types::delete_type),
        )
        .route(
            "/dashboard/blocked",
            get(blocked_time::blocked_page).post(blocked_time::add_blocked),
        )
        .route(
            "/dashboard/blocked/{id}/delete",
            post(blocked_time::delete_blocked),
        )
        .merge(integrations::router())
        .merge(profile::router())
        .merge(sharing::router())
        .merge(contacts::router())
        .merge(insights::router())
}
