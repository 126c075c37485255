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
#   pool_wait_ready [N] [SECS]   wait until N workers of this pool (default AUTHFCGI_WORKERS)
#                         have logged worker_ready; pool_start waits for the first one only
#   pool_wait_workers N [SECS]   wait until the master has N children (its mailer and
#                         unreaped workers included: after a kill, see pool_wait_replaced)
#   pool_wait_replaced N PID...  after killing the workers PID...: wait until the master has
#                         reaped each of them and N workers run again
#   pool_count_events EVENT      how many log lines carry event=EVENT
#   pool_queued           connections waiting in the socket's listen queue (not accepted)
#   pool_quiesce [SECS]   wait until every worker has finished the work it does after its
#                         last answer (a mail a handler queues once its answer is out)
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
	POOL_LOG_START=$((skip - 1))
	export POOL_PID POOL_SOCKET POOL_LOG POOL_PID_FILE POOL_LOG_START
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

# pool_wait_ready [N] [SECS] - until N workers (default AUTHFCGI_WORKERS, else 2) of the pool
# pool_start started have logged worker_ready (false after SECS, default 20). A worker is ready
# once its database connection is open (or known to be down): a check of every worker's
# connection made when pool_start returns, after the first worker only, may find one missing.
pool_wait_ready() {
	local n=${1:-${AUTHFCGI_WORKERS:-2}} deadline=$((SECONDS + ${2:-20})) count
	while :; do
		count=$(log_since "$POOL_LOG" "${POOL_LOG_START:-0}" | grep -c 'event=worker_ready' || true)
		((count >= n)) && return 0
		if ((SECONDS >= deadline)); then
			echo "pool_wait_ready: $count workers ready, wanted $n" >&2
			return 1
		fi
		sleep 0.05
	done
}

pool_worker_pids() {
	[[ -n ${POOL_PID:-} ]] || return 0
	ps -o pid= --ppid "$POOL_PID" 2>/dev/null | tr -d ' ' || true
}

# pool_wait_workers N [SECS] - until exactly N workers run (after a reload, a retirement, ...).
# Counted as the master's children: a killed worker still counts until the master reaps it
# (pool_wait_replaced waits for that), and so does the mailer when one runs.
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

# pool_queued - connections waiting in the pool's listen queue (state 02, "connecting", in
# /proc/net/unix: not accepted yet).
pool_queued() { awk -v p="$POOL_SOCKET" '$8 == p && $6 == "02"' /proc/net/unix | grep -c . || true; }

# pool_quiesce [SECS] - until every worker (AUTHFCGI_WORKERS of them) has finished what it
# does after its last answer: work a handler defers until the answer is out (the mail of a
# password reset is queued then, and the branch without a mail spends the same work), so a
# client has its answer before that work is done. A worker takes its next connection only
# after it: one raw FastCGI client per worker sends half a request and holds it, and once
# every holder's request is sent and none waits in the socket's queue, each worker has taken
# one, past its deferred work. Then the holders finish their requests (a 404 each). For a pool
# on a unix socket that no other client uses meanwhile. False after SECS (default 20).
pool_quiesce() {
	local secs=${1:-20} n=${AUTHFCGI_WORKERS:-2} dir=$TEST_TMP/quiesce i deadline pids=() rc=0
	rm -rf "$dir"
	mkdir -p "$dir"
	for ((i = 0; i < n; i++)); do
		perl "$top_srcdir/test/lib/hold_fcgi.pl" "$POOL_SOCKET" "$dir/go" "$dir/sent.$i" \
			>"$dir/hold.$i.out" 2>&1 &
		pids+=($!)
	done
	deadline=$((SECONDS + secs))
	for ((i = 0; i < n; i++)); do
		wait_file "$dir/sent.$i" "$secs" || rc=1
	done
	# Taken: no connection waits in the listening socket's queue.
	until ((rc)) || [[ $(pool_queued) == 0 ]]; do
		if ((SECONDS >= deadline)); then
			echo "pool_quiesce: holders still queued after ${secs}s" >&2
			rc=1
		fi
		sleep 0.02
	done
	touch "$dir/go"
	wait "${pids[@]}" || true
	return "$rc"
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
