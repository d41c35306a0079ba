//! Dates and times as people read them, shared by the pages and the emails: "Wednesday,
//! November 25, 2026 at 9:00 AM", 12- or 24-hour clocks, the zone named.

use jiff::civil::Date;
use scheduling::{Instant, Weekday, Zone};

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How a reader reads dates and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Locale {
    pub sunday_first: bool,
    pub hour12: bool,
}

impl Locale {
    /// From an `Accept-Language` value (US English when there is none).
    pub fn from_accept_language(value: Option<&str>) -> Self {
        let first = value.and_then(|v| v.split(',').next()).map_or_else(
            || "en-us".into(),
            |t| {
                t.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            },
        );
        let mut parts = first.split(['-', '_']);
        let lang = parts.next().unwrap_or("en").to_owned();
        let region = parts.find(|p| p.len() == 2).map(str::to_owned);
        let region = region
            .as_deref()
            .unwrap_or(if lang == "en" { "us" } else { "" });
        // Where weeks start on Sunday and clocks show AM/PM (CLDR, simplified).
        let sunday_first = [
            "us", "ca", "mx", "br", "jp", "kr", "tw", "hk", "il", "ph", "in", "za",
        ]
        .contains(&region)
            || ["ja", "ko", "he"].contains(&lang.as_str());
        let hour12 = ["us", "ca", "au", "nz", "in", "ph", "pk", "eg", "sa", "mx"].contains(&region)
            && ["en", "es", "ar", "hi"].contains(&lang.as_str());
        Self {
            sunday_first,
            hour12,
        }
    }

    /// For a reader known only by their time zone (an email's recipient): AM/PM in the
    /// Americas and Australia, 24-hour elsewhere.
    pub fn for_zone(zone: &Zone) -> Self {
        let name = zone.name();
        let hour12 = [
            "America/",
            "US/",
            "Canada/",
            "Australia/",
            "Pacific/Honolulu",
        ]
        .iter()
        .any(|p| name.starts_with(p));
        Self {
            sunday_first: name.starts_with("America/") || name.starts_with("US/"),
            hour12,
        }
    }

    pub fn time(self, hour: i8, minute: i8) -> String {
        if self.hour12 {
            let (h, suffix) = match hour {
                0 => (12, "AM"),
                1..=11 => (hour, "AM"),
                12 => (12, "PM"),
                _ => (hour - 12, "PM"),
            };
            format!("{h}:{minute:02} {suffix}")
        } else {
            format!("{hour:02}:{minute:02}")
        }
    }
}

/// "Wednesday, November 25".
pub fn date_label(date: Date) -> String {
    let weekday = Weekday::from_index(date.weekday().to_monday_zero_offset() as u32).name();
    format!(
        "{weekday}, {} {}",
        MONTHS[date.month() as usize - 1],
        date.day()
    )
}

/// "Wednesday, November 25, 2026 at 9:00 AM".
pub fn when_label(at: Instant, zone: &Zone, locale: Locale) -> String {
    let z = at
        .to_timestamp()
        .to_zoned_datetime(zone.time_zone().clone());
    format!(
        "{}, {} at {}",
        date_label(z.date()),
        z.year(),
        locale.time(z.hour(), z.minute())
    )
}

/// "Wednesday, November 25, 2026, 9:00 AM – 9:30 AM (Europe/Berlin, CET)": a meeting's
/// time with its zone named, as emails state it.
pub fn span_label(start: Instant, end: Instant, zone: &Zone, locale: Locale) -> String {
    let tz = zone.time_zone().clone();
    let s = start.to_timestamp().to_zoned_datetime(tz.clone());
    let e = end.to_timestamp().to_zoned_datetime(tz);
    let abbreviation = s.strftime("%Z").to_string();
    let zone_label = if abbreviation.is_empty() || abbreviation.starts_with(['+', '-']) {
        format!("{}, UTC{}", zone.name(), s.strftime("%:z"))
    } else {
        format!("{}, {abbreviation}", zone.name())
    };
    let end_label = if e.date() == s.date() {
        locale.time(e.hour(), e.minute())
    } else {
        format!(
            "{}, {}",
            date_label(e.date()),
            locale.time(e.hour(), e.minute())
        )
    };
    format!(
        "{}, {}, {} – {end_label} ({zone_label})",
        date_label(s.date()),
        s.year(),
        locale.time(s.hour(), s.minute()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_names_its_zone() {
        let start = Instant::from("2026-11-25T08:00:00Z".parse::<jiff::Timestamp>().unwrap());
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(
            span_label(
                start,
                start.plus_minutes(30),
                &berlin,
                Locale::for_zone(&berlin)
            ),
            "Wednesday, November 25, 2026, 09:00 – 09:30 (Europe/Berlin, CET)"
        );
        let york = Zone::parse("America/New_York").unwrap();
        assert_eq!(
            span_label(
                start,
                start.plus_minutes(30),
                &york,
                Locale::for_zone(&york)
            ),
            "Wednesday, November 25, 2026, 3:00 AM – 3:30 AM (America/New_York, EST)"
        );
    }
}
