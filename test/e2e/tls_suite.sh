#!/bin/bash
# tls_suite.sh - the end-to-end suites once more, against a PostgreSQL that speaks TLS only
# (test/lib/pg.sh PG_TLS=1: a throwaway CA, a certificate for db.authfcgi.test, pg_hba.conf
# rejecting plaintext TCP) with authfcgi connecting sslmode=verify-full - behind lighttpd and
# nginx through `authfcgi serve`, and behind Apache whose mod_fcgid spawns the workers with
# the PG* variables deploy/render.sh passes. Each suite runs unchanged; passes when every suite
# passes and the server's connection log (PG_REPORT) shows that every TCP connection it
# accepted was encrypted, authfcgi's among them, and that no plaintext one was tried.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"

watchdog 900
tmpdir_new

# The suites that talk to the database through a web server: pooler.sh's, and the mail flows
# (mail_flows.sh sends with `authfcgi mail --once`, client_mail.sh with the mailer that
# `authfcgi serve` supervises: two more processes with their own connections).
SUITES=(routes api client mail_flows client_mail)

for name in "${SUITES[@]}"; do
	script=$top_srcdir/test/e2e/$name.sh
	if [[ ! -f $script ]]; then
		echo "# $name.sh is not in this tree: not run"
		continue
	fi
	report=$TEST_TMP/$name.pg
	log=$TEST_TMP/$name.log
	rc=0
	start=$SECONDS
	PG_TLS=1 PG_REPORT=$report bash "$script" >"$log" 2>&1 </dev/null || rc=$?
	passed=$(grep -c '^ok ' "$log" || true)
	failed=$(grep -c '^not ok ' "$log" || true)
	if ((rc == 0)); then
		ok "$name.sh over TLS (verify-full): $passed passed, $failed failed, $((SECONDS - start)) s"
	else
		not_ok "$name.sh over TLS (verify-full): exit $rc, $passed passed, $failed failed"
		grep -E '^not ok ' "$log" | head -n 20 | sed 's/^/# /'
		tail -n 30 "$log" | sed 's/^/#   /'
	fi
	# The last stop's line counts every connection of the cluster's life.
	stats=$(tail -n 1 "$report" 2>/dev/null || true)
	tcp='' tls='' app='' refused=''
	read -r tcp tls app refused < <(sed -n \
		's/^tcp=\([0-9]*\) tls=\([0-9]*\) authfcgi_tls=\([0-9]*\) plain_refused=\([0-9]*\)$/\1 \2 \3 \4/p' \
		<<<"$stats") || true
	if [[ -n ${tcp:-} ]] && ((tcp > 0 && tls == tcp && app > 0)); then
		ok "$name.sh: every TCP connection was TLS, authfcgi's included ($stats)"
	else
		not_ok "$name.sh: not every connection was TLS, or none was authfcgi's (report: ${stats:-none})"
	fi
	if [[ ${refused:-} == 0 ]]; then
		ok "$name.sh: no plaintext connection was attempted"
	else
		not_ok "$name.sh: ${refused:-?} plaintext connections refused by the server"
	fi
done

finish
