# test/lib/front.sh - a real web server in front of authfcgi for end-to-end tests, rendered
# from the same deploy/*.conf.in templates that deploy/quickstart uses.
#
#   front_start KIND PORT   KIND = lighttpd | nginx (proxy to $POOL_SOCKET, from pool_start)
#                           or apache (mod_fcgid spawns $AUTHFCGI_BIN in managed mode itself,
#                           with every AUTHFCGI_* / DATABASE_URL variable passed through).
#                           Exports FRONT_PID, FRONT_URL (http://127.0.0.1:PORT), FRONT_DIR,
#                           FRONT_ERROR_LOG. Registers front_stop with on_exit.
#   front_stop              stop it (TERM, then KILL after 10 s) and everything it started.
# Needs common.sh sourced and tmpdir_new called first.
# shellcheck shell=bash disable=SC2034,SC2153 # FRONT_* are render.sh inputs/outputs

: "${top_srcdir:?front.sh: source common.sh first}"
# shellcheck source=deploy/render.sh
source "$top_srcdir/deploy/render.sh"

# The secret a test pool gets by default (pool.sh does the same); Apache's workers need one too.
_FRONT_TEST_SECRET=test-secret-0123456789-0123456789-abcdef

# _front_alive PID - true while PID runs (a zombie counts as gone).
_front_alive() {
	local state
	state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $state != Z* ]]
}

# _front_session_pids SID - every process still in session SID (the server and whatever it
# spawned, e.g. mod_fcgid's workers).
_front_session_pids() {
	ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'
}

front_start() {
	local kind=$1 port=$2 deadline code
	: "${TEST_TMP:?front_start: call tmpdir_new first}"
	FRONT_DIR=$TEST_TMP/front-$kind
	case $kind in
	lighttpd | nginx)
		# Local: the next front_start follows the pool of its time, not this one's.
		local FRONT_UPSTREAM=${FRONT_UPSTREAM:-${POOL_SOCKET:?front_start $kind: start the pool first (POOL_SOCKET)}}
		;;
	apache)
		if [[ -z ${AUTHFCGI_SECRET:-} && -z ${BETTER_AUTH_SECRET:-} ]]; then
			export AUTHFCGI_SECRET=$_FRONT_TEST_SECRET
		fi
		FRONT_WORKER_BIN=$(front_worker_bin "$AUTHFCGI_BIN" "$FRONT_DIR/bin") || return 1
		;;
	esac
	front_render "$kind" "$FRONT_DIR" "$port" || return 1
	if ! front_configtest; then
		echo "front_start: $kind rejects $FRONT_CONF" >&2
		return 1
	fi
	# Its own session, so front_stop can find everything it spawned without matching names.
	setsid "${FRONT_CMD[@]}" >"$FRONT_DIR/stdout.log" 2>&1 </dev/null &
	FRONT_PID=$!
	FRONT_URL=http://127.0.0.1:$port
	export FRONT_PID FRONT_URL FRONT_DIR FRONT_ERROR_LOG
	on_exit "front_stop $FRONT_PID"
	deadline=$((SECONDS + 15))
	while ((SECONDS < deadline)); do
		if ! _front_alive "$FRONT_PID"; then
			echo "front_start: $kind exited at start" >&2
			show_log "$FRONT_DIR/stdout.log" >&2
			show_log "$FRONT_ERROR_LOG" >&2
			return 1
		fi
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$FRONT_URL/.front-probe" 2>/dev/null) || true
		[[ $code != 000 ]] && return 0
		sleep 0.1
	done
	echo "front_start: $kind not answering on $FRONT_URL after 15 s" >&2
	show_log "$FRONT_ERROR_LOG" >&2
	return 1
}

# front_stop [PID] - stop the front server (default: the last one started) and any process
# left in its session. Safe to call twice.
front_stop() {
	local pid=${1:-${FRONT_PID:-}} i p
	[[ -n $pid ]] || return 0
	if _front_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			_front_alive "$pid" || break
			sleep 0.1
		done
		_front_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null || true
	# mod_fcgid's workers normally go with Apache; anything left of the session goes now, and
	# is gone before we return (the caller may remove the directory it writes to next).
	for p in $(_front_session_pids "$pid"); do
		kill -KILL "$p" 2>/dev/null || true
	done
	for ((i = 0; i < 50; i++)); do
		[[ -z $(_front_session_pids "$pid") ]] && break
		sleep 0.05
	done
	if [[ $pid == "${FRONT_PID:-}" ]]; then FRONT_PID=; fi
	return 0
}
