#!/usr/bin/env bash
# Lighthouse (npm, with Debian's Chromium) on the guest's pages — the booking page, the
# calendar and the confirmation — in its mobile (Moto G, slow 4G, 4× CPU) and desktop
# settings. Prints the four category scores per page and form factor and fails when a page
# scores under 100 or a redirect audit fails. Not a CI gate: its timings depend on the box
# (see docs/benchmarks.md for the figures).
#
#   bench/lighthouse.sh            (needs npm; installs lighthouse under target/npm)
#
# The browser runs in New York with en-US, a guest of the demo host on her first visit (no
# cookie): the page's first guess of the zone is the right one, as it is for most guests.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
lh=target/npm/node_modules/.bin/lighthouse
if [ ! -x "$lh" ]; then
  mkdir -p target/npm
  npm install --silent --no-audit --no-fund --prefix target/npm lighthouse@12
fi
cargo build --release --locked -p novacrm
work=$(mktemp -d)
port=3931
base="http://127.0.0.1:$port"
NOVACRM_RATE_LIMIT=off NOVACRM_CAPTCHA=off NOVACRM_OUTBOX_DIR="$work/outbox" \
  target/release/novacrm serve --demo --listen "127.0.0.1:$port" \
  --database-url "sqlite://$work/lh.db" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

# The calendar of the 30-minute type, and a booking's confirmation on its first free slot.
read -r type start < <(curl -sf "$base/api/public/booking/jane" | python3 -c '
import json, sys, urllib.request
base = sys.argv[1]
t = json.load(sys.stdin)["meetingTypes"][1]["id"]
slots = json.load(urllib.request.urlopen(f"{base}/api/public/booking/jane/availability?meetingTypeId={t}"))
print(t, slots["slots"][0]["start"])' "$base")
token=$(curl -sf -X POST "$base/api/public/booking/jane/book" -H 'content-type: application/json' \
  -d "{\"meetingTypeId\":\"$type\",\"startTime\":\"$start\",\"timezone\":\"America/New_York\",\"guestName\":\"Lee Lighthouse\",\"guestEmail\":\"lee@example.com\"}" |
  python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["manageUrl"].rsplit("/",1)[1])')

failed=0
for page in "/book/jane" "/book/jane/$type" "/booking/$token"; do
  for preset in mobile desktop; do
    flags=()
    [ "$preset" = desktop ] && flags=(--preset=desktop)
    TZ=America/New_York "$lh" "$base$page" "${flags[@]}" --quiet --output=json \
      --output-path="$work/report.json" --only-categories=performance,accessibility,best-practices,seo \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --lang=en-US" >/dev/null 2>&1
    python3 - "$work/report.json" "$page" "$preset" <<'EOF' || failed=1
import json, sys
report = json.load(open(sys.argv[1]))
scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
redirects = report["audits"].get("redirects", {}).get("score")
page = sys.argv[2] if len(sys.argv[2]) < 30 else sys.argv[2][:22] + "…"
lcp = report["audits"]["largest-contentful-paint"]["displayValue"]
print(f"{page:<24} {sys.argv[3]:<8} perf {scores['performance']:>3}  a11y {scores['accessibility']:>3}  "
      f"best {scores['best-practices']:>3}  seo {scores['seo']:>3}  LCP {lcp}  redirects {'ok' if redirects in (1, None) else 'FAIL'}")
below = [k for k, v in scores.items() if v < 100]
for k in below:
    for audit in report["categories"][k]["auditRefs"]:
        a = report["audits"][audit["id"]]
        if a.get("score") is not None and a["score"] < 1 and audit.get("weight", 0) > 0:
            print(f"    {k}: {a['id']} — {a['title']}")
sys.exit(1 if below or redirects == 0 else 0)
EOF
  done
done
exit $failed
