"""Seeds hosts for the HTTP benchmark through the real CLI and API.

Each host `bench-N` gets an API token (`novacrm token create`), open hours every day
00:00-24:00, no buffer or notice, a year's horizon and one 15-minute meeting type, so
bookings can land on distinct slots of many hosts. Prints one `username meetingTypeId`
line per host.
"""

import argparse
import json
import os
import subprocess
import urllib.request


def call(base, method, path, token, body):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--hosts", type=int, default=50)
    args = parser.parse_args()
    env = dict(os.environ, NOVACRM_PASSWORD="bench-password-123", DATABASE_URL=args.database_url, RUST_LOG="warn")
    every_day = {day: [["00:00", "24:00"]] for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    for i in range(args.hosts):
        username = f"bench-{i}"
        subprocess.run(
            [args.bin, "user", "create", "--username", username, "--name", f"Bench {i}", "--email", f"bench{i}@example.com"],
            env=env, check=True, capture_output=True,
        )
        token = subprocess.run(
            [args.bin, "token", "create", "--username", username], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        call(args.base, "PATCH", "/api/availability", token,
             {"timezone": "UTC", "weeklyHours": every_day, "bufferTime": 0, "minNotice": 0, "maxAdvance": 365})
        meeting = call(args.base, "POST", "/api/meeting-types", token, {"name": "Bench", "duration": 15})
        print(username, meeting["id"])


if __name__ == "__main__":
    main()
