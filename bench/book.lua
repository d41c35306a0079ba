-- wrk script: POST bookings on distinct 15-minute slots spread over many hosts.
-- Env: BENCH_THREADS (wrk -t), BENCH_HOSTS (file of "username meetingTypeId" lines), BENCH_BASE (epoch seconds of
-- the first slot, a whole day ahead so notice never interferes).
local hosts = {}
for line in io.lines(os.getenv("BENCH_HOSTS")) do
  local user, id = line:match("(%S+)%s+(%S+)")
  hosts[#hosts + 1] = { user = user, id = id }
end
local base = tonumber(os.getenv("BENCH_BASE"))
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  created, conflicts, other = 0, 0, 0
end

function request()
  -- Thread t of n takes indexes t, t+n, t+2n…: no two requests ask for one slot.
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
  if status == 201 then created = created + 1
  elseif status == 409 then conflicts = conflicts + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local c, k, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); k = k + t:get("conflicts"); o = o + t:get("other")
  end
  io.write(string.format("bookings: %d created, %d conflicts, %d other\n", c, k, o))
  -- Every slot is distinct, so anything but 201 is a refusal, not throughput.
  if c == 0 or k > 0 or o > 0 then
    io.stderr:write("FAILED: the run must create every booking it posts\n")
    os.exit(1)
  end
end
