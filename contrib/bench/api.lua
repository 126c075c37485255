-- contrib/bench/api.lua - wrk script of contrib/bench/api-bench.sh and authz-bench.sh:
--   BENCH_MODE=get-session  GET /api/auth/get-session with Cookie: $BENCH_COOKIE. Good = 200
--                           with a session (get-session answers 200 `null` without one).
--   BENCH_MODE=sign-in      POST /api/auth/sign-in/email {"email":$BENCH_EMAIL,"password":$BENCH_PASSWORD}.
--                           Good = 200 with a token.
--   BENCH_MODE=page         GET the URL's path (a 1 KiB static file); Cookie: $BENCH_COOKIE
--                           when set. Good = 200 with the file's marker "authfcgi-bench-1k".
-- Anything else counts as bad (a sign-in redirect, a 401, a 500 from a failed subrequest),
-- which wrk's own error count would miss. done() prints one machine-readable line:
--   BENCH requests=N duration_us=N p50_us=N p99_us=N max_us=N bad=N errors=N
local mode = os.getenv("BENCH_MODE") or "get-session"
local cookie = os.getenv("BENCH_COOKIE") or ""

if mode == "get-session" then
    if cookie == "" then
        error("BENCH_COOKIE not set")
    end
    wrk.method = "GET"
    wrk.path = "/api/auth/get-session"
    wrk.headers["Cookie"] = cookie
    want = '{"session":'
elseif mode == "sign-in" then
    local email = os.getenv("BENCH_EMAIL") or error("BENCH_EMAIL not set")
    local password = os.getenv("BENCH_PASSWORD") or error("BENCH_PASSWORD not set")
    wrk.method = "POST"
    wrk.path = "/api/auth/sign-in/email"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = string.format('{"email":"%s","password":"%s"}', email, password)
    want = '"token":"'
elseif mode == "page" then
    wrk.method = "GET"
    if cookie ~= "" then
        wrk.headers["Cookie"] = cookie
    end
    want = "authfcgi-bench-1k"
else
    error("BENCH_MODE must be get-session, sign-in or page")
end

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    bad = 0
end

function response(status, headers, body)
    if status ~= 200 or body == nil or not string.find(body, want, 1, true) then
        bad = bad + 1
    end
end

function done(summary, latency, requests)
    local total_bad = 0
    for _, t in ipairs(threads) do
        total_bad = total_bad + t:get("bad")
    end
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d bad=%d errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        latency.max, total_bad, e.connect + e.read + e.write + e.timeout))
end
