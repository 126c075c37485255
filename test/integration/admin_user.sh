#!/bin/bash
# admin_user.sh - `authfcgi user ...` against a real, migrated PostgreSQL: every command's
# effect on the rows, its exit status (sysexits), --json parsed by python3, and that a failed
# command leaves nothing behind (a taken address, a refused password, no password at all).
# test/e2e/client_admin.sh signs in with a user made here through the official client.
# set-role, ban and unban are also checked through the API (AUTHFCGI_ADMIN on, behind
# lighttpd): a banned user's sign-in gets Better Auth's 403 BANNED_USER, unban lets it in.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/pool.sh"
source "$top_srcdir/test/lib/front.sh"
source "$top_srcdir/test/lib/stack.sh"

watchdog 300
need_tools curl lighttpd
tmpdir_new
export AUTHFCGI_DB_TIMEOUT_MS=10000
stack_db
# Each result is checked by `check $?`, not by errexit.
set +e
PW='correct horse battery staple'

# u EXPECTED_STATUS [ARGS...] - authfcgi user ARGS with stdin as given; stdout in $OUT,
# stderr in $ERR; false (after showing both) unless it exits EXPECTED_STATUS.
u() {
	local want=$1 rc=0
	shift
	"$AUTHFCGI_BIN" user "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
	OUT=$(cat "$TEST_TMP/out")
	ERR=$(cat "$TEST_TMP/err")
	if ((rc != want)); then
		echo "# authfcgi user $*: exit $rc, wanted $want"
		sed 's/^/# out: /' "$TEST_TMP/out"
		sed 's/^/# err: /' "$TEST_TMP/err"
		return 1
	fi
}

# sql QUERY - one value from the database.
sql() { pg_psql -At -c "$1"; }

# json EXPR - evaluate EXPR (python, with d = the parsed $OUT) and print it.
json() { python3 -c "import json, sys; d = json.loads(sys.argv[1]); print($1)" "$OUT"; }

# add_session USER_ID - a live session row for the user, as a sign-in makes.
add_session() {
	sql "INSERT INTO session (id, token, \"userId\", \"expiresAt\", \"createdAt\", \"updatedAt\")
	     VALUES (md5(random()::text), md5(random()::text), '$1', now() + interval '1 day', now(), now())" >/dev/null
}
sessions_of() { sql "SELECT count(*) FROM session WHERE \"userId\" = '$1'"; }

# ---- create
u 0 create Alice@Example.COM --name 'Alice A' <<<"$PW"
check $? "create: exit 0"
ALICE=$(sql "SELECT id FROM \"user\" WHERE email = 'alice@example.com'")
[[ $ALICE =~ ^[A-Za-z0-9]{32}$ && $OUT == "created user $ALICE alice@example.com" ]]
check $? "create: the address lower-cased, a 32-character id, said on stdout"
[[ $(sql "SELECT name || '|' || \"emailVerified\" || '|' || \"providerId\" || '|' || \"accountId\" || '|' || left(password, 3)
          FROM \"user\" u JOIN account a ON a.\"userId\" = u.id WHERE u.id = '$ALICE'") == "Alice A|false|credential|$ALICE|\$y\$" ]]
check $? "create: sign-up's rows (credential account, accountId = user id, a yescrypt hash)"
u 0 create bob@example.com <<<"$PW" && [[ $(sql "SELECT name FROM \"user\" WHERE email = 'bob@example.com'") == bob ]]
check $? "create without --name: the address's local part is the name"
[[ $(sql "SELECT role IS NULL FROM \"user\" WHERE email = 'bob@example.com'") == t ]] &&
	AUTHFCGI_ADMIN=true u 0 create dora@example.com <<<"$PW" &&
	[[ $(sql "SELECT role FROM \"user\" WHERE email = 'dora@example.com'") == user ]] &&
	u 0 delete dora@example.com
check $? "create: no role with AUTHFCGI_ADMIN off, the plugin's default role with it on (as sign-up)"
BOB=$(sql "SELECT id FROM \"user\" WHERE email = 'bob@example.com'")

users_before=$(sql 'SELECT count(*) FROM "user"')
accounts_before=$(sql 'SELECT count(*) FROM account')
nothing_written() {
	[[ $(sql 'SELECT count(*) FROM "user"') == "$users_before" &&
		$(sql 'SELECT count(*) FROM account') == "$accounts_before" ]]
}
u 65 create ALICE@example.com <<<"$PW" && [[ $ERR == *"exists"* ]] && nothing_written
check $? "create with a taken address (any case): 65, one line, no row"
u 65 create 'not an address' <<<"$PW" && nothing_written
check $? "create with a bad address: 65, no row"
u 65 create carol@example.com <<<"short" && [[ $ERR == *"too short"* ]] && nothing_written
check $? "create with a password under 8 characters: 65, no row"
u 65 create carol@example.com <<<"$(printf 'x%.0s' {1..129})" && [[ $ERR == *"too long"* ]] && nothing_written
check $? "create with a password over 128 characters: 65, no row"
u 65 create carol@example.com <<<"$(printf 'x%.0s' {1..2000})" && [[ $ERR == *"too long"* ]] && nothing_written
check $? "create with a line longer than the input buffer: 65 too long (not 66 no password), no row"
u 66 create carol@example.com </dev/null && nothing_written
check $? "create without a password on stdin: 66, no row"
u 64 create carol@example.com "$PW" </dev/null && nothing_written
check $? "create with the password as an argument: refused (64), no row"
[[ $(wc -l <<<"$ERR") -ge 1 && $(head -n1 <<<"$ERR") == "authfcgi: user: unexpected argument"* ]]
check $? "usage error: one line first, then the usage"

# On a terminal: asked twice, nothing echoed; two different answers are refused.
tty_create() {
	python3 - "$AUTHFCGI_BIN" "$@" <<-'PY'
		import os, pty, signal, sys
		email, first, second = sys.argv[2:5]
		signal.alarm(60)  # a prompt that never comes must not hang the test
		pid, fd = pty.fork()
		if pid == 0:
		    os.execv(sys.argv[1], [sys.argv[1], "user", "create", email])
		seen = b""
		def until(word):
		    global seen
		    while word not in seen:
		        chunk = os.read(fd, 1024)
		        if not chunk:
		            sys.exit("no prompt %r in %r" % (word, seen))
		        seen += chunk
		until(b"New password: ")
		os.write(fd, first.encode() + b"\n")
		until(b"Repeat it: ")
		os.write(fd, second.encode() + b"\n")
		try:
		    while True:
		        chunk = os.read(fd, 1024)
		        if not chunk:
		            break
		        seen += chunk
		except OSError:
		    pass
		status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
		print(status, b"echoed" if first.encode() in seen else b"quiet")
	PY
}
[[ $(tty_create tty@example.com 'typed password 1' 'typed password 1') == "0 b'quiet'" &&
	$(sql "SELECT count(*) FROM \"user\" WHERE email = 'tty@example.com'") == 1 ]]
check $? "create on a terminal: the password asked twice without echo"
[[ $(tty_create tty2@example.com 'typed password 1' 'typed password 2') == "65 b'quiet'" &&
	$(sql "SELECT count(*) FROM \"user\" WHERE email = 'tty2@example.com'") == 0 ]]
check $? "create on a terminal, two different answers: 65, no row"
u 0 delete tty@example.com

# ^Z at the prompt, then fg: the command stops with echo back on, and once continued the
# password typed is not echoed either. As a job-control shell does, a process in between
# runs the command in a process group of its own in the foreground (a stop of an orphaned
# group, pty.fork's child, would be ignored).
tty_stop_continue() {
	python3 - "$AUTHFCGI_BIN" "$@" <<-'PY'
		import os, pty, signal, sys, termios, time
		email, password = sys.argv[2:4]
		signal.alarm(60)
		pid, fd = pty.fork()
		if pid == 0:
		    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
		    job = os.fork()
		    if job == 0:
		        os.setpgid(0, 0)
		        os.tcsetpgrp(0, os.getpid())
		        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
		        os.execv(sys.argv[1], [sys.argv[1], "user", "create", email])
		    _, st = os.waitpid(job, 0)
		    os._exit(os.waitstatus_to_exitcode(st))
		seen = b""
		def until(word):
		    global seen
		    while word not in seen:
		        chunk = os.read(fd, 1024)
		        if not chunk:
		            sys.exit("no prompt %r in %r" % (word, seen))
		        seen += chunk
		def wait_for(test, seconds):
		    deadline = time.monotonic() + seconds
		    while not test() and time.monotonic() < deadline:
		        time.sleep(0.02)
		    return test()
		def job_pid():
		    for p in os.listdir("/proc"):
		        try:
		            if p.isdigit() and open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[1] == str(pid):
		                return int(p)
		        except OSError:
		            pass
		def state(p):
		    return open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()[0]
		def echo_on():
		    return bool(termios.tcgetattr(fd)[3] & termios.ECHO)
		until(b"New password: ")
		job = job_pid()
		os.write(fd, b"\x1a")
		stopped = wait_for(lambda: state(job) == "T", 20)
		echo_while_stopped = echo_on()
		os.kill(job, signal.SIGCONT)
		wait_for(lambda: not echo_on(), 10)  # the event; the bound only in the failing case
		os.write(fd, password.encode() + b"\n")
		until(b"Repeat it: ")
		os.write(fd, password.encode() + b"\n")
		try:
		    while True:
		        chunk = os.read(fd, 1024)
		        if not chunk:
		            break
		        seen += chunk
		except OSError:
		    pass
		status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
		print(status, "stopped" if stopped else "running", "echo" if echo_while_stopped else "quiet",
		      "echoed" if password.encode() in seen else "quiet")
	PY
}
got=$(tty_stop_continue tty3@example.com 'typed password 3')
echo "# ^Z at the prompt: $got"
[[ $got == "0 stopped echo quiet" &&
	$(sql "SELECT count(*) FROM \"user\" WHERE email = 'tty3@example.com'") == 1 ]]
check $? "create on a terminal, ^Z and fg at the prompt: echo on while stopped, off again after"
u 0 delete tty3@example.com

# ---- list
u 0 list --json && [[ $(json '",".join(x["email"] for x in d)') == "alice@example.com,bob@example.com" ]]
check $? "list --json: every user, oldest first"
[[ $(json 'sorted(d[0].keys())') == "['banExpires', 'banReason', 'banned', 'createdAt', 'email', 'emailVerified', 'id', 'image', 'name', 'role', 'twoFactorEnabled', 'updatedAt']" ]]
check $? "list --json: Better Auth's user shape, with the admin plugin's fields"
u 0 list --email '*ALICE@*' --json && [[ $(json '[x["id"] for x in d]') == "['$ALICE']" ]]
check $? "list --email PATTERN: any case, * as any run"
u 0 list --email 'b?b@example.com' --json && [[ $(json 'len(d)') == 1 ]]
check $? "list --email: ? as one character"
u 0 list --email '%' --json && [[ $(json 'len(d)') == 0 ]]
check $? "list --email: % is literal, not LIKE's wildcard"
u 0 list --since 2000-01-01 --json && [[ $(json 'len(d)') == 2 ]] &&
	u 0 list --since 2999-01-01T00:00:00Z --json && [[ $OUT == "[]" ]]
check $? "list --since DATE"
u 65 list --since yesterday && u 65 list --since 2026-02-31
check $? "list --since a non-date (also 31 February): 65"
# An --email pattern that is not UTF-8: PostgreSQL refuses it; the line said '--since: "(null)"'.
u 65 list --email $'\xff' && [[ $ERR == "authfcgi: list: the database refused a filter"* && $ERR != *null* ]]
check $? "list --email not UTF-8: 65, one line naming the filter, no (null)"
u 0 list && [[ $(head -n1 <<<"$OUT") == ID*EMAIL*NAME && $(wc -l <<<"$OUT") == 3 && $OUT == *"alice@example.com  Alice A"* ]]
check $? "list: a table for people"

# ---- show
add_session "$ALICE"
u 0 show alice@example.com --json &&
	[[ $(json '(d["user"]["id"], d["accounts"][0]["providerId"], len(d["sessions"]), "token" in d["sessions"][0])') == "('$ALICE', 'credential', 1, False)" ]]
check $? "show --json: user, accounts, live sessions (no token)"
u 0 show "$ALICE" && [[ $OUT == *"email:          alice@example.com"* && $OUT == *"sessions:       1 live"* ]]
check $? "show by id, as text"
u 67 show nobody@example.com && [[ $ERR == "authfcgi: nobody@example.com: no such user" ]]
check $? "show an unknown user: 67, one line"

# ---- set-password
hash_before=$(sql "SELECT password FROM account WHERE \"userId\" = '$ALICE'")
u 65 set-password alice@example.com <<<"short" &&
	[[ $(sql "SELECT password FROM account WHERE \"userId\" = '$ALICE'") == "$hash_before" && $(sessions_of "$ALICE") == 1 ]]
check $? "set-password refused (too short): 65, password and sessions unchanged"
u 0 set-password alice@example.com <<<"another good password" &&
	[[ $(sql "SELECT password FROM account WHERE \"userId\" = '$ALICE'") != "$hash_before" && $(sessions_of "$ALICE") == 0 ]]
check $? "set-password: new hash, sessions revoked (AUTHFCGI_REVOKE_SESSIONS_ON_RESET default)"
add_session "$ALICE"
AUTHFCGI_REVOKE_SESSIONS_ON_RESET=off u 0 set-password "$ALICE" <<<"$PW" && [[ $(sessions_of "$ALICE") == 1 ]]
check $? "set-password with AUTHFCGI_REVOKE_SESSIONS_ON_RESET=off: sessions kept"
sql "DELETE FROM account WHERE \"userId\" = '$BOB'" >/dev/null
u 0 set-password bob@example.com <<<"$PW" && [[ $(sql "SELECT \"providerId\" || ' ' || left(password, 3) FROM account WHERE \"userId\" = '$BOB'") == "credential \$y\$" ]]
check $? "set-password for a user without a credential account creates one, as a reset does"
u 67 set-password nobody@example.com <<<"$PW"
check $? "set-password for an unknown user: 67"

# ---- verify-email
u 0 verify-email alice@example.com && [[ $(sql "SELECT \"emailVerified\" FROM \"user\" WHERE id = '$ALICE'") == t && $(sessions_of "$ALICE") == 0 ]]
check $? "verify-email: verified, the sessions made before it revoked (as the link does)"
add_session "$ALICE"
u 0 verify-email "$ALICE" && [[ $OUT == *"verified already"* && $(sessions_of "$ALICE") == 1 ]]
check $? "verify-email again: 0, sessions kept"
u 0 list --verified --json && [[ $(json '[x["id"] for x in d]') == "['$ALICE']" ]] &&
	u 0 list --unverified --json && [[ $(json '[x["id"] for x in d]') == "['$BOB']" ]]
check $? "list --verified / --unverified"
u 67 verify-email nobody@example.com
check $? "verify-email for an unknown user: 67"

# ---- revoke-sessions
add_session "$ALICE"
u 0 revoke-sessions alice@example.com && [[ $(sessions_of "$ALICE") == 0 ]]
check $? "revoke-sessions: every session gone"
u 67 revoke-sessions nobody@example.com
check $? "revoke-sessions for an unknown user: 67"

# ---- delete
add_session "$BOB"
u 0 delete bob@example.com &&
	[[ $(sql "SELECT (SELECT count(*) FROM \"user\" WHERE id = '$BOB') + (SELECT count(*) FROM account WHERE \"userId\" = '$BOB') + (SELECT count(*) FROM session WHERE \"userId\" = '$BOB')") == 0 ]]
check $? "delete: the user, its accounts and sessions gone"
u 67 delete bob@example.com
check $? "delete again: 67"

# ---- set-role, ban, unban (the admin plugin's columns), then their effect through the API
u 0 create carol@example.com <<<"$PW"
CAROL=$(sql "SELECT id FROM \"user\" WHERE email = 'carol@example.com'")
u 0 show carol@example.com --json && [[ $(json '(d["user"]["role"], d["user"]["banned"])') == "(None, False)" ]]
check $? "show --json: role and banned of a user that has none"
u 0 set-role carol@example.com admin,editor && u 0 show "$CAROL" --json &&
	[[ $(json 'd["user"]["role"]') == admin,editor ]]
check $? "set-role: the role list appears in show --json"
u 0 show carol@example.com && [[ $OUT == *"role:           admin,editor"* && $OUT == *"banned:         no"* &&
	$OUT == *"two-factor:     off"* ]]
check $? "show: role, ban and second-factor state as text"
sql "UPDATE \"user\" SET \"twoFactorEnabled\" = true WHERE id = '$CAROL'" >/dev/null &&
	u 0 show "$CAROL" --json && [[ $(json 'd["user"]["twoFactorEnabled"]') == True ]] &&
	u 0 show "$CAROL" && [[ $OUT == *"two-factor:     on"* ]] &&
	sql "UPDATE \"user\" SET \"twoFactorEnabled\" = NULL WHERE id = '$CAROL'" >/dev/null
check $? "show: a second factor turned on (Better Auth's twoFactorEnabled), in --json and as text"
u 0 list --email carol@example.com && [[ $(tail -n1 <<<"$OUT") == "$CAROL  no   admin,editor  no   "* ]]
check $? "list: ROLE and BAN columns"
u 65 set-role carol@example.com 'admin,' && u 65 set-role carol@example.com '' &&
	u 65 set-role carol@example.com 'ad min' && [[ $(sql "SELECT role FROM \"user\" WHERE id = '$CAROL'") == admin,editor ]]
check $? "set-role with an empty or spaced name: 65, role unchanged"
u 64 set-role carol@example.com && u 64 set-role carol@example.com admin user && u 64 set-role
check $? "set-role without ROLE or with two: 64"
u 67 set-role nobody@example.com user
check $? "set-role for an unknown user: 67"

ban_row() { sql "SELECT banned || '|' || coalesce(\"banReason\", '-') || '|' || coalesce(\"banExpires\"::text, '-') FROM \"user\" WHERE id = '$CAROL'"; }
add_session "$CAROL"
add_session "$CAROL"
u 0 ban carol@example.com --reason 'spam, mostly' --expires-in 3600 && [[ $(sessions_of "$CAROL") == 0 ]] &&
	[[ $(sql "SELECT banned AND \"banReason\" = 'spam, mostly' AND \"banExpires\" BETWEEN now() + interval '3000 s' AND now() + interval '4200 s' FROM \"user\" WHERE id = '$CAROL'") == t ]]
check $? "ban --reason --expires-in: banned with the reason until then, every session gone"
u 0 show carol@example.com --json && [[ $(json '(d["user"]["banned"], d["user"]["banReason"], d["user"]["banExpires"] is not None, len(d["sessions"]))') == "(True, 'spam, mostly', True, 0)" ]]
check $? "show --json: the ban"
u 0 ban "$CAROL" && [[ $(ban_row) == "true|No reason|-" ]]
check $? "ban without options: 'No reason', no end (as ban-user)"
# AUTHFCGI_ADMIN is off here: the columns change (a Better Auth with the plugin on the same
# database honours them), but authfcgi's own sign-in and authorizer would not: said on stderr.
u 0 ban "$CAROL" && [[ $(wc -l <<<"$ERR") == 1 && $ERR == "authfcgi: note: AUTHFCGI_ADMIN is off"* ]] &&
	u 0 set-role "$CAROL" admin,editor && [[ $ERR == "authfcgi: note: AUTHFCGI_ADMIN is off"* ]] &&
	AUTHFCGI_ADMIN=true u 0 ban "$CAROL" && [[ -z $ERR ]] &&
	AUTHFCGI_ADMIN=true u 0 set-role "$CAROL" admin,editor && [[ -z $ERR ]]
check $? "ban and set-role with AUTHFCGI_ADMIN off: done, with one line saying authfcgi ignores them"
u 0 ban carol@example.com --until 2999-01-02T03:04 && [[ $(sql "SELECT \"banExpires\" AT TIME ZONE 'UTC' FROM \"user\" WHERE id = '$CAROL'") == "2999-01-02 03:04:00"* ]]
check $? "ban --until DATE: ends then (UTC)"
before=$(ban_row)
u 65 ban carol@example.com --until 2000-01-01 && u 65 ban carol@example.com --until soon &&
	u 65 ban carol@example.com --until 2999-02-29 &&
	u 65 ban carol@example.com --expires-in 0 && u 65 ban carol@example.com --expires-in 1h &&
	[[ $(ban_row) == "$before" ]]
check $? "ban with a past or bad date, or a bad number of seconds: 65, nothing changed"
u 64 ban carol@example.com --expires-in 60 --until 2999-01-01 && u 64 ban carol@example.com --reason &&
	u 64 ban carol@example.com extra && u 64 unban carol@example.com --reason x
check $? "ban/unban usage errors: 64"
u 67 ban nobody@example.com && u 67 unban nobody@example.com
check $? "ban/unban an unknown user: 67"

port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port AUTHFCGI_WORKERS=2 AUTHFCGI_RATE_LIMIT=off AUTHFCGI_ADMIN=true
if ! pool_start; then
	not_ok "authfcgi serve starts"
	finish
fi
if ! front_start lighttpd "$port"; then
	not_ok "lighttpd starts on port $port"
	finish
fi
wait_http "$FRONT_URL/readyz" 20 || true
# sign_in EMAIL - the API's answer: "STATUS CODE" (CODE: the error's code, or - on success).
sign_in() {
	local body=$TEST_TMP/sign_in.json status
	status=$(curl -s -m 30 -o "$body" -w '%{http_code}' -H "Origin: $FRONT_URL" \
		-H 'Content-Type: application/json' --data "{\"email\":\"$1\",\"password\":\"$PW\"}" \
		"$FRONT_URL/api/auth/sign-in/email") || status="curl-exit-$?"
	echo "$status $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("code", "-"))' "$body" 2>/dev/null)"
}
[[ $(sign_in carol@example.com) == "403 BANNED_USER" ]]
check $? "a user banned by authfcgi user ban: sign-in refused with 403 BANNED_USER"
u 0 unban carol@example.com && [[ $(ban_row) == "false|-|-" ]]
check $? "unban: banned false, reason and end cleared"
[[ $(sign_in carol@example.com) == "200 -" && $(sessions_of "$CAROL") == 1 ]]
check $? "after unban the sign-in works again"
u 0 ban carol@example.com && [[ $(sessions_of "$CAROL") == 0 && $(sign_in carol@example.com) == "403 BANNED_USER" ]]
check $? "ban revokes the session that sign-in made, and refuses the next"
front_stop
pool_stop

# ---- a change whose answer is lost: test/lib/drop_proxy.py cuts the connection right after
# PostgreSQL answered the DELETE (autocommit: it is made), then the COMMIT of a create.
u 0 create lost@example.com <<<"$PW"
python3 "$top_srcdir/test/lib/drop_proxy.py" "$TEST_TMP/proxy.port" "$PGPORT" \
	'P:DELETE FROM "user"' Q:COMMIT >"$TEST_TMP/proxy.log" 2>&1 &
proxy_pid=$!
on_exit "kill $proxy_pid 2>/dev/null"
deadline=$((SECONDS + 20))
while [[ ! -s $TEST_TMP/proxy.port ]] && ((SECONDS < deadline)) && kill -0 "$proxy_pid" 2>/dev/null; do
	sleep 0.1
done
PROXY_URL="postgresql://postgres@127.0.0.1:$(cat "$TEST_TMP/proxy.port")/authfcgi?sslmode=disable&gssencmode=disable"
DATABASE_URL=$PROXY_URL u 75 delete lost@example.com &&
	[[ $(wc -l <<<"$ERR") == 1 && $ERR == *"may or may not be made"* &&
		$(sql "SELECT count(*) FROM \"user\" WHERE email = 'lost@example.com'") == 0 ]]
check $? "delete whose answer is lost: 75, one line saying it may be made (it was)"
DATABASE_URL=$PROXY_URL u 75 create lost2@example.com <<<"$PW" && [[ $ERR == *"may or may not be made"* ]]
check $? "create whose COMMIT answer is lost: 75, one line saying it may be made"
grep -c '^dropped' "$TEST_TMP/proxy.log" | grep -qx 2
check $? "the proxy dropped both answers"

# ---- usage, configuration, database
u 64 frobnicate && u 64 show && u 64 list --name x && u 64
check $? "usage errors: 64"
u 0 --help && [[ $OUT == usage:* ]]
check $? "user --help: 0, the usage on stdout"
port=$(free_port)
DATABASE_URL=postgresql://postgres@127.0.0.1:$port/authfcgi AUTHFCGI_DB_TIMEOUT_MS=2000 u 69 list &&
	[[ $(wc -l <<<"$ERR") == 1 && $ERR == "authfcgi: DATABASE_URL: "*unreachable* ]]
check $? "database unreachable: 69, one line"
pg_psql -d postgres -c 'CREATE DATABASE fresh' >/dev/null
DATABASE_URL=$(pg_url postgres fresh) u 78 list && [[ $ERR == *"pending: run authfcgi migrate" ]]
check $? "migrations pending: 78, one line naming authfcgi migrate"
AUTHFCGI_WORKERS=many u 78 list && [[ $ERR == "authfcgi: AUTHFCGI_WORKERS: "* ]]
check $? "a bad setting: 78, one line naming it"

finish
