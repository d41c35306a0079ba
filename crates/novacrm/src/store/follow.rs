//! Following changes on PostgreSQL: every `serve` process LISTENs on `novacrm_host` (a
//! trigger NOTIFYs the username after each change to what a cached page depends on — see
//! migration 18), and keeps the hosts' page rows in memory until told they changed. Cached
//! availability then costs no database read per request.
//!
//! Exactness: a row is served from memory only while the listener is connected; connecting
//! (and reconnecting, after any error) starts from an empty map, since notifications sent
//! while nobody listened are lost. A read that raced a notification is not kept (the
//! generation moved). What remains is the delivery delay: a change is seen by the other
//! processes once PostgreSQL delivers its notification, a millisecond or so after commit
//! (`bench/staleness.rs` measures it); the booking path re-checks under the host lock, so
//! a slot shown in that window can still never be double booked.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use scheduling::Instant;

/// The channel migration 18's trigger notifies.
pub const CHANNEL: &str = "novacrm_host";

/// A public page's host as the cached pages key it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHost {
    pub id: String,
    pub version: i64,
    pub embed_origins: String,
    /// When all conflict calendars were last read (`None`: the host has none; 0: one is
    /// unreadable), and how far ahead they are known.
    pub busy_synced_at: Option<Instant>,
    pub busy_covered_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct PageRows {
    rows: RwLock<HashMap<String, PageHost>>,
    /// Moves on every notification and every (re)connection.
    generation: AtomicU64,
    /// The listener is connected: rows in memory are current.
    live: AtomicBool,
}

impl PageRows {
    pub(super) fn get(&self, username: &str) -> Option<PageHost> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        self.rows
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(username)
            .cloned()
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `row`, read when the generation was `seen`, unless something changed since.
    pub(super) fn keep(&self, seen: u64, username: &str, row: &PageHost) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let mut rows = self
            .rows
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.generation() == seen {
            rows.insert(username.to_owned(), row.clone());
        }
    }

    fn forget(&self, username: Option<&str>) {
        let mut rows = self
            .rows
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        match username {
            Some(name) => {
                rows.remove(name);
            }
            None => rows.clear(),
        }
    }

    /// Forgets every kept row (after a write of this process).
    pub(super) fn forget_all(&self) {
        if self.is_live() {
            self.forget(None);
        }
    }

    pub(super) fn set_live(&self, live: bool) {
        self.forget(None);
        self.live.store(live, Ordering::Release);
    }

    /// Whether rows are being served from memory.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

pub(super) async fn listen(url: &str, rows: &PageRows) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    rows.set_live(true);
    loop {
        // `recv` reconnects by itself after a drop, and notifications sent meanwhile are
        // lost: `try_recv` says so (`None`), and everything is forgotten.
        match listener.try_recv().await? {
            Some(note) => rows.forget(Some(note.payload())),
            None => rows.forget(None),
        }
    }
}
