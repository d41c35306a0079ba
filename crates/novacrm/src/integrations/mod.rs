//! The outside world as ports (docs/DESIGN.md §2, §9): email, text messages and webhooks behind
//! traits held as `Arc<dyn …>` in the app state, with real adapters (SMTP, `.eml` files,
//! Twilio, signed HTTP through the SSRF guard) and recording fakes. Only jobs call these; pages and handlers enqueue jobs instead.

pub mod caldav;
pub mod dns;
pub mod google;
pub mod mail;
pub mod meetings;
pub mod outbound;
mod port;
pub mod sms;
mod webdav;
pub mod webhook;

use std::sync::Arc;

pub use mail::{Address, Email, FileMailer, Invite, Mailer, RecordingMailer, SmtpMailer};
pub use port::{BoxFuture, SendError, install_tls};
pub use sms::{RecordingSms, Sms, SmsSender, Twilio};

use crate::config::Config;

/// The adapters a running service talks through.
#[derive(Debug, Clone)]
pub struct Integrations {
    pub mailer: Arc<dyn Mailer>,
    /// `None` when SMS is not configured: nothing is texted.
    pub sms: Option<Arc<dyn SmsSender>>,
    pub webhooks: Arc<dyn webhook::WebhookSender>,
    /// What host-typed outbound URLs (webhooks, CalDAV) may reach.
    pub outbound: outbound::OutboundPolicy,
    /// Google Calendar, when configured.
    pub google: Option<google::Google>,
    /// Video links made for each booking (Jitsi, Zoom, Teams).
    pub meetings: meetings::MeetingLinks,
    /// Where custom domains' TXT records are looked up.
    pub dns: dns::Dns,
}

impl Integrations {
    /// The real adapters the configuration asks for.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        install_tls();
        let mailer: Arc<dyn Mailer> = match &config.smtp_url {
            Some(url) => Arc::new(SmtpMailer::from_url(url).map_err(anyhow::Error::msg)?),
            None => Arc::new(FileMailer::new(config.outbox_dir.clone())),
        };
        let sms = config
            .twilio
            .clone()
            .map(|t| Arc::new(Twilio::new(t)) as Arc<dyn SmsSender>);
        let policy = outbound::OutboundPolicy::new(config.outbound_allow.clone());
        let webhooks = Arc::new(webhook::HttpWebhooks::new(policy.clone()));
        Ok(Self {
            mailer,
            sms,
            webhooks,
            outbound: policy,
            google: config.google.clone().map(google::Google::new),
            meetings: meetings::MeetingLinks::new(
                &config.jitsi_url,
                config.zoom.clone(),
                config.teams.clone(),
            ),
            dns: dns::Dns::new(config.dns_resolver).map_err(anyhow::Error::msg)?,
        })
    }
}
