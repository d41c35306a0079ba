//! Zoom's and Microsoft Graph's meeting endpoints (Jitsi needs none), checking each request.

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use tokio::net::TcpListener;

/// Zoom's and Microsoft's APIs, as far as meeting links go, checking credentials and fields.
#[derive(Clone, Default)]
pub struct FakeVideo {
    pub base: String,
    pub calls: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
}

impl FakeVideo {
    pub async fn start() -> Self {
        let mut fake = Self::default();
        let app = axum::Router::new()
            .route("/zoom/oauth/token", axum::routing::post(Self::zoom_token))
            .route(
                "/zoom/v2/users/me/meetings",
                axum::routing::post(Self::zoom_meeting),
            )
            .route(
                "/ms/{tenant}/oauth2/v2.0/token",
                axum::routing::post(Self::ms_token),
            )
            .route(
                "/graph/v1.0/users/{user}/onlineMeetings",
                axum::routing::post(Self::teams_meeting),
            )
            .with_state(fake.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        fake.base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    #[allow(clippy::unused_async)]
    async fn zoom_token(
        State(me): State<Self>,
        headers: HeaderMap,
        Form(form): Form<std::collections::HashMap<String, String>>,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode("zoom-client:zoom-secret");
        let ok = headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Basic {basic}"))
            && form.get("grant_type").map(String::as_str) == Some("account_credentials")
            && form.get("account_id").map(String::as_str) == Some("zoom-account");
        me.calls
            .lock()
            .unwrap()
            .push(("zoom token".into(), serde_json::json!(form)));
        if ok {
            (
                StatusCode::OK,
                axum::Json(
                    serde_json::json!({"access_token": "zoom-access", "token_type": "bearer", "expires_in": 3599}),
                ),
            )
        } else {
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"reason": "Invalid client"})),
            )
        }
    }

    #[allow(clippy::unused_async)]
    async fn zoom_meeting(
        State(me): State<Self>,
        headers: HeaderMap,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        me.calls
            .lock()
            .unwrap()
            .push(("zoom meeting".into(), body.clone()));
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer zoom-access")
        {
            return (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({})));
        }
        assert_eq!(body["type"], 2, "a scheduled meeting");
        assert!(body["start_time"].as_str().is_some() && body["duration"].as_i64().is_some());
        (
            StatusCode::CREATED,
            axum::Json(
                serde_json::json!({"id": 123, "join_url": "https://zoom.example/j/123?pwd=x"}),
            ),
        )
    }

    #[allow(clippy::unused_async)]
    async fn ms_token(
        State(me): State<Self>,
        Path(tenant): Path<String>,
        Form(form): Form<std::collections::HashMap<String, String>>,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        me.calls
            .lock()
            .unwrap()
            .push(("ms token".into(), serde_json::json!(form)));
        let ok = tenant == "tenant-1"
            && form.get("grant_type").map(String::as_str) == Some("client_credentials")
            && form.get("client_id").map(String::as_str) == Some("teams-client")
            && form.get("client_secret").map(String::as_str) == Some("teams-secret")
            && form.get("scope").map(String::as_str)
                == Some("https://graph.microsoft.com/.default");
        if ok {
            (
                StatusCode::OK,
                axum::Json(serde_json::json!({"access_token": "graph-access", "expires_in": 3599})),
            )
        } else {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({"error": "invalid_client"})),
            )
        }
    }

    #[allow(clippy::unused_async)]
    async fn teams_meeting(
        State(me): State<Self>,
        Path(user): Path<String>,
        headers: HeaderMap,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> (StatusCode, axum::Json<serde_json::Value>) {
        me.calls
            .lock()
            .unwrap()
            .push((format!("teams meeting for {user}"), body.clone()));
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer graph-access")
        {
            return (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({})));
        }
        assert!(body["startDateTime"].as_str().is_some() && body["endDateTime"].as_str().is_some());
        (
            StatusCode::CREATED,
            axum::Json(serde_json::json!({"joinWebUrl": "https://teams.example/l/meetup-join/1"})),
        )
    }
}
