# test/lib/common.sh - the helpers every shell test sources first: a private temporary
# directory, free loopback ports, waiting for HTTP, a stack of cleanup commands, running as
# an unprivileged user when root, and TAP-ish result lines.
#
# Usage:  source "$top_srcdir/test/lib/common.sh"; tmpdir_new; ...; finish
# Environment from make: AUTHFCGI_BIN, top_srcdir, top_builddir.
# shellcheck shell=bash

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
: "${AUTHFCGI_BIN:=$top_builddir/authfcgi}"
export top_srcdir top_builddir AUTHFCGI_BIN

# Ports we never hand out: the lead's quickstart (8080), the reference server (3000) and its
# database (5433).
_COMMON_RESERVED_PORTS=" 8080 3000 5433 "
_COMMON_FAILED=0
_COMMON_COUNT=0
_COMMON_EXIT_CMDS=()

# on_exit CMD - push CMD (a string, run with eval) on the cleanup stack; the EXIT trap runs the
# stack last-in first-out, so a later resource is released before the one it depends on.
on_exit() {
	_COMMON_EXIT_CMDS+=("$1")
}

_common_run_exit_cmds() {
	local status=$? i
	set +e
	for ((i = ${#_COMMON_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${_COMMON_EXIT_CMDS[i]}" || true
	done
	_COMMON_EXIT_CMDS=()
	exit "$status"
}
trap _common_run_exit_cmds EXIT
# A signal still runs the cleanup: exit from the handler fires the EXIT trap.
trap 'exit 130' INT
trap 'exit 143' TERM

# tmpdir_new - create a private directory, export TEST_TMP, remove it on exit. It is made
# traversable (0755) because PostgreSQL (user postgres) and Apache's workers (www-data) run
# below it when the tests run as root; nothing secret is kept in it.
tmpdir_new() {
	TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/authfcgi-test.XXXXXX") || return 1
	chmod 0755 "$TEST_TMP"
	export TEST_TMP
	on_exit "rm -rf '$TEST_TMP'"
}

# _port_in_use PORT - true when any TCP socket (IPv4 or IPv6) is bound to PORT locally.
_port_in_use() {
	local hex
	hex=$(printf ':%04X ' "$1")
	grep -qs -- "$hex" /proc/net/tcp /proc/net/tcp6
}

# free_port - print a free loopback TCP port. Picked at random below the kernel's ephemeral
# range, so parallel tests rarely collide and outgoing connections never hold it.
free_port() {
	local i p
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12000))
		[[ $_COMMON_RESERVED_PORTS == *" $p "* ]] && continue
		_port_in_use "$p" && continue
		printf '%s\n' "$p"
		return 0
	done
	echo "free_port: no free port found" >&2
	return 1
}

# wait_http URL [SECS] - wait (default 20 s) until URL answers with a 2xx status. Returns 1
# on timeout, printing the last status seen.
wait_http() {
	local url=$1 secs=${2:-20} code=000 deadline
	deadline=$((SECONDS + secs))
	while ((SECONDS < deadline)); do
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null) || true
		[[ $code == 2?? ]] && return 0
		sleep 0.1
	done
	echo "wait_http: $url not ready after ${secs}s (last status $code)" >&2
	return 1
}

# wait_file PATH [SECS] - wait (default 20 s) until PATH exists: the mark a helper process
# leaves once it has done what the test waits for. Returns 1 on timeout.
wait_file() {
	local path=$1 deadline=$((SECONDS + ${2:-20}))
	until [[ -e $path ]]; do
		if ((SECONDS >= deadline)); then
			echo "wait_file: $path did not appear" >&2
			return 1
		fi
		sleep 0.02
	done
}

# log_mark FILE - the number of lines FILE holds now (0 while it does not exist). Take it
# before a step and judge the step by log_since: the whole file may already hold a matching
# line that an earlier step, an earlier worker or an earlier pool wrote.
log_mark() {
	if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi
}

# log_since FILE MARK - the lines of FILE after the first MARK (from log_mark).
log_since() {
	tail -n "+$(($2 + 1))" "$1" 2>/dev/null || true
}

# as_unpriv CMD... - run CMD as the unprivileged user postgres when we are root (PostgreSQL
# refuses to run as root), as ourselves otherwise.
as_unpriv() {
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# As root, every authfcgi a test starts drops to an unprivileged user, as it must (it refuses
# to serve as root): the quickstart's system user `authfcgi`, else nobody. Exported, so
# `authfcgi serve`, `mail` and managed workers all see it; processes started as another user
# (Apache's www-data workers) ignore it.
if ((EUID == 0)) && [[ -z ${AUTHFCGI_USER:-} ]]; then
	if id -u authfcgi >/dev/null 2>&1; then AUTHFCGI_USER=authfcgi; else AUTHFCGI_USER=nobody; fi
	export AUTHFCGI_USER
fi

# unpriv_dir DIR - create DIR for the workers to write in (a mail drop, a pool's runtime
# directory): owned by AUTHFCGI_USER when root.
unpriv_dir() {
	mkdir -p "$1" || return 1
	if ((EUID == 0)); then chown "$AUTHFCGI_USER:" "$1"; fi
}

# unpriv_file FILE - FILE as the workers' config: 0600, owned by AUTHFCGI_USER when root
# (the master re-reads it on SIGHUP after dropping privileges).
unpriv_file() {
	[[ -e $1 ]] || : >"$1"
	chmod 0600 "$1" || return 1
	if ((EUID == 0)); then chown "$AUTHFCGI_USER:" "$1"; fi
}

# unpriv_tool NAME - print a path to test/lib/NAME that AUTHFCGI_USER can execute: the source
# tree may sit where that user cannot reach (under /root), so when root it is copied into
# TEST_TMP.
unpriv_tool() {
	local src=$top_srcdir/test/lib/$1
	if ((EUID != 0)) || runuser -u "$AUTHFCGI_USER" -- test -x "$src" 2>/dev/null; then
		printf '%s\n' "$src"
		return 0
	fi
	: "${TEST_TMP:?unpriv_tool: call tmpdir_new first}"
	install -m 0755 "$src" "$TEST_TMP/$1" && printf '%s\n' "$TEST_TMP/$1"
}

# ok MSG / not_ok MSG - one result line each; not_ok records a failure for finish.
ok() {
	_COMMON_COUNT=$((_COMMON_COUNT + 1))
	printf 'ok %d - %s\n' "$_COMMON_COUNT" "$*"
}

not_ok() {
	_COMMON_COUNT=$((_COMMON_COUNT + 1))
	_COMMON_FAILED=$((_COMMON_FAILED + 1))
	printf 'not ok %d - %s\n' "$_COMMON_COUNT" "$*"
}

# check COND_STATUS MSG - convenience: `check $? "msg"` or `some_test; check $? msg`.
check() {
	local status=$1
	shift
	if ((status == 0)); then ok "$@"; else not_ok "$@"; fi
}

# expect MSG CMD... - one result line: ok when CMD succeeds. (A bare `[[ ]]; check $?` would
# trip set -e on failure; a failing CMD does not end the test.)
expect() {
	local msg=$1
	shift
	if "$@"; then ok "$msg"; else not_ok "$msg"; fi
}

# need_tools TOOL... - each TOOL is on PATH, else a failed result line ends the test (CI
# installs everything the tests use: a missing tool is a failure, not a skip).
need_tools() {
	local tool
	for tool; do
		command -v "$tool" >/dev/null && continue
		not_ok "$tool installed (deploy/quickstart installs it)"
		finish
	done
}

# show_log FILE [LINES] - print the tail of a log, for the reader of a failed test's log.
show_log() {
	local f=$1 n=${2:-40}
	[[ -r $f ]] || return 0
	echo "# ---- last $n lines of $f"
	tail -n "$n" "$f" | sed 's/^/# /'
}

# skip_all REASON - the facility this test needs is truly unavailable: exit 77 (automake's
# SKIP). CI installs everything, so this must stay rare.
skip_all() {
	echo "# SKIP: $*"
	exit 77
}

# skip_in_sanitizer_build WHY - skip the whole test in the ASan+UBSan build: for tests whose C
# paths other tests already run there, and whose own cost is elsewhere (a browser, node, a
# second pool), so that CI's second pass stays within its time.
skip_in_sanitizer_build() {
	if grep -q '^SAN_CFLAGS = .*-fsanitize' "$top_builddir/Makefile" 2>/dev/null; then
		skip_all "sanitizer build: $*"
	fi
}

# watchdog SECS - bound the whole test: after SECS seconds it is stopped with SIGTERM (which
# runs the cleanup stack) and a line says why.
watchdog() {
	local secs=$1 me=$$ wd p
	(
		trap - EXIT INT TERM
		sleep "$secs"
		echo "# watchdog: test still running after ${secs}s, stopping it" >&2
		kill -TERM "$me"
		# bash runs the trap only when the command in the foreground ends: end that too.
		sleep 2
		for p in $(ps -o pid= --ppid "$me"); do
			[[ $p == "$BASHPID" ]] || kill -TERM "$p" 2>/dev/null
		done
	) &
	wd=$!
	# Not a job of ours any more: killing it at exit prints no "Terminated".
	disown "$wd"
	on_exit "kill \$(ps -o pid= --ppid $wd) $wd 2>/dev/null"
}

# finish - print the plan and exit 0 when nothing failed (and something ran), 1 otherwise.
finish() {
	printf '1..%d\n' "$_COMMON_COUNT"
	if ((_COMMON_FAILED > 0)); then
		echo "# $_COMMON_FAILED of $_COMMON_COUNT failed"
		exit 1
	fi
	if ((_COMMON_COUNT == 0)); then
		echo "# no test ran"
		exit 1
	fi
	exit 0
}
