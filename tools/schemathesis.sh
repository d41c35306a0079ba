#!/usr/bin/env bash
# The OpenAPI document against a live server: schemathesis with every check (no 5xx, answers
# that match the document, bad input refused, good input accepted, stateful links followed).
# Usage: tools/schemathesis.sh [max examples per operation, default 30] [schemathesis binary]
# The server runs on a scratch SQLite database (or on ST_DATABASE_URL, an empty PostgreSQL
# database) with the demo host, rate limits and the CAPTCHA off (the harness sends thousands of requests from one address, and cannot solve
# proof of work; both have their own tests).
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-30}"
st="${2:-schemathesis}"
bin="${NOVACRM_BIN:-target/debug/novacrm}"
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
db="${ST_DATABASE_URL:-sqlite://$work/st.db}"
export NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox"
"$bin" serve --demo --listen "127.0.0.1:$port" --database-url "$db" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }
echo "schemathesis against ${db%%://*}"
token="$("$bin" token create --username jane --database-url "$db")"
"$st" run "http://127.0.0.1:$port/api/openapi.json" \
  --checks all \
  --max-examples "$examples" \
  --header "Authorization: Bearer $token" \
  --seed 1 \
  --generation-deterministic \
  --generation-allow-x00 false \
  --no-color \
  "${@:3}"
