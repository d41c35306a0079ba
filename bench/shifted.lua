-- 93-day availability queries on one host (BENCH_USER), each start a millisecond after the
-- last (BENCH_TYPE, BENCH_NOW = epoch seconds): the attack of issue 24 item 5.
local type_id = os.getenv("BENCH_TYPE")
local user = os.getenv("BENCH_USER") or "wide"
local now = tonumber(os.getenv("BENCH_NOW"))
local counter = 0
request = function()
  counter = counter + 1
  local ms = counter % 60000
  local from = os.date("!%Y-%m-%dT%H:%M:", now) .. string.format("%02d.%03dZ", math.floor(ms / 1000), ms % 1000)
  local to = os.date("!%Y-%m-%dT%H:%M:00Z", now + 93 * 86400)
  return wrk.format("GET", "/api/public/booking/" .. user .. "/availability?meetingTypeId=" .. type_id ..
    "&start=" .. from .. "&end=" .. to)
end

-- Any answer but 200 fails the run: refused requests are no throughput.
response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
    os.exit(1)
  end
end
