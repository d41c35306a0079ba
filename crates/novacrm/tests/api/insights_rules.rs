//! Properties of the insights' bucketing, without a server: host-local days and weeks over
//! zones with odd offsets and DST weeks, checked against jiff directly.

use novacrm::services::insights::{
    Period, Step, Visitors, date_text, local_day, parse_date, summarize, week_of, weekly,
};
use novacrm::store::{BookingFact, Source};
use proptest::prelude::*;
use scheduling::{BookingStatus, Instant, Weekday, Zone};

const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Havana",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",
    "UTC",
];

/// The local date and hour of `at` as jiff says, independently of the code under test.
fn jiff_local(at: Instant, zone: &Zone) -> (String, i8, jiff::civil::Weekday) {
    let dt = zone.time_zone().to_datetime(at.to_timestamp());
    (dt.date().to_string(), dt.hour(), dt.weekday())
}

fn fact(created: i64, start: i64, status: usize, ty: usize) -> BookingFact {
    let status = BookingStatus::ALL[status];
    BookingFact {
        meeting_type_id: format!("type-{ty}"),
        status,
        source: if ty == 0 {
            Source::PublicPage
        } else {
            Source::Api
        },
        created_at: Instant::from_millis(created),
        start: Instant::from_millis(start),
        end: Instant::from_millis(start + 1_800_000),
        first_start: Instant::from_millis(start),
        cancelled_at: (status == BookingStatus::Cancelled).then(|| Instant::from_millis(start)),
        cancelled_by: None,
        late_cancel: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Around DST changes of 2026 (March, April, October, November), every booking lands in
    /// exactly one day, hour and week, the one jiff names; cards equal chart totals.
    #[test]
    fn every_booking_lands_in_exactly_one_bucket(
        zone in 0..ZONES.len(),
        month in prop::sample::select(vec![3_u32, 4, 9, 10, 11]),
        first_day in 1_u32..20,
        days in 1_i32..40,
        first_weekday in 0_u32..7,
        bookings in prop::collection::vec((0_i64..50 * 86_400, 0_i64..50 * 86_400, 0_usize..4, 0_usize..3), 0..60),
    ) {
        let zone = Zone::parse(ZONES[zone]).unwrap();
        let from = parse_date(&format!("2026-{month:02}-{first_day:02}")).unwrap();
        let period = Period { from, to: from + days };
        // Instants from two days before the period to well after it.
        let base = zone.start_of_day(from - 2).as_millis();
        let facts: Vec<BookingFact> = bookings
            .iter()
            .map(|&(c, s, status, ty)| fact(base + c * 1000, base + s * 1000, status, ty))
            .collect();
        let types = vec![("type-0".to_owned(), "Zero".to_owned())];
        let now = Instant::from_millis(base + 60 * 86_400_000);
        let s = summarize(&facts, &[], &types, period, &zone, now);

        let in_period = |at: Instant| {
            let (date, _, _) = jiff_local(at, &zone);
            let day = parse_date(&date).unwrap();
            period.contains(day).then_some(day)
        };
        let mut expected = vec![0_i64; days as usize];
        let mut starts = 0;
        for f in facts.iter().filter(|f| f.status != BookingStatus::Cancelled) {
            if let Some(day) = in_period(f.created_at) {
                expected[(day - from) as usize] += 1;
            }
            if in_period(f.start).is_some() {
                starts += 1;
                let (_, hour, weekday) = jiff_local(f.start, &zone);
                let key = Weekday::from_index(weekday.to_monday_zero_offset() as u32);
                prop_assert!(s.peak.iter().any(|&(d, h, _)| d == key && i16::from(h) == i16::from(hour)));
            }
        }
        let by_day: Vec<i64> = s.by_day.iter().map(|&(_, n)| n).collect();
        prop_assert_eq!(&by_day, &expected);
        prop_assert_eq!(s.by_day.len(), days as usize);
        prop_assert_eq!(s.total, expected.iter().sum::<i64>());
        prop_assert_eq!(s.by_type.iter().map(|t| t.count).sum::<i64>(), s.total);
        prop_assert_eq!(s.peak.iter().map(|p| p.2).sum::<i64>(), starts);
        let first = Weekday::from_index(first_weekday);
        let weeks = weekly(&s.by_day, first);
        prop_assert_eq!(weeks.iter().map(|w| w.1).sum::<i64>(), s.total);
        for (i, &(week, _)) in weeks.iter().enumerate() {
            prop_assert_eq!(week_of(week, first), week);
            if i > 0 {
                prop_assert_eq!(week - weeks[i - 1].0, 7);
            }
        }
        for &(day, _) in &s.by_day {
            prop_assert_eq!(parse_date(&date_text(day)), Some(day));
        }
    }

    /// The previous period is the same number of days, right before.
    #[test]
    fn the_previous_period_touches_the_current_one(from in -20_000_i32..40_000, days in 1_i32..400) {
        let period = Period { from, to: from + days };
        let previous = period.previous();
        prop_assert_eq!(previous.to, period.from);
        prop_assert_eq!(previous.days(), period.days());
    }
}

#[test]
fn visitors_count_only_inside_their_period() {
    let zone = Zone::parse("Europe/Berlin").unwrap();
    let from = parse_date("2026-03-28").unwrap();
    let period = Period { from, to: from + 2 };
    let visits = [
        Visitors {
            day: from - 1,
            step: Step::View,
            visitors: 5,
        },
        Visitors {
            day: from,
            step: Step::View,
            visitors: 2,
        },
        Visitors {
            day: from + 1,
            step: Step::View,
            visitors: 3,
        },
        Visitors {
            day: from + 1,
            step: Step::Booked,
            visitors: 1,
        },
    ];
    let now = Instant::from_millis(0);
    let s = summarize(&[], &visits, &[], period, &zone, now);
    assert_eq!(s.visitors, 5);
    assert_eq!(s.funnel[Step::Booked as usize], (Step::Booked, 1));
    assert_eq!(s.conversion, Some(0.0));
    // 2026-03-29 02:30 Berlin does not exist; the day still starts at its midnight.
    let sunday = zone.start_of_day(from + 1);
    assert_eq!(local_day(sunday, &zone), from + 1);
    assert_eq!(date_text(local_day(sunday, &zone)), "2026-03-29");
}
