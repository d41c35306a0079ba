//! Time zones as people know them: every zone of the tz database's `zone.tab` with its city
//! and country, grouped by region and labelled with the UTC offset, abbreviation and local time
//! now ("Berlin, Germany — UTC+01:00 CET, 14:05"); and a first guess of a guest's zone from
//! `Accept-Language` when the browser has not told us yet.

use std::sync::LazyLock;

use jiff::Timestamp;
use scheduling::Zone;

use crate::format::Locale;

/// One zone of the catalogue.
#[derive(Debug)]
pub struct ZoneEntry {
    pub name: &'static str,
    /// The zone, parsed once with the catalogue.
    pub zone: Zone,
    /// ISO 3166 code of the zone's country (`""` for UTC).
    pub country_code: &'static str,
    pub country: &'static str,
    pub city: String,
    pub region: &'static str,
}

impl ZoneEntry {
    /// "Berlin, Germany"; the city alone where there is no country or it is the country
    /// ("Singapore").
    pub fn place(&self) -> String {
        if self.country_code.is_empty() || self.city == self.country {
            self.city.clone()
        } else {
            format!("{}, {}", self.city, self.country)
        }
    }
}

/// The catalogue, read once from `data/zones.tsv` (zone, country code, country).
pub static CATALOGUE: LazyLock<Vec<ZoneEntry>> = LazyLock::new(|| {
    let mut entries: Vec<ZoneEntry> = include_str!("../../../data/zones.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (name, country_code, country) = (fields.next()?, fields.next()?, fields.next()?);
            Some(ZoneEntry {
                name,
                zone: Zone::parse(name).ok()?,
                country_code,
                country,
                city: city_of(name),
                region: region_of(name),
            })
        })
        .collect();
    entries.push(ZoneEntry {
        name: "UTC",
        zone: Zone::parse("UTC").expect("the tz database has UTC"),
        country_code: "",
        country: "Coordinated Universal Time",
        city: "UTC".into(),
        region: "Other",
    });
    entries
});

/// `America/Argentina/Buenos_Aires` → "Buenos Aires".
fn city_of(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).replace('_', " ")
}

fn region_of(name: &str) -> &'static str {
    match name.split('/').next().unwrap_or_default() {
        "America" => "Americas",
        "Europe" => "Europe",
        "Africa" => "Africa",
        "Asia" => "Asia",
        "Australia" | "Pacific" => "Australia and Pacific",
        "Atlantic" => "Atlantic",
        "Indian" => "Indian Ocean",
        "Antarctica" | "Arctic" => "Antarctica",
        _ => "Other",
    }
}

/// `UTC+05:30`, `UTC−03:00` (a true minus sign), `UTC` for zero.
pub fn offset_label(seconds: i32) -> String {
    if seconds == 0 {
        return "UTC".into();
    }
    let sign = if seconds < 0 { '−' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// What a zone is called at an instant: its offset and, when it has a real one, its
/// abbreviation ("UTC+01:00 CET"; "UTC+03:00" where the database only has "+03").
pub fn zone_label(zone: &Zone, at: Timestamp) -> String {
    let info = zone.time_zone().to_offset_info(at);
    let offset = offset_label(info.offset().seconds());
    let abbreviation = info.abbreviation();
    if abbreviation.starts_with(['+', '-']) || offset == abbreviation {
        offset
    } else {
        format!("{offset} {abbreviation}")
    }
}

/// One option of the zone select.
#[derive(Debug)]
pub struct ZoneOption {
    pub name: String,
    pub label: String,
    pub selected: bool,
}

/// A region's options, ordered by offset then city.
#[derive(Debug)]
pub struct ZoneGroup {
    pub region: &'static str,
    /// The region's name in the reader's language.
    pub label: String,
    pub options: Vec<ZoneOption>,
}

/// The message naming a region of the catalogue.
fn region_message(region: &str) -> &'static str {
    match region {
        "Americas" => "region-americas",
        "Europe" => "region-europe",
        "Africa" => "region-africa",
        "Asia" => "region-asia",
        "Australia and Pacific" => "region-pacific",
        "Atlantic" => "region-atlantic",
        "Indian Ocean" => "region-indian",
        "Antarctica" => "region-antarctica",
        _ => "region-other",
    }
}

/// The select's groups, each zone labelled for the instant `now`, the chosen one selected,
/// regions named in the reader's language (places stay in English: the catalogue's).
pub fn groups(chosen: &str, now: Timestamp, locale: Locale) -> Vec<ZoneGroup> {
    const REGIONS: [&str; 9] = [
        "Americas",
        "Europe",
        "Africa",
        "Asia",
        "Australia and Pacific",
        "Atlantic",
        "Indian Ocean",
        "Antarctica",
        "Other",
    ];
    // A zone outside the catalogue (an alias such as `US/Eastern`) stays choosable, first
    // among "Other".
    let unlisted = Some(chosen)
        .filter(|c| !CATALOGUE.iter().any(|z| z.name == *c))
        .and_then(|c| Zone::parse(c).ok());
    REGIONS
        .iter()
        .map(|&region| {
            let mut zones: Vec<(i32, &ZoneEntry)> = CATALOGUE
                .iter()
                .filter(|z| z.region == region)
                .map(|z| (z.zone.time_zone().to_offset(now).seconds(), z))
                .collect();
            zones.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.city.cmp(&b.1.city)));
            let mut options: Vec<ZoneOption> = zones
                .into_iter()
                .map(|(_, entry)| ZoneOption {
                    name: entry.name.to_owned(),
                    label: option_label(entry, now, locale),
                    selected: entry.name == chosen,
                })
                .collect();
            if let Some(zone) = unlisted.as_ref().filter(|_| region == "Other") {
                let local = now.to_zoned_datetime(zone.time_zone().clone());
                options.insert(
                    0,
                    ZoneOption {
                        name: zone.name().to_owned(),
                        label: format!(
                            "{} — {} · {}",
                            zone.name(),
                            zone_label(zone, now),
                            locale.time(local.hour(), local.minute())
                        ),
                        selected: true,
                    },
                );
            }
            ZoneGroup {
                region,
                label: locale.lang.msg(region_message(region)),
                options,
            }
        })
        .collect()
}

fn option_label(entry: &ZoneEntry, now: Timestamp, locale: Locale) -> String {
    let zone = &entry.zone;
    let local = now.to_zoned_datetime(zone.time_zone().clone());
    let place = entry.place();
    let label = zone_label(zone, now);
    let time = locale.time(local.hour(), local.minute());
    if label == place {
        format!("{place} · {time}")
    } else {
        format!("{place} — {label} · {time}")
    }
}

/// The zone's place as a person says it ("Berlin, Germany"), or its IANA name.
pub fn place(name: &str) -> String {
    CATALOGUE
        .iter()
        .find(|z| z.name == name)
        .map_or_else(|| name.to_owned(), ZoneEntry::place)
}

/// The most likely zone of a country with several: its largest city's.
const MAIN_ZONE: [(&str, &str); 16] = [
    ("US", "America/New_York"),
    ("CA", "America/Toronto"),
    ("MX", "America/Mexico_City"),
    ("BR", "America/Sao_Paulo"),
    ("AR", "America/Argentina/Buenos_Aires"),
    ("AU", "Australia/Sydney"),
    ("RU", "Europe/Moscow"),
    ("ES", "Europe/Madrid"),
    ("PT", "Europe/Lisbon"),
    ("DE", "Europe/Berlin"),
    ("CN", "Asia/Shanghai"),
    ("ID", "Asia/Jakarta"),
    ("KZ", "Asia/Almaty"),
    ("CL", "America/Santiago"),
    ("NZ", "Pacific/Auckland"),
    ("UA", "Europe/Kyiv"),
];

/// Countries for a bare language tag (`de` → Germany), where one country is the obvious one.
const LANGUAGE_COUNTRY: [(&str, &str); 14] = [
    ("de", "DE"),
    ("fr", "FR"),
    ("es", "ES"),
    ("it", "IT"),
    ("nl", "NL"),
    ("pl", "PL"),
    ("ja", "JP"),
    ("ko", "KR"),
    ("sv", "SE"),
    ("da", "DK"),
    ("fi", "FI"),
    ("cs", "CZ"),
    ("el", "GR"),
    ("tr", "TR"),
];

/// A guess of the reader's zone from their first `Accept-Language` tag's region (`de-AT` →
/// Vienna), or from the language where one country is obvious (`fr` → Paris); `None` for a
/// bare `en` and the like.
pub fn guess(accept_language: Option<&str>) -> Option<&'static str> {
    let first = accept_language?
        .split(',')
        .next()?
        .split(';')
        .next()?
        .trim();
    let mut parts = first.split(['-', '_']);
    let language = parts.next()?.to_ascii_lowercase();
    let region = parts
        .find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
        .or_else(|| {
            LANGUAGE_COUNTRY
                .iter()
                .find(|(l, _)| *l == language)
                .map(|(_, c)| (*c).to_owned())
        })?;
    MAIN_ZONE
        .iter()
        .find(|(c, _)| *c == region)
        .map(|(_, z)| *z)
        .or_else(|| {
            CATALOGUE
                .iter()
                .find(|z| z.country_code == region)
                .map(|z| z.name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_zone_is_known_and_has_a_place() {
        assert!(CATALOGUE.len() > 400);
        assert!(CATALOGUE.iter().all(|z| !z.city.is_empty()));
        assert_eq!(place("Europe/Berlin"), "Berlin, Germany");
        assert_eq!(
            place("America/Argentina/Buenos_Aires"),
            "Buenos Aires, Argentina"
        );
    }

    #[test]
    fn labels_name_the_offset_and_abbreviation_at_the_instant() {
        let winter: Timestamp = "2026-01-15T12:00:00Z".parse().unwrap();
        let summer: Timestamp = "2026-07-15T12:00:00Z".parse().unwrap();
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(zone_label(&berlin, winter), "UTC+01:00 CET");
        assert_eq!(zone_label(&berlin, summer), "UTC+02:00 CEST");
        let kolkata = Zone::parse("Asia/Kolkata").unwrap();
        assert_eq!(zone_label(&kolkata, winter), "UTC+05:30 IST");
        let sao_paulo = Zone::parse("America/Sao_Paulo").unwrap();
        assert_eq!(zone_label(&sao_paulo, winter), "UTC−03:00");
        assert_eq!(zone_label(&Zone::parse("UTC").unwrap(), winter), "UTC");
    }

    #[test]
    fn groups_hold_every_zone_once_with_the_chosen_one_selected() {
        let now: Timestamp = "2026-11-25T13:05:00Z".parse().unwrap();
        let locale = Locale::from_accept_language(Some("de-DE"));
        let groups = groups("Europe/Berlin", now, locale);
        let all: Vec<&ZoneOption> = groups.iter().flat_map(|g| &g.options).collect();
        assert_eq!(all.len(), CATALOGUE.len());
        let chosen: Vec<_> = all.iter().filter(|o| o.selected).collect();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].label, "Berlin, Germany — UTC+01:00 CET · 14:05");
        assert_eq!(groups[1].label, "Europe");
        let german = crate::format::Locale::for_guest(crate::i18n::Lang::De, Some("de-DE"));
        let labels: Vec<String> = super::groups("Europe/Berlin", now, german)
            .into_iter()
            .map(|g| g.label)
            .collect();
        assert_eq!(labels[0], "Amerika");
        assert_eq!(labels[6], "Indischer Ozean");
    }

    #[test]
    fn a_first_guess_comes_from_the_language_region() {
        assert_eq!(guess(Some("de-AT,de;q=0.9")), Some("Europe/Vienna"));
        assert_eq!(guess(Some("de")), Some("Europe/Berlin"));
        assert_eq!(guess(Some("fr-CA")), Some("America/Toronto"));
        assert_eq!(guess(Some("en-US")), Some("America/New_York"));
        assert_eq!(guess(Some("en-GB")), Some("Europe/London"));
        assert_eq!(guess(Some("en")), None);
        assert_eq!(guess(Some("*")), None);
        assert_eq!(guess(None), None);
    }
}
