//! The calendar page of one meeting type: the month, the chosen day's times in the guest's
//! zone, answered from the page cache when it can.

use crate::services::insights::Step;
use std::sync::Arc;

use crate::web::guest::cache::{PageCache, PageKey};
use crate::web::guest::widgets::{CalendarMode, CalendarQuery, render_calendar};
use crate::web::guest::zone_choice::ZoneChoice;
use crate::web::reader::Reader;
use crate::web::shell::HTML;
use crate::web::shell::framable;
use crate::web::shell::not_found_for;
use crate::web::shell::respond;
use crate::web::state::AppState;
use crate::web::visit::Visit;
use axum::Extension;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use scheduling::Instant;

pub(crate) async fn calendar_page(
    State(state): State<AppState>,
    Extension(pages): Extension<Arc<PageCache>>,
    Path((username, type_id)): Path<(String, String)>,
    Query(query): Query<CalendarQuery>,
    reader: Reader,
    headers: HeaderMap,
    visit: Visit,
) -> Response {
    visit.count(&state, &username, Step::Type);
    let Ok(Some(page_host)) = state.store.host_version(&username).await else {
        let message = reader.lang.msg1("no-page", "name", &username);
        return not_found_for(&reader, &headers, &message);
    };
    let now_ms = Instant::ceil(state.clock.now()).as_millis();
    let key = PageKey {
        host_id: page_host.id,
        type_id: type_id.clone(),
        version: page_host.version,
        minute: now_ms.div_euclid(60_000),
        on_the_minute: now_ms.rem_euclid(60_000) == 0,
        zone: ZoneChoice::of(query.tz.as_deref(), &headers),
        month: query.month.clone(),
        date: query.date.clone(),
        taken: query.taken.clone(),
        duration: query.duration.clone(),
        reader: reader.clone(),
        gzip: crate::web::shell::accepts_gzip(&headers),
    };
    let embed = page_host.embed_origins;
    if let Some(body) = pages.0.get(&key) {
        return framable(respond(StatusCode::OK, body, key.gzip, HTML), &embed);
    }
    let mode = CalendarMode {
        slot_base: format!("/book/{username}/{type_id}/details"),
        back_href: format!("/book/{username}{}", reader.carry_alone()),
        back_label: String::new(),
        heading: None,
        note: None,
        pick_length: true,
    };
    let response =
        render_calendar(&state, &username, &type_id, &query, &reader, &headers, mode).await;
    match response {
        Ok((body, gzip)) => {
            pages.0.put(key, body.clone());
            framable(respond(StatusCode::OK, body, gzip, HTML), &embed)
        }
        Err(response) => response,
    }
}
