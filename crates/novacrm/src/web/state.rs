//! The state every handler shares, built once by `startup`.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::services::availability::SlotCache;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub cache: Arc<SlotCache>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// Builds links, invites and messages the way the outbox does.
    pub sender: Arc<crate::messages::Sender>,
    /// Reads and writes the hosts' calendars (the worker's jobs and the pages' on-demand reads).
    pub calendars: crate::services::calendars::Calendars,
    /// The video providers this server offers (meeting types may only name these).
    pub meetings: crate::integrations::meetings::MeetingLinks,
    /// The outbox worker (run in the background by `serve`; by hand in tests).
    pub worker: crate::worker::Worker,
    /// Proof-of-work challenges for public bookings.
    pub captcha: Arc<crate::services::captcha::Captcha>,
    /// Seals the secrets the service keeps (webhook keys, calendar credentials).
    pub sealer: Arc<crate::sealed::Sealer>,
    /// Counts booking-page visitors for the insights' funnel, in the background.
    pub funnel: crate::services::funnel::Funnel,
    /// Booking facts behind the insights, by host, booking version and range.
    pub insights: Arc<crate::services::insights::FactsCache>,
    /// Verified custom domains → their hosts, as requests are routed.
    pub domains: Arc<crate::services::domains::DomainTable>,
    /// Where custom domains' TXT records are looked up.
    pub dns: crate::integrations::dns::Dns,
}

impl AppState {
    /// The base of every absolute link (`NOVACRM_PUBLIC_URL`, or the bound address), never
    /// the request's Host.
    pub fn public_url(&self) -> &str {
        self.config.public_url.as_deref().unwrap_or_default()
    }

    /// This deployment's own names (what custom domains may not be, what they CNAME to).
    pub fn names(&self) -> crate::services::domains::Names {
        let public_host = self
            .config
            .public_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        crate::services::domains::Names {
            base_domain: self.config.base_domain.clone(),
            cname_target: self
                .config
                .cname_target
                .clone()
                .unwrap_or_else(|| public_host.clone()),
            public_host,
        }
    }
}
