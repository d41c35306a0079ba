//! Public availability: the engine's slots for a host's meeting type, through a cache.
//!
//! The cache key holds the host's schedule version (bumped in the same transaction as every
//! booking and rule change, DESIGN.md §4), so an entry can never outlive the data it was
//! computed from, on this instance or any other: every request reads the current version
//! (one indexed row) first. `now` enters the key as its minute and whether it falls exactly
//! on it: slots start on whole minutes and local dates change on whole minutes, so every
//! `now` with the same key gives the same answer.

use std::sync::Arc;

use axum::body::Bytes;

use jiff::Timestamp;
use scheduling::engine::horizon_end;
use scheduling::scenario::slots_json;
use scheduling::{Busy, FieldError, Instant, Query, Slot, free_slots};

use super::cache::{Cache, Weight};
use super::{Result, ServiceError};
use crate::store::{Store, StoreError};

/// Availability computations running at once (the rest wait their turn).
static COMPUTING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(4));

/// Longest range one request may ask for.
pub const MAX_RANGE_DAYS: i64 = 93;
/// Memory the cache may hold before it starts over (answers are ~20–200 KB each).
const MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    host_id: String,
    meeting_type_id: String,
    from: Option<i64>,
    to: Option<i64>,
    version: i64,
    minute: i64,
    on_the_minute: bool,
}

/// One computed answer: the slots, and the API's `{"slots":[…]}` ready to send.
#[derive(Debug)]
pub struct Answer {
    pub slots: Vec<Slot>,
    /// Every API hit shares this one buffer: no copy per response.
    pub json: Bytes,
}

impl Weight for Answer {
    fn weight(&self) -> usize {
        self.json.len() + self.slots.len() * std::mem::size_of::<Slot>()
    }
}

/// Computed answers by key.
#[derive(Debug)]
pub struct SlotCache(Cache<Key, Arc<Answer>>);

impl Default for SlotCache {
    fn default() -> Self {
        Self(Cache::new(MAX_BYTES))
    }
}

/// The slots of `username`'s meeting type over `[start, end)`.
pub async fn public_slots(
    store: &Store,
    cache: &SlotCache,
    username: &str,
    meeting_type_id: &str,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    now: Timestamp,
) -> Result<Arc<Answer>> {
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(FieldError::new("end", "must be after start").into());
    }
    let (host_id, version) = store
        .host_version(username)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no booking page for {username:?}")))?;
    let now = Instant::ceil(now);
    let key = Key {
        host_id,
        meeting_type_id: meeting_type_id.to_owned(),
        from: start.map(|t| Instant::ceil(t).as_millis()),
        to: end.map(|t| Instant::ceil(t).as_millis()),
        version,
        minute: now.as_millis().div_euclid(60_000),
        on_the_minute: now.as_millis().rem_euclid(60_000) == 0,
    };
    if let Some(hit) = cache.0.get(&key) {
        return Ok(hit);
    }
    let meeting = store
        .meeting_type(&key.host_id, meeting_type_id)
        .await?
        .filter(|m| m.active && !m.archived)
        .ok_or_else(|| ServiceError::NotFound("this meeting type is not available".into()))?;
    let settings = store.availability(&key.host_id).await?;
    let from = key.from.map_or(now, Instant::from_millis);
    // Without an end: the horizon, but never more than one request may ask for.
    let longest = from.plus_minutes(MAX_RANGE_DAYS * 24 * 60);
    let to = key.to.map_or_else(
        || horizon_end(&settings, now).min(longest),
        Instant::from_millis,
    );
    if to > longest {
        let message = format!("the range may span at most {MAX_RANGE_DAYS} days");
        return Err(FieldError::new("end", message).into());
    }
    let bookings = Store::busy_bookings(store.pool(), &key.host_id, from, to, None).await?;
    let blocked = Store::blocked_times(store.pool(), &key.host_id)
        .await?
        .iter()
        .map(crate::store::BlockedRecord::to_blocked_time)
        .collect::<Result<Vec<_>, _>>()?;
    let rules = meeting.rules()?;
    // The engine is CPU work: off the async workers, a few at a time, so one host's heavy
    // schedule can neither stall the runtime nor other hosts' pages and `/healthz`.
    let _permit = COMPUTING
        .acquire()
        .await
        .map_err(|e| StoreError::Corrupt(format!("availability workers closed: {e}")))?;
    let answer = tokio::task::spawn_blocking(move || {
        let busy = Busy {
            bookings: &bookings,
            blocked: &blocked,
        };
        let slots = free_slots(&settings, rules, busy, Query { from, to, now });
        let json = Bytes::from(slots_json(&slots).to_string());
        Arc::new(Answer { slots, json })
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("availability computation failed: {e}")))?;
    cache.0.put(key, answer.clone());
    Ok(answer)
}
