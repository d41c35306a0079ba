//! The JSON API of DESIGN.md §7: public booking endpoints and the host's authenticated ones.

use std::collections::HashMap;

use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use scheduling::{FieldError, Instant};
use serde_json::{Value, json};

use crate::crypto::token_hash;
use crate::services::{
    ServiceError, availability, booking, calendars, captcha, exports, feed, host, insights, spam,
    webhooks,
};
use crate::store::{BookingFilter, Source, Store};
use crate::web::error::ApiError;
use crate::web::error::Result;
use crate::web::extract::AuthHost;
use crate::web::extract::JsonBody;
use crate::web::state::AppState;

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
                axum::extract::DefaultBodyLimit::max(host::PHOTO_MAX_BYTES + 1024),
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

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

fn json_text(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.into(),
    )
        .into_response()
}

async fn booking_page(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Json<Value>> {
    let host = state
        .store
        .host_by_username(&username)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::NotFound(format!("no booking page for {username:?}")))?;
    let settings = state.store.availability(&host.id).await.map_err(internal)?;
    let types = state
        .store
        .meeting_types(&host.id)
        .await
        .map_err(internal)?;
    let types: Vec<Value> = types
        .iter()
        .filter(|m| m.active)
        .map(crate::store::MeetingTypeRecord::to_public_json)
        .collect();
    Ok(Json(json!({
        "host": {"username": host.username, "name": host.name, "timezone": settings.zone.name()},
        "meetingTypes": types,
    })))
}

fn query_instant(
    query: &HashMap<String, String>,
    key: &str,
) -> Result<Option<jiff::Timestamp>, FieldError> {
    query
        .get(key)
        .map(|v| Instant::parse_timestamp(v).map_err(|m| FieldError::new(key, m)))
        .transpose()
}

async fn public_availability(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let meeting_type_id = query
        .get("meetingTypeId")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FieldError::new("meetingTypeId", "is required"))?;
    let start = query_instant(&query, "start")?;
    let end = query_instant(&query, "end")?;
    let body = availability::public_slots(
        &state.store,
        &state.cache,
        &username,
        meeting_type_id,
        start,
        end,
        state.clock.now(),
    )
    .await?;
    Ok(json_text(StatusCode::OK, body.json.clone()))
}

/// A keyed booking request (`Idempotency-Key`): a retry gets the first answer back.
struct Idempotency {
    scope: String,
    key: String,
    request_hash: String,
}

impl Idempotency {
    fn from_request(username: &str, headers: &HeaderMap, body: &Value) -> Result<Option<Self>> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = value.to_str().map(str::trim).unwrap_or_default();
        if key.is_empty() || key.len() > 200 {
            return Err(ApiError::BadRequest(
                "Idempotency-Key must be 1–200 visible characters".into(),
            ));
        }
        Ok(Some(Self {
            scope: format!("book:{username}"),
            key: key.to_owned(),
            request_hash: token_hash(&body.to_string()),
        }))
    }

    /// The stored answer to this key, if any; the same key with another body is refused.
    async fn replay(&self, store: &Store) -> Result<Option<Response>> {
        let stored = store
            .idempotent_response(&self.scope, &self.key)
            .await
            .map_err(internal)?;
        let Some((hash, status, body)) = stored else {
            return Ok(None);
        };
        if hash != self.request_hash {
            return Err(ApiError::Invalid(vec![FieldError::new(
                "Idempotency-Key",
                "was already used for a different request",
            )]));
        }
        let status = StatusCode::from_u16(status).map_err(internal)?;
        Ok(Some(json_text(status, body)))
    }
}

async fn book(
    State(state): State<AppState>,
    Path(username): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let keyed = Idempotency::from_request(&username, &headers, &body)?;
    if let Some(keyed) = &keyed
        && let Some(replay) = keyed.replay(&state.store).await?
    {
        return Ok(replay);
    }
    let now = state.clock.now();
    let mut prepared = booking::prepare(&state.store, &username, &body, now).await?;
    let host_id = prepared.host().id.clone();
    let own_host = match bearer_host(&state, &headers).await? {
        Some(host) => host.id == host_id,
        None => false,
    };
    prepared.made_through(if own_host {
        Source::Api
    } else {
        Source::PublicApi
    });
    if state.captcha.required && !own_host {
        let solution = body.get(captcha::FIELD).and_then(Value::as_str);
        state
            .captcha
            .spend_solution(&state.store, &host_id, solution, now)
            .await?;
    }
    let meeting = prepared.meeting().clone();
    let (record, mut tx) = match booking::book(&state.store, prepared, now).await {
        Ok(done) => done,
        Err(ServiceError::Conflict(message)) => {
            // A retry that lost the race to its own first attempt gets that attempt's answer.
            if let Some(keyed) = &keyed
                && let Some(replay) = keyed.replay(&state.store).await?
            {
                return Ok(replay);
            }
            return Err(ApiError::Conflict(message));
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = record.to_json();
    out["confirmationMessage"] = json!(meeting.confirmation_message);
    out["meetingTypeName"] = json!(meeting.name);
    out["manageUrl"] = json!(state.sender.manage_url(&record));
    let text = out.to_string();
    if let Some(k) = &keyed {
        Store::save_idempotent_response(
            &mut tx,
            &k.scope,
            &k.key,
            &k.request_hash,
            201,
            &text,
            Instant::from(now),
        )
        .await
        .map_err(internal)?;
    }
    tx.commit().await.map_err(internal)?;
    Ok(json_text(StatusCode::CREATED, text))
}

/// A proof-of-work challenge for `POST …/book` (ALTCHA v2: solve it, then send
/// `base64(JSON {challenge, solution})` as the body's `altcha`).
async fn captcha_challenge(State(state): State<AppState>) -> Response {
    let challenge = state.captcha.challenge(state.clock.now());
    let mut response = Json(challenge).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The host behind a Bearer token, when the request carries a valid one.
async fn bearer_host(state: &AppState, headers: &HeaderMap) -> Result<Option<crate::store::Host>> {
    let Some(token) = super::extract::bearer_token(headers) else {
        return Ok(None);
    };
    state
        .store
        .host_by_token_hash(&token_hash(token))
        .await
        .map_err(internal)
}

async fn get_availability(
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

async fn patch_availability(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let settings = host::update_availability(&state.store, &host, &body, state.clock.now()).await?;
    Ok(Json(settings.to_json()))
}

async fn get_profile(AuthHost(host): AuthHost) -> Json<Value> {
    Json(host::profile_json(&host))
}

async fn patch_profile(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let host = host::update_profile(&state.store, &host, &body).await?;
    Ok(Json(host::profile_json(&host)))
}

/// The request body is the image itself; its type is read from its signature.
async fn put_photo(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(host::PHOTO_MAX_BYTES)
        } else {
            ApiError::BadRequest(format!("cannot read the request body: {r}"))
        }
    })?;
    let host = host::set_photo(&state.store, &host, Some(&body)).await?;
    Ok(Json(host::profile_json(&host)))
}

async fn delete_photo(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let host = host::set_photo(&state.store, &host, None).await?;
    Ok(Json(host::profile_json(&host)))
}

async fn list_meeting_types(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let types = state
        .store
        .meeting_types(&host.id)
        .await
        .map_err(internal)?;
    Ok(Json(Value::Array(
        types
            .iter()
            .map(crate::store::MeetingTypeRecord::to_json)
            .collect(),
    )))
}

async fn create_meeting_type(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>)> {
    state.worker.check_video(&host.id, &body).await?;
    let m = host::create_meeting_type(&state.store, &host, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(m.to_json())))
}

async fn update_meeting_type(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    state.worker.check_video(&host.id, &body).await?;
    let m = host::update_meeting_type(&state.store, &host, &id, &body, state.clock.now()).await?;
    Ok(Json(m.to_json()))
}

async fn delete_meeting_type(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    host::delete_meeting_type(&state.store, &host, &id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_bookings(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let status = query
        .get("status")
        .map(|s| s.parse().map_err(|m| FieldError::new("status", m)))
        .transpose()?;
    let from = query_instant(&query, "from")?.map(Instant::ceil);
    let to = query_instant(&query, "to")?.map(Instant::ceil);
    let limit = match query.get("limit") {
        None => 100,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| FieldError::new("limit", "must be a whole number from 1 to 500"))?,
    };
    let cursor = query
        .get("cursor")
        .map(|c| {
            crate::store::parse_cursor(c)
                .ok_or_else(|| FieldError::new("cursor", "is not a cursor from a Link header"))
        })
        .transpose()?;
    let filter = BookingFilter {
        status,
        from,
        to,
        ..BookingFilter::default()
    };
    let mut list = state
        .store
        .bookings_page(&host.id, filter, cursor, limit + 1)
        .await
        .map_err(internal)?;
    let more = list.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    list.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let body = Value::Array(
        list.iter()
            .map(crate::store::BookingRecord::to_json)
            .collect(),
    );
    let mut response = Json(body).into_response();
    if more && let Some(last) = list.last() {
        // The next page: the same filters, after the last booking of this one.
        let mut next = format!(
            "/api/bookings?limit={limit}&cursor={}",
            crate::web::shell::encode(&last.cursor())
        );
        for key in ["status", "from", "to"] {
            if let Some(value) = query.get(key).filter(|v| !v.is_empty()) {
                next.push('&');
                next.push_str(key);
                next.push('=');
                next.push_str(&crate::web::shell::encode(value));
            }
        }
        let link = format!("<{next}>; rel=\"next\"");
        response.headers_mut().insert(
            axum::http::header::LINK,
            axum::http::HeaderValue::from_str(&link).map_err(internal)?,
        );
    }
    Ok(response)
}

async fn get_insights(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>> {
    let report = insights::insights(
        &state.store,
        &state.insights,
        &host,
        query.get("from").map(String::as_str),
        query.get("to").map(String::as_str),
        state.clock.now(),
    )
    .await?;
    Ok(Json(report.to_json()))
}

/// A CSV download named `file`.
fn csv(file: &str, body: axum::body::Body) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/csv; charset=utf-8; header=present".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

async fn export_bookings(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Response> {
    let rows = exports::bookings_csv(&state.store, &host).await?;
    let rows = futures_util::TryStreamExt::inspect_err(rows, |e| {
        tracing::error!(error = %e, "the bookings export stopped");
    });
    Ok(csv("bookings.csv", axum::body::Body::from_stream(rows)))
}

async fn export_daily(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response> {
    let body = exports::daily_csv(
        &state.store,
        &state.insights,
        &host,
        query.get("from").map(String::as_str),
        query.get("to").map(String::as_str),
        state.clock.now(),
    )
    .await?;
    Ok(csv("daily.csv", body.into()))
}

async fn update_booking(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let b = booking::update(&state.store, &host, &id, &body, state.clock.now()).await?;
    Ok(Json(b.to_json()))
}

async fn cancel_bookings(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    let bulk = spam::BulkCancel::read(&body)?;
    let cancelled = spam::cancel_many(&state.store, &host, bulk, state.clock.now()).await?;
    Ok(Json(json!({
        "cancelled": cancelled.len(),
        "bookings": cancelled.iter().map(crate::store::BookingRecord::to_json).collect::<Vec<_>>(),
    })))
}

fn block_json(pattern: &str, at: Instant) -> Value {
    json!({"pattern": pattern, "createdAt": at.to_string()})
}

/// When the host blocked `pattern` (as stored: a repeat block keeps the first date).
async fn added_at(state: &AppState, host: &crate::store::Host, pattern: &str) -> Result<Instant> {
    let blocks = state.store.guest_blocks(&host.id).await.map_err(internal)?;
    blocks
        .into_iter()
        .find(|(p, _)| p == pattern)
        .map(|(_, at)| at)
        .ok_or_else(|| internal("a block just saved is missing"))
}

async fn list_guest_blocks(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let blocks = state.store.guest_blocks(&host.id).await.map_err(internal)?;
    Ok(Json(Value::Array(
        blocks.iter().map(|(p, at)| block_json(p, *at)).collect(),
    )))
}

async fn add_guest_block(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let obj = scheduling::Obj::new(&body, "")?;
    let text = obj.required_str("pattern")?;
    let (pattern, added) = spam::block(&state.store, &host, text, state.clock.now()).await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(block_json(
            &pattern,
            added_at(&state, &host, &pattern).await?,
        )),
    )
        .into_response())
}

async fn delete_guest_block(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(pattern): Path<String>,
) -> Result<StatusCode> {
    spam::unblock(&state.store, &host, &pattern).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_webhooks(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let list = state.store.webhooks(&host.id).await.map_err(internal)?;
    Ok(Json(list.iter().map(webhooks::to_json).collect()))
}

async fn create_webhook(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let (webhook, secret) = webhooks::create(
        &state.store,
        &state.sealer,
        &state.worker.calendars().policy,
        &host,
        &body,
        state.clock.now(),
    )
    .await?;
    let mut json = webhooks::to_json(&webhook);
    json["secret"] = Value::String(secret);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

async fn delete_webhook(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    webhooks::delete(&state.store, &host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn connections_json(state: &AppState, host: &crate::store::Host) -> Result<Value> {
    let connections = state.store.connections(&host.id).await.map_err(internal)?;
    let calendars = state.store.calendars(&host.id).await.map_err(internal)?;
    Ok(Value::Array(
        connections
            .iter()
            .map(|c| calendars::connection_json(c, &calendars))
            .collect(),
    ))
}

async fn list_connections(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    Ok(Json(connections_json(&state, &host).await?))
}

async fn create_connection(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let (connection, calendars) = state
        .worker
        .calendars()
        .connect(&host, &body, state.clock.now())
        .await?;
    let json = calendars::connection_json(&connection, &calendars);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

async fn patch_connection(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>> {
    state
        .worker
        .calendars()
        .patch(&host, &id, &body, state.clock.now())
        .await?;
    let all = connections_json(&state, &host).await?;
    let one = all
        .as_array()
        .and_then(|list| list.iter().find(|c| c["id"] == id.as_str()).cloned())
        .unwrap_or(Value::Null);
    Ok(Json(one))
}

async fn delete_connection(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    state.worker.calendars().delete(&host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn public_base(state: &AppState) -> &str {
    state.config.public_url.as_deref().unwrap_or_default()
}

async fn calendar_feed(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let url = feed::feed_url(&state.store, &host, public_base(&state)).await?;
    Ok(Json(json!({ "url": url })))
}

async fn rotate_calendar_feed(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let url = feed::rotate(&state.store, &host, public_base(&state)).await?;
    Ok(Json(json!({ "url": url })))
}

async fn list_blocked_time(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
) -> Result<Json<Value>> {
    let list = Store::blocked_times(state.store.pool(), &host.id)
        .await
        .map_err(internal)?;
    Ok(Json(Value::Array(
        list.iter()
            .map(crate::store::BlockedRecord::to_json)
            .collect(),
    )))
}

async fn create_blocked_time(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>)> {
    let b = host::create_blocked_time(&state.store, &host, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(b.to_json())))
}

async fn delete_blocked_time(
    State(state): State<AppState>,
    AuthHost(host): AuthHost,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    host::delete_blocked_time(&state.store, &host, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
