//! Dates and times as people read them, shared by the pages and the emails: "Wednesday,
//! November 25, 2026 at 9:00 AM", "Mittwoch, 25. November 2026 um 09:00", 12- or 24-hour
//! clocks, the zone named. Weekday and month names per language are small tables here (no
//! ICU); the words around them are the pages' (`i18n`).

use jiff::civil::Date;
use scheduling::{Instant, Zone};

use crate::i18n::Lang;

/// Month names, January first, per language (French and Spanish write them in lower case).
const MONTHS: [[&str; 12]; 4] = [
    [
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
    ],
    [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
];

/// Weekday names, Monday first, per language.
const WEEKDAYS: [[&str; 7]; 4] = [
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    [
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    ],
    [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
    [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
];

/// The calendar's column heads, Monday first, per language.
const WEEKDAYS_SHORT: [[&str; 7]; 4] = [
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
    ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
    ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
];

/// The month's name ("November", "novembre").
pub fn month_name(lang: Lang, month: i8) -> &'static str {
    MONTHS[lang as usize][month as usize - 1]
}

/// A weekday's name and short name, counted from Monday (0).
pub fn weekday_names(lang: Lang, monday_zero: usize) -> (&'static str, &'static str) {
    (
        WEEKDAYS[lang as usize][monday_zero],
        WEEKDAYS_SHORT[lang as usize][monday_zero],
    )
}

/// How a reader reads dates and times: the language of the words, the first day of the
/// week and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Locale {
    pub lang: Lang,
    pub sunday_first: bool,
    pub hour12: bool,
}

/// The first tag of an `Accept-Language` value as (language, region), lower case; `None`
/// when there is no header or no tag.
fn first_tag(value: Option<&str>) -> Option<(String, String)> {
    let first = value?.split(',').next()?.split(';').next()?.trim();
    if first.is_empty() {
        return None;
    }
    let first = first.to_ascii_lowercase();
    let mut parts = first.split(['-', '_']);
    let lang = parts.next().unwrap_or_default().to_owned();
    let region = parts.find(|p| p.len() == 2).unwrap_or_default().to_owned();
    Some((lang, region))
}

impl Locale {
    /// English words with the conventions of the reader's first `Accept-Language` tag (US
    /// English when there is none): the dashboard's, which speaks English.
    pub fn from_accept_language(value: Option<&str>) -> Self {
        let (tag_lang, region) = first_tag(value).unwrap_or_else(|| ("en".into(), "us".into()));
        Self::with_conventions(Lang::En, &tag_lang, &region)
    }

    /// A guest page's: the words of `lang`, the week and clock of the reader's region (the
    /// first `Accept-Language` tag's), the clock also by the page's language (AM/PM in
    /// English and Spanish only). Without a region, `lang`'s own: US for English.
    pub fn for_guest(lang: Lang, accept_language: Option<&str>) -> Self {
        let region = first_tag(accept_language).map(|(_, region)| region);
        Self::with_conventions(lang, lang.code(), region.as_deref().unwrap_or_default())
    }

    /// `clock_lang` picks the clock with the region (CLDR, simplified); English without a
    /// region reads as US English.
    fn with_conventions(lang: Lang, clock_lang: &str, region: &str) -> Self {
        let region = if region.is_empty() && clock_lang == "en" {
            "us"
        } else {
            region
        };
        // Where weeks start on Sunday and clocks show AM/PM (CLDR, simplified).
        let sunday_first = [
            "us", "ca", "mx", "br", "jp", "kr", "tw", "hk", "il", "ph", "in", "za",
        ]
        .contains(&region)
            || ["ja", "ko", "he"].contains(&clock_lang);
        let hour12 = ["us", "ca", "au", "nz", "in", "ph", "pk", "eg", "sa", "mx"].contains(&region)
            && ["en", "es", "ar", "hi"].contains(&clock_lang);
        Self {
            lang,
            sunday_first,
            hour12,
        }
    }

    /// For a reader known only by their time zone (an email's recipient): English, AM/PM in
    /// the Americas and Australia, 24-hour elsewhere.
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
            lang: Lang::En,
            sunday_first: name.starts_with("America/") || name.starts_with("US/"),
            hour12,
        }
    }

    /// "9:00 AM", "9:00 a. m."; "09:00" (Spanish: "9:00").
    pub fn time(self, hour: i8, minute: i8) -> String {
        if self.hour12 {
            let (h, morning) = match hour {
                0 => (12, true),
                1..=11 => (hour, true),
                12 => (12, false),
                _ => (hour - 12, false),
            };
            let suffix = match (self.lang, morning) {
                (Lang::Es, true) => "a.\u{a0}m.",
                (Lang::Es, false) => "p.\u{a0}m.",
                (_, true) => "AM",
                (_, false) => "PM",
            };
            format!("{h}:{minute:02} {suffix}")
        } else if self.lang == Lang::Es {
            format!("{hour}:{minute:02}")
        } else {
            format!("{hour:02}:{minute:02}")
        }
    }

    /// "November 2026", "novembre 2026", "noviembre de 2026": a calendar's title.
    pub fn month_title(self, month: Date) -> String {
        let name = month_name(self.lang, month.month());
        match self.lang {
            Lang::Es => format!("{name} de {}", month.year()),
            _ => format!("{name} {}", month.year()),
        }
    }
}

/// "Wednesday, November 25"; "Mittwoch, 25. November"; "mercredi 25 novembre"; "miércoles,
/// 25 de noviembre".
pub fn date_label(date: Date, lang: Lang) -> String {
    let weekday = weekday_names(lang, date.weekday().to_monday_zero_offset() as usize).0;
    let month = month_name(lang, date.month());
    let day = date.day();
    match lang {
        Lang::En => format!("{weekday}, {month} {day}"),
        Lang::De => format!("{weekday}, {day}. {month}"),
        Lang::Fr => format!("{weekday} {day} {month}"),
        Lang::Es => format!("{weekday}, {day} de {month}"),
    }
}

/// The date with its year: "Wednesday, November 25, 2026"; "Mittwoch, 25. November 2026";
/// "mercredi 25 novembre 2026"; "miércoles, 25 de noviembre de 2026".
fn dated_label(date: Date, lang: Lang) -> String {
    let day = date_label(date, lang);
    match lang {
        Lang::En => format!("{day}, {}", date.year()),
        Lang::De | Lang::Fr => format!("{day} {}", date.year()),
        Lang::Es => format!("{day} de {}", date.year()),
    }
}

/// "Wednesday, November 25, 2026 at 9:00 AM"; "Mittwoch, 25. November 2026 um 09:00";
/// "mercredi 25 novembre 2026 à 09:00"; "miércoles, 25 de noviembre de 2026, 9:00".
pub fn when_label(at: Instant, zone: &Zone, locale: Locale) -> String {
    let z = at
        .to_timestamp()
        .to_zoned_datetime(zone.time_zone().clone());
    let date = dated_label(z.date(), locale.lang);
    let time = locale.time(z.hour(), z.minute());
    match locale.lang {
        Lang::En => format!("{date} at {time}"),
        Lang::De => format!("{date} um {time}"),
        Lang::Fr => format!("{date} à {time}"),
        Lang::Es => format!("{date}, {time}"),
    }
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
            date_label(e.date(), locale.lang),
            locale.time(e.hour(), e.minute())
        )
    };
    format!(
        "{}, {}, {} – {end_label} ({zone_label})",
        date_label(s.date(), locale.lang),
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
        .map(|(d, _)| weekday_names(Lang::En, *d as usize).1)
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
    let start_day = weekday_names(Lang::En, start.weekday().to_monday_zero_offset() as usize).1;
    let pattern = if rule.is_plain() {
        match rule.frequency() {
            Frequency::Daily => every("day", "days"),
            Frequency::Weekly if rule.by_day().is_empty() => {
                format!("{} on {start_day}", every("week", "weeks"))
            }
            Frequency::Weekly if n == 1 => format!("Every {}", weekday_list(rule.by_day())),
            Frequency::Weekly => format!("Every {n} weeks on {}", weekday_list(rule.by_day())),
            Frequency::Monthly => {
                let on = match (rule.by_day(), rule.by_month_day()) {
                    ([(d, k)], []) if *k != 0 => {
                        let day = weekday_names(Lang::En, *d as usize).0;
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
                            date_label(start.date(), Lang::En)
                        );
                    }
                };
                format!("{} on {on}", every("month", "months"))
            }
            Frequency::Yearly => format!(
                "{} on {} {}",
                every("year", "years"),
                month_name(Lang::En, start.month()),
                start.day()
            ),
        }
    } else {
        "Repeats on a custom rule".to_owned()
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
            &month_name(Lang::En, d.month())[..3],
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

    fn at(text: &str) -> Instant {
        Instant::from(text.parse::<jiff::Timestamp>().unwrap())
    }

    #[test]
    fn each_language_writes_dates_its_own_way() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let start = at("2026-11-30T08:00:00Z");
        let cases = [
            (
                Lang::En,
                "en-US",
                "Monday, November 30, 2026 at 9:00 AM",
                "November 2026",
            ),
            (
                Lang::De,
                "de-DE",
                "Montag, 30. November 2026 um 09:00",
                "November 2026",
            ),
            (
                Lang::Fr,
                "fr-FR",
                "lundi 30 novembre 2026 à 09:00",
                "novembre 2026",
            ),
            (
                Lang::Es,
                "es-ES",
                "lunes, 30 de noviembre de 2026, 9:00",
                "noviembre de 2026",
            ),
        ];
        for (lang, header, when, title) in cases {
            let locale = Locale::for_guest(lang, Some(header));
            assert_eq!(when_label(start, &berlin, locale), when);
            assert_eq!(locale.month_title("2026-11-01".parse().unwrap()), title);
            assert_eq!(locale.sunday_first, lang == Lang::En);
        }
        let date: Date = "2026-11-30".parse().unwrap();
        assert_eq!(date_label(date, Lang::De), "Montag, 30. November");
        assert_eq!(date_label(date, Lang::Es), "lunes, 30 de noviembre");
    }

    #[test]
    fn the_clock_and_week_come_from_the_region() {
        let mexico = Locale::for_guest(Lang::Es, Some("es-MX,es;q=0.9"));
        assert!(mexico.hour12 && mexico.sunday_first);
        assert_eq!(mexico.time(15, 0), "3:00 p.\u{a0}m.");
        let french_in_germany = Locale::for_guest(Lang::Fr, Some("de-DE"));
        assert!(!french_in_germany.hour12 && !french_in_germany.sunday_first);
        assert_eq!(french_in_germany.time(9, 5), "09:05");
        let english = Locale::for_guest(Lang::En, None);
        assert!(
            english.hour12 && english.sunday_first,
            "US English by default"
        );
        assert_eq!(english, Locale::from_accept_language(None));
        let german = Locale::for_guest(Lang::De, None);
        assert!(!german.hour12 && !german.sunday_first);
        // The dashboard stays English whatever the browser speaks.
        assert_eq!(Locale::from_accept_language(Some("de-DE")).lang, Lang::En);
    }
}
