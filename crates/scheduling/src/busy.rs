//! Reading other calendars: the busy intervals that the VEVENTs of an iCalendar text
//! (RFC 5545, as a CalDAV server returns it) occupy within a range. Recurrence goes through
//! the project's own RRULE expansion ([`BlockedTime`]), in the event's own zone; EXDATE and
//! overridden instances (RECURRENCE-ID) are taken out, overrides added back as themselves;
//! cancelled and transparent ("free") events block nothing.
//!
//! Times: `…Z` is UTC; a `TZID` is an IANA name (also when prefixed by a path, as Mozilla
//! writes it), a Windows name Outlook uses, or the `X-LIC-LOCATION` of the text's own
//! VTIMEZONE, else its standard offset when it is a whole hour; floating times and dates
//! are read in `floating` (the host's zone). What cannot be read is an error, never "free":
//! a calendar we cannot read must not let a slot through.

use std::collections::HashMap;

use crate::blocked::BlockedTime;
use crate::civil::{Zone, days_from_civil};
use crate::instant::Instant;
use crate::recurrence::RecurrenceRule;

/// The most intervals one calendar may contribute to a range.
pub const MAX_INTERVALS: usize = 50_000;

/// One content line: `NAME;PARAM=VALUE:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Lines unfolded (RFC 5545 §3.1): a line starting with a space or tab continues the last.
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        match (line.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ if line.is_empty() => {}
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

fn parse_line(line: &str) -> Option<Property> {
    // The value starts at the first ':' outside a quoted parameter value.
    let mut quoted = false;
    let colon = line.char_indices().find_map(|(i, c)| {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(i),
            _ => {}
        }
        None
    })?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.trim().to_ascii_uppercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.trim().to_ascii_uppercase(),
                v.trim_matches('"').to_owned(),
            ))
        })
        .collect();
    Some(Property {
        name,
        params,
        value: value.to_owned(),
    })
}

/// The VEVENTs (their own properties, not their alarms') and the VTIMEZONEs' hints.
struct Parsed {
    events: Vec<Vec<Property>>,
    /// TZID → an IANA name or a fixed offset in seconds.
    zones: HashMap<String, ZoneHint>,
}

#[derive(Debug, Clone)]
enum ZoneHint {
    Named(String),
    Offset(i32),
}

fn parse(text: &str) -> Parsed {
    let mut events = Vec::new();
    let mut zones = HashMap::new();
    let mut stack: Vec<String> = Vec::new();
    let mut event: Vec<Property> = Vec::new();
    let mut tzid = String::new();
    let mut hint: Option<ZoneHint> = None;
    for line in unfold(text) {
        let Some(p) = parse_line(&line) else { continue };
        match p.name.as_str() {
            "BEGIN" => {
                let component = p.value.trim().to_ascii_uppercase();
                if component == "VEVENT" {
                    event.clear();
                }
                if component == "VTIMEZONE" {
                    tzid.clear();
                    hint = None;
                }
                stack.push(component);
            }
            "END" => {
                let component = stack.pop().unwrap_or_default();
                if component == "VEVENT" {
                    events.push(std::mem::take(&mut event));
                }
                if component == "VTIMEZONE"
                    && let Some(h) = hint.take()
                {
                    zones.insert(tzid.clone(), h);
                }
            }
            _ => match stack.last().map(String::as_str) {
                Some("VEVENT") => event.push(p),
                Some("VTIMEZONE") if p.name == "TZID" => p.value.trim().clone_into(&mut tzid),
                Some("VTIMEZONE") if p.name == "X-LIC-LOCATION" => {
                    hint = Some(ZoneHint::Named(p.value.trim().to_owned()));
                }
                Some("STANDARD") if p.name == "TZOFFSETTO" && hint.is_none() => {
                    hint = parse_offset(&p.value).map(ZoneHint::Offset);
                }
                _ => {}
            },
        }
    }
    Parsed { events, zones }
}

/// `+0100`, `-0530` → seconds east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    let text = text.trim();
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &text[1..];
    let hours: i32 = digits.get(0..2)?.parse().ok()?;
    let minutes: i32 = digits.get(2..4)?.parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Windows zone names Outlook and Exchange write as TZID, for the zones people meet in most.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("India Standard Time", "Asia/Kolkata"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC", "UTC"),
];

fn resolve_zone(tzid: &str, zones: &HashMap<String, ZoneHint>) -> Result<Zone, String> {
    let tzid = tzid.trim();
    if let Ok(zone) = Zone::parse(tzid.trim_start_matches('/')) {
        return Ok(zone);
    }
    // "/mozilla.org/20050126_1/Europe/Berlin" and similar: the last two segments.
    let segments: Vec<&str> = tzid.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() > 2
        && let Ok(zone) = Zone::parse(&segments[segments.len() - 2..].join("/"))
    {
        return Ok(zone);
    }
    if let Some((_, iana)) = WINDOWS_ZONES.iter().find(|(w, _)| *w == tzid) {
        return Zone::parse(iana);
    }
    match zones.get(tzid) {
        Some(ZoneHint::Named(name)) => Zone::parse(name),
        Some(ZoneHint::Offset(seconds)) if seconds % 3600 == 0 => {
            // Etc/GMT signs are inverted: UTC+1 is "Etc/GMT-1".
            let hours = -seconds / 3600;
            let name = if hours == 0 {
                "UTC".to_owned()
            } else {
                format!("Etc/GMT{hours:+}")
            };
            Zone::parse(&name)
        }
        _ => Err(format!("the time zone {tzid:?} is not one we know")),
    }
}

/// A DATE-TIME or DATE value, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    At(Instant),
    /// A local day number (days since 1970-01-01), for all-day values.
    Day(i32),
}

fn parse_value(
    p: &Property,
    floating: &Zone,
    zones: &HashMap<String, ZoneHint>,
) -> Result<Vec<When>, String> {
    p.value
        .split(',')
        .map(|v| parse_one(v.trim(), p.param("TZID"), floating, zones))
        .collect()
}

fn parse_one(
    value: &str,
    tzid: Option<&str>,
    floating: &Zone,
    zones: &HashMap<String, ZoneHint>,
) -> Result<When, String> {
    let bad = || format!("{value:?} is not an iCalendar date or time");
    let digits = |range: std::ops::Range<usize>| -> Result<i32, String> {
        value
            .get(range)
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)
    };
    let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let days = days_from_civil(year, month as u32, day as u32);
    if value.len() == 8 {
        return Ok(When::Day(days));
    }
    if value.as_bytes().get(8) != Some(&b'T') {
        return Err(bad());
    }
    let (h, m, s) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    if h > 23 || m > 59 || s > 60 {
        return Err(bad());
    }
    let second = h * 3600 + m * 60 + s.min(59);
    match (&value[15..], tzid) {
        ("Z", _) => Ok(When::At(Instant::from_millis(
            (i64::from(days) * 86_400 + i64::from(second)) * 1000,
        ))),
        ("", Some(tzid)) => Ok(When::At(
            resolve_zone(tzid, zones)?.local_to_instant(days, second),
        )),
        ("", None) => Ok(When::At(floating.local_to_instant(days, second))),
        _ => Err(bad()),
    }
}

/// `PT1H30M`, `P1D`, `P2W`, `-PT5M` → milliseconds.
fn parse_duration(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not an iCalendar duration");
    let text = text.trim();
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let rest = rest.strip_prefix('P').ok_or_else(bad)?;
    let (mut total, mut number, mut in_time) = (0i64, String::new(), false);
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => number.push(c),
            unit => {
                let n: i64 = number.parse().map_err(|_| bad())?;
                number.clear();
                let seconds = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return Err(bad()),
                };
                total += n * seconds;
            }
        }
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(sign * total * 1000)
}

/// One event as the expansion needs it.
struct Event {
    uid: String,
    recurrence_id: Option<Instant>,
    start: Instant,
    end: Instant,
    /// Occurrences are expanded in this zone (the event's own, or the floating one).
    zone: Zone,
    rule: Option<RecurrenceRule>,
    excluded: Vec<Instant>,
    blocks: bool,
}

fn read_event(
    props: &[Property],
    floating: &Zone,
    zones: &HashMap<String, ZoneHint>,
) -> Result<Option<Event>, String> {
    let get = |name: &str| props.iter().find(|p| p.name == name);
    let uid = get("UID")
        .map(|p| p.value.trim().to_owned())
        .unwrap_or_default();
    let Some(dtstart) = get("DTSTART") else {
        // A VEVENT without a start (allowed with METHOD) occupies no time.
        return Ok(None);
    };
    let instant = |w: When| match w {
        When::At(i) => i,
        When::Day(d) => floating.start_of_day(d),
    };
    let first = |p: &Property| -> Result<When, String> {
        parse_value(p, floating, zones)?
            .into_iter()
            .next()
            .ok_or_else(|| format!("{} has no value", p.name))
    };
    let start_when = first(dtstart)?;
    let start = instant(start_when);
    let end = match (get("DTEND"), get("DURATION"), start_when) {
        (Some(dtend), _, _) => instant(first(dtend)?),
        (None, Some(duration), _) => start.plus_millis(parse_duration(&duration.value)?),
        (None, None, When::Day(d)) => floating.start_of_day(d + 1),
        (None, None, When::At(_)) => start,
    };
    let zone = match dtstart.param("TZID") {
        Some(tzid) if !dtstart.value.ends_with('Z') => resolve_zone(tzid, zones)?,
        _ if dtstart.value.ends_with('Z') => Zone::parse("UTC")?,
        _ => floating.clone(),
    };
    let rule = get("RRULE")
        .map(|p| RecurrenceRule::parse(&p.value))
        .transpose()
        .map_err(|e| format!("the repeat rule of event {uid:?} {e}"))?;
    let mut excluded = Vec::new();
    for p in props.iter().filter(|p| p.name == "EXDATE") {
        excluded.extend(parse_value(p, floating, zones)?.into_iter().map(instant));
    }
    let recurrence_id = get("RECURRENCE-ID").map(first).transpose()?.map(instant);
    let cancelled = get("STATUS").is_some_and(|p| p.value.trim().eq_ignore_ascii_case("CANCELLED"));
    let free = get("TRANSP").is_some_and(|p| p.value.trim().eq_ignore_ascii_case("TRANSPARENT"));
    Ok(Some(Event {
        uid,
        recurrence_id,
        start,
        end: end.max(start),
        zone,
        rule,
        excluded,
        blocks: !cancelled && !free,
    }))
}

/// The busy intervals `(start, end)` of `text`'s events that overlap `[lo, hi)`, sorted;
/// events whose UID ends with `ours` (non-empty: the bookings this service wrote there
/// itself, which block through their bookings already) are left out.
pub fn busy_intervals(
    text: &str,
    floating: &Zone,
    lo: Instant,
    hi: Instant,
    ours: &str,
) -> Result<Vec<(Instant, Instant)>, String> {
    let parsed = parse(text);
    let mut events = Vec::new();
    for props in &parsed.events {
        if let Some(event) = read_event(props, floating, &parsed.zones)? {
            events.push(event);
        }
    }
    // Instances an override replaces, by UID.
    let mut overridden: HashMap<&str, Vec<Instant>> = HashMap::new();
    for e in &events {
        if let Some(at) = e.recurrence_id {
            overridden.entry(e.uid.as_str()).or_default().push(at);
        }
    }
    let mut out = Vec::new();
    for e in &events {
        if !e.blocks || (!ours.is_empty() && e.uid.ends_with(ours)) {
            continue;
        }
        if e.recurrence_id.is_some() || e.rule.is_none() {
            if e.start < hi && e.end > lo && e.start < e.end {
                out.push((e.start, e.end));
            }
            continue;
        }
        let skip: Vec<Instant> = e
            .excluded
            .iter()
            .chain(overridden.get(e.uid.as_str()).into_iter().flatten())
            .copied()
            .collect();
        let series = BlockedTime::new(e.start, e.end, e.rule.clone())?;
        let mut too_many = false;
        series.intervals_within(&e.zone, lo, hi, |start, end| {
            if skip.contains(&start) || start >= end {
                return;
            }
            if out.len() >= MAX_INTERVALS {
                too_many = true;
            } else {
                out.push((start, end));
            }
        });
        if too_many {
            return Err(format!("more than {MAX_INTERVALS} busy times in range"));
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        Instant::from(Instant::parse_timestamp(text).unwrap())
    }

    fn busy(text: &str) -> Vec<(String, String)> {
        let paris = Zone::parse("Europe/Paris").unwrap();
        busy_intervals(
            text,
            &paris,
            at("2026-01-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
            "@novacrm.test",
        )
        .unwrap()
        .into_iter()
        .map(|(s, e)| (s.to_string(), e.to_string()))
        .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn a_weekly_series_keeps_its_wall_clock_across_dst_without_exdates_and_moved_instances() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nEND:VTIMEZONE\r\n\
            BEGIN:VEVENT\r\nUID:standup\r\nDTSTART;TZID=Europe/Berlin:20261019T090000\r\n\
            DTEND;TZID=Europe/Berlin:20261019T093000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n\
            EXDATE;TZID=Europe/Berlin:20261026T090000\r\nBEGIN:VALARM\r\nTRIGGER:-PT5M\r\n\
            END:VALARM\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:standup\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261102T090000\r\n\
            DTSTART;TZID=Europe/Berlin:20261102T140000\r\nDTEND;TZID=Europe/Berlin:20261102T1\r\n \
            50000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(
            busy(text),
            pairs(&[
                // Summer time: 09:00 Berlin is 07:00 UTC.
                ("2026-10-19T07:00:00Z", "2026-10-19T07:30:00Z"),
                // 26 Oct excluded; winter time from then: 09:00 is 08:00 UTC.
                ("2026-11-02T13:00:00Z", "2026-11-02T14:00:00Z"),
                ("2026-11-09T08:00:00Z", "2026-11-09T08:30:00Z"),
            ])
        );
    }

    #[test]
    fn free_cancelled_all_day_floating_and_utc_events() {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260301T100000Z\n\
            DURATION:PT1H30M\nEND:VEVENT\nBEGIN:VEVENT\nUID:b\nDTSTART:20260302T100000Z\n\
            DTEND:20260302T110000Z\nTRANSP:TRANSPARENT\nEND:VEVENT\nBEGIN:VEVENT\nUID:c\n\
            DTSTART:20260303T100000Z\nDTEND:20260303T110000Z\nSTATUS:CANCELLED\nEND:VEVENT\n\
            BEGIN:VEVENT\nUID:d\nDTSTART;VALUE=DATE:20260304\nEND:VEVENT\nBEGIN:VEVENT\nUID:b1@novacrm.test\n\
            DTSTART:20260306T100000Z\nDTEND:20260306T110000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:e\n\
            DTSTART:20260305T100000\nDTEND:20260305T110000\nEND:VEVENT\nEND:VCALENDAR\n";
        assert_eq!(
            busy(text),
            pairs(&[
                ("2026-03-01T10:00:00Z", "2026-03-01T11:30:00Z"),
                // All day in the floating (host) zone, Paris: 23:00 UTC the evening before.
                ("2026-03-03T23:00:00Z", "2026-03-04T23:00:00Z"),
                ("2026-03-05T09:00:00Z", "2026-03-05T10:00:00Z"),
            ])
        );
    }

    #[test]
    fn outlook_and_mozilla_zone_names_and_custom_vtimezones() {
        let event = |tzid: &str| {
            format!(
                "BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Custom\nBEGIN:STANDARD\nTZOFFSETTO:+0200\n\
                 END:STANDARD\nEND:VTIMEZONE\nBEGIN:VEVENT\nUID:x\nDTSTART;TZID=\"{tzid}\":20260610T120000\n\
                 DTEND;TZID=\"{tzid}\":20260610T130000\nEND:VEVENT\nEND:VCALENDAR\n"
            )
        };
        for tzid in [
            "W. Europe Standard Time",
            "/mozilla.org/20050126_1/Europe/Berlin",
            "Europe/Berlin",
        ] {
            assert_eq!(busy(&event(tzid))[0].0, "2026-06-10T10:00:00Z", "{tzid}");
        }
        assert_eq!(busy(&event("Custom"))[0].0, "2026-06-10T10:00:00Z");
        let paris = Zone::parse("Europe/Paris").unwrap();
        let unknown = busy_intervals(
            &event("Mars/Olympus"),
            &paris,
            at("2026-01-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
            "",
        );
        assert!(unknown.unwrap_err().contains("Mars/Olympus"));
        let bad = "BEGIN:VEVENT\nUID:y\nDTSTART:2026\nEND:VEVENT\n";
        assert!(
            busy_intervals(
                bad,
                &paris,
                at("2026-01-01T00:00:00Z"),
                at("2027-01-01T00:00:00Z"),
                ""
            )
            .is_err()
        );
    }

    #[test]
    fn durations_read_as_rfc_5545_writes_them() {
        assert_eq!(parse_duration("PT1H30M").unwrap(), 5_400_000);
        assert_eq!(parse_duration("P1W").unwrap(), 604_800_000);
        assert_eq!(parse_duration("P1DT2H").unwrap(), 93_600_000);
        assert!(parse_duration("1H").is_err());
        assert!(parse_duration("PT5").is_err());
    }
}
