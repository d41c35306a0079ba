//! RFC 5545 recurrence rules (RRULE) for blocked time: parsing and expansion.
//!
//! Our own expansion on day numbers rather than the `rrule` crate: that crate speaks chrono,
//! walks every occurrence since DTSTART, and costs far more than the engine's whole budget.
//! This one reads rules exactly as python-dateutil does (docs/DESIGN.md §5.4): occurrences are
//! wall-clock times in the host's zone, made instants by the compatible rule; the start
//! counts only when it matches the rule; `UNTIL` is an instant (UTC). Without `COUNT` the
//! expansion jumps straight to the period that contains the query, so a rule begun years
//! ago costs the same as one begun last week.
//!
//! Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY, INTERVAL, COUNT, UNTIL, BYDAY (with ordinals
//! such as `1MO`, `-1FR` for monthly and yearly rules), BYMONTHDAY, BYMONTH, BYYEARDAY,
//! BYHOUR, BYMINUTE, BYSECOND, BYSETPOS, WKST. Anything else is refused with a message.

use std::fmt;

use crate::civil::{
    SECONDS_PER_DAY, Zone, civil_from_days, days_from_civil, days_in_month, days_in_year, weekday,
};
use crate::instant::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frequency {
    Yearly,
    Monthly,
    Weekly,
    Daily,
}

/// Where a rule stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleEnd {
    Never,
    Count(u32),
    /// `UNTIL=…Z` (or a floating date-time, read as UTC): the last instant allowed.
    UntilInstant(Instant),
    /// `UNTIL=YYYYMMDD`: through the end of that date in the host's zone, as a person means it.
    UntilDate(i32),
}

/// A parsed RRULE, valid by construction.
#[derive(Clone, PartialEq, Eq)]
pub struct RecurrenceRule {
    text: String,
    freq: Frequency,
    interval: u32,
    end: RuleEnd,
    by_month: Vec<u32>,
    by_month_day: Vec<i32>,
    by_year_day: Vec<i32>,
    /// `(weekday Mon=0, ordinal)`, ordinal 0 for a plain weekday.
    by_day: Vec<(u32, i32)>,
    by_hour: Vec<u32>,
    by_minute: Vec<u32>,
    by_second: Vec<u32>,
    by_set_pos: Vec<i32>,
    week_start: u32,
}

const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

fn parse_list<T>(
    key: &str,
    value: &str,
    parse_one: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Result<Vec<T>, String> {
    value
        .split(',')
        .map(|item| {
            parse_one(item.trim())
                .ok_or_else(|| format!("{key}={value}: {item:?} is not {expected}"))
        })
        .collect()
}

fn int_in(text: &str, range: std::ops::RangeInclusive<i32>, nonzero: bool) -> Option<i32> {
    let n: i32 = text.parse().ok()?;
    (range.contains(&n) && (!nonzero || n != 0)).then_some(n)
}

fn parse_weekday(text: &str) -> Option<u32> {
    WEEKDAYS.iter().position(|d| *d == text).map(|i| i as u32)
}

fn parse_by_day(text: &str) -> Option<(u32, i32)> {
    let split = text.len().checked_sub(2)?;
    let (ordinal, day) = text.split_at(split);
    let day = parse_weekday(day)?;
    let ordinal = if ordinal.is_empty() {
        0
    } else {
        int_in(ordinal, -53..=53, true)?
    };
    Some((day, ordinal))
}

/// `YYYYMMDD`, or `YYYYMMDDTHHMMSS` with an optional `Z`.
fn parse_until(text: &str) -> Option<RuleEnd> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then_some(());
    let date = text.get(0..8)?;
    digits(date)?;
    let (y, m, d) = (
        date[0..4].parse().ok()?,
        date[4..6].parse().ok()?,
        date[6..8].parse().ok()?,
    );
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let day = days_from_civil(y, m, d);
    let rest = &text[8..];
    if rest.is_empty() {
        return Some(RuleEnd::UntilDate(day));
    }
    let time = rest.strip_prefix('T')?;
    let time = time.strip_suffix('Z').unwrap_or(time);
    if time.len() != 6 {
        return None;
    }
    digits(time)?;
    let (h, mi, s): (i64, i64, i64) = (
        time[0..2].parse().ok()?,
        time[2..4].parse().ok()?,
        time[4..6].parse().ok()?,
    );
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs = i64::from(day) * i64::from(SECONDS_PER_DAY) + h * 3600 + mi * 60 + s;
    Some(RuleEnd::UntilInstant(Instant::from_millis(secs * 1000)))
}

impl RecurrenceRule {
    /// Parses `FREQ=WEEKLY;BYDAY=MO,WE` (an `RRULE:` prefix is accepted). Keys and values
    /// are case-insensitive, as in python-dateutil.
    pub fn parse(input: &str) -> Result<Self, String> {
        let upper = input.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("RRULE:").unwrap_or(&upper);
        if body.is_empty() {
            return Err("is empty; expected a rule such as \"FREQ=WEEKLY;BYDAY=MO\"".into());
        }
        let mut rule = Self {
            text: body.to_owned(),
            freq: Frequency::Daily,
            interval: 1,
            end: RuleEnd::Never,
            by_month: Vec::new(),
            by_month_day: Vec::new(),
            by_year_day: Vec::new(),
            by_day: Vec::new(),
            by_hour: Vec::new(),
            by_minute: Vec::new(),
            by_second: Vec::new(),
            by_set_pos: Vec::new(),
            week_start: 0,
        };
        let mut seen: Vec<&str> = Vec::new();
        let (mut freq, mut count, mut until) = (None, None, None);
        for part in body.split(';').filter(|p| !p.trim().is_empty()) {
            let (key, value) = part
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| format!("{part:?} is not a KEY=VALUE part of an RRULE"))?;
            if seen.contains(&key) {
                return Err(format!("{key} appears twice"));
            }
            seen.push(key);
            if value.is_empty() {
                return Err(format!("{key} has no value"));
            }
            let u = |n: i32| n as u32;
            match key {
                "FREQ" => {
                    freq = Some(match value {
                        "YEARLY" => Frequency::Yearly,
                        "MONTHLY" => Frequency::Monthly,
                        "WEEKLY" => Frequency::Weekly,
                        "DAILY" => Frequency::Daily,
                        "HOURLY" | "MINUTELY" | "SECONDLY" => {
                            return Err(format!(
                                "FREQ={value} is not supported for blocked time \
                                 (use DAILY, WEEKLY, MONTHLY or YEARLY)"
                            ));
                        }
                        _ => {
                            return Err(format!(
                                "FREQ={value} is not a frequency (DAILY, WEEKLY, MONTHLY, YEARLY)"
                            ));
                        }
                    });
                }
                "INTERVAL" => {
                    rule.interval = int_in(value, 1..=1000, true)
                        .map(u)
                        .ok_or_else(|| format!("INTERVAL={value}: must be 1 to 1000"))?;
                }
                "COUNT" => {
                    count = Some(
                        int_in(value, 1..=100_000, true)
                            .map(u)
                            .ok_or_else(|| format!("COUNT={value}: must be 1 to 100000"))?,
                    );
                }
                "UNTIL" => {
                    until = Some(parse_until(value).ok_or_else(|| {
                        format!("UNTIL={value}: expected YYYYMMDD or YYYYMMDDTHHMMSSZ")
                    })?);
                }
                "BYMONTH" => {
                    rule.by_month = parse_list(
                        key,
                        value,
                        |s| int_in(s, 1..=12, true).map(u),
                        "a month 1–12",
                    )?;
                }
                "BYMONTHDAY" => {
                    rule.by_month_day =
                        parse_list(key, value, |s| int_in(s, -31..=31, true), "a day ±1–31")?;
                }
                "BYYEARDAY" => {
                    rule.by_year_day =
                        parse_list(key, value, |s| int_in(s, -366..=366, true), "a day ±1–366")?;
                }
                "BYDAY" => {
                    rule.by_day = parse_list(
                        key,
                        value,
                        parse_by_day,
                        "a weekday such as MO, 1MO or -1FR",
                    )?;
                }
                "BYHOUR" => {
                    rule.by_hour = parse_list(
                        key,
                        value,
                        |s| int_in(s, 0..=23, false).map(u),
                        "an hour 0–23",
                    )?;
                }
                "BYMINUTE" => {
                    rule.by_minute = parse_list(
                        key,
                        value,
                        |s| int_in(s, 0..=59, false).map(u),
                        "a minute 0–59",
                    )?;
                }
                "BYSECOND" => {
                    rule.by_second = parse_list(
                        key,
                        value,
                        |s| int_in(s, 0..=59, false).map(u),
                        "a second 0–59",
                    )?;
                }
                "BYSETPOS" => {
                    rule.by_set_pos = parse_list(
                        key,
                        value,
                        |s| int_in(s, -366..=366, true),
                        "a position ±1–366",
                    )?;
                }
                "WKST" => {
                    rule.week_start = parse_weekday(value).ok_or_else(|| {
                        format!("WKST={value}: expected MO, TU, WE, TH, FR, SA or SU")
                    })?;
                }
                "BYWEEKNO" | "BYEASTER" => return Err(format!("{key} is not supported")),
                "DTSTART" => {
                    return Err("DTSTART is not part of the rule: the blocked time's startTime is the start".into());
                }
                _ => return Err(format!("{key} is not an RRULE part")),
            }
        }
        rule.freq = freq.ok_or("FREQ is required (e.g. \"FREQ=WEEKLY;BYDAY=MO\")")?;
        rule.end = match (count, until) {
            (Some(_), Some(_)) => return Err("COUNT and UNTIL cannot both be given".into()),
            (Some(n), None) => RuleEnd::Count(n),
            (None, Some(end)) => end,
            (None, None) => RuleEnd::Never,
        };
        Ok(rule)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn frequency(&self) -> Frequency {
        self.freq
    }

    /// How many occurrences the rule can have in one day: the product of the BYHOUR,
    /// BYMINUTE and BYSECOND set sizes (each 1 when absent). What a host may save is bounded
    /// by this, so no rule can make an availability query expensive.
    pub fn times_per_day(&self) -> usize {
        [&self.by_hour, &self.by_minute, &self.by_second]
            .iter()
            .map(|set| set.len().max(1))
            .product()
    }

    pub fn end(&self) -> RuleEnd {
        self.end
    }

    /// `INTERVAL` (1 when absent).
    pub fn interval(&self) -> u32 {
        self.interval
    }

    /// `BYDAY` as `(weekday Mon=0, ordinal)`, ordinal 0 for a plain weekday.
    pub fn by_day(&self) -> &[(u32, i32)] {
        &self.by_day
    }

    /// `BYMONTHDAY`.
    pub fn by_month_day(&self) -> &[i32] {
        &self.by_month_day
    }

    /// Whether the rule uses only FREQ, INTERVAL, BYDAY, BYMONTHDAY and its end: the forms
    /// people write ("every Wed and Thu", "monthly on the 15th"), which a sentence can say.
    pub fn is_plain(&self) -> bool {
        [
            &self.by_month,
            &self.by_hour,
            &self.by_minute,
            &self.by_second,
        ]
        .iter()
        .all(|v| v.is_empty())
            && self.by_year_day.is_empty()
            && self.by_set_pos.is_empty()
    }

    /// Calls `emit` with the instant of every occurrence whose local date (in `zone`) lies in
    /// `first_day ..= last_day`, in order. DTSTART is wall-clock `start_second` on local day
    /// `start_day`.
    pub fn expand(
        &self,
        zone: &Zone,
        start_day: i32,
        start_second: i32,
        first_day: i32,
        last_day: i32,
        mut emit: impl FnMut(Instant),
    ) {
        let plan = Plan::new(self, start_day, start_second);
        let mut remaining = match self.end {
            RuleEnd::Count(n) => Some(n),
            _ => None,
        };
        // Counting needs every occurrence since the start; otherwise jump near the range.
        let mut period = if remaining.is_some() {
            0
        } else {
            plan.period_of(first_day).max(0)
        };
        let mut days: Vec<i32> = Vec::with_capacity(31);
        let mut picked: Vec<(i32, i32)> = Vec::new();
        loop {
            let (first, last) = plan.period_days(period);
            if first > last_day {
                return;
            }
            // Days outside the query only matter when positions or a count depend on them.
            let (from, to) = if self.by_set_pos.is_empty() && remaining.is_none() {
                (first.max(first_day), last.min(last_day))
            } else {
                (first, last)
            };
            plan.matching_days(first, last, from, to, &mut days);
            if self.by_set_pos.is_empty() {
                picked.clear();
                picked.extend(
                    days.iter()
                        .flat_map(|&d| plan.times.iter().map(move |&t| (d, t))),
                );
            } else {
                plan.select_positions(&self.by_set_pos, &days, &mut picked);
            }
            for &(day, second) in &picked {
                let instant = match self.end {
                    RuleEnd::UntilInstant(until) => {
                        let at = zone.local_to_instant(day, second);
                        if at > until {
                            return;
                        }
                        Some(at)
                    }
                    RuleEnd::UntilDate(until) if day > until => return,
                    _ => None,
                };
                if (day, second) < (start_day, start_second) {
                    continue;
                }
                if let Some(n) = remaining.as_mut() {
                    if *n == 0 {
                        return;
                    }
                    *n -= 1;
                }
                if day > last_day {
                    return;
                }
                if day >= first_day {
                    emit(instant.unwrap_or_else(|| zone.local_to_instant(day, second)));
                }
            }
            period += 1;
        }
    }
}

/// A rule with python-dateutil's defaults filled in from DTSTART.
struct Plan<'r> {
    rule: &'r RecurrenceRule,
    start_day: i32,
    start_year: i32,
    start_month: u32,
    /// First day of DTSTART's week (per WKST), for weekly periods.
    week_zero: i32,
    month_mask: u16,
    month_days: Vec<i32>,
    weekday_mask: u8,
    nth_weekdays: Vec<(u32, i32)>,
    times: Vec<i32>,
}

impl<'r> Plan<'r> {
    fn new(rule: &'r RecurrenceRule, start_day: i32, start_second: i32) -> Self {
        let (year, month, day) = civil_from_days(start_day);
        let mut by_month = rule.by_month.clone();
        let mut month_days = rule.by_month_day.clone();
        let mut by_day = rule.by_day.clone();
        if rule.by_year_day.is_empty() && month_days.is_empty() && by_day.is_empty() {
            match rule.freq {
                Frequency::Yearly => {
                    if by_month.is_empty() {
                        by_month.push(month);
                    }
                    month_days.push(day as i32);
                }
                Frequency::Monthly => month_days.push(day as i32),
                Frequency::Weekly => by_day.push((weekday(start_day), 0)),
                Frequency::Daily => {}
            }
        }
        let mut weekday_mask = 0u8;
        let mut nth_weekdays = Vec::new();
        for (wd, n) in by_day {
            // dateutil keeps ordinals only for monthly and yearly rules.
            if n == 0 || rule.freq > Frequency::Monthly {
                weekday_mask |= 1 << wd;
            } else {
                nth_weekdays.push((wd, n));
            }
        }
        let default_part = |list: &[u32], value: i32| -> Vec<u32> {
            if list.is_empty() {
                vec![value as u32]
            } else {
                list.to_vec()
            }
        };
        let hours = default_part(&rule.by_hour, start_second / 3600);
        let minutes = default_part(&rule.by_minute, start_second / 60 % 60);
        let seconds = default_part(&rule.by_second, start_second % 60);
        let mut times = Vec::with_capacity(hours.len() * minutes.len() * seconds.len());
        for &h in &hours {
            for &m in &minutes {
                times.extend(seconds.iter().map(|&s| (h * 3600 + m * 60 + s) as i32));
            }
        }
        times.sort_unstable();
        times.dedup();
        let week_zero =
            start_day - (weekday(start_day) as i32 - rule.week_start as i32).rem_euclid(7);
        Self {
            rule,
            start_day,
            start_year: year,
            start_month: month,
            week_zero,
            month_mask: by_month.iter().fold(0, |m, &b| m | 1 << b),
            month_days,
            weekday_mask,
            nth_weekdays,
            times,
        }
    }

    fn month_index(year: i32, month: u32) -> i32 {
        year * 12 + month as i32 - 1
    }

    /// The index of the period that contains local day `day` (negative before the start).
    fn period_of(&self, day: i32) -> i64 {
        let interval = i64::from(self.rule.interval);
        let steps = match self.rule.freq {
            Frequency::Daily => i64::from(day - self.start_day),
            Frequency::Weekly => i64::from(day - self.week_zero).div_euclid(7),
            Frequency::Monthly => {
                let (y, m, _) = civil_from_days(day);
                i64::from(
                    Self::month_index(y, m) - Self::month_index(self.start_year, self.start_month),
                )
            }
            Frequency::Yearly => i64::from(civil_from_days(day).0 - self.start_year),
        };
        steps.div_euclid(interval)
    }

    /// First and last local day of period `index`. Weekly period 0 starts at DTSTART's day,
    /// as in dateutil (it matters to BYSETPOS).
    fn period_days(&self, index: i64) -> (i32, i32) {
        let step = index * i64::from(self.rule.interval);
        match self.rule.freq {
            Frequency::Daily => {
                let day = (i64::from(self.start_day) + step) as i32;
                (day, day)
            }
            Frequency::Weekly => {
                let first = (i64::from(self.week_zero) + 7 * step) as i32;
                (if index == 0 { self.start_day } else { first }, first + 6)
            }
            Frequency::Monthly => {
                let index = i64::from(Self::month_index(self.start_year, self.start_month)) + step;
                let (y, m) = (index.div_euclid(12) as i32, index.rem_euclid(12) as u32 + 1);
                let first = days_from_civil(y, m, 1);
                (first, first + days_in_month(y, m) as i32 - 1)
            }
            Frequency::Yearly => {
                let y = (i64::from(self.start_year) + step) as i32;
                let first = days_from_civil(y, 1, 1);
                (first, first + days_in_year(y) - 1)
            }
        }
    }

    /// The days of `[from, to]` within period `[first, last]` that pass every BY* filter,
    /// in order.
    fn matching_days(&self, first: i32, last: i32, from: i32, to: i32, out: &mut Vec<i32>) {
        out.clear();
        let nth = self.nth_weekday_days(first, last);
        for day in from..=to {
            let (y, m, d) = civil_from_days(day);
            if self.month_mask != 0 && self.month_mask & (1 << m) == 0 {
                continue;
            }
            if self.weekday_mask != 0 && self.weekday_mask & (1 << weekday(day)) == 0 {
                continue;
            }
            if !self.nth_weekdays.is_empty() && !nth.contains(&day) {
                continue;
            }
            if !self.month_days.is_empty() {
                let from_end = d as i32 - days_in_month(y, m) as i32 - 1;
                if !self
                    .month_days
                    .iter()
                    .any(|&md| md == d as i32 || md == from_end)
                {
                    continue;
                }
            }
            if !self.rule.by_year_day.is_empty() {
                let of_year = day - days_from_civil(y, 1, 1) + 1;
                let from_end = of_year - days_in_year(y) - 1;
                if !self
                    .rule
                    .by_year_day
                    .iter()
                    .any(|&yd| yd == of_year || yd == from_end)
                {
                    continue;
                }
            }
            out.push(day);
        }
    }

    /// Days matching an ordinal weekday (`1MO`, `-1FR`) within the month (monthly rules) or
    /// within each BYMONTH month or else the whole year (yearly rules).
    fn nth_weekday_days(&self, first: i32, last: i32) -> Vec<i32> {
        if self.nth_weekdays.is_empty() {
            return Vec::new();
        }
        let mut ranges = Vec::new();
        if self.rule.freq == Frequency::Yearly && self.month_mask != 0 {
            let year = civil_from_days(first).0;
            for month in (1..=12).filter(|m| self.month_mask & (1 << m) != 0) {
                let start = days_from_civil(year, month, 1);
                ranges.push((start, start + days_in_month(year, month) as i32 - 1));
            }
        } else {
            ranges.push((first, last));
        }
        let mut days = Vec::new();
        for (start, end) in ranges {
            for &(wd, n) in &self.nth_weekdays {
                let day = if n > 0 {
                    start + (n - 1) * 7 + (wd as i32 - weekday(start) as i32).rem_euclid(7)
                } else {
                    end - (-n - 1) * 7 - (weekday(end) as i32 - wd as i32).rem_euclid(7)
                };
                if (start..=end).contains(&day) {
                    days.push(day);
                }
            }
        }
        days
    }

    /// BYSETPOS: picks positions from the period's (day × time) list, as dateutil does.
    fn select_positions(&self, positions: &[i32], days: &[i32], out: &mut Vec<(i32, i32)>) {
        out.clear();
        let per_day = self.times.len() as i32;
        for &pos in positions {
            let (day_pos, time_pos) = if pos < 0 {
                (pos.div_euclid(per_day), pos.rem_euclid(per_day))
            } else {
                ((pos - 1).div_euclid(per_day), (pos - 1).rem_euclid(per_day))
            };
            let index = if day_pos < 0 {
                days.len() as i32 + day_pos
            } else {
                day_pos
            };
            if let Some(&day) = usize::try_from(index).ok().and_then(|i| days.get(i)) {
                let at = (day, self.times[time_pos as usize]);
                if !out.contains(&at) {
                    out.push(at);
                }
            }
        }
        out.sort_unstable();
    }
}

impl fmt::Debug for RecurrenceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecurrenceRule({})", self.text)
    }
}

impl fmt::Display for RecurrenceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
