-- wrk script for bench/scale.sh: POST bookings on distinct 15-minute slots of many hosts
-- through the proxy, writing the id of every 201 to $SCALE_OUT/created-<thread>.txt (the
-- suite then checks each one is in the database). Other answers are counted, not fatal:
-- a process is killed midway on purpose.
-- Env: BENCH_THREADS, BENCH_HOSTS ("username meetingTypeId" lines), BENCH_BASE (epoch s of
-- the first slot), SCALE_OUT (folder).
local hosts = {}
for line in io.lines(os.getenv("BENCH_HOSTS")) do
  local user, id = line:match("(%S+)%s+(%S+)")
  hosts[#hosts + 1] = { user = user, id = id }
end
local base = tonumber(os.getenv("BENCH_BASE"))
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
local out = os.getenv("SCALE_OUT")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  created, conflicts, other = 0, 0, 0
  file = io.open(out .. "/created-" .. tid .. ".txt", "w")
end

function request()
  local index = counter * nthreads + tid
  counter = counter + 1
  local host = hosts[(index % #hosts) + 1]
  local slot = math.floor(index / #hosts)
  local start = os.date("!%Y-%m-%dT%H:%M:%SZ", base + slot * 900)
  local body = string.format(
    '{"meetingTypeId":"%s","startTime":"%s","timezone":"UTC","guestName":"Load","guestEmail":"load%d@example.com"}',
    host.id, start, index)
  return wrk.format("POST", "/api/public/booking/" .. host.user .. "/book",
    { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    local id = body:match('"id"%s*:%s*"([^"]+)"')
    if id then file:write(id, "\n"); file:flush() end
  elseif status == 409 then conflicts = conflicts + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local c, k, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); k = k + t:get("conflicts"); o = o + t:get("other")
  end
  io.write(string.format("bookings: %d created, %d conflicts, %d other answers\n", c, k, o))
end
