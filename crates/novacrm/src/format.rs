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

/// "1st", "2nd", "3rd", "11th", "22nd".
fn ordinal(n: i32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// "Mon", "Wed and Thu", "Mon, Wed and Fri".
fn weekday_list(days: &[(u32, i32)]) -> String {
    let names: Vec<&str> = days
        .iter()
        .map(|(d, _)| &Weekday::from_index(*d).name()[..3])
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A repeating time in words, as the host set it: "Every Wed and Thu, 12:00–13:00 until
/// 31 Dec 2026", "Every 2 weeks on Mon, 9:00 AM–10:00 AM, 5 times", "Every month on the
/// 2nd Tuesday, …". `first` is the first occurrence's local start and end; rules beyond the
/// plain forms say so rather than guess.
pub fn rule_label(
    rule: &scheduling::RecurrenceRule,
    first: (&jiff::ZonedDateTime, &jiff::ZonedDateTime),
    locale: Locale,
) -> String {
    use scheduling::recurrence::{Frequency, RuleEnd};
    let (start, end) = first;
    let n = rule.interval();
    let every = |one: &str, many: &str| {
        if n == 1 {
            format!("Every {one}")
        } else {
            format!("Every {n} {many}")
        }
    };
    let start_day = Weekday::from_index(start.weekday().to_monday_zero_offset() as u32).name();
    let pattern = if !rule.is_plain() {
        "Repeats on a custom rule".to_owned()
    } else {
        match rule.frequency() {
            Frequency::Daily => every("day", "days"),
            Frequency::Weekly if rule.by_day().is_empty() => {
                format!("{} on {}", every("week", "weeks"), &start_day[..3])
            }
            Frequency::Weekly if n == 1 => format!("Every {}", weekday_list(rule.by_day())),
            Frequency::Weekly => format!("Every {n} weeks on {}", weekday_list(rule.by_day())),
            Frequency::Monthly => {
                let on = match (rule.by_day(), rule.by_month_day()) {
                    ([(d, k)], []) if *k != 0 => {
                        let day = Weekday::from_index(*d).name();
                        if *k == -1 {
                            format!("the last {day}")
                        } else {
                            format!("the {} {day}", ordinal(*k))
                        }
                    }
                    ([], [-1]) => "the last day".to_owned(),
                    ([], days) if !days.is_empty() && days.iter().all(|d| *d > 0) => {
                        let days: Vec<String> = days.iter().map(|d| ordinal(*d)).collect();
                        format!("the {}", days.join(" and "))
                    }
                    ([], []) => format!("the {}", ordinal(i32::from(start.day()))),
                    _ => {
                        return format!(
                            "Repeats monthly (custom rule), from {}",
                            date_label(start.date())
                        );
                    }
                };
                format!("{} on {on}", every("month", "months"))
            }
            Frequency::Yearly => format!(
                "{} on {} {}",
                every("year", "years"),
                MONTHS[start.month() as usize - 1],
                start.day()
            ),
        }
    };
    let times = format!(
        "{}–{}",
        locale.time(start.hour(), start.minute()),
        locale.time(end.hour(), end.minute())
    );
    let short_date = |d: jiff::civil::Date| {
        format!(
            "{} {} {}",
            d.day(),
            &MONTHS[d.month() as usize - 1][..3],
            d.year()
        )
    };
    let until = match rule.end() {
        RuleEnd::Never => String::new(),
        RuleEnd::Count(1) => ", once".to_owned(),
        RuleEnd::Count(c) => format!(", {c} times"),
        RuleEnd::UntilDate(day) => jiff::civil::date(1970, 1, 1)
            .checked_add(jiff::Span::new().days(i64::from(day)))
            .map(|d| format!(" until {}", short_date(d)))
            .unwrap_or_default(),
        RuleEnd::UntilInstant(at) => format!(
            " until {}",
            short_date(
                at.to_timestamp()
                    .to_zoned_datetime(start.time_zone().clone())
                    .date()
            )
        ),
    };
    format!("{pattern}, {times}{until}")
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

    #[test]
    fn repeating_times_read_as_sentences() {
        let zone = Zone::parse("Europe/Paris").unwrap();
        let at = |t: &str| {
            t.parse::<jiff::Timestamp>()
                .unwrap()
                .to_zoned_datetime(zone.time_zone().clone())
        };
        // Wednesday 2 December 2026, 12:00–13:00 in Paris.
        let (start, end) = (at("2026-12-02T11:00:00Z"), at("2026-12-02T12:00:00Z"));
        let say = |rule: &str| {
            let rule = scheduling::RecurrenceRule::parse(rule).unwrap();
            rule_label(&rule, (&start, &end), Locale::for_zone(&zone))
        };
        assert_eq!(
            say("FREQ=WEEKLY;BYDAY=WE,TH;UNTIL=20261231"),
            "Every Wed and Thu, 12:00–13:00 until 31 Dec 2026"
        );
        assert_eq!(say("FREQ=WEEKLY"), "Every week on Wed, 12:00–13:00");
        assert_eq!(
            say("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;COUNT=6"),
            "Every 2 weeks on Mon, Wed and Fri, 12:00–13:00, 6 times"
        );
        assert_eq!(say("FREQ=DAILY"), "Every day, 12:00–13:00");
        assert_eq!(say("FREQ=DAILY;INTERVAL=3"), "Every 3 days, 12:00–13:00");
        assert_eq!(say("FREQ=MONTHLY"), "Every month on the 2nd, 12:00–13:00");
        assert_eq!(
            say("FREQ=MONTHLY;BYDAY=-1FR"),
            "Every month on the last Friday, 12:00–13:00"
        );
        assert_eq!(
            say("FREQ=MONTHLY;BYDAY=1TU"),
            "Every month on the 1st Tuesday, 12:00–13:00"
        );
        assert_eq!(
            say("FREQ=MONTHLY;BYMONTHDAY=11,22"),
            "Every month on the 11th and 22nd, 12:00–13:00"
        );
        assert_eq!(say("FREQ=YEARLY"), "Every year on December 2, 12:00–13:00");
        assert_eq!(
            say("FREQ=DAILY;BYHOUR=9,10"),
            "Repeats on a custom rule, 12:00–13:00"
        );
    }
}
