//! Availability settings: the host's zone, weekly hours, buffer, notice and horizon.
//!
//! Two forms of weekly hours exist (docs/DESIGN.md §5.1): the seed form (`workingDays` +
//! `startTime`/`endTime`) and the general `weeklyHours` with several windows a day. Both are
//! kept as entered, so the API returns what the host wrote; [`AvailabilitySettings::windows`]
//! resolves them into the windows the engine walks.

use serde_json::{Map, Value, json};

use crate::civil::Zone;
use crate::field::{FieldError, Obj, join};
use crate::types::{AdvanceDays, BufferMinutes, NoticeHours, TimeOfDay, Weekday};

/// A half-open window `[start, end)` of wall-clock time on one day; `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

impl Window {
    pub fn new(start: TimeOfDay, end: TimeOfDay) -> Result<Self, String> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(format!(
                "the window ends ({end}) before it starts ({start})"
            ))
        }
    }
}

/// Several windows per weekday, sorted and non-overlapping.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    days: [Vec<Window>; 7],
}

impl WeeklyHours {
    /// Builds weekly hours, refusing overlapping windows on a day.
    pub fn new(mut days: [Vec<Window>; 7]) -> Result<Self, (Weekday, String)> {
        for (day, windows) in Weekday::ALL.into_iter().zip(days.iter_mut()) {
            sort_windows(windows).map_err(|m| (day, m))?;
        }
        Ok(Self { days })
    }

    /// The seed form: one window on every working day.
    pub fn uniform(working: [bool; 7], window: Window) -> Self {
        Self {
            days: working.map(|on| if on { vec![window] } else { Vec::new() }),
        }
    }

    pub fn on(&self, day: Weekday) -> &[Window] {
        &self.days[day.index()]
    }

    fn read(value: &Value, path: &str) -> Result<Self, FieldError> {
        let obj = Obj::new(value, path)?;
        let Value::Object(map) = value else {
            unreachable!("Obj::new checked the object")
        };
        let mut days: [Vec<Window>; 7] = Default::default();
        for key in map.keys() {
            let day = Weekday::from_key(key).ok_or_else(|| {
                obj.error(
                    key,
                    "is not a weekday (use mon, tue, wed, thu, fri, sat, sun)",
                )
            })?;
            let day_path = obj.field(key);
            for (i, item) in obj.array(key)?.into_iter().flatten().enumerate() {
                let item_path = format!("{day_path}[{i}]");
                days[day.index()].push(read_window(item, &item_path)?);
            }
        }
        Self::new(days).map_err(|(day, m)| FieldError::new(join(path, day.key()), m))
    }

    fn to_json(&self) -> Value {
        let mut map = Map::new();
        for day in Weekday::ALL {
            let windows = self.on(day);
            if !windows.is_empty() {
                map.insert(day.key().to_owned(), windows_json(windows));
            }
        }
        Value::Object(map)
    }
}

/// One day's windows in the wire form `[["09:00","12:00"], …]`.
fn windows_json(windows: &[Window]) -> Value {
    windows
        .iter()
        .map(|w| json!([w.start.to_string(), w.end.to_string()]))
        .collect()
}

/// Sorts one day's windows, refusing two that overlap.
fn sort_windows(windows: &mut [Window]) -> Result<(), String> {
    windows.sort_by_key(|w| w.start);
    match windows.windows(2).find(|p| p[1].start < p[0].end) {
        Some(pair) => Err(format!(
            "windows {}–{} and {}–{} overlap",
            pair[0].start, pair[0].end, pair[1].start, pair[1].end
        )),
        None => Ok(()),
    }
}

/// Reads a list of `["HH:MM", "HH:MM"]` windows (`null` is none), sorted and checked.
fn read_windows(value: &Value, path: &str) -> Result<Vec<Window>, FieldError> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(FieldError::new(
                path,
                "must be a list of [\"HH:MM\", \"HH:MM\"] windows",
            ));
        }
    };
    let mut windows = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_window(item, &format!("{path}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    sort_windows(&mut windows).map_err(|m| FieldError::new(path, m))?;
    Ok(windows)
}

/// Days whose hours differ from their weekday's (docs/DESIGN.md §11): local dates of the
/// schedule's zone, as day numbers, each with the windows that replace the weekday's
/// (none: closed that day).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DateOverrides {
    days: std::collections::BTreeMap<i32, Vec<Window>>,
}

/// The most date overrides a schedule keeps (years of holidays fit).
pub const MAX_DATE_OVERRIDES: usize = 1000;

impl DateOverrides {
    /// The windows of day `day` if it is overridden.
    pub fn on(&self, day: i32) -> Option<&[Window]> {
        self.days.get(&day).map(Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    fn read(value: &Value, path: &str) -> Result<Self, FieldError> {
        if value.is_null() {
            return Ok(Self::default());
        }
        let obj = Obj::new(value, path)?;
        let Value::Object(map) = value else {
            unreachable!("Obj::new checked the object")
        };
        if map.len() > MAX_DATE_OVERRIDES {
            return Err(FieldError::new(
                path,
                format!("at most {MAX_DATE_OVERRIDES} dates may be overridden"),
            ));
        }
        let mut days = std::collections::BTreeMap::new();
        for (key, windows) in map {
            let day = crate::civil::parse_date(key).map_err(|m| obj.error(key, m))?;
            days.insert(day, read_windows(windows, &obj.field(key))?);
        }
        Ok(Self { days })
    }

    fn to_json(&self) -> Value {
        let map = self
            .days
            .iter()
            .map(|(day, windows)| (crate::civil::format_date(*day), windows_json(windows)))
            .collect();
        Value::Object(map)
    }
}

fn read_window(item: &Value, path: &str) -> Result<Window, FieldError> {
    let pair = match item {
        Value::Array(pair) if pair.len() == 2 => pair,
        _ => {
            return Err(FieldError::new(
                path,
                "must be a pair [\"HH:MM\", \"HH:MM\"]",
            ));
        }
    };
    let time = |v: &Value| match v {
        Value::String(s) => TimeOfDay::parse(s).map_err(|m| FieldError::new(path, m)),
        _ => Err(FieldError::new(
            path,
            "must be a pair [\"HH:MM\", \"HH:MM\"]",
        )),
    };
    Window::new(time(&pair[0])?, time(&pair[1])?).map_err(|m| FieldError::new(path, m))
}

/// A host's availability settings, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilitySettings {
    pub zone: Zone,
    pub working_days: [bool; 7],
    pub start_time: TimeOfDay,
    pub end_time: TimeOfDay,
    /// The general form; when present it replaces the seed form.
    pub weekly_hours: Option<WeeklyHours>,
    pub buffer: BufferMinutes,
    pub min_notice: NoticeHours,
    pub max_advance: AdvanceDays,
    /// Local dates whose hours replace their weekday's.
    pub date_overrides: DateOverrides,
    /// The seed form resolved once, so [`Self::windows`] never allocates.
    seed_hours: WeeklyHours,
}

impl AvailabilitySettings {
    pub const DEFAULT_ZONE: &'static str = "America/New_York";

    /// The seed's defaults: Mon–Fri 09:00–17:00 New York, 15 min buffer, 24 h notice,
    /// 30 days ahead.
    pub fn seed_default() -> Self {
        Self::read(&json!({}), "").expect("the defaults are valid")
    }

    /// Reads the `availability` object of docs/DESIGN.md §5/§7. Missing optional fields take the
    /// seed's defaults.
    pub fn read(value: &Value, path: &str) -> Result<Self, FieldError> {
        let obj = Obj::new(value, path)?;
        let zone = obj.parse_str("timezone", Zone::parse)?;
        let zone = match zone {
            Some(zone) => zone,
            None => Zone::parse(Self::DEFAULT_ZONE).map_err(|m| obj.error("timezone", m))?,
        };
        let working_days = read_working_days(&obj)?;
        let start_time = obj.parse_str("startTime", TimeOfDay::parse)?;
        let end_time = obj.parse_str("endTime", TimeOfDay::parse)?;
        let start_time = start_time.unwrap_or(TimeOfDay::from_minutes(9 * 60).unwrap());
        let end_time = end_time.unwrap_or(TimeOfDay::from_minutes(17 * 60).unwrap());
        let window = Window::new(start_time, end_time).map_err(|_| {
            obj.error(
                "endTime",
                format!("{end_time} must be after startTime {start_time}"),
            )
        })?;
        let weekly_hours = obj
            .get("weeklyHours")
            .map(|v| WeeklyHours::read(v, &obj.field("weeklyHours")))
            .transpose()?;
        let date_overrides = obj
            .get("dateOverrides")
            .map(|v| DateOverrides::read(v, &obj.field("dateOverrides")))
            .transpose()?
            .unwrap_or_default();
        Ok(Self {
            zone,
            working_days,
            start_time,
            end_time,
            weekly_hours,
            buffer: read_bounded(&obj, "bufferTime", 15, BufferMinutes::new)?,
            min_notice: read_bounded(&obj, "minNotice", 24, NoticeHours::new)?,
            max_advance: read_bounded(&obj, "maxAdvance", 30, AdvanceDays::new)?,
            date_overrides,
            seed_hours: WeeklyHours::uniform(working_days, window),
        })
    }

    /// Applies a partial update (`PATCH /api/availability`): fields present in `patch`
    /// replace this value's, `"weeklyHours": null` returns to the seed form.
    pub fn patched(&self, patch: &Value) -> Result<Self, FieldError> {
        let Value::Object(changes) = patch else {
            return Err(FieldError::new("", "the body must be a JSON object"));
        };
        let Value::Object(mut merged) = self.to_json() else {
            unreachable!("to_json writes an object")
        };
        for (key, value) in changes {
            merged.insert(key.clone(), value.clone());
        }
        Self::read(&Value::Object(merged), "")
    }

    /// The windows of local day `day` (a day number): its override if it has one, else its
    /// weekday's.
    pub fn windows_on(&self, day: i32) -> &[Window] {
        self.date_overrides
            .on(day)
            .unwrap_or_else(|| self.windows(Weekday::from_index(crate::civil::weekday(day))))
    }

    /// The windows of a weekday, from whichever form is in force.
    pub fn windows(&self, day: Weekday) -> &[Window] {
        self.weekly_hours
            .as_ref()
            .unwrap_or(&self.seed_hours)
            .on(day)
    }

    /// The wire form of docs/DESIGN.md §7 (`weeklyHours` is `null` in the seed form).
    pub fn to_json(&self) -> Value {
        let mut days = Map::new();
        for day in Weekday::ALL {
            days.insert(
                day.key().to_owned(),
                Value::Bool(self.working_days[day.index()]),
            );
        }
        json!({
            "timezone": self.zone.name(),
            "workingDays": days,
            "startTime": self.start_time.to_string(),
            "endTime": self.end_time.to_string(),
            "weeklyHours": self.weekly_hours.as_ref().map(WeeklyHours::to_json),
            "bufferTime": self.buffer.get(),
            "minNotice": self.min_notice.get(),
            "maxAdvance": self.max_advance.get(),
            "dateOverrides": self.date_overrides.to_json(),
        })
    }
}

/// Reads a bounded quantity, taking `default` when the field is missing.
fn read_bounded<T>(
    obj: &Obj<'_>,
    key: &str,
    default: i64,
    new: fn(i64) -> Result<T, String>,
) -> Result<T, FieldError> {
    new(obj.int(key)?.unwrap_or(default)).map_err(|m| obj.error(key, m))
}

fn read_working_days(obj: &Obj<'_>) -> Result<[bool; 7], FieldError> {
    let Some(value) = obj.get("workingDays") else {
        return Ok([true, true, true, true, true, false, false]);
    };
    let path = obj.field("workingDays");
    let days = Obj::new(value, &path)?;
    let Value::Object(map) = value else {
        unreachable!("Obj::new checked the object")
    };
    if let Some(key) = map.keys().find(|k| Weekday::from_key(k).is_none()) {
        return Err(days.error(
            key,
            "is not a weekday (use mon, tue, wed, thu, fri, sat, sun)",
        ));
    }
    let mut working = [false; 7];
    for day in Weekday::ALL {
        working[day.index()] = days.bool(day.key())?.unwrap_or(false);
    }
    Ok(working)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(v: &Value) -> Result<AvailabilitySettings, String> {
        AvailabilitySettings::read(v, "availability").map_err(|e| e.to_string())
    }

    #[test]
    fn missing_fields_take_the_seed_defaults() {
        let s = read(&json!({"timezone": "Europe/Berlin"})).unwrap();
        assert_eq!(s.buffer.get(), 15);
        assert_eq!(s.min_notice.get(), 24);
        assert_eq!(s.max_advance.get(), 30);
        assert_eq!(s.windows(Weekday::Mon).len(), 1);
        assert!(s.windows(Weekday::Sat).is_empty());
    }

    #[test]
    fn weekly_hours_replace_the_seed_form_and_empty_means_no_hours() {
        let s =
            read(&json!({"weeklyHours": {"mon": [["13:00","17:00"], ["09:00","12:00"]]}})).unwrap();
        let mon = s.windows(Weekday::Mon);
        assert_eq!(mon[0].start.to_string(), "09:00", "windows are sorted");
        assert!(s.windows(Weekday::Tue).is_empty());
        let none = read(&json!({"weeklyHours": {}})).unwrap();
        assert!(Weekday::ALL.iter().all(|d| none.windows(*d).is_empty()));
        let seed = read(&json!({"weeklyHours": null})).unwrap();
        assert_eq!(seed.windows(Weekday::Tue).len(), 1);
    }

    #[test]
    fn bad_settings_name_the_field() {
        let cases = [
            (
                json!({"timezone": "Nowhere/City"}),
                "availability.timezone: ",
            ),
            (json!({"startTime": "25:00"}), "availability.startTime: "),
            (
                json!({"startTime": "17:00", "endTime": "09:00"}),
                "availability.endTime: ",
            ),
            (json!({"bufferTime": -5}), "availability.bufferTime: "),
            (
                json!({"workingDays": {"funday": true}}),
                "availability.workingDays.funday: ",
            ),
            (
                json!({"weeklyHours": {"mon": [["10:00","09:00"]]}}),
                "availability.weeklyHours.mon[0]: ",
            ),
            (
                json!({"weeklyHours": {"mon": [["09:00","12:00"], ["11:00","13:00"]]}}),
                "availability.weeklyHours.mon: ",
            ),
        ];
        for (input, prefix) in cases {
            let err = read(&input).unwrap_err();
            assert!(err.starts_with(prefix), "{input}: {err}");
        }
    }

    #[test]
    fn patching_keeps_what_is_not_mentioned_and_round_trips() {
        let s = read(&json!({"timezone": "Asia/Kolkata", "bufferTime": 0})).unwrap();
        let p = s.patched(&json!({"minNotice": 2})).unwrap();
        assert_eq!(p.zone.name(), "Asia/Kolkata");
        assert_eq!(p.buffer.get(), 0);
        assert_eq!(p.min_notice.get(), 2);
        assert_eq!(AvailabilitySettings::read(&p.to_json(), "").unwrap(), p);
    }
}
