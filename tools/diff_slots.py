#!/usr/bin/env python3
"""Differential tester: `novacrm slots` against tools/reference_slots.py.

Generates seeded random scenarios (DESIGN.md section 5 format), runs both the
Rust binary and the Python reference on each, and compares the slot lists.
Scenarios lean on the hard cases: `now` near DST transitions of zones with odd
offsets or midnight transitions, windows that contain gaps or end at 24:00,
recurring blocked time with COUNT/UNTIL and DTSTART long before the range; and
the policies of section 11: date overrides (often on the DST-transition days
themselves), the type's own notice / horizon / buffer, firstSlotOnly, and day /
week / month limits over bookings of the type and of other types.

Each mismatch is saved under /tmp and the first few are printed in detail. The
last line is `N passed, M failed`; the exit status is 1 when anything failed.

    python3 tools/diff_slots.py --seed 1 --count 300 --bin target/debug/novacrm
"""

import argparse
import json
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

REFERENCE = Path(__file__).with_name("reference_slots.py")
ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Havana",
    "America/Santiago",
    "UTC",
)
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATUSES = ("CONFIRMED", "CONFIRMED", "CONFIRMED", "CANCELLED", "COMPLETED", "NO_SHOW")
RULES = (
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,WE",
    "FREQ=WEEKLY;INTERVAL=2",
    "FREQ=WEEKLY",
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=YEARLY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=SA,SU",
)
# Wall-clock times that sit on or near DST transitions of the zones above.
SPECIAL_TIMES = ("00:00", "01:00", "02:00", "02:30", "03:00", "04:00", "24:00")
EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)
YEARS_SPAN = timedelta(days=3 * 365)


def transitions(zone_name):
    """UTC instants (to the hour) at which the zone's offset changes in 2025-2027."""
    zone = ZoneInfo(zone_name)
    found = []
    instant = EPOCH
    previous = instant.astimezone(zone).utcoffset()
    while instant < EPOCH + YEARS_SPAN:
        instant += timedelta(minutes=15)
        offset = instant.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(instant)
            previous = offset
    return found


def fmt(instant):
    """RFC 3339 UTC with Z."""
    return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def quarter(rng, instant, loose=0.1):
    """Snap an instant to a quarter hour, or (rarely) to any whole minute."""
    instant = instant.replace(second=0, microsecond=0)
    if rng.random() < loose:
        return instant
    return instant - timedelta(minutes=instant.minute % 15)


def hhmm(minutes):
    """Minutes since midnight as HH:MM (1440 gives 24:00)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def random_windows(rng):
    """0-3 non-overlapping [start, end) windows for one day."""
    roll = rng.random()
    if roll < 0.15:
        return []
    if roll < 0.3:
        return [list(rng.choice([("01:00", "04:00"), ("00:00", "24:00"), ("02:00", "03:00"),
                                 ("00:00", "06:00"), ("20:00", "24:00"), ("22:30", "24:00")]))]
    points = set()
    for _ in range(rng.choice((2, 4, 6))):
        if rng.random() < 0.35:
            text = rng.choice(SPECIAL_TIMES)
            points.add(int(text[:2]) * 60 + int(text[3:]))
        else:
            points.add(rng.randrange(0, 97) * 15)
    points = sorted(points)
    if len(points) % 2:
        points.pop()
    return [[hhmm(points[i]), hhmm(points[i + 1])] for i in range(0, len(points), 2)]


def random_availability(rng, zone_name):
    """Availability settings in seed form or weeklyHours form, some fields left out."""
    availability = {}
    if zone_name != "America/New_York" or rng.random() < 0.7:
        availability["timezone"] = zone_name
    for field, low, high in (("bufferTime", 0, 60), ("minNotice", 0, 48), ("maxAdvance", 0, 60)):
        if rng.random() < 0.85:
            availability[field] = rng.randint(low, high)
    form = rng.random()
    if form < 0.5:
        availability["weeklyHours"] = {
            key: random_windows(rng) for key in DAY_KEYS if rng.random() < 0.85
        }
        if rng.random() < 0.05:
            availability["weeklyHours"] = {}
    if form >= 0.4:
        if form > 0.9:
            availability["weeklyHours"] = None
        if rng.random() < 0.8:
            availability["workingDays"] = {key: rng.random() < 0.7 for key in DAY_KEYS}
        if rng.random() < 0.8:
            start, end = sorted(rng.sample(range(0, 97), 2))
            if rng.random() < 0.3:
                start, end = rng.choice(((0, 96), (4, 16), (8, 12), (0, 8), (60, 96)))
            availability["startTime"] = hhmm(start * 15)
            availability["endTime"] = hhmm(end * 15)
    return availability


def random_overrides(rng, zone_name, now, transition_table):
    """0-6 date overrides near `now`, often on the zone's DST-transition dates."""
    if rng.random() < 0.4:
        return None
    zone = ZoneInfo(zone_name)
    days = []
    near = [t for t in transition_table[zone_name] if abs((t - now).days) < 40]
    for _ in range(rng.randint(0, 6)):
        if near and rng.random() < 0.5:
            day = rng.choice(near).astimezone(zone).date()
        else:
            day = (now + timedelta(days=rng.randint(-3, 45))).astimezone(zone).date()
        days.append(day.isoformat())
    return {day: random_windows(rng) for day in days}


def random_meeting_type(rng):
    """Duration 15-120 minutes, slotInterval missing, null or 5-60; sometimes the type's own
    notice, horizon, buffer, firstSlotOnly and limits."""
    duration = rng.choice((15, 20, 30, 45, 60, 90, 120, rng.randint(15, 120)))
    meeting = {"duration": duration, "id": "type-a"}
    roll = rng.random()
    if roll < 0.6:
        meeting["slotInterval"] = rng.choice((5, 10, 15, 20, 30, 60, rng.randint(5, 60)))
    elif roll < 0.7:
        meeting["slotInterval"] = None
    for field, low, high in (("bufferTime", 0, 60), ("minNotice", 0, 48), ("maxAdvance", 0, 60)):
        roll = rng.random()
        if roll < 0.25:
            meeting[field] = rng.randint(low, high)
        elif roll < 0.3:
            meeting[field] = None
    if rng.random() < 0.25:
        meeting["firstSlotOnly"] = rng.random() < 0.8
    if rng.random() < 0.4:
        meeting["limits"] = {
            key: rng.choice((1, 1, 2, 3, 5, 10))
            for key in ("day", "week", "month") if rng.random() < 0.5
        }
    return meeting


def random_bookings(rng, lo, hi):
    """0-30 bookings inside [lo, hi), mostly on quarter hours."""
    bookings = []
    span = int((hi - lo).total_seconds() // 60)
    for _ in range(rng.randint(0, 30)):
        start = quarter(rng, lo + timedelta(minutes=rng.randrange(max(span, 1))))
        length = rng.choice((15, 30, 45, 60, 90, 120, rng.randint(5, 180)))
        booking = {
            "startTime": fmt(start),
            "endTime": fmt(start + timedelta(minutes=length)),
            "status": rng.choice(STATUSES),
        }
        roll = rng.random()
        if roll < 0.5:
            booking["meetingTypeId"] = "type-a"
        elif roll < 0.7:
            booking["meetingTypeId"] = "type-b"
        bookings.append(booking)
    return bookings


def random_rule(rng, start):
    """An RRULE, sometimes with COUNT or UNTIL, sometimes with the RRULE: prefix."""
    rule = rng.choice(RULES)
    roll = rng.random()
    if roll < 0.25:
        rule += f";COUNT={rng.randint(1, 20)}"
    elif roll < 0.5:
        until = start + timedelta(days=rng.randint(0, 200), minutes=rng.choice((0, 0, 15, 30)))
        rule += ";UNTIL=" + until.strftime("%Y%m%dT%H%M%SZ")
    if rng.random() < 0.2:
        rule = "RRULE:" + rule
    return rule


def random_blocked(rng, lo, hi):
    """0-5 blocked times, some recurring with DTSTART months before the range."""
    blocked = []
    span = int((hi - lo).total_seconds() // 60)
    for _ in range(rng.randint(0, 5)):
        recurring = rng.random() < 0.6
        offset = timedelta(minutes=rng.randrange(max(span, 1)))
        if recurring and rng.random() < 0.4:
            offset -= timedelta(days=rng.randint(1, 300))
        start = quarter(rng, lo + offset)
        length = rng.choice((15, 30, 60, 90, 120, 240, rng.randint(5, 600)))
        item = {"startTime": fmt(start), "endTime": fmt(start + timedelta(minutes=length))}
        if recurring:
            item["recurrenceRule"] = random_rule(rng, start)
        elif rng.random() < 0.2:
            item["recurrenceRule"] = None
        blocked.append(item)
    return blocked


def random_scenario(rng, transition_table):
    """One scenario, `now` near a DST transition of its zone most of the time."""
    zone_name = rng.choice(ZONES)
    moments = transition_table[zone_name]
    if moments and rng.random() < 0.7:
        now = rng.choice(moments) + timedelta(minutes=rng.randint(-10 * 1440, 4 * 1440))
    else:
        now = EPOCH + timedelta(minutes=rng.randrange(int(YEARS_SPAN.total_seconds() // 60)))
    now = quarter(rng, now, loose=0.3)
    scenario = {"now": fmt(now)}
    start = quarter(rng, now + timedelta(minutes=rng.randint(-3 * 1440, 3 * 1440)))
    end = start + timedelta(days=rng.randint(1, 40), minutes=rng.choice((0, 0, 0, 15, 600)))
    if rng.random() < 0.9:
        scenario["from"] = fmt(start)
    if rng.random() < 0.9:
        scenario["to"] = fmt(end)
    scenario["availability"] = random_availability(rng, zone_name)
    overrides = random_overrides(rng, zone_name, now, transition_table)
    if overrides is not None:
        scenario["availability"]["dateOverrides"] = overrides
    scenario["meetingType"] = random_meeting_type(rng)
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    # Limits count a month and an ISO week either side: bookings reach further out then.
    if "limits" in scenario["meetingType"]:
        lo, hi = lo - timedelta(days=35), hi + timedelta(days=35)
    scenario["bookings"] = random_bookings(rng, lo, hi)
    scenario["blockedTimes"] = random_blocked(rng, lo, hi)
    return scenario


def run(command, scenario):
    """Run one implementation; return ('ok', slots) or ('error', message)."""
    done = subprocess.run(command, input=json.dumps(scenario), capture_output=True,
                          text=True, timeout=120, check=False)
    if done.returncode != 0:
        return "error", done.stderr.strip()
    return "ok", [(s["start"], s["end"]) for s in json.loads(done.stdout)["slots"]]


def describe(name, scenario, rust, reference):
    """Print the difference between two outcomes of one scenario."""
    print(f"--- mismatch: {name}")
    print(f"    zone={scenario['availability'].get('timezone', 'America/New_York')} "
          f"now={scenario['now']} from={scenario.get('from')} to={scenario.get('to')}")
    if rust[0] != "ok" or reference[0] != "ok":
        print(f"    rust: {rust[0]} {rust[1] if rust[0] == 'error' else len(rust[1])}")
        print(f"    reference: {reference[0]} "
              f"{reference[1] if reference[0] == 'error' else len(reference[1])}")
        return
    rust_set, ref_set = set(rust[1]), set(reference[1])
    print(f"    rust {len(rust[1])} slots, reference {len(reference[1])} slots")
    for label, extra in (("only rust", rust_set - ref_set), ("only reference", ref_set - rust_set)):
        extra = sorted(extra)
        if extra:
            shown = ", ".join(f"{s}..{e}" for s, e in extra[:6])
            print(f"    {label} ({len(extra)}): {shown}{' ...' if len(extra) > 6 else ''}")
    if rust_set == ref_set:
        print("    same set, different order or duplicates")


def main():
    """Generate, run, compare, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--bin", default="target/debug/novacrm")
    parser.add_argument("--show", type=int, default=5, help="mismatches printed in detail")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    transition_table = {zone: transitions(zone) for zone in ZONES}
    passed = failed = 0
    for index in range(args.count):
        scenario = random_scenario(rng, transition_table)
        rust = run([args.bin, "slots"], scenario)
        reference = run([sys.executable, str(REFERENCE)], scenario)
        both_rejected = rust[0] == reference[0] == "error"
        if both_rejected or rust == reference:
            passed += 1
            continue
        failed += 1
        path = Path(f"/tmp/diff_slots_seed{args.seed}_{index}.json")
        path.write_text(json.dumps(scenario, indent=1) + "\n")
        if failed <= args.show:
            describe(str(path), scenario, rust, reference)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
