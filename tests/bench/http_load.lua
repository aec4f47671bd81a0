-- wrk script for tests/bench/http_load.sh: one POST per request for a
-- rotating population of units, with the attributes the demo's targeting
-- reads, evaluating every running experiment (exposures logged as a page
-- view would). $KIND picks the body: "assign" (POST /v1/assign, an
-- AssignRequest), "assign-nolog" (the same with logExposure false: a
-- preview) or "ofrep" (POST /ofrep/v1/evaluate/flags, an OFREP bulk
-- evaluation context). The key comes from $CXLAB_KEY, the population size
-- from $UNITS (100,000).
local key = os.getenv("CXLAB_KEY") or ""
local kind = os.getenv("KIND") or "assign"
local units = tonumber(os.getenv("UNITS") or "100000")
local devices = {"mobile", "desktop", "tablet"}
local counter = 0
local thread_index = 0
local threads = {}

function setup(thread)
  thread:set("tid", thread_index)
  thread_index = thread_index + 1
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
  counter = (tid or 0) * 7919
end

function request()
  counter = counter + 1
  local k = counter % units
  local attributes = string.format('"device":{"type":"%s"},"visits":%d',
                                   devices[k % 3 + 1], k % 13)
  local body
  if kind == "assign-nolog" then
    body = string.format(
        '{"unit":{"unitId":"bench-%d","attributes":{%s}},"logExposure":false}',
        k, attributes)
  elseif kind == "ofrep" then
    body = string.format('{"context":{"targetingKey":"bench-%d",%s}}', k,
                         attributes)
  else
    body = string.format('{"unit":{"unitId":"bench-%d","attributes":{%s}}}',
                         k, attributes)
  end
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect +
                 summary.errors.read + summary.errors.write +
                 summary.errors.timeout
  io.write(string.format(
    "RESULT requests_per_s=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
