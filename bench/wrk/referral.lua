-- bench/load.py: referral journeys under load, each connection one browser without
-- JavaScript going through the self-referral form from its first question to "sent".
--
-- wrk tells neither request() nor response() which connection it is on, so the journey's
-- state lives in the thread: run it with as many threads as connections (one each). A step
-- is one request; after each POST's 303 the browser fetches the next page, as a real one
-- does. The session cookie and the CSRF token are taken from the responses; the token is
-- sent in the form, as the browser does, with no Referer (the portal's Referrer-Policy).
-- The send (the POST of the check step) is timed on its own with the monotonic clock.
-- Anything unexpected counts as a failed journey and the browser starts again afresh.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

local BASE = "/en/refer/"
-- The answers of tests/web/referral_journey.py's SELF_ANSWERS, form-encoded.
local ANSWERS = {
  ["about-you"] = "name=Asha&age=29&gender=woman&communities=bme&language=gu&interpreter=yes",
  ["where"] = "area=leicester",
  ["needs"] = "needs=safe-accommodation&nrpf=yes",
  ["who-with"] = "children-0-age=6&children-0-sex=female&children-1-age=15" ..
    "&children-1-sex=male&pets=no",
  ["contact"] = "channels=text&channels=call&phone=07700+900123" ..
    "&times=weekdays+10am+to+2pm&may_say_who=no&code_word=sunflower",
}
-- Each step: method, page, the status expected, where a 303 must lead.
local JOURNEY = {
  {"GET", "about-you", 200},
  {"POST", "about-you", 303, "where"},
  {"GET", "where", 200},
  {"POST", "where", 303, "needs"},
  {"GET", "needs", 200},
  {"POST", "needs", 303, "who-with"},
  {"GET", "who-with", 200},
  {"POST", "who-with", 303, "contact"},
  {"GET", "contact", 200},
  {"POST", "contact", 303, "check"},
  {"GET", "check", 200},
  {"POST", "check", 303, "sent"},
  {"GET", "sent", 200},
}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Per thread (one browser).
local position = 1
local cookie = nil
local token = nil
local check_form = nil
local sent_at = nil
journeys = 0
failures = 0
first_failure = ""
submit_us = {}

local function header(headers, name)
  for key, value in pairs(headers) do
    if key:lower() == name then
      return value
    end
  end
  return nil
end

local function restart()
  position, cookie, token, check_form = 1, nil, nil, nil
end

local function fail(description)
  failures = failures + 1
  if first_failure == "" then
    first_failure = description
  end
  restart()
end

function request()
  local method, page = JOURNEY[position][1], JOURNEY[position][2]
  local headers = {}
  for key, value in pairs(wrk.headers) do
    headers[key] = value
  end
  if cookie then
    headers["Cookie"] = cookie
  end
  local body = nil
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    if page == "check" then
      body = "csrf_token=" .. token .. "&" .. check_form
      sent_at = now_us()
    else
      body = "csrf_token=" .. token .. "&" .. ANSWERS[page]
    end
  end
  return wrk.format(method, BASE .. page, headers, body)
end

function response(status, headers, body)
  local method, page, expected, next_page = unpack(JOURNEY[position])
  local sending_took = sent_at and now_us() - sent_at
  sent_at = nil
  if status ~= expected then
    return fail(method .. " " .. page .. " answered " .. status)
  end
  if sending_took then
    table.insert(submit_us, sending_took)
  end
  local set_cookie = header(headers, "set-cookie")
  if set_cookie then
    local value = set_cookie:match("^([^;]*)")
    -- An emptied session is sent as an empty, expired cookie.
    cookie = value:match("=(.+)$") and value or nil
  end
  if next_page then
    local location = (header(headers, "location") or ""):gsub("^https?://[^/]+", "")
    if location ~= BASE .. next_page then
      return fail(method .. " " .. page .. " led to " .. location)
    end
  end
  if method == "GET" and page == "about-you" then
    token = body:match('name="csrf_token" type="hidden" value="([^"]+)"')
    if not token then
      return fail("no CSRF token on about-you")
    end
  elseif method == "GET" and page == "check" then
    local key = body:match('name="submission_key" type="hidden" value="([^"]+)"')
    if not key then
      return fail("no submission key on check")
    end
    local form = {"submission_key=" .. key}
    for service in body:gmatch('name="share_with" value="([^"]+)"') do
      table.insert(form, "share_with=" .. service)
    end
    if #form == 1 then
      return fail("check offered no service")
    end
    check_form = table.concat(form, "&")
  end
  if position == #JOURNEY then
    journeys = journeys + 1
    restart()
  else
    position = position + 1
  end
end

done = function(summary, latency, requests)
  local all_journeys, all_failures, first, submits = 0, 0, "", {}
  for _, thread in ipairs(threads) do
    all_journeys = all_journeys + thread:get("journeys")
    all_failures = all_failures + thread:get("failures")
    if first == "" then
      first = thread:get("first_failure")
    end
    for _, microseconds in ipairs(thread:get("submit_us")) do
      table.insert(submits, string.format("%d", microseconds))
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, ' ..
    '"timeouts": %d, "journeys": %d, "failed_journeys": %d, "first_failure": "%s", ' ..
    '"submit_us": [%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    all_journeys, all_failures, first:gsub('[%c"\\]', "?"), table.concat(submits, ",")))
end
