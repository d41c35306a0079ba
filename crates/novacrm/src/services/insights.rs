//! Insights: what a host's bookings and booking pages add up to over a period of their own
//! days. Everything is counted in the host's zone, from facts the service records itself
//! (no cookie, no third party).
//!
//! **Periods.** A period is a run of host-local civil dates `[from, to)`: by default the 28
//! days up to and including today, at most 13 months. The previous period is the same
//! number of days immediately before. An instant belongs to the local date it falls on in
//! the host's zone (jiff's offsets, so a 23- or 25-hour DST day is still one day).
//!
//! **Which bookings count where** (each booking lands in at most one day, week and hour):
//! - `total`, `byDay`, `byType`: bookings *created* in the period (by the local date of
//!   `created_at`) that are not cancelled now — so `byDay` and `byType` both sum to `total`;
//! - `conversion` and `leadTime`: public bookings (`public_page`, `public_api`) created in the
//!   period, cancelled ones included (the guest did convert); lead time is `first start −
//!   created`, so a later move does not change it; percentiles are nearest-rank;
//! - `noShow`: meetings that *started* in the period and have ended by now: `NO_SHOW` ÷
//!   (`COMPLETED` + `NO_SHOW`); confirmed ones not yet marked are `awaitingOutcome`;
//! - `cancellations`: by the local date they were *cancelled* on; `byHost` includes the
//!   system's; `late` is its own count across both (inside the type's cut-off, or 24 h);
//! - `peak`: weekday × hour of the *starts* in the period of non-cancelled meetings;
//! - the funnel and `conversion.visitors`: daily-unique visitors summed over the period's
//!   days (a visitor on two days counts twice; see `funnel`).
//!
//! The bucketing ([`summarize`]) is pure and separate from the SQL ([`report`]), so it is
//! property-tested on its own; this module must not read the clock or the database there.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use scheduling::civil::{civil_from_days, days_from_civil, days_in_month, weekday};
use scheduling::{BookingStatus, FieldError, Instant, Weekday, Zone};
use serde_json::{Value, json};

use super::cache::{Cache, Weight};
use super::{Result, ServiceError};
use crate::store::{Actor, BookingFact, Host, Store};

/// Days in the default period.
pub const DEFAULT_DAYS: i32 = 28;
/// The longest period, in months.
pub const MAX_MONTHS: u32 = 13;

/// A step of the booking funnel, in the order a guest takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The host's booking page (meeting types).
    View,
    /// A meeting type's calendar.
    Type,
    /// A slot's details form.
    Slot,
    /// The details form sent.
    Submit,
    /// A booking made from the form.
    Booked,
}

impl Step {
    pub const ALL: [Self; 5] = [
        Self::View,
        Self::Type,
        Self::Slot,
        Self::Submit,
        Self::Booked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Type => "type",
            Self::Slot => "slot",
            Self::Submit => "submit",
            Self::Booked => "booked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The host-local date (days since 1970-01-01) that `at` falls on in `zone`.
pub fn local_day(at: Instant, zone: &Zone) -> i32 {
    zone.instant_to_local(at).0
}

/// The weekday of a day number.
pub fn weekday_of(day: i32) -> Weekday {
    Weekday::from_index(weekday(day))
}

/// The host-local weekday and hour (0–23) of `at`.
pub fn weekday_hour(at: Instant, zone: &Zone) -> (Weekday, u8) {
    let (day, second) = zone.instant_to_local(at);
    (weekday_of(day), (second / 3600) as u8)
}

/// The first day of the week holding `day`, for weeks that begin on `first`.
pub fn week_of(day: i32, first: Weekday) -> i32 {
    let back = (weekday(day) + 7 - first.index() as u32) % 7;
    day - back as i32
}

/// `YYYY-MM-DD` of a day number.
pub use scheduling::civil::format_date as date_text;

/// A day number from `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<i32> {
    let date: jiff::civil::Date = text.trim().parse().ok()?;
    Some(days_from_civil(
        i32::from(date.year()),
        date.month() as u32,
        date.day() as u32,
    ))
}

/// The same day-of-month `months` later (clamped to the month's last day).
fn plus_months(day: i32, months: u32) -> i32 {
    let (y, m, d) = civil_from_days(day);
    let index = m - 1 + months;
    let (y, m) = (y + (index / 12) as i32, index % 12 + 1);
    days_from_civil(y, m, d.min(days_in_month(y, m)))
}

/// Host-local dates `[from, to)` as day numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: i32,
    pub to: i32,
}

impl Period {
    /// The `days` days ending with `today` (included).
    pub fn ending(today: i32, days: i32) -> Self {
        Self {
            from: today + 1 - days,
            to: today + 1,
        }
    }

    /// Reads `from` and `to` (`YYYY-MM-DD`, `to` exclusive, both optional): `to` defaults
    /// to tomorrow, `from` to 28 days before `to`.
    pub fn read(from: Option<&str>, to: Option<&str>, today: i32) -> Result<Self, FieldError> {
        // Years 1900–8999, as the API's instants: the previous period stays in jiff's range.
        let years = days_from_civil(1900, 1, 1)..=days_from_civil(8999, 12, 31);
        let date = |key: &str, text: Option<&str>| {
            text.map(|t| {
                parse_date(t).filter(|d| years.contains(d)).ok_or_else(|| {
                    FieldError::new(
                        key,
                        format!("{t:?} is not a date like 2026-11-23 (years 1900 to 8999)"),
                    )
                })
            })
            .transpose()
        };
        let to = date("to", to)?.unwrap_or(today + 1);
        let from = date("from", from)?.unwrap_or(to - DEFAULT_DAYS);
        if from >= to {
            return Err(FieldError::new(
                "to",
                "must be after from (to is the first day left out)",
            ));
        }
        if to > plus_months(from, MAX_MONTHS) {
            return Err(FieldError::new(
                "to",
                format!("a period spans at most {MAX_MONTHS} months"),
            ));
        }
        Ok(Self { from, to })
    }

    pub fn days(self) -> i32 {
        self.to - self.from
    }

    pub fn contains(self, day: i32) -> bool {
        (self.from..self.to).contains(&day)
    }

    /// The same number of days immediately before.
    #[must_use]
    pub fn previous(self) -> Self {
        Self {
            from: self.from - self.days(),
            to: self.from,
        }
    }
}

/// A meeting type's share of the bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeCount {
    pub id: String,
    pub name: String,
    pub count: i64,
}

/// Daily-unique visitors of one step on one host-local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visitors {
    pub day: i32,
    pub step: Step,
    pub visitors: i64,
}

/// Every number of one period (see the module's rules).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub period: Period,
    pub total: i64,
    /// Every day of the period, zeros included.
    pub by_day: Vec<(i32, i64)>,
    /// Most booked first.
    pub by_type: Vec<TypeCount>,
    pub visitors: i64,
    pub public_bookings: i64,
    pub conversion: Option<f64>,
    pub lead_median_minutes: Option<i64>,
    pub lead_p90_minutes: Option<i64>,
    pub no_show: i64,
    pub completed: i64,
    pub awaiting_outcome: i64,
    pub no_show_rate: Option<f64>,
    pub cancelled_by_guest: i64,
    pub cancelled_by_host: i64,
    pub late_cancels: i64,
    /// Non-empty `(weekday, hour)` cells, in week order.
    pub peak: Vec<(Weekday, u8, i64)>,
    pub funnel: [(Step, i64); 5],
    /// Each day's visitors per step (in [`Step::ALL`] order), beside `by_day`.
    pub daily_funnel: Vec<[i64; 5]>,
}

#[allow(clippy::cast_precision_loss, reason = "counts stay far below 2^52")]
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The nearest-rank `p`-th percentile (0 < p ≤ 100) of sorted values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() * p as usize).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Counts one period from the facts (which may cover more than it) and the visitor counts.
/// `types` names the meeting types (archived ones too); `now` decides what has ended.
pub fn summarize(
    facts: &[BookingFact],
    visits: &[Visitors],
    types: &[(String, String)],
    period: Period,
    zone: &Zone,
    now: Instant,
) -> Summary {
    let mut by_day = vec![0_i64; period.days() as usize];
    let mut by_type: BTreeMap<&str, i64> = BTreeMap::new();
    let mut peak: BTreeMap<(usize, u8), i64> = BTreeMap::new();
    let mut leads = Vec::new();
    let mut s = Summary {
        period,
        total: 0,
        by_day: Vec::new(),
        by_type: Vec::new(),
        visitors: 0,
        public_bookings: 0,
        conversion: None,
        lead_median_minutes: None,
        lead_p90_minutes: None,
        no_show: 0,
        completed: 0,
        awaiting_outcome: 0,
        no_show_rate: None,
        cancelled_by_guest: 0,
        cancelled_by_host: 0,
        late_cancels: 0,
        peak: Vec::new(),
        funnel: Step::ALL.map(|step| (step, 0)),
        daily_funnel: vec![[0; 5]; period.days() as usize],
    };
    for f in facts {
        let cancelled = f.status == BookingStatus::Cancelled;
        let created = local_day(f.created_at, zone);
        if period.contains(created) {
            if !cancelled {
                s.total += 1;
                by_day[(created - period.from) as usize] += 1;
                *by_type.entry(f.meeting_type_id.as_str()).or_default() += 1;
            }
            if f.source.is_public() {
                s.public_bookings += 1;
                leads.push(
                    (f.first_start.as_millis() - f.created_at.as_millis()).div_euclid(60_000),
                );
            }
        }
        if period.contains(local_day(f.start, zone)) {
            if !cancelled {
                let (day, hour) = weekday_hour(f.start, zone);
                *peak.entry((day.index(), hour)).or_default() += 1;
            }
            if f.end <= now {
                match f.status {
                    BookingStatus::NoShow => s.no_show += 1,
                    BookingStatus::Completed => s.completed += 1,
                    BookingStatus::Confirmed => s.awaiting_outcome += 1,
                    BookingStatus::Cancelled
                    | BookingStatus::Pending
                    | BookingStatus::Rejected
                    | BookingStatus::Expired => {}
                }
            }
        }
        if let (true, Some(at)) = (cancelled, f.cancelled_at)
            && period.contains(local_day(at, zone))
        {
            match f.cancelled_by {
                Some(Actor::Guest) => s.cancelled_by_guest += 1,
                Some(Actor::Host | Actor::System) | None => s.cancelled_by_host += 1,
            }
            s.late_cancels += i64::from(f.late_cancel);
        }
    }
    for v in visits.iter().filter(|v| period.contains(v.day)) {
        s.funnel[v.step as usize].1 += v.visitors;
        s.daily_funnel[(v.day - period.from) as usize][v.step as usize] += v.visitors;
    }
    s.visitors = s.funnel[Step::View as usize].1;
    s.conversion = ratio(s.public_bookings, s.visitors);
    leads.sort_unstable();
    s.lead_median_minutes = percentile(&leads, 50);
    s.lead_p90_minutes = percentile(&leads, 90);
    s.no_show_rate = ratio(s.no_show, s.no_show + s.completed);
    s.by_day = (period.from..period.to).zip(by_day).collect();
    let name = |id: &str| {
        types
            .iter()
            .find(|(t, _)| t == id)
            .map_or_else(|| "(deleted type)".to_owned(), |(_, n)| n.clone())
    };
    s.by_type = by_type
        .into_iter()
        .map(|(id, count)| TypeCount {
            id: id.to_owned(),
            name: name(id),
            count,
        })
        .collect();
    s.by_type
        .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    s.peak = peak
        .into_iter()
        .map(|((day, hour), count)| (Weekday::ALL[day], hour, count))
        .collect();
    s
}

/// Bookings per week (weeks beginning on `first`) from a summary's days: `(first day, count)`.
pub fn weekly(by_day: &[(i32, i64)], first: Weekday) -> Vec<(i32, i64)> {
    let mut weeks: Vec<(i32, i64)> = Vec::new();
    for &(day, count) in by_day {
        let week = week_of(day, first);
        match weeks.last_mut() {
            Some((w, n)) if *w == week => *n += count,
            _ => weeks.push((week, count)),
        }
    }
    weeks
}

/// A period's numbers and the previous period's, in the host's zone.
#[derive(Debug, Clone)]
pub struct Report {
    pub timezone: String,
    pub current: Summary,
    pub previous: Summary,
}

impl Report {
    /// The `GET /api/insights` body.
    pub fn to_json(&self) -> Value {
        let s = &self.current;
        json!({
            "from": date_text(s.period.from),
            "to": date_text(s.period.to),
            "timezone": self.timezone,
            "bookings": {"total": s.total, "previous": self.previous.total},
            "byDay": s.by_day.iter()
                .map(|(day, count)| json!({"date": date_text(*day), "count": count}))
                .collect::<Vec<_>>(),
            "byType": s.by_type.iter()
                .map(|t| json!({"meetingTypeId": t.id, "name": t.name, "count": t.count}))
                .collect::<Vec<_>>(),
            "conversion": {"visitors": s.visitors, "bookings": s.public_bookings,
                           "rate": s.conversion},
            "leadTime": {"medianMinutes": s.lead_median_minutes,
                         "p90Minutes": s.lead_p90_minutes},
            "noShow": {"noShow": s.no_show, "completed": s.completed,
                       "awaitingOutcome": s.awaiting_outcome, "rate": s.no_show_rate},
            "cancellations": {"byGuest": s.cancelled_by_guest, "byHost": s.cancelled_by_host,
                              "late": s.late_cancels},
            "peak": s.peak.iter()
                .map(|(day, hour, count)| json!({"weekday": day.key(), "hour": hour, "count": count}))
                .collect::<Vec<_>>(),
            "funnel": s.funnel.iter()
                .map(|(step, n)| json!({"step": step.as_str(), "visitors": n}))
                .collect::<Vec<_>>(),
        })
    }
}

/// The host's zone and today's local date in it.
pub async fn host_today(store: &Store, host: &Host, now: Timestamp) -> Result<(Zone, i32)> {
    let zone = store.availability(&host.id).await?.zone;
    let today = local_day(Instant::floor(now), &zone);
    Ok((zone, today))
}

/// `GET /api/insights?from=&to=`: the period read from host-local dates (422 when bad).
pub async fn insights(
    store: &Store,
    cache: &FactsCache,
    host: &Host,
    from: Option<&str>,
    to: Option<&str>,
    now: Timestamp,
) -> Result<Report> {
    let (zone, today) = host_today(store, host, now).await?;
    let period = Period::read(from, to, today).map_err(ServiceError::from)?;
    report(store, cache, host, &zone, period, now).await
}

/// Booking facts read for a range, kept by (host, booking version, range): every change to a
/// host's bookings bumps the version, so an entry is never stale; a dashboard reloaded, the
/// API polled or an export made after a look at the page read no row again.
#[derive(Debug)]
pub struct FactsCache(Cache<(String, i64, i64, i64), Arc<Facts>>);

impl Default for FactsCache {
    fn default() -> Self {
        Self(Cache::new(64 * 1024 * 1024))
    }
}

/// The facts of a range, weighed for the cache's budget.
#[derive(Debug)]
pub struct Facts(Vec<BookingFact>);

impl Weight for Facts {
    fn weight(&self) -> usize {
        // The struct and its meeting type id (a 36-byte UUID) on the heap.
        self.0.len() * (std::mem::size_of::<BookingFact>() + 36)
    }
}

impl FactsCache {
    async fn facts(
        &self,
        store: &Store,
        host: &Host,
        from: Instant,
        to: Instant,
    ) -> Result<Arc<Facts>> {
        let key = (
            host.id.clone(),
            host.booking_version,
            from.as_millis(),
            to.as_millis(),
        );
        if let Some(found) = self.0.get(&key) {
            return Ok(found);
        }
        let facts = Arc::new(Facts(store.booking_facts(&host.id, from, to).await?));
        self.0.put(key, facts.clone());
        Ok(facts)
    }
}

/// The numbers of `period` and of the one before it.
pub async fn report(
    store: &Store,
    cache: &FactsCache,
    host: &Host,
    zone: &Zone,
    period: Period,
    now: Timestamp,
) -> Result<Report> {
    let previous = period.previous();
    // A day's padding either side: a zone may (rarely) step back over midnight.
    let from = zone.start_of_day(previous.from - 1);
    let to = zone.start_of_day(period.to + 1);
    let facts = cache.facts(store, host, from, to).await?;
    let facts = &facts.0;
    let visits = store
        .visitors(&host.id, &date_text(previous.from), &date_text(period.to))
        .await?
        .into_iter()
        .filter_map(|(day, step, visitors)| {
            Some(Visitors {
                day: parse_date(&day)?,
                step: Step::parse(&step)?,
                visitors,
            })
        })
        .collect::<Vec<_>>();
    let types = store
        .meeting_types_all(&host.id)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect::<Vec<_>>();
    let now = Instant::floor(now);
    Ok(Report {
        timezone: zone.name().to_owned(),
        current: summarize(facts, &visits, &types, period, zone, now),
        previous: summarize(facts, &visits, &types, previous, zone, now),
    })
}

/// What the dashboard's Insights page shows: the period's report, and the weeks up to this
/// one (weeks beginning on the host's first weekday) for the "This week" card.
#[derive(Debug, Clone)]
pub struct Overview {
    pub report: Report,
    /// Eight weeks of days, the last one ending today.
    pub weeks: Summary,
    pub today: i32,
    pub week_start: Weekday,
}

impl Overview {
    /// This week so far, and the same days of the week before.
    pub fn this_week(&self) -> (i64, i64) {
        let first = week_of(self.today, self.week_start);
        let days = self.today - first + 1;
        let count = |from: i32| {
            self.weeks
                .by_day
                .iter()
                .filter(|(day, _)| (from..from + days).contains(day))
                .map(|(_, n)| n)
                .sum()
        };
        (count(first), count(first - 7))
    }

    /// Bookings per week for the last eight weeks, this one (so far) last.
    pub fn weekly(&self) -> Vec<(i32, i64)> {
        weekly(&self.weeks.by_day, self.week_start)
    }
}

/// The Insights page's numbers: `from`/`to` as in [`insights`] (a bad period is an error
/// the page shows).
pub async fn overview(
    store: &Store,
    cache: &FactsCache,
    host: &Host,
    period: Option<(&str, &str)>,
    now: Timestamp,
) -> Result<Overview> {
    let (zone, today) = host_today(store, host, now).await?;
    let period = match period {
        Some((from, to)) => Period::read(Some(from), Some(to), today)?,
        None => Period::ending(today, DEFAULT_DAYS),
    };
    let numbers = report(store, cache, host, &zone, period, now).await?;
    let weeks = Period {
        from: week_of(today, host.week_start) - 7 * 7,
        to: today + 1,
    };
    let weeks = report(store, cache, host, &zone, weeks, now).await?.current;
    Ok(Overview {
        report: numbers,
        weeks,
        today,
        week_start: host.week_start,
    })
}
