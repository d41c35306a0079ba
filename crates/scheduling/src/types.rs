//! Small domain values, each parsed once at the boundary: time of day, weekday, and the
//! bounded quantities of the rules (buffer, notice, horizon, duration, interval).
//!
//! After parsing there is no bare integer for "minutes of buffer" and no bare string for
//! "09:00"; a value that exists is valid.

use std::fmt;

/// A wall-clock time of day, `00:00` ..= `24:00`, in minutes. `24:00` is the end of the day.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    pub const MIDNIGHT: Self = Self(0);
    pub const END_OF_DAY: Self = Self(24 * 60);

    /// Parses strict `HH:MM` (two digits each), `00:00` … `23:59`, or `24:00`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a time of day (expected HH:MM from 00:00 to 24:00)");
        let bytes = text.as_bytes();
        if bytes.len() != 5 || bytes[2] != b':' {
            return Err(bad());
        }
        let digits = |i: usize| -> Result<u16, String> {
            let (a, b) = (bytes[i], bytes[i + 1]);
            if a.is_ascii_digit() && b.is_ascii_digit() {
                Ok(u16::from(a - b'0') * 10 + u16::from(b - b'0'))
            } else {
                Err(bad())
            }
        };
        let (hour, minute) = (digits(0)?, digits(3)?);
        if minute > 59 || hour > 24 || (hour == 24 && minute != 0) {
            return Err(bad());
        }
        Ok(Self(hour * 60 + minute))
    }

    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes <= 24 * 60).then_some(Self(minutes))
    }

    pub const fn minutes(self) -> u16 {
        self.0
    }

    pub fn seconds(self) -> i32 {
        i32::from(self.0) * 60
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl fmt::Debug for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Day of the week, Monday first (the order of the `workingDays` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Self; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// Monday = 0 … Sunday = 6.
    pub fn from_index(index: u32) -> Self {
        Self::ALL[index as usize % 7]
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The English name: `Monday`, …
    pub fn name(self) -> &'static str {
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][self.index()]
    }

    /// The JSON key: `mon`, `tue`, …
    pub fn key(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self.index()]
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }
}

/// Declares a bounded whole-number quantity of the rules, with its unit for messages.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            pub const MIN: u32 = $min;
            pub const MAX: u32 = $max;

            pub fn new(value: i64) -> Result<Self, String> {
                if (i64::from(Self::MIN)..=i64::from(Self::MAX)).contains(&value) {
                    Ok(Self(value as u32))
                } else {
                    Err(format!(
                        "must be between {} and {} {}, not {value}",
                        Self::MIN,
                        Self::MAX,
                        $unit
                    ))
                }
            }

            pub const fn get(self) -> u32 {
                self.0
            }
        }
    };
}

bounded!(
    /// Minutes kept free before and after every booking.
    BufferMinutes, 0, 1440, "minutes"
);
bounded!(
    /// Hours of notice a guest must give.
    NoticeHours, 0, 8760, "hours"
);
bounded!(
    /// How many local days ahead of today a guest may book (0 = today only).
    AdvanceDays, 0, 1095, "days"
);
bounded!(
    /// Length of a meeting in minutes.
    MeetingDuration, 1, 1440, "minutes"
);
bounded!(
    /// Distance between successive candidate starts in minutes.
    SlotInterval, 1, 1440, "minutes"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_are_strict_hh_mm_up_to_24_00() {
        assert_eq!(TimeOfDay::parse("00:00").unwrap().minutes(), 0);
        assert_eq!(TimeOfDay::parse("09:30").unwrap().minutes(), 570);
        assert_eq!(TimeOfDay::parse("24:00").unwrap(), TimeOfDay::END_OF_DAY);
        for bad in [
            "25:00", "24:01", "9:00", "09:60", "0900", "ab:cd", "", "09:00:00", "-1:00",
        ] {
            let err = TimeOfDay::parse(bad).unwrap_err();
            assert!(err.contains("HH:MM"), "{bad}: {err}");
        }
        assert_eq!(TimeOfDay::parse("07:05").unwrap().to_string(), "07:05");
    }

    #[test]
    fn bounded_quantities_refuse_values_outside_their_range() {
        assert!(MeetingDuration::new(0).is_err());
        assert!(
            MeetingDuration::new(-30)
                .unwrap_err()
                .contains("between 1 and 1440 minutes")
        );
        assert_eq!(MeetingDuration::new(1440).unwrap().get(), 1440);
        assert!(BufferMinutes::new(0).is_ok());
        assert!(NoticeHours::new(8761).is_err());
    }

    #[test]
    fn weekday_keys_round_trip() {
        for day in Weekday::ALL {
            assert_eq!(Weekday::from_key(day.key()), Some(day));
        }
        assert_eq!(Weekday::from_key("monday"), None);
    }
}
