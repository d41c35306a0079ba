#!/usr/bin/env bash
# The scale suite (docs/benchmarks.md, "Many instances"): three `novacrm serve` processes on
# one PostgreSQL behind HAProxy, mixed load (bookings on distinct slots of 50 hosts, and
# availability reads) for DURATION seconds; at a third of the run one process is SIGKILLed
# and restarted, at two thirds another is SIGTERMed (drained) and restarted. Then it checks
# that every booking answered 201 is in the database, that no two bookings of a host
# overlap, and that every confirmation was sent once (one Message-ID each). The same load
# against one process without the proxy, and no kills, is printed beside it.
#
#   bench/scale.sh [DURATION]        (default 90)
#
# Needs wrk, haproxy (apt-get install wrk haproxy) and a local PostgreSQL (trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-90}
threads=2 connections=24
for tool in wrk haproxy psql; do
  command -v $tool >/dev/null || { echo "$tool is missing (apt-get install wrk haproxy postgresql-client)" >&2; exit 1; }
done
cargo build --release --locked -p novacrm
bin=${CARGO_TARGET_DIR:-target}/release/novacrm
work=$(mktemp -d)
proxy=""
db="novacrm_scale_$$"
url="postgres://postgres@127.0.0.1:5432/$db"
cleanup() {
  for f in "$work"/pid-*; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  [ -n "$proxy" ] && kill "$proxy" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres || true
  rm -rf "$work"
}
trap cleanup EXIT
q() { psql -h 127.0.0.1 -U postgres -qtAX -d "$db" -c "$1"; }
day() { date -u -d "$(date -u +%F) +$1 days" +%s; }

pid() { cat "$work/pid-$1"; }
start() { # start INDEX PORT: a serve process, its pid in $work/pid-INDEX
  # A short job lease: the jobs a SIGKILLed instance held are retaken within the check.
  NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox" RUST_LOG=warn \
    NOVACRM_JOB_LEASE_SECS=15 "$bin" serve --listen "127.0.0.1:$2" --database-url "$url" >>"$work/serve-$1.log" 2>&1 &
  echo $! >"$work/pid-$1"
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "instance $1 did not start" >&2; cat "$work/serve-$1.log" >&2; return 1
}

# One run: load against BASE for DURATION s; with "chaos", the kills midway.
run() {
  local label=$1 base=$2 chaos=$3
  local out="$work/$label"
  mkdir -p "$out"
  local type
  type=$(curl -sf "$base/api/public/booking/jane" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meetingTypes"][1]["id"])')
  local reads="$base/api/public/booking/jane/availability?meetingTypeId=$type"
  echo "=== $label"
  if [ "$chaos" = chaos ]; then
    (
      t0=$SECONDS
      sleep $((duration / 3)); echo "--- $((SECONDS - t0)) s: SIGKILL instance 2"; kill -9 "$(pid 2)"
      sleep 3; start 2 4002; echo "--- $((SECONDS - t0)) s: instance 2 back"
      sleep $((duration / 3 - 3)); echo "--- $((SECONDS - t0)) s: SIGTERM instance 3"; kill -TERM "$(pid 3)"
      while kill -0 "$(pid 3)" 2>/dev/null; do sleep 0.1; done
      echo "--- $((SECONDS - t0)) s: instance 3 drained and exited"; start 3 4003; echo "--- $((SECONDS - t0)) s: instance 3 back"
    ) &
    local chaos_pid=$!
  fi
  SCALE_OUT="$out" BENCH_THREADS=$threads BENCH_HOSTS="$work/hosts.txt" BENCH_BASE=$(day 2) \
    wrk -t$threads -c$connections -d${duration}s --latency -s bench/scale.lua "$base" >"$out/writes.txt" &
  local writes=$!
  wrk -t$threads -c$connections -d${duration}s --latency "$reads" >"$out/reads.txt" || true
  wait $writes || true
  [ "$chaos" = chaos ] && wait $chaos_pid
  echo "--- bookings (POST)"; grep -E "Latency |50%|99%|Requests/sec|Non-2xx|Socket errors|bookings:" "$out/writes.txt"
  echo "--- availability (GET)"; grep -E "Latency |50%|99%|Requests/sec|Non-2xx|Socket errors" "$out/reads.txt"
  cat "$out"/created-*.txt > "$out/created.txt"
  echo "$(wc -l <"$out/created.txt") bookings answered 201"
}

psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db" postgres
RUST_LOG=warn "$bin" migrate --database-url "$url" >/dev/null
# The demo host jane (availability reads), then 50 bench hosts (bookings).
NOVACRM_RATE_LIMIT=off NOVACRM_OUTBOX_DIR="$work/seed-outbox" \
  "$bin" serve --demo --listen 127.0.0.1:4001 --database-url "$url" >"$work/demo.log" 2>&1 &
demo=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:4001/readyz >/dev/null && break; sleep 0.1; done
python3 bench/seed.py --base http://127.0.0.1:4001 --bin "$bin" --database-url "$url" --hosts 50 >"$work/hosts.txt"
kill $demo; wait $demo 2>/dev/null || true

# One process, no proxy, no kills.
start 1 4001
run one-process http://127.0.0.1:4001 calm
kill "$(pid 1)"; while kill -0 "$(pid 1)" 2>/dev/null; do sleep 0.1; done
q "TRUNCATE booking, job CASCADE" >/dev/null
rm -rf "$work/outbox"

# Three processes behind HAProxy, with a SIGKILL and a SIGTERM midway.
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 2
  option redispatch
frontend novacrm
  bind 127.0.0.1:4000
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /readyz
  default-server inter 500ms fall 1 rise 2
  server one 127.0.0.1:4001 check
  server two 127.0.0.1:4002 check
  server three 127.0.0.1:4003 check
CFG
start 1 4001; start 2 4002; start 3 4003
haproxy -f "$work/haproxy.cfg" -q &
proxy=$!
sleep 1
run three-processes http://127.0.0.1:4000 chaos

echo "=== checks"
created="$work/three-processes/created.txt"
lost=$( (echo "CREATE TEMP TABLE acked (id TEXT); COPY acked FROM STDIN;"; cat "$created"; printf '\\.\n';
         echo "SELECT COUNT(*) FROM acked a LEFT JOIN booking b ON b.booking_id = a.id WHERE b.booking_id IS NULL;") |
        psql -h 127.0.0.1 -U postgres -qtAX -d "$db" | tail -1)
overlaps=$(q "SELECT COUNT(*) FROM booking a JOIN booking b ON a.app_user_id = b.app_user_id
  AND a.booking_id < b.booking_id AND a.status <> 'CANCELLED' AND b.status <> 'CANCELLED'
  AND a.start_time < b.end_time AND b.start_time < a.end_time")
stored=$(q "SELECT COUNT(*) FROM booking")
echo "answered 201: $(wc -l <"$created"); in the database: $stored; 201s missing from it: $lost; overlapping pairs: $overlaps"
# Let the outbox finish (the instances run it), then count the confirmations.
for _ in $(seq 1 240); do
  open=$(q "SELECT COUNT(*) FROM job WHERE kind = 'email' AND done_at IS NULL AND failed_at IS NULL")
  [ "$open" = 0 ] && break; sleep 0.5
done
emails=$(find "$work/outbox" -name '*.eml' | wc -l)
duplicate_ids=$(grep -rhi '^Message-ID:' "$work/outbox" | sort | uniq -d | wc -l)
confirmations=$(grep -rli '^Subject: Confirmed' "$work/outbox" | wc -l)
echo "emails sent: $emails (open email jobs: $open); Message-IDs sent twice: $duplicate_ids; guest confirmations: $confirmations for $stored bookings"
status=0
[ "$open" = 0 ] || { echo "FAILED: $open emails still unsent" >&2; status=1; }
[ "$lost" = 0 ] || { echo "FAILED: acknowledged bookings are missing" >&2; status=1; }
[ "$overlaps" = 0 ] || { echo "FAILED: overlapping bookings" >&2; status=1; }
[ "$duplicate_ids" = 0 ] || { echo "FAILED: a message was sent twice" >&2; status=1; }
[ "$confirmations" = "$stored" ] || { echo "FAILED: confirmations ($confirmations) != bookings ($stored)" >&2; status=1; }
[ "$(wc -l <"$created")" -gt 0 ] || { echo "FAILED: nothing was booked" >&2; status=1; }
exit $status
