#!/bin/bash
# betterauth_db.sh - a database Better Auth created, with users in it, taken over by authfcgi:
# Better Auth's schema and rows (test/fixtures/betterauth-{schema,rows}.sql) plus one user per
# password hash the REAL Better Auth made (test/fixtures/betterauth-hashes.tsv); `authfcgi
# migrate` keeps every row; then, through lighttpd and the pool, each user signs in with each
# spelling Better Auth accepted (200, a session cookie that get-session accepts), the hash is
# upgraded to yescrypt, and signing in again still works. Last, the rate limit through the
# stack: the 4th sign-in within 10 s is refused with 429 and X-Retry-After, one count in
# PostgreSQL for the pool's workers.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"
# shellcheck source=test/lib/front.sh
source "$top_srcdir/test/lib/front.sh"

watchdog 600
tmpdir_new
FIX=$top_srcdir/test/fixtures

need_tools curl jq lighttpd

pg_start

# rows_of - every row of Better Auth's four tables, in a stable order (the plugins' columns,
# which the migrations add, left out).
rows_of() {
	local t
	for t in '"user"' session account verification; do
		pg_psql -At -c "SELECT '$t', (to_jsonb(x) - 'role' - 'banned' - 'banReason' - 'banExpires'
		                - 'impersonatedBy' - 'twoFactorEnabled')::text FROM public.$t x ORDER BY id"
	done
}

# 1. What Better Auth left: its schema, its rows, and users with the hashes it made.
pg_psql -f "$FIX/betterauth-schema.sql" >/dev/null
pg_psql -f "$FIX/betterauth-rows.sql" >/dev/null

# users.tsv: email<TAB>password, one line per spelling; one user per distinct hash.
declare -A user_of_hash=()
n=0
: >"$TEST_TMP/users.tsv"
: >"$TEST_TMP/insert.sql"
while IFS=$'\t' read -r password hash; do
	[[ -z $password || $password == \#* ]] && continue
	if [[ ! $hash =~ ^[0-9a-f]{32}:[0-9a-f]{128}$ ]]; then
		not_ok "fixture hash of the form <32 hex>:<128 hex>: $hash"
		continue
	fi
	if [[ -z ${user_of_hash[$hash]:-} ]]; then
		n=$((n + 1))
		id=$(printf 'bauser%026d' "$n")
		user_of_hash[$hash]=ba$n@example.com
		# As Better Auth writes them: ms timestamps, emailVerified false, accountId = user id.
		cat >>"$TEST_TMP/insert.sql" <<-SQL
			INSERT INTO "user" (id, name, email, "emailVerified", image, "createdAt", "updatedAt")
			VALUES ('$id', 'Better Auth user $n', 'ba$n@example.com', false, NULL,
			        '2026-11-25 18:43:11.675+00', '2026-11-25 18:43:11.675+00');
			INSERT INTO account (id, "accountId", "providerId", "userId", password, "createdAt", "updatedAt")
			VALUES ('$(printf 'baacct%026d' "$n")', '$id', 'credential', '$id', '$hash',
			        '2026-11-25 18:43:11.680+00', '2026-11-25 18:43:11.680+00');
		SQL
	fi
	printf '%s\t%s\n' "${user_of_hash[$hash]}" "$password" >>"$TEST_TMP/users.tsv"
done <"$FIX/betterauth-hashes.tsv"
# The two users of the rows fixture, whose hashes Better Auth made too.
printf '%s\t%s\n' alice@example.com 'correct horse battery staple' \
	bob@example.com 'Pässwörd-ＡＢＣ-123' >>"$TEST_TMP/users.tsv"
pg_psql -f "$TEST_TMP/insert.sql" >/dev/null
users=$(cut -f1 "$TEST_TMP/users.tsv" | sort -u | wc -l)
if ((n >= 10 && users == n + 2)); then
	ok "$n users with Better Auth's hashes, $(wc -l <"$TEST_TMP/users.tsv") spellings"
else
	not_ok "users from betterauth-hashes.tsv ($n hashes, $users users)"
fi

# 2. authfcgi migrate over it: every row intact.
rows_of >"$TEST_TMP/rows.before"
if "$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1; then
	ok "authfcgi migrate over Better Auth's database"
else
	not_ok "authfcgi migrate over Better Auth's database"
	show_log "$TEST_TMP/migrate.log"
	finish
fi
rows_of >"$TEST_TMP/rows.after"
if diff -u "$TEST_TMP/rows.before" "$TEST_TMP/rows.after" >"$TEST_TMP/rows.diff"; then
	ok "migrate kept every row ($(wc -l <"$TEST_TMP/rows.after"))"
else
	not_ok "migrate kept every row"
	sed 's/^/# /' "$TEST_TMP/rows.diff" | head -20
fi

# 3. The pool behind lighttpd. Rate limits off for the many sign-ins (one client address);
# they get their own pool in step 5.
port=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$port AUTHFCGI_WORKERS=2 AUTHFCGI_RATE_LIMIT=off
if ! pool_start; then
	not_ok "authfcgi serve starts"
	finish
fi
if ! front_start lighttpd "$port"; then
	not_ok "lighttpd starts on port $port"
	finish
fi
wait_http "$FRONT_URL/readyz" 20 || true

# sign_in EMAIL PASSWORD - POST /sign-in/email; sets CODE, BODY (file), HEADERS (file).
BODY=$TEST_TMP/body HEADERS=$TEST_TMP/headers
sign_in() {
	jq -cn --arg e "$1" --arg p "$2" '{email: $e, password: $p}' >"$TEST_TMP/request.json"
	CODE=$(curl -s -m 30 -X POST -H 'Content-Type: application/json' \
		--data-binary "@$TEST_TMP/request.json" -D "$HEADERS" -o "$BODY" -w '%{http_code}' \
		"$FRONT_URL/api/auth/sign-in/email") || CODE="curl-exit-$?"
}

# session_cookie - the better-auth.session_token cookie (name=value) the last response set.
session_cookie() {
	tr -d '\r' <"$HEADERS" | sed -n 's/^[Ss]et-[Cc]ookie: \(better-auth\.session_token=[^;]*\);.*/\1/p' |
		head -n 1
}

# signed_in EMAIL - the last response is a 200 for EMAIL with a session cookie, and
# get-session with that cookie answers EMAIL's session.
signed_in() {
	local email=$1 cookie got
	[[ $CODE == 200 ]] || return 1
	[[ $(jq -r '.user.email' "$BODY") == "$email" ]] || return 1
	[[ $(jq -r '.token | length' "$BODY") == 32 ]] || return 1
	cookie=$(session_cookie)
	[[ -n $cookie ]] || return 1
	got=$(curl -s -m 10 -H "Cookie: $cookie" "$FRONT_URL/api/auth/get-session" | jq -r '.user.email') ||
		return 1
	[[ $got == "$email" ]]
}

stored_hash() {
	pg_psql -At -c "SELECT a.password FROM account a JOIN \"user\" u ON u.id = a.\"userId\"
	                WHERE u.email = '$1' AND a.\"providerId\" = 'credential'"
}

# 4. Every spelling of every user signs in; the first sign-in upgrades the hash to yescrypt.
fails=0 upgraded=0 signins=0
declare -A seen=()
while IFS=$'\t' read -r email password; do
	first=false
	[[ -z ${seen[$email]:-} ]] && first=true
	seen[$email]=1
	before=$(stored_hash "$email")
	sign_in "$email" "$password"
	signins=$((signins + 1))
	if ! signed_in "$email"; then
		fails=$((fails + 1))
		not_ok "sign-in as $email with a password Better Auth accepted: $CODE $(head -c 200 "$BODY")"
		continue
	fi
	after=$(stored_hash "$email")
	if $first; then
		if [[ $before == *:* && $after == '$y$'* ]]; then
			upgraded=$((upgraded + 1))
		else
			fails=$((fails + 1))
			not_ok "$email: hash upgraded from Better Auth's scrypt to yescrypt (now ${after:0:8}...)"
			continue
		fi
		# Again with the same password, now against the yescrypt hash.
		sign_in "$email" "$password"
		signins=$((signins + 1))
		if ! signed_in "$email" || [[ $(stored_hash "$email") != "$after" ]]; then
			fails=$((fails + 1))
			not_ok "$email: signs in again after the upgrade (hash unchanged): $CODE"
		fi
	elif [[ $after != "$before" ]]; then
		fails=$((fails + 1))
		not_ok "$email: a yescrypt hash is not rewritten on sign-in"
	fi
done <"$TEST_TMP/users.tsv"
if ((fails == 0)); then
	ok "$signins sign-ins through lighttpd: every Better Auth user and spelling, $upgraded hashes upgraded to yescrypt"
fi
if ((upgraded == n + 2)); then ok "every user's hash is yescrypt now"; else not_ok "$upgraded of $((n + 2)) hashes upgraded"; fi
# A wrong password is still refused after the upgrade.
sign_in ba1@example.com 'not-the-password'
if [[ $CODE == 401 && $(jq -r .code "$BODY") == INVALID_EMAIL_OR_PASSWORD ]]; then
	ok "wrong password after the upgrade: 401 INVALID_EMAIL_OR_PASSWORD"
else
	not_ok "wrong password after the upgrade: $CODE $(head -c 200 "$BODY")"
fi
# One new session row per sign-in, its token stored hashed (64 hex digits); the two sessions
# Better Auth left (raw 32-character tokens) are still there.
hashed=$(pg_psql -At -c 'SELECT count(*) FROM session WHERE length(token) = 64')
raw=$(pg_psql -At -c 'SELECT count(*) FROM session WHERE length(token) = 32')
if [[ $hashed == "$signins" && $raw == 2 ]]; then
	ok "one session row per sign-in ($hashed, tokens hashed), Better Auth's 2 sessions kept"
else
	not_ok "session rows: $hashed hashed for $signins sign-ins, $raw raw (want 2)"
fi

# 5. Rate limits through the stack: Better Auth's 3 sign-ins per 10 s per client and path,
# counted in PostgreSQL, whichever worker takes the request.
front_stop "$FRONT_PID"
pool_stop 10
unset AUTHFCGI_RATE_LIMIT
pool_start || {
	not_ok "authfcgi serve starts with rate limits on"
	finish
}
front_start lighttpd "$port" || {
	not_ok "lighttpd starts again"
	finish
}
wait_http "$FRONT_URL/readyz" 20 || true
codes=()
for i in 1 2 3 4; do
	sign_in alice@example.com 'wrong password!'
	codes+=("$CODE")
done
retry=$(tr -d '\r' <"$HEADERS" | sed -n 's/^[Xx]-[Rr]etry-[Aa]fter: //p')
if [[ ${codes[*]} == "401 401 401 429" ]]; then
	ok "rate limit: 3 sign-ins allowed, the 4th refused (${codes[*]})"
else
	not_ok "rate limit: expected 401 401 401 429, got ${codes[*]}"
fi
if [[ $retry =~ ^(9|10)$ && $(jq -r .message "$BODY") == 'Too many requests. Please try again later.' ]]; then
	ok "429 with X-Retry-After: $retry and Better Auth's message"
else
	not_ok "429 answer: X-Retry-After '$retry', body $(head -c 200 "$BODY")"
fi
# The right password is refused too while the window lasts (successes and failures count alike).
sign_in alice@example.com 'correct horse battery staple'
if [[ $CODE == 429 ]]; then ok "rate limit: the right password waits too"; else not_ok "rate limit: right password got $CODE"; fi
count=$(pg_psql -At -c "SELECT count FROM authfcgi_rate_limit WHERE key LIKE '%|/sign-in/email'")
if [[ $count == 3 ]]; then
	ok "one count in authfcgi_rate_limit for the client and path: 3 (refused requests write nothing)"
else
	not_ok "authfcgi_rate_limit count for sign-in: '$count'"
fi
finish
