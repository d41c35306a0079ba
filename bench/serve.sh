# Sourced by the benchmarks: builds the release binary and starts `novacrm serve --demo` with
# rate limits and the CAPTCHA off, in a fresh work folder; at exit the server stops, `on_exit`
# runs and the folder goes.   . bench/serve.sh; serve_demo PORT DATABASE_URL [VAR=VALUE …]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --locked -p novacrm
bin=${CARGO_TARGET_DIR:-target}/release/novacrm
work=$(mktemp -d)
server=""
on_exit=":"
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  eval "$on_exit"
  rm -rf "$work"
}
trap cleanup EXIT

serve_demo() {
  port=$1 url=$2
  shift 2
  base="http://127.0.0.1:$port"
  env NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox" "$@" \
    "$bin" serve --demo --listen "127.0.0.1:$port" --database-url "$url" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 50); do curl -sf "$base/healthz" >/dev/null && return 0; sleep 0.2; done
  echo "the server did not start:" >&2
  cat "$work/server.log" >&2
  return 1
}
