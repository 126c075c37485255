#!/bin/bash
# test/integration/fcgi_params.sh - libfcgi's CVE-2025-23016 (ReadParams adds two 31-bit
# name/value lengths in an int and mallocs the sum) cannot take a worker down: raw FastCGI
# requests with oversized 4-byte param lengths (just under 2^31, beyond the record, and 64 MiB
# of parameters in all; test/lib/fcgi_raw.py) are sent to `authfcgi serve`. After each one the
# same worker is still there (no exit in the master's log), the pool answers a real request,
# and at the end the worker's peak memory (VmHWM) grew by less than 16 MiB.
#
# Debian 12's libfcgi (2.4.2-2+deb12u1) has only the first upstream fix: two lengths just under
# 2^31 still make the int sum negative, the malloc fails and libfcgi's assert aborts the worker
# (on main: 3 workers killed, and 64 MiB more peak memory). fcgi_io checks the params before
# libfcgi reads them (fcgi_peek.h).
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"

command -v python3 >/dev/null || skip_all "python3 is not installed"
RAW=$top_srcdir/test/lib/fcgi_raw.py

watchdog 300
tmpdir_new
# No database is needed to read a request: a port nobody listens on makes /ok answer 503.
export DATABASE_URL="postgresql://127.0.0.1:$(free_port)/none?connect_timeout=1"
export AUTHFCGI_WORKERS=1 AUTHFCGI_RATE_LIMIT=false
pool_start

# status - the HTTP status a real request gets (0: no answer).
status() {
	timeout 30 python3 "$RAW" "$POOL_SOCKET" get /api/auth/ok || echo 0
}

# kib FIELD PID - a /proc/PID/status memory field in KiB.
kib() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"
}

first=$(status)
expect "a real request is answered before ($first)" test "$first" != 0
worker=$(pool_worker_pids)
hwm_before=$(kib VmHWM "$worker")

for c in $(python3 "$RAW" "$POOL_SOCKET" cases); do
	exits=$(pool_count_events worker_exited)
	expect "$c: the worker ends the hostile request" \
		timeout 60 python3 "$RAW" "$POOL_SOCKET" hostile "$c"
	got=$(status)
	expect "$c: the pool answers the next real request ($got)" test "$got" != 0
	now=$(pool_worker_pids)
	expect "$c: worker $worker still serves (workers now: ${now//$'\n'/ })" \
		test "$now" == "$worker" -a "$(pool_count_events worker_exited)" == "$exits"
	if [[ $now != "$worker" ]]; then
		show_log "$POOL_LOG" 10
		worker=$now
	fi
done

hwm_after=$(kib VmHWM "$worker")
if [[ $worker == "$(pool_worker_pids)" ]]; then
	expect "peak memory of the worker grew by $((hwm_after - hwm_before)) KiB (limit 16384)" \
		test $((hwm_after - hwm_before)) -lt 16384
fi
finish
