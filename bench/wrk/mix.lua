-- wrk script of the load test (bench/loadtest.py): a URL mix, status codes and a per-second timeline.
--
--   wrk -t2 -c16 -d60s --timeout 30s -H "X-Forwarded-Proto: https" -s bench/wrk/mix.lua \
--       http://127.0.0.1:PORT -- var/loadtest/urls-….txt 2
--
-- The arguments after "--" are the URL file, one path per line (# starts a comment), optionally
-- after a class word and a space ("hot /", "cold /practices/7/", "export /practices/export.csv?…";
-- bench/loadtest/urlplan.py writes them), and the number of threads (-t). Thread i of T walks the
-- list round-robin from line floor(N*i/T); it reports how many requests it sent and how many lines
-- its segment holds (up to the next thread's start): sent > segment means it reached lines another
-- thread also asked for. A response counts as an error when its status is not 2xx or 3xx.
-- The X-Page-Cache response header (practices/page_cache.py) is counted: hit, miss, revalidated,
-- absent (a response the page cache did not handle: a streamed export, a static file, Datasette). done() prints one line "LOADTEST_JSON <json>" with the totals, latency
-- percentiles, wrk's socket errors and a per-second timeline (by completion time, seconds after
-- wrk's start) of responses that succeeded and failed. Socket errors (connect, read, write,
-- timeout) never reach response(): they are in the totals, not in the timeline; the timeline's
-- "sent" column (requests started that second) shows where answers went missing.
--
-- wrk gives every thread its own Lua state and copies values between them with thread:get(),
-- which copies flat tables only (nested tables crash wrk 4.1): hence one flat table per counter.

local ok_ffi, ffi = pcall(require, "ffi")
local now_ms
if ok_ffi then
  pcall(ffi.cdef, [[
    typedef struct { long tv_sec; long tv_nsec; } loadtest_timespec;
    int clock_gettime(int clock_id, loadtest_timespec *tp);
  ]])
  local ts = ffi.new("loadtest_timespec")
  now_ms = function()
    ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME: comparable with the Python side's time.time()
    return tonumber(ts.tv_sec) * 1000 + math.floor(tonumber(ts.tv_nsec) / 1000000)
  end
else
  now_ms = function() return os.time() * 1000 end
end

-- main state --------------------------------------------------------------------------------
local threads = {}
local started_ms = now_ms()

function setup(thread)
  thread:set("thread_index", #threads)
  thread:set("t0_ms", started_ms)
  table.insert(threads, thread)
end

-- thread states ------------------------------------------------------------------------------
local requests_list = {}
local classes_list = {}
local position = 1

local function read_paths(path)
  local paths = {}
  local handle = io.open(path, "r")
  if not handle then
    error("loadtest: cannot open the URL list " .. tostring(path))
  end
  for line in handle:lines() do
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local class, path = line:match("^(%a+)%s+(/%S*)$")
      if class then
        table.insert(paths, {class, path})
      else
        table.insert(paths, {"hot", line})
      end
    end
  end
  handle:close()
  if #paths == 0 then
    error("loadtest: the URL list " .. tostring(path) .. " is empty")
  end
  return paths
end

function init(args)
  local paths = read_paths(args[1])
  for i, item in ipairs(paths) do
    -- wrk.format adds wrk.headers (Host, and the -H headers such as X-Forwarded-Proto).
    requests_list[i] = wrk.format("GET", item[2])
    classes_list[i] = item[1]
  end
  -- Spread the threads over the list so that they do not ask for the same page at once.
  local count = math.max(tonumber(args[2]) or 1, 1)
  local index = tonumber(thread_index) or 0
  local n = #requests_list
  local first = math.floor(n * index / count)
  position = (first % n) + 1
  statuses = {}      -- status code -> responses
  ok_by_second = {}  -- second -> responses with 2xx/3xx
  err_by_second = {} -- second -> responses with any other status
  sent_by_second = {} -- second -> requests started
  counters = {ok = 0, errors = 0, redirects = 0, first_error_ms = -1, last_error_ms = -1,
              sent = 0, segment = math.floor(n * (index + 1) / count) - first}
  sent_by_class = {}  -- line class -> requests sent
  page_cache = {hit = 0, miss = 0, revalidated = 0, absent = 0, other = 0}
end

local function second_of(ms)
  return math.floor((ms - t0_ms) / 1000)
end

function request()
  local second = second_of(now_ms())
  sent_by_second[second] = (sent_by_second[second] or 0) + 1
  local chosen = requests_list[position]
  local class = classes_list[position]
  sent_by_class[class] = (sent_by_class[class] or 0) + 1
  counters.sent = counters.sent + 1
  position = position + 1
  if position > #requests_list then
    position = 1
  end
  return chosen
end

function response(status, headers, body)
  local ms = now_ms()
  local second = second_of(ms)
  statuses[status] = (statuses[status] or 0) + 1
  local cache = headers["X-Page-Cache"] or headers["x-page-cache"]
  if cache == nil then
    page_cache.absent = page_cache.absent + 1
  elseif page_cache[cache] ~= nil and cache ~= "absent" and cache ~= "other" then
    page_cache[cache] = page_cache[cache] + 1
  else
    page_cache.other = page_cache.other + 1
  end
  if status >= 200 and status < 400 then
    counters.ok = counters.ok + 1
    if status >= 300 then
      counters.redirects = counters.redirects + 1
    end
    ok_by_second[second] = (ok_by_second[second] or 0) + 1
  else
    counters.errors = counters.errors + 1
    err_by_second[second] = (err_by_second[second] or 0) + 1
    if counters.first_error_ms < 0 then
      counters.first_error_ms = ms
    end
    counters.last_error_ms = ms
  end
end

-- done(): back in the main state -------------------------------------------------------------
local ARRAY = {}

local function array(items)
  return setmetatable(items, ARRAY)
end

local function json_value(value)
  local kind = type(value)
  if kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then
      return "null"
    end
    if value == math.floor(value) and math.abs(value) < 2 ^ 53 then
      return string.format("%d", value)
    end
    return string.format("%.6g", value)
  elseif kind == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif kind == "boolean" then
    return tostring(value)
  elseif kind == "nil" then
    return "null"
  elseif kind == "table" then
    if getmetatable(value) == ARRAY then
      local parts = {}
      for _, item in ipairs(value) do
        table.insert(parts, json_value(item))
      end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for key in pairs(value) do
      table.insert(keys, tostring(key))
    end
    table.sort(keys)
    local parts = {}
    for _, key in ipairs(keys) do
      local item = value[key]
      if item == nil then
        item = value[tonumber(key)]
      end
      table.insert(parts, json_value(key) .. ":" .. json_value(item))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

local function add_into(total, part)
  for key, value in pairs(part or {}) do
    total[key] = (total[key] or 0) + value
  end
end

function done(summary, latency, requests)
  local statuses_total, ok_total, err_total, sent_total = {}, {}, {}, {}
  local class_total, cache_total, walks = {}, {}, array({})
  local ok, errors, redirects = 0, 0, 0
  local first_error_ms, last_error_ms = -1, -1
  for _, thread in ipairs(threads) do
    add_into(statuses_total, thread:get("statuses"))
    add_into(ok_total, thread:get("ok_by_second"))
    add_into(err_total, thread:get("err_by_second"))
    add_into(sent_total, thread:get("sent_by_second"))
    add_into(class_total, thread:get("sent_by_class"))
    add_into(cache_total, thread:get("page_cache"))
    local c = thread:get("counters") or {}
    table.insert(walks, {sent = c.sent or 0, segment = c.segment or 0})
    ok = ok + (c.ok or 0)
    errors = errors + (c.errors or 0)
    redirects = redirects + (c.redirects or 0)
    if (c.first_error_ms or -1) >= 0 and (first_error_ms < 0 or c.first_error_ms < first_error_ms) then
      first_error_ms = c.first_error_ms
    end
    if (c.last_error_ms or -1) > last_error_ms then
      last_error_ms = c.last_error_ms
    end
  end
  local last_second = math.floor(summary.duration / 1000000)
  for _, tab in ipairs({ok_total, err_total, sent_total}) do
    for second in pairs(tab) do
      if second > last_second then
        last_second = second
      end
    end
  end
  local timeline = array({})
  for second = 0, last_second do
    table.insert(timeline, {t = second, sent = sent_total[second] or 0, ok = ok_total[second] or 0,
                            errors = err_total[second] or 0})
  end
  local status_table = {}
  for code, count in pairs(statuses_total) do
    status_table[tostring(code)] = count
  end
  local duration_s = summary.duration / 1000000
  local socket = {connect = summary.errors.connect, read = summary.errors.read, write = summary.errors.write,
                  timeout = summary.errors.timeout}
  local socket_total = socket.connect + socket.read + socket.write + socket.timeout
  local result = {
    requests = summary.requests,
    responses = ok + errors,
    duration_s = duration_s,
    bytes = summary.bytes,
    throughput_rps = duration_s > 0 and summary.requests / duration_s or 0,
    ok_throughput_rps = duration_s > 0 and ok / duration_s or 0,
    ok = ok,
    redirects = redirects,
    non_2xx_3xx = errors,
    socket_errors = socket,
    errors = errors + socket_total,
    wrk_status_errors = summary.errors.status,
    statuses = status_table,
    latency_ms = {
      p50 = latency:percentile(50) / 1000, p90 = latency:percentile(90) / 1000,
      p99 = latency:percentile(99) / 1000, max = latency.max / 1000,
      mean = latency.mean / 1000, stdev = latency.stdev / 1000,
    },
    started_ms = started_ms,
    first_error_ms = first_error_ms >= 0 and first_error_ms or nil,
    last_error_ms = last_error_ms >= 0 and last_error_ms or nil,
    timeline = timeline,
    page_cache = cache_total,
    sent_by_class = class_total,
    thread_walks = walks,
    threads = #threads,
    clock = ok_ffi and "clock_gettime" or "os.time",
  }
  io.write("LOADTEST_JSON ", json_value(result), "\n")
end
