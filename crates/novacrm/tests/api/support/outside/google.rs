//! Google's OAuth and Calendar endpoints, with state a test can read and steer.

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use tokio::net::TcpListener;

/// A stand-in for Google's OAuth and Calendar APIs on 127.0.0.1 that checks every request:
/// client credentials and grant fields on the token endpoint, the bearer token on the API
/// (only the latest access token is valid; only the latest refresh token refreshes), the
/// freeBusy limits (≤ 90 days, ≤ 50 calendars), `sendUpdates=none` and `iCalUID` on events.
#[derive(Clone, Default)]
pub struct FakeGoogle {
    pub base: String,
    pub state: Arc<Mutex<GoogleState>>,
}

#[derive(Default)]
pub struct GoogleState {
    pub issued: usize,
    pub access: String,
    pub refresh: String,
    /// Every token request's form, in order.
    pub token_requests: Vec<std::collections::HashMap<String, String>>,
    pub free_busy_requests: Vec<serde_json::Value>,
    /// (method, path with query, body) of every event call.
    pub event_calls: Vec<(String, String, serde_json::Value)>,
    pub calendars: Vec<serde_json::Value>,
    pub busy: std::collections::HashMap<String, Vec<(String, String)>>,
    pub failing: Option<String>,
    pub invalid_grant: bool,
    pub rate_limit_next: usize,
    pub unauthorized: usize,
    pub events: std::collections::HashSet<String>,
}

pub const GOOGLE_CLIENT_ID: &str = "client-123.apps.example";
pub const GOOGLE_CLIENT_SECRET: &str = "google-client-secret";
pub const GOOGLE_SCOPES: &str = "https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/calendar.events";

impl FakeGoogle {
    pub async fn start() -> Self {
        let mut fake = Self::default();
        let app = axum::Router::new()
            .route("/token", axum::routing::post(Self::token))
            .route(
                "/calendar/v3/users/me/calendarList",
                axum::routing::get(Self::list),
            )
            .route(
                "/calendar/v3/freeBusy",
                axum::routing::post(Self::free_busy),
            )
            .route(
                "/calendar/v3/calendars/{cal}/events",
                axum::routing::post(Self::insert),
            )
            .route(
                "/calendar/v3/calendars/{cal}/events/{id}",
                axum::routing::put(Self::update).delete(Self::delete),
            )
            .with_state(fake.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        fake.base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn config(&self) -> novacrm::config::GoogleConfig {
        novacrm::config::GoogleConfig {
            client_id: GOOGLE_CLIENT_ID.into(),
            client_secret: GOOGLE_CLIENT_SECRET.into(),
            auth_url: format!("{}/auth", self.base),
            token_url: format!("{}/token", self.base),
            api_url: format!("{}/calendar/v3", self.base),
        }
    }

    fn issue(state: &mut GoogleState) -> (String, String) {
        state.issued += 1;
        state.access = format!("access-{}", state.issued);
        state.refresh = format!("refresh-{}", state.issued);
        (state.access.clone(), state.refresh.clone())
    }

    #[allow(clippy::unused_async)]
    async fn token(
        State(me): State<Self>,
        Form(form): Form<std::collections::HashMap<String, String>>,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        let mut s = me.state.lock().unwrap();
        s.token_requests.push(form.clone());
        let client_ok = form.get("client_id").map(String::as_str) == Some(GOOGLE_CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(GOOGLE_CLIENT_SECRET);
        if !client_ok {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": "invalid_client"})),
            );
        }
        let bad = || {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({"error": "invalid_grant"})),
            )
        };
        match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                let scope = match form.get("code").map(String::as_str) {
                    Some("good-code") => GOOGLE_SCOPES,
                    Some("narrow-code") => "https://www.googleapis.com/auth/calendar.readonly",
                    _ => return bad(),
                };
                let (access, refresh) = Self::issue(&mut s);
                (
                    StatusCode::OK,
                    axum::Json(serde_json::json!({"access_token": access,
                    "refresh_token": refresh, "expires_in": 3599, "scope": scope, "token_type": "Bearer"})),
                )
            }
            Some("refresh_token") => {
                if s.invalid_grant || form.get("refresh_token") != Some(&s.refresh) {
                    return bad();
                }
                let (access, refresh) = Self::issue(&mut s);
                // Rotated: only this refresh token works from now on.
                (
                    StatusCode::OK,
                    axum::Json(serde_json::json!({"access_token": access,
                    "refresh_token": refresh, "expires_in": 3599, "scope": GOOGLE_SCOPES,
                    "token_type": "Bearer"})),
                )
            }
            _ => bad(),
        }
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let s = self.state.lock().unwrap();
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {}", s.access))
    }

    /// Makes the current access token invalid (as if Google expired it early).
    pub fn revoke_access(&self) {
        self.state.lock().unwrap().access = "revoked".into();
    }

    pub fn refreshes(&self) -> usize {
        self.state
            .lock()
            .unwrap()
            .token_requests
            .iter()
            .filter(|f| f.get("grant_type").map(String::as_str) == Some("refresh_token"))
            .count()
    }

    #[allow(clippy::unused_async)]
    async fn list(
        State(me): State<Self>,
        headers: HeaderMap,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        if !me.authorized(&headers) {
            me.state.lock().unwrap().unauthorized += 1;
            return (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({})));
        }
        let items = me.state.lock().unwrap().calendars.clone();
        (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "items": items })),
        )
    }

    #[allow(clippy::unused_async)]
    async fn free_busy(
        State(me): State<Self>,
        headers: HeaderMap,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        if !me.authorized(&headers) {
            me.state.lock().unwrap().unauthorized += 1;
            return (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({})));
        }
        let mut s = me.state.lock().unwrap();
        s.free_busy_requests.push(body.clone());
        let ts = |k: &str| {
            body[k]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
        };
        let seconds = (ts("timeMax") - ts("timeMin")).as_secs();
        let items = body["items"].as_array().unwrap();
        if seconds > 90 * 86_400 || items.len() > 50 {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({"error": "tooManyCalendarsRequestedForTimeRange"})),
            );
        }
        let mut calendars = serde_json::Map::new();
        for item in items {
            let id = item["id"].as_str().unwrap();
            let entry = if s.failing.as_deref() == Some(id) {
                serde_json::json!({"errors": [{"domain": "global", "reason": "backendError"}]})
            } else {
                let busy: Vec<_> = s
                    .busy
                    .get(id)
                    .into_iter()
                    .flatten()
                    .map(|(a, b)| serde_json::json!({"start": a, "end": b}))
                    .collect();
                serde_json::json!({ "busy": busy })
            };
            calendars.insert(id.to_owned(), entry);
        }
        (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "calendars": calendars })),
        )
    }

    fn event_call(
        &self,
        method: &str,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        body: serde_json::Value,
    ) -> Option<StatusCode> {
        if !self.authorized(headers) {
            self.state.lock().unwrap().unauthorized += 1;
            return Some(StatusCode::UNAUTHORIZED);
        }
        let mut s = self.state.lock().unwrap();
        if s.rate_limit_next > 0 {
            s.rate_limit_next -= 1;
            return Some(StatusCode::TOO_MANY_REQUESTS);
        }
        assert!(
            uri.query().unwrap_or_default().contains("sendUpdates=none"),
            "Google must not send invitations: {uri}"
        );
        s.event_calls
            .push((method.to_owned(), uri.to_string(), body));
        None
    }

    async fn insert(
        State(me): State<Self>,
        Path(_cal): Path<String>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        if let Some(refused) = me.event_call("POST", &uri, &headers, body.clone()) {
            return (refused, axum::Json(serde_json::json!({})));
        }
        assert!(
            body["iCalUID"].as_str().is_some_and(|u| u.contains('@')),
            "{body}"
        );
        let id = format!("ev{}", me.state.lock().unwrap().events.len() + 1);
        me.state.lock().unwrap().events.insert(id.clone());
        tokio::task::yield_now().await;
        let mut answer = serde_json::json!({"id": id, "iCalUID": body["iCalUID"]});
        let conference = &body["conferenceData"]["createRequest"];
        if conference["conferenceSolutionKey"]["type"] == "hangoutsMeet" {
            let request = conference["requestId"].as_str().unwrap();
            answer["hangoutLink"] = serde_json::json!(format!("https://meet.example/{request}"));
        }
        (StatusCode::OK, axum::Json(answer))
    }

    #[allow(clippy::unused_async)]
    async fn update(
        State(me): State<Self>,
        Path((_cal, id)): Path<(String, String)>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> StatusCode {
        if let Some(refused) = me.event_call("PUT", &uri, &headers, body) {
            return refused;
        }
        if me.state.lock().unwrap().events.contains(&id) {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        }
    }

    #[allow(clippy::unused_async)]
    async fn delete(
        State(me): State<Self>,
        Path((_cal, id)): Path<(String, String)>,
        uri: axum::http::Uri,
        headers: HeaderMap,
    ) -> StatusCode {
        if let Some(refused) = me.event_call("DELETE", &uri, &headers, serde_json::Value::Null) {
            return refused;
        }
        if me.state.lock().unwrap().events.remove(&id) {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::GONE
        }
    }
}
