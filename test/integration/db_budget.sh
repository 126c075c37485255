#!/bin/bash
# db_budget.sh - more workers than the server has connections: a cluster with
# max_connections=5 (one slot reserved for superusers) and `authfcgi serve` with 8 workers
# behind lighttpd, connecting as an ordinary SCRAM role. The workers that got a connection say
# clearly, once each, that 8 workers do not fit in the 4 connections the role may use; the
# others are refused by the server (too_many_connections, 53300) and answer 503 + Retry-After
# (class refused, one log line each, not one per request). Under concurrent load every
# response is 200 or that 503 - never a libpq message - and the pool survives. The role's
# password never appears in the log.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"

watchdog 240
tmpdir_new
PG_MAX_CONNECTIONS=5 pg_start
"$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1 || {
	show_log "$TEST_TMP/migrate.log"
	not_ok "authfcgi migrate"
	finish
}

# Asked before the workers start: eight workers retrying their connections hold every slot,
# the superuser's included, for as long as each one authenticates (the CI failure of 045dfaa).
max=$(pg_psql -At -c 'SHOW max_connections')
expect "the server allows $max connections" test "$max" = 5

PASSWORD='Budget-Pw-not-in-logs-7'
pg_add_role app "$PASSWORD"
DATABASE_URL=$(pg_url "app:$PASSWORD")
export DATABASE_URL AUTHFCGI_WORKERS=8 AUTHFCGI_DB_TIMEOUT_MS=1000
pool_start
pool_wait_workers 8 10 || true
front_start lighttpd "$(free_port)"
# Every worker has tried its first connection once it is ready.
for ((i = 0; i < 100; i++)); do
	(($(pool_count_events worker_ready) >= 8)) && break
	sleep 0.1
done
expect "8 workers ready" test "$(pool_count_events worker_ready)" -ge 8

warnings=$(grep -c 'level=warn .*event=db_connection_budget' "$POOL_LOG" || true)
expect "the budget warning is logged by the connected workers ($warnings lines, 1..5)" \
	test "$warnings" -ge 1 -a "$warnings" -le 5
expect "...naming the numbers" grep -q \
	'event=db_connection_budget workers=8 max_connections=5 superuser_reserved=1 superuser=no available=4 .*hosts_that_fit=0' "$POOL_LOG"
expect "...and what happens and what to do" grep -q \
	'reason="8 workers need 8 connections but the server accepts 4 .*answer 503.*AUTHFCGI_WORKERS' "$POOL_LOG"
refused=$(grep -Ec 'event=db_unavailable class=refused .*(too many clients|remaining connection slots)' \
	"$POOL_LOG" || true)
expect "workers without a connection log class=refused, no slot left ($refused lines)" \
	test "$refused" -ge 1

# 8 clients x 40 requests at once, /readyz (one database round trip each).
python3 - "$FRONT_URL/readyz" >"$TEST_TMP/responses" <<'EOF'
import concurrent.futures, sys, time, urllib.error, urllib.request
url = sys.argv[1]
def one(_):
    t = time.monotonic()
    try:
        r = urllib.request.urlopen(url, timeout=10)
        code, hdrs, body = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        code, hdrs, body = e.code, e.headers, e.read()
    except Exception as e:
        return 'error 0 - %s' % type(e).__name__
    ms = int((time.monotonic() - t) * 1000)
    return '%d %d %s %s' % (code, ms, hdrs.get('Retry-After', '-'), body.decode('utf-8', 'replace').replace(' ', '_'))
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    for line in ex.map(one, range(320)):
        print(line)
EOF
total=$(wc -l <"$TEST_TMP/responses")
n200=$(grep -c '^200 ' "$TEST_TMP/responses" || true)
n503=$(grep -c '^503 ' "$TEST_TMP/responses" || true)
good503=$(grep -Ec '^503 [0-9]+ [1-9][0-9]* \{"message":"Service_unavailable","code":"SERVICE_UNAVAILABLE"\}$' \
	"$TEST_TMP/responses" || true)
slow=$(awk '$2 > 2000' "$TEST_TMP/responses" | wc -l)
expect "$total responses: $n200 x 200, $n503 x 503, nothing else" test "$((n200 + n503))" = "$total" -a "$total" = 320
expect "every 503 carries Retry-After and the SERVICE_UNAVAILABLE body ($good503 of $n503)" \
	test "$good503" = "$n503"
expect "the connected workers answer (200s: $n200)" test "$n200" -ge 1
expect "no response took longer than deadline + 1 s ($slow did)" test "$slow" = 0
leak=$(grep -Eiv '^(200|503) ' "$TEST_TMP/responses" | head -3 || true)
expect "no libpq text reached a client" bash -c "! grep -qiE 'slots|too many|FATAL|connection to server' '$TEST_TMP/responses'"
[[ -z $leak ]] || echo "# unexpected: $leak"
lines=$(grep -c 'event=db_unavailable' "$POOL_LOG" || true)
expect "one db_unavailable line per worker, not per request ($lines for 320 requests)" \
	test "$lines" -le 8
expect "the pool is still whole (8 workers)" pool_wait_workers 8 5
leaks=$(cat "$POOL_LOG" "$FRONT_ERROR_LOG" | grep -c "$PASSWORD" || true)
expect "the password never appears in a log ($leaks lines)" test "$leaks" = 0

if ((_COMMON_FAILED > 0)); then show_log "$POOL_LOG" 40; fi
finish
