//! The host's booking-page profile in the dashboard: display name, welcome line, brand colour
//! and photo (uploaded as a form file, checked and kept in the database), through the same
//! service as `PATCH /api/profile` and `PUT /api/profile/photo`.

use askama::Template;
use axum::Router;
use axum::extract::Multipart;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::services::profile;
use crate::web::dashboard::kit::Notice;
use crate::web::dashboard::kit::Posted;
use crate::web::dashboard::kit::Session;
use crate::web::dashboard::kit::form_status;
use crate::web::dashboard::kit::problems;
use crate::web::dashboard::kit::tell;
use crate::web::dashboard::kit::waiting_notice;
use crate::web::form::Fields;
use crate::web::shell::ASSET_VERSION;
use crate::web::shell::html;
use crate::web::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/profile", get(profile_page).post(save_profile))
        .route(
            "/dashboard/profile/photo",
            post(upload_photo).layer(axum::extract::DefaultBodyLimit::max(
                profile::PHOTO_MAX_BYTES + 16 * 1024,
            )),
        )
        .route("/dashboard/profile/photo/delete", post(remove_photo))
}

#[derive(Template)]
#[template(path = "dash_profile.html")]
struct ProfilePage<'a> {
    asset_version: &'a str,
    csrf: String,
    flash: Option<String>,
    notice: Option<Notice>,
    username: String,
    name: String,
    welcome: String,
    brand: String,
    photo_url: Option<String>,
    initials: String,
    initials_style: String,
    errors: Vec<(String, String)>,
}

impl ProfilePage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn render(
    headers: &HeaderMap,
    s: Session,
    notice: Option<Notice>,
    typed: Option<&Fields>,
    errors: Vec<(String, String)>,
) -> Response {
    let pick = |name: &str, saved: &str| {
        typed.map_or_else(|| saved.to_owned(), |f| f.first(name).to_owned())
    };
    let page = ProfilePage {
        asset_version: &ASSET_VERSION,
        name: pick("name", &s.host.name),
        welcome: pick("welcome", &s.host.welcome),
        brand: pick("brandColor", &s.host.brand_color),
        photo_url: profile::photo_path(&s.host),
        initials: crate::web::guest::widgets::initials(&s.host.name),
        initials_style: crate::web::guest::widgets::brand_style(&s.host),
        username: s.host.username.clone(),
        flash: None,
        notice,
        errors,
        csrf: s.csrf,
    };
    html(headers, form_status(&page.errors), &page)
}

async fn profile_page(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Response {
    let notice = waiting_notice(&state, &s).await;
    render(&headers, s, notice, None, Vec::new())
}

async fn save_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Posted(s, f): Posted,
) -> Response {
    // The colour field always sends a value; "use the default" clears it.
    let brand = if f.first("defaultBrand") == "yes" {
        json!(null)
    } else {
        json!(f.first("brandColor"))
    };
    let patch = json!({
        "name": f.first("name"),
        "welcome": f.first("welcome"),
        "brandColor": brand,
    });
    match profile::update_profile(&state.store, &s.host, &patch).await {
        Ok(_) => {
            tell(
                &state,
                &s,
                Ok("Saved. Your booking page shows it now.".into()),
                "/dashboard/profile",
            )
            .await
        }
        Err(e) => {
            let errors = problems(e)
                .into_iter()
                .map(|p| (p.field, p.message))
                .collect();
            render(&headers, s, None, Some(&f), errors)
        }
    }
}

/// The photo form: `multipart/form-data` with the CSRF token and the file.
async fn upload_photo(
    State(state): State<AppState>,
    s: Session,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let unreadable = || {
        Err(crate::services::ServiceError::Invalid(vec![
            scheduling::FieldError::new(
                "photo",
                "could not be read; photos must be PNG, JPEG or WebP of at most 512 KB",
            ),
        ]))
    };
    let mut csrf = String::new();
    let mut photo = None;
    let read = async {
        let mut multipart = multipart.map_err(|_| ())?;
        while let Some(field) = multipart.next_field().await.map_err(|_| ())? {
            match field.name() {
                Some("csrf") => csrf = field.text().await.map_err(|_| ())?,
                Some("photo") => photo = Some(field.bytes().await.map_err(|_| ())?),
                _ => {}
            }
        }
        Ok::<(), ()>(())
    }
    .await;
    if csrf != s.csrf && read.is_ok() {
        return (
            StatusCode::FORBIDDEN,
            "This form has expired. Go back, reload the page and try again.",
        )
            .into_response();
    }
    let outcome = match (read, photo) {
        (Err(()), _) => unreadable(),
        (Ok(()), photo) => profile::set_photo(
            &state.store,
            &s.host,
            Some(photo.as_deref().unwrap_or_default()),
        )
        .await
        .map(|_| "Your new photo is on your booking page.".to_owned()),
    };
    tell(&state, &s, outcome, "/dashboard/profile").await
}

async fn remove_photo(State(state): State<AppState>, Posted(s, _): Posted) -> Response {
    let outcome = profile::set_photo(&state.store, &s.host, None)
        .await
        .map(|_| "Photo removed; your booking page shows your initials.".to_owned());
    tell(&state, &s, outcome, "/dashboard/profile").await
}
