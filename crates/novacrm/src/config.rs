//! Typed configuration, read once from flags and the environment (docs/DESIGN.md §6) and passed
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
    /// Rate limits on the public surface; `None` switches them off (`NOVACRM_RATE_LIMIT=off`).
    pub rate_limits: Option<RateLimits>,
    /// Which peers may tell us the client's address in `X-Forwarded-For`.
    pub trusted_proxies: TrustedProxies,
    /// Proof of work on public bookings; off only for test harnesses (`NOVACRM_CAPTCHA=off`).
    pub captcha: bool,
    /// `NOVACRM_SECRET`: signs CAPTCHA challenges and seals stored secrets; unset, a secret
    /// is generated and kept in the database.
    pub secret: Option<String>,
    /// `NOVACRM_OUTBOUND_ALLOW`: private or loopback networks that host-typed outbound URLs
    /// (webhooks, CalDAV) may reach anyway; default none.
    pub outbound_allow: Vec<Network>,
    /// Google Calendar, when its OAuth client is configured.
    pub google: Option<GoogleConfig>,
    /// Where Jitsi rooms are made (`NOVACRM_JITSI_URL`).
    pub jitsi_url: String,
    pub zoom: Option<ZoomConfig>,
    pub teams: Option<TeamsConfig>,
}

/// A token bucket: `burst` requests at once, refilled one per `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub burst: u32,
    pub every: Duration,
}

impl Budget {
    pub const fn per_minute(burst: u32, per_minute: u64) -> Self {
        Self {
            burst,
            every: Duration::from_millis(60_000 / per_minute),
        }
    }
}

/// Budgets of the public surface, per client address (IPv6 by /64) and per host page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Page views and availability reads, per client.
    pub reads: Budget,
    /// Bookings, guest changes, sign-ups and log-ins, per client.
    pub writes: Budget,
    /// Bookings on one host's page, from everyone together.
    pub host_writes: Budget,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            // A guest's whole flow is a dozen reads; a calendar clicked through, a few dozen.
            reads: Budget::per_minute(120, 300),
            // A person books or changes a meeting a few times, never dozens a minute.
            writes: Budget::per_minute(10, 20),
            // A popular host gets many bookings a day, not hundreds a minute.
            host_writes: Budget::per_minute(30, 60),
        }
    }
}

/// Peers allowed to set `X-Forwarded-For` (counted from the right, so a client cannot
/// prepend its way out of its own limit).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TrustedProxies {
    /// The socket's peer is the client.
    #[default]
    None,
    /// This many proxies in front of us, each appending one address.
    Count(usize),
    /// Any proxy whose address is in one of these networks.
    Networks(Vec<(std::net::IpAddr, u8)>),
}

impl TrustedProxies {
    /// `2`, or `10.0.0.0/8, 192.168.1.7, fd00::/8`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() || text == "0" || text.eq_ignore_ascii_case("none") {
            return Ok(Self::None);
        }
        if let Ok(count) = text.parse::<usize>() {
            return Ok(Self::Count(count));
        }
        parse_networks(text, "NOVACRM_TRUSTED_PROXIES").map(Self::Networks)
    }
}

/// A network as an address and a prefix length.
pub type Network = (std::net::IpAddr, u8);

/// `10.0.0.0/8, 192.168.1.7, fd00::/8` (a bare address is its own network); `var` names the
/// setting in errors.
pub fn parse_networks(text: &str, var: &str) -> Result<Vec<Network>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|cidr| !cidr.is_empty())
        .map(|cidr| {
            let (address, bits) = cidr.split_once('/').unwrap_or((cidr, ""));
            let address: std::net::IpAddr = address
                .parse()
                .map_err(|_| format!("{var}: {cidr:?} is not an address or a CIDR"))?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            let bits = if bits.is_empty() {
                max
            } else {
                bits.parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{var}: bad prefix in {cidr:?}"))?
            };
            Ok((address, bits))
        })
        .collect()
}

/// Whether `ip` lies in `network`.
pub fn in_network(ip: std::net::IpAddr, (network, bits): Network) -> bool {
    use std::net::IpAddr;
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
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

/// Google Calendar through OAuth (an app registered in Google Cloud, redirect URI
/// `{public URL}/dashboard/integrations/google/callback`). Every base URL can be pointed
/// elsewhere (tests use a local server).
#[derive(Clone, PartialEq, Eq)]
pub struct GoogleConfig {
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    pub token_url: String,
    pub api_url: String,
}

impl std::fmt::Debug for GoogleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("auth_url", &self.auth_url)
            .field("token_url", &self.token_url)
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// Zoom's server-to-server OAuth app (one account for the service).
#[derive(Clone, PartialEq, Eq)]
pub struct ZoomConfig {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `https://zoom.us` (token at `/oauth/token`).
    pub oauth_url: String,
    /// `https://api.zoom.us/v2`.
    pub api_url: String,
}

/// A Microsoft Entra app with `OnlineMeetings.ReadWrite.All` (application) and an access
/// policy for the hosts; meetings are made for the host's email as their user id.
#[derive(Clone, PartialEq, Eq)]
pub struct TeamsConfig {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// `https://login.microsoftonline.com`.
    pub login_url: String,
    /// `https://graph.microsoft.com/v1.0`.
    pub graph_url: String,
}

macro_rules! redacted_debug {
    ($name:ident, $($field:ident),*) => {
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field(stringify!($field), &self.$field))*
                    .field("client_secret", &"***")
                    .finish()
            }
        }
    };
}
redacted_debug!(ZoomConfig, account_id, client_id, oauth_url, api_url);
redacted_debug!(TeamsConfig, tenant_id, client_id, login_url, graph_url);

pub const JITSI_URL: &str = "https://meet.jit.si";
pub const ZOOM_OAUTH_URL: &str = "https://zoom.us";
pub const ZOOM_API_URL: &str = "https://api.zoom.us/v2";
pub const TEAMS_LOGIN_URL: &str = "https://login.microsoftonline.com";
pub const GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";

pub const GOOGLE_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
pub const GOOGLE_API_URL: &str = "https://www.googleapis.com/calendar/v3";

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
            rate_limits: Some(RateLimits::default()),
            trusted_proxies: TrustedProxies::None,
            captcha: true,
            secret: None,
            outbound_allow: Vec::new(),
            google: None,
            jitsi_url: JITSI_URL.into(),
            zoom: None,
            teams: None,
        }
    }
}

impl Config {
    /// Whether the service is reached over HTTPS (its public URL says so): cookies are then
    /// `Secure` and responses carry HSTS.
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

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
            .field("rate_limits", &self.rate_limits)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("captcha", &self.captcha)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("outbound_allow", &self.outbound_allow)
            .field("google", &self.google)
            .field("jitsi_url", &self.jitsi_url)
            .field("zoom", &self.zoom)
            .field("teams", &self.teams)
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
            secret: Some("s3cret-key".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2")
                && !shown.contains("tw-secret")
                && !shown.contains("s3cret-key"),
            "{shown}"
        );
        assert!(shown.contains("smtps://mailer:***@smtp.example.com"));
    }
}
