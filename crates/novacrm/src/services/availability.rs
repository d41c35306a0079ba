//! Public availability: the engine's slots for a host's meeting type, through two caches.
//!
//! Every key holds the host's schedule version (bumped in the same transaction as every
//! booking and rule change, docs/DESIGN.md §4), so an entry can never outlive the data it was
//! computed from, on this instance or any other: every request reads the current version
//! (one indexed row) first.
//!
//! Below the answer for an exact range sits a cache of **host-local days**: a slot belongs to
//! the day its start falls in, and the engine only filters candidates by their start, so the
//! slots of `[from, to)` are exactly the union of its days' slots cut to `[from, to)`. A range
//! shifted by a few minutes therefore reuses every day it shares with one computed before and
//! computes only the days it lacks (in one engine pass). A day lying wholly between
//! `now + minNotice` and the horizon does not depend on `now`, so its key has no clock in it;
//! the one or two days the clock cuts into are keyed by `now`'s minute and whether it falls
//! exactly on it (slots start on whole minutes and local dates change on whole minutes, so
//! every `now` with the same key gives the same answer).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;

use jiff::Timestamp;
use scheduling::engine::{earliest_start, horizon_end, seats_taken};
use scheduling::scenario::slots_json;
use scheduling::{AvailabilitySettings, Busy, FieldError, Instant, Query, Slot, free_slots};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::cache::{Cache, Weight};
use super::calendars::{REFRESH_MS, STALE_MS};
use super::{Result, ServiceError};
use crate::store::{Host, OnboardingStep};
use crate::store::{Store, StoreError};
use serde_json::Value;

/// Availability computations running at once (the rest wait their turn).
const WORKERS: usize = 4;
/// Of those, the most one host may hold: a host hammering its own heavy schedule leaves the
/// others' pages half of the workers.
const WORKERS_PER_HOST: usize = 2;

/// Longest range one request may ask for.
pub const MAX_RANGE_DAYS: i64 = 93;
/// Most slots one answer lists; past them the answer names the next start to ask from (a
/// 93-day range of 1-minute slots would otherwise be 134 000 slots, 6 MB of JSON).
pub const MAX_SLOTS: usize = 10_000;
/// Memory each cache may hold before it starts over (answers are ~20–200 KB each).
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// The answer for one exact range.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    host_id: String,
    meeting_type_id: String,
    /// The length asked for (`None`: the type's own).
    duration: Option<i64>,
    from: Option<i64>,
    to: Option<i64>,
    version: i64,
    clock: Clock,
    /// How far ahead the host's calendars are known (moves without a version bump).
    covered: Option<i64>,
}

/// The slots starting on one host-local day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DayKey {
    host_id: String,
    meeting_type_id: String,
    minutes: u32,
    version: i64,
    day: i32,
    /// `None` when the day lies wholly between the earliest start and the horizon (and
    /// within what the host's calendars are known for).
    clock: Option<(Clock, Option<i64>)>,
}

/// `now` as far as any answer can tell: its minute, and whether it falls exactly on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Clock {
    minute: i64,
    on_the_minute: bool,
}

impl Clock {
    fn of(now: Instant) -> Self {
        Self {
            minute: now.as_millis().div_euclid(60_000),
            on_the_minute: now.as_millis().rem_euclid(60_000) == 0,
        }
    }
}

/// One computed answer: the slots, and the API's `{"slots":[…]}` ready to send.
#[derive(Debug)]
pub struct Answer {
    pub slots: Vec<Slot>,
    /// For a type with seats, the seats still free at each slot (else empty).
    pub seats: Vec<u32>,
    /// Every API hit shares this one buffer: no copy per response.
    pub json: Bytes,
}

impl Weight for Answer {
    fn weight(&self) -> usize {
        self.json.len() + self.slots.len() * std::mem::size_of::<Slot>() + self.seats.len() * 4
    }
}

/// One day's slots (and, for a type with seats, the seats free at each).
#[derive(Debug, Default)]
struct DaySlots {
    slots: Vec<Slot>,
    seats: Vec<u32>,
}

impl Weight for DaySlots {
    fn weight(&self) -> usize {
        64 + self.slots.len() * std::mem::size_of::<Slot>() + self.seats.len() * 4
    }
}

/// Computed answers by exact range and by day, and the workers that compute them.
#[derive(Debug)]
pub struct SlotCache {
    ranges: Cache<Key, Arc<Answer>>,
    days: Cache<DayKey, Arc<DaySlots>>,
    workers: Arc<Semaphore>,
    /// Per host, the share of `workers` it may hold (entries live while someone waits).
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Reads a host's calendars again when a page finds them old.
    calendars: crate::services::calendars::Calendars,
}

impl SlotCache {
    pub fn new(calendars: crate::services::calendars::Calendars) -> Self {
        Self {
            ranges: Cache::new(MAX_BYTES),
            days: Cache::new(MAX_BYTES),
            workers: Arc::new(Semaphore::new(WORKERS)),
            hosts: Mutex::default(),
            calendars,
        }
    }

    /// A worker for `host_id`: first its host's share, then one of the pool.
    async fn worker(&self, host_id: &str) -> Result<(OwnedSemaphorePermit, OwnedSemaphorePermit)> {
        let share = {
            let mut hosts = self.hosts.lock().expect("worker map lock");
            // Forget hosts nobody is computing for, so the map stays as small as the load.
            hosts.retain(|_, s| Arc::strong_count(s) > 1);
            hosts
                .entry(host_id.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(WORKERS_PER_HOST)))
                .clone()
        };
        let closed = |e| StoreError::Corrupt(format!("availability workers closed: {e}"));
        let own = share.acquire_owned().await.map_err(closed)?;
        let pool = self.workers.clone().acquire_owned().await.map_err(closed)?;
        Ok((own, pool))
    }
}

/// The slots of `username`'s meeting type over `[start, end)`, booked for `duration`
/// minutes (`None`: the type's own length; another it does not offer is a 422).
#[allow(clippy::too_many_arguments)]
pub async fn public_slots(
    store: &Store,
    cache: &SlotCache,
    username: &str,
    meeting_type_id: &str,
    duration: Option<i64>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    now: Timestamp,
) -> Result<Arc<Answer>> {
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(FieldError::new("end", "must be after start").into());
    }
    let host = store
        .host_version(username)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no booking page for {username:?}")))?;
    let (host_id, version) = (host.id, host.version);
    let now = Instant::ceil(now);
    // A calendar that could not be read lately might hide anything: offer nothing.
    if let Some(synced) = host.busy_synced_at {
        let age = now.as_millis() - synced.as_millis();
        if age > REFRESH_MS {
            cache.calendars.kick(&host_id, now);
        }
        if age > STALE_MS {
            return Ok(Arc::new(Answer {
                slots: Vec::new(),
                seats: Vec::new(),
                json: Bytes::from_static(b"{\"slots\":[]}"),
            }));
        }
    }
    let covered = host.busy_covered_until;
    let key = Key {
        host_id,
        meeting_type_id: meeting_type_id.to_owned(),
        duration,
        from: start.map(|t| whole_minute(Instant::ceil(t))),
        to: end.map(|t| whole_minute(Instant::ceil(t))),
        version,
        clock: Clock::of(now),
        covered: covered.map(Instant::as_millis),
    };
    if let Some(hit) = cache.ranges.get(&key) {
        return Ok(hit);
    }
    let meeting = store
        .meeting_type(&key.host_id, meeting_type_id)
        .await?
        .filter(|m| m.active && !m.archived)
        .ok_or_else(|| ServiceError::NotFound("this meeting type is not available".into()))?;
    let settings = store.type_settings(&key.host_id, &meeting).await?;
    let rules = meeting.rules_for(duration)?;
    let seated = rules.policy.seats;
    let from = key.from.map_or(now, Instant::from_millis);
    // Without an end: the horizon, but never more than one request may ask for.
    let longest = from.plus_minutes(MAX_RANGE_DAYS * 24 * 60);
    let to = key.to.map_or_else(
        || horizon_end(&settings, rules, now).min(longest),
        Instant::from_millis,
    );
    if to > longest {
        let message = format!("the range may span at most {MAX_RANGE_DAYS} days");
        return Err(FieldError::new("end", message).into());
    }
    let days = Days::of(&settings, rules, from, to, now, covered);
    let day_key = |day: i32| DayKey {
        host_id: key.host_id.clone(),
        meeting_type_id: key.meeting_type_id.clone(),
        minutes: rules.duration.get(),
        version,
        day,
        clock: days.depends_on_now(day).then_some((key.clock, key.covered)),
    };
    let mut found: Vec<Option<Arc<DaySlots>>> = days
        .numbers()
        .map(|day| cache.days.get(&day_key(day)))
        .collect();
    let missing = found.iter().position(Option::is_none).map(|first| {
        let last = found.iter().rposition(Option::is_none).unwrap_or(first);
        (days.first + first as i32, days.first + last as i32)
    });
    if let Some((first, last)) = missing {
        let (lo, hi) = (days.start(first), days.start(last + 1));
        let seated_type = seated.is_some().then_some(meeting.id.as_str());
        let crate::store::BusyTimes {
            bookings,
            blocked,
            sessions,
        } = Store::busy_times(store.pool(), &key.host_id, lo, hi, None, seated_type).await?;
        let counted = if rules.policy.limits.is_empty() {
            Vec::new()
        } else {
            Store::type_starts(store.pool(), &key.host_id, &meeting.id, lo, hi).await?
        };
        // The engine is CPU work: off the async workers, a few at a time and at most a share
        // per host, so one host's heavy schedule can neither stall the runtime nor other
        // hosts' pages and `/healthz`.
        let _permits = cache.worker(&key.host_id).await?;
        let zone_settings = settings.clone();
        let computed = tokio::task::spawn_blocking(move || {
            let busy = Busy {
                bookings: &bookings,
                blocked: &blocked,
                counted: &counted,
                sessions: &sessions,
            };
            let query = Query {
                from: lo,
                to: hi,
                now,
            };
            let slots = free_slots(&zone_settings, rules, busy, query);
            let seats: Vec<u32> = seated.map_or_else(Vec::new, |seats| {
                slots
                    .iter()
                    .map(|slot| seats - seats_taken(rules, busy, slot.start).min(seats))
                    .collect()
            });
            (slots, seats)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("availability computation failed: {e}")))?;
        let (computed, computed_seats) = computed;
        let mut rest = computed.as_slice();
        let mut rest_seats = computed_seats.as_slice();
        for day in first..=last {
            let end = days.start(day + 1);
            let split = rest.partition_point(|slot| slot.start < end);
            let slots = Arc::new(DaySlots {
                slots: rest[..split].to_vec(),
                seats: rest_seats[..split.min(rest_seats.len())].to_vec(),
            });
            rest = &rest[split..];
            rest_seats = &rest_seats[split.min(rest_seats.len())..];
            cache.days.put(day_key(day), slots.clone());
            found[(day - days.first) as usize] = Some(slots);
        }
    }
    let (mut slots, mut seats): (Vec<Slot>, Vec<u32>) = found
        .iter()
        .flatten()
        .flat_map(|day| {
            let seats = day
                .seats
                .iter()
                .copied()
                .map(Some)
                .chain(std::iter::repeat(None));
            day.slots.iter().copied().zip(seats)
        })
        .filter(|(slot, _)| slot.start >= from && slot.start < to && slot.start < days.horizon)
        .take(MAX_SLOTS + 1)
        .map(|(slot, free)| (slot, free.unwrap_or(0)))
        .unzip();
    if seated.is_none() {
        seats.clear();
    }
    let shown = slots.len().min(MAX_SLOTS);
    let mut body = slots_json(&slots[..shown]);
    if seated.is_some()
        && let Some(list) = body["slots"].as_array_mut()
    {
        for (slot, free) in list.iter_mut().zip(&seats) {
            slot["seatsRemaining"] = Value::from(*free);
        }
    }
    if slots.len() > MAX_SLOTS {
        body["next"] = Value::String(slots[MAX_SLOTS].start.to_string());
        slots.truncate(MAX_SLOTS);
        seats.truncate(MAX_SLOTS.min(seats.len()));
    }
    let json = Bytes::from(body.to_string());
    let answer = Arc::new(Answer { slots, seats, json });
    cache.ranges.put(key, answer.clone());
    Ok(answer)
}

/// `at` rounded up to the whole minute, in milliseconds. Slots start on whole minutes, so a
/// range's bounds name the same slots rounded up: every request within a minute shares one
/// cache entry (a client shifting its range by a millisecond no longer rebuilds it).
fn whole_minute(at: Instant) -> i64 {
    -(-at.as_millis()).div_euclid(60_000) * 60_000
}

/// The host-local days a range touches between the earliest start and the horizon: day `d`
/// holds the slots starting in `[start(d), start(d + 1))`.
struct Days<'a> {
    settings: &'a AvailabilitySettings,
    first: i32,
    /// One past the last.
    end: i32,
    earliest: Instant,
    horizon: Instant,
}

impl<'a> Days<'a> {
    fn of(
        settings: &'a AvailabilitySettings,
        rules: scheduling::MeetingRules,
        from: Instant,
        to: Instant,
        now: Instant,
        covered: Option<Instant>,
    ) -> Self {
        let earliest = earliest_start(settings, rules, now);
        // Past what the host's calendars are known for, nothing is offered.
        let horizon = horizon_end(settings, rules, now);
        let horizon = covered.map_or(horizon, |c| horizon.min(c));
        let (lower, upper) = (from.max(earliest), to.min(horizon));
        let zone = &settings.zone;
        let mut first = zone.instant_to_local(lower).0;
        // A repeated hour around midnight can put `lower` past the next day's first instant.
        while zone.start_of_day(first) > lower {
            first -= 1;
        }
        let mut end = first;
        while lower < upper && zone.start_of_day(end) < upper {
            end += 1;
        }
        Self {
            settings,
            first,
            end,
            earliest,
            horizon,
        }
    }

    fn numbers(&self) -> std::ops::Range<i32> {
        self.first..self.end
    }

    fn start(&self, day: i32) -> Instant {
        self.settings.zone.start_of_day(day)
    }

    fn depends_on_now(&self, day: i32) -> bool {
        self.start(day) < self.earliest || self.start(day + 1) > self.horizon
    }
}

pub async fn update_availability(
    store: &Store,
    host: &Host,
    patch: &Value,
    now: Timestamp,
) -> Result<AvailabilitySettings> {
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let current = Store::availability_in(&mut tx, &host.id).await?;
    let next = current.patched(patch)?;
    Store::save_availability(&mut tx, &host.id, &next, Instant::from(now)).await?;
    Store::tick_onboarding(&mut tx, &host.id, OnboardingStep::Hours).await?;
    tx.commit().await?;
    Ok(next)
}

/// Changes one local date of the host's schedule (docs/DESIGN.md §11): `windows` replace
/// the weekday's hours on it (`[]` closes it), `None` gives it back to the weekly hours.
/// The other dates' overrides stay.
pub async fn set_date_override(
    store: &Store,
    host: &Host,
    date: &str,
    windows: Option<Value>,
    now: Timestamp,
) -> Result<AvailabilitySettings> {
    scheduling::civil::parse_date(date).map_err(|m| FieldError::new("date", m))?;
    let mut tx = store.write().await?;
    Store::lock_host(&mut tx, &host.id).await?;
    let current = Store::availability_in(&mut tx, &host.id).await?;
    let mut overrides = current.to_json()["dateOverrides"].take();
    if let Value::Object(map) = &mut overrides {
        match windows {
            Some(windows) => map.insert(date.to_owned(), windows),
            None => map.remove(date),
        };
    }
    let next = current.patched(&serde_json::json!({ "dateOverrides": overrides }))?;
    Store::save_availability(&mut tx, &host.id, &next, Instant::from(now)).await?;
    tx.commit().await?;
    Ok(next)
}
