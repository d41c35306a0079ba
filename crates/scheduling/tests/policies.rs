//! Property tests of the policies of docs/DESIGN.md §11, each against the plain rules of §5:
//! a date override replaces exactly its day, a type's own notice / horizon / buffer replace
//! the host's, limits remove exactly the days, weeks and months that are full,
//! `firstSlotOnly` keeps each day's first slot, a seated slot stays offered to guests joining
//! its session until it is full, and the booking re-check accepts exactly the listed slots
//! and names the reason it refuses. Days near the 2026 DST transitions of zones
//! with gaps at 02:00, at midnight and at odd offsets.

use proptest::prelude::*;
use scheduling::{
    AvailabilitySettings, BookedTime, BookingStatus, Busy, Instant, Limits, MeetingDuration,
    MeetingRules, Query, Refusal, Slot, SlotInterval, check_start, free_slots,
};
use serde_json::json;

const ZONES: [&str; 5] = [
    "America/New_York",
    "Europe/Berlin",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
];

/// Local dates around the zones' 2026 transitions (March/April and September/October/November).
const ANCHORS: [&str; 5] = [
    "2026-03-05T00:00:00Z",
    "2026-03-26T00:00:00Z",
    "2026-04-01T00:00:00Z",
    "2026-09-03T00:00:00Z",
    "2026-10-22T00:00:00Z",
];

fn at(text: &str) -> Instant {
    Instant::ceil(Instant::parse_timestamp(text).unwrap())
}

#[derive(Debug, Clone)]
struct Case {
    settings: AvailabilitySettings,
    meeting: MeetingRules,
    bookings: Vec<BookedTime>,
    /// Which of `bookings` are of the type itself (the rest are other types').
    own: Vec<bool>,
    query: Query,
}

impl Case {
    fn counted(&self) -> Vec<Instant> {
        self.bookings
            .iter()
            .zip(&self.own)
            .filter(|(b, own)| **own && b.status.holds_time())
            .map(|(b, _)| b.start)
            .collect()
    }

    fn slots_with(&self, meeting: MeetingRules) -> Vec<Slot> {
        let counted = self.counted();
        let busy = Busy {
            bookings: &self.bookings,
            blocked: &[],
            counted: &counted,
            sessions: &[],
        };
        free_slots(&self.settings, meeting, busy, self.query)
    }

    fn slots(&self) -> Vec<Slot> {
        self.slots_with(self.meeting)
    }

    fn day_of(&self, instant: Instant) -> i32 {
        self.settings.zone.instant_to_local(instant).0
    }
}

fn hhmm(quarters: u32) -> String {
    format!("{:02}:{:02}", quarters / 4, quarters % 4 * 15)
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..ZONES.len(),
        0..ANCHORS.len(),
        (0u32..40, 41u32..97),
        proptest::collection::vec(
            (0i32..20, proptest::option::of((0u32..48, 49u32..97))),
            0..4,
        ),
        (
            prop::sample::select(vec![15u32, 30, 45, 60]),
            proptest::option::of(prop::sample::select(vec![10u32, 15, 30])),
        ),
        proptest::collection::vec((0i64..(20 * 96), 1i64..8, any::<bool>(), 0u8..6), 0..14),
        (
            proptest::option::of(1u32..4),
            proptest::option::of(1u32..6),
            proptest::option::of(2u32..12),
        ),
        (0u32..30, 0u32..6),
    )
        .prop_map(
            |(
                zone,
                anchor,
                (start, end),
                overrides,
                (duration, interval),
                bookings,
                (day, week, month),
                (buffer, notice),
            )| {
                let base = at(ANCHORS[anchor]);
                let zone_name = ZONES[zone];
                let probe =
                    AvailabilitySettings::read(&json!({"timezone": zone_name}), "").unwrap();
                let first_day = probe.zone.instant_to_local(base).0;
                let mut map = serde_json::Map::new();
                for (offset, window) in overrides {
                    let day = scheduling::civil::format_date(first_day + offset);
                    let windows = match window {
                        Some((a, b)) => json!([[hhmm(a), hhmm(b)]]),
                        None => json!([]),
                    };
                    map.insert(day, windows);
                }
                let settings = AvailabilitySettings::read(
                    &json!({"timezone": zone_name, "startTime": hhmm(start), "endTime": hhmm(end),
                            "workingDays": {"mon": true, "tue": true, "wed": true, "thu": true,
                                            "fri": true, "sat": true, "sun": false},
                            "bufferTime": buffer, "minNotice": notice, "maxAdvance": 60,
                            "dateOverrides": map}),
                    "",
                )
                .unwrap();
                let mut meeting = MeetingRules::new(
                    MeetingDuration::new(duration.into()).unwrap(),
                    interval.map(|i| SlotInterval::new(i.into()).unwrap()),
                );
                meeting.policy.limits = Limits { day, week, month };
                let quarter = 15 * 60_000;
                let (mut list, mut own) = (Vec::new(), Vec::new());
                for (q, len, mine, status) in bookings {
                    let start = base.plus_millis(q * quarter);
                    list.push(BookedTime {
                        start,
                        end: start.plus_millis(len * quarter),
                        status: if status == 0 {
                            BookingStatus::Cancelled
                        } else {
                            BookingStatus::Confirmed
                        },
                    });
                    own.push(mine);
                }
                let query = Query {
                    from: base,
                    to: base.plus_minutes(20 * 24 * 60),
                    now: base.plus_minutes(-60),
                };
                Case {
                    settings,
                    meeting,
                    bookings: list,
                    own,
                    query,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// On an overridden date every slot lies inside one of its windows (none when closed);
    /// every other date is unchanged by the overrides.
    #[test]
    fn an_override_replaces_exactly_its_day(case in case()) {
        let mut plain = case.clone();
        plain.settings.date_overrides = scheduling::DateOverrides::default();
        let with = case.slots();
        let without = plain.slots();
        let zone = &case.settings.zone;
        for slot in &with {
            let day = case.day_of(slot.start);
            if let Some(windows) = case.settings.date_overrides.on(day) {
                let inside = windows.iter().any(|w| {
                    zone.local_to_instant(day, w.start.seconds()) <= slot.start
                        && slot.end <= zone.local_to_instant(day, w.end.seconds())
                });
                prop_assert!(inside, "{slot:?} is outside the override of its day");
            }
        }
        let untouched = |s: &&Slot| case.settings.date_overrides.on(case.day_of(s.start)).is_none();
        let a: Vec<_> = with.iter().filter(untouched).collect();
        let b: Vec<_> = without.iter().filter(untouched).collect();
        prop_assert_eq!(a, b);
    }

    /// Limits remove exactly the slots whose day, week or month already holds the type's
    /// limit of live bookings; other types' bookings never count.
    #[test]
    fn limits_remove_exactly_the_full_periods(case in case()) {
        let mut unlimited = case.meeting;
        unlimited.policy.limits = Limits::default();
        let all = case.slots_with(unlimited);
        let limited = case.slots();
        let counted = case.counted();
        let limits = case.meeting.policy.limits;
        let count = |same: &dyn Fn(i32) -> bool| {
            counted.iter().filter(|s| same(case.day_of(**s))).count() as u32
        };
        let expected: Vec<Slot> = all
            .iter()
            .copied()
            .filter(|slot| {
                let day = case.day_of(slot.start);
                let (y, m, _) = scheduling::civil::civil_from_days(day);
                let monday = day - scheduling::civil::weekday(day) as i32;
                let full = |limit: Option<u32>, n: u32| limit.is_some_and(|l| n >= l);
                !(full(limits.day, count(&|d| d == day))
                    || full(limits.week, count(&|d| d - scheduling::civil::weekday(d) as i32 == monday))
                    || full(limits.month, count(&|d| {
                        let (yy, mm, _) = scheduling::civil::civil_from_days(d);
                        (yy, mm) == (y, m)
                    })))
            })
            .collect();
        prop_assert_eq!(limited, expected);
    }

    /// With `firstSlotOnly` each local date keeps only its first slot of the plain list — the
    /// day's first, even when the query starts later that day.
    #[test]
    fn first_slot_only_keeps_each_days_first(case in case()) {
        let mut first = case.meeting;
        first.policy.first_slot_only = true;
        let firsts = case.slots_with(first);
        let mut whole_days = case.clone();
        let zone = &case.settings.zone;
        whole_days.query.from = zone.start_of_day(case.day_of(case.query.from));
        let mut expected: Vec<Slot> = Vec::new();
        for slot in whole_days.slots() {
            if expected.last().is_none_or(|last| case.day_of(last.start) != case.day_of(slot.start)) {
                expected.push(slot);
            }
        }
        expected.retain(|slot| slot.start >= case.query.from);
        prop_assert_eq!(firsts, expected);
    }

    /// The re-check accepts every listed slot and refuses every other candidate start, with
    /// `limit_reached` exactly when the limits alone refuse it.
    #[test]
    fn the_recheck_accepts_exactly_the_listed_slots(case in case(), first in any::<bool>()) {
        let mut meeting = case.meeting;
        meeting.policy.first_slot_only = first;
        let listed = case.slots_with(meeting);
        let mut unlimited = meeting;
        unlimited.policy.limits = Limits::default();
        let unlimited_starts: Vec<Instant> =
            case.slots_with(unlimited).iter().map(|s| s.start).collect();
        let counted = case.counted();
        let busy = Busy { bookings: &case.bookings, blocked: &[], counted: &counted, sessions: &[] };
        let step = 15 * 60_000;
        let mut t = case.query.from;
        while t < case.query.to {
            let answer = check_start(&case.settings, meeting, busy, t, case.query.now);
            let is_listed = listed.iter().any(|s| s.start == t);
            prop_assert_eq!(answer.is_ok(), is_listed, "{:?}", t);
            if let Err(why) = answer {
                let limit_only = unlimited_starts.contains(&t);
                prop_assert_eq!(why == Refusal::LimitReached, limit_only, "{:?}", t);
            }
            t = t.plus_millis(step);
        }
    }

    /// Seats: a start is offered exactly when fewer than `seats` guests hold its session
    /// and §5 offers it with that session's own bookings set aside (every other session,
    /// and every other type's booking, stays busy); the re-check agrees, and says
    /// `seats_full` exactly for a full session that would otherwise be offered.
    #[test]
    fn a_seated_slot_is_offered_until_its_session_is_full(
        case in case(),
        seats in 1u32..4,
        picks in proptest::collection::vec((0usize..400, 1u32..5), 0..6),
    ) {
        let mut plain = case.meeting;
        plain.policy.limits = Limits::default();
        let others: Vec<BookedTime> = case
            .bookings
            .iter()
            .zip(&case.own)
            .filter(|(_, own)| !**own)
            .map(|(b, _)| *b)
            .collect();
        let no_sessions = Busy { bookings: &others, blocked: &[], counted: &[], sessions: &[] };
        let candidates = free_slots(&case.settings, plain, no_sessions, case.query);
        prop_assume!(!candidates.is_empty());
        let mut sessions = Vec::new();
        for (index, holders) in picks {
            let slot = candidates[index % candidates.len()];
            for _ in 0..holders {
                sessions.push(BookedTime { start: slot.start, end: slot.end, status: BookingStatus::Confirmed });
            }
        }
        let mut seated = plain;
        seated.policy.seats = Some(seats);
        let busy = Busy { bookings: &others, blocked: &[], counted: &[], sessions: &sessions };
        let listed = free_slots(&case.settings, seated, busy, case.query);
        let mut expected = Vec::new();
        for slot in &candidates {
            let t = slot.start;
            let holders = sessions.iter().filter(|b| b.start == t).count() as u32;
            let mut rest = others.clone();
            rest.extend(sessions.iter().filter(|b| b.start != t));
            let aside = Busy { bookings: &rest, blocked: &[], counted: &[], sessions: &[] };
            let free = check_start(&case.settings, plain, aside, t, case.query.now).is_ok();
            if free && holders < seats {
                expected.push(*slot);
            }
            let answer = check_start(&case.settings, seated, busy, t, case.query.now);
            prop_assert_eq!(answer.is_ok(), free && holders < seats, "{:?}", t);
            if let Err(why) = answer {
                prop_assert_eq!(why == Refusal::SeatsFull, free && holders >= seats, "{:?}", t);
            }
        }
        prop_assert_eq!(listed, expected);
    }
}
