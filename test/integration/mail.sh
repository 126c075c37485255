#!/bin/bash
# mail.sh - the mail outbox and `authfcgi mail` against a real PostgreSQL, delivering through a
# sendmail stand-in (test/lib/fake-sendmail) that records every message: the queue's own suite
# (check_outbox: enqueue atomic with the state change, leases, fencing, concurrent claimers),
# then the mailer as a program: --once with nothing due, two mailers delivering 100 rows
# exactly once, a failing MTA command (deferred with growing backoff, then delivered), the
# attempt limit, a hanging command killed at the timeout, a dead mailer's lease, the database
# going away or refusing the password, and `authfcgi serve` supervising one mailer.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/stack.sh"

tmpdir_new
watchdog 300
export AUTHFCGI_DB_TIMEOUT_MS=10000
stack_db

stack_check_program check_outbox "enqueue atomic with the change, leases, fencing, concurrent claimers"

MAILDIR=$TEST_TMP/maildir
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
export AUTHFCGI_MAIL_POLL_MS=100
unset AUTHFCGI_MAIL_FROM AUTHFCGI_MAIL_MAX_ATTEMPTS AUTHFCGI_SENDMAIL_TIMEOUT_MS

q() { pg_psql -At -c "$1"; }

# insert_rows FIRST LAST - pending rows due now, Message-IDs <mail-test-N@authfcgi.test>.
insert_rows() {
	q "INSERT INTO authfcgi_outbox (kind, recipient, subject, message_id, message)
	   SELECT 'verify-email', 'user' || g || '@example.com', 'Test ' || g,
	          '<mail-test-' || g || '@authfcgi.test>',
	          E'From: Test <no-reply@example.com>\nTo: user' || g || E'@example.com\n' ||
	          E'Subject: Test ' || g || E'\nMessage-ID: <mail-test-' || g ||
	          E'@authfcgi.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n' ||
	          E'https://app.example.com/verify?token=' || g || E'\n'
	   FROM generate_series($1, $2) g" >/dev/null
}

reset_outbox() {
	q "DELETE FROM authfcgi_outbox" >/dev/null
	rm -f "$MAILDIR"/*.eml "$MAILDIR"/calls "$MAILDIR"/fail "$MAILDIR"/hang "$MAILDIR"/delay \
		"$MAILDIR"/hang.pid
}

calls() { if [[ -f $MAILDIR/calls ]]; then wc -l <"$MAILDIR/calls"; else echo 0; fi; }
# delivered_ids - the Message-ID header of every stored message, sorted.
delivered_ids() {
	local files=("$MAILDIR"/*.eml)
	[[ -e ${files[0]} ]] || return 0
	awk 'FNR == 1 { head = 1 } /^$/ { head = 0 } head && /^Message-ID: / { print $2 }' \
		"${files[@]}" | sort
}
once() { "$AUTHFCGI_BIN" mail --once "$@" >>"$TEST_TMP/once.log" 2>&1; }

# wait_sql COND SECS - until COND is true in the database.
wait_sql() {
	local deadline=$((SECONDS + $2))
	while ((SECONDS < deadline)); do
		[[ $(q "SELECT coalesce(($1), false)") == t ]] && return 0
		sleep 0.1
	done
	return 1
}

# ---- --once with nothing due ----------------------------------------------------------
reset_outbox
if once; then ok "mail --once exits 0 with nothing pending"; else not_ok "mail --once with nothing pending: status $?"; fi
if (($(calls) == 0)); then ok "nothing pending: the command is not run"; else not_ok "command run $(calls) times with nothing pending"; fi

# ---- two mailers at once: every row exactly once ----------------------------------------
reset_outbox
insert_rows 1 100
echo 0.01 >"$MAILDIR/delay"
"$AUTHFCGI_BIN" mail >"$TEST_TMP/mailer1.log" 2>&1 &
m1=$!
"$AUTHFCGI_BIN" mail >"$TEST_TMP/mailer2.log" 2>&1 &
m2=$!
on_exit "kill $m1 $m2 2>/dev/null"
if wait_sql "(SELECT count(*) = 100 FROM authfcgi_outbox WHERE status = 'sent')" 90; then
	ok "two mailers: all 100 rows sent"
else
	not_ok "two mailers: $(q "SELECT count(*) FROM authfcgi_outbox WHERE status = 'sent'") of 100 sent"
fi
kill -TERM "$m1" "$m2"
s1=0 s2=0
wait "$m1" || s1=$?
wait "$m2" || s2=$?
if ((s1 == 0 && s2 == 0)); then ok "mailers exit 0 on SIGTERM"; else not_ok "mailers exit $s1, $s2 on SIGTERM"; fi
seq 1 100 | sed 's/.*/<mail-test-&@authfcgi.test>/' | sort >"$TEST_TMP/expected"
delivered_ids >"$TEST_TMP/delivered"
if [[ -z $(uniq -d "$TEST_TMP/delivered") ]]; then
	ok "two mailers: no Message-ID delivered twice"
else
	not_ok "two mailers: duplicates: $(uniq -d "$TEST_TMP/delivered" | head -n 5 | tr '\n' ' ')"
fi
if cmp -s "$TEST_TMP/expected" "$TEST_TMP/delivered"; then
	ok "two mailers: every Message-ID delivered (100 messages)"
else
	not_ok "two mailers: delivered set differs: $(comm -3 "$TEST_TMP/expected" "$TEST_TMP/delivered" | head -n 5 | tr '\n' ' ')"
fi
if (($(calls) == 100)); then ok "two mailers: the command ran 100 times"; else not_ok "the command ran $(calls) times for 100 rows"; fi
n1=$(grep -c 'event=mail_sent' "$TEST_TMP/mailer1.log" || true)
n2=$(grep -c 'event=mail_sent' "$TEST_TMP/mailer2.log" || true)
if ((n1 > 0 && n2 > 0 && n1 + n2 == 100)); then
	ok "both mailers delivered ($n1 + $n2)"
else
	not_ok "deliveries per mailer: $n1 + $n2"
fi
if [[ $(q "SELECT count(*) FROM authfcgi_outbox WHERE attempts = 1 AND message IS NULL AND sent_at IS NOT NULL") == 100 ]]; then
	ok "every row: one attempt, message wiped, sent_at set"
else
	not_ok "rows after delivery: $(q "SELECT status, attempts, message IS NULL, count(*) FROM authfcgi_outbox GROUP BY 1, 2, 3")"
fi
stored=("$MAILDIR"/*.eml)
first=${stored[0]}
if grep -q '^https://app.example.com/verify?token=[0-9]*$' "$first" &&
	[[ $(sed -n '1s/^[0-9]* //p' "$MAILDIR/calls") =~ ^'<mail-test-'[0-9]+'@authfcgi.test> -t -i'$ ]]; then
	ok "the stand-in received the whole message and the command's arguments"
else
	not_ok "stored message or arguments unexpected"
	sed 's/^/# /' "$first"
fi

# ---- a failing MTA command: deferred with growing backoff, then delivered ----------------
reset_outbox
insert_rows 200 200
touch "$MAILDIR/fail"
row="FROM authfcgi_outbox WHERE message_id = '<mail-test-200@authfcgi.test>'"
if once; then ok "failing command: mail --once still exits 0"; else not_ok "failing command: mail --once exited $?"; fi
if [[ $(q "SELECT status = 'pending' AND attempts = 1 AND last_error LIKE 'exit 75: %told to fail%'
	AND next_attempt_at BETWEEN now() + interval '14 s' AND now() + interval '31 s' $row") == t ]]; then
	ok "failing command: row pending, attempt 1, last_error kept, retry in 15-30 s"
else
	not_ok "failing command: row is $(q "SELECT status, attempts, last_error, next_attempt_at - now() $row")"
fi
if grep -q 'event=mail_deferred.*attempt=1' "$TEST_TMP/once.log"; then ok "failing command: mail_deferred logged"; else not_ok "no mail_deferred line"; fi
once
if (($(calls) == 1)); then ok "deferred row is not retried before it is due"; else not_ok "deferred row retried early ($(calls) calls)"; fi
delay1=$(q "SELECT extract(epoch FROM next_attempt_at - now())::int $row")
q "UPDATE authfcgi_outbox SET next_attempt_at = now()" >/dev/null
once
delay2=$(q "SELECT extract(epoch FROM next_attempt_at - now())::int $row")
if [[ $(q "SELECT status = 'pending' AND attempts = 2 $row") == t ]] && ((delay2 >= 29 && delay2 >= delay1)); then
	ok "second failure: attempt 2, next attempt moves further out (${delay1}s, then ${delay2}s)"
else
	not_ok "second failure: $(q "SELECT status, attempts $row"), delays ${delay1}s, ${delay2}s"
fi
rm -f "$MAILDIR/fail"
q "UPDATE authfcgi_outbox SET next_attempt_at = now()" >/dev/null
once
if [[ $(q "SELECT status = 'sent' AND attempts = 3 AND last_error IS NULL $row") == t ]] &&
	[[ $(delivered_ids) == '<mail-test-200@authfcgi.test>' ]]; then
	ok "MTA back: the deferred row is delivered, once"
else
	not_ok "MTA back: row $(q "SELECT status, attempts, last_error $row"), delivered: $(delivered_ids | tr '\n' ' ')"
fi

# ---- a failing command that says something not UTF-8 --------------------------------------
# Latin-1, and a UTF-8 character cut by the 512 bytes kept of the output: last_error is a
# text column, and PostgreSQL refused the update, so the row stayed 'sending' and was sent
# again after every lease, never failed.
reset_outbox
insert_rows 250 250
{
	printf 'x%.0s' $(seq 511)
	printf '\303\251 d\351j\340 vu\n'
} >"$MAILDIR/fail-text"
row="FROM authfcgi_outbox WHERE message_id = '<mail-test-250@authfcgi.test>'"
AUTHFCGI_MAIL_MAX_ATTEMPTS=1 once
if [[ $(q "SELECT status = 'failed' AND attempts = 1 AND last_error LIKE 'exit 75: xxx%' $row") == t ]]; then
	ok "a command saying bytes that are not UTF-8: the row is failed as any other"
else
	not_ok "output not UTF-8: row $(q "SELECT status, attempts, left(last_error, 40) $row")"
fi
rm -f "$MAILDIR/fail-text"

# ---- the attempt limit -------------------------------------------------------------------
reset_outbox
insert_rows 300 300
touch "$MAILDIR/fail"
row="FROM authfcgi_outbox WHERE message_id = '<mail-test-300@authfcgi.test>'"
AUTHFCGI_MAIL_MAX_ATTEMPTS=2 once
q "UPDATE authfcgi_outbox SET next_attempt_at = now()" >/dev/null
AUTHFCGI_MAIL_MAX_ATTEMPTS=2 once
if [[ $(q "SELECT status = 'failed' AND attempts = 2 AND message IS NULL AND last_error <> ''
	AND recipient = 'user300@example.com' AND kind = 'verify-email' AND sent_at IS NULL $row") == t ]] &&
	grep -q 'level=error .*event=mail_failed.*attempts=2' "$TEST_TMP/once.log"; then
	ok "after AUTHFCGI_MAIL_MAX_ATTEMPTS the row is failed (message and its link wiped, recipient, kind, error kept) and logged as an error"
else
	not_ok "attempt limit: $(q "SELECT status, attempts, message IS NULL, last_error $row")"
fi
q "UPDATE authfcgi_outbox SET next_attempt_at = now()" >/dev/null
rm -f "$MAILDIR/fail"
once
if (($(calls) == 2)) && [[ -z $(delivered_ids) ]]; then ok "a failed row is not tried again"; else not_ok "failed row tried again ($(calls) calls)"; fi

# ---- a hanging command is killed at the timeout -------------------------------------------
reset_outbox
insert_rows 400 400
touch "$MAILDIR/hang"
row="FROM authfcgi_outbox WHERE message_id = '<mail-test-400@authfcgi.test>'"
start=$SECONDS
AUTHFCGI_SENDMAIL_TIMEOUT_MS=700 once && rc=0 || rc=$?
took=$((SECONDS - start))
if ((rc == 0 && took < 10)); then ok "hanging command: mail --once returns after the timeout (${took}s)"; else not_ok "hanging command: status $rc after ${took}s"; fi
if [[ $(q "SELECT status = 'pending' AND attempts = 1 AND last_error = 'timed out after 700 ms, killed' $row") == t ]]; then
	ok "hanging command: row deferred with the timeout as its error"
else
	not_ok "hanging command: row $(q "SELECT status, attempts, last_error $row")"
fi
hung=$(cat "$MAILDIR/hang.pid" 2>/dev/null || echo 0)
gone=1
for _ in $(seq 50); do
	if ((hung > 0)) && kill -0 "$hung" 2>/dev/null; then gone=0; sleep 0.1; else gone=1; break; fi
done
if ((hung > 0 && gone == 1)); then ok "hanging command: its process was killed"; else not_ok "hanging command: process $hung still alive"; fi

# ---- a dead mailer's lease ------------------------------------------------------------------
reset_outbox
insert_rows 500 501
q "UPDATE authfcgi_outbox SET status = 'sending', attempts = 1,
   next_attempt_at = now() - interval '1 second' WHERE message_id = '<mail-test-500@authfcgi.test>'" >/dev/null
q "UPDATE authfcgi_outbox SET status = 'sending', attempts = 1,
   next_attempt_at = now() + interval '1 hour' WHERE message_id = '<mail-test-501@authfcgi.test>'" >/dev/null
once
if [[ $(q "SELECT string_agg(status || ':' || attempts, ',' ORDER BY id) FROM authfcgi_outbox") == 'sent:2,sending:1' ]] &&
	[[ $(delivered_ids) == '<mail-test-500@authfcgi.test>' ]]; then
	ok "an expired lease is delivered again; a live one is left to its holder"
else
	not_ok "leases: $(q "SELECT string_agg(status || ':' || attempts, ',' ORDER BY id) FROM authfcgi_outbox")"
fi

# ---- the database goes away ---------------------------------------------------------------
reset_outbox
pg_stop
AUTHFCGI_DB_TIMEOUT_MS=2000 once && rc=0 || rc=$?
if ((rc == 1)); then ok "database down: mail --once exits 1"; else not_ok "database down: mail --once exited $rc"; fi
"$AUTHFCGI_BIN" mail >"$TEST_TMP/mailer3.log" 2>&1 &
m3=$!
on_exit "kill $m3 2>/dev/null"
# The database comes back once the running mailer has met the outage (not after a fixed time).
deadline=$((SECONDS + 20))
until grep -q 'event=mail_db_unavailable' "$TEST_TMP/mailer3.log" || ((SECONDS > deadline)); do
	sleep 0.05
done
pg_start
insert_rows 600 600
if wait_sql "(SELECT status = 'sent' FROM authfcgi_outbox WHERE message_id = '<mail-test-600@authfcgi.test>')" 30; then
	ok "a running mailer outlives a database outage and delivers afterwards"
else
	not_ok "mailer after the outage"
	show_log "$TEST_TMP/mailer3.log"
fi
if grep -q 'event=mail_db_unavailable' "$TEST_TMP/mailer3.log" && kill -0 "$m3" 2>/dev/null; then
	ok "the outage is logged once and the mailer keeps running"
else
	not_ok "outage not logged, or the mailer died"
fi
kill -TERM "$m3"
wait "$m3" || true

# ---- a database that refuses the password is a configuration error, not an outage ----------
pg_add_role mail_role right-password
bad_url=$(pg_url mail_role:wrong-password)
DATABASE_URL=$bad_url once && rc=0 || rc=$?
if ((rc == 78)) && grep -q 'event=mail_config_error setting=DATABASE_URL reason="auth' "$TEST_TMP/once.log"; then
	ok "a refused password: mail --once exits 78 naming DATABASE_URL"
else
	not_ok "a refused password: mail --once exited $rc"
fi
if grep -q 'wrong-password' "$TEST_TMP/once.log"; then not_ok "the password appears in the log"; else ok "the password is not logged"; fi

# ---- serve supervises one mailer when mail is configured ------------------------------------
reset_outbox
AUTHFCGI_MAIL_FROM="Test <no-reply@example.com>" pool_start
insert_rows 700 700
if wait_sql "(SELECT status = 'sent' FROM authfcgi_outbox WHERE message_id = '<mail-test-700@authfcgi.test>')" 20; then
	ok "serve with AUTHFCGI_MAIL_FROM: its mailer delivers"
else
	not_ok "serve with AUTHFCGI_MAIL_FROM: nothing delivered"
	show_log "$POOL_LOG"
fi
mailer=$(grep 'event=mailer_started' "$POOL_LOG" | tail -n 1 | sed 's/.* pid=\([0-9]*\) .*/\1/')
if [[ -n $mailer ]] && kill -KILL "$mailer" 2>/dev/null; then
	insert_rows 701 701
	if wait_sql "(SELECT status = 'sent' FROM authfcgi_outbox WHERE message_id = '<mail-test-701@authfcgi.test>')" 20; then
		ok "a killed mailer is replaced by the master"
	else
		not_ok "no delivery after the mailer was killed"
		show_log "$POOL_LOG"
	fi
else
	not_ok "serve: no mailer_started line with a live pid"
fi
mailer=$(grep 'event=mailer_started' "$POOL_LOG" | tail -n 1 | sed 's/.* pid=\([0-9]*\) .*/\1/')
pool_stop
if [[ $POOL_STATUS == 0 ]] && ! kill -0 "$mailer" 2>/dev/null; then
	ok "serve stops its mailer with the workers and exits 0"
else
	not_ok "serve stop: status $POOL_STATUS, mailer $mailer alive: $(kill -0 "$mailer" 2>/dev/null && echo yes || echo no)"
fi
started=$(grep -c 'event=mailer_started' "$POOL_LOG" || true)
rm -f "$POOL_LOG"
pool_start
# The master spawns a mailer before its workers: once a worker is spawned, a mailer would be.
deadline=$((SECONDS + 10))
until grep -q 'event=worker_spawned' "$POOL_LOG" || ((SECONDS > deadline)); do sleep 0.05; done
if grep -q 'event=worker_spawned' "$POOL_LOG" &&
	! grep -Eq 'event=mailer_(spawned|started)' "$POOL_LOG"; then ok "serve without AUTHFCGI_MAIL_FROM runs no mailer"; else not_ok "serve without mail runs a mailer"; fi
pool_stop
((started == 2)) || echo "# mailer_started lines while mail was configured: $started"

finish
