//! Typed configuration, read once from flags and the environment (docs/DESIGN.md §6) and passed
//! in; nothing reads the environment after start-up. Secrets (the SMTP URL's password, the
//! Twilio token) are redacted from `Debug`, so logging a config never leaks them.

use std::path::PathBuf;
use std::time::Duration;

/// What `novacrm serve` runs with: clap fills it from flags and the environment (the flag
/// `--public-url` or `NOVACRM_PUBLIC_URL`), and `--help` prints it.
#[derive(Clone, PartialEq, Eq, clap::Args)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:3000` (port 0 picks a free one).
    #[arg(long, env = "NOVACRM_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: String,
    #[command(flatten)]
    pub database: Database,
    /// Base of links in emails and pages (default: `http://` + the listen address).
    #[arg(long, env = "NOVACRM_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,
    /// Add a demo host (jane) with meeting types when the database is empty.
    #[arg(long)]
    pub demo: bool,
    /// SMTP server: `smtp://host:port`, `smtp://host:587?tls=required`,
    /// `smtps://user:pass@host` (unset: each message is written as an `.eml` file under
    /// `--outbox-dir`).
    #[arg(long, env = "NOVACRM_SMTP_URL", hide_env_values = true, default_value = "",
          hide_default_value = true, value_parser = optional)]
    pub smtp_url: ::std::option::Option<String>,
    /// Sender of every email, `Name <address>` (default: NovaCRM <no-reply@ + public host>).
    #[arg(long, env = "NOVACRM_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Folder for `.eml` files when no SMTP server is configured.
    #[arg(long, env = "NOVACRM_OUTBOX_DIR", default_value = "data/outbox")]
    pub outbox_dir: PathBuf,
    /// SMS through Twilio, when its account, token and sender are all set.
    #[command(flatten)]
    pub twilio: Option<TwilioConfig>,
    /// Run the outbox worker inside `serve` (tests drive it step by step instead).
    #[arg(skip = true)]
    pub worker: bool,
    /// Seconds a claimed job stays reserved for one worker before another may retake it.
    #[arg(long = "job-lease-secs", value_name = "SECS", env = "NOVACRM_JOB_LEASE_SECS", default_value = "300",
          value_parser = seconds)]
    pub job_lease: Duration,
    /// How often an idle worker looks for due jobs.
    #[arg(skip = Duration::from_secs(1))]
    pub job_poll: Duration,
    /// Rate limits on the public pages and API: `on` (default) or `off` (test harnesses).
    #[arg(long = "rate-limit", value_name = "on|off", env = "NOVACRM_RATE_LIMIT", default_value = "on",
          value_parser = rate_limits)]
    pub rate_limits: ::std::option::Option<RateLimits>,
    /// Proxies allowed to set X-Forwarded-For: a count (`1`) or addresses/CIDRs
    /// (`10.0.0.0/8,192.168.1.7`); default none (the socket's peer is the client).
    #[arg(long, env = "NOVACRM_TRUSTED_PROXIES", default_value = "",
          value_parser = TrustedProxies::parse)]
    pub trusted_proxies: TrustedProxies,
    /// Proof-of-work CAPTCHA on public bookings: `on` (default) or `off` (test harnesses).
    #[arg(long, value_name = "on|off", env = "NOVACRM_CAPTCHA", default_value = "on", value_parser = on_off,
          action = clap::ArgAction::Set)]
    pub captcha: bool,
    /// Signs CAPTCHA challenges and seals stored secrets (unset: generated once, kept in the
    /// database).
    #[arg(long, env = "NOVACRM_SECRET", hide_env_values = true, default_value = "",
          hide_default_value = true, value_parser = secret)]
    pub secret: ::std::option::Option<String>,
    /// Private or loopback networks (CIDRs, comma-separated) that host-typed outbound URLs —
    /// webhooks, CalDAV — may reach anyway; default none.
    #[arg(long, env = "NOVACRM_OUTBOUND_ALLOW", default_value = "", value_parser = outbound_allow)]
    pub outbound_allow: ::std::vec::Vec<Network>,
    /// Google Calendar, when its OAuth client is configured.
    #[command(flatten)]
    pub google: Option<GoogleConfig>,
    /// Where Jitsi rooms are made for meeting types with Jitsi links.
    #[arg(long, env = "NOVACRM_JITSI_URL", default_value = JITSI_URL, value_parser = base_url)]
    pub jitsi_url: String,
    #[command(flatten)]
    pub zoom: Option<ZoomConfig>,
    #[command(flatten)]
    pub teams: Option<TeamsConfig>,
    /// Hosts' own subdomains: `jane.{this}/book` serves jane's page (e.g. `novacrm.app`).
    #[arg(long, env = "NOVACRM_BASE_DOMAIN", default_value = "", hide_default_value = true,
          value_parser = base_domain)]
    pub base_domain: ::std::option::Option<String>,
    /// What hosts point their custom domains' CNAME at (default: the public URL's host).
    #[arg(long, env = "NOVACRM_CNAME_TARGET", default_value = "", hide_default_value = true,
          value_parser = base_domain)]
    pub cname_target: ::std::option::Option<String>,
    /// The DNS server custom domains are verified through, `IP` or `IP:PORT` (default: the
    /// system's resolvers).
    #[arg(long, env = "NOVACRM_DNS_RESOLVER", default_value = "", hide_default_value = true,
          value_parser = dns_resolver)]
    pub dns_resolver: ::std::option::Option<std::net::SocketAddr>,
    /// Who may call `/internal/*` and `/metrics` (CIDRs; default loopback).
    #[arg(long, env = "NOVACRM_INTERNAL_ALLOW", default_value = "127.0.0.0/8,::1/128",
          value_parser = internal_allow)]
    pub internal_allow: ::std::vec::Vec<Network>,
}

/// A DNS name of ours (the base domain, the CNAME target): lower-case, no trailing dot.
fn base_domain(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    crate::names::normalise_host(text)
        .filter(|name| name.contains('.') && !text.contains(':'))
        .map(Some)
        .ok_or_else(|| format!("{text:?} is not a domain name (e.g. novacrm.app)"))
}

fn dns_resolver(text: &str) -> Result<Option<std::net::SocketAddr>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<std::net::SocketAddr>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(|ip| (ip, 53).into()))
        .map(Some)
        .map_err(|_| format!("{text:?} is not an IP address or IP:PORT"))
}

fn internal_allow(text: &str) -> Result<Vec<Network>, String> {
    parse_networks(text, "NOVACRM_INTERNAL_ALLOW")
}

/// The database every command opens.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct Database {
    /// Database URL: `sqlite://path` (created if missing) or `postgres://…`
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DATABASE_URL, global = true)]
    pub url: String,
}

pub const DATABASE_URL: &str = "sqlite://data/novacrm.db";

/// A value that may be left empty (`NOVACRM_SECRET=`): empty is unset.
#[allow(clippy::unnecessary_wraps)]
fn optional(text: &str) -> Result<Option<String>, String> {
    Ok(Some(text.to_owned()).filter(|t| !t.trim().is_empty()))
}

/// The server secret, when set: long enough that it cannot be guessed (it signs challenges
/// and seals stored credentials).
fn secret(text: &str) -> Result<Option<String>, String> {
    let secret = optional(text)?;
    match &secret {
        Some(s) if s.chars().count() < 32 => Err(format!(
            "must be at least 32 characters, not {} (make one with `openssl rand -hex 32`)",
            s.chars().count()
        )),
        _ => Ok(secret),
    }
}

/// The base of every link the service sends: an `http` or `https` URL of a host, without a
/// query or fragment (a `javascript:` or relative base would make every emailed link one).
fn public_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let url = url::Url::parse(text).map_err(|e| format!("{text:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{text:?} must be an http:// or https:// address of a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "{text:?} must have no query, fragment or credentials"
        ));
    }
    Ok(text.to_owned())
}

/// `on` (or empty) / `off`, case-insensitive.
fn on_off(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("must be on or off, not {other:?}")),
    }
}

fn rate_limits(text: &str) -> Result<Option<RateLimits>, String> {
    on_off(text).map(|on| on.then(RateLimits::default))
}

fn seconds(text: &str) -> Result<Duration, String> {
    let secs: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Ok(Duration::from_secs(secs.max(1)))
}

/// Networks outbound URLs may reach although special-purpose: none wider than a /8 (IPv4) or
/// a /7 (IPv6, `fc00::/7`), so the guard cannot be switched off by `0.0.0.0/0`.
fn outbound_allow(text: &str) -> Result<Vec<Network>, String> {
    let networks = parse_networks(text, "NOVACRM_OUTBOUND_ALLOW")?;
    for (address, bits) in &networks {
        let least = if address.is_ipv4() { 8 } else { 7 };
        if *bits < least {
            return Err(format!(
                "NOVACRM_OUTBOUND_ALLOW: {address}/{bits} is wider than /{least}; name the \
                 private networks you mean (e.g. 10.0.0.0/8, 127.0.0.0/8)"
            ));
        }
    }
    Ok(networks)
}

/// A service's base URL, without the trailing `/` (paths are appended to it).
#[allow(clippy::unnecessary_wraps)]
fn base_url(text: &str) -> Result<String, String> {
    Ok(text.trim().trim_end_matches('/').to_owned())
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

/// Twilio: all three of account, token and sender, or none (a partial setting is refused at
/// start, naming what is missing).
#[derive(Clone, PartialEq, Eq, clap::Args)]
pub struct TwilioConfig {
    #[arg(id = "twilio_account_sid", value_name = "ID", long = "twilio-account-sid", env = "NOVACRM_TWILIO_ACCOUNT_SID",
          required = false, requires_all = ["twilio_auth_token", "twilio_from"])]
    pub account_sid: String,
    #[arg(id = "twilio_auth_token", value_name = "SECRET", long = "twilio-auth-token", env = "NOVACRM_TWILIO_AUTH_TOKEN",
          hide_env_values = true, required = false, requires_all = ["twilio_account_sid", "twilio_from"])]
    pub auth_token: String,
    /// The sending number (E.164) or messaging service.
    #[arg(id = "twilio_from", value_name = "NUMBER", long = "twilio-from", env = "NOVACRM_TWILIO_FROM",
          required = false, requires_all = ["twilio_account_sid", "twilio_auth_token"])]
    pub from: String,
    /// `https://api.twilio.com` unless pointed elsewhere (tests use a local server).
    #[arg(id = "twilio_base_url", value_name = "URL", long = "twilio-base-url", env = "NOVACRM_TWILIO_BASE_URL",
          default_value = TWILIO_BASE_URL, value_parser = base_url)]
    pub base_url: String,
}

pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";

/// Google Calendar through OAuth (an app registered in Google Cloud, redirect URI
/// `{public URL}/dashboard/integrations/google/callback`). Every base URL can be pointed
/// elsewhere (tests use a local server).
#[derive(Clone, PartialEq, Eq, clap::Args)]
pub struct GoogleConfig {
    /// Google Calendar: the OAuth client of an app registered in Google Cloud (both unset:
    /// Google is not offered).
    #[arg(
        id = "google_client_id",
        value_name = "ID",
        long = "google-client-id",
        env = "NOVACRM_GOOGLE_CLIENT_ID",
        required = false,
        requires = "google_client_secret"
    )]
    pub client_id: String,
    #[arg(
        id = "google_client_secret",
        value_name = "SECRET",
        long = "google-client-secret",
        env = "NOVACRM_GOOGLE_CLIENT_SECRET",
        hide_env_values = true,
        required = false,
        requires = "google_client_id"
    )]
    pub client_secret: String,
    #[arg(id = "google_auth_url", value_name = "URL", long = "google-auth-url", env = "NOVACRM_GOOGLE_AUTH_URL",
          default_value = GOOGLE_AUTH_URL)]
    pub auth_url: String,
    #[arg(id = "google_token_url", value_name = "URL", long = "google-token-url", env = "NOVACRM_GOOGLE_TOKEN_URL",
          default_value = GOOGLE_TOKEN_URL)]
    pub token_url: String,
    #[arg(id = "google_api_url", value_name = "URL", long = "google-api-url", env = "NOVACRM_GOOGLE_API_URL",
          default_value = GOOGLE_API_URL, value_parser = base_url)]
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
#[derive(Clone, PartialEq, Eq, clap::Args)]
pub struct ZoomConfig {
    /// Zoom: a server-to-server OAuth app (all three set: Zoom links are offered).
    #[arg(id = "zoom_account_id", value_name = "ID", long = "zoom-account-id", env = "NOVACRM_ZOOM_ACCOUNT_ID",
          required = false, requires_all = ["zoom_client_id", "zoom_client_secret"])]
    pub account_id: String,
    #[arg(id = "zoom_client_id", value_name = "ID", long = "zoom-client-id", env = "NOVACRM_ZOOM_CLIENT_ID",
          required = false, requires_all = ["zoom_account_id", "zoom_client_secret"])]
    pub client_id: String,
    #[arg(id = "zoom_client_secret", value_name = "SECRET", long = "zoom-client-secret", env = "NOVACRM_ZOOM_CLIENT_SECRET",
          hide_env_values = true, required = false, requires_all = ["zoom_account_id", "zoom_client_id"])]
    pub client_secret: String,
    /// `https://zoom.us` (token at `/oauth/token`).
    #[arg(id = "zoom_oauth_url", value_name = "URL", long = "zoom-oauth-url", env = "NOVACRM_ZOOM_OAUTH_URL",
          default_value = ZOOM_OAUTH_URL, value_parser = base_url)]
    pub oauth_url: String,
    /// `https://api.zoom.us/v2`.
    #[arg(id = "zoom_api_url", value_name = "URL", long = "zoom-api-url", env = "NOVACRM_ZOOM_API_URL",
          default_value = ZOOM_API_URL, value_parser = base_url)]
    pub api_url: String,
}

/// A Microsoft Entra app with `OnlineMeetings.ReadWrite.All` (application) and an access
/// policy for the hosts; meetings are made for the host's email as their user id.
#[derive(Clone, PartialEq, Eq, clap::Args)]
pub struct TeamsConfig {
    /// Microsoft Teams: an Entra app allowed to make online meetings (all three set).
    #[arg(id = "teams_tenant_id", value_name = "ID", long = "teams-tenant-id", env = "NOVACRM_TEAMS_TENANT_ID",
          required = false, requires_all = ["teams_client_id", "teams_client_secret"])]
    pub tenant_id: String,
    #[arg(id = "teams_client_id", value_name = "ID", long = "teams-client-id", env = "NOVACRM_TEAMS_CLIENT_ID",
          required = false, requires_all = ["teams_tenant_id", "teams_client_secret"])]
    pub client_id: String,
    #[arg(id = "teams_client_secret", value_name = "SECRET", long = "teams-client-secret",
          env = "NOVACRM_TEAMS_CLIENT_SECRET", hide_env_values = true, required = false,
          requires_all = ["teams_tenant_id", "teams_client_id"])]
    pub client_secret: String,
    /// `https://login.microsoftonline.com`.
    #[arg(id = "teams_login_url", value_name = "URL", long = "teams-login-url", env = "NOVACRM_TEAMS_LOGIN_URL",
          default_value = TEAMS_LOGIN_URL, value_parser = base_url)]
    pub login_url: String,
    /// `https://graph.microsoft.com/v1.0`.
    #[arg(id = "graph_url", value_name = "URL", long = "graph-url", env = "NOVACRM_GRAPH_URL",
          default_value = GRAPH_URL, value_parser = base_url)]
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
            database: Database {
                url: DATABASE_URL.into(),
            },
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
            base_domain: None,
            cname_target: None,
            dns_resolver: None,
            internal_allow: vec![
                (std::net::Ipv4Addr::new(127, 0, 0, 0).into(), 8),
                (std::net::Ipv6Addr::LOCALHOST.into(), 128),
            ],
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
pub fn redact_url(url: &str) -> String {
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
            .field("database_url", &redact_url(&self.database.url))
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
            .field("base_domain", &self.base_domain)
            .field("cname_target", &self.cname_target)
            .field("dns_resolver", &self.dns_resolver)
            .field("internal_allow", &self.internal_allow)
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
    use clap::Parser;

    #[derive(Parser)]
    struct Serve {
        #[command(flatten)]
        config: Config,
    }

    fn parse(args: &[&str]) -> Result<Config, String> {
        let args = std::iter::once("serve").chain(args.iter().copied());
        Serve::try_parse_from(args)
            .map(|s| s.config)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_flags_defaults_are_the_configs_defaults() {
        let mut parsed = parse(&[]).unwrap();
        // The environment running the tests may name its own database.
        parsed.database = Config::default().database;
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn a_provider_is_all_or_nothing() {
        let partial = parse(&[
            "--twilio-account-sid",
            "AC1",
            "--twilio-from",
            "+15005550006",
        ]);
        let error = partial.unwrap_err();
        assert!(error.contains("--twilio-auth-token"), "{error}");
        let zoom = parse(&["--zoom-client-id", "z"]).unwrap_err();
        assert!(
            zoom.contains("--zoom-account-id") && zoom.contains("--zoom-client-secret"),
            "{zoom}"
        );
        let full = parse(&[
            "--twilio-account-sid",
            "AC1",
            "--twilio-auth-token",
            "t",
            "--twilio-from",
            "+15005550006",
            "--twilio-base-url",
            "http://127.0.0.1:9/",
        ])
        .unwrap();
        let twilio = full.twilio.unwrap();
        assert_eq!(
            (twilio.from.as_str(), twilio.base_url.as_str()),
            ("+15005550006", "http://127.0.0.1:9")
        );
        assert!(full.google.is_none() && full.zoom.is_none() && full.teams.is_none());
    }

    #[test]
    fn switches_networks_and_blank_values_are_read() {
        let c = parse(&[
            "--rate-limit",
            "OFF",
            "--captcha",
            "off",
            "--secret",
            " ",
            "--smtp-url",
            "",
            "--outbound-allow",
            "10.0.0.0/8, ::1",
            "--trusted-proxies",
            "2",
            "--job-lease-secs",
            "0",
        ])
        .unwrap();
        assert_eq!(
            (c.rate_limits, c.captcha, c.secret, c.smtp_url),
            (None, false, None, None)
        );
        assert_eq!(c.outbound_allow.len(), 2);
        assert_eq!(c.trusted_proxies, TrustedProxies::Count(2));
        assert_eq!(c.job_lease, Duration::from_secs(1));
        let bad = parse(&["--captcha", "maybe"]).unwrap_err();
        assert!(bad.contains("must be on or off"), "{bad}");
        let bad = parse(&["--outbound-allow", "10.0.0.0/99"]).unwrap_err();
        assert!(bad.contains("bad prefix"), "{bad}");
        for wide in ["0.0.0.0/0", "::/0", "8.0.0.0/4"] {
            let bad = parse(&["--outbound-allow", wide]).unwrap_err();
            assert!(bad.contains("wider than"), "{bad}");
        }
        assert!(parse(&["--outbound-allow", "fc00::/7,127.0.0.0/8"]).is_ok());
        let short = parse(&["--secret", "x"]).unwrap_err();
        assert!(short.contains("at least 32 characters"), "{short}");
        let long = "k".repeat(32);
        assert_eq!(
            parse(&["--secret", &long]).unwrap().secret.as_deref(),
            Some(long.as_str())
        );
        for bad in [
            "javascript:alert(1)",
            "/relative",
            "https://",
            "ftp://x.example",
            "https://x.example/?a=1",
        ] {
            assert!(parse(&["--public-url", bad]).is_err(), "{bad}");
        }
        let ok = parse(&["--public-url", "https://book.example.com/"]).unwrap();
        assert_eq!(ok.public_url.as_deref(), Some("https://book.example.com"));
    }

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
