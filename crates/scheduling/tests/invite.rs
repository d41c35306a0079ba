//! Property test for the iCalendar writer: whatever a guest types into any field, a real
//! parser (the `icalendar` crate) reads the `.ics` back as exactly one VEVENT with exactly
//! our properties and parameters, and the guest's words come back as they typed them.
//!
//! What the parser does and does not do for us (checked by the first tests below, so a
//! change in the crate shows up here rather than as a puzzling property failure):
//! - it does not unfold lines by itself: `read_calendar` needs `unfold` first;
//! - it unescapes TEXT values (SUMMARY, DESCRIPTION, LOCATION) exactly (`\\`, `\;`, `\,`,
//!   `\n`), and leaves URI and CAL-ADDRESS values alone;
//! - it does not decode RFC 6868 (`^^`, `^n`, `^'`) in parameter values, so [`rfc6868`]
//!   does it here; and an empty quoted value (`CN=""`) comes back with its quotes (its
//!   quoted-value rule needs one character, so the unquoted rule takes `""`), so
//!   [`parameter`] strips them.

use icalendar::parser::{Component, Property, read_calendar, unfold};
use proptest::prelude::*;
use scheduling::Instant;
use scheduling::invite::{Invite, Method, Person};

/// The value of parameter `key` of `property`, as the guest typed it.
fn parameter(property: &Property<'_>, key: &str) -> String {
    let found: Vec<_> = property.params.iter().filter(|p| p.key == key).collect();
    assert_eq!(found.len(), 1, "one {key} in {property:?}");
    let raw = found[0].val.as_ref().map_or("", |v| v.as_str());
    rfc6868(
        raw.strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(raw),
    )
}

/// Decodes RFC 6868's caret encoding, which the parser leaves in.
fn rfc6868(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // `^^`, or a caret that ends the value.
            Some('^') | None => out.push('^'),
            Some('n' | 'N') => out.push('\n'),
            Some('\'') => out.push('"'),
            Some(other) => {
                out.push('^');
                out.push(other);
            }
        }
    }
    out
}

/// The documented normalisation, written independently of the writer: CRLF and a lone CR
/// become LF, then control characters other than LF and TAB are dropped.
fn as_typed(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect()
}

fn without_spaces_or_controls(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

fn names<'a>(properties: &'a [Property<'_>]) -> Vec<&'a str> {
    properties.iter().map(|p| p.name.as_str()).collect()
}

fn value<'a>(event: &'a Component<'_>, name: &str) -> &'a str {
    event
        .find_prop(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .val
        .as_str()
}

fn at(text: &str) -> Instant {
    Instant::from(text.parse::<jiff::Timestamp>().unwrap())
}

fn invite<'a>(
    words: &'a [String; 6],
    location: Option<&'a str>,
    url: Option<&'a str>,
) -> Invite<'a> {
    Invite {
        method: Method::Request,
        uid: "0193abcd@novacrm.example",
        sequence: 0,
        stamp: at("2026-03-01T09:30:00Z"),
        start: at("2026-03-06T14:00:00Z"),
        end: at("2026-03-06T14:30:00Z"),
        summary: &words[0],
        description: &words[1],
        location,
        url,
        organizer: Person {
            name: &words[2],
            email: &words[3],
        },
        attendee: Person {
            name: &words[4],
            email: &words[5],
        },
        cancelled: false,
    }
}

#[test]
fn the_parser_needs_unfolding_first() {
    let folded =
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:ab\r\n cd\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let as_is = read_calendar(folded);
    assert!(!as_is.is_ok_and(|c| value(&c.components[0], "SUMMARY") == "abcd"));
    let unfolded = unfold(folded);
    let parsed = read_calendar(&unfolded).unwrap();
    assert_eq!(value(&parsed.components[0], "SUMMARY"), "abcd");
}

#[test]
fn the_parser_unescapes_text_but_leaves_rfc_6868_and_empty_quotes_to_us() {
    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:a\\\\n\\;\\,\\nb\r\n\
               ATTENDEE;CN=\"x^'^^^ny\";X-EMPTY=\"\":mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let parsed = read_calendar(ics).unwrap();
    let event = &parsed.components[0];
    assert_eq!(value(event, "SUMMARY"), "a\\n;,\nb");
    let attendee = event.find_prop("ATTENDEE").unwrap();
    assert_eq!(
        attendee.params[0].val.as_ref().unwrap().as_str(),
        "x^'^^^ny"
    );
    assert_eq!(attendee.params[1].val.as_ref().unwrap().as_str(), "\"\"");
    assert_eq!(parameter(attendee, "CN"), "x\"^\ny");
    assert_eq!(parameter(attendee, "X-EMPTY"), "");
    assert_eq!(attendee.val.as_str(), "mailto:a@b");
}

/// Text a guest might type, weighted towards what breaks writers: line breaks of every
/// kind, iCalendar's delimiters, escapes, carets, control characters, multi-octet
/// characters (for folding), and whole lines an attacker would try to smuggle in.
fn typed() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => any::<char>().prop_map(String::from),
        2 => "[ -~]{0,12}",
        2 => prop::sample::select(vec![
            "\r\n", "\r", "\n", "\n\r", "\t", "\"", ";", ",", ":", "^", "\\", "\\n", "^n", "^'",
            "\u{0}", "\u{7}", "\u{1b}", "\u{7f}", "\u{85}", "\u{2028}", "é", "😀", "語", " ",
        ])
        .prop_map(str::to_owned),
        1 => prop::sample::select(vec![
            "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwned",
            "\r\nATTENDEE;CN=Eve:mailto:eve@example.com",
            "\";ROLE=CHAIR:mailto:eve@example.com",
            "\nBEGIN:VALARM\nTRIGGER:-PT5M\nEND:VALARM",
            "\r\n END:VCALENDAR",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn whatever_a_guest_types_the_invite_parses_back_to_one_event_with_their_words(
        words in [typed(), typed(), typed(), typed(), typed(), typed()],
        location in prop::option::of(typed()),
        url in prop::option::of(typed()),
    ) {
        let ics = invite(&words, location.as_deref(), url.as_deref()).to_ics();

        // The text itself: CRLF lines of at most 75 octets, no stray CR or LF.
        let body = ics.strip_suffix("\r\n").expect("ends with CRLF");
        for line in body.split("\r\n") {
            prop_assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
            prop_assert!(!line.contains(['\r', '\n']), "stray line break in {line:?}");
        }

        // Read back by a real parser.
        let unfolded = unfold(&ics);
        let calendar = read_calendar(&unfolded).map_err(TestCaseError::fail)?;
        prop_assert_eq!(names(&calendar.properties), ["VERSION", "PRODID", "CALSCALE", "METHOD"]);
        prop_assert_eq!(calendar.components.len(), 1);
        let event = &calendar.components[0];
        prop_assert_eq!(event.name.as_str(), "VEVENT");
        prop_assert!(event.components.is_empty());

        let mut expected = vec![
            "UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION",
        ];
        expected.extend(location.as_ref().map(|_| "LOCATION"));
        expected.extend(url.as_ref().map(|_| "URL"));
        expected.extend(["ORGANIZER", "ATTENDEE", "STATUS", "TRANSP"]);
        prop_assert_eq!(names(&event.properties), expected);
        // Each content line is one property: nothing was split off or merged in.
        prop_assert_eq!(unfolded.matches("\r\n").count(), event.properties.len() + 8);

        prop_assert_eq!(value(event, "SUMMARY"), as_typed(&words[0]));
        prop_assert_eq!(value(event, "DESCRIPTION"), as_typed(&words[1]));
        if let Some(location) = &location {
            prop_assert_eq!(value(event, "LOCATION"), as_typed(location));
        }
        if let Some(url) = &url {
            prop_assert_eq!(value(event, "URL"), without_spaces_or_controls(url));
        }
        prop_assert_eq!(value(event, "DTSTART"), "20260306T140000Z");
        prop_assert_eq!(value(event, "STATUS"), "CONFIRMED");

        let organizer = event.find_prop("ORGANIZER").unwrap();
        prop_assert_eq!(organizer.params.len(), 1);
        prop_assert_eq!(parameter(organizer, "CN"), as_typed(&words[2]));
        prop_assert_eq!(
            organizer.val.as_str(),
            format!("mailto:{}", without_spaces_or_controls(&words[3]))
        );

        let attendee = event.find_prop("ATTENDEE").unwrap();
        let keys: Vec<&str> = attendee.params.iter().map(|p| p.key.as_str()).collect();
        prop_assert_eq!(keys, ["CN", "ROLE", "PARTSTAT", "RSVP"]);
        prop_assert_eq!(parameter(attendee, "CN"), as_typed(&words[4]));
        prop_assert_eq!(parameter(attendee, "ROLE"), "REQ-PARTICIPANT");
        prop_assert_eq!(parameter(attendee, "PARTSTAT"), "ACCEPTED");
        prop_assert_eq!(parameter(attendee, "RSVP"), "FALSE");
        prop_assert_eq!(
            attendee.val.as_str(),
            format!("mailto:{}", without_spaces_or_controls(&words[5]))
        );
    }
}
