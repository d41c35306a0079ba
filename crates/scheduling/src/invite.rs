//! The one iCalendar (RFC 5545) writer: a booking's invitation, update or cancellation as
//! the text of an `.ics` file, for the download link and for emails alike.
//!
//! It owns escaping and folding. Every value a person typed goes through [`escape_text`]
//! (TEXT values), [`param_value`] (quoted parameter values, RFC 6868) or is stripped to a
//! bare URI, so whatever a guest types, the output never gains a line, a property, a
//! parameter or a component. It must not decide what an invite says (callers pass the
//! words) and does no I/O.

use crate::Instant;

/// The iTIP method (RFC 5546) that tells a calendar what to do with the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A new or updated meeting for the attendee's calendar.
    Request,
    /// The meeting is off: the calendar should remove it.
    Cancel,
    /// A plain copy of the event, with no scheduling meaning (a download).
    Publish,
}

impl Method {
    const fn name(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
            Self::Publish => "PUBLISH",
        }
    }
}

/// Someone at the meeting, as the calendar shows them.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub name: &'a str,
    pub email: &'a str,
}

/// One meeting, as one VEVENT in one VCALENDAR.
#[derive(Debug)]
pub struct Invite<'a> {
    pub method: Method,
    /// Stable across updates, e.g. `"<booking id>@novacrm.example"`.
    pub uid: &'a str,
    /// Grows with every update, so calendars replace the older copy.
    pub sequence: u32,
    /// When this version of the invite was made (DTSTAMP).
    pub stamp: Instant,
    pub start: Instant,
    pub end: Instant,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: Option<&'a str>,
    pub url: Option<&'a str>,
    pub organizer: Person<'a>,
    pub attendee: Person<'a>,
    /// `STATUS:CANCELLED` (also implied by [`Method::Cancel`]), else `STATUS:CONFIRMED`.
    pub cancelled: bool,
}

impl Invite<'_> {
    /// The `.ics` text: CRLF line endings, lines folded at 75 octets.
    pub fn to_ics(&self) -> String {
        let mut lines = vec![
            "BEGIN:VCALENDAR".to_owned(),
            "VERSION:2.0".to_owned(),
            "PRODID:-//NovaCRM//Scheduling//EN".to_owned(),
            "CALSCALE:GREGORIAN".to_owned(),
            format!("METHOD:{}", self.method.name()),
        ];
        lines.extend(self.event_lines());
        lines.push("END:VCALENDAR".to_owned());
        folded(&lines)
    }

    /// The VEVENT alone, unfolded: what a feed ([`feed`]) or a calendar server stores.
    pub fn event_lines(&self) -> Vec<String> {
        let status = if self.cancelled || self.method == Method::Cancel {
            "CANCELLED"
        } else {
            "CONFIRMED"
        };
        let mut lines = vec![
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", escape_text(self.uid)),
            format!("SEQUENCE:{}", self.sequence),
            format!("DTSTAMP:{}", utc(self.stamp)),
            format!("DTSTART:{}", utc(self.start)),
            format!("DTEND:{}", utc(self.end)),
            format!("SUMMARY:{}", escape_text(self.summary)),
            format!("DESCRIPTION:{}", escape_text(self.description)),
        ];
        if let Some(location) = self.location {
            lines.push(format!("LOCATION:{}", escape_text(location)));
        }
        if let Some(url) = self.url {
            lines.push(format!("URL:{}", uri(url)));
        }
        lines.extend([
            format!(
                "ORGANIZER;CN={}:mailto:{}",
                param_value(self.organizer.name),
                uri(self.organizer.email)
            ),
            format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{}",
                param_value(self.attendee.name),
                uri(self.attendee.email)
            ),
            format!("STATUS:{status}"),
            "TRANSP:OPAQUE".to_owned(),
            "END:VEVENT".to_owned(),
        ]);
        lines
    }
}

/// A subscribable calendar (no METHOD: it is a published copy, not a scheduling message)
/// named `name`, of the events' [`Invite::event_lines`], asking clients to refresh every
/// `refresh_minutes`.
pub fn feed(name: &str, refresh_minutes: u32, events: &[Vec<String>]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//NovaCRM//Scheduling//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("X-WR-CALNAME:{}", escape_text(name)),
        format!("NAME:{}", escape_text(name)),
        format!("REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_minutes}M"),
        format!("X-PUBLISHED-TTL:PT{refresh_minutes}M"),
    ];
    for event in events {
        lines.extend(event.iter().cloned());
    }
    lines.push("END:VCALENDAR".to_owned());
    folded(&lines)
}

/// A calendar resource as a CalDAV server stores it (RFC 4791 §4.1: one event, no METHOD),
/// with `SCHEDULE-AGENT=CLIENT` on its people (RFC 6638) so the server sends no invitations
/// of its own: this service sends them.
pub fn resource(event: &[String]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//NovaCRM//Scheduling//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
    ];
    for line in event {
        let line = match ["ORGANIZER;", "ATTENDEE;"]
            .iter()
            .find(|p| line.starts_with(**p))
        {
            Some(prefix) => format!("{prefix}SCHEDULE-AGENT=CLIENT;{}", &line[prefix.len()..]),
            None => line.clone(),
        };
        lines.push(line);
    }
    lines.push("END:VCALENDAR".to_owned());
    folded(&lines)
}

fn folded(lines: &[String]) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 4).sum());
    for line in lines {
        fold(line, &mut out);
    }
    out
}

/// A TEXT value (RFC 5545 §3.3.11): `\`, `;` and `,` are escaped with a backslash and every
/// newline becomes `\n`. CRLF and a lone CR count as one newline; other control characters
/// (except TAB) are dropped.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in as_typed(text) {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// A parameter value, always in DQUOTEs, with RFC 6868's caret encoding: `^` → `^^`,
/// newline → `^n`, `"` → `^'`. Newlines and control characters are read as in
/// [`escape_text`]. Inside the quotes `;`, `:` and `,` are plain text.
pub fn param_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in as_typed(text) {
        match c {
            '^' => out.push_str("^^"),
            '\n' => out.push_str("^n"),
            '"' => out.push_str("^'"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The characters a person meant: CRLF and a lone CR become one LF, and control characters
/// other than LF and TAB are dropped (they are invisible, and CR would end a line).
fn as_typed(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        loop {
            match chars.next()? {
                '\r' => {
                    chars.next_if_eq(&'\n');
                    return Some('\n');
                }
                c @ ('\n' | '\t') => return Some(c),
                c if c.is_control() => {}
                c => return Some(c),
            }
        }
    })
}

/// A URI or an email address: these are not TEXT, so there is nothing to escape, and a space
/// or a control character can only be a mistake (or an attack), so it is dropped.
fn uri(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

/// A UTC DATE-TIME, `YYYYMMDDTHHMMSSZ`.
fn utc(at: Instant) -> String {
    at.to_timestamp().strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Writes one content line, folded so no line exceeds 75 octets (RFC 5545 §3.1): a
/// continuation starts with a space, and a break never falls inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    const MAX_OCTETS: usize = 75;
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > MAX_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        Instant::from(text.parse::<jiff::Timestamp>().unwrap())
    }

    fn invite<'a>(guest: &'a str, summary: &'a str) -> Invite<'a> {
        Invite {
            method: Method::Request,
            uid: "0193abcd@novacrm.example",
            sequence: 2,
            stamp: at("2026-03-01T09:30:00Z"),
            start: at("2026-03-06T14:00:00Z"),
            end: at("2026-03-06T14:30:00Z"),
            summary,
            description: "30 minutes with Ada.\n\nBring the numbers.",
            location: Some("Room 4, 2nd floor"),
            url: Some("https://novacrm.example/b/abc"),
            organizer: Person {
                name: "Ada Lovelace",
                email: "ada@novacrm.example",
            },
            attendee: Person {
                name: guest,
                email: "grace@example.com",
            },
            cancelled: false,
        }
    }

    #[test]
    fn an_invite_reads_as_one_event_with_utc_times() {
        let ics = invite("Grace Hopper", "Intro call with Ada").to_ics();
        let expected = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//NovaCRM//Scheduling//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:REQUEST",
            "BEGIN:VEVENT",
            "UID:0193abcd@novacrm.example",
            "SEQUENCE:2",
            "DTSTAMP:20260301T093000Z",
            "DTSTART:20260306T140000Z",
            "DTEND:20260306T143000Z",
            "SUMMARY:Intro call with Ada",
            "DESCRIPTION:30 minutes with Ada.\\n\\nBring the numbers.",
            "LOCATION:Room 4\\, 2nd floor",
            "URL:https://novacrm.example/b/abc",
            "ORGANIZER;CN=\"Ada Lovelace\":mailto:ada@novacrm.example",
            "ATTENDEE;CN=\"Grace Hopper\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALS",
            " E:mailto:grace@example.com",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
        .join("\r\n");
        assert_eq!(ics, expected);
    }

    #[test]
    fn an_invite_without_location_or_url_leaves_both_out() {
        let ics = Invite {
            location: None,
            url: None,
            ..invite("Grace", "Call")
        }
        .to_ics();
        assert!(!ics.contains("LOCATION"));
        assert!(!ics.contains("URL:"));
    }

    #[test]
    fn a_cancel_is_cancelled_whatever_the_flag_says() {
        let cancel = Invite {
            method: Method::Cancel,
            ..invite("Grace", "Call")
        }
        .to_ics();
        assert!(cancel.contains("\r\nMETHOD:CANCEL\r\n"));
        assert!(cancel.contains("\r\nSTATUS:CANCELLED\r\n"));

        let published = Invite {
            method: Method::Publish,
            cancelled: true,
            ..invite("Grace", "Call")
        }
        .to_ics();
        assert!(published.contains("\r\nMETHOD:PUBLISH\r\n"));
        assert!(published.contains("\r\nSTATUS:CANCELLED\r\n"));
    }

    /// The content lines, with folding undone.
    fn unfolded(ics: &str) -> Vec<String> {
        let whole = ics.replace("\r\n ", "");
        let lines = whole.strip_suffix("\r\n").expect("ends with CRLF");
        lines.split("\r\n").map(str::to_owned).collect()
    }

    #[test]
    fn a_guest_name_with_line_breaks_cannot_add_a_line() {
        let guest = "Eve\r\nATTENDEE:mailto:evil@example.com\r\nEND:VEVENT\nBEGIN:VALARM\r";
        let ics = invite(guest, "Call").to_ics();
        let lines = unfolded(&ics);
        assert_eq!(lines.len(), 21, "{ics}");
        assert!(lines.iter().all(|l| !l.contains(['\r', '\n'])));
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("ATTENDEE")).count(),
            1
        );
        assert!(lines.contains(
            &"ATTENDEE;CN=\"Eve^nATTENDEE:mailto:evil@example.com^nEND:VEVENT^nBEGIN:VALARM^n\";\
              ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:grace@example.com"
                .to_owned()
        ));
    }

    #[test]
    fn a_summary_with_line_breaks_stays_one_escaped_value() {
        let ics = invite("Grace", "Call\r\nEND:VEVENT\r\nBEGIN:VEVENT").to_ics();
        let lines = unfolded(&ics);
        assert_eq!(lines.len(), 21, "{ics}");
        assert!(lines.contains(&"SUMMARY:Call\\nEND:VEVENT\\nBEGIN:VEVENT".to_owned()));
    }

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_newline() {
        assert_eq!(escape_text("a;b,c\nd\\"), "a\\;b\\,c\\nd\\\\");
        assert_eq!(escape_text("14:00 \"sharp\""), "14:00 \"sharp\"");
        assert_eq!(escape_text("\\n"), "\\\\n");
    }

    #[test]
    fn text_counts_crlf_and_a_lone_cr_as_one_newline() {
        assert_eq!(escape_text("a\r\nb\rc\n\rd"), "a\\nb\\nc\\n\\nd");
        assert_eq!(escape_text("\r"), "\\n");
    }

    #[test]
    fn text_drops_control_characters_but_keeps_tab() {
        assert_eq!(escape_text("a\u{0}b\u{1b}[2Jc\u{7f}\u{85}\td"), "ab[2Jc\td");
    }

    #[test]
    fn parameter_values_are_quoted_with_rfc_6868_carets() {
        assert_eq!(param_value(""), "\"\"");
        assert_eq!(
            param_value("O\"Neil; Bob: ok, ^_^"),
            "\"O^'Neil; Bob: ok, ^^_^^\""
        );
        assert_eq!(param_value("a\r\nb\rc\nd"), "\"a^nb^nc^nd\"");
        assert_eq!(param_value("a\u{0}\tb"), "\"a\tb\"");
    }

    #[test]
    fn urls_and_emails_lose_spaces_and_control_characters() {
        let ics = Invite {
            url: Some("https://x.example/a b\r\nEND:VEVENT"),
            attendee: Person {
                name: "G",
                email: " grace@example.com\r\nX-EVIL:1 ",
            },
            ..invite("G", "Call")
        }
        .to_ics();
        let lines = unfolded(&ics);
        assert!(lines.contains(&"URL:https://x.example/abEND:VEVENT".to_owned()));
        assert!(
            lines
                .iter()
                .any(|l| l.ends_with("RSVP=FALSE:mailto:grace@example.comX-EVIL:1"))
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_never_inside_a_character() {
        let mut out = String::new();
        let line = format!("DESCRIPTION:{}{}", "é".repeat(40), "😀".repeat(20));
        fold(&line, &mut out);
        let lines: Vec<&str> = out.strip_suffix("\r\n").unwrap().split("\r\n").collect();
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.len() <= 75));
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        let unfolded: String = lines.iter().enumerate().fold(String::new(), |acc, (i, l)| {
            acc + if i == 0 { l } else { &l[1..] }
        });
        assert_eq!(unfolded, line);
    }

    #[test]
    fn a_line_of_75_octets_stays_whole_and_the_76th_octet_folds() {
        let mut out = String::new();
        fold(&"x".repeat(75), &mut out);
        assert_eq!(out, format!("{}\r\n", "x".repeat(75)));
        out.clear();
        fold(&"x".repeat(76), &mut out);
        assert_eq!(out, format!("{}\r\n x\r\n", "x".repeat(75)));
    }
}
