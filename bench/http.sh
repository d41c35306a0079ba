#!/usr/bin/env bash
# HTTP benchmark (wrk, load generator on the same box): hello-world (/healthz), the
# availability month view (cached), the guest's booking page (a month of slots, gzip), and
# POST bookings on distinct slots of many hosts — on SQLite and on PostgreSQL. Prints wrk's figures; record them in docs/benchmarks.md.
#
#   bench/http.sh [sqlite|postgres|all]      (default: all)
#
# Needs wrk (apt-get install wrk) and, for postgres, a local PostgreSQL (trust auth).
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
threads=2 connections=32 duration=10s
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked -p novacrm
bin=target/release/novacrm
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

# wrk, failing the run when any answer was not 2xx/3xx: refused requests are no throughput.
measure() {
  local out
  out=$(wrk "$@") || { echo "$out"; return 1; }
  echo "$out"
  if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
    echo "FAILED: some requests were refused (above); these figures are not throughput" >&2
    return 1
  fi
}

# Midnight UTC, N days from today, as RFC 3339.
day() { date -u -d "$(date -u +%F) +$1 days" +%Y-%m-%dT00:00:00Z; }

run() {
  local backend=$1 url=$2 port=3917
  echo "=== $backend"
  # Capacity, not the guard: one wrk address would be rate limited at once, and the booking
  # run solves no CAPTCHA. Confirmation emails go to .eml files in the scratch folder.
  NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox" \
    "$bin" serve --demo --listen "127.0.0.1:$port" --database-url "$url" >"$work/$backend.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  local base="http://127.0.0.1:$port"
  python3 bench/seed.py --base "$base" --bin "$bin" --database-url "$url" --hosts 50 >"$work/hosts.txt"
  local type
  type=$(curl -sf "$base/api/public/booking/jane" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meetingTypes"][1]["id"])')
  local from to
  from=$(day 1)
  to=$(day 31)
  local month="$base/api/public/booking/jane/availability?meetingTypeId=$type&start=$from&end=$to"
  echo "month view: $(curl -sf "$month" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["slots"]))') slots, $(curl -sf "$month" | wc -c) bytes"
  echo "--- hello world (GET /healthz)"
  measure -t$threads -c$connections -d$duration --latency "$base/healthz"
  echo "--- availability, 30-day month view (cached)"
  measure -t$threads -c$connections -d$duration --latency "$month"
  local page="$base/book/jane/$type?tz=America/New_York"
  echo "booking page: $(curl -sf -H 'Accept-Encoding: gzip' "$page" | wc -c) bytes gzip, $(curl -sf "$page" | wc -c) raw"
  echo "--- booking page, a month of slots (server-rendered, gzip)"
  measure -t$threads -c$connections -d$duration --latency -H 'Accept-Encoding: gzip' -H 'Accept-Language: en-US' "$page"
  echo "--- POST bookings, distinct slots over 50 hosts"
  BENCH_THREADS=$threads BENCH_HOSTS="$work/hosts.txt" BENCH_BASE=$(date -u -d "$(day 2)" +%s) \
    measure -t$threads -c$connections -d$duration --latency -s bench/book.lua "$base"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

if [ "$which" = sqlite ] || [ "$which" = all ]; then
  run sqlite "sqlite://$work/bench.db"
fi
if [ "$which" = postgres ] || [ "$which" = all ]; then
  db="novacrm_bench_$$"
  psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db" postgres
  run postgres "postgres://postgres@127.0.0.1:5432/$db"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE $db WITH (FORCE)" postgres
fi
