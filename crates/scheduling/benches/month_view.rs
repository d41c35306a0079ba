//! Month view benchmark: 30 days, Mon–Fri 09:00–17:00 New York, 30-min meetings on a 15-min
//! interval, 20 recurring blocked times, and 0 / 500 / 5 000 bookings (ordered by start, as
//! the store returns them). Run: `cargo bench -p scheduling`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use scheduling::{
    AvailabilitySettings, BlockedTime, BookedTime, BookingStatus, Busy, Instant, MeetingDuration,
    MeetingRules, Query, RecurrenceRule, SlotInterval, free_slots,
};
use serde_json::json;

const RULES: [&str; 5] = [
    "FREQ=WEEKLY;BYDAY=MO",
    "FREQ=DAILY;INTERVAL=2",
    "FREQ=MONTHLY;BYDAY=1TU,-1FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,TH;UNTIL=20280101T000000Z",
    "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=26",
];

fn at(text: &str) -> Instant {
    Instant::from(text.parse::<Timestamp>().unwrap())
}

fn bookings(count: usize, from: Instant) -> Vec<BookedTime> {
    // A fixed pseudo-random spread over the month's working hours (an LCG, no extra crates).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out: Vec<BookedTime> = (0..count)
        .map(|i| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let day = (state >> 33) % 30;
            let quarter = (state >> 13) % 32;
            let start = from.plus_minutes((day * 24 * 60 + 13 * 60 + quarter * 15) as i64);
            let status = if i % 10 == 0 {
                BookingStatus::Cancelled
            } else {
                BookingStatus::Confirmed
            };
            BookedTime {
                start,
                end: start.plus_minutes(30),
                status,
            }
        })
        .collect();
    out.sort_by_key(|b| b.start);
    out
}

fn blocked() -> Vec<BlockedTime> {
    (0..20)
        .map(|i| {
            let start = at("2025-11-03T17:00:00Z").plus_minutes(i * 24 * 60 + (i % 4) * 90);
            let rule = RecurrenceRule::parse(RULES[i as usize % RULES.len()]).unwrap();
            BlockedTime::new(start, start.plus_minutes(45), Some(rule)).unwrap()
        })
        .collect()
}

fn month_view(c: &mut Criterion) {
    let settings = AvailabilitySettings::read(
        &json!({"timezone": "America/New_York", "startTime": "09:00", "endTime": "17:00",
                "bufferTime": 15, "minNotice": 0, "maxAdvance": 60}),
        "",
    )
    .unwrap();
    let meeting = MeetingRules::new(
        MeetingDuration::new(30).unwrap(),
        Some(SlotInterval::new(15).unwrap()),
    );
    let from = at("2026-11-01T00:00:00Z");
    let query = Query {
        from,
        to: from.plus_minutes(30 * 24 * 60),
        now: at("2026-10-31T12:00:00Z"),
    };
    let blocked = blocked();
    let mut group = c.benchmark_group("month_view");
    for count in [0usize, 500, 5000] {
        let bookings = bookings(count, from);
        let busy = Busy {
            bookings: &bookings,
            blocked: &blocked,
            counted: &[],
            sessions: &[],
        };
        let slots = free_slots(&settings, meeting, busy, query).len();
        group.bench_with_input(
            BenchmarkId::new("bookings", format!("{count} ({slots} slots)")),
            &busy,
            |b, busy| {
                b.iter(|| free_slots(black_box(&settings), meeting, *busy, black_box(query)));
            },
        );
    }
    // The policies of §11 present: a dozen date overrides in the month, day and week limits
    // over the type's bookings (a third of 500), beside the same 500 bookings without them.
    let mut overrides = serde_json::Map::new();
    for day in (2..26).step_by(2) {
        let windows = if day % 4 == 0 {
            json!([])
        } else {
            json!([["10:00", "12:00"], ["13:00", "16:00"]])
        };
        overrides.insert(format!("2026-11-{day:02}"), windows);
    }
    let with_overrides = AvailabilitySettings::read(
        &json!({"timezone": "America/New_York", "startTime": "09:00", "endTime": "17:00",
                "bufferTime": 15, "minNotice": 0, "maxAdvance": 60, "dateOverrides": overrides}),
        "",
    )
    .unwrap();
    let mut limited = meeting;
    limited.policy.limits = scheduling::Limits {
        day: Some(12),
        week: Some(60),
        month: None,
    };
    let bookings = bookings(500, from);
    // A third of the host's bookings are of this type.
    let counted: Vec<_> = bookings.iter().step_by(3).map(|b| b.start).collect();
    let busy = Busy {
        bookings: &bookings,
        blocked: &blocked,
        counted: &counted,
        sessions: &[],
    };
    let slots = free_slots(&with_overrides, limited, busy, query).len();
    group.bench_with_input(
        BenchmarkId::new("policies", format!("500 ({slots} slots)")),
        &busy,
        |b, busy| {
            b.iter(|| free_slots(black_box(&with_overrides), limited, *busy, black_box(query)));
        },
    );
    group.finish();
}

criterion_group!(benches, month_view);
criterion_main!(benches);
