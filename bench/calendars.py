"""Fills three Radicale calendars with 5 000 events and connects them to jane.

Starts Radicale (from PATH, or RADICALE) on a scratch folder, makes three calendars, writes
5 000 quarter-hour events spread over the next 93 days (each at its own quarter hour, so
about half of the days' times stay free) (as three calendar apps would, one
resource each), then connects the account to the demo host `jane` through the API and prints
how long discovery plus the first read took. Used by bench/calendars.sh.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import subprocess
import tempfile
import time
import urllib.request
import base64

USER, PASSWORD = "jane", "secret"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def dav(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body.encode() if body else None, method=method)
    request.add_header("Authorization", AUTH)
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    with urllib.request.urlopen(request) as answer:
        return answer.status


def event(uid, start):
    end = start + datetime.timedelta(minutes=15)
    fmt = "%Y%m%dT%H%M%SZ"
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
            f"DTSTAMP:20260101T000000Z\r\nDTSTART:{start.strftime(fmt)}\r\nDTEND:{end.strftime(fmt)}\r\n"
            f"SUMMARY:Busy {uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="the NovaCRM server")
    parser.add_argument("--token", required=True, help="jane's API token")
    parser.add_argument("--port", type=int, default=5299)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-radicale-")
    with open(os.path.join(folder, "users"), "w") as f:
        f.write(f"{USER}:{PASSWORD}\n")
    with open(os.path.join(folder, "config"), "w") as f:
        f.write(f"[server]\nhosts = 127.0.0.1:{args.port}\n[auth]\ntype = htpasswd\n"
                f"htpasswd_filename = {folder}/users\nhtpasswd_encryption = plain\ndelay = 0\n"
                f"[storage]\nfilesystem_folder = {folder}/collections\n[logging]\nlevel = warning\n")
    radicale = subprocess.Popen([os.environ.get("RADICALE", "radicale"), "--config", f"{folder}/config"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/.well-known/caldav")
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    calendars = []
    for name in ["work", "personal", "family"]:
        url = f"{base}/{USER}/{name}/"
        dav("MKCALENDAR", url, "<?xml version=\"1.0\"?><C:mkcalendar xmlns:D=\"DAV:\" "
            "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:set><D:prop><D:displayname>"
            f"{name.title()}</D:displayname></D:prop></D:set></C:mkcalendar>")
        calendars.append(url)
    now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
    jobs = []
    for i in range(args.events):
        # 37 and 93 × 96 are coprime: every event has its own quarter hour of the 93 days.
        start = now + datetime.timedelta(minutes=15 * ((i * 37) % (93 * 96)))
        calendar = calendars[i % 3]
        jobs.append((f"{calendar}bench-{i}.ics", event(f"bench-{i}", start)))
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda job: dav("PUT", job[0], job[1], {"Content-Type": "text/calendar"}), jobs))
    print(f"wrote {len(jobs)} events in {time.time() - t0:.1f} s", flush=True)
    body = json.dumps({"provider": "caldav", "url": base, "username": USER, "password": PASSWORD}).encode()
    request = urllib.request.Request(args.base + "/api/calendar-connections", data=body, method="POST")
    request.add_header("Authorization", f"Bearer {args.token}")
    request.add_header("Content-Type", "application/json")
    t0 = time.time()
    with urllib.request.urlopen(request) as answer:
        made = json.load(answer)
    print(f"connected {len(made['calendars'])} calendars (discovery + first read) in "
          f"{time.time() - t0:.2f} s, status {made['status']}", flush=True)
    print(radicale.pid, flush=True)


if __name__ == "__main__":
    main()
