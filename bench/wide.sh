#!/usr/bin/env bash
# Issue 24 item 5: a host with 1-minute slots all day, every day (the largest answers a host
# can cause), hammered by 4 connections whose range starts a millisecond apart, while
# /healthz is measured beside them on one connection. Prints the answer's size and wrk's
# figures.   bench/wide.sh   (needs wrk; SQLite, release build)
. "$(dirname "$0")/serve.sh"
serve_demo 3920 "sqlite://$work/wide.db"
export NOVACRM_PASSWORD=bench-password-123 DATABASE_URL="$url"
"$bin" user create --username wide --name "Wide Host" --email wide@example.com >/dev/null
token=$("$bin" token create --username wide)
api() { curl -sf -X "$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$3" "$base$2"; }
day='[["00:00","24:00"]]'
api PATCH /api/availability "{\"weeklyHours\":{\"mon\":$day,\"tue\":$day,\"wed\":$day,\"thu\":$day,\"fri\":$day,\"sat\":$day,\"sun\":$day},\"bufferTime\":0,\"minNotice\":0,\"maxAdvance\":93}" >/dev/null
type=$(api POST /api/meeting-types '{"name":"Minute","duration":1,"slotInterval":1}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
now=$(date -u +%s)
one="$base/api/public/booking/wide/availability?meetingTypeId=$type&start=$(date -u -d @$now +%Y-%m-%dT%H:%M:00Z)&end=$(date -u -d @$((now + 93 * 86400)) +%Y-%m-%dT%H:%M:00Z)"
echo "one 93-day answer: $(curl -s "$one" | wc -c) bytes, $(curl -s -H 'Accept-Encoding: gzip' "$one" | wc -c) gzipped, $(curl -s "$one" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["slots"]), "slots, next", d.get("next"))')"
BENCH_TYPE=$type BENCH_NOW=$now wrk -t2 -c4 -d20s --latency -s bench/shifted.lua "$base" >"$work/wide.txt" &
load=$!
sleep 1
wrk -t1 -c1 -d15s --latency "$base/healthz" >"$work/healthz.txt"
wait $load || { echo "the load run failed (a request was refused?)" >&2; exit 1; }
echo "=== 4 clients shifting by 1 ms"; grep -E '50%|99%|Requests/sec' "$work/wide.txt"
echo "=== /healthz beside them"; grep -E '50%|99%|Requests/sec' "$work/healthz.txt"
echo "server RSS: $(ps -o rss= -p "$server") KB"
