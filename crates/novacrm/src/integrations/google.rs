//! Google Calendar on plain reqwest (no SDK): the OAuth authorization-code flow with offline
//! access, token refresh, the calendar list, busy times by `freeBusy` (split at 90 days and
//! 50 calendars a request; a calendar Google reports an error for is unknown, so busy), and
//! booking events written with `sendUpdates=none` (we send our own invitations), with an
//! optional Meet link requested through `conferenceData`. Every base URL comes from config.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use scheduling::Instant;
use serde_json::{Value, json};

use crate::config::GoogleConfig;

/// What the connection needs: reading busy times and the calendar list, writing events.
pub const SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events",
];

/// Most days one freeBusy request may span, and most calendars it may name.
const FREEBUSY_DAYS: i64 = 90;
const FREEBUSY_CALENDARS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoogleError {
    /// The access token was refused: refresh it and try once more.
    Unauthorized,
    /// The refresh token is no longer valid: the host must connect again.
    InvalidGrant(String),
    /// 403 rate limits and 429: try again later, with backoff.
    RateLimited(String),
    /// 404 / 410 on an event.
    Gone,
    Failed(String),
}

impl std::fmt::Display for GoogleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unauthorized => f.write_str("Google refused the access token"),
            Self::InvalidGrant(m) => write!(f, "Google no longer accepts this connection ({m})"),
            Self::RateLimited(m) => write!(f, "Google asks us to slow down ({m})"),
            Self::Gone => f.write_str("the event is gone"),
            Self::Failed(m) => f.write_str(m),
        }
    }
}

/// The token endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    /// Google sends one on the first exchange and may rotate it on a refresh.
    pub refresh_token: Option<String>,
    pub expires_at: Instant,
    pub scopes: Vec<String>,
}

/// One calendar of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleCalendar {
    pub id: String,
    pub name: String,
    pub primary: bool,
    pub writable: bool,
}

/// A booking's event as Google stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    pub ical_uid: String,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub start: Instant,
    pub end: Instant,
    pub attendee_name: String,
    pub attendee_email: String,
    /// Ask for a Meet link, idempotently keyed by this id (the booking's).
    pub meet_request: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Google {
    config: GoogleConfig,
    client: reqwest::Client,
}

fn rfc3339(i: Instant) -> String {
    i.to_string()
}

impl Google {
    pub fn new(config: GoogleConfig) -> Self {
        super::port::install_tls();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with a timeout");
        Self { config, client }
    }

    /// Where the host's browser goes to grant access.
    pub fn authorize_url(&self, state: &str, redirect_uri: &str) -> String {
        let mut url = reqwest::Url::parse(&self.config.auth_url).unwrap_or_else(|_| {
            reqwest::Url::parse(crate::config::GOOGLE_AUTH_URL).expect("a URL")
        });
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", &SCOPES.join(" "))
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .append_pair("include_granted_scopes", "true")
            .append_pair("state", state);
        url.to_string()
    }

    async fn token_call(&self, form: &[(&str, &str)], now: Instant) -> Result<Tokens, GoogleError> {
        let mut all: Vec<(&str, &str)> = vec![
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
        ];
        all.extend_from_slice(form);
        let response = self
            .client
            .post(&self.config.token_url)
            .form(&all)
            .send()
            .await
            .map_err(|e| GoogleError::Failed(format!("Google did not answer: {e}")))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            let error = body["error"].as_str().unwrap_or("unknown").to_owned();
            return Err(if error == "invalid_grant" {
                GoogleError::InvalidGrant(error)
            } else {
                GoogleError::Failed(format!("Google refused the token request: {error}"))
            });
        }
        let access_token = body["access_token"]
            .as_str()
            .ok_or_else(|| GoogleError::Failed("Google sent no access token".into()))?
            .to_owned();
        let expires_in = body["expires_in"].as_i64().unwrap_or(3600);
        Ok(Tokens {
            access_token,
            refresh_token: body["refresh_token"].as_str().map(str::to_owned),
            expires_at: now.plus_millis(expires_in * 1000),
            scopes: body["scope"]
                .as_str()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        })
    }

    /// Trades the authorization code for tokens.
    pub async fn exchange(
        &self,
        code: &str,
        redirect_uri: &str,
        now: Instant,
    ) -> Result<Tokens, GoogleError> {
        self.token_call(
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
            ],
            now,
        )
        .await
    }

    /// A fresh access token from the refresh token.
    pub async fn refresh(&self, refresh_token: &str, now: Instant) -> Result<Tokens, GoogleError> {
        self.token_call(
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
            now,
        )
        .await
    }

    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Result<Value, GoogleError> {
        let url = format!("{}{path}", self.config.api_url);
        let mut request = self.client.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| GoogleError::Failed(format!("Google did not answer: {e}")))?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        match status {
            200..=299 => Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
            401 => Err(GoogleError::Unauthorized),
            404 | 410 => Err(GoogleError::Gone),
            403 | 429 => Err(GoogleError::RateLimited(format!("HTTP {status}"))),
            _ => Err(GoogleError::Failed(format!("Google answered {status}"))),
        }
    }

    pub async fn calendars(&self, token: &str) -> Result<Vec<GoogleCalendar>, GoogleError> {
        let mut out = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let path = match &page {
                Some(p) => format!("/users/me/calendarList?pageToken={}", urlencode(p)),
                None => "/users/me/calendarList".to_owned(),
            };
            let answer = self.api(reqwest::Method::GET, &path, token, None).await?;
            for item in answer["items"].as_array().into_iter().flatten() {
                let role = item["accessRole"].as_str().unwrap_or_default();
                out.push(GoogleCalendar {
                    id: item["id"].as_str().unwrap_or_default().to_owned(),
                    name: item["summaryOverride"]
                        .as_str()
                        .or_else(|| item["summary"].as_str())
                        .unwrap_or("Calendar")
                        .to_owned(),
                    primary: item["primary"].as_bool().unwrap_or(false),
                    writable: role == "owner" || role == "writer",
                });
            }
            match answer["nextPageToken"].as_str() {
                Some(next) if out.len() < 1000 => page = Some(next.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// Busy times per calendar over `[from, to)`; a calendar Google reports an error for
    /// maps to `Err` (unknown — so the caller treats it as unreadable).
    pub async fn free_busy(
        &self,
        token: &str,
        ids: &[String],
        from: Instant,
        to: Instant,
    ) -> Result<HashMap<String, Result<Vec<(Instant, Instant)>, String>>, GoogleError> {
        let mut found: HashMap<String, Result<Vec<(Instant, Instant)>, String>> =
            ids.iter().map(|id| (id.clone(), Ok(Vec::new()))).collect();
        let span = FREEBUSY_DAYS * 86_400_000;
        let mut start = from;
        while start < to {
            let end = Instant::from_millis((start.as_millis() + span).min(to.as_millis()));
            for chunk in ids.chunks(FREEBUSY_CALENDARS) {
                let items: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
                let body =
                    json!({"timeMin": rfc3339(start), "timeMax": rfc3339(end), "items": items});
                let answer = self
                    .api(reqwest::Method::POST, "/freeBusy", token, Some(&body))
                    .await?;
                for id in chunk {
                    let entry = &answer["calendars"][id.as_str()];
                    let slot = found.get_mut(id).expect("every id has an entry");
                    if let Some(error) = entry["errors"].as_array().and_then(|e| e.first()) {
                        let reason = error["reason"].as_str().unwrap_or("unknown");
                        *slot = Err(format!("Google could not read this calendar ({reason})"));
                        continue;
                    }
                    if entry.is_null() {
                        *slot = Err("Google said nothing about this calendar".into());
                        continue;
                    }
                    if let Ok(list) = slot {
                        for b in entry["busy"].as_array().into_iter().flatten() {
                            let parse = |k: &str| {
                                b[k].as_str()
                                    .and_then(|t| t.parse::<Timestamp>().ok())
                                    .map(Instant::from)
                            };
                            if let (Some(s), Some(e)) = (parse("start"), parse("end")) {
                                list.push((s, e));
                            }
                        }
                    }
                }
            }
            start = end;
        }
        Ok(found)
    }

    fn event_body(draft: &EventDraft) -> Value {
        let mut body = json!({
            "iCalUID": draft.ical_uid,
            "summary": draft.summary,
            "description": draft.description,
            "start": {"dateTime": rfc3339(draft.start)},
            "end": {"dateTime": rfc3339(draft.end)},
            "attendees": [{"email": draft.attendee_email, "displayName": draft.attendee_name,
                           "responseStatus": "accepted"}],
            "reminders": {"useDefault": true},
        });
        if let Some(location) = &draft.location {
            body["location"] = json!(location);
        }
        if let Some(request) = &draft.meet_request {
            body["conferenceData"] = json!({"createRequest": {"requestId": request,
                "conferenceSolutionKey": {"type": "hangoutsMeet"}}});
        }
        body
    }

    /// Creates the event; answers its id and the Meet link when one was made.
    pub async fn insert_event(
        &self,
        token: &str,
        calendar: &str,
        draft: &EventDraft,
    ) -> Result<(String, Option<String>), GoogleError> {
        let path = format!(
            "/calendars/{}/events?sendUpdates=none&conferenceDataVersion=1",
            urlencode(calendar)
        );
        let answer = self
            .api(
                reqwest::Method::POST,
                &path,
                token,
                Some(&Self::event_body(draft)),
            )
            .await?;
        let id = answer["id"]
            .as_str()
            .ok_or_else(|| GoogleError::Failed("Google sent no event id".into()))?;
        Ok((
            id.to_owned(),
            answer["hangoutLink"].as_str().map(str::to_owned),
        ))
    }

    pub async fn update_event(
        &self,
        token: &str,
        calendar: &str,
        id: &str,
        draft: &EventDraft,
    ) -> Result<(), GoogleError> {
        let path = format!(
            "/calendars/{}/events/{}?sendUpdates=none&conferenceDataVersion=1",
            urlencode(calendar),
            urlencode(id)
        );
        self.api(
            reqwest::Method::PUT,
            &path,
            token,
            Some(&Self::event_body(draft)),
        )
        .await
        .map(|_| ())
    }

    /// Deletes the event; one already gone (404/410) counts as deleted.
    pub async fn delete_event(
        &self,
        token: &str,
        calendar: &str,
        id: &str,
    ) -> Result<(), GoogleError> {
        let path = format!(
            "/calendars/{}/events/{}?sendUpdates=none",
            urlencode(calendar),
            urlencode(id)
        );
        match self.api(reqwest::Method::DELETE, &path, token, None).await {
            Ok(_) | Err(GoogleError::Gone) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consent_url_asks_for_offline_access_and_both_scopes() {
        let google = Google::new(GoogleConfig {
            client_id: "cid".into(),
            client_secret: "secret".into(),
            auth_url: "https://accounts.example/auth".into(),
            token_url: "https://accounts.example/token".into(),
            api_url: "https://api.example".into(),
        });
        let url = google.authorize_url("st8", "https://book.example/cb");
        let parsed = reqwest::Url::parse(&url).unwrap();
        let q: HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["state"], "st8");
        assert_eq!(q["redirect_uri"], "https://book.example/cb");
        assert_eq!(q["scope"], SCOPES.join(" "));
        assert!(!url.contains("secret"));
    }
}
