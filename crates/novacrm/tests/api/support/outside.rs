//! Stand-ins for the outside world, on 127.0.0.1: an SMTP server that keeps what it is sent
//! (and can be told to refuse or to hang), and a Twilio REST API that checks every request.
//! The service talks to them through its real adapters (lettre, reqwest).

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use mail_parser::{MessageParser, MimeHeaders};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the SMTP stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    Accept,
    /// `451` to every message: a temporary failure, worth retrying.
    TempFail,
}

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.data)
            .expect("a parsable MIME message")
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The plain-text body, with SMTP's CRLF line ends read as LF.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }

    pub fn html(&self) -> String {
        self.parsed().body_html(0).unwrap_or_default().into_owned()
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_owned()
    }

    /// The `text/calendar` part (inside `multipart/alternative`) and its `method`.
    pub fn calendar(&self) -> (String, String) {
        let message = self.parsed();
        let part = message
            .parts
            .iter()
            .find(|p| {
                p.content_type()
                    .is_some_and(|ct| ct.ctype() == "text" && ct.subtype() == Some("calendar"))
            })
            .expect("a text/calendar part");
        let method = part
            .content_type()
            .and_then(|ct| ct.attribute("method"))
            .unwrap_or_default()
            .to_owned();
        (method, part.text_contents().unwrap_or_default().to_owned())
    }

    /// The `invite.ics` attachment.
    pub fn attachment(&self) -> String {
        let message = self.parsed();
        let part = message
            .attachments()
            .find(|p| p.attachment_name() == Some("invite.ics"))
            .expect("an invite.ics attachment");
        String::from_utf8(part.contents().to_vec()).unwrap()
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSink {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<SmtpMode>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let sink = Self {
            url,
            received: Arc::default(),
            mode: Arc::new(Mutex::new(SmtpMode::Accept)),
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).unwrap();
                let server = server.clone();
                tokio::spawn(async move {
                    let _ = server.session(stream).await;
                });
            }
        });
        sink
    }

    pub fn set_mode(&self, mode: SmtpMode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Messages to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.rcpt_to.iter().any(|t| t == address))
            .collect()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
        let mut current = Received {
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            data: Vec::new(),
        };
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                if *self.mode.lock().unwrap() == SmtpMode::TempFail {
                    b"451 4.3.0 mailbox busy, try again later\r\n"
                } else {
                    current.mail_from = address_in(&command);
                    current.rcpt_to.clear();
                    b"250 2.1.0 ok\r\n"
                }
            } else if upper.starts_with("RCPT TO:") {
                current.rcpt_to.push(address_in(&command));
                b"250 2.1.5 ok\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.extend_from_slice(unstuffed.as_bytes());
                }
                current.data = data;
                self.received.lock().unwrap().push(current.clone());
                b"250 2.0.0 queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            } else {
                b"250 2.0.0 ok\r\n"
            };
            write.write_all(answer).await?;
        }
    }
}

fn address_in(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}

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

/// A real Radicale CalDAV server (`radicale` from the Python index, installed by `.ci/run`) on 127.0.0.1,
/// with one user `jane` / `secret` and its storage in a scratch folder. A missing Radicale
/// fails the test: CalDAV is never skipped.
#[derive(Debug)]
pub struct Radicale {
    pub base: String,
    child: std::process::Child,
    _dir: std::path::PathBuf,
}

impl Radicale {
    pub const USER: &str = "jane";
    pub const PASSWORD: &str = "secret";

    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("novacrm-radicale-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        std::fs::write(
            dir.join("users"),
            format!("{}:{}\n", Self::USER, Self::PASSWORD),
        )
        .unwrap();
        let config = format!(
            "[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\n\
             htpasswd_encryption = plain\ndelay = 0\n[storage]\nfilesystem_folder = {storage}\n\
             [rights]\ntype = owner_only\n[logging]\nlevel = warning\n",
            users = dir.join("users").display(),
            storage = dir.join("collections").display(),
        );
        std::fs::write(dir.join("config"), config).unwrap();
        let program = std::env::var("NOVACRM_RADICALE").unwrap_or_else(|_| "radicale".into());
        let child = std::process::Command::new(&program)
            .arg("--config")
            .arg(dir.join("config"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("Radicale is needed for the CalDAV tests ({program}: {e}); .ci/run installs it with pip")
            });
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Self {
            base,
            child,
            _dir: dir,
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn client() -> reqwest::Client {
        crate::support::app::http_client().build().unwrap()
    }

    /// Makes a calendar collection `/jane/{name}/`.
    pub async fn calendar(&self, name: &str, display: &str) -> String {
        let url = format!("{}/{}/{name}/", self.base, Self::USER);
        let body = format!(
            "<?xml version=\"1.0\"?><C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
             <D:set><D:prop><D:displayname>{display}</D:displayname></D:prop></D:set></C:mkcalendar>"
        );
        let made = Self::client()
            .request(reqwest::Method::from_bytes(b"MKCALENDAR").unwrap(), &url)
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(made.status().as_u16(), 201, "{:?}", made.text().await);
        url
    }

    /// Stores an event resource as another calendar app would.
    pub async fn put(&self, calendar: &str, name: &str, ics: &str) {
        let put = Self::client()
            .put(format!("{calendar}{name}.ics"))
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .header("content-type", "text/calendar")
            .body(ics.to_owned())
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{:?}", put.text().await);
    }

    /// Removes an event resource as another calendar app would.
    pub async fn delete(&self, calendar: &str, name: &str) {
        let gone = Self::client()
            .delete(format!("{calendar}{name}.ics"))
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .send()
            .await
            .unwrap();
        assert!(gone.status().is_success(), "{:?}", gone.text().await);
    }

    /// The calendar's event texts, by resource name.
    pub async fn events(&self, calendar: &str) -> Vec<String> {
        let body = "<?xml version=\"1.0\"?><C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
             <D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\"/></C:filter></C:calendar-query>";
        let answer = Self::client()
            .request(reqwest::Method::from_bytes(b"REPORT").unwrap(), calendar)
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .header("Depth", "1")
            .body(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        answer
            .split("BEGIN:VCALENDAR")
            .skip(1)
            .map(|part| {
                format!(
                    "BEGIN:VCALENDAR{}",
                    part.split("END:VCALENDAR").next().unwrap()
                )
            })
            .collect()
    }
}

impl Drop for Radicale {
    fn drop(&mut self) {
        self.stop();
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}

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
