//! Typed configuration, read once from flags and the environment (DESIGN.md §6) and passed
//! in; nothing reads the environment after start-up. Secrets (the SMTP URL's password, the
//! Twilio token) are redacted from `Debug`, so logging a config never leaks them.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:3000` (port 0 picks a free one).
    pub listen: String,
    pub database_url: String,
    /// Base of links in emails and pages; defaults to `http://` + the listen address.
    pub public_url: Option<String>,
    pub demo: bool,
    /// `smtp://host:port`, `smtp://host:587?tls=required`, `smtps://user:pass@host`; unset
    /// writes each message as an `.eml` file under `outbox_dir`.
    pub smtp_url: Option<String>,
    /// `Name <address>`; default `NovaCRM <no-reply@` + the public host + `>`.
    pub mail_from: Option<String>,
    pub outbox_dir: PathBuf,
    /// SMS through Twilio, when its account, token and sender are all set.
    pub twilio: Option<TwilioConfig>,
    /// Run the outbox worker inside `serve` (tests drive it step by step instead).
    pub worker: bool,
    /// How long a claimed job is reserved for one worker before another may retake it.
    pub job_lease: Duration,
    /// How often an idle worker looks for due jobs.
    pub job_poll: Duration,
}

#[derive(Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: String,
    /// The sending number (E.164) or messaging service.
    pub from: String,
    /// `https://api.twilio.com` unless pointed elsewhere (tests use a local server).
    pub base_url: String,
}

pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:3000".into(),
            database_url: "sqlite://data/novacrm.db".into(),
            public_url: None,
            demo: false,
            smtp_url: None,
            mail_from: None,
            outbox_dir: PathBuf::from("data/outbox"),
            twilio: None,
            worker: true,
            job_lease: Duration::from_mins(5),
            job_poll: Duration::from_secs(1),
        }
    }
}

impl Config {
    pub fn public_url(&self, bound: std::net::SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }
}

/// `scheme://user:secret@host` → `scheme://user:***@host`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("demo", &self.demo)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("outbox_dir", &self.outbox_dir)
            .field("twilio", &self.twilio)
            .field("worker", &self.worker)
            .field("job_lease", &self.job_lease)
            .field("job_poll", &self.job_poll)
            .finish()
    }
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("from", &self.from)
            .field("base_url", &self.base_url)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_debug_output() {
        let config = Config {
            smtp_url: Some("smtps://mailer:hunter2@smtp.example.com".into()),
            twilio: Some(TwilioConfig {
                account_sid: "AC123".into(),
                auth_token: "tw-secret".into(),
                from: "+15005550006".into(),
                base_url: TWILIO_BASE_URL.into(),
            }),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("tw-secret"),
            "{shown}"
        );
        assert!(shown.contains("smtps://mailer:***@smtp.example.com"));
    }
}
