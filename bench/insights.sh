#!/usr/bin/env bash
# Insights over one host's 100 000 bookings (bench/insights_seed.py, 13 months of them): the
# time of GET /api/insights for the default 28 days and for 13 months, the dashboard page, and
# the streamed bookings.csv with the server's memory before and after it (constant memory:
# the export should not raise it by anything like the file's size).
#   bench/insights.sh [sqlite|postgres]   (postgres: BENCH_POSTGRES_URL names an empty database)
#   BENCH_BOOKINGS=… changes the number of bookings.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
cargo build --release --locked -p novacrm
bin=${CARGO_TARGET_DIR:-target}/release/novacrm
work=$(mktemp -d)
port=3919
base="http://127.0.0.1:$port"
case $backend in
  sqlite) url="sqlite://$work/insights.db" ;;
  postgres) url=${BENCH_POSTGRES_URL:?set BENCH_POSTGRES_URL to an empty database} ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox" RUST_LOG=warn \
  "$bin" serve --demo --listen "127.0.0.1:$port" --database-url "$url" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
token=$(DATABASE_URL="$url" RUST_LOG=warn "$bin" token create --username jane)
bookings=${BENCH_BOOKINGS:-100000}
start=$(date +%s.%N)
python3 bench/insights_seed.py --database-url "$url" --bookings "$bookings" --now "$(($(date +%s) * 1000))"
echo "seeded $bookings bookings in $(echo "$(date +%s.%N) - $start" | bc) s ($backend)"

kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$server/status"; }
# The first GET of $1 (the facts read from the database), then the median of 7 more (the
# facts from the cache, as long as no booking changes), in seconds.
timed() {
  local first
  first=$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$base$1")
  echo "first $first, then median $(for _ in $(seq 1 7); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base$1"
  done | sort -n | sed -n 4p)"
}
echo "server memory at start:          VmRSS $(kb VmRSS) kB, peak VmHWM $(kb VmHWM) kB"
curl -sf -H "Authorization: Bearer $token" -o "$work/bookings.csv" \
  -w 'GET /api/exports/bookings.csv:  %{time_total} s, %{size_download} bytes\n' "$base/api/exports/bookings.csv"
echo "  $(($(wc -l <"$work/bookings.csv") - 1)) rows"
echo "server memory after the export:  VmRSS $(kb VmRSS) kB, peak VmHWM $(kb VmHWM) kB"
to=$(date -u -d tomorrow +%F)
from=$(date -u -d "$to -13 months" +%F)
echo "GET /api/insights (28 days):   $(timed /api/insights) s"
echo "GET /api/insights (13 months): $(timed "/api/insights?from=$from&to=$to") s"
total=$(curl -sf -H "Authorization: Bearer $token" "$base/api/insights?from=$from&to=$to" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bookings"]["total"], "non-cancelled bookings created in 13 months")')
echo "  $total"
cookie=$(curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"jane","password":"demo-password-jane"}' "$base/api/session" |
  awk -F'[ ;]' 'tolower($1) == "set-cookie:" {print $2}')
page=$(curl -sf -o /dev/null -w '%{time_total} s, %{size_download} bytes' -H "Cookie: $cookie" "$base/dashboard/insights")
echo "GET /dashboard/insights:       $page"
echo "server memory after insights:    VmRSS $(kb VmRSS) kB, peak VmHWM $(kb VmHWM) kB"
