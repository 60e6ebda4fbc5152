-- POSTs the body in BENCH_BODY (a file), replacing each __ID__ with a fresh id (a new
-- payment, a new transaction) and __PAYMENT__ with the ids in BENCH_PAYMENTS in turn.
-- Prints a JSON summary for the harness.
local counter = 0
local run = os.getenv("BENCH_RUN") or "000000"
local template
local payments = {}
local threads_started = 0

-- setup() runs in the main Lua state; thread:set() makes a global of each thread's own
-- state, which request() reads (a local of the same name would hide it).
function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end

function init(args)
  local file = assert(io.open(os.getenv("BENCH_BODY"), "r"))
  template = file:read("*a")
  file:close()
  if os.getenv("BENCH_PAYMENTS") then
    for line in io.lines(os.getenv("BENCH_PAYMENTS")) do
      table.insert(payments, line)
    end
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
  if os.getenv("BENCH_AUTHORIZATION") then
    wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
  end
  if os.getenv("BENCH_CLOSE") then
    wrk.headers["Connection"] = "close"
  end
end

function request()
  counter = counter + 1
  -- A UUID unique to this run (BENCH_RUN), thread and request.
  local id = string.format("%s%02d-%04d-4000-8000-%012d", run, thread_number, counter % 10000, counter)
  local body = template:gsub("__ID__", id)
  if #payments > 0 then
    body = body:gsub("__PAYMENT__", payments[counter % #payments + 1])
  end
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    '\nBENCH_JSON {"requests": %d, "seconds": %.6f, "p50_us": %d, "p99_us": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "non2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status))
end
