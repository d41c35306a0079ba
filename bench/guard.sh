#!/usr/bin/env bash
# One host hammers its own availability with the heaviest schedule it may save (bench/heavy.py):
# 16 connections of varied 93-day queries for 20 s, while /healthz and another host's booking
# page are measured beside it (one connection each). Prints wrk's latency figures of all three;
# record p50/p99 in docs/benchmarks.md.   bench/guard.sh   (needs wrk; SQLite)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked -p novacrm
bin=target/release/novacrm
work=$(mktemp -d)
port=3918
base="http://127.0.0.1:$port"
url="sqlite://$work/guard.db"
NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox" \
  "$bin" serve --demo --listen "127.0.0.1:$port" --database-url "$url" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
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
