#!/bin/bash
# test/e2e/authorize.sh - the FastCGI Authorizer role through lighttpd ("mode" =>
# "authorizer") protecting a static directory, decided by an access rules file (issue 11):
# no cookie -> 302 to the sign-in page (HTML) or 401 JSON; signed in -> the file; public,
# deny, verified-only and e-mail-list rules; "/public/../closed" judged as the path lighttpd
# serves; a tampered cookie and a signed-out session denied; raw FastCGI requests to the pool
# prove that Status comes first, that identity variables a client sends (HTTP_AUTH_USER_ID...)
# change nothing and that a FILTER request never gets 200; the rules are re-read on SIGHUP
# (and a broken file is refused then, keeping the old rules, and at start with exit 78); a
# worker killed in the middle of a check and a stopped database are denials, never 200.
#
# The lighttpd config is deploy/lighttpd.conf.in plus one authorizer block (rendered from a
# copy of deploy/ in the test's directory); deploy/ itself is the quickstart's.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"
# shellcheck source=test/lib/front.sh
source "$top_srcdir/test/lib/front.sh"
# shellcheck source=test/lib/stack.sh
source "$top_srcdir/test/lib/stack.sh"

command -v python3 >/dev/null || skip_all "python3 is not installed"
RAW=$top_srcdir/test/lib/fcgi_raw.py
HTML='text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
E_UNAUTHORIZED='{"message":"Unauthorized","code":"UNAUTHORIZED"}'
E_FORBIDDEN='{"message":"Forbidden","code":"FORBIDDEN"}'
EMAIL=alice@example.com

watchdog 300
tmpdir_new
stack_db

# --- the protected site ---------------------------------------------------------------------
RULES=$TEST_TMP/access.rules
write_rules() { # the rules; $1 is what /members/closed/ gets
	cat >"$RULES.tmp" <<-EOF
		# authorize.sh
		/members/public/ public
		/members/closed/ $1
		/members/verified/ verified
		/members/staff/ email:$EMAIL,@staff.example
		/members/ GET,POST signed-in
		/ deny
	EOF
	unpriv_file "$RULES.tmp"
	mv -f "$RULES.tmp" "$RULES"
}
write_rules deny
export AUTHFCGI_ACCESS_RULES=$RULES

# A copy of deploy/ whose lighttpd template also protects /members/ with the pool as its
# authorizer; lighttpd serves the files itself once it is allowed.
cp -r "$top_srcdir/deploy" "$TEST_TMP/deploy"
chmod -R u+w "$TEST_TMP/deploy"
cat >>"$TEST_TMP/deploy/lighttpd.conf.in" <<'EOF'

# authorize.sh: /members/ is protected by authfcgi as a FastCGI Authorizer.
$HTTP["url"] =~ "^/members(/|$)" {
    fastcgi.server = (
        "/members" => ((
            @FASTCGI_TARGET@,
            "mode" => "authorizer",
            "check-local" => "disable"
        ))
    )
}
EOF
FRONT_DEPLOY_DIR=$TEST_TMP/deploy
WWW=$TEST_TMP/front-lighttpd/www
for d in "" public closed verified staff; do
	mkdir -p "$WWW/members/$d"
	echo "members ${d:-index}" >"$WWW/members/$d/a.txt"
done
chmod -R a+rX "$TEST_TMP/front-lighttpd"
chmod a+x "$TEST_TMP"

port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_PASSWORD_COST=1
# One worker: the crash case below kills the one that holds the check. A statement waits long
# enough for that (a table lock holds it), far less than the watchdog.
export AUTHFCGI_WORKERS=1 AUTHFCGI_DB_TIMEOUT_MS=60000
stack_front lighttpd "$port"

# get [CURL ARGS...] URL-PATH - one request through lighttpd; sets CODE, BODY, HDRS.
get() {
	local path=${*: -1} out=$TEST_TMP/body hdrs=$TEST_TMP/headers
	CODE=$(curl -s -m 90 --path-as-is "${@:1:$#-1}" -D "$hdrs" -o "$out" -w '%{http_code}' \
		"$FRONT_URL$path") || CODE="curl-exit-$?"
	BODY=$(cat "$out" 2>/dev/null || true)
	HDRS=$(tr -d '\r' <"$hdrs" 2>/dev/null || true)
}

# expect WHAT CODE [BODY] - the last get answered CODE (and BODY).
expect() {
	local what=$1 code=$2
	if [[ $CODE == "$code" && ($# -lt 3 || $BODY == "$3") ]]; then
		ok "$what: $code"
	else
		# shellcheck disable=SC2016 # the quotes are text around the expected body
		not_ok "$what: got $CODE '$BODY', want $code${3:+ '$3'}"
	fi
}

# --- no session -----------------------------------------------------------------------------
get -H "Accept: $HTML" "/members/a.txt?x=1"
expect "no cookie, a browser" 302
if grep -qx "Location: /auth/sign-in?callbackURL=%2Fmembers%2Fa.txt%3Fx%3D1" <<<"$HDRS"; then
	ok "sent to /auth/sign-in with the page as callbackURL"
else
	not_ok "Location: $(grep -i '^location:' <<<"$HDRS" || echo none)"
fi
get -H "Accept: application/json" /members/a.txt
expect "no cookie, an API client" 401 "$E_UNAUTHORIZED"
get /members/public/a.txt
expect "public rule, no cookie" 200 "members public"
get /elsewhere
expect "'/ deny' outside /members/ (lighttpd asks nobody there)" 404

# --- signed in ------------------------------------------------------------------------------
JAR=$TEST_TMP/cookies
code=$(curl -s -m 30 -c "$JAR" -o "$TEST_TMP/signup" -w '%{http_code}' \
	-H 'Content-Type: application/json' \
	-d "{\"email\":\"$EMAIL\",\"password\":\"password123\",\"name\":\"Alice\"}" \
	"$FRONT_URL/api/auth/sign-up/email") || code=curl-failed
check "$([[ $code == 200 ]] && echo 0 || echo 1)" "sign up: $code"
user_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"]["id"])' \
	"$TEST_TMP/signup" 2>/dev/null || echo none)

get -b "$JAR" -H "Accept: $HTML" /members/a.txt
expect "signed in" 200 "members index"
get -b "$JAR" -X POST -d x=1 /members/a.txt
expect "signed in, POST (GET,POST signed-in): lighttpd sends no body to its authorizer" 200 \
	"members index"
get -b "$JAR" -X PUT /members/a.txt
expect "signed in, PUT: no rule for /members/ lets PUT in ('/ deny')" 403 "$E_FORBIDDEN"
get -b "$JAR" /members/closed/a.txt
expect "deny rule, signed in" 403 "$E_FORBIDDEN"
get -b "$JAR" /members/public/../closed/a.txt
expect "/members/public/../closed/ is judged as /members/closed/" 403 "$E_FORBIDDEN"
get -b "$JAR" /members/%70ublic/%2e%2e/closed/a.txt
expect "percent-encoded dots and letters too" 403 "$E_FORBIDDEN"
get -b "$JAR" /members/verified/a.txt
expect "verified rule, address not verified" 403 "$E_FORBIDDEN"
get -b "$JAR" /members/staff/a.txt
expect "e-mail list, address listed but not verified" 403 "$E_FORBIDDEN"
pg_psql -c "UPDATE \"user\" SET \"emailVerified\" = true WHERE email = '$EMAIL'"
get -b "$JAR" /members/verified/a.txt
expect "verified rule, address verified" 200 "members verified"
get -b "$JAR" /members/staff/a.txt
expect "e-mail list, address listed and verified" 200 "members staff"

token=$(awk '$6 == "better-auth.session_token" { print $7 }' "$JAR")
get -H "Cookie: better-auth.session_token=${token%.*}.AAAA${token#*.}" /members/a.txt
expect "tampered cookie" 401 "$E_UNAUTHORIZED"

# --- raw FastCGI: what the worker writes, whatever the client sent ---------------------------
raw=$(timeout 30 python3 "$RAW" "$POOL_SOCKET" request AUTHORIZER REQUEST_METHOD=GET \
	REQUEST_URI=/members/a.txt "HTTP_COOKIE=better-auth.session_token=$token" \
	HTTP_AUTH_USER_ID=evil HTTP_AUTH_USER_EMAIL=evil@example.com HTTP_X_AUTH_USER_ID=evil \
	HTTP_REMOTE_USER=evil HTTP_VARIABLE_AUTH_USER_ID=evil | tr -d '\r') || raw=
want="Status: 200 OK
Variable-AUTH_USER_ID: $user_id
Variable-AUTH_USER_EMAIL: $EMAIL
Variable-AUTH_USER_NAME: Alice"
if [[ $raw == "$want"* ]] && grep -qx "Variable-REMOTE_USER: $EMAIL" <<<"$raw" &&
	! grep -qi 'evil\|Variable-HTTP_\|Set-Cookie' <<<"$raw"; then
	ok "raw AUTHORIZER: Status first, the session's identity, nothing the client sent"
else
	not_ok "raw AUTHORIZER answer:"$'\n'"# ${raw//$'\n'/$'\n'# }"
fi
raw=$(timeout 30 python3 "$RAW" "$POOL_SOCKET" request FILTER REQUEST_METHOD=GET \
	REQUEST_URI=/api/auth/ok | tr -d '\r') || raw=
if [[ $raw == "Status: 500 "* ]]; then
	ok "a FILTER request (a role authfcgi does not play) gets 500, never 200"
else
	not_ok "FILTER answer: $(head -n 1 <<<"$raw")"
fi
raw=$(timeout 30 python3 "$RAW" "$POOL_SOCKET" request RESPONDER REQUEST_METHOD=GET \
	REQUEST_URI=/x AUTHFCGI_AUTHORIZE=1 AUTHFCGI_ORIGINAL_URI=/members/a.txt \
	AUTHFCGI_ORIGINAL_METHOD=GET "HTTP_COOKIE=better-auth.session_token=$token" | tr -d '\r') ||
	raw=
if [[ $raw == "Status: 200 OK"* ]] && grep -qx "X-Auth-User-Id: $user_id" <<<"$raw" &&
	! grep -qi '^Variable-' <<<"$raw"; then
	ok "nginx style (AUTHFCGI_AUTHORIZE=1): 200 with X-Auth-* headers"
else
	not_ok "nginx style answer:"$'\n'"# ${raw//$'\n'/$'\n'# }"
fi

# --- the rules are settings: re-read on SIGHUP, checked at start ------------------------------
write_rules public
kill -HUP "$POOL_PID"
deadline=$((SECONDS + 30))
until get /members/closed/a.txt && [[ $CODE == 200 ]]; do
	((SECONDS < deadline)) || break
	sleep 0.1
done
expect "after SIGHUP, the new rule for /members/closed/" 200 "members closed"
before=$(pool_count_events reload_failed)
printf '/members/closed/ nobody\n' >"$RULES.tmp"
unpriv_file "$RULES.tmp"
mv -f "$RULES.tmp" "$RULES"
kill -HUP "$POOL_PID"
deadline=$((SECONDS + 30))
until (($(pool_count_events reload_failed) > before)) || ((SECONDS >= deadline)); do
	sleep 0.1
done
if grep 'event=reload_failed' "$POOL_LOG" | tail -n 1 | grep -qF "$RULES:1: unknown decision"; then
	ok "a broken rules file on SIGHUP: reload_failed naming $RULES:1"
else
	not_ok "reload_failed line: $(grep 'event=reload_failed' "$POOL_LOG" | tail -n 1)"
fi
get /members/closed/a.txt
expect "the rules in force stay" 200 "members closed"
start_out=$(AUTHFCGI_SOCKET=$TEST_TMP/never.sock timeout 30 "$AUTHFCGI_BIN" serve 2>&1) &&
	rc=0 || rc=$?
if ((rc == 78)) && [[ $start_out == "authfcgi: $RULES:1: unknown decision (public, signed-in, verified, email:..., role:..., two-factor, deny): nobody" ]]; then
	ok "a broken rules file at start: one line naming file:line, exit 78"
else
	not_ok "start with a broken rules file: exit $rc, '$start_out'"
fi
write_rules two-factor
start_out=$(AUTHFCGI_TWO_FACTOR=off AUTHFCGI_SOCKET=$TEST_TMP/never.sock timeout 30 \
	"$AUTHFCGI_BIN" serve 2>&1) && rc=0 || rc=$?
if ((rc == 78)) && [[ $start_out == "authfcgi: $RULES:3: two-factor rules need the second factor: turn the two-factor plugin on (AUTHFCGI_TWO_FACTOR=on)" ]]; then
	ok "a two-factor rule without AUTHFCGI_TWO_FACTOR at start: one line naming file:line, exit 78"
else
	not_ok "start with a two-factor rule, plugin off: exit $rc, '$start_out'"
fi
write_rules deny

# --- fail closed ----------------------------------------------------------------------------
# A worker killed while it checks: a table lock holds its session lookup, the check is seen
# waiting in pg_stat_activity, the workers are killed; lighttpd must not let the request in.
fifo=$TEST_TMP/lock.fifo
mkfifo "$fifo"
pg_psql <"$fifo" >/dev/null 2>&1 &
locker=$!
exec 7>"$fifo"
echo 'BEGIN; LOCK TABLE session IN ACCESS EXCLUSIVE MODE; SELECT 1;' >&7
# The check starts only once the lock is held: before that it would simply be answered.
deadline=$((SECONDS + 30))
until [[ $(pg_psql -At -c "SELECT count(*) FROM pg_locks WHERE relation = 'session'::regclass AND mode = 'AccessExclusiveLock' AND granted") == 1 ]]; do
	((SECONDS < deadline)) || break
	sleep 0.1
done
get -b "$JAR" /members/a.txt &
getter=$!
deadline=$((SECONDS + 30)) seen=no
while ((SECONDS < deadline)); do
	waiting=$(pg_psql -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'authfcgi' AND wait_event_type = 'Lock'")
	if ((waiting >= 1)); then
		seen=yes
		break
	fi
	sleep 0.1
done
# Every worker: the one that holds the check among them (an old generation may linger).
killed=$(pool_worker_pids)
for worker in $killed; do kill -KILL "$worker"; done
wait "$getter" || true
echo 'COMMIT;' >&7
exec 7>&-
wait "$locker" || true
code=$(awk 'NR == 1 { print $2 }' "$TEST_TMP/headers" 2>/dev/null || true)
if [[ $seen == yes && $code == 5?? ]]; then
	ok "a worker killed mid-check: lighttpd answers $code, not the file"
else
	not_ok "a worker killed mid-check: status '${code:-none}' (check seen waiting: $seen)"
fi
# A new worker, not the killed ones still counted (a zombie is a child until it is reaped).
# shellcheck disable=SC2086 # a list of pids
pool_wait_replaced 1 $killed || true
get -b "$JAR" /members/a.txt
expect "the replaced worker allows again" 200 "members index"

pg_stop
get -b "$JAR" -H "Accept: $HTML" /members/a.txt
expect "database stopped: 503, never the file" 503
get /members/public/a.txt
expect "database stopped: a public rule needs no database" 200 "members public"

stack_sanitizer_clean pool "$POOL_LOG"
finish
