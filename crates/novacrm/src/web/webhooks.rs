//! Inbound webhooks from the outside world. `POST /webhooks/twilio/sms` takes a guest's
//! replies: "C" cancels their next meeting (never "CANCEL", which carriers treat as an
//! opt-out keyword), STOP/START switch reminders off and on. Nothing acts on a request whose
//! `X-Twilio-Signature` does not verify.

use axum::Router;
use axum::extract::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use scheduling::{Instant, Phone};

use crate::integrations::sms::twilio_signature_valid;
use crate::services::{ServiceError, booking};
use crate::web::state::AppState;

pub const TWILIO_SMS_PATH: &str = "/webhooks/twilio/sms";

pub fn router() -> Router<AppState> {
    Router::new().route(TWILIO_SMS_PATH, post(twilio_sms))
}

/// Twilio's opt-out and opt-in keywords (its "Advanced Opt-Out" defaults).
const STOP_WORDS: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "REVOKE",
];
const START_WORDS: [&str; 3] = ["START", "UNSTOP", "YES"];

/// A `TwiML` answer: an optional reply text, XML-escaped.
fn twiml(reply: Option<&str>) -> Response {
    let body = match reply {
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>".to_owned(),
        Some(text) => {
            let escaped = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{escaped}</Message></Response>"
            )
        }
    };
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    response
}

async fn twilio_sms(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    let Some(twilio) = &state.config.twilio else {
        return (StatusCode::NOT_FOUND, "SMS is not configured").into_response();
    };
    let url = format!(
        "{}{TWILIO_SMS_PATH}",
        state.config.public_url.as_deref().unwrap_or_default()
    );
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !twilio_signature_valid(&twilio.auth_token, &url, &params, signature) {
        tracing::warn!("refused an inbound SMS webhook with a bad signature");
        return (StatusCode::FORBIDDEN, "bad signature").into_response();
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let Ok(from) = Phone::parse(get("From")) else {
        return twiml(None);
    };
    let now = state.clock.now();
    // A signed request can be sent again by anyone who saw it (or by Twilio, retrying): each
    // message acts once.
    let sid = get("MessageSid");
    if sid.is_empty() {
        return twiml(None);
    }
    match state
        .store
        .first_sight_of_text(sid, Instant::from(now))
        .await
    {
        Ok(true) => {}
        Ok(false) => return twiml(None),
        Err(e) => {
            tracing::error!(error = %e, "cannot record an inbound text");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
        }
    }
    let word = get("Body").trim().to_ascii_uppercase();
    if STOP_WORDS.contains(&word.as_str()) || START_WORDS.contains(&word.as_str()) {
        let stop = STOP_WORDS.contains(&word.as_str());
        if let Err(e) = state
            .store
            .set_sms_opt_out(from.as_str(), stop, Instant::from(now))
            .await
        {
            tracing::error!(error = %e, "cannot record an SMS opt-out");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
        }
        // Twilio answers STOP and START itself; a second reply would be noise.
        return twiml(None);
    }
    if word != "C" {
        return twiml(None);
    }
    match booking::cancel_by_phone(&state.store, &from, now).await {
        Ok(Some(_)) => twiml(None),
        Ok(None) => twiml(Some(
            "We found no upcoming meeting booked with this number, so nothing was cancelled.",
        )),
        Err(ServiceError::Conflict(message)) => {
            twiml(Some(&format!("Nothing was cancelled: {message}.")))
        }
        Err(e) => {
            tracing::error!(error = %e, "cancelling by text failed");
            (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
        }
    }
}
