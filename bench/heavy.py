"""Seeds the heaviest schedule a host may save, through the real CLI and API.

Host `heavy`: open 00:00-24:00 every day, a 93-day horizon, a 15-minute type on a 5-minute
interval, and the maximum of 200 blocked times, each a 5-minute block recurring the maximum
24 times a day (hourly, daily, weekly and monthly rules with BYSETPOS and BYMONTHDAY mixed in).
Prints the meeting type id.
"""

import argparse
import os
import subprocess
import sys
import urllib.error

from seed import call


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    env = dict(os.environ, NOVACRM_PASSWORD="bench-password-123", DATABASE_URL=args.database_url, RUST_LOG="warn")
    subprocess.run([args.bin, "user", "create", "--username", "heavy", "--name", "Heavy Host", "--email", "heavy@example.com"],
                   env=env, check=True, capture_output=True)
    token = subprocess.run([args.bin, "token", "create", "--username", "heavy"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    every_day = {day: [["00:00", "24:00"]] for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    call(args.base, "PATCH", "/api/availability", token,
         {"timezone": "Europe/Berlin", "weeklyHours": every_day, "bufferTime": 0, "minNotice": 0, "maxAdvance": 93})
    meeting = call(args.base, "POST", "/api/meeting-types", token, {"name": "Heavy", "duration": 15, "slotInterval": 5})
    hours = ",".join(str(h) for h in range(24))
    rules = [
        "FREQ=DAILY;BYHOUR={h};BYMINUTE={m}",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={h};BYMINUTE={m}",
        "FREQ=MONTHLY;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31;BYHOUR={h};BYMINUTE={m}",
        "FREQ=DAILY;BYHOUR={h};BYMINUTE={m};BYSETPOS=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24",
    ]
    refused = set()
    for i in range(200):
        minute = (i * 7) % 60
        for rule in (rules[i % len(rules)], rules[0]):
            body = {"startTime": "2026-01-01T00:%02d:00Z" % minute,
                    "endTime": "2026-01-01T00:%02d:00Z" % (minute + 5 if minute < 55 else 59),
                    "recurrenceRule": rule.format(h=hours, m=minute), "reason": f"rule {i}"}
            try:
                call(args.base, "POST", "/api/blocked-time", token, body)
                break
            except urllib.error.HTTPError as e:  # a kind the limits refuse: fall back to DAILY
                refused.add((rule.split(";")[0], e.read().decode()[:200]))
    for kind, why in sorted(refused):
        print("refused:", kind, why, file=sys.stderr)
    print(meeting["id"])


if __name__ == "__main__":
    main()
