# test/lib/pool.sh - the standalone worker pool (`authfcgi serve`) for shell tests.
#
#   pool_start [ARGS...]  start "$AUTHFCGI_BIN serve ARGS..." with the caller's environment
#                         (DATABASE_URL, AUTHFCGI_*), on the unix socket
#                         $TEST_TMP/pool/authfcgi.sock unless POOL_SOCKET is set, with
#                         AUTHFCGI_SECRET defaulting to a 40-byte test secret, AUTHFCGI_WORKERS
#                         to 2 and a pid file in $TEST_TMP/pool. As root, the pool drops to
#                         AUTHFCGI_USER (common.sh), which owns $TEST_TMP/pool (so the master
#                         removes its socket and pid file at exit), and the socket belongs to
#                         group www-data, the front servers' (AUTHFCGI_SOCKET_OWNER). Waits until a worker is ready (POOL_WAIT=socket: only until
#                         the socket exists, for pools whose workers are meant to fail). Exports
#                         POOL_PID, POOL_SOCKET, POOL_LOG, POOL_PID_FILE. Registers pool_stop.
#   pool_stop [SECS]      SIGTERM, wait up to SECS (default 15) for the master, then SIGKILL it
#                         and its workers. Sets POOL_STATUS to the master's exit status. Safe
#                         to call twice.
#   pool_worker_pids      the pids of the master's live workers, one per line
#   pool_wait_workers N [SECS]   wait until the master has N live workers
#   pool_wait_replaced N PID...  after killing the workers PID...: wait until the master has
#                         reaped each of them and N workers run again
#   pool_count_events EVENT      how many log lines carry event=EVENT
#
# Needs common.sh sourced and tmpdir_new called first.
# shellcheck shell=bash

: "${top_srcdir:?pool.sh: source common.sh first}"

# The same test secret front.sh gives Apache's workers.
_POOL_TEST_SECRET=test-secret-0123456789-0123456789-abcdef

# _pool_alive PID - true while PID runs (a zombie counts as gone).
_pool_alive() {
	local state
	state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $state != Z* ]]
}

pool_start() {
	local deadline want=${POOL_WAIT:-ready} skip
	: "${TEST_TMP:?pool_start: call tmpdir_new first}"
	unpriv_dir "$TEST_TMP/pool" || return 1
	chmod 0755 "$TEST_TMP/pool"
	POOL_SOCKET=${POOL_SOCKET:-$TEST_TMP/pool/authfcgi.sock}
	POOL_LOG=${POOL_LOG:-$TEST_TMP/authfcgi.log}
	POOL_PID_FILE=$TEST_TMP/pool/authfcgi.pid
	if ((EUID == 0)) && [[ -z ${AUTHFCGI_SOCKET_OWNER:-} ]]; then
		local AUTHFCGI_SOCKET_OWNER=$AUTHFCGI_USER:www-data
		export AUTHFCGI_SOCKET_OWNER
	fi
	POOL_STATUS=
	if [[ -z ${AUTHFCGI_SECRET:-} && -z ${BETTER_AUTH_SECRET:-} ]]; then
		export AUTHFCGI_SECRET=$_POOL_TEST_SECRET
	fi
	# Only this start's lines count: the log may hold an earlier pool's.
	skip=1
	if [[ -f $POOL_LOG ]]; then skip=$(($(wc -l <"$POOL_LOG") + 1)); fi
	AUTHFCGI_SOCKET=$POOL_SOCKET AUTHFCGI_PID_FILE=$POOL_PID_FILE \
		AUTHFCGI_WORKERS=${AUTHFCGI_WORKERS:-2} \
		"$AUTHFCGI_BIN" serve "$@" >>"$POOL_LOG" 2>&1 </dev/null &
	POOL_PID=$!
	export POOL_PID POOL_SOCKET POOL_LOG POOL_PID_FILE
	on_exit "pool_stop 5"

	deadline=$((SECONDS + 20))
	while ((SECONDS < deadline)); do
		if ! _pool_alive "$POOL_PID"; then
			wait "$POOL_PID" 2>/dev/null && POOL_STATUS=0 || POOL_STATUS=$?
			echo "pool_start: authfcgi serve exited at start (status $POOL_STATUS)" >&2
			show_log "$POOL_LOG" >&2
			return 1
		fi
		if [[ -S $POOL_SOCKET || $POOL_SOCKET != /* ]]; then
			[[ $want == socket ]] && return 0
			tail -n "+$skip" "$POOL_LOG" | grep -q 'event=worker_ready' && return 0
		fi
		sleep 0.05
	done
	echo "pool_start: no worker ready after 20 s" >&2
	show_log "$POOL_LOG" >&2
	return 1
}

pool_worker_pids() {
	[[ -n ${POOL_PID:-} ]] || return 0
	ps -o pid= --ppid "$POOL_PID" 2>/dev/null | tr -d ' ' || true
}

# pool_wait_workers N [SECS] - until exactly N workers run (after a kill, a reload, ...).
pool_wait_workers() {
	local n=$1 secs=${2:-10} deadline count
	deadline=$((SECONDS + secs))
	while ((SECONDS < deadline)); do
		count=$(pool_worker_pids | grep -c . || true)
		((count == n)) && return 0
		sleep 0.05
	done
	echo "pool_wait_workers: $count workers, wanted $n, after ${secs}s" >&2
	return 1
}

# pool_wait_replaced N PID... - after the workers PID... were killed, until the master has
# reaped every one of them and N workers run (false after 15 s). A killed worker stays the
# master's child, a zombie, until it is reaped, and one SIGKILLed a moment ago may not even be
# a zombie yet: counting workers alone would find N at once, before anything was replaced.
pool_wait_replaced() {
	local n=$1 pid deadline=$((SECONDS + 15))
	shift
	for pid; do
		while pool_worker_pids | grep -qx "$pid"; do
			if ((SECONDS >= deadline)); then
				echo "pool_wait_replaced: worker $pid not reaped after 15 s" >&2
				return 1
			fi
			sleep 0.05
		done
	done
	pool_wait_workers "$n" 15
}

pool_count_events() {
	grep -c "event=$1\\b" "$POOL_LOG" 2>/dev/null || true
}

pool_stop() {
	local secs=${1:-15} pid=${POOL_PID:-} deadline w
	[[ -n $pid ]] || return 0
	if _pool_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		deadline=$((SECONDS + secs))
		while _pool_alive "$pid" && ((SECONDS < deadline)); do
			sleep 0.05
		done
		if _pool_alive "$pid"; then
			echo "pool_stop: master $pid still running after ${secs}s: KILL" >&2
			for w in $(pool_worker_pids); do
				kill -KILL "$w" 2>/dev/null || true
			done
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null && POOL_STATUS=0 || POOL_STATUS=$?
	POOL_PID=
	export POOL_STATUS
}
