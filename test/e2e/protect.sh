#!/bin/bash
# shellcheck disable=SC2119 # pool_start and front_stop take no arguments here
# test/e2e/protect.sh - "protect any path" end to end (issue 11): the demo area of
# deploy/protect/*.conf (/private/, a static directory, and /private/whoami, a CGI answering
# the identity it received) behind lighttpd (FastCGI Authorizer), nginx (auth_request) and
# Apache + mod_fcgid (FcgidAccessChecker, also from an .htaccess), with the same rendered
# configs deploy/quickstart runs. Per front: no cookie -> sign-in (HTML) / 401 (JSON); signed
# in through the JSON API -> 200 with the right identity; spoofed identity headers never reach
# the app; mod_fcgid's Variable-* headers never reach the client; tampered and expired cookies
# denied; signed out -> denied again; access rules (public, verified, deny, e-mail list, a
# host rule also without a Host, a method rule with the method in lower case);
# database stopped -> never 200.
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

TRUSTED=http://localhost:8080
COOKIE=better-auth.session_token
SPOOF=spoofed-identity

watchdog 400
tmpdir_new
stack_db

RULES=$TEST_TMP/access.rules
cat >"$RULES" <<-'EOF'
	# protect.sh: one of each decision, first match wins
	/private/open POST deny
	/private/open public
	/private/verified verified
	/private/closed deny
	/private/team email:boss@example.com,@team.example
	/private/guest host=localhost deny
	/private/guest public
	/private/ signed-in
EOF
chmod 0644 "$RULES"
export AUTHFCGI_ACCESS_RULES=$RULES
export AUTHFCGI_BASE_URL=$TRUSTED
export AUTHFCGI_TRUSTED_ORIGINS=$TRUSTED
export AUTHFCGI_RATE_LIMIT=off
# The admin plugin adds Variable-AUTH_USER_ROLE / X-Auth-User-Role to the identity.
export AUTHFCGI_ADMIN=true
export AUTHFCGI_PASSWORD_COST=1
pool_start

# req [CURL ARGS...] URL - one request: CODE, BODY, HDRS (the response header lines).
req() {
	local out=$TEST_TMP/body hdr=$TEST_TMP/headers
	CODE=$(curl -s -m 20 -o "$out" -D "$hdr" -w '%{http_code}' "$@") || CODE=000
	BODY=$(<"$out")
	HDRS=$(tr -d '\r' <"$hdr")
}

# expect NAME WANT [CURL ARGS...] URL - the status is WANT (a regex), else the exchange shows.
# MET is 1 when it was.
expect() {
	local name=$1 want=$2
	shift 2
	req "$@"
	MET=0
	if [[ $CODE =~ ^($want)$ ]]; then
		ok "$KIND: $name ($CODE)"
		MET=1
		return 0
	fi
	not_ok "$KIND: $name: status $CODE, expected $want"
	printf '%s\n' "$HDRS" | head -12 | sed 's/^/#   /'
	printf '%s\n' "${BODY:0:300}" | sed 's/^/#   /'
}

# denied NAME [CURL ARGS...] URL - a browser without a valid session is sent to sign in:
# lighttpd and nginx redirect to the sign-in page with the path as callbackURL; mod_fcgid
# turns every denial into 401, answered by the sign-in page (ErrorDocument 401).
denied() {
	local name=$1 path
	shift
	path=${*: -1}
	path=${path#"$FRONT_URL"}
	path=${path//%/%25}
	path=${path//\//%2F}
	path=${path//\?/%3F}
	path=${path//=/%3D}
	if [[ $KIND == apache ]]; then
		expect "$name: $APACHE_DENIED, the sign-in page" "$APACHE_DENIED" -H 'Accept: text/html' "$@"
		if ((MET && PAGES)) && [[ $BODY != *"<form"* ]]; then
			not_ok "$KIND: $name: no sign-in form in ${BODY:0:200}"
		elif ((MET && PAGES)) && [[ $BODY != *"action=\"/auth/sign-in?callbackURL=$path\""* ]]; then
			not_ok "$KIND: $name: the form does not return to $path: ${BODY:0:600}"
		fi
		return
	fi
	expect "$name: redirect to sign in" 302 -H 'Accept: text/html' "$@"
	((MET)) || return 0
	if grep -qixF "location: /auth/sign-in?callbackURL=$path" <<<"$HDRS"; then
		ok "$KIND: $name: Location /auth/sign-in?callbackURL=$path"
	else
		not_ok "$KIND: $name: Location is $(grep -i '^location:' <<<"$HDRS")"
	fi
}

# json_denied NAME STATUS CODE [CURL ARGS...] URL - an API client's denial: STATUS with the
# JSON error CODE (Apache: every denial is mod_fcgid's 401, whose ErrorDocument for an API
# client is the 401 JSON).
json_denied() {
	local name=$1 status=$2 code=$3
	shift 3
	[[ $KIND == apache ]] && status=401 code=UNAUTHORIZED
	expect "$name" "$status" -H 'Accept: application/json' "$@"
	((MET)) || return 0
	if [[ $(jq -r .code <<<"$BODY" 2>/dev/null) == "$code" ]]; then
		ok "$KIND: $name: JSON code $code"
	else
		not_ok "$KIND: $name: body $BODY"
	fi
}

# sign_up JAR EMAIL - a new user through the JSON API; USER_ID is its id.
sign_up() {
	local jar=$1 email=$2
	rm -f "$jar"
	req -c "$jar" -H "Origin: $TRUSTED" -H 'Content-Type: application/json' \
		--data "{\"email\":\"$email\",\"password\":\"correct-horse-battery\",\"name\":\"N $email\"}" \
		"$FRONT_URL/api/auth/sign-up/email"
	USER_ID=$(jq -r .user.id <<<"$BODY" 2>/dev/null || true)
	[[ $CODE == 200 && -n $USER_ID && $USER_ID != null ]]
}

# whoami_is JAR EMAIL ID VERIFIED - /private/whoami answers with that identity, and nothing
# of the spoofed headers sent along; the answer carries no Variable-* nor Set-Cookie header.
whoami_is() {
	local jar=$1 email=$2 id=$3 verified=$4 want got
	expect "signed in: whoami" 200 -b "$jar" \
		-H "X-Auth-User-Id: $SPOOF" -H "X-Auth-User-Email: $SPOOF@evil.example" \
		-H "X_Auth_User_Email: $SPOOF@evil.example" -H "Auth-User-Id: $SPOOF" \
		-H "Auth_User_Id: $SPOOF" -H "Remote-User: $SPOOF" -H "Remote_User: $SPOOF" \
		-H "X-Auth-Email-Verified: true" -H "X-Auth-User-Role: $SPOOF" -H "Auth-User-Role: $SPOOF" \
		-H "X_Auth_User_Role: $SPOOF" "$FRONT_URL/private/whoami"
	((MET)) || return 0
	want="$email|$id|N $email|$verified|$email|user|{}"
	got=$(jq -r '[.AUTH_USER_EMAIL, .AUTH_USER_ID, .AUTH_USER_NAME, .AUTH_EMAIL_VERIFIED,
		.REMOTE_USER, .AUTH_USER_ROLE, (.headers | tostring)] | join("|")' <<<"$BODY" 2>/dev/null || true)
	if [[ $got == "$want" ]] && [[ $(jq -r .AUTH_SESSION_ID <<<"$BODY") =~ ^[A-Za-z0-9_-]+$ ]]; then
		ok "$KIND: whoami: AUTH_* and REMOTE_USER of $email"
	else
		not_ok "$KIND: whoami: got [$got], expected [$want]: $BODY"
	fi
	if [[ $BODY != *"$SPOOF"* ]]; then
		ok "$KIND: spoofed identity headers never reach the app"
	else
		not_ok "$KIND: a spoofed header reached the app: $BODY"
	fi
	if grep -qiE '^(variable-|set-cookie:)' <<<"$HDRS"; then
		not_ok "$KIND: the authorizer's headers leak to the client: $(grep -iE '^(variable-|set-cookie:)' <<<"$HDRS" | tr '\n' ' ')"
	else
		ok "$KIND: no Variable-* or Set-Cookie of the authorizer reaches the client"
	fi
}

# tampered JAR OUT - OUT is JAR with the session cookie's signature altered.
tampered() {
	awk -v c="$COOKIE" 'BEGIN { OFS = "\t" } $6 == c { $7 = substr($7, 1, length($7) - 4) "AAAA" } { print }' \
		"$1" >"$2"
}

protect_suite() {
	local jar=$TEST_TMP/jar-$KIND email=user-$KIND@example.com other=$TEST_TMP/jar-$KIND-team
	local www=$FRONT_DIR/www/private d
	for d in open verified closed team guest; do
		mkdir -p "$www/$d" && printf '<p>%s area</p>\n' "$d" >"$www/$d/index.html"
	done
	chmod -R a+rX "$www"

	denied "no cookie: /private/" "$FRONT_URL/private/"
	denied "no cookie: /private/whoami?x=1" "$FRONT_URL/private/whoami?x=1"
	denied "no cookie: an escaped path" "$FRONT_URL/private/caf%C3%A9/a%20b"
	json_denied "no cookie, JSON client" 401 UNAUTHORIZED "$FRONT_URL/private/whoami"
	expect "public rule: open without a session" 200 "$FRONT_URL/private/open/"
	expect "host rule: another Host passes it by" 200 "$FRONT_URL/private/guest/"
	json_denied "host rule: its Host" 403 FORBIDDEN -H 'Host: localhost' "$FRONT_URL/private/guest/"
	# An absolute request target names the host served: a Host header saying another does not
	# pick the rules (nginx and Apache pass the target's host on; lighttpd says 400).
	expect "host rule: a Host the request target contradicts" '40[013]' \
		-H 'Host: guest.example' --request-target "http://localhost/private/guest/" "$FRONT_URL/"
	# No Host (HTTP/1.0): the host rule is not skipped for the wider public one (nginx names
	# its server's host).
	json_denied "host rule: a request without a Host" 403 FORBIDDEN --http1.0 -H 'Host:' \
		"$FRONT_URL/private/guest/"
	# Apache passes a method in lower case on to the app (its own files answer 501; nginx says
	# 400, lighttpd 501): "POST deny" must judge it.
	local lower='400|501'
	[[ $KIND == apache ]] && lower=401
	expect "method in lower case: the POST rule" "$lower" -X post "$FRONT_URL/private/open/"
	# Other spellings of the protected paths: the server matches the path it serves.
	local p codes=""
	for p in /%70rivate/whoami //private/whoami /private/./whoami /open/../private/whoami \
		/private//whoami /private/whoami/ /private/open/../whoami /private/open/%2e%2e/whoami; do
		req --path-as-is -H 'Accept: application/json' "$FRONT_URL$p"
		codes+=" $CODE"
		if [[ $CODE == 200 || $BODY == *AUTH_USER* ]]; then
			not_ok "$KIND: no cookie: $p answered $CODE: ${BODY:0:100}"
		fi
	done
	ok "$KIND: no cookie: other spellings of /private/whoami not served ($codes)"
	# A raw '#': nginx and lighttpd serve the path before it (the closed area here) but pass the
	# whole target on, which would read as the open area after its dot segments. authfcgi
	# refuses it (403); Apache refuses a fragment itself (400).
	req --request-target '/private/closed/index.html#/../../open/' "$FRONT_URL/"
	if [[ $CODE =~ ^40[03]$ && $BODY != *"closed area"* ]]; then
		ok "$KIND: a raw '#' in the path cannot borrow another rule ($CODE)"
	else
		not_ok "$KIND: /private/closed/index.html#/../../open/ answered $CODE: ${BODY:0:100}"
	fi

	if ! sign_up "$jar" "$email"; then
		not_ok "$KIND: sign-up through the JSON API: $CODE $BODY"
		return 0
	fi
	expect "signed in: static /private/" 200 -b "$jar" "$FRONT_URL/private/"
	if [[ $BODY == *"<h1>Private area</h1>"* ]]; then ok "$KIND: the static page"; else
		not_ok "$KIND: /private/ body: ${BODY:0:200}"
	fi
	whoami_is "$jar" "$email" "$USER_ID" false

	json_denied "verified rule, unverified user" 403 FORBIDDEN -b "$jar" "$FRONT_URL/private/verified/"
	json_denied "deny rule, even signed in" 403 FORBIDDEN -b "$jar" "$FRONT_URL/private/closed/"
	json_denied "e-mail rule, another address" 403 FORBIDDEN -b "$jar" "$FRONT_URL/private/team/"
	pg_psql -c "UPDATE \"user\" SET \"emailVerified\" = true WHERE id = '$USER_ID'"
	expect "verified rule, verified user" 200 -b "$jar" "$FRONT_URL/private/verified/"
	whoami_is "$jar" "$email" "$USER_ID" true
	if sign_up "$other" "someone-$KIND@team.example"; then
		pg_psql -c "UPDATE \"user\" SET \"emailVerified\" = true WHERE id = '$USER_ID'"
		expect "e-mail rule, an address of the listed domain" 200 -b "$other" "$FRONT_URL/private/team/"
	else
		not_ok "$KIND: second sign-up: $CODE $BODY"
	fi

	tampered "$jar" "$jar.bad"
	denied "tampered cookie" -b "$jar.bad" "$FRONT_URL/private/"
	json_denied "tampered cookie, JSON client" 401 UNAUTHORIZED -b "$jar.bad" "$FRONT_URL/private/whoami"

	if [[ $KIND == apache ]]; then
		denied "no cookie: /shared/ (.htaccess)" "$FRONT_URL/shared/"
		expect "signed in: /shared/ (.htaccess)" 200 -b "$jar" "$FRONT_URL/shared/"
		if grep -qiE '^variable-' <<<"$HDRS"; then
			not_ok "$KIND: .htaccess: Variable-* headers leak to the client"
		else
			ok "$KIND: .htaccess: no Variable-* header reaches the client"
		fi
	fi

	# Sign out: the same cookie is refused afterwards.
	cp "$jar" "$jar.old"
	expect "sign out" 200 -b "$jar" -c "$jar" -H "Origin: $TRUSTED" \
		-H 'Content-Type: application/json' --data '{}' "$FRONT_URL/api/auth/sign-out"
	denied "signed out: the old cookie" -b "$jar.old" "$FRONT_URL/private/"

	# Expired: the other user's session ends in the database.
	pg_psql -c "UPDATE session SET \"expiresAt\" = now() - interval '1 minute' WHERE \"userId\" = '$USER_ID'"
	json_denied "expired session" 401 UNAUTHORIZED -b "$other" "$FRONT_URL/private/team/"
}

# db_down_suite - with PostgreSQL stopped, a valid cookie never gets in; up again afterwards.
db_down_suite() {
	local jar=$TEST_TMP/jar-$KIND-db i codes=""
	sign_up "$jar" "db-$KIND@example.com" || {
		not_ok "$KIND: sign-up before stopping the database: $CODE"
		return 0
	}
	expect "database up: whoami" 200 -b "$jar" "$FRONT_URL/private/whoami"
	pg_stop
	for i in 1 2 3; do
		req -b "$jar" -H 'Accept: application/json' "$FRONT_URL/private/whoami"
		codes+=" $CODE"
	done
	if [[ $codes != *200* && $codes != *000* ]]; then
		ok "$KIND: database stopped: denied ($codes)"
	else
		not_ok "$KIND: database stopped: statuses$codes"
	fi
	_pg_ctl start
	wait_http "$FRONT_URL/readyz" 30 || true
}

# Apache answers every denial with the ErrorDocument, the built-in sign-in page: 401 as
# mod_fcgid says, or 404 in a build without the pages (s11/pages), whose ErrorDocument
# target is then missing.
PAGES=0
APACHE_DENIED=404
for KIND in ${PROTECT_FRONTS:-lighttpd nginx apache}; do
	if ! front_start "$KIND" "$(free_port)"; then
		not_ok "$KIND starts"
		continue
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
	req -H 'Accept: text/html' "$FRONT_URL/auth/sign-in"
	if [[ $CODE == 200 ]]; then PAGES=1 APACHE_DENIED=401; fi
	# authfcgi answers every request with X-Request-Id; the server's own 404 has none.
	if grep -qi '^x-request-id:' <<<"$HDRS"; then
		ok "$KIND: /auth/ is forwarded to authfcgi ($CODE)"
	else
		not_ok "$KIND: /auth/sign-in not answered by authfcgi: $CODE"
	fi
	protect_suite
	db_down_suite
	front_stop
	if [[ $KIND == apache ]]; then
		stack_sanitizer_clean apache "$FRONT_ERROR_LOG"
	fi
done
stack_sanitizer_clean pool "$POOL_LOG"

finish
