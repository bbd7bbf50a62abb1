-- wrk script for the web backend example: sends requests and checks every response body.
--
--   wrk -t2 -c200 -d10s --latency -s check.lua http://127.0.0.1:8080 -- slow 20
--
-- Arguments after --: the mix, "slow" (only /slow?ms=MS&id=..., the default) or "mix" (/slow, /fib
-- and /orders in turn), and MS, how long each /slow task sleeps (default 20).
-- done() prints key=value lines: requests, errors, the checked and mismatched bodies, latency.

local mix = "slow"
local sleep_ms = 20
local counter = 0
local outstanding = {}   -- ids of this thread's /slow requests that await their answer

-- Read by done() through thread:get, so global in each thread's state.
checked = 0
mismatches = 0
first_mismatch = ""

local fib = { [0] = 0, [1] = 1 }
for i = 2, 78 do fib[i] = fib[i - 1] + fib[i - 2] end   -- exact in a double up to 78

-- As the example's orders table: order i belongs to shop i % 100 and costs (i * 37) % 1000 cents.
local shop_cents = {}
for shop = 0, 99 do shop_cents[shop] = 0 end
for i = 0, 99999 do
  local shop = i % 100
  shop_cents[shop] = shop_cents[shop] + (i * 37) % 1000
end

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  mix = args[1] or mix
  sleep_ms = tonumber(args[2] or sleep_ms)
end

function request()
  counter = counter + 1
  local kind = mix == "mix" and counter % 3 or 0
  if kind == 1 then
    return wrk.format("GET", "/fib?n=" .. (counter % 79))
  elseif kind == 2 then
    return wrk.format("GET", "/orders?shop=" .. (counter % 100))
  end
  local id = thread_id .. "-" .. counter
  outstanding[id] = true
  return wrk.format("GET", "/slow?ms=" .. sleep_ms .. "&id=" .. id)
end

local function correct(body)
  local id = body:match('"id":"([^"]*)"')
  if id then
    local expected = outstanding[id]
    outstanding[id] = nil
    return expected and tonumber(body:match('"ms":(%d+)')) == sleep_ms
  end
  local n = tonumber(body:match('"n":(%d+)'))
  if n then
    return fib[n] ~= nil and tonumber(body:match('"fib":(%d+)')) == fib[n]
  end
  local shop = tonumber(body:match('"shop":(%d+)'))
  if shop then
    return shop_cents[shop] ~= nil and tonumber(body:match('"orders":(%d+)')) == 1000
        and tonumber(body:match('"cents":(%d+)')) == shop_cents[shop]
  end
  return false
end

function response(status, headers, body)
  if status ~= 200 then return end   -- wrk counts these itself (non-2xx)
  checked = checked + 1
  if not correct(body) then
    mismatches = mismatches + 1
    if first_mismatch == "" then first_mismatch = body end
  end
end

function done(summary, latency, requests)
  local total_checked, total_mismatches, first = 0, 0, ""
  for _, thread in ipairs(threads) do
    total_checked = total_checked + thread:get("checked")
    total_mismatches = total_mismatches + thread:get("mismatches")
    if first == "" then first = thread:get("first_mismatch") end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("requests=%d\n", summary.requests))
  io.write(string.format("seconds=%.3f\n", seconds))
  io.write(string.format("requests_per_second=%.1f\n", summary.requests / seconds))
  io.write(string.format("errors_connect=%d\nerrors_read=%d\nerrors_write=%d\nerrors_timeout=%d\n",
      e.connect, e.read, e.write, e.timeout))
  io.write(string.format("non_2xx=%d\n", e.status))
  io.write(string.format("checked=%d\nmismatches=%d\n", total_checked, total_mismatches))
  io.write(string.format("first_mismatch=%s\n", first))
  io.write(string.format("latency_p50_ms=%.2f\nlatency_p99_ms=%.2f\nlatency_max_ms=%.2f\n",
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
