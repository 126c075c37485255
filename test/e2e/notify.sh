#!/bin/bash
# test/e2e/notify.sh - `authfcgi serve` under Type=notify, with a stand-in for systemd's
# $NOTIFY_SOCKET (test/lib/notify_listener.py, an abstract datagram socket): started while
# PostgreSQL is down, the pool says its workers wait for the database and says READY=1 only
# once the database is up; SIGHUP gives RELOADING=1 with MONOTONIC_USEC, then READY=1 once
# the new generation serves, and a reload whose configuration is refused gives READY=1 with a
# STATUS saying so; SIGTERM gives STOPPING=1 with EXTEND_TIMEOUT_USEC. Every step waits for
# the message.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"
# shellcheck source=test/lib/stack.sh
source "$top_srcdir/test/lib/stack.sh"

watchdog 180
tmpdir_new
stack_db
pg_stop

notes=$TEST_TMP/notify.log
: >"$notes"
chmod 0644 "$notes"
name=@authfcgi-test-notify-$$-$RANDOM
/usr/bin/python3 "$top_srcdir/test/lib/notify_listener.py" "$name" "$notes" &
listener=$!
on_exit "kill $listener 2>/dev/null"

# wait_note PATTERN AFTER SECS - the number of the first line of the notify log past line
# AFTER that matches the extended regex PATTERN, waiting up to SECS; false when none came.
wait_note() {
	local deadline=$((SECONDS + $3)) n
	while ((SECONDS < deadline)); do
		n=$(awk -v after="$2" -v re="$1" 'NR > after && $0 ~ re { print NR; exit }' "$notes")
		if [[ -n $n ]]; then
			echo "$n"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

wait_note '^listening$' 0 20 >/dev/null || {
	not_ok "the notify listener binds $name"
	finish
}
export AUTHFCGI_WORKERS=2 AUTHFCGI_DB_TIMEOUT_MS=2000
config=$TEST_TMP/authfcgi.conf
echo "# settings come from the environment; a bad line is added for the failed reload" >"$config"
chmod 0644 "$config"
NOTIFY_SOCKET=$name pool_start --config "$config" || {
	not_ok "authfcgi serve starts with the database down"
	finish
}

if waiting=$(wait_note 'STATUS=workers up, waiting for the database' 0 30); then
	ok "workers up, database down: STATUS says it waits for the database"
else
	not_ok "no 'waiting for the database' status; notify log:"
	show_log "$notes"
fi
if grep -q 'READY=1' "$notes"; then not_ok "READY=1 while the database is down"; else
	ok "no READY=1 while the database is down"
fi

pg_start
if ready=$(wait_note '^READY=1 STATUS=serving: 2 workers' "${waiting:-0}" 60); then
	ok "READY=1 once the database is up (line $ready)"
else
	not_ok "no READY=1 after the database came up"
	show_log "$notes"
	show_log "$POOL_LOG"
	finish
fi
expect "the pool answers once READY" test "$(/usr/bin/python3 "$top_srcdir/test/lib/fcgi_raw.py" \
	"$POOL_SOCKET" get /readyz)" = 200

kill -HUP "$POOL_PID"
if reloading=$(wait_note '^RELOADING=1 MONOTONIC_USEC=[0-9]+ STATUS=' "$ready" 30); then
	ok "SIGHUP: RELOADING=1 with MONOTONIC_USEC"
else
	not_ok "SIGHUP: no RELOADING=1 with MONOTONIC_USEC"
	show_log "$notes"
fi
if again=$(wait_note '^READY=1 STATUS=serving: 2 workers, generation 2' "${reloading:-$ready}" 60); then
	ok "READY=1 again once generation 2 serves (line $again)"
else
	not_ok "no READY=1 after the reload"
	show_log "$notes"
fi

echo "AUTHFCGI_WORKERS = lots" >>"$config"
kill -HUP "$POOL_PID"
if failed=$(wait_note '^READY=1 STATUS=serving: 2 workers, generation 2; the last reload failed' \
	"${again:-$ready}" 60); then
	ok "a reload with a refused configuration: READY=1 again, STATUS says it failed"
else
	not_ok "no READY=1 with the failed reload in STATUS"
	show_log "$notes"
fi

pool_stop 15
if wait_note '^STOPPING=1' "${failed:-$ready}" 10 >/dev/null; then
	ok "SIGTERM: STOPPING=1"
else
	not_ok "SIGTERM: no STOPPING=1"
	show_log "$notes"
fi
# The drain may last AUTHFCGI_SHUTDOWN_TIMEOUT_MS (10 s by default): systemd is asked for that
# plus 5 s, so that a TimeoutStopSec= shorter than a raised setting cannot cut the drain short.
if grep -q '^STOPPING=1 EXTEND_TIMEOUT_USEC=15000000 ' "$notes"; then
	ok "SIGTERM: EXTEND_TIMEOUT_USEC covers AUTHFCGI_SHUTDOWN_TIMEOUT_MS and a margin"
else
	not_ok "SIGTERM: no EXTEND_TIMEOUT_USEC=15000000"
	show_log "$notes"
fi
expect "the pool exits 0" test "${POOL_STATUS:-}" = 0
stack_sanitizer_clean pool "$POOL_LOG"
finish
