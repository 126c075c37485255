#!/bin/bash
# stack.sh - the start-up the database and end-to-end tests share: a migrated throwaway
# PostgreSQL (stack_db), one of the check programs run against it (stack_check_program, or
# stack_db_suite for a test that does nothing else), a pool behind one web server (stack_front), and the sanitizer check of a log
# (stack_sanitizer_clean). Source after common.sh and pg.sh (pool.sh and front.sh too for
# stack_front).

# stack_db - pg_start, then `authfcgi migrate` against it; a failed migration shows its log
# and ends the test.
stack_db() {
	pg_start
	if ! "$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1; then
		show_log "$TEST_TMP/migrate.log"
		not_ok "authfcgi migrate"
		finish
	fi
	ok "authfcgi migrate"
}

# stack_check_program NAME WHAT [VAR=VALUE...] - run test/integration/NAME (a check suite
# built by make check) against the database of stack_db, with the VAR=VALUE pairs in its
# environment: one result line "NAME: WHAT", and the suite's output in the log without the
# connection lines.
stack_check_program() {
	local name=$1 what=$2
	shift 2
	# shellcheck disable=SC2154 # top_builddir comes from common.sh
	if env "$@" "$top_builddir/test/integration/$name" >"$TEST_TMP/$name.out" 2>&1; then
		ok "$name: $what"
	else
		not_ok "$name"
	fi
	sed 's/^/# /' "$TEST_TMP/$name.out" | grep -v 'event=db_connected' || true
}

# stack_db_suite NAME WHAT [VAR=VALUE...] - the whole of a test that runs one check program
# against a migrated PostgreSQL: a bound of 240 s, stack_db with a database timeout of 10 s
# (generous, for a loaded machine), stack_check_program NAME WHAT VAR=VALUE..., finish.
stack_db_suite() {
	watchdog 240
	tmpdir_new
	export AUTHFCGI_DB_TIMEOUT_MS=10000
	stack_db
	stack_check_program "$@"
	finish
}

# stack_front KIND PORT - pool_start with the environment as it is, then front_start KIND
# PORT, waiting up to 20 s for /readyz through it; either failing to start ends the test.
stack_front() {
	local kind=$1 port=$2
	# shellcheck disable=SC2119 # no extra serve arguments
	if ! pool_start; then
		not_ok "authfcgi serve starts"
		finish
	fi
	if ! front_start "$kind" "$port"; then
		not_ok "$kind starts on port $port"
		finish
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
}

# stack_sanitizer_clean KIND LOG - a sanitizer build's report in a log fails the test.
stack_sanitizer_clean() {
	local kind=$1 log=$2
	if [[ -r $log ]] && grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
		not_ok "$kind: sanitizer report in $log"
		grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -40 | sed 's/^/# /'
	else
		ok "$kind: no sanitizer report"
	fi
}
