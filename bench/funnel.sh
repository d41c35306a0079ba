#!/usr/bin/env bash
# What counting the funnel costs the booking page: wrk on the (cached) calendar page with the
# host's page analytics on and off, same binary, same data. Two kinds of load: one browser
# asking again and again (one visitor: the writer's memory drops the repeats), and a new
# visitor on every request (a user agent per request: every visit is a row to write, in
# batches). The page never waits for its count either way; this measures what the writer
# costs the two cores the pages also need.
#
#   bench/funnel.sh          (SQLite, release build; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked -p novacrm
work=$(mktemp -d)
port=3933
base="http://127.0.0.1:$port"
NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox" RUST_LOG=warn \
  target/release/novacrm serve --demo --listen "127.0.0.1:$port" \
  --database-url "sqlite://$work/funnel.db" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
type=$(curl -sf "$base/api/public/booking/jane" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meetingTypes"][1]["id"])')
page="$base/book/jane/$type?tz=Europe%2FBerlin"
cookie=$(curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"jane","password":"demo-password-jane"}' "$base/api/session" |
  awk -F'[ ;]' 'tolower($1) == "set-cookie:" {print $2}')
analytics() {
  curl -sf -o /dev/null -X PATCH -H "Cookie: $cookie" -H 'Content-Type: application/json' \
    -d "{\"pageAnalytics\": $1}" "$base/api/profile"
}
ua='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
cat >"$work/visitors.lua" <<'EOF'
-- A new visitor on every request: the same browser, another build number each time.
local n = 0
request = function()
  n = n + 1
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0." .. n .. " Safari/537.36"
  wrk.headers["Accept-Encoding"] = "gzip"
  return wrk.format("GET")
end
EOF
run() {
  echo "--- $1"
  shift
  wrk -t2 -c32 -d10s --latency "$@" | grep -E 'Requests/sec|50%|99%'
}
for on in true false; do
  analytics "$on"
  curl -sf -o /dev/null -H "User-Agent: $ua" "$page"   # render once into the page cache
  run "page analytics $on, one visitor" -H "User-Agent: $ua" -H 'Accept-Encoding: gzip' "$page"
  run "page analytics $on, a new visitor per request" -s "$work/visitors.lua" "$page"
done
counted=$(curl -sf -H "Cookie: $cookie" "$base/api/insights" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["funnel"][1]["visitors"])')
echo "visitors counted at the calendar step today: $counted"
