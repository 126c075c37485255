#!/bin/bash
# faults_short.sh - the short version of contrib/faults/fault-load.sh: mixed load through
# lighttpd while every backend is killed, PostgreSQL restarts, the backends freeze, PgBouncer
# restarts and connections take 3 s; one ok line per fault (each fault's table of figures is
# in the log). See contrib/faults/RESULTS.md for a full run.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"

tmpdir_new
rc=0
# As many workers as clients: a request queued behind a worker that is itself waiting out
# its deadline would wait twice, and the check is about the server's deadline, not queueing.
"$top_srcdir/contrib/faults/fault-load.sh" --short --workers 8 --concurrency 8 --out "$TEST_TMP/out" >"$TEST_TMP/run.log" 2>&1 || rc=$?
sed 's/^/# /' "$TEST_TMP/run.log"
for fault in terminate restart freeze pgbouncer latency; do
	line=$(grep "\"fault\": \"$fault\"" "$TEST_TMP/out/summary.jsonl" 2>/dev/null || true)
	if [[ $line == *'"passed": true'* ]]; then
		ok "fault $fault: every check passed"
	else
		not_ok "fault $fault: ${line:+a check failed}${line:-no verdict}"
	fi
done
if ((rc != 0)); then
	not_ok "fault-load.sh --short exited $rc"
	for f in "$TEST_TMP"/out/*.pool.log; do
		[[ -f $f ]] && show_log "$f" 15
	done
fi
finish
