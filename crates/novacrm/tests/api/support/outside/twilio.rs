//! Twilio's REST API, checking every request the service sends it.

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use tokio::net::TcpListener;

/// One text as Twilio's API received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texted {
    pub to: String,
    pub from: String,
    pub body: String,
}

/// Twilio's `POST /2010-04-01/Accounts/{sid}/Messages.json`, checking basic auth and the
/// form fields as Twilio would.
#[derive(Debug, Clone)]
pub struct FakeTwilio {
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    texts: Arc<Mutex<Vec<Texted>>>,
}

impl FakeTwilio {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = Self {
            base_url: format!("http://{}", listener.local_addr().unwrap()),
            account_sid: "AC00000000000000000000000000000001".into(),
            auth_token: "twilio-test-token".into(),
            texts: Arc::default(),
        };
        let app = axum::Router::new()
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                axum::routing::post(messages),
            )
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    pub fn texts(&self) -> Vec<Texted> {
        self.texts.lock().unwrap().clone()
    }
}

async fn messages(
    State(fake): State<FakeTwilio>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> (StatusCode, String) {
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", fake.account_sid, fake.auth_token))
    );
    let authorised = headers
        .get("authorization")
        .is_some_and(|v| v.to_str().unwrap_or_default() == expected);
    if !authorised || sid != fake.account_sid {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"code": 20003, "message": "Authenticate"}"#.into(),
        );
    }
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (to, from, body) = (get("To"), get("From"), get("Body"));
    if !to.starts_with('+') || from.is_empty() || body.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            r#"{"code": 21604, "message": "A 'To' phone number is required."}"#.into(),
        );
    }
    fake.texts.lock().unwrap().push(Texted { to, from, body });
    (
        StatusCode::CREATED,
        r#"{"sid": "SM00000000000000000000000000000001", "status": "queued"}"#.into(),
    )
}
