//! The booking funnel without cookies: daily-unique visitors per host, host-local date and
//! step (`view → type → slot → submit → booked`).
//!
//! A visitor is a keyed hash — HMAC-SHA-256 under the day's random salt of the host's id,
//! the client's network (IPv4 /24, IPv6 /48) and user agent — so nothing stored names an
//! address or a browser, and once the salt is deleted (after 48 h; salts change at UTC
//! midnight) no stored hash can be linked to one again. Only per-day counts are kept past
//! that. Bots and link previews, `HEAD`, prefetches, the host's own logged-in visits, and
//! hosts who switched `pageAnalytics` off are not counted.
//!
//! Counting never holds up a page: [`Funnel::count`] checks the request, then hands the visit
//! to one background task per process over a bounded channel (a full channel drops the
//! visit). The task remembers today's visitors in memory, so repeat hits cost nothing, and
//! writes new ones in batches; the database's unique key keeps counts exact across
//! processes. A visitor crossing the host's midnight counts on both days.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use axum::http::{HeaderMap, header};
use hmac::{KeyInit, Mac};
use scheduling::{Instant, Zone};
use tokio::sync::mpsc;

use super::insights::{Step, date_text, local_day};
use crate::crypto::{hex, token_hash};
use crate::store::{Store, VisitedHost};

/// Visits waiting to be written; past this, new ones are dropped rather than waited for.
const QUEUE: usize = 4096;
/// Visits written in one transaction at most.
const BATCH: usize = 256;
/// Visitors remembered in memory at most; past this the memory starts afresh (the
/// database's unique key still counts each one once).
const REMEMBERED: usize = 100_000;

/// Words in a user agent that mark a bot or a link preview (compared in lower case).
const BOTS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "preview",
    "slack",
    "discord",
    "facebookexternalhit",
    "whatsapp",
    "telegrambot",
    "twitterbot",
    "linkedinbot",
    "embedly",
    "headless",
    "curl/",
    "wget/",
    "python-requests",
];

/// One page view, as handed to the background task.
#[derive(Debug)]
struct Seen {
    username: String,
    step: Step,
    visitor: Visitor,
    at: Instant,
}

/// The per-process counter of funnel visits (cheap to clone).
#[derive(Debug, Clone)]
pub struct Funnel {
    queue: mpsc::Sender<Seen>,
}

/// Whether a request is a bot's, a link preview's or a prefetch: never a visitor.
pub fn is_robot(headers: &HeaderMap) -> bool {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let prefetch = ["sec-purpose", "purpose", "x-purpose", "x-moz"]
        .iter()
        .filter_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .any(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("prefetch") || v.contains("preview")
        });
    agent.trim().is_empty() || prefetch || BOTS.iter().any(|b| agent.contains(b))
}

/// The client's network as it enters the hash: IPv4 /24, IPv6 /48.
pub fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

/// The visitor key: HMAC-SHA-256 under `salt` of host, network and user agent (128 bits).
pub fn visitor_key(salt: &str, host_id: &str, network: &str, agent: &str) -> String {
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(salt.as_bytes()).expect("any key length");
    for part in [host_id, network, agent] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    hex(&mac.finalize().into_bytes()[..16])
}

/// Who is visiting, as far as the funnel needs to know; read from the request.
#[derive(Debug, Clone)]
pub struct Visitor {
    network: String,
    agent: String,
    /// The hash of the visitor's dashboard session, if they carry one.
    session: Option<String>,
    /// `false` for robots, previews, prefetches and `HEAD`: never counted.
    counts: bool,
}

impl Visitor {
    /// The visitor behind a request from `ip` with `headers` (and the dashboard's
    /// `session_token`, if any); `head` for a `HEAD` request.
    pub fn new(headers: &HeaderMap, ip: IpAddr, session_token: Option<&str>, head: bool) -> Self {
        let agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Self {
            network: network(ip),
            agent: agent.chars().take(512).collect(),
            session: session_token.map(token_hash),
            counts: !head && !is_robot(headers),
        }
    }
}

impl Funnel {
    /// Starts the background writer on the current runtime.
    pub fn start(store: Store) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_visits(store, rx));
        Self { queue }
    }

    /// Counts `visitor` at `step` of `username`'s booking pages unless they are a robot, a
    /// prefetch or the host. Returns at once; the visit is written later.
    pub fn count(&self, username: &str, step: Step, visitor: &Visitor, at: jiff::Timestamp) {
        if !visitor.counts {
            return;
        }
        let seen = Seen {
            username: username.to_owned(),
            step,
            visitor: visitor.clone(),
            at: Instant::floor(at),
        };
        // A full queue drops the visit: a page never waits for its count.
        let _ = self.queue.try_send(seen);
    }
}

/// What the writer remembers between visits: today's salt and today's visitors.
#[derive(Debug, Default)]
struct Memory {
    /// The UTC day and its salt.
    salt: Option<(i64, String)>,
    /// `visitor/day/step` already written today.
    seen: HashSet<String>,
}

async fn write_visits(store: Store, mut rx: mpsc::Receiver<Seen>) {
    let mut memory = Memory::default();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let at = batch.last().map_or(Instant::from_millis(0), |s| s.at);
        let mut rows = Vec::new();
        // Each host read once a batch (a switch of page analytics counts from the next).
        let mut hosts = HashMap::new();
        for seen in batch {
            match visit_row(&store, &mut memory, &mut hosts, seen).await {
                Ok(Some(row)) => rows.push(row),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "a funnel visit was not counted"),
            }
        }
        if !rows.is_empty()
            && let Err(e) = store.count_visits(&rows, at).await
        {
            tracing::warn!(error = %e, "funnel visits were not counted");
        }
    }
}

/// The `(host, visitor, day, step)` row of a visit that counts and is new today, if any.
async fn visit_row(
    store: &Store,
    memory: &mut Memory,
    hosts: &mut HashMap<String, Option<VisitedHost>>,
    seen: Seen,
) -> crate::store::Result<Option<(String, String, String, &'static str)>> {
    if !hosts.contains_key(&seen.username) {
        let found = store.visited_host(&seen.username).await?;
        hosts.insert(seen.username.clone(), found);
    }
    let Some(host) = hosts.get(&seen.username).cloned().flatten() else {
        return Ok(None);
    };
    if !host.page_analytics {
        return Ok(None);
    }
    if let Some(session) = &seen.visitor.session
        && store
            .host_by_session(session, seen.at)
            .await?
            .is_some_and(|h| h.id == host.id)
    {
        return Ok(None);
    }
    let utc_day = seen.at.as_millis().div_euclid(86_400_000);
    let salt = match &memory.salt {
        Some((day, salt)) if *day == utc_day => salt.clone(),
        _ => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).expect("the OS provides randomness");
            let salt = store
                .visit_salt(&date_text(utc_day as i32), &hex(&bytes), seen.at)
                .await?;
            memory.salt = Some((utc_day, salt.clone()));
            memory.seen.clear();
            salt
        }
    };
    let zone = Zone::parse(&host.timezone).map_err(crate::store::StoreError::Corrupt)?;
    let day = date_text(local_day(seen.at, &zone));
    let visitor = visitor_key(&salt, &host.id, &seen.visitor.network, &seen.visitor.agent);
    let step = seen.step.as_str();
    if memory.seen.len() >= REMEMBERED {
        memory.seen.clear();
    }
    if !memory.seen.insert(format!("{visitor}/{day}/{step}")) {
        return Ok(None);
    }
    Ok(Some((host.id, visitor, day, step)))
}
