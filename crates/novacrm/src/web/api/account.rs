//! The host's own settings: availability, profile and photo, the calendar feed.

use crate::services::{availability, feed, profile, schedules};
use crate::web::api::common::internal;
use crate::web::error::ApiError;
use crate::web::error::Result;
use crate::web::inputs::AuthHost;
use crate::web::inputs::JsonBody;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

pub(crate) async fn get_availability(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    Ok(Json(
        state
            .store
            .availability(&host.id)
            .await
            .map_err(internal)?
            .to_json(),
    ))
}

pub(crate) async fn patch_availability(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let settings =
        availability::update_availability(&state.store, &host, &body, state.clock.now()).await?;
    Ok(Json(settings.to_json()))
}

pub(crate) async fn get_profile(AuthHost(host): AuthHost) -> Json<Value> {
    Json(profile::profile_json(&host))
}

pub(crate) async fn patch_profile(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let host = profile::update_profile(&state.store, &host, &body).await?;
    Ok(Json(profile::profile_json(&host)))
}

/// The request body is the image itself; its type is read from its signature.
pub(crate) async fn put_photo(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(profile::PHOTO_MAX_BYTES)
        } else {
            ApiError::BadRequest(format!("cannot read the request body: {r}"))
        }
    })?;
    let host = profile::set_photo(&state.store, &host, Some(&body)).await?;
    Ok(Json(profile::profile_json(&host)))
}

pub(crate) async fn delete_photo(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let host = profile::set_photo(&state.store, &host, None).await?;
    Ok(Json(profile::profile_json(&host)))
}

pub(crate) async fn calendar_feed(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let url = feed::feed_url(&state.store, &state.sealer, &host, state.public_url()).await?;
    Ok(Json(json!({ "url": url })))
}

pub(crate) async fn rotate_calendar_feed(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let url = feed::rotate(&state.store, &state.sealer, &host, state.public_url()).await?;
    Ok(Json(json!({ "url": url })))
}

pub(crate) async fn list_schedules(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let all = state.store.schedules(&host.id).await.map_err(internal)?;
    Ok(Json(Value::Array(
        all.iter()
            .map(crate::store::ScheduleRecord::to_json)
            .collect(),
    )))
}

pub(crate) async fn create_schedule(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>)> {
    let made = schedules::create(&state.store, &host, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(made.to_json())))
}

pub(crate) async fn update_schedule(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let changed = schedules::update(&state.store, &host, &id, &body, state.clock.now()).await?;
    Ok(Json(changed.to_json()))
}

pub(crate) async fn delete_schedule(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    schedules::delete(&state.store, &host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
