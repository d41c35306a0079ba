//! The public booking endpoints: a host's page, their availability, the CAPTCHA challenge and
//! booking (with `Idempotency-Key`, so a retried POST books once).

use crate::crypto::token_hash;
use crate::services::{ServiceError, availability, booking, captcha};
use crate::store::{Source, Store};
use crate::web::api::common::{internal, json_text};
use crate::web::error::ApiError;
use crate::web::error::Result;
use crate::web::inputs::JsonBody;
use crate::web::state::AppState;
use axum::Json;
use axum::extract::Path;
use axum::extract::Query;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scheduling::{FieldError, Instant};
use serde_json::{Value, json};
use std::collections::HashMap;

pub(crate) async fn booking_page(
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

pub(crate) fn query_instant(
    query: &HashMap<String, String>,
    key: &str,
) -> Result<Option<jiff::Timestamp>, FieldError> {
    query
        .get(key)
        .map(|v| Instant::parse_timestamp(v).map_err(|m| FieldError::new(key, m)))
        .transpose()
}

/// A whole number of minutes from the query string (`?duration=60`).
pub(crate) fn query_minutes(
    query: &HashMap<String, String>,
    key: &str,
) -> Result<Option<i64>, FieldError> {
    query
        .get(key)
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                FieldError::new(key, format!("{v:?} is not a whole number of minutes"))
            })
        })
        .transpose()
}

pub(crate) async fn public_availability(
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
    let duration = query_minutes(&query, "duration")?;
    let body = availability::public_slots(
        &state.store,
        &state.cache,
        &username,
        meeting_type_id,
        duration,
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

pub(crate) async fn book(
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
    let (record, mut tx) = match booking::book(&state.store, &state.sealer, prepared, now).await {
        Ok(done) => done,
        Err(e @ (ServiceError::Conflict(_) | ServiceError::Refused { .. })) => {
            // A retry that lost the race to its own first attempt gets that attempt's answer.
            if let Some(keyed) = &keyed
                && let Some(replay) = keyed.replay(&state.store).await?
            {
                return Ok(replay);
            }
            return Err(e.into());
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
    crate::metrics::count(crate::metrics::Counter::Bookings, record.source.as_str());
    Ok(json_text(StatusCode::CREATED, text))
}

/// A proof-of-work challenge for `POST …/book` (ALTCHA v2: solve it, then send
/// `base64(JSON {challenge, solution})` as the body's `altcha`).
pub(crate) async fn captcha_challenge(State(state): State<AppState>) -> Response {
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
    let Some(token) = crate::web::inputs::bearer_token(headers) else {
        return Ok(None);
    };
    state
        .store
        .host_by_token_hash(&token_hash(token))
        .await
        .map_err(internal)
}
