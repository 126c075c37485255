-- contrib/bench/protect.lua - wrk script of contrib/bench/authz-bench.sh:
--   BENCH_MODE=page         GET the URL's path (a 1 KiB static file); Cookie: $BENCH_COOKIE
--                           when set. Good = 200 with the file's marker "authfcgi-bench-1k".
--   BENCH_MODE=get-session  GET /api/auth/get-session with Cookie: $BENCH_COOKIE. Good = 200
--                           with a session (get-session answers 200 `null` without one).
-- Anything else counts as bad (a sign-in redirect, a 401, a 500 from a failed subrequest),
-- which wrk's own error count would miss. done() prints one machine-readable line:
--   BENCH requests=N duration_us=N p50_us=N p99_us=N max_us=N bad=N errors=N
local mode = os.getenv("BENCH_MODE") or "page"
local cookie = os.getenv("BENCH_COOKIE") or ""

wrk.method = "GET"
if cookie ~= "" then
    wrk.headers["Cookie"] = cookie
end
if mode == "get-session" then
    wrk.path = "/api/auth/get-session"
    want = '{"session":'
elseif mode == "page" then
    want = "authfcgi-bench-1k"
else
    error("BENCH_MODE must be page or get-session")
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
