//! The `novacrm slots` contract at the process boundary: JSON in, JSON out, and bad input
//! exits non-zero with one line naming the field — never a panic.

use std::io::Write;
use std::process::{Command, Stdio};

fn slots(input: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_novacrm"))
        .arg("slots")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_example_scenario_prints_slots() {
    let (ok, out, _) = slots(include_str!("../../../../examples/scenario.json"));
    assert!(ok);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &value["slots"][0];
    assert_eq!(first["start"], "2026-03-09T13:00:00Z");
    assert_eq!(first["end"], "2026-03-09T13:30:00Z");
}

#[test]
fn bad_scenarios_exit_non_zero_with_one_line_naming_the_field() {
    let base = r#"{"now":"2026-03-06T14:00:00Z","meetingType":{"duration":30},"availability":{AV},"blockedTimes":[BT]}"#;
    let cases = [
        ("not json", "not valid JSON"),
        (&base.replace("AV", r#""timezone":"Mars/Base""#).replace("BT", ""), "availability.timezone: "),
        (&base.replace("AV", r#""startTime":"25:00""#).replace("BT", ""), "availability.startTime: "),
        (&base.replace("AV", r#""startTime":"18:00","endTime":"09:00""#).replace("BT", ""), "availability.endTime: "),
        (&base.replace("AV", "").replace("BT", "").replace(r#""duration":30"#, r#""duration":-30"#), "meetingType.duration: "),
        (
            &base.replace("AV", "").replace(
                "BT",
                r#"{"startTime":"2026-03-02T17:00:00Z","endTime":"2026-03-02T18:00:00Z","recurrenceRule":"FREQ=WEEKLY;BYDAY=XX"}"#,
            ),
            "blockedTimes[0].recurrenceRule: ",
        ),
        (
            &base.replace("AV", "").replace("BT", r#"{"startTime":"2026-03-02T18:00:00Z","endTime":"2026-03-02T17:00:00Z"}"#),
            "blockedTimes[0].endTime: ",
        ),
    ];
    for (input, expected) in cases {
        let (ok, out, err) = slots(input);
        assert!(!ok, "{input} should fail");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(expected), "{err} should name {expected}");
        assert!(!err.contains("panicked"));
    }
}
