#!/bin/bash
# pooler.sh - the end-to-end suites once more, through Debian's PgBouncer in
# pool_mode=transaction (what Neon's -pooler endpoints are) with authfcgi in pooler mode
# (AUTHFCGI_DB_POOLER=transaction: every statement unnamed, nothing prepared). Each suite runs
# unchanged with AUTHFCGI_TEST_VIA_PGBOUNCER=1, which makes test/lib/pg.sh start PgBouncer in
# front of its cluster and point DATABASE_URL at it (psql in the tests stays direct). Passes
# when every suite passes and PgBouncer really carried its traffic without logging an error:
# a session SET, a named prepared statement or a startup parameter PgBouncer rejects would all
# show up as failures here.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"

watchdog 600
tmpdir_new
command -v pgbouncer >/dev/null || [[ -x /usr/sbin/pgbouncer ]] || skip_all "pgbouncer is not installed"

# The suites that talk to the API and the database through a web server. (supervision.sh and
# systemd_units.sh test process handling, not the database; the integration tests stop and
# freeze the server itself, which is faults_short.sh's job behind a pooler.)
SUITES=(routes api client)

for name in "${SUITES[@]}"; do
	script=$top_srcdir/test/e2e/$name.sh
	if [[ ! -f $script ]]; then
		echo "# $name.sh is not in this tree: not run"
		continue
	fi
	report=$TEST_TMP/$name.pgbouncer
	log=$TEST_TMP/$name.log
	rc=0
	AUTHFCGI_TEST_VIA_PGBOUNCER=1 PGBOUNCER_REPORT=$report AUTHFCGI_DB_POOLER=transaction \
		bash "$script" >"$log" 2>&1 </dev/null || rc=$?
	passed=$(grep -c '^ok ' "$log" || true)
	failed=$(grep -c '^not ok ' "$log" || true)
	if ((rc == 0)); then
		ok "$name.sh through PgBouncer (transaction pooling): $passed passed, $failed failed"
	else
		not_ok "$name.sh through PgBouncer (transaction pooling): exit $rc, $passed passed, $failed failed"
		grep -E '^not ok ' "$log" | head -n 20 | sed 's/^/# /'
		tail -n 30 "$log" | sed 's/^/#   /'
	fi
	stats=$(head -n 1 "$report" 2>/dev/null || true)
	xacts=$(sed -n 's/.*xacts=\([0-9]*\).*/\1/p' <<<"$stats")
	errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$stats")
	if [[ -n $xacts ]] && ((xacts >= 10)); then
		ok "$name.sh: its database traffic went through PgBouncer ($stats)"
	else
		not_ok "$name.sh: PgBouncer carried no traffic (report: ${stats:-none})"
	fi
	if [[ $errors == 0 ]]; then
		ok "$name.sh: PgBouncer logged no error or warning"
	else
		not_ok "$name.sh: PgBouncer logged ${errors:-?} errors or warnings"
		tail -n +2 "$report" | sed 's/^/# /'
	fi
done

finish
