#!/usr/bin/env bash
# One host hammers its own availability with the heaviest schedule it may save (bench/heavy.py):
# 16 connections of varied 93-day queries for 20 s, while /healthz and another host's booking
# page are measured beside it (one connection each). Prints wrk's latency figures of all three;
# record p50/p99 in docs/benchmarks.md.   bench/guard.sh   (needs wrk; SQLite)
. "$(dirname "$0")/serve.sh"
serve_demo 3918 "sqlite://$work/guard.db"
heavy=$(python3 bench/heavy.py --base "$base" --bin "$bin" --database-url "$url")
jane=$(curl -sf "$base/api/public/booking/jane" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meetingTypes"][1]["id"])')
now=$(date -u +%s)
one="$base/api/public/booking/heavy/availability?meetingTypeId=$heavy&start=$(date -u -d @$now +%Y-%m-%dT%H:%M:00Z)&end=$(date -u -d @$((now + 93 * 86400)) +%Y-%m-%dT%H:%M:00Z)"
echo "one cold 93-day query on the heavy host: $(curl -s -o /dev/null -w '%{time_total}' "$one") s, $(curl -s "$one" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["slots"]))') slots"
BENCH_TYPE=$heavy BENCH_NOW=$now wrk -t2 -c16 -d20s --latency -s bench/varied.lua "$base" >"$work/heavy.txt" &
load=$!
sleep 1
wrk -t1 -c1 -d15s --latency "$base/healthz" >"$work/healthz.txt" &
probe=$!
wrk -t1 -c1 -d15s --latency -H 'Accept-Encoding: gzip' "$base/book/jane/$jane?tz=America/New_York" >"$work/page.txt"
wait $probe $load
for f in heavy healthz page; do echo "=== $f"; cat "$work/$f.txt"; done
