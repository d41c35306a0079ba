//! Property tests: on random settings, bookings and blocked time, the engine agrees with a
//! literal, slow reading of docs/DESIGN.md §5 (every candidate checked against every rule), and
//! its output keeps the invariants a guest relies on.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use proptest::prelude::*;
use scheduling::{
    AvailabilitySettings, BlockedTime, BookedTime, BookingStatus, Busy, Instant, MeetingRules,
    Query, RecurrenceRule, Slot, Weekday, free_slots,
};
use serde_json::{Value, json};

const ZONES: [&str; 9] = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Havana",
    "America/Santiago",
    "UTC",
];

/// Starts near DST transitions of the zones above (2026), so gaps and folds are common.
const ANCHORS: [&str; 8] = [
    "2026-03-06T00:00:00Z",
    "2026-03-26T00:00:00Z",
    "2026-04-02T00:00:00Z",
    "2026-09-03T00:00:00Z",
    "2026-09-25T00:00:00Z",
    "2026-10-01T00:00:00Z",
    "2026-10-22T00:00:00Z",
    "2026-10-29T00:00:00Z",
];

const RULES: [&str; 8] = [
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,WE",
    "FREQ=WEEKLY;INTERVAL=2",
    "FREQ=DAILY;COUNT=5",
    "FREQ=MONTHLY;BYDAY=1MO,-1FR",
    "FREQ=WEEKLY;UNTIL=20261015T000000Z",
    "FREQ=DAILY;INTERVAL=3;BYHOUR=9,15",
    "FREQ=MONTHLY;BYMONTHDAY=1,15,-1",
];

#[derive(Debug, Clone)]
struct Case {
    settings: AvailabilitySettings,
    meeting: MeetingRules,
    bookings: Vec<BookedTime>,
    blocked: Vec<BlockedTime>,
    query: Query,
}

fn windows() -> impl Strategy<Value = Vec<(u16, u16)>> {
    // Boundaries on a 15-minute grid (0 ..= 96 quarters), paired into sorted windows.
    prop::collection::btree_set(0u16..=96, 0..=6).prop_map(|set| {
        let b: Vec<u16> = set.into_iter().collect();
        b.chunks_exact(2).map(|p| (p[0] * 15, p[1] * 15)).collect()
    })
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn case() -> impl Strategy<Value = Case> {
    let availability = (
        prop::sample::select(ZONES.to_vec()),
        prop::collection::vec(windows(), 7),
        0u32..=60,
        0u32..=48,
        0u32..=40,
    );
    let meeting = (
        prop::sample::select(vec![15u32, 20, 30, 45, 60, 90]),
        prop::option::of(prop::sample::select(vec![5u32, 10, 15, 30, 60])),
    );
    let clock = (
        prop::sample::select(ANCHORS.to_vec()),
        0i64..(7 * 96),
        -3i64..5,
        1i64..15,
    );
    let booking = (0i64..(20 * 96), 0i64..8, 0usize..4);
    let block = (
        -(60 * 96i64)..(20 * 96),
        0i64..12,
        prop::option::of(prop::sample::select(RULES.to_vec())),
    );
    (
        availability,
        meeting,
        clock,
        prop::collection::vec(booking, 0..30),
        prop::collection::vec(block, 0..4),
    )
        .prop_map(
            |(
                (zone, week, buffer, notice, advance),
                (duration, interval),
                (anchor, now_q, from_d, len_d),
                bookings,
                blocks,
            )| {
                let mut weekly = serde_json::Map::new();
                for (day, ws) in Weekday::ALL.iter().zip(week) {
                    let list: Vec<Value> =
                        ws.iter().map(|&(a, b)| json!([hhmm(a), hhmm(b)])).collect();
                    weekly.insert(day.key().into(), Value::Array(list));
                }
                let settings = AvailabilitySettings::read(
                    &json!({"timezone": zone, "weeklyHours": weekly, "bufferTime": buffer,
                        "minNotice": notice, "maxAdvance": advance}),
                    "availability",
                )
                .unwrap();
                let anchor: Timestamp = anchor.parse().unwrap();
                let quarter = 15 * 60_000;
                let base = Instant::from(anchor);
                let now = base.plus_millis(now_q * quarter);
                let from = base.plus_millis(from_d * 96 * quarter);
                let to = from.plus_millis(len_d * 96 * quarter);
                let statuses = BookingStatus::ALL;
                let bookings = bookings
                    .into_iter()
                    .map(|(q, len, st)| BookedTime {
                        start: base.plus_millis(q * quarter),
                        end: base.plus_millis((q + len) * quarter),
                        status: statuses[st],
                    })
                    .collect();
                let blocked = blocks
                    .into_iter()
                    .map(|(q, len, rule)| {
                        let start = base.plus_millis(q * quarter);
                        BlockedTime::new(
                            start,
                            start.plus_millis(len * quarter),
                            rule.map(|r| RecurrenceRule::parse(r).unwrap()),
                        )
                        .unwrap()
                    })
                    .collect();
                let meeting = MeetingRules::new(
                    scheduling::MeetingDuration::new(duration.into()).unwrap(),
                    interval.map(|i| scheduling::SlotInterval::new(i.into()).unwrap()),
                );
                Case {
                    settings,
                    meeting,
                    bookings,
                    blocked,
                    query: Query { from, to, now },
                }
            },
        )
}

fn run(case: &Case) -> Vec<Slot> {
    let busy = Busy {
        bookings: &case.bookings,
        blocked: &case.blocked,
        counted: &[],
        sessions: &[],
    };
    free_slots(&case.settings, case.meeting, busy, case.query)
}

/// Blocked intervals over a wide range (recurrence is checked against python-dateutil
/// separately; here it is data).
fn blocked_intervals(case: &Case) -> Vec<(Instant, Instant)> {
    let lo = case.query.from.plus_minutes(-3 * 24 * 60);
    let hi = case.query.to.plus_minutes(3 * 24 * 60);
    let mut out = Vec::new();
    for block in &case.blocked {
        block.intervals_within(&case.settings.zone, lo, hi, |s, e| out.push((s, e)));
    }
    out
}

/// Whether `[a0, a1)` and `[b0, b1)` share an instant (an empty interval shares none).
fn overlaps(a0: Instant, a1: Instant, b0: Instant, b1: Instant) -> bool {
    a0 < b1 && b0 < a1 && a0 < a1 && b0 < b1
}

fn ts(i: Instant) -> Timestamp {
    i.to_timestamp()
}

fn instant_of(tz: &TimeZone, date: Date, minutes: u16) -> Instant {
    let (date, minutes) = if minutes == 1440 {
        (date.tomorrow().unwrap(), 0)
    } else {
        (date, minutes)
    };
    let dt = date.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
    Instant::from(tz.to_ambiguous_timestamp(dt).compatible().unwrap())
}

/// docs/DESIGN.md §5 read literally, one candidate at a time, with jiff doing all the calendar work.
fn oracle(case: &Case) -> Vec<Slot> {
    let s = &case.settings;
    let tz = s.zone.time_zone();
    let q = case.query;
    let duration = i64::from(case.meeting.duration.get());
    let step = i64::from(
        case.meeting
            .slot_interval
            .map_or(case.meeting.duration.get(), scheduling::SlotInterval::get),
    );
    let buffer = i64::from(s.buffer.get());
    let today = tz.to_datetime(ts(q.now)).date();
    let last_date = today
        .checked_add(jiff::Span::new().days(i64::from(s.max_advance.get())))
        .unwrap();
    let blocked = blocked_intervals(case);
    let first: DateTime = tz.to_datetime(ts(q.from));
    let mut date = first.date().yesterday().unwrap();
    let end_date = tz.to_datetime(ts(q.to)).date().tomorrow().unwrap();
    let mut out = Vec::new();
    while date <= end_date {
        let weekday = Weekday::from_index(date.weekday().to_monday_zero_offset() as u32);
        for w in s.windows(weekday) {
            let ws = instant_of(tz, date, w.start.minutes());
            let we = instant_of(tz, date, w.end.minutes());
            let mut k = 0;
            loop {
                let start = ws.plus_minutes(k * step);
                let end = start.plus_minutes(duration);
                if end > we {
                    break;
                }
                k += 1;
                let ok = q.from <= start
                    && start < q.to
                    && start >= q.now.plus_minutes(i64::from(s.min_notice.get()) * 60)
                    && tz.to_datetime(ts(start)).date() <= last_date
                    && case
                        .bookings
                        .iter()
                        .filter(|b| b.status != BookingStatus::Cancelled)
                        .all(|b| {
                            !overlaps(
                                start,
                                end,
                                b.start.plus_minutes(-buffer),
                                b.end.plus_minutes(buffer),
                            )
                        })
                    && blocked
                        .iter()
                        .all(|&(bs, be)| !overlaps(start, end, bs, be));
                if ok {
                    out.push(Slot { start, end });
                }
            }
        }
        date = date.tomorrow().unwrap();
    }
    out.sort();
    out.dedup();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_agrees_with_a_literal_reading_of_the_rules(case in case()) {
        prop_assert_eq!(run(&case), oracle(&case));
    }

    #[test]
    fn slots_respect_every_rule_and_come_sorted_and_unique(case in case()) {
        let slots = run(&case);
        let s = &case.settings;
        let tz = s.zone.time_zone();
        let q = case.query;
        prop_assert!(slots.windows(2).all(|p| p[0].start < p[1].start));
        let buffer = i64::from(s.buffer.get());
        let blocked = blocked_intervals(&case);
        let today = tz.to_datetime(ts(q.now)).date();
        for slot in &slots {
            prop_assert_eq!(slot.end, slot.start.plus_minutes(i64::from(case.meeting.duration.get())));
            prop_assert!(q.from <= slot.start && slot.start < q.to);
            prop_assert!(slot.start >= q.now.plus_minutes(i64::from(s.min_notice.get()) * 60));
            let local = tz.to_datetime(ts(slot.start)).date();
            prop_assert!(local <= today.checked_add(jiff::Span::new().days(i64::from(s.max_advance.get()))).unwrap());
            // Inside one window of its own local date or (across midnight) the day before.
            let inside = [local.yesterday().unwrap(), local].iter().any(|&d| {
                let wd = Weekday::from_index(d.weekday().to_monday_zero_offset() as u32);
                s.windows(wd).iter().any(|w| {
                    instant_of(tz, d, w.start.minutes()) <= slot.start && slot.end <= instant_of(tz, d, w.end.minutes())
                })
            });
            prop_assert!(inside, "{:?} lies in no window", slot);
            for b in case.bookings.iter().filter(|b| b.status.holds_time()) {
                prop_assert!(!overlaps(slot.start, slot.end, b.start.plus_minutes(-buffer), b.end.plus_minutes(buffer)));
            }
            for &(bs, be) in &blocked {
                prop_assert!(!overlaps(slot.start, slot.end, bs, be));
            }
        }
    }

    #[test]
    fn a_slot_taken_by_a_booking_comes_back_when_the_booking_is_cancelled(case in case(), pick in any::<prop::sample::Index>()) {
        let before = run(&case);
        prop_assume!(!before.is_empty());
        let slot = before[pick.index(before.len())];
        let mut booked = case.clone();
        booked.bookings.push(BookedTime { start: slot.start, end: slot.end, status: BookingStatus::Confirmed });
        let during = run(&booked);
        prop_assert!(!during.contains(&slot));
        prop_assert!(during.iter().all(|s| before.contains(s)), "a booking only removes slots");
        booked.bookings.last_mut().unwrap().status = BookingStatus::Cancelled;
        prop_assert_eq!(run(&booked), before);
    }
}
