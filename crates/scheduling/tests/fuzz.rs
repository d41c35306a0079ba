//! Fuzzing with proptest (stable Rust has no `cargo fuzz` here): arbitrary bytes and
//! near-valid mutations into every parser a stranger can reach — scenario JSON, RRULEs,
//! instants, times of day, zones, phone numbers and meeting locations. Each must answer
//! `Ok` or an error naming what is wrong, never panic, and an accepted scenario must compute.
//!
//! CI runs the default case count; a long run: `PROPTEST_CASES=200000 cargo test --release
//! -p scheduling --test fuzz`.

use proptest::prelude::*;
use scheduling::scenario::Scenario;
use scheduling::{Instant, Location, Phone, RecurrenceRule, TimeOfDay, Zone};

/// Pieces RRULEs are made of, so mutations reach deep into the parser and the expansion.
fn rule_text() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("FREQ=DAILY".to_owned()),
        Just("FREQ=WEEKLY".to_owned()),
        Just("FREQ=MONTHLY".to_owned()),
        Just("FREQ=YEARLY".to_owned()),
        Just("FREQ=HOURLY".to_owned()),
        (0u32..400).prop_map(|n| format!("INTERVAL={n}")),
        (0u32..400).prop_map(|n| format!("COUNT={n}")),
        "[0-9TZ]{0,16}".prop_map(|u| format!("UNTIL={u}")),
        "(-?[0-9]?(MO|TU|WE|TH|FR|SA|SU|XX),?){0,4}".prop_map(|d| format!("BYDAY={d}")),
        "(-?[0-9]{1,3},?){0,4}".prop_map(|d| format!("BYMONTHDAY={d}")),
        "(-?[0-9]{1,3},?){0,4}".prop_map(|d| format!("BYYEARDAY={d}")),
        "([0-9]{1,2},?){0,4}".prop_map(|d| format!("BYMONTH={d}")),
        "([0-9]{1,2},?){0,4}".prop_map(|d| format!("BYHOUR={d}")),
        "([0-9]{1,2},?){0,4}".prop_map(|d| format!("BYMINUTE={d}")),
        "([0-9]{1,2},?){0,3}".prop_map(|d| format!("BYSECOND={d}")),
        "(-?[0-9]{1,3},?){0,3}".prop_map(|d| format!("BYSETPOS={d}")),
        "(MO|SU|XX)".prop_map(|d| format!("WKST={d}")),
        any::<String>(),
    ];
    proptest::collection::vec(part, 0..7).prop_map(|parts| parts.join(";"))
}

fn instant_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        "(1[89]|2[0-9]|89|90|99)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9])T[0-2][0-9]:[0-5][0-9]:00Z",
        any::<String>(),
    ]
}

/// A scenario with every field drawn from near-valid values.
fn scenario_text() -> impl Strategy<Value = String> {
    (
        instant_text(),
        instant_text(),
        prop_oneof![
            Just("Europe/Berlin".to_owned()),
            Just("America/New_York".to_owned()),
            "[A-Za-z/_+-]{0,20}"
        ],
        "[0-2]?[0-9]:[0-6][0-9]",
        -5i64..2000,
        -5i64..2000,
        proptest::collection::vec((instant_text(), instant_text(), rule_text()), 0..4),
    )
        .prop_map(|(now, from, zone, start, duration, interval, blocked)| {
            let blocked: Vec<serde_json::Value> = blocked
                .into_iter()
                .map(|(s, e, r)| serde_json::json!({"startTime": s, "endTime": e, "recurrenceRule": r}))
                .collect();
            serde_json::json!({
                "now": now, "from": from,
                "availability": {"timezone": zone, "startTime": start, "maxAdvance": 20},
                "meetingType": {"duration": duration, "slotInterval": interval},
                "blockedTimes": blocked,
            })
            .to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_a_scenario_give_an_answer_or_a_named_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(scenario) = Scenario::parse(&text) {
            let _ = scenario.slots();
        }
    }

    #[test]
    fn near_valid_scenarios_compute_or_name_the_field(text in scenario_text()) {
        match Scenario::parse(&text) {
            Ok(scenario) => {
                let _ = scenario.slots();
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn rules_parse_or_say_why_and_expand_without_panicking(text in rule_text()) {
        if let Ok(rule) = RecurrenceRule::parse(&text) {
            prop_assert!(rule.times_per_day() >= 1);
            let scenario = serde_json::json!({
                "now": "2026-03-01T00:00:00Z",
                "availability": {"timezone": "America/New_York", "maxAdvance": 10},
                "meetingType": {"duration": 30},
                "blockedTimes": [{"startTime": "2026-01-31T15:00:00Z",
                                  "endTime": "2026-01-31T16:00:00Z", "recurrenceRule": text}],
            });
            let scenario = Scenario::parse(&scenario.to_string());
            prop_assert!(scenario.is_ok(), "{:?}", scenario.err());
            let _ = scenario.unwrap().slots();
        }
    }

    #[test]
    fn small_parsers_never_panic(text in any::<String>()) {
        let _ = Instant::parse_timestamp(&text);
        let _ = TimeOfDay::parse(&text);
        let _ = Zone::parse(&text);
        let _ = Phone::parse(&text);
        let _ = RecurrenceRule::parse(&text);
        let _ = Location::read(&serde_json::json!({"kind": "link", "url": text}), "location");
        let _ = Location::read(&serde_json::json!({"kind": "in_person", "address": text}), "location");
    }
}
