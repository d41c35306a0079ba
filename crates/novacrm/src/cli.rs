//! The command line of docs/DESIGN.md §6. Each subcommand parses its input, calls one function,
//! and reports failure as one line on stderr with a non-zero exit code, never a panic.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use scheduling::scenario::{Scenario, slots_json};

use crate::config::{Config, RateLimits, TwilioConfig};
use crate::services::host;
use crate::startup::Application;
use crate::store::{JobFilter, Store};

#[derive(Debug, Parser)]
#[command(
    name = "novacrm",
    version,
    about = "NovaCRM scheduling: booking links for CRM users"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Database {
    /// Database URL: `sqlite://path` (created if missing) or `postgres://…`
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/novacrm.db",
        global = true
    )]
    pub database_url: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the booking pages and the API.
    Serve {
        #[arg(long, env = "NOVACRM_LISTEN", default_value = "127.0.0.1:3000")]
        listen: String,
        #[command(flatten)]
        database: Database,
        /// Base URL of links in emails and pages (default: http:// + the listen address).
        #[arg(long, env = "NOVACRM_PUBLIC_URL")]
        public_url: Option<String>,
        /// Add a demo host (jane) with meeting types when the database is empty.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        messaging: Box<Messaging>,
    },
    /// Run the database migrations and exit.
    Migrate {
        #[command(flatten)]
        database: Database,
    },
    /// Manage hosts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Read a scenario (JSON) on stdin and print the free slots (docs/DESIGN.md §5).
    Slots,
    /// The outbox: list pending and failed jobs, or retry a failed one.
    Jobs {
        #[command(subcommand)]
        command: Option<JobsCommand>,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Pending and failed jobs, oldest due first (the default).
    List,
    /// Put a failed job back in the queue, due now.
    Retry { id: String },
}

/// Where messages go, and how the public surface is guarded (docs/DESIGN.md §6).
#[derive(Debug, Args)]
pub struct Messaging {
    /// SMTP server: `smtp://host:port`, `smtp://host:587?tls=required`, `smtps://user:pass@host`
    /// (unset: each message is written as an .eml file under --outbox-dir).
    #[arg(long, env = "NOVACRM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of every email, `Name <address>` (default: NovaCRM <no-reply@ + public host>).
    #[arg(long, env = "NOVACRM_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Folder for .eml files when no SMTP server is configured.
    #[arg(long, env = "NOVACRM_OUTBOX_DIR", default_value = "data/outbox")]
    pub outbox_dir: std::path::PathBuf,
    #[arg(long, env = "NOVACRM_TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,
    #[arg(long, env = "NOVACRM_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// The sending number (E.164).
    #[arg(long, env = "NOVACRM_TWILIO_FROM")]
    pub twilio_from: Option<String>,
    #[arg(long, env = "NOVACRM_TWILIO_BASE_URL", default_value = crate::config::TWILIO_BASE_URL)]
    pub twilio_base_url: String,
    /// Rate limits on the public pages and API: `on` (default) or `off` (test harnesses).
    #[arg(long, env = "NOVACRM_RATE_LIMIT", default_value = "on")]
    pub rate_limit: String,
    /// Proxies allowed to set X-Forwarded-For: a count (`1`) or addresses/CIDRs
    /// (`10.0.0.0/8,192.168.1.7`); default none (the socket's peer is the client).
    #[arg(long, env = "NOVACRM_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Proof-of-work CAPTCHA on public bookings: `on` (default) or `off` (test harnesses).
    #[arg(long, env = "NOVACRM_CAPTCHA", default_value = "on")]
    pub captcha: String,
    /// Server secret that signs CAPTCHA challenges (unset: generated once, kept in the
    /// database).
    #[arg(long, env = "NOVACRM_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Private or loopback networks (CIDRs, comma-separated) that host-typed outbound URLs —
    /// webhooks, CalDAV — may reach anyway; default none.
    #[arg(long, env = "NOVACRM_OUTBOUND_ALLOW", default_value = "")]
    pub outbound_allow: String,
    /// Google Calendar: the OAuth client of an app registered in Google Cloud (both unset:
    /// Google is not offered).
    #[arg(long, env = "NOVACRM_GOOGLE_CLIENT_ID")]
    pub google_client_id: Option<String>,
    #[arg(long, env = "NOVACRM_GOOGLE_CLIENT_SECRET", hide_env_values = true)]
    pub google_client_secret: Option<String>,
    #[arg(long, env = "NOVACRM_GOOGLE_AUTH_URL", default_value = crate::config::GOOGLE_AUTH_URL)]
    pub google_auth_url: String,
    #[arg(long, env = "NOVACRM_GOOGLE_TOKEN_URL", default_value = crate::config::GOOGLE_TOKEN_URL)]
    pub google_token_url: String,
    #[arg(long, env = "NOVACRM_GOOGLE_API_URL", default_value = crate::config::GOOGLE_API_URL)]
    pub google_api_url: String,
    /// Where Jitsi rooms are made for meeting types with Jitsi links.
    #[arg(long, env = "NOVACRM_JITSI_URL", default_value = crate::config::JITSI_URL)]
    pub jitsi_url: String,
    /// Zoom: a server-to-server OAuth app (all three set: Zoom links are offered).
    #[arg(long, env = "NOVACRM_ZOOM_ACCOUNT_ID")]
    pub zoom_account_id: Option<String>,
    #[arg(long, env = "NOVACRM_ZOOM_CLIENT_ID")]
    pub zoom_client_id: Option<String>,
    #[arg(long, env = "NOVACRM_ZOOM_CLIENT_SECRET", hide_env_values = true)]
    pub zoom_client_secret: Option<String>,
    #[arg(long, env = "NOVACRM_ZOOM_OAUTH_URL", default_value = crate::config::ZOOM_OAUTH_URL)]
    pub zoom_oauth_url: String,
    #[arg(long, env = "NOVACRM_ZOOM_API_URL", default_value = crate::config::ZOOM_API_URL)]
    pub zoom_api_url: String,
    /// Microsoft Teams: an Entra app allowed to make online meetings (all three set).
    #[arg(long, env = "NOVACRM_TEAMS_TENANT_ID")]
    pub teams_tenant_id: Option<String>,
    #[arg(long, env = "NOVACRM_TEAMS_CLIENT_ID")]
    pub teams_client_id: Option<String>,
    #[arg(long, env = "NOVACRM_TEAMS_CLIENT_SECRET", hide_env_values = true)]
    pub teams_client_secret: Option<String>,
    #[arg(long, env = "NOVACRM_TEAMS_LOGIN_URL", default_value = crate::config::TEAMS_LOGIN_URL)]
    pub teams_login_url: String,
    #[arg(long, env = "NOVACRM_GRAPH_URL", default_value = crate::config::GRAPH_URL)]
    pub graph_url: String,
    /// Seconds a claimed job stays reserved for one worker before another may retake it.
    #[arg(long, env = "NOVACRM_JOB_LEASE_SECS", default_value_t = 300)]
    pub job_lease_secs: u64,
}

/// `on` (or empty) / `off`, case-insensitive.
fn on_off(name: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("{name} must be on or off, not {other:?}")),
    }
}

impl Messaging {
    fn apply(self, config: &mut Config) -> Result<(), String> {
        config.rate_limits =
            on_off("NOVACRM_RATE_LIMIT", &self.rate_limit)?.then(RateLimits::default);
        config.captcha = on_off("NOVACRM_CAPTCHA", &self.captcha)?;
        config.secret = self.secret.filter(|s| !s.trim().is_empty());
        config.trusted_proxies = crate::config::TrustedProxies::parse(&self.trusted_proxies)?;
        config.outbound_allow =
            crate::config::parse_networks(&self.outbound_allow, "NOVACRM_OUTBOUND_ALLOW")?;
        config.smtp_url = self.smtp_url.filter(|u| !u.trim().is_empty());
        config.mail_from = self.mail_from;
        config.outbox_dir = self.outbox_dir;
        config.twilio = match (
            self.twilio_account_sid,
            self.twilio_auth_token,
            self.twilio_from,
        ) {
            (Some(account_sid), Some(auth_token), Some(from)) => Some(TwilioConfig {
                account_sid,
                auth_token,
                from,
                base_url: self.twilio_base_url,
            }),
            _ => None,
        };
        config.google = match (self.google_client_id, self.google_client_secret) {
            (Some(client_id), Some(client_secret))
                if !client_id.trim().is_empty() && !client_secret.trim().is_empty() =>
            {
                Some(crate::config::GoogleConfig {
                    client_id,
                    client_secret,
                    auth_url: self.google_auth_url,
                    token_url: self.google_token_url,
                    api_url: self.google_api_url.trim_end_matches('/').to_owned(),
                })
            }
            _ => None,
        };
        self.jitsi_url
            .trim_end_matches('/')
            .clone_into(&mut config.jitsi_url);
        let set = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        config.zoom = match (
            set(self.zoom_account_id),
            set(self.zoom_client_id),
            set(self.zoom_client_secret),
        ) {
            (Some(account_id), Some(client_id), Some(client_secret)) => {
                Some(crate::config::ZoomConfig {
                    account_id,
                    client_id,
                    client_secret,
                    oauth_url: self.zoom_oauth_url.trim_end_matches('/').to_owned(),
                    api_url: self.zoom_api_url.trim_end_matches('/').to_owned(),
                })
            }
            _ => None,
        };
        config.teams = match (
            set(self.teams_tenant_id),
            set(self.teams_client_id),
            set(self.teams_client_secret),
        ) {
            (Some(tenant_id), Some(client_id), Some(client_secret)) => {
                Some(crate::config::TeamsConfig {
                    tenant_id,
                    client_id,
                    client_secret,
                    login_url: self.teams_login_url.trim_end_matches('/').to_owned(),
                    graph_url: self.graph_url.trim_end_matches('/').to_owned(),
                })
            }
            _ => None,
        };
        config.job_lease = std::time::Duration::from_secs(self.job_lease_secs.max(1));
        Ok(())
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a host; the password comes from `NOVACRM_PASSWORD` or a prompt.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a host and print it (one line).
    Create {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        database: Database,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Slots => slots(),
        command => run_async(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_async(command: Command) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let now = jiff::Timestamp::now();
        match command {
            Command::Serve {
                listen,
                database,
                public_url,
                demo,
                messaging,
            } => {
                let mut config = Config {
                    listen,
                    database_url: database.database_url,
                    public_url,
                    demo,
                    ..Config::default()
                };
                messaging.apply(&mut config)?;
                let app = Application::build(config)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("NovaCRM listening on http://{}", app.address());
                if demo {
                    println!("Demo booking link: {}/book/jane", app.public_url());
                    println!(
                        "Demo booking API:  {}/api/public/booking/jane",
                        app.public_url()
                    );
                }
                app.run_until_stopped().await.map_err(|e| e.to_string())
            }
            Command::Migrate { database } => {
                let store = Store::connect(&database.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                store.close().await;
                println!("migrations applied");
                Ok(())
            }
            Command::User {
                command:
                    UserCommand::Create {
                        username,
                        name,
                        email,
                        database,
                    },
            } => {
                let password = password()?;
                let store = Store::connect(&database.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                let created =
                    host::create_host(&store, &username, &name, &email, &password, None, now).await;
                store.close().await;
                let created = created.map_err(|e| describe(&e))?;
                println!("created host {} ({})", created.username, created.email);
                Ok(())
            }
            Command::Token {
                command: TokenCommand::Create { username, database },
            } => {
                let store = Store::connect(&database.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                let result = async {
                    let host = store
                        .host_by_username(&username)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("no host named {username:?}"))?;
                    host::create_token(&store, &host, now)
                        .await
                        .map_err(|e| describe(&e))
                }
                .await;
                store.close().await;
                println!("{}", result?);
                Ok(())
            }
            Command::Jobs { command, database } => {
                let store = Store::connect(&database.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                let result = jobs(&store, command.unwrap_or(JobsCommand::List), now).await;
                store.close().await;
                result
            }
            Command::Slots => unreachable!("handled without a runtime"),
        }
    })
}

/// `novacrm jobs [list|retry ID]`.
async fn jobs(store: &Store, command: JobsCommand, now: jiff::Timestamp) -> Result<(), String> {
    match command {
        JobsCommand::List => {
            let jobs = store
                .jobs(None, JobFilter::Open, 1000)
                .await
                .map_err(|e| e.to_string())?;
            let mut out = std::io::stdout().lock();
            let write = |out: &mut std::io::StdoutLock<'_>, line: String| {
                writeln!(out, "{line}").map_err(|e| format!("cannot write: {e}"))
            };
            write(
                &mut out,
                "id\tkind\tstate\tdue\tattempts\tlast error".into(),
            )?;
            for job in &jobs {
                let state = if job.failed_at.is_some() {
                    "failed"
                } else {
                    "pending"
                };
                write(
                    &mut out,
                    format!(
                        "{}\t{}\t{state}\t{}\t{}\t{}",
                        job.id,
                        job.kind,
                        job.run_at,
                        job.attempts,
                        job.last_error.as_deref().unwrap_or("")
                    ),
                )?;
            }
            Ok(())
        }
        JobsCommand::Retry { id } => {
            let retried = store
                .retry_job(&id, None, scheduling::Instant::from(now))
                .await
                .map_err(|e| e.to_string())?;
            if retried {
                println!("job {id} is queued again");
                Ok(())
            } else {
                Err(format!(
                    "no failed job with id {id:?} (see `novacrm jobs list`)"
                ))
            }
        }
    }
}

fn describe(e: &crate::services::ServiceError) -> String {
    match e {
        crate::services::ServiceError::Invalid(errors) => errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn password() -> Result<String, String> {
    if let Ok(p) = std::env::var("NOVACRM_PASSWORD") {
        return Ok(p);
    }
    eprint!("Password: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `novacrm slots`: scenario on stdin, `{"slots":[…]}` on stdout.
fn slots() -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read the scenario from stdin: {e}"))?;
    let scenario = Scenario::parse(&input).map_err(|e| e.to_string())?;
    let out = slots_json(&scenario.slots());
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{out}").map_err(|e| format!("cannot write the slots: {e}"))
}
