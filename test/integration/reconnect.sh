#!/bin/bash
# reconnect.sh - how 8 workers behave while the database goes away and comes back, under a
# steady load of /readyz through lighttpd, over TLS (verify-full) as a SCRAM role whose
# password is in DATABASE_URL:
#   * every response is 200, or 503 with Retry-After, within the deadline + 1 s;
#   * after a restart, the 8 workers do not retry in lockstep: their attempts (logged one by
#     one at debug level) and their reconnections are spread by the jittered backoff;
#   * one log line per state change and worker (db_lost, db_unavailable, db_connected), not
#     one per request or per attempt;
#   * every line names its class: admin_shutdown (pg_terminate_backend), refused (server
#     stopped), timeout (backend frozen), tls (the server's certificate changed to another
#     CA), auth (the role's password changed);
#   * the password from DATABASE_URL appears in no log line.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"

watchdog 170
tmpdir_new
PG_TLS=1 pg_start
"$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1 || {
	show_log "$TEST_TMP/migrate.log"
	not_ok "authfcgi migrate"
	finish
}
PASSWORD='Reconnect/Pw:must@not%leak-9'
pg_add_role app "$PASSWORD"
DATABASE_URL=$(pg_url "app:$PASSWORD")
ENCODED=$(sed 's|^postgresql://app:||; s|@.*||' <<<"$DATABASE_URL")
DEADLINE_MS=2000
export DATABASE_URL AUTHFCGI_WORKERS=8 AUTHFCGI_DB_TIMEOUT_MS=$DEADLINE_MS AUTHFCGI_LOG_LEVEL=debug
pool_start
front_start lighttpd "$(free_port)"
pool_wait_workers 8 10 || true

# The load: 8 clients on /readyz until $TEST_TMP/stop exists; one line per response.
python3 - "$FRONT_URL/readyz" "$TEST_TMP/stop" >"$TEST_TMP/responses" <<'EOF' &
import os, sys, threading, time, urllib.error, urllib.request
url, stop = sys.argv[1], sys.argv[2]
lock = threading.Lock()
def client():
    while not os.path.exists(stop):
        t = time.monotonic()
        try:
            r = urllib.request.urlopen(url, timeout=10)
            code, ra = r.status, r.headers.get("Retry-After")
            r.read()
        except urllib.error.HTTPError as e:
            code, ra = e.code, e.headers.get("Retry-After")
        except Exception as e:
            code, ra = 0, type(e).__name__
        with lock:
            print(code, int((time.monotonic() - t) * 1000), ra or "-", "%.3f" % time.time(), flush=True)
        if code != 200:
            time.sleep(0.005)
threads = [threading.Thread(target=client) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
EOF
LOAD_PID=$!
on_exit "touch '$TEST_TMP/stop'; wait $LOAD_PID 2>/dev/null"

# mark - the number of pool log lines so far; since MARK - the lines after it (common.sh).
mark() { log_mark "$POOL_LOG"; }
since() { log_since "$POOL_LOG" "$1"; }
# state_lines FROM - the state-change lines (not debug) after FROM.
state_lines() { since "$1" | grep -E 'level=(info|warn) .*event=db_(lost|unavailable|connected) ' || true; }
backends() { pg_psql -At -c "SELECT pid FROM pg_stat_activity WHERE usename = 'app'"; }
terminate() {
	pg_psql -At -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'" >/dev/null
}
# wait_connected FROM N SECS - until N db_connected lines after FROM.
wait_connected() {
	local deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		(($(since "$1" | grep -c 'event=db_connected ' || true) >= $2)) && return 0
		sleep 0.1
	done
	return 1
}
# wait_line FROM PATTERN SECS - until a line after FROM matches PATTERN (grep -E).
wait_line() {
	local deadline=$((SECONDS + $3))
	until grep -Eq "$2" <(since "$1"); do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}
# wait_served N SECS - until the load has had N more answers 200 than now: the pool serves.
wait_served() {
	local want deadline=$((SECONDS + $2))
	want=$(($(grep -c '^200 ' "$TEST_TMP/responses" || true) + $1))
	until (($(grep -c '^200 ' "$TEST_TMP/responses" || true) >= want)); do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}
# Each case waits for the lines it expects, whatever the machine's speed; the load runs until
# the end.
expect "the load is served" wait_served 50 20

# 1. admin_shutdown: every backend terminated, as a Neon suspend does.
m=$(mark)
terminate
expect "terminated backends: the loss is logged as class=admin_shutdown" \
	wait_line "$m" 'event=db_lost class=admin_shutdown' 10
# Every worker lost its backend: all 8 reconnect before the next case counts state lines.
wait_connected "$m" 8 10 || true

# 2. refused, and the jitter: the server stopped with 8 workers under load until all 8 have
# failed their fifth attempt (about 4 s of backoff).
m=$(mark)
pg_stop
deadline=$((SECONDS + 30))
until (($(since "$m" | grep -c 'event=db_connect_failed .*attempt=5 ' || true) >= 8)) ||
	((SECONDS > deadline)); do
	sleep 0.1
done
pg_start
expect "server back: all 8 workers reconnect within 10 s" wait_connected "$m" 8 10
state_lines "$m" >"$TEST_TMP/restart.lines"
since "$m" >"$TEST_TMP/restart.all"
pids=$(grep -o 'pid=[0-9]* event=db_connected' "$TEST_TMP/restart.lines" | cut -d' ' -f1 | sort -u | wc -l)
expect "...8 different workers reconnected ($pids)" test "$pids" = 8
bad=0
for pid in $(grep -o 'pid=[0-9]* event=db_connected' "$TEST_TMP/restart.lines" | cut -d' ' -f1 | sort -u); do
	lost=$(grep -c "$pid event=db_lost" "$TEST_TMP/restart.lines" || true)
	unavailable=$(grep -c "$pid event=db_unavailable" "$TEST_TMP/restart.lines" || true)
	connected=$(grep -c "$pid event=db_connected" "$TEST_TMP/restart.lines" || true)
	attempts=$(grep -c "$pid event=db_connect_failed" "$TEST_TMP/restart.all" || true)
	if ((lost > 1 || unavailable < 1 || unavailable > 2 || connected != 1)); then
		bad=$((bad + 1))
		echo "# $pid: lost $lost, unavailable $unavailable, connected $connected"
	fi
	echo "# $pid: $attempts failed attempts, $((lost + unavailable + connected)) state lines"
done
expect "...per worker one line per state change (lost <= 1, unavailable 1-2, connected 1)" \
	test "$bad" = 0
requests=$(wc -l <"$TEST_TMP/responses")
lines=$(wc -l <"$TEST_TMP/restart.lines")
attempts=$(grep -c 'event=db_connect_failed' "$TEST_TMP/restart.all" || true)
expect "...$lines state lines for $attempts failed attempts (and $requests requests so far)" \
	test "$lines" -le 32 -a "$attempts" -gt "$lines"
expect "...the stop is logged as class=refused" \
	grep -q 'event=db_unavailable class=refused' "$TEST_TMP/restart.lines"
# Jitter: the loss itself makes every worker try at once (attempt 1); after that, without
# jitter, all 8 would retry in the same instant at every step of the backoff (100, 200, 400
# ms...). With it, the third attempts already spread, no 20 ms sees all of them, and the
# reconnections spread over the last backoff window.
python3 - "$TEST_TMP/restart.all" >"$TEST_TMP/jitter" <<'EOF'
import datetime, re, sys
def ts(s):
    return datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ').timestamp()
connected, chosen = [], {}
for line in open(sys.argv[1]):
    m = re.match(r'ts=(\S+) level=\S+ pid=(\d+) event=db_connect_failed .*attempt=(\d+) retry_in_ms=(\d+)', line)
    if m:
        chosen.setdefault(int(m.group(3)), []).append(int(m.group(4)))
    m = re.match(r'ts=(\S+) level=\S+ pid=(\d+) event=db_connected ', line)
    if m:
        connected.append(ts(m.group(1)))
# The waits the workers drew after the same failed attempt. Without jitter they would all be
# equal; with full jitter (uniform in [0, ceiling]) 7 or more draws spanning less than a tenth
# of the largest happen about once in 100000 runs per step. These are the waits chosen, not
# observed times, so a loaded machine cannot bunch them up (reconnects are driven by requests,
# so observed attempt times bunch whenever the load generator stalls).
steps = bad = 0
for attempt, waits in chosen.items():
    if len(waits) >= 7:
        steps += 1
        if max(waits) - min(waits) < 0.1 * max(waits):
            bad += 1
ms = lambda v: int((max(v) - min(v)) * 1000) if len(v) > 1 else 0
print(steps, bad, ms(connected))
EOF
read -r steps bad spread <"$TEST_TMP/jitter"
expect "jitter: the waits drawn after each failed attempt differ across workers ($bad of $steps steps bunched)" \
	test "$steps" -ge 1 -a "$bad" = 0
expect "jitter: the 8 reconnections spread over $spread ms (>= 200)" test "$spread" -ge 200

# 3. timeout: the backends frozen past the deadline.
wait_connected "$m" 8 10 || true
m=$(mark)
frozen=$(backends | tr '\n' ' ')
# shellcheck disable=SC2086
kill -STOP $frozen
on_exit "kill -CONT $frozen 2>/dev/null"
# Frozen until a worker gave up at its deadline.
rc=0
wait_line "$m" 'event=db_lost class=timeout' $((DEADLINE_MS / 1000 + 15)) || rc=$?
# shellcheck disable=SC2086
kill -CONT $frozen
check "$rc" "frozen backends: the loss is logged as class=timeout"

# 4. tls: the server's certificate now comes from another CA; then the right one again.
wait_served 20 20 || true
m=$(mark)
pg_tls_resign other-ca
terminate
expect "certificate from another CA: logged as class=tls (db_unavailable)" \
	wait_line "$m" 'level=warn .*event=db_unavailable class=tls .*certificate verify failed' 10
m=$(mark)
pg_tls_resign ca
expect "...and the workers come back once it is right again" wait_connected "$m" 1 10

# 5. auth: the role's password changed under the running pool; then changed back.
wait_served 20 20 || true
m=$(mark)
pg_psql -q -c "ALTER ROLE app PASSWORD 'something-else'"
terminate
expect "password changed: logged as class=auth (db_unavailable)" \
	wait_line "$m" 'level=warn .*event=db_unavailable class=auth .*password authentication failed' 10
m=$(mark)
pg_psql -q -v pw="$PASSWORD" <<<"ALTER ROLE app PASSWORD :'pw'"
expect "...and the workers come back once it is right again" wait_connected "$m" 1 10
expect "no worker exited: a worker that was connected once rides out tls and auth failures" \
	test "$(pool_count_events worker_exited)" = 0

expect "the load is served again at the end" wait_served 50 20
touch "$TEST_TMP/stop"
wait "$LOAD_PID" || true
total=$(wc -l <"$TEST_TMP/responses")
n200=$(grep -c '^200 ' "$TEST_TMP/responses" || true)
n503=$(grep -Ec '^503 [0-9]+ [1-9][0-9]* ' "$TEST_TMP/responses" || true)
late=$(awk -v d=$((DEADLINE_MS + 1000)) '$2 > d' "$TEST_TMP/responses" | wc -l)
expect "all $total responses are 200 ($n200) or 503 with Retry-After ($n503)" \
	test "$((n200 + n503))" = "$total" -a "$total" -gt 100
expect "none slower than the deadline + 1 s ($late were)" test "$late" = 0
awk -v d=$((DEADLINE_MS + 1000)) '$2 > d { print "# slow: " $0 }' "$TEST_TMP/responses" | head -n 5
expect "every state line names a known class" \
	bash -c "! grep -E 'event=db_(lost|unavailable) ' '$POOL_LOG' | grep -Evq 'class=(admin_shutdown|refused|timeout|tls|auth) '"
leaks=$(cat "$POOL_LOG" "$FRONT_ERROR_LOG" | grep -cF -e "$PASSWORD" -e "$ENCODED" || true)
expect "the password from DATABASE_URL is in no log line ($leaks), debug level included" \
	test "$leaks" = 0

if ((_COMMON_FAILED > 0)); then
	grep -E 'event=db_' "$POOL_LOG" | grep -v 'level=debug' | tail -n 40 | sed 's/^/# /'
fi
finish
