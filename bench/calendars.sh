#!/usr/bin/env bash
# Availability with three connected CalDAV calendars holding 5 000 events, against the same
# query with none: wrk on one 93-day query (cached) and on varied 93-day queries (each
# starting at a different minute), before and after connecting. Release build, SQLite.
#   bench/calendars.sh        (needs wrk and radicale; RADICALE=/path/to/radicale)
. "$(dirname "$0")/serve.sh"
on_exit='pkill -f bench-radicale- 2>/dev/null || true'
serve_demo 3919 "sqlite://$work/cal.db" NOVACRM_OUTBOUND_ALLOW=127.0.0.0/8
token=$(DATABASE_URL="$url" "$bin" token create --username jane)
type=$(curl -sf "$base/api/public/booking/jane" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meetingTypes"][0]["id"])')
curl -sf -X PATCH -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"maxAdvance": 93, "bufferTime": 0}' "$base/api/availability" >/dev/null
now=$(date -u +%s)
one="$base/api/public/booking/jane/availability?meetingTypeId=$type&start=$(date -u -d @$now +%Y-%m-%dT%H:00:00Z)&end=$(date -u -d @$((now + 93 * 86400)) +%Y-%m-%dT%H:00:00Z)"
measure() {
  echo "=== $1: one 93-day query, cold: $(curl -s -o /dev/null -w '%{time_total}' "$one") s, $(curl -s "$one" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["slots"]))') slots"
  wrk -t2 -c8 -d10s --latency "$one" | grep -E '50%|99%|Requests/sec'
  echo "--- varied starts"
  BENCH_USER=jane BENCH_TYPE=$type BENCH_NOW=$now wrk -t2 -c8 -d10s --latency -s bench/varied.lua "$base" | grep -E '50%|99%|Requests/sec'
}
measure "no calendars"
python3 bench/calendars.py --base "$base" --token "$token"
measure "3 calendars, 5000 events"
