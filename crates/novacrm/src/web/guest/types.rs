//! The host's page: their meeting types as cards, and their photo.

use crate::i18n::Lang;
use crate::services::insights::Step;
use crate::web::guest::widgets::HostCard;
use crate::web::reader::Reader;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::framable;
use crate::web::shell::html;
use crate::web::shell::not_found_for;
use crate::web::state::AppState;
use crate::web::visit::Visit;
use askama::Template;
use axum::extract::Path;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

struct TypeCard {
    id: String,
    name: String,
    duration: i64,
    description: Option<String>,
    color: String,
}

#[derive(Template)]
#[template(path = "book_types.html")]
struct TypesPage<'a> {
    asset_version: &'a str,
    t: Lang,
    reader: &'a Reader,
    username: &'a str,
    card: HostCard,
    types: Vec<TypeCard>,
}

pub(crate) async fn types_page(
    State(state): State<AppState>,
    Path(username): Path<String>,
    reader: Reader,
    headers: HeaderMap,
    visit: Visit,
) -> Response {
    let t = reader.lang;
    visit.count(&state, &username, Step::View);
    let Ok(Some(host)) = state.store.host_by_username(&username).await else {
        return not_found_for(&reader, &headers, &t.msg1("no-page", "name", &username));
    };
    let Ok(types) = state.store.meeting_types(&host.id).await else {
        return not_found_for(&reader, &headers, &t.msg("page-unavailable"));
    };
    let types = types
        .into_iter()
        .filter(|m| m.active)
        .map(|m| TypeCard {
            id: m.id,
            name: m.name,
            duration: m.duration,
            description: m.description,
            color: m.color,
        })
        .collect();
    let page = TypesPage {
        asset_version: &ASSET_VERSION,
        t,
        reader: &reader,
        username: &username,
        card: HostCard::new(&host, None, t).previewed(state.config.public_url.as_deref()),
        types,
    };
    framable(html(&headers, StatusCode::OK, &page), &host.embed_origins)
}

/// The host's photo, under its digest: the address changes with the photo, so it is cached
/// for a year.
pub(crate) async fn photo(
    State(state): State<AppState>,
    Path((username, digest)): Path<(String, String)>,
    reader: Reader,
    headers: HeaderMap,
) -> Response {
    match state.store.photo(&username, &digest).await {
        Ok(Some((content_type, bytes))) => (
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (
                    axum::http::header::CACHE_CONTROL,
                    "public, max-age=31536000, immutable".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox".to_owned(),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => not_found_for(&reader, &headers, &reader.lang.msg("photo-gone")),
    }
}
