#!/bin/bash
# config_test.sh - `authfcgi config-test` against a real PostgreSQL: a good configuration
# (environment and config file) prints every setting with the secrets redacted - the secret
# and the database password appear nowhere in its output - and exits 0; each kind of problem
# (a bad setting, a missing secret, an unreachable database, a refused password, pending
# migrations) gives exactly one line and a non-zero status, two problems two lines.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/stack.sh"

watchdog 300
tmpdir_new
export AUTHFCGI_DB_TIMEOUT_MS=10000
stack_db
set +e

SECRET=$(openssl rand -hex 24)
DBPASS=pw-$(openssl rand -hex 12)
pg_add_role tester "$DBPASS" >/dev/null
GOOD_URL=$(pg_url "tester:$DBPASS")
export AUTHFCGI_SECRET=$SECRET DATABASE_URL=$GOOD_URL

# ct EXPECTED_STATUS [ARGS...] - authfcgi config-test; stdout in $OUT, stderr in $ERR, and
# $PROBLEMS the stderr lines but the closing "good" line. False unless the status matches.
ct() {
	local want=$1 rc=0
	shift
	"$AUTHFCGI_BIN" config-test "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	OUT=$(cat "$TEST_TMP/out")
	ERR=$(cat "$TEST_TMP/err")
	PROBLEMS=$(grep -vc 'config-test: the configuration is good' "$TEST_TMP/err")
	if ((rc != want)); then
		echo "# authfcgi config-test $*: exit $rc, wanted $want"
		sed 's/^/# err: /' "$TEST_TMP/err"
		return 1
	fi
}
secrets_hidden() { ! grep -qF -e "$SECRET" -e "$DBPASS" "$TEST_TMP/out" "$TEST_TMP/err"; }

ct 0 && [[ $PROBLEMS == 0 && $ERR == *"is good"* ]]
check $? "good configuration: exit 0"
# The sample config lists every setting once (test/unit/check_conf_sample).
[[ $(grep -c '^[A-Z_]* =\( \|$\)' <<<"$OUT") == $(grep -c '^#[A-Z_]* =' "$top_srcdir/deploy/authfcgi.conf.sample") ]] &&
	grep -qx 'AUTHFCGI_SECRET = <redacted>' <<<"$OUT" && grep -qx 'DATABASE_URL = <redacted>' <<<"$OUT" &&
	grep -qx 'AUTHFCGI_WORKERS = 0' <<<"$OUT" && grep -qx 'AUTHFCGI_SOCKET_MODE = 0660' <<<"$OUT" &&
	grep -qx 'AUTHFCGI_LOG_LEVEL = info' <<<"$OUT" && grep -qx 'AUTHFCGI_MAIL_FROM =' <<<"$OUT"
check $? "every setting shown as NAME = value, secrets as <redacted>"
secrets_hidden
check $? "neither the secret nor the database password appears in the output"

# The config file wins over the environment, as for serve; its output is a config file.
conf=$TEST_TMP/authfcgi.conf
printf 'AUTHFCGI_WORKERS = 3\nBETTER_AUTH_SECRET = %s-file\nAUTHFCGI_DB_POOLER = Transaction\n' "$SECRET" >"$conf"
unpriv_file "$conf"
ct 0 --config "$conf" && grep -qx 'AUTHFCGI_WORKERS = 3' <<<"$OUT" &&
	grep -qx 'AUTHFCGI_DB_POOLER = transaction' <<<"$OUT" && secrets_hidden
check $? "--config FILE: its values win, shown in their canonical form, secrets hidden"
grep -v '<redacted>' <<<"$OUT" >"$TEST_TMP/printed.conf"
unpriv_file "$TEST_TMP/printed.conf"
ct 0 --config "$TEST_TMP/printed.conf"
check $? "the printed settings load back as a config file"

# One line per problem.
AUTHFCGI_WORKERS=lots ct 78 && [[ $PROBLEMS == 1 && $ERR == "authfcgi: AUTHFCGI_WORKERS: "* ]]
check $? "a bad setting: 78, one line naming it"
AUTHFCGI_SECRET= ct 78 && [[ $PROBLEMS == 1 && $ERR == "authfcgi: AUTHFCGI_SECRET: not set"* ]]
check $? "no secret: 78, one line"
port=$(free_port)
DATABASE_URL=postgresql://tester@127.0.0.1:$port/authfcgi ct 69 &&
	[[ $PROBLEMS == 1 && $ERR == "authfcgi: DATABASE_URL: "*unreachable* ]]
check $? "database unreachable: 69, one line"
DATABASE_URL=$(pg_url "tester:wrong-$DBPASS") ct 78 &&
	[[ $PROBLEMS == 1 && $ERR == "authfcgi: DATABASE_URL: auth:"* ]] && secrets_hidden
check $? "database refuses the password: 78, one line, no password shown"
pg_psql -d postgres -c 'CREATE DATABASE fresh' >/dev/null
DATABASE_URL=$(pg_url "tester:$DBPASS" fresh) ct 78 &&
	[[ $PROBLEMS == 1 && $ERR == "authfcgi: database: "*" migrations pending: run authfcgi migrate" ]]
check $? "migrations pending: 78, one line"
AUTHFCGI_SECRET=short DATABASE_URL=$(pg_url "tester:$DBPASS" fresh) ct 78 && [[ $PROBLEMS == 2 ]]
check $? "two problems (short secret, pending migrations): two lines"
ct 64 --bogus && [[ $ERR == *"unknown argument"* ]]
check $? "usage error: 64"

finish
