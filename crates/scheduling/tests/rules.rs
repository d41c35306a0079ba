//! Table tests for the availability rules of docs/DESIGN.md §5, with DST in both hemispheres,
//! half-hour and 45-minute zones, midnight transitions, and recurring blocked time.

use scheduling::{Scenario, Slot};
use serde_json::{Value, json};

/// Runs a scenario and returns slot starts as UTC strings.
fn starts(scenario: &Value) -> Vec<String> {
    slots(scenario)
        .iter()
        .map(|s| s.start.to_string())
        .collect()
}

fn slots(scenario: &Value) -> Vec<Slot> {
    Scenario::parse(&scenario.to_string())
        .unwrap_or_else(|e| panic!("{e}"))
        .slots()
}

fn error(scenario: &Value) -> String {
    Scenario::parse(&scenario.to_string())
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

/// A scenario with no notice, a long horizon, no buffer, and one day's hours.
fn day(zone: &str, day: &str, windows: Value, duration: u32, date: &str) -> Value {
    json!({
        "now": next_days(date, -2),
        "from": format!("{date}T00:00:00Z"),
        "to": format!("{}", next_days(date, 2)),
        "availability": {"timezone": zone, "weeklyHours": {day: windows},
                          "bufferTime": 0, "minNotice": 0, "maxAdvance": 1095},
        "meetingType": {"duration": duration}
    })
}

/// `date` minus one day at 00:00Z … plus `n` days, wide enough for any zone.
fn next_days(date: &str, n: i64) -> String {
    let d: jiff::civil::Date = date.parse().unwrap();
    format!(
        "{}T00:00:00Z",
        d.checked_add(jiff::Span::new().days(n)).unwrap()
    )
}

fn widen(mut scenario: Value, date: &str) -> Value {
    scenario["from"] = json!(next_days(date, -1));
    scenario
}

#[test]
fn new_york_spring_forward_window_containing_the_gap_is_two_hours_long() {
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT. 01:00–04:00 local is 06:00Z–08:00Z.
    let s = widen(
        day(
            "America/New_York",
            "sun",
            json!([["01:00", "04:00"]]),
            60,
            "2026-03-08",
        ),
        "2026-03-08",
    );
    assert_eq!(starts(&s), ["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"]);
}

#[test]
fn new_york_fall_back_window_holds_the_repeated_hour() {
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST. 01:00 (earlier) – 04:00 is 05:00Z–09:00Z.
    let s = widen(
        day(
            "America/New_York",
            "sun",
            json!([["01:00", "04:00"]]),
            60,
            "2026-11-01",
        ),
        "2026-11-01",
    );
    assert_eq!(
        starts(&s),
        [
            "2026-11-01T05:00:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T07:00:00Z",
            "2026-11-01T08:00:00Z"
        ]
    );
}

#[test]
fn berlin_window_starting_in_the_gap_starts_when_clocks_resume() {
    // 2026-03-29: 02:00 CET → 03:00 CEST. 02:00 moves later to 03:00 CEST = 01:00Z.
    let s = widen(
        day(
            "Europe/Berlin",
            "sun",
            json!([["02:00", "04:00"]]),
            30,
            "2026-03-29",
        ),
        "2026-03-29",
    );
    assert_eq!(starts(&s), ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"]);
}

#[test]
fn berlin_fall_back_takes_the_earlier_instant_for_a_window_start_in_the_fold() {
    // 2026-10-25: 03:00 CEST → 02:00 CET. 02:30 is first 00:30Z (CEST).
    let s = widen(
        day(
            "Europe/Berlin",
            "sun",
            json!([["02:30", "03:30"]]),
            60,
            "2026-10-25",
        ),
        "2026-10-25",
    );
    // 02:30 CEST = 00:30Z, 03:30 CET = 02:30Z: two hours.
    assert_eq!(starts(&s), ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"]);
}

#[test]
fn sydney_whole_days_have_25_and_23_hours_at_the_southern_transitions() {
    // DST ends 2026-04-05 (03:00 AEDT → 02:00 AEST), starts 2026-10-04 (02:00 → 03:00).
    let autumn = widen(
        day(
            "Australia/Sydney",
            "sun",
            json!([["00:00", "24:00"]]),
            60,
            "2026-04-05",
        ),
        "2026-04-05",
    );
    let a = starts(&autumn);
    assert_eq!(a.len(), 25);
    assert_eq!(a[0], "2026-04-04T13:00:00Z");
    let spring = widen(
        day(
            "Australia/Sydney",
            "sun",
            json!([["00:00", "24:00"]]),
            60,
            "2026-10-04",
        ),
        "2026-10-04",
    );
    let s = starts(&spring);
    assert_eq!(s.len(), 23);
    assert_eq!(s[0], "2026-10-03T14:00:00Z");
    assert_eq!(s[22], "2026-10-04T12:00:00Z");
}

#[test]
fn half_hour_and_three_quarter_hour_zones_shift_the_day_exactly() {
    let kolkata = widen(
        day(
            "Asia/Kolkata",
            "tue",
            json!([["09:00", "10:00"]]),
            30,
            "2026-11-24",
        ),
        "2026-11-24",
    );
    assert_eq!(
        starts(&kolkata),
        ["2026-11-24T03:30:00Z", "2026-11-24T04:00:00Z"]
    );
    let kathmandu = widen(
        day(
            "Asia/Kathmandu",
            "tue",
            json!([["09:00", "10:00"]]),
            30,
            "2026-11-24",
        ),
        "2026-11-24",
    );
    assert_eq!(
        starts(&kathmandu),
        ["2026-11-24T03:15:00Z", "2026-11-24T03:45:00Z"]
    );
}

#[test]
fn chatham_fall_back_at_a_45_minute_offset_repeats_the_hour() {
    // 2026-04-05: 03:45 CHADT (+13:45) → 02:45 CHAST (+12:45).
    let s = widen(
        day(
            "Pacific/Chatham",
            "sun",
            json!([["02:00", "05:00"]]),
            60,
            "2026-04-05",
        ),
        "2026-04-05",
    );
    // 02:00 +13:45 = 12:15Z; 05:00 +12:45 = 16:15Z: four hours.
    assert_eq!(
        starts(&s),
        [
            "2026-04-04T12:15:00Z",
            "2026-04-04T13:15:00Z",
            "2026-04-04T14:15:00Z",
            "2026-04-04T15:15:00Z"
        ]
    );
}

#[test]
fn havana_day_that_starts_in_a_midnight_gap() {
    // Cuba 2026-03-08: 00:00 CST → 01:00 CDT. 00:00 local moves to 01:00 CDT = 05:00Z.
    let s = widen(
        day(
            "America/Havana",
            "sun",
            json!([["00:00", "02:00"]]),
            30,
            "2026-03-08",
        ),
        "2026-03-08",
    );
    assert_eq!(starts(&s), ["2026-03-08T05:00:00Z", "2026-03-08T05:30:00Z"]);
}

#[test]
fn santiago_midnight_gap_and_24_00_end_of_the_day_before() {
    // Chile 2026-09-06: 00:00 -04 → 01:00 -03. Saturday's 24:00 is 04:00Z.
    let mut s = widen(
        day(
            "America/Santiago",
            "sat",
            json!([["22:00", "24:00"]]),
            60,
            "2026-09-05",
        ),
        "2026-09-05",
    );
    s["availability"]["weeklyHours"]["sun"] = json!([["00:00", "02:00"]]);
    assert_eq!(
        starts(&s),
        [
            "2026-09-06T02:00:00Z",
            "2026-09-06T03:00:00Z",
            "2026-09-06T04:00:00Z"
        ]
    );
}

#[test]
fn windows_ending_at_24_00_end_at_the_next_midnight() {
    let s = widen(
        day("UTC", "tue", json!([["22:00", "24:00"]]), 45, "2026-11-24"),
        "2026-11-24",
    );
    assert_eq!(starts(&s), ["2026-11-24T22:00:00Z", "2026-11-24T22:45:00Z"]);
}

fn new_york_week(extra: Value) -> Value {
    let mut s = json!({
        "now": "2026-03-01T00:00:00Z",
        "from": "2026-03-01T00:00:00Z",
        "to": "2026-03-21T00:00:00Z",
        "availability": {"timezone": "America/New_York", "startTime": "11:00", "endTime": "14:00",
                         "bufferTime": 0, "minNotice": 0, "maxAdvance": 60},
        "meetingType": {"duration": 60}
    });
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

fn on(slots: &[String], date: &str) -> Vec<String> {
    slots
        .iter()
        .filter(|s| s.starts_with(date))
        .cloned()
        .collect()
}

#[test]
fn weekly_block_keeps_its_wall_clock_time_across_dst() {
    // Mondays 12:00–13:00 New York, entered in EST (17:00Z); after 2026-03-08 it is 16:00Z.
    let s = new_york_week(
        json!({"blockedTimes": [{"startTime": "2026-03-02T17:00:00Z",
        "endTime": "2026-03-02T18:00:00Z", "recurrenceRule": "RRULE:FREQ=WEEKLY;BYDAY=MO"}]}),
    );
    let all = starts(&s);
    assert_eq!(
        on(&all, "2026-03-02"),
        ["2026-03-02T16:00:00Z", "2026-03-02T18:00:00Z"]
    );
    assert_eq!(
        on(&all, "2026-03-09"),
        ["2026-03-09T15:00:00Z", "2026-03-09T17:00:00Z"]
    );
    assert_eq!(on(&all, "2026-03-10").len(), 3, "Tuesday is not blocked");
}

#[test]
fn until_ends_a_daily_block_inclusively_in_utc() {
    let s = new_york_week(
        json!({"blockedTimes": [{"startTime": "2026-03-02T17:00:00Z",
        "endTime": "2026-03-02T18:00:00Z", "recurrenceRule": "FREQ=DAILY;UNTIL=20260311T160000Z"}]}),
    );
    let all = starts(&s);
    assert_eq!(
        on(&all, "2026-03-11"),
        ["2026-03-11T15:00:00Z", "2026-03-11T17:00:00Z"]
    );
    assert_eq!(
        on(&all, "2026-03-12").len(),
        3,
        "the day after UNTIL is free"
    );
}

#[test]
fn count_ends_a_weekly_block_and_a_start_off_the_rule_is_blocked_but_not_counted() {
    // DTSTART is a Tuesday; the rule's occurrences are Mondays: Mar 9 and Mar 16 (COUNT=2).
    let s = new_york_week(
        json!({"blockedTimes": [{"startTime": "2026-03-03T17:00:00Z",
        "endTime": "2026-03-03T18:00:00Z", "recurrenceRule": "FREQ=WEEKLY;BYDAY=MO;COUNT=2"}]}),
    );
    let all = starts(&s);
    assert_eq!(
        on(&all, "2026-03-03").len(),
        2,
        "the entered interval is blocked"
    );
    assert_eq!(on(&all, "2026-03-09").len(), 2);
    assert_eq!(on(&all, "2026-03-16").len(), 2);
    assert_eq!(
        on(&all, "2026-03-02").len(),
        3,
        "before DTSTART nothing is blocked"
    );
    let later = new_york_week(
        json!({"to": "2026-03-31T00:00:00Z", "blockedTimes": [{"startTime": "2026-03-03T17:00:00Z",
        "endTime": "2026-03-03T18:00:00Z", "recurrenceRule": "FREQ=WEEKLY;BYDAY=MO;COUNT=2"}]}),
    );
    assert_eq!(on(&starts(&later), "2026-03-23").len(), 3, "COUNT is spent");
}

#[test]
fn monthly_ordinal_weekdays_block_the_first_monday_and_last_friday() {
    let s = new_york_week(json!({"to": "2026-05-01T00:00:00Z", "blockedTimes": [
        {"startTime": "2026-01-05T16:00:00Z", "endTime": "2026-01-05T19:00:00Z",
         "recurrenceRule": "FREQ=MONTHLY;BYDAY=1MO"},
        {"startTime": "2026-01-30T16:00:00Z", "endTime": "2026-01-30T19:00:00Z",
         "recurrenceRule": "FREQ=MONTHLY;BYDAY=-1FR"}]}));
    let all = starts(&s);
    for blocked in ["2026-03-02", "2026-04-06", "2026-03-27", "2026-04-24"] {
        assert!(on(&all, blocked).is_empty(), "{blocked} is blocked");
    }
    for free in ["2026-03-09", "2026-03-20", "2026-04-13"] {
        assert_eq!(on(&all, free).len(), 3, "{free} is free");
    }
}

#[test]
fn years_old_rules_expand_near_the_query_only() {
    // Started 2001; still blocks Mondays in 2026, and costs no walk through 25 years.
    let s = new_york_week(
        json!({"blockedTimes": [{"startTime": "2001-01-01T17:00:00Z",
        "endTime": "2001-01-01T18:00:00Z", "recurrenceRule": "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"}]}),
    );
    let all = starts(&s);
    assert_eq!(
        on(&all, "2026-03-09"),
        ["2026-03-09T15:00:00Z", "2026-03-09T17:00:00Z"]
    );
}

#[test]
fn buffers_surround_live_bookings_and_cancelled_ones_free_their_time() {
    let mut s = json!({
        "now": "2026-11-01T00:00:00Z", "from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z",
        "availability": {"timezone": "UTC", "startTime": "09:00", "endTime": "12:00",
                         "bufferTime": 15, "minNotice": 0, "maxAdvance": 60},
        "meetingType": {"duration": 30, "slotInterval": 15},
        "bookings": [{"startTime": "2026-11-24T10:00:00Z", "endTime": "2026-11-24T10:30:00Z"}]
    });
    let busy = starts(&s);
    assert!(busy.contains(&"2026-11-24T09:15:00Z".into()));
    assert!(
        !busy.contains(&"2026-11-24T09:30:00Z".into()),
        "ends inside the buffer"
    );
    assert!(
        !busy.contains(&"2026-11-24T10:30:00Z".into()),
        "starts inside the buffer"
    );
    assert!(busy.contains(&"2026-11-24T10:45:00Z".into()));
    s["bookings"][0]["status"] = json!("CANCELLED");
    assert_eq!(starts(&s).len(), 11);
    s["bookings"][0]["status"] = json!("NO_SHOW");
    assert_eq!(starts(&s), busy, "a no-show still held the time");
}

#[test]
fn notice_is_inclusive_and_the_horizon_is_by_local_date() {
    // now = Tue 2026-11-24 10:00 New York (15:00Z); notice 2 h; maxAdvance 1 → through Wed.
    let s = json!({
        "now": "2026-11-24T15:00:00Z",
        "availability": {"timezone": "America/New_York", "startTime": "09:00", "endTime": "24:00",
                         "workingDays": {"tue": true, "wed": true, "thu": true},
                         "bufferTime": 0, "minNotice": 2, "maxAdvance": 1},
        "meetingType": {"duration": 60}
    });
    let all = starts(&s);
    assert_eq!(
        all.first().unwrap(),
        "2026-11-24T17:00:00Z",
        "exactly now + notice is offered"
    );
    assert_eq!(
        all.last().unwrap(),
        "2026-11-26T04:00:00Z",
        "Wed 23:00 local is the last"
    );
}

#[test]
fn steps_are_absolute_minutes_from_the_window_start() {
    let s = widen(
        json!({"now": "2026-11-20T00:00:00Z", "from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z",
               "availability": {"timezone": "UTC", "weeklyHours": {"tue": [["09:10", "10:30"]]},
                                "bufferTime": 0, "minNotice": 0, "maxAdvance": 1095},
               "meetingType": {"duration": 40, "slotInterval": 25}}),
        "2026-11-24",
    );
    assert_eq!(starts(&s), ["2026-11-24T09:10:00Z", "2026-11-24T09:35:00Z"]);
}

#[test]
fn bad_input_names_the_field() {
    let base = new_york_week(json!({}));
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"availability": {"timezone": "Atlantis/Capital"}}),
            "availability.timezone: ",
        ),
        (
            json!({"availability": {"startTime": "25:00"}}),
            "availability.startTime: ",
        ),
        (
            json!({"availability": {"startTime": "18:00", "endTime": "09:00"}}),
            "availability.endTime: ",
        ),
        (
            json!({"meetingType": {"duration": -30}}),
            "meetingType.duration: ",
        ),
        (
            json!({"meetingType": {"duration": 30, "slotInterval": 0}}),
            "meetingType.slotInterval: ",
        ),
        (
            json!({"blockedTimes": [{"startTime": "2026-03-02T17:00:00Z", "endTime": "2026-03-02T18:00:00Z",
                 "recurrenceRule": "FREQ=SOMETIMES"}]}),
            "blockedTimes[0].recurrenceRule: ",
        ),
        (
            json!({"bookings": [{"startTime": "2026-03-02T18:00:00Z", "endTime": "2026-03-02T17:00:00Z"}]}),
            "bookings[0].endTime: ",
        ),
        (
            json!({"bookings": [{"startTime": "2026-03-02T17:00:00Z", "endTime": "2026-03-02T18:00:00Z",
                 "status": "MAYBE"}]}),
            "bookings[0].status: ",
        ),
        (json!({"now": "yesterday"}), "now: "),
    ];
    for (patch, prefix) in cases {
        let mut s = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            if k == "availability" {
                for (ak, av) in v.as_object().unwrap() {
                    s["availability"][ak] = av.clone();
                }
            } else {
                s[k] = v.clone();
            }
        }
        let err = error(&s);
        assert!(err.starts_with(prefix), "expected {prefix}…, got {err}");
    }
    assert!(
        Scenario::parse("{not json")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON")
    );
}

#[test]
fn empty_intervals_block_nothing_but_their_buffer() {
    let mut s = json!({
        "now": "2026-11-01T00:00:00Z", "from": "2026-11-24T09:00:00Z", "to": "2026-11-24T11:00:00Z",
        "availability": {"timezone": "UTC", "startTime": "09:00", "endTime": "12:00",
                         "bufferTime": 0, "minNotice": 0, "maxAdvance": 60},
        "meetingType": {"duration": 30},
        "bookings": [{"startTime": "2026-11-24T09:45:00Z", "endTime": "2026-11-24T09:45:00Z"}],
        "blockedTimes": [{"startTime": "2026-11-24T10:15:00Z", "endTime": "2026-11-24T10:15:00Z",
                          "recurrenceRule": "FREQ=DAILY"}]
    });
    let all = [
        "2026-11-24T09:00:00Z",
        "2026-11-24T09:30:00Z",
        "2026-11-24T10:00:00Z",
        "2026-11-24T10:30:00Z",
    ];
    assert_eq!(starts(&s), all);
    s["availability"]["bufferTime"] = json!(15);
    assert_eq!(
        starts(&s),
        [
            "2026-11-24T09:00:00Z",
            "2026-11-24T10:00:00Z",
            "2026-11-24T10:30:00Z"
        ]
    );
}

#[test]
fn a_from_past_the_horizon_offers_nothing_but_an_explicit_to_before_from_is_an_error() {
    let s = json!({"now": "2026-03-06T14:00:00Z", "from": "2026-06-10T00:00:00Z", "meetingType": {"duration": 30}});
    assert!(starts(&s).is_empty());
    let bad = json!({"now": "2026-03-06T14:00:00Z", "from": "2026-06-10T00:00:00Z", "to": "2026-06-01T00:00:00Z",
                     "meetingType": {"duration": 30}});
    assert!(error(&bad).starts_with("to: "));
}
