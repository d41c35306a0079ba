#!/usr/bin/env python3
"""Independent reference implementation of DESIGN.md sections 5 and 11 (availability rules).

Reads a `novacrm slots` scenario as JSON on stdin and prints
{"slots":[{"start":"...Z","end":"...Z"}]} on stdout, like the Rust command.

It is written from the contract alone and is deliberately literal and slow: it
enumerates every candidate of every window and checks each filter on its own.
Zones come from zoneinfo, recurrence rules from python-dateutil, whose reading
of RRULE is the contract. Local times become instants with fold=0, which for
zoneinfo is the "compatible" rule (gap: later by the gap; fold: earlier).

Section 11 as read here: `availability.dateOverrides` maps local dates to the
windows that replace the weekday's ([] = closed); the meeting type's own
minNotice / maxAdvance / bufferTime replace the host's; `limits` (day, ISO week,
month of the candidate's local start, host zone) count the non-cancelled
bookings whose meetingTypeId equals the type's id; firstSlotOnly keeps, of each
local date, only its first slot that passes every other filter.

Bad input exits with status 2 and a one-line message on stderr; that includes
a given `to` before `from` (the contract's "end before start"). A defaulted `to`
before `from` is not an error: the range is simply empty.
"""

import json
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORKING_DAYS = {key: key not in ("sat", "sun") for key in DAY_KEYS}
DEFAULTS = {
    "timezone": "America/New_York",
    "startTime": "09:00",
    "endTime": "17:00",
    "bufferTime": 15,
    "minNotice": 24,
    "maxAdvance": 30,
}


class BadInput(Exception):
    """A scenario field that cannot be read; the message names the field."""


def parse_instant(value, field):
    """Parse an RFC 3339 instant into an aware UTC datetime."""
    if not isinstance(value, str):
        raise BadInput(f"{field}: expected an RFC 3339 instant")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise BadInput(f"{field}: {err}") from err
    if parsed.tzinfo is None:
        raise BadInput(f"{field}: instant needs a UTC offset")
    return parsed.astimezone(timezone.utc)


def parse_time_of_day(value, field):
    """Parse HH:MM into (hours, minutes); 24:00 is allowed and means end of day."""
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError
        hours, minutes = int(hours), int(minutes)
    except (AttributeError, ValueError) as err:
        raise BadInput(f"{field}: expected HH:MM") from err
    if not (0 <= minutes < 60 and (0 <= hours < 24 or (hours, minutes) == (24, 0))):
        raise BadInput(f"{field}: expected HH:MM")
    return hours, minutes


def local_to_instant(day, hours, minutes, zone):
    """Turn wall-clock time on `day` into a UTC instant with the compatible rule."""
    if (hours, minutes) == (24, 0):
        day, hours = day + timedelta(days=1), 0
    wall = datetime.combine(day, time(hours, minutes), tzinfo=zone)
    return wall.astimezone(timezone.utc)


def format_instant(instant):
    """Format a UTC instant as RFC 3339 with Z, fractional seconds only when non-zero."""
    text = instant.strftime("%Y-%m-%dT%H:%M:%S")
    if instant.microsecond:
        text += f".{instant.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_windows(pairs, field):
    """A day's list of [start, end] pairs (None: no hours) as ((h, m), (h, m)) windows."""
    windows = []
    for index, pair in enumerate(pairs or []):
        item = f"{field}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise BadInput(f"{item}: expected [start, end]")
        start = parse_time_of_day(pair[0], item)
        end = parse_time_of_day(pair[1], item)
        if end <= start:
            raise BadInput(f"{item}: end must be after start")
        windows.append((start, end))
    return windows


def weekly_windows(availability):
    """Map each weekday key to its list of ((h, m), (h, m)) windows."""
    hours = availability.get("weeklyHours")
    if hours is not None:
        if not isinstance(hours, dict):
            raise BadInput("weeklyHours: expected an object")
        return {key: parse_windows(hours.get(key), f"weeklyHours.{key}") for key in DAY_KEYS}
    working = availability.get("workingDays")
    working = DEFAULT_WORKING_DAYS if working is None else working
    start = parse_time_of_day(availability.get("startTime", DEFAULTS["startTime"]), "startTime")
    end = parse_time_of_day(availability.get("endTime", DEFAULTS["endTime"]), "endTime")
    if end <= start:
        raise BadInput("endTime: must be after startTime")
    return {key: [(start, end)] if working.get(key) else [] for key in DAY_KEYS}


def override_windows(availability):
    """Map each overridden local date to its list of windows."""
    overrides = availability.get("dateOverrides") or {}
    if not isinstance(overrides, dict):
        raise BadInput("dateOverrides: expected an object")
    result = {}
    for key, pairs in overrides.items():
        try:
            day = date.fromisoformat(key)
        except ValueError as err:
            raise BadInput(f"dateOverrides.{key}: not a date") from err
        if len(key) != 10:
            raise BadInput(f"dateOverrides.{key}: not a date")
        result[day] = parse_windows(pairs, f"dateOverrides.{key}")
    return result


def read_limits(meeting):
    """The type's limits as {"day": N, ...}; each a positive whole number."""
    limits = meeting.get("limits") or {}
    for key, value in limits.items():
        if key not in ("day", "week", "month"):
            raise BadInput(f"meetingType.limits.{key}: not a limit")
        if value is not None and (not isinstance(value, int) or value < 1):
            raise BadInput(f"meetingType.limits.{key}: must be a positive number")
    return {key: value for key, value in limits.items() if value is not None}


def busy_bookings(bookings, buffer):
    """Buffered [start, end) intervals of every booking that is not cancelled."""
    intervals = []
    for index, booking in enumerate(bookings):
        start = parse_instant(booking.get("startTime"), f"bookings[{index}].startTime")
        end = parse_instant(booking.get("endTime"), f"bookings[{index}].endTime")
        if end < start:
            raise BadInput(f"bookings[{index}].endTime: before startTime")
        if booking.get("status") != "CANCELLED":
            intervals.append((start - buffer, end + buffer))
    return intervals


def blocked_occurrences(blocked_times, zone, horizon):
    """[start, end) of every blocked-time occurrence starting before `horizon`.

    The entered interval always counts; a rule adds dateutil's occurrences with
    DTSTART = the entered start seen in the host zone, each lasting as long as
    the entered interval.
    """
    intervals = []
    for index, blocked in enumerate(blocked_times):
        start = parse_instant(blocked.get("startTime"), f"blockedTimes[{index}].startTime")
        end = parse_instant(blocked.get("endTime"), f"blockedTimes[{index}].endTime")
        if end < start:
            raise BadInput(f"blockedTimes[{index}].endTime: before startTime")
        length = end - start
        intervals.append((start, end))
        rule = blocked.get("recurrenceRule")
        if not rule:
            continue
        try:
            occurrences = rrulestr(rule, dtstart=start.astimezone(zone))
        except (ValueError, TypeError) as err:
            raise BadInput(f"blockedTimes[{index}].recurrenceRule: {err}") from err
        wall_horizon = horizon.astimezone(zone).replace(tzinfo=None) + timedelta(days=2)
        for occurrence in occurrences:
            if occurrence.replace(tzinfo=None) > wall_horizon:
                break
            occ_start = occurrence.replace(fold=0).astimezone(timezone.utc)
            intervals.append((occ_start, occ_start + length))
    return intervals


def overlaps(start, end, interval):
    """Half-open overlap between [start, end) and interval; an empty interval overlaps nothing."""
    return interval[0] < interval[1] and start < interval[1] and interval[0] < end


def compute_slots(scenario):
    """Return the sorted, unique (start, end) slots of a scenario."""
    availability = scenario.get("availability") or {}
    zone_name = availability.get("timezone", DEFAULTS["timezone"])
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise BadInput(f"timezone: unknown zone {zone_name!r}") from err
    meeting = scenario.get("meetingType") or {}

    def own(field):
        """The type's value of a field when it has one, else the host's, else the default."""
        if meeting.get(field) is not None:
            return meeting[field]
        return availability.get(field, DEFAULTS[field])

    buffer = timedelta(minutes=own("bufferTime"))
    min_notice = timedelta(hours=own("minNotice"))
    max_advance = own("maxAdvance")
    limits = read_limits(meeting)
    first_only = bool(meeting.get("firstSlotOnly"))

    if "duration" not in meeting:
        raise BadInput("meetingType.duration: missing")
    duration = timedelta(minutes=meeting["duration"])
    step = timedelta(minutes=meeting.get("slotInterval") or meeting["duration"])
    if duration <= timedelta(0) or step <= timedelta(0):
        raise BadInput("meetingType.duration: must be positive")

    now = parse_instant(scenario.get("now"), "now")
    today = now.astimezone(zone).date()
    last_date = today + timedelta(days=max_advance)
    start_from = parse_instant(scenario["from"], "from") if scenario.get("from") else now
    if scenario.get("to"):
        end_to = parse_instant(scenario["to"], "to")
        if end_to < start_from:
            raise BadInput(f"to: {format_instant(end_to)} is before from {format_instant(start_from)}")
    else:
        end_to = local_to_instant(last_date + timedelta(days=1), 0, 0, zone)

    windows = weekly_windows(availability)
    overrides = override_windows(availability)
    busy = busy_bookings(scenario.get("bookings") or [], buffer)
    type_id = meeting.get("id")
    counted_days = [
        parse_instant(b["startTime"], "bookings[].startTime").astimezone(zone).date()
        for b in scenario.get("bookings") or []
        if type_id is not None and b.get("meetingTypeId") == type_id
        and b.get("status") != "CANCELLED"
    ]

    def limit_reached(s):
        """Whether the type's bookings already fill the day, week or month of `s`."""
        d = s.astimezone(zone).date()
        same = {
            "day": lambda c: c == d,
            "week": lambda c: c.isocalendar()[:2] == d.isocalendar()[:2],
            "month": lambda c: (c.year, c.month) == (d.year, d.month),
        }
        return any(
            sum(1 for c in counted_days if same[key](c)) >= limit
            for key, limit in limits.items()
        )
    busy += blocked_occurrences(scenario.get("blockedTimes") or [], zone, end_to + duration)

    # With firstSlotOnly a day's first slot may lie before `from`: look from the day's start.
    look_from = start_from
    if first_only:
        look_from = min(start_from, local_to_instant(start_from.astimezone(zone).date(), 0, 0, zone))
    slots = set()
    first_day = look_from.astimezone(zone).date() - timedelta(days=2)
    final_day = end_to.astimezone(zone).date() + timedelta(days=1)
    day = first_day
    while day <= final_day:
        day_windows = overrides[day] if day in overrides else windows[DAY_KEYS[day.weekday()]]
        for a, b in day_windows:
            window_start = local_to_instant(day, *a, zone)
            window_end = local_to_instant(day, *b, zone)
            s = window_start
            while s + duration <= window_end:
                if (
                    look_from <= s < end_to
                    and s >= now + min_notice
                    and s.astimezone(zone).date() <= last_date
                    and not any(overlaps(s, s + duration, iv) for iv in busy)
                    and not limit_reached(s)
                ):
                    slots.add((s, s + duration))
                s += step
        day += timedelta(days=1)
    slots = sorted(slots)
    if first_only:
        firsts = {}
        for s, e in slots:
            firsts.setdefault(s.astimezone(zone).date(), (s, e))
        slots = sorted(firsts.values())
    return [(s, e) for s, e in slots if s >= start_from]


def main():
    """Read a scenario on stdin, print its slots as JSON."""
    try:
        scenario = json.load(sys.stdin)
        slots = compute_slots(scenario)
    except (BadInput, json.JSONDecodeError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    out = [{"start": format_instant(s), "end": format_instant(e)} for s, e in slots]
    print(json.dumps({"slots": out}, separators=(",", ":")))


if __name__ == "__main__":
    main()
