-- 93-day availability queries on one host (BENCH_USER, default heavy), each starting at a
-- different minute, so no two share a cache key of the exact range (BENCH_TYPE, BENCH_NOW =
-- epoch seconds).
local type_id = os.getenv("BENCH_TYPE")
local user = os.getenv("BENCH_USER") or "heavy"
local now = tonumber(os.getenv("BENCH_NOW"))
local counter = 0
request = function()
  counter = counter + 1
  local start = now + (counter * 137 % 20000) * 60
  local from = os.date("!%Y-%m-%dT%H:%M:00Z", start)
  local to = os.date("!%Y-%m-%dT%H:%M:00Z", start + 93 * 86400)
  return wrk.format("GET", "/api/public/booking/" .. user .. "/availability?meetingTypeId=" .. type_id ..
    "&start=" .. from .. "&end=" .. to)
end
