#!/bin/bash
# test/e2e/privileges.sh - what authfcgi exposes and whom it runs as (issue 9, item 5):
#   * as root, nothing serves as root: `serve` drops to AUTHFCGI_USER after binding (workers and
#     mailer run as that user; the socket belongs to AUTHFCGI_SOCKET_OWNER), and `serve`, `mail`
#     and a managed worker without AUTHFCGI_USER refuse to start (78, one line);
#   * the pid file is never written through a symbolic link, nor replaces a non-regular file;
#   * a TCP socket off loopback needs AUTHFCGI_SOCKET_REMOTE;
#   * FCGI_WEB_SERVER_ADDRS keeps other TCP peers out, IPv6 ones included (libfcgi's own
#     check ignores IPv6 peers);
#   * a peer that stalls (sends nothing, half a record, half the params, half a body) is
#     dropped after AUTHFCGI_FCGI_TIMEOUT_MS, logged, and the pool answers again.
# No database is needed: DATABASE_URL points at a closed port (an outage the workers ride out).
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"

watchdog 240
tmpdir_new
PEER=$top_srcdir/test/lib/fcgi_peer.py
export DATABASE_URL="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
# No rate limit: it needs the database, and /api/auth/ok answers 200 without one.
export AUTHFCGI_SECRET=test-secret-0123456789-0123456789-abcdef AUTHFCGI_WORKERS=2 AUTHFCGI_RATE_LIMIT=false

# run_cmd NAME CMD... - run CMD; RC = its status, OUT = its output (stdout and stderr). A
# command that should have refused to start but serves is stopped after 20 s (RC 124).
run_cmd() {
	local name=$1
	shift
	OUT=$TEST_TMP/$name.out
	RC=0
	timeout 20 "$@" >"$OUT" 2>&1 </dev/null || RC=$?
}

# one_line PATTERN - $OUT is one line matching PATTERN.
one_line() {
	[[ $(grep -c . "$OUT") == 1 ]] && grep -Eq "$1" "$OUT"
}

expect() {
	local msg=$1
	shift
	if "$@"; then ok "$msg"; else
		not_ok "$msg"
		sed 's/^/# /' "$OUT" 2>/dev/null | head -n 5 || true
	fi
}

# uid_of PID - the real and effective uid and gid of PID ("ruid euid rgid egid").
uid_of() {
	awk '/^Uid:/ { u = $2 " " $3 } /^Gid:/ { g = $2 " " $3 } END { print u, g }' "/proc/$1/status"
}

# wait_events EVENT N [SECS] - until the pool's log has N lines with event=EVENT.
wait_events() {
	local deadline=$((SECONDS + ${3:-20}))
	while ((SECONDS < deadline)); do
		(($(pool_count_events "$1") >= $2)) && return 0
		sleep 0.05
	done
	return 1
}

# 1. Who runs. ------------------------------------------------------------------------------
if ((EUID == 0)); then
	user_uid=$(id -u "$AUTHFCGI_USER")
	user_gid=$(id -g "$AUTHFCGI_USER")
	AUTHFCGI_MAIL_FROM=auth@example.com pool_start
	# Every worker below, not those spawned by the time the first was ready.
	pool_wait_ready || true
	mailer=$(grep -o 'event=mailer_spawned mailer=[0-9]*' "$POOL_LOG" | head -n 1 | cut -d= -f3)
	ids="$user_uid $user_uid $user_gid $user_gid"
	expect "the master runs as $AUTHFCGI_USER ($(uid_of "$POOL_PID"))" test "$(uid_of "$POOL_PID")" = "$ids"
	bad=0
	for w in $(pool_worker_pids); do
		[[ $(uid_of "$w") == "$ids" ]] || bad=$((bad + 1))
	done
	expect "every worker and the mailer ($mailer) run as $AUTHFCGI_USER ($bad do not)" \
		test "$bad" = 0 -a -n "$mailer" -a "$(pool_worker_pids | grep -c "^${mailer:-x}\$")" = 1 \
		-a "$(pool_worker_pids | grep -c .)" = $((AUTHFCGI_WORKERS + 1))
	expect "groups are the user's, root's are gone ($(grep ^Groups: "/proc/$POOL_PID/status"))" \
		bash -c "! grep -Eq '^Groups:.*\\b0\\b' /proc/$POOL_PID/status"
	expect "the socket belongs to $AUTHFCGI_USER:www-data ($(stat -c %U:%G "$POOL_SOCKET"))" \
		test "$(stat -c %U:%G "$POOL_SOCKET")" = "$AUTHFCGI_USER:www-data"
	expect "the pid file names the master" test "$(cat "$POOL_PID_FILE")" = "$POOL_PID"
	expect "answers as $AUTHFCGI_USER" test "$(python3 "$PEER" "$POOL_SOCKET" request)" = "Status: 200 OK"
	pool_stop
	expect "stopped: socket and pid file removed by the unprivileged master" \
		test ! -e "$POOL_SOCKET" -a ! -e "$POOL_PID_FILE"

	run_cmd serve-root env -u AUTHFCGI_USER AUTHFCGI_SOCKET="$TEST_TMP/root.sock" "$AUTHFCGI_BIN" serve
	expect "serve as root without AUTHFCGI_USER: exit 78 (got $RC)" test "$RC" = 78
	expect "...one line naming AUTHFCGI_USER" one_line '^authfcgi: AUTHFCGI_USER: .*root'
	expect "...before binding" test ! -e "$TEST_TMP/root.sock"
	run_cmd serve-as-root env AUTHFCGI_USER=root AUTHFCGI_SOCKET="$TEST_TMP/root.sock" "$AUTHFCGI_BIN" serve
	expect "AUTHFCGI_USER=root: exit 78 (got $RC)" test "$RC" = 78
	run_cmd serve-gid0 env AUTHFCGI_GROUP=root AUTHFCGI_SOCKET="$TEST_TMP/root.sock" "$AUTHFCGI_BIN" serve
	expect "AUTHFCGI_GROUP=root: exit 78 (got $RC)" test "$RC" = 78
	run_cmd serve-nouser env AUTHFCGI_USER=no-such-user-here AUTHFCGI_SOCKET="$TEST_TMP/root.sock" "$AUTHFCGI_BIN" serve
	expect "an unknown AUTHFCGI_USER: exit 78 (got $RC)" test "$RC" = 78
	run_cmd mail-root env -u AUTHFCGI_USER "$AUTHFCGI_BIN" mail --once
	expect "authfcgi mail as root without AUTHFCGI_USER: exit 78 (got $RC)" test "$RC" = 78
	expect "...one line naming AUTHFCGI_USER" one_line '^authfcgi: AUTHFCGI_USER: '
	managed='import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], sys.argv[2:])'
	run_cmd managed-root env -u AUTHFCGI_USER python3 -c "$managed" "$TEST_TMP/managed.sock" "$AUTHFCGI_BIN"
	expect "a managed worker as root without AUTHFCGI_USER: exit 78 (got $RC)" test "$RC" = 78
	expect "...one line naming AUTHFCGI_USER" one_line '^authfcgi: AUTHFCGI_USER: '
	# The socket swapped for a symbolic link between bind and chown/chmod (the directory may
	# be AUTHFCGI_USER's): root must not chown or chmod the link's target. A shim around
	# bind(2) makes the swap every time; an ASan build will not take a preloaded library.
	if ldd "$AUTHFCGI_BIN" | grep -q libasan; then
		ok "# SKIP socket swapped for a link: the sanitizer build refuses LD_PRELOAD"
	else
		cc -shared -fPIC -o "$TEST_TMP/swap_socket.so" "$top_srcdir/test/lib/swap_socket.c" -ldl
		printf 'secret\n' >"$TEST_TMP/victim" && chmod 0600 "$TEST_TMP/victim"
		run_cmd serve-swapped env LD_PRELOAD="$TEST_TMP/swap_socket.so" \
			SWAP_SOCKET_PATH="$TEST_TMP/swapped.sock" SWAP_SOCKET_TARGET="$TEST_TMP/victim" \
			AUTHFCGI_SOCKET="$TEST_TMP/swapped.sock" AUTHFCGI_SOCKET_OWNER=nobody:nogroup \
			AUTHFCGI_SOCKET_MODE=0666 "$AUTHFCGI_BIN" serve
		expect "socket swapped for a link after bind: refused to start (got $RC)" test "$RC" != 0 -a "$RC" != 124
		expect "...the link's target keeps root's owner and mode 0600 ($(stat -c '%U %a' "$TEST_TMP/victim"))" \
			test "$(stat -c '%U %a' "$TEST_TMP/victim")" = "root 600"
	fi
else
	ok "# SKIP privilege drop: not root"
fi

# 2. The pid file is never followed through a link. -----------------------------------------
unpriv_dir "$TEST_TMP/pid"
echo precious >"$TEST_TMP/target"
echo precious >"$TEST_TMP/target.tmp"
ln -s "$TEST_TMP/target" "$TEST_TMP/pid/authfcgi.pid"
ln -s "$TEST_TMP/target.tmp" "$TEST_TMP/pid/authfcgi.pid.tmp"
run_cmd pid-link env AUTHFCGI_SOCKET="$TEST_TMP/pid/a.sock" \
	AUTHFCGI_PID_FILE="$TEST_TMP/pid/authfcgi.pid" "$AUTHFCGI_BIN" serve
expect "a pid file that is a symbolic link: refused, exit 78 (got $RC)" test "$RC" = 78
expect "...one line naming AUTHFCGI_PID_FILE" one_line '^authfcgi: AUTHFCGI_PID_FILE: .*symbolic link'
expect "...and neither link target was written" \
	test "$(cat "$TEST_TMP/target") $(cat "$TEST_TMP/target.tmp")" = "precious precious"
rm -f "$TEST_TMP/pid/authfcgi.pid"
run_cmd pid-tmp-link env AUTHFCGI_SOCKET="$TEST_TMP/pid/a.sock" \
	AUTHFCGI_PID_FILE="$TEST_TMP/pid/authfcgi.pid" AUTHFCGI_SHUTDOWN_TIMEOUT_MS=100 \
	bash -c '"$0" serve & pid=$!
		for ((i = 0; i < 200; i++)); do [[ -s $1 ]] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
		[[ $(cat "$1" 2>/dev/null) == "$pid" ]] && echo "pid file written"
		kill -TERM $pid; wait $pid' "$AUTHFCGI_BIN" "$TEST_TMP/pid/authfcgi.pid"
# Only once the pid file is written has the server been past the planted link: a target left
# alone by a server that never got that far would prove nothing.
expect "a link planted at the temporary name is not written through (target: $(cat "$TEST_TMP/target.tmp"))" \
	test "$(cat "$TEST_TMP/target.tmp")" = precious -a "$(grep -cx 'pid file written' "$OUT")" = 1
mkdir -p "$TEST_TMP/pid/dir.pid"
run_cmd pid-dir env AUTHFCGI_SOCKET="$TEST_TMP/pid/a.sock" AUTHFCGI_PID_FILE="$TEST_TMP/pid/dir.pid" \
	"$AUTHFCGI_BIN" serve
expect "a pid file that is a directory: refused, exit 78 (got $RC)" test "$RC" = 78
# A value that is none of an enumerated setting's choices: refused at start, naming them.
run_cmd bad-enum env AUTHFCGI_SOCKET="$TEST_TMP/pid/a.sock" AUTHFCGI_SESSION_STORAGE=sha256 \
	"$AUTHFCGI_BIN" serve
expect "AUTHFCGI_SESSION_STORAGE=sha256: refused, exit 78 (got $RC)" test "$RC" = 78
expect "...one line naming the setting and its choices" \
	one_line '^authfcgi: AUTHFCGI_SESSION_STORAGE: must be hash or plain, got "sha256"'

# 3. Exposure. ------------------------------------------------------------------------------
port=$(free_port)
run_cmd public env AUTHFCGI_SOCKET="0.0.0.0:$port" "$AUTHFCGI_BIN" serve
expect "a TCP socket on 0.0.0.0: refused, exit 78 (got $RC)" test "$RC" = 78
expect "...one line naming AUTHFCGI_SOCKET_REMOTE" one_line '^authfcgi: AUTHFCGI_SOCKET_REMOTE: .*0\.0\.0\.0'
run_cmd public6 env AUTHFCGI_SOCKET="[::]:$port" "$AUTHFCGI_BIN" serve
expect "a TCP socket on [::]: refused, exit 78 (got $RC)" test "$RC" = 78
expect "...and nothing listens on port $port" bash -c "! grep -qs ':$(printf %04X "$port") ' /proc/net/tcp /proc/net/tcp6"

# FCGI_WEB_SERVER_ADDRS: only 127.0.0.2 may talk to the pool, over IPv4 and over IPv6.
POOL_LOG=$TEST_TMP/addrs.log POOL_SOCKET="127.0.0.1:$(free_port)" FCGI_WEB_SERVER_ADDRS=127.0.0.2 pool_start
expect "FCGI_WEB_SERVER_ADDRS=127.0.0.2: a peer at 127.0.0.2 is answered" \
	test "$(python3 "$PEER" "$POOL_SOCKET" request 127.0.0.2)" = "Status: 200 OK"
expect "...a peer at 127.0.0.1 is disconnected unanswered" \
	test "$(python3 "$PEER" "$POOL_SOCKET" request)" = closed
expect "...and logged" grep -q 'event=fcgi_peer_refused peer=127.0.0.1 ' "$POOL_LOG"
pool_stop
unset POOL_SOCKET
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	POOL_LOG=$TEST_TMP/addrs6.log POOL_SOCKET="[::1]:$(free_port)" FCGI_WEB_SERVER_ADDRS=127.0.0.1 pool_start
	expect "FCGI_WEB_SERVER_ADDRS=127.0.0.1: a peer at ::1 is disconnected unanswered (libfcgi lets IPv6 through)" \
		test "$(python3 "$PEER" "$POOL_SOCKET" request)" = closed
	expect "...and logged" grep -q 'event=fcgi_peer_refused peer=::1 ' "$POOL_LOG"
	pool_stop
	POOL_LOG=$TEST_TMP/addrs6b.log POOL_SOCKET="[::1]:$(free_port)" FCGI_WEB_SERVER_ADDRS="::1, 10.0.0.0/8" pool_start
	expect "FCGI_WEB_SERVER_ADDRS=::1: a peer at ::1 is answered" \
		test "$(python3 "$PEER" "$POOL_SOCKET" request)" = "Status: 200 OK"
	pool_stop
	unset POOL_SOCKET
else
	ok "# SKIP IPv6 peers: no ::1 here"
fi
run_cmd bad-addrs env FCGI_WEB_SERVER_ADDRS=10.0.0.300 AUTHFCGI_SOCKET="$TEST_TMP/x.sock" "$AUTHFCGI_BIN" serve
expect "a bad FCGI_WEB_SERVER_ADDRS: exit 78 (got $RC)" test "$RC" = 78

# 4. Stalled peers. -------------------------------------------------------------------------
# Two workers, five peers that stall (the last one a byte at a time, each within the
# socket's timeout: only a deadline for the whole request ends it): without a deadline the
# pool would be stuck for good.
POOL_LOG=$TEST_TMP/stall.log POOL_SOCKET="127.0.0.1:$(free_port)" AUTHFCGI_FCGI_TIMEOUT_MS=400 pool_start
for mode in nothing header params body trickle; do
	python3 "$PEER" "$POOL_SOCKET" stall "$mode" >"$TEST_TMP/stall.$mode" 2>&1 &
	eval "stall_$mode=\$!"
done
for mode in nothing header params body trickle; do
	pid_var=stall_$mode
	wait "${!pid_var}" || true
	expect "a peer that stalls ($mode) is disconnected" test "$(cat "$TEST_TMP/stall.$mode")" = closed
done
rc=0
wait_events fcgi_connection_dropped 5 5 || rc=1
# The count in the message once the lines are there, not before the wait.
check "$rc" "...each drop is logged as a timeout ($(pool_count_events fcgi_connection_dropped) lines)"
expect "...with its phase" bash -c "grep -q 'event=fcgi_connection_dropped reason=timeout phase=body' '$POOL_LOG' &&
	grep -q 'event=fcgi_connection_dropped reason=timeout phase=params' '$POOL_LOG'"
good=0
for ((i = 0; i < 6; i++)); do
	[[ $(python3 "$PEER" "$POOL_SOCKET" request) == "Status: 200 OK" ]] && good=$((good + 1))
done
expect "the pool answers again ($good of 6)" test "$good" = 6
expect "...with both workers" pool_wait_workers 2 5
pool_stop
finish
