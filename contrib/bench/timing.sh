#!/usr/bin/env bash
# contrib/bench/timing.sh - does an answer's timing tell whether an address has an account?
# (issue 9, item 2). Starts a throwaway PostgreSQL, `authfcgi migrate`, `authfcgi serve` (rate
# limit off, mail on, change-email on) behind nginx, seeds one user per kind of stored hash,
# then sends, interleaved in a shuffled order, SAMPLES requests of each case below over
# keep-alive connections and prints the median time of each case and the gap of each pair:
#   sign-in            unknown address   vs  a wrong password for a user whose hash is
#                                            current yescrypt / Better Auth scrypt (an adopted
#                                            database) / yescrypt at --old-cost / unreadable
#   request-password-reset   unknown     vs  known
#   change-email       free address      vs  taken address (with a session)
#   send-verification-email (no session) unknown  vs  known, unverified
# gap = (median of the known side - median of the unknown side) / the unknown side's; the
# target is |gap| <= 10 % for each pair. A benchmark, not a test (not in CI): on a shared
# 2-core machine a run takes a few minutes and the client, nginx, the workers and PostgreSQL
# share the cores (../shared/CEILINGS.md).
#
#   contrib/bench/timing.sh [options]
#     --samples N       requests per case (200)
#     --old-cost N      the yescrypt cost of the "older cost" user (6; the configured cost is
#                       AUTHFCGI_PASSWORD_COST, default 0 = libxcrypt's 5)
#     --workers N       AUTHFCGI_WORKERS (2)
#     --log-dir DIR     keep the raw samples and server logs there (default: a temp dir)
# Environment: AUTHFCGI_BIN (default ./authfcgi, then ./var/build/authfcgi): point it at any
# authfcgi binary, e.g. one built from main for a before/after comparison. Needs curl,
# python3, PostgreSQL and nginx.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_NAME=timing
# shellcheck source=contrib/bench/lib.sh
source "$SRC/contrib/bench/lib.sh"
SAMPLES=200 OLD_COST=6 WORKERS=2 LOG_DIR=""

while (($#)); do
	case $1 in
	--samples) SAMPLES=$2 && shift ;;
	--old-cost) OLD_COST=$2 && shift ;;
	--workers) WORKERS=$2 && shift ;;
	--log-dir) LOG_DIR=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	*) usage >&2 && exit 2 ;;
	esac
	shift
done
int_in "$SAMPLES" 1 100000 || die "--samples must be 1..100000"
int_in "$OLD_COST" 1 11 || die "--old-cost must be 1..11"
int_in "$WORKERS" 1 64 || die "--workers must be 1..64"
bench_need curl python3

bench_binary "$SRC/authfcgi" "$BENCH_BUILDDIR/authfcgi"
bench_logs "$LOG_DIR"

bench_db
# The test harness turns durability off; a commit that waits for the WAL flush, as in
# production, is part of what the mailing branch would make a client wait for.
pg_psql -q -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET synchronous_commit = on" \
	-c "SELECT pg_reload_conf()" >/dev/null || die "cannot turn durability on"
PORT=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$PORT
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_WORKERS=$WORKERS AUTHFCGI_CHANGE_EMAIL=on
export AUTHFCGI_MAIL_FROM='timing bench <noreply@example.com>' AUTHFCGI_SENDMAIL=/bin/true
# The supervised mailer looks once at start and then sleeps: it takes no CPU from the run.
export AUTHFCGI_MAIL_POLL_MS=3600000
# shellcheck disable=SC2034 # read by pool_start
POOL_LOG=$LOG_DIR/authfcgi.log
# shellcheck disable=SC2119 # no extra arguments for serve
pool_start || die "authfcgi serve did not start"
front_start nginx "$PORT" || die "nginx did not start"
wait_http "$FRONT_URL/api/auth/ok" 20 || die "no answer through nginx"

# ---- the users: signed up through the API, then their stored hash replaced where the case
# needs another kind. The Better Auth hash is a real one (test/fixtures/betterauth-hashes.tsv);
# the older-cost one is made with libxcrypt here.
PASSWORD=timing-password-1
signup() {
	curl -sf -o /dev/null -H 'Content-Type: application/json' \
		--data "{\"email\":\"$1\",\"password\":\"$PASSWORD\",\"name\":\"Timing\"}" \
		"$FRONT_URL/api/auth/sign-up/email" || die "sign-up of $1 failed"
}
set_hash() {
	pg_psql -q -c "UPDATE account SET password = '$2' WHERE \"userId\" =
		(SELECT id FROM \"user\" WHERE email = '$1')" >/dev/null || die "cannot set the hash of $1"
}
for u in current betterauth old unreadable unverified; do signup "$u@timing.example.com"; done
BA_HASH=$(grep -v '^#' "$SRC/test/fixtures/betterauth-hashes.tsv" | head -n 1 | cut -f2)
[[ $BA_HASH =~ ^[0-9a-f]{32}:[0-9a-f]{128}$ ]] || die "no Better Auth hash in the fixtures"
OLD_HASH=$(python3 - "$OLD_COST" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL("libcrypt.so.1")
lib.crypt_gensalt.restype = ctypes.c_char_p
lib.crypt.restype = ctypes.c_char_p
setting = lib.crypt_gensalt(b"$y$", int(sys.argv[1]), None, 0)
print(lib.crypt(b"some other password", setting).decode())
EOF
)
[[ $OLD_HASH == \$y\$* ]] || die "cannot make a yescrypt hash at cost $OLD_COST"
set_hash betterauth@timing.example.com "$BA_HASH"
set_hash old@timing.example.com "$OLD_HASH"
set_hash unreadable@timing.example.com "not-a-password-hash"
pg_psql -q -c "UPDATE \"user\" SET \"emailVerified\" = true WHERE email <> 'unverified@timing.example.com'" >/dev/null
say "stored hashes: $(pg_psql -At -c "SELECT string_agg(left(password, 12), ' ') FROM account")"

# A session for change-email (the current user).
COOKIE=$(curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
	--data "{\"email\":\"current@timing.example.com\",\"password\":\"$PASSWORD\"}" \
	"$FRONT_URL/api/auth/sign-in/email" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | paste -sd ';' -)
[[ -n $COOKIE ]] || die "no session cookie"

# ---- the measurement: one keep-alive connection per case, every round the cases in a new
# random order; a warm-up round is not counted (it reads the hash kinds of each worker, ...).
python3 - "$PORT" "$SAMPLES" "$COOKIE" "$LOG_DIR/samples.tsv" "$AUTHFCGI_BASE_URL" <<'EOF'
import http.client, json, random, statistics, sys, time

port, samples, cookie, raw, origin = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
D = "@timing.example.com"
WRONG = "a-wrong-password"

def sign_in(email):
    return ("/api/auth/sign-in/email", lambda i: {"email": email, "password": WRONG}, False, 401)

cases = {
    "sign-in unknown": ("/api/auth/sign-in/email", lambda i: {"email": f"nobody-{i}{D}", "password": WRONG}, False, 401),
    "sign-in current yescrypt": sign_in("current" + D),
    "sign-in Better Auth scrypt": sign_in("betterauth" + D),
    "sign-in older cost": sign_in("old" + D),
    "sign-in unreadable hash": sign_in("unreadable" + D),
    "reset unknown": ("/api/auth/request-password-reset", lambda i: {"email": f"nobody-{i}{D}"}, False, 200),
    "reset known": ("/api/auth/request-password-reset", lambda i: {"email": "current" + D}, False, 200),
    "change-email free": ("/api/auth/change-email", lambda i: {"newEmail": f"free-{i}{D}"}, True, 200),
    "change-email taken": ("/api/auth/change-email", lambda i: {"newEmail": "old" + D}, True, 200),
    "verification unknown": ("/api/auth/send-verification-email", lambda i: {"email": f"nobody-{i}{D}"}, False, 200),
    "verification unverified": ("/api/auth/send-verification-email", lambda i: {"email": "unverified" + D}, False, 200),
}
pairs = [
    ("sign-in: unknown vs current yescrypt, wrong password", "sign-in unknown", "sign-in current yescrypt"),
    ("sign-in: unknown vs Better Auth scrypt, wrong password", "sign-in unknown", "sign-in Better Auth scrypt"),
    ("sign-in: unknown vs yescrypt at an older cost, wrong password", "sign-in unknown", "sign-in older cost"),
    ("sign-in: unknown vs unreadable hash", "sign-in unknown", "sign-in unreadable hash"),
    ("request-password-reset: unknown vs known", "reset unknown", "reset known"),
    ("change-email: free vs taken", "change-email free", "change-email taken"),
    ("send-verification-email: unknown vs unverified", "verification unknown", "verification unverified"),
]
conns = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for name in cases}
times = {name: [] for name in cases}

def once(name, i):
    path, body, with_session, want = cases[name]
    headers = {"Content-Type": "application/json", "Origin": origin}
    if with_session:
        headers["Cookie"] = cookie
    data = json.dumps(body(i))
    c = conns[name]
    t0 = time.perf_counter()
    c.request("POST", path, data, headers)
    r = c.getresponse()
    r.read()
    t = time.perf_counter() - t0
    if r.status != want:
        sys.exit(f"timing: {name}: status {r.status}, expected {want}")
    return t

names = list(cases)
for rnd in range(samples + 1):
    random.shuffle(names)
    for name in names:
        t = once(name, rnd)
        if rnd > 0:
            times[name].append(t)
with open(raw, "w") as f:
    for name in cases:
        f.write(name + "\t" + "\t".join(f"{t * 1000:.3f}" for t in times[name]) + "\n")
med = {name: statistics.median(v) * 1000 for name, v in times.items()}
print("| pair | unknown side ms | known side ms | gap | within 10 % |")
print("|---|---:|---:|---:|---|")
for label, a, b in pairs:
    gap = (med[b] - med[a]) / med[a] * 100
    print(f"| {label} | {med[a]:.2f} | {med[b]:.2f} | {gap:+.1f} % | {'met' if abs(gap) <= 10 else 'missed'} |")
print(f"\n{samples} samples per case, medians; cases interleaved in a random order each round.")
EOF
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
