"""Seeds one host's bookings and funnel counts straight into the database, for bench/insights.sh.

Bookings of the demo host `jane` spread over the last 13 months: created at random instants,
starting 1 hour to 30 days later, a mix of sources and statuses (past meetings held, no-show
or still unmarked; some cancelled by guest or host, some late), with daily funnel counts for
every day. SQLite through Python's own module; PostgreSQL through `psql` (COPY).
"""

import argparse
import io
import random
import sqlite3
import subprocess
import uuid

DAY = 86_400_000


def rows(host, types, contact, n, now):
    rng = random.Random(10)
    for i in range(n):
        created = now - rng.randrange(395 * DAY)
        start = created + rng.randrange(3_600_000, 30 * DAY) // 900_000 * 900_000
        end = start + 30 * 60_000
        source = rng.choice(["public_page", "public_page", "public_page", "public_api", "api"])
        status, cancelled_at, cancelled_by, late = "CONFIRMED", None, None, 0
        roll = rng.random()
        if roll < 0.12:
            status = "CANCELLED"
            cancelled_at = rng.randrange(created, start + 3_600_000)
            cancelled_by = rng.choice(["guest", "guest", "host"])
            late = int(cancelled_at >= start - DAY)
        elif end <= now:
            status = "COMPLETED" if roll < 0.8 else ("NO_SHOW" if roll < 0.87 else "CONFIRMED")
        yield (
            f"bench-{i}-{uuid.uuid4().hex[:8]}", host, rng.choice(types), contact,
            f"=Guest {i}" if i % 1000 == 0 else f"Guest {i}", f"guest{i}@example.com",
            start, end, "Europe/Berlin", "{}", status, created, created,
            source, start, cancelled_at, cancelled_by, late,
        )


COLUMNS = (
    "booking_id, app_user_id, meeting_type_id, contact_id, guest_name, guest_email, start_time, "
    "end_time, timezone, answers, status, created_at, updated_at, source, first_start_at, "
    "cancelled_at, cancelled_by, late_cancel"
)


def funnel(host, now):
    import datetime

    rng = random.Random(11)
    today = datetime.datetime.fromtimestamp(now / 1000, datetime.timezone.utc).date()
    for back in range(400):
        day = (today - datetime.timedelta(days=back)).isoformat()
        view = rng.randrange(50, 400)
        for step, share in [("view", 1), ("type", 0.6), ("slot", 0.4), ("submit", 0.25), ("booked", 0.2)]:
            yield (host, day, step, int(view * share))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--now", type=int, required=True, help="epoch milliseconds")
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("sqlite:"):
        path = url.split("://", 1)[-1].split("?", 1)[0]
        db = sqlite3.connect(path, timeout=30)
        host, = db.execute("SELECT app_user_id FROM app_user WHERE username = 'jane'").fetchone()
        types = [t for (t,) in db.execute("SELECT meeting_type_id FROM meeting_type WHERE app_user_id = ?", (host,))]
        contact, = db.execute("SELECT contact_id FROM contact LIMIT 1").fetchone() or (None,)
        marks = ", ".join("?" * 18)
        db.executemany(f"INSERT INTO booking ({COLUMNS}) VALUES ({marks})", rows(host, types, contact, args.bookings, args.now))
        db.executemany("INSERT INTO visit_day (app_user_id, day, step, visitors) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT DO NOTHING", funnel(host, args.now))
        db.commit()
    else:
        def psql(sql, stdin=None):
            return subprocess.run(["psql", "-qAt", url, "-c", sql], input=stdin, check=True,
                                  capture_output=True, text=True).stdout.split()
        host, = psql("SELECT app_user_id FROM app_user WHERE username = 'jane'")
        types = psql(f"SELECT meeting_type_id FROM meeting_type WHERE app_user_id = '{host}'")
        def tsv(records):
            out = io.StringIO()
            for r in records:
                out.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
            return out.getvalue()
        psql(f"COPY booking ({COLUMNS}) FROM STDIN", tsv(rows(host, types, None, args.bookings, args.now)))
        psql("COPY visit_day (app_user_id, day, step, visitors) FROM STDIN", tsv(funnel(host, args.now)))
        psql("ANALYZE booking")


if __name__ == "__main__":
    main()
