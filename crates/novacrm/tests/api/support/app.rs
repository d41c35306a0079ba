//! Test harness: every test gets its own application on port 0, its own database (a SQLite
//! file, or a fresh PostgreSQL database under `NOVACRM_TEST_POSTGRES_URL`), and a clock it
//! controls. A missing PostgreSQL URL fails the test: a skipped backend is a failed check.

use std::sync::Arc;

use jiff::Timestamp;
use novacrm::clock::FixedClock;
use novacrm::config::{Config, TwilioConfig};
use novacrm::services::accounts;
use novacrm::startup::{Application, seed_demo};
use novacrm::store::Store;
use serde_json::{Value, json};

use crate::support::outside::{FakeTwilio, SmtpSink};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares one test per backend from an `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::app::Backend::Sqlite).await }
            )*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::app::Backend::Postgres).await }
            )*
        }
    };
}

/// A fresh database URL for `backend`.
pub async fn fresh_database(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("novacrm-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}/{}.db", dir.display(), uuid::Uuid::now_v7())
        }
        Backend::Postgres => {
            let base = std::env::var("NOVACRM_TEST_POSTGRES_URL").expect(
                "NOVACRM_TEST_POSTGRES_URL must point at a PostgreSQL database (scripts/test sets it); \
                 the PostgreSQL suite is not optional",
            );
            let name = format!(
                "{}_{}",
                base.rsplit('/').next().unwrap(),
                uuid::Uuid::now_v7().simple()
            );
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            format!("{}/{name}", base.rsplit_once('/').unwrap().0)
        }
    }
}

pub const NOW: &str = "2026-11-23T12:00:00Z";

#[derive(Debug)]
#[allow(dead_code, reason = "not every test reads every field")]
pub struct TestApp {
    pub address: String,
    pub smtp: SmtpSink,
    pub twilio: FakeTwilio,
    pub worker: novacrm::worker::Worker,
    pub database_url: String,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    pub client: reqwest::Client,
    pub token: String,
    pub quick_call: String,
    pub consultation: String,
}

/// Starts the app with the demo host `jane` (Mon–Fri 09–17 New York, 15-min buffer, 24 h
/// notice) and an API token for her. `now` is Monday 2026-11-23 07:00 New York.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with the configuration adjusted first.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let database_url = fresh_database(backend).await;
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    let smtp = SmtpSink::start().await;
    let twilio = FakeTwilio::start().await;
    let config = Config {
        listen: "127.0.0.1:0".into(),
        database: novacrm::config::Database {
            url: database_url.clone(),
        },
        smtp_url: Some(smtp.url.clone()),
        mail_from: Some("Jane's Bookings <bookings@novacrm.test>".into()),
        twilio: Some(TwilioConfig {
            account_sid: twilio.account_sid.clone(),
            auth_token: twilio.auth_token.clone(),
            from: "+15005550006".into(),
            base_url: twilio.base_url.clone(),
        }),
        // Tests run the outbox step by step with the clock they set.
        worker: false,
        // Suites send hundreds of requests from one address; the limits have their own test.
        rate_limits: None,
        // Likewise the proof of work: the guard suite and the browser test switch it on.
        captcha: false,
        // Stand-ins for webhook receivers and calendar servers listen on loopback.
        outbound_allow: vec![("127.0.0.0".parse().unwrap(), 8)],
        ..Config::default()
    };
    let mut config = config;
    adjust(&mut config);
    let app = Application::build_with_clock(config, clock.clone())
        .await
        .unwrap();
    let store = app.state().store.clone();
    let worker = app.state().worker.clone();
    seed_demo(&store, clock.now_ts()).await.unwrap();
    let jane = store.host_by_username("jane").await.unwrap().unwrap();
    let token = accounts::create_token(&store, &jane, clock.now_ts())
        .await
        .unwrap();
    let types = store.meeting_types(&jane.id).await.unwrap();
    let address = format!("http://{}", app.address());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        smtp,
        twilio,
        worker,
        database_url,
        store,
        clock,
        client: http_client().build().unwrap(),
        token,
        quick_call: types[0].id.clone(),
        consultation: types[1].id.clone(),
    }
}

pub trait NowTs {
    fn now_ts(&self) -> Timestamp;
}

impl NowTs for FixedClock {
    fn now_ts(&self) -> Timestamp {
        novacrm::clock::Clock::now(self)
    }
}

/// An HTTP client for the tests (reqwest needs the process's TLS provider first).
pub fn http_client() -> reqwest::ClientBuilder {
    novacrm::integrations::install_tls();
    reqwest::Client::builder()
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    http_client()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl TestApp {
    /// Runs every job due at the test clock's `now`; returns how many ran.
    /// Another host beside jane (`{username}@example.com`, password `{username}-password-123`).
    pub async fn add_host(&self, username: &str, name: &str) -> novacrm::store::Host {
        novacrm::services::accounts::create_host(
            &self.store,
            username,
            name,
            &format!("{username}@example.com"),
            &format!("{username}-password-123"),
            None,
            self.clock.now_ts(),
        )
        .await
        .unwrap()
    }

    pub async fn run_jobs(&self) -> usize {
        self.worker.run_due(self.clock.now_ts()).await.unwrap()
    }

    pub fn set_now(&self, at: &str) {
        self.clock.set(at.parse().unwrap());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            content_type,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn authed(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// The host's API with a JSON body: `app.post("/api/webhooks", json!({…}))`.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.authed(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.authed(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn raw(&self, method: reqwest::Method, path: &str, body: &str) -> Answer {
        self.send(
            self.client
                .request(method, self.url(path))
                .bearer_auth(&self.token)
                .header("content-type", "application/json")
                .body(body.to_owned()),
        )
        .await
    }

    /// jane's offered slots of `meeting_type` (`query` appended: `&start=…`), as answered.
    pub async fn slot_list(&self, meeting_type: &str, query: &str) -> Vec<Value> {
        let answer = self
            .get(&format!(
                "/api/public/booking/jane/availability?meetingTypeId={meeting_type}{query}"
            ))
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["slots"].as_array().unwrap().clone()
    }

    pub async fn slots(&self, meeting_type: &str, query: &str) -> Vec<String> {
        self.slot_list(meeting_type, query)
            .await
            .iter()
            .map(|s| s["start"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn book(&self, meeting_type: &str, start: &str, email: &str) -> Answer {
        self.post_booking(json!({
            "meetingTypeId": meeting_type, "startTime": start, "timezone": "Europe/Berlin",
            "guestName": "Guest", "guestEmail": email,
        }))
        .await
    }

    pub async fn post_booking(&self, body: Value) -> Answer {
        self.send(
            self.client
                .post(self.url("/api/public/booking/jane/book"))
                .json(&body),
        )
        .await
    }
}

/// Asserts that no two non-cancelled bookings of the host overlap (buffers aside).
/// `novacrm slots` on `scenario`: the engine's own answer, without the service around it.
pub fn slots_cli(scenario: &Value) -> Value {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_novacrm"))
        .arg("slots")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        scenario.to_string().as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

pub async fn assert_no_overlaps(store: &Store) {
    let jane = store.host_by_username("jane").await.unwrap().unwrap();
    let live: Vec<_> = store
        .bookings(&jane.id, None, None, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|b| b.status.holds_time())
        .collect();
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            assert!(
                a.end <= b.start || b.end <= a.start,
                "overlap: {a:?} and {b:?}"
            );
        }
    }
}

/// Sends all `(url, body)` POSTs at once and returns their statuses in order.
pub async fn race(client: &reqwest::Client, requests: Vec<(String, Value)>) -> Vec<u16> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(url, body)| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::with_capacity(tasks.len());
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

/// Asserts exactly one 201 and conflicts for the rest.
pub fn assert_one_winner(statuses: &[u16]) {
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&s| s == 201 || s == 409),
        "{statuses:?}"
    );
}

/// Tuesday 2026-11-24 09:00 New York — the first bookable morning (24 h notice).
pub const TUE_9: &str = "2026-11-24T14:00:00Z";
pub const TUE_930: &str = "2026-11-24T14:30:00Z";

/// The fields a problem+json answer names in its `errors`.
pub fn fields(answer: &Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A problem+json answer with this status and a detail a person can read.
pub fn assert_problem(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.body["status"], status);
    assert!(
        answer.body["detail"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}
