#!/usr/bin/env bash
# contrib/bench/two_factor.sh - what a second factor adds to a sign-in (issue 12, item 2).
# Starts a throwaway PostgreSQL, `authfcgi migrate`, `authfcgi serve` (rate limit off,
# AUTHFCGI_TWO_FACTOR=on) behind nginx, signs up two users and enrols one in TOTP, then sends
# SAMPLES rounds, over one keep-alive connection, of: a sign-in without a second factor; a
# sign-in of the enrolled user (the password step, answered with twoFactorRedirect) followed
# by verify-totp (decrypt the secret, three HMAC-SHA1, the session); get-session as the
# no-hash reference. Prints the median of each in milliseconds. A benchmark, not a test.
#
#   contrib/bench/two_factor.sh [--samples N] [--workers N] [--log-dir DIR]
# Environment: AUTHFCGI_BIN (default ./authfcgi, then ./var/build/authfcgi). Needs python3,
# PostgreSQL and nginx.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_NAME=two_factor
# shellcheck source=contrib/bench/lib.sh
source "$SRC/contrib/bench/lib.sh"
SAMPLES=100 WORKERS=2 LOG_DIR=""

while (($#)); do
	case $1 in
	--samples) SAMPLES=$2 && shift ;;
	--workers) WORKERS=$2 && shift ;;
	--log-dir) LOG_DIR=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
	shift
done
int_in "$SAMPLES" 1 100000 || die "--samples must be 1..100000"
int_in "$WORKERS" 1 64 || die "--workers must be 1..64"
bench_need python3

bench_binary "$SRC/authfcgi" "$BENCH_BUILDDIR/authfcgi"
bench_logs "$LOG_DIR"
bench_db
PORT=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$PORT
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_WORKERS=$WORKERS AUTHFCGI_TWO_FACTOR=on
# shellcheck disable=SC2034 # read by pool_start
POOL_LOG=$LOG_DIR/authfcgi.log
# shellcheck disable=SC2119 # no extra arguments for serve
pool_start || die "authfcgi serve did not start"
front_start nginx "$PORT" || die "nginx did not start"
wait_http "$FRONT_URL/api/auth/ok" 20 || die "no answer through nginx"

python3 - "$PORT" "$SAMPLES" <<'PYEOF'
import base64, hmac, http.client, json, statistics, struct, sys, time
port, samples = int(sys.argv[1]), int(sys.argv[2])
origin = f"http://127.0.0.1:{port}"
conn = http.client.HTTPConnection("127.0.0.1", port)

def call(path, body=None, cookies=None, method="POST"):
    headers = {"Origin": origin}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    t = time.perf_counter()
    conn.request(method, "/api/auth" + path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    data = r.read()
    dt = (time.perf_counter() - t) * 1000
    jar = dict(cookies or {})
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in v: jar.pop(name, None)
            else: jar[name] = value
    if r.status != 200:
        sys.exit(f"{path}: {r.status} {data[:200]!r}")
    return json.loads(data) if data else None, jar, dt

def totp(key):
    m = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
    o = m[19] & 15
    return "%06d" % ((struct.unpack(">I", m[o:o + 4])[0] & 0x7fffffff) % 1000000)

pw = "two-factor-bench-1"
for who in ("plain", "enrolled"):
    call("/sign-up/email", {"email": f"{who}@bench.example.com", "password": pw, "name": who})
_, jar, _ = call("/sign-in/email", {"email": "enrolled@bench.example.com", "password": pw})
body, jar, _ = call("/two-factor/enable", {"password": pw}, jar)
secret = body["totpURI"].split("secret=")[1].split("&")[0]
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
call("/two-factor/verify-totp", {"code": totp(key)}, jar)

times = {"sign-in, no second factor": [], "sign-in step 1 (password)": [],
         "verify-totp (step 2)": [], "sign-in with TOTP, total": [], "get-session": []}
for _ in range(samples):
    _, s, dt = call("/sign-in/email", {"email": "plain@bench.example.com", "password": pw})
    times["sign-in, no second factor"].append(dt)
    _, _, dt = call("/get-session", cookies=s, method="GET")
    times["get-session"].append(dt)
    body, c, d1 = call("/sign-in/email", {"email": "enrolled@bench.example.com", "password": pw})
    assert body.get("twoFactorRedirect"), body
    body, _, d2 = call("/two-factor/verify-totp", {"code": totp(key)}, c)
    assert body.get("token"), body
    times["sign-in step 1 (password)"].append(d1)
    times["verify-totp (step 2)"].append(d2)
    times["sign-in with TOTP, total"].append(d1 + d2)
for k, v in times.items():
    print(f"{k:30s} median {statistics.median(v):7.2f} ms  (n={len(v)})")
PYEOF
