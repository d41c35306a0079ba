//! The guest's booking flow: meeting types → month calendar → the day's times in the guest's
//! zone → details form → confirmation with an `.ics` file; the booking's own page (cancel,
//! reschedule) and the host's calendar feed. Plain links and forms, so it all works with
//! JavaScript off; a slot taken meanwhile sends the guest back to the times. Every page speaks
//! the guest's language (`Reader`); field errors from the booking service stay in English.

pub mod cache;
pub mod calendar;
pub mod details;
pub mod ics;
pub mod manage;
pub mod types;
pub mod widgets;
pub mod zone_choice;
pub mod zones;

use std::sync::Arc;

use axum::routing::get;
use axum::{Extension, Router};

use crate::web::state::AppState;

/// The guest pages, with their own cache of rendered calendar pages (one per router).
pub fn router() -> Router<AppState> {
    let pages = Arc::new(cache::PageCache::default());
    Router::new()
        .route("/book/{username}", get(types::types_page))
        .route("/book/{username}/{type_id}", get(calendar::calendar_page))
        .route(
            "/book/{username}/{type_id}/details",
            get(details::details_page).post(details::submit_details),
        )
        .route("/book/{username}/photo/{digest}", get(types::photo))
        .route("/cal/{file}", get(ics::feed))
        .merge(manage::router())
        .layer(Extension(pages))
}
