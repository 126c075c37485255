#!/bin/bash
# shellcheck disable=SC2119 # pool_start takes no arguments here
# test/e2e/api.sh - the Better Auth-compatible API end to end: PostgreSQL, `authfcgi serve`
# and a real web server (lighttpd, then nginx) in front. Every endpoint's success path and
# the recorded error cases of ../shared/betterauth/transcripts.txt (section in each case
# name) as one-line cases, cookie round trips through curl's jar with Origin on the
# cookie-bearing POSTs, the sliding refresh and expiry through SQL, bearer tokens, concurrent
# duplicate sign-ups, and a rate-limit case with the limiter on. Every response (status,
# headers, body) is finally checked against schema/openapi.yaml by test/lib/openapi_check.py.
#
# A case:   t NAME METHOD PATH [REQUEST...] -- STATUS [CHECK...]
#   PATH     below /api/auth; "=/healthz" for a path outside it.
#   REQUEST  json BODY | form BODY | body BODY (as is, give a Content-Type with H) | H 'Name: v'
#            | as USER (cookie jar USER, read and written; a non-GET also gets the trusted
#            Origin unless noorigin) | cookie 'name=value' | bearer TOKEN
#   CHECK    CODE (an upper-case word: .code) | nocode | msg=TEXT (.message) | raw=TEXT
#            (the whole body) | has=TEXT (in the body, as sent) | empty | a jq expression
#            (true) | hdr:NAME=REGEX | nohdr:NAME | signed (each cookie set carries the
#            HMAC-SHA256 of its value under the test secret)
#            | cookies:KIND,... (the Set-Cookie lines in order; KIND = session, short
#            (no Max-Age), dont_remember, delete3 (the three deletion lines), data (only the
#            session_data deletion), none) | authtoken (set-auth-token is the session
#            cookie, decoded, of .token) | VAR<-.jq or VAR<-hdr:NAME (capture)
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

PY=/usr/bin/python3
TRUSTED=http://localhost:8080
EVIL=https://evil.example

watchdog 400
tmpdir_new
if ! "$PY" -c 'import yaml, jsonschema' 2>/dev/null; then
	not_ok "$PY imports yaml and jsonschema (python3-yaml, python3-jsonschema)"
	finish
fi
stack_db

# The reference server's configuration (PROTOCOL.md header), with our own client-address
# rule: the web server on 127.0.0.1 is the trusted proxy whose X-Forwarded-For counts.
export AUTHFCGI_BASE_URL=http://127.0.0.1:3000
export AUTHFCGI_TRUSTED_ORIGINS=$TRUSTED
export AUTHFCGI_TRUSTED_PROXIES=127.0.0.1/32
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_DELETE_USER=on
export AUTHFCGI_WORKERS=4
pool_start

EX=$TEST_TMP/exchanges
JARS=$TEST_TMP/jars
mkdir -p "$EX" "$JARS"
N=0
KIND=

# ---- the case runner -----------------------------------------------------------------------
# Lean on processes (a case is one curl and at most one jq): the machine running the suite
# may be busy, and a fork costs more than the request.

declare -A R_HDR # the last response's headers: lower-case name -> first value
R_SETCOOKIES=()  # its Set-Cookie lines, in order

# parse_headers - fill R_HDR and R_SETCOOKIES from the last response block of R_HEADERS.
parse_headers() {
	local line name value
	R_HDR=() R_SETCOOKIES=()
	[[ -r $R_HEADERS ]] || return 0
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		if [[ $line == HTTP/* ]]; then
			R_HDR=() R_SETCOOKIES=()
			continue
		fi
		[[ $line == *:* ]] || continue
		name=${line%%:*} value=${line#*:}
		name=${name,,} value=${value#"${value%%[! ]*}"}
		[[ $name == set-cookie ]] && R_SETCOOKIES+=("$value")
		[[ -v R_HDR[$name] ]] || R_HDR[$name]=$value
	done <"$R_HEADERS"
}

# cookie_kinds - COOKIE_KINDS = the Set-Cookie lines as KINDs (see the top), comma-separated.
cookie_kinds() {
	local l k
	COOKIE_KINDS=
	for l in "${R_SETCOOKIES[@]}"; do
		l=${l#__Secure-}
		case $l in
		"better-auth.session_token=; Max-Age=0;"*) k=del-token ;;
		"better-auth.session_data=; Max-Age=0;"*) k=del-data ;;
		"better-auth.dont_remember=; Max-Age=0;"*) k=del-dr ;;
		better-auth.session_token=*"; Max-Age=604800;"*) k=session ;;
		better-auth.session_token=*) k=short ;;
		better-auth.dont_remember=true.*) k=dont_remember ;;
		*) k=other ;;
		esac
		COOKIE_KINDS+=${COOKIE_KINDS:+,}$k
	done
}

# jar_cookie USER NAME - a cookie's value in USER's jar.
jar_cookie() {
	[[ -r $JARS/$1 ]] || return 0
	awk -v n="$2" '$6 == n { v = $7 } END { print v }' "$JARS/$1"
}

# request NAME METHOD PATH [REQUEST...] - run it, record the exchange for the contract check.
# Sets R_CODE, R_HEADERS, R_BODY (files), R_NAME, R_HDR and R_SETCOOKIES.
request() {
	local name=$1 method=$2 path=$3 url who="" origin=auto data=no out stem args=()
	shift 3
	while (($#)); do
		case $1 in
		json) args+=(-H 'Content-Type: application/json' --data-raw "$2"); data=yes; shift 2 ;;
		form) args+=(-H 'Content-Type: application/x-www-form-urlencoded' --data-raw "$2"); data=yes; shift 2 ;;
		body) args+=(--data-raw "$2"); data=yes; shift 2 ;;
		H) args+=(-H "$2"); shift 2 ;;
		as) who=$2; shift 2 ;;
		noorigin) origin=none; shift ;;
		cookie) args+=(-H "Cookie: $2"); shift 2 ;;
		bearer) args+=(-H "Authorization: Bearer $2"); shift 2 ;;
		*)
			echo "request: unknown option '$1' in case '$name'" >&2
			return 1
			;;
		esac
	done
	if [[ -n $who ]]; then
		: >>"$JARS/$who"
		args+=(-b "$JARS/$who" -c "$JARS/$who")
		[[ $method != GET && $origin == auto ]] && args+=(-H "Origin: $TRUSTED")
	fi
	N=$((N + 1))
	printf -v stem '%s/%04d' "$EX" "$N"
	R_NAME="$KIND: $name" R_HEADERS=$stem.headers R_BODY=$stem.body out=$stem.body
	case $method in
	GET) ;;
	# --head writes the headers to -o as well: a HEAD answer has no body to keep.
	HEAD) args+=(--head) out=/dev/null ;;
	# A real client's empty POST carries Content-Length: 0 (lighttpd answers 411 without);
	# an empty body counts as none, and curl's default form Content-Type is taken away.
	POST) [[ $data == yes ]] && args+=(-X POST) || args+=(-X POST --data '' -H 'Content-Type:') ;;
	*) args+=(-X "$method") ;;
	esac
	[[ $path == =* ]] && url=$FRONT_URL${path#=} || url=$FRONT_URL/api/auth$path
	: >"$R_BODY"
	R_CODE=$(curl -sS -m 20 -A "${UA:-curl/e2e}" "${args[@]}" -D "$R_HEADERS" -o "$out" \
		-w '%{http_code}' "$url" 2>"$stem.curl") || R_CODE="curl-exit-$?"
	printf '%s\t%s\t%s\t%s\n' "$R_NAME" "$method" "${url#"$FRONT_URL"}" "$R_CODE" >"$stem.meta"
	parse_headers
}

# verify CHECK... - the checks of a case against the last response, in this shell (captures
# set variables); the first failure is left in VERIFY_WHY. The body checks and captures of a
# case go to one jq run.
verify() {
	local c k n=0 var src re prog parts=() labels=() jqargs=() out=()
	for c in "$@"; do
		case $c in
		*'<-'*)
			var=${c%%<-*} src=${c#*<-}
			if [[ $src == hdr:* ]]; then
				src=${src#hdr:}
				[[ -n ${R_HDR[${src,,}]:-} ]] || { VERIFY_WHY="capture $c: no such header"; return 1; }
				printf -v "$var" '%s' "${R_HDR[${src,,}]}"
			else
				parts+=("v($src)") labels+=("=$var")
			fi
			;;
		empty) [[ ! -s $R_BODY ]] || { VERIFY_WHY="body not empty"; return 1; } ;;
		raw=*) [[ $(<"$R_BODY") == "${c#raw=}" ]] || { VERIFY_WHY="body is not ${c#raw=}"; return 1; } ;;
		has=*) [[ $(<"$R_BODY") == *"${c#has=}"* ]] || { VERIFY_WHY="body lacks ${c#has=}"; return 1; } ;;
		signed)
			# Every cookie set is <value>.<base64 HMAC-SHA256(secret, value)>, percent-encoded.
			for src in "${R_SETCOOKIES[@]}"; do
				re=${src#*=} && re=${re%%;*}
				[[ -z $re ]] && continue
				re=${re//%2B/+} && re=${re//%2F//} && re=${re//%3D/=}
				[[ ${re#*.} == "$(printf '%s' "${re%.*}" |
					openssl dgst -sha256 -hmac "$AUTHFCGI_SECRET" -binary | base64)" ]] ||
					{ VERIFY_WHY="bad signature in: $src"; return 1; }
			done
			;;
		hdr:*)
			src=${c#hdr:} && src=${src%%=*} re=${c#hdr:*=}
			[[ ${R_HDR[${src,,}]:-} =~ $re ]] ||
				{ VERIFY_WHY="header $src '${R_HDR[${src,,}]:-}' !~ $re"; return 1; }
			;;
		nohdr:*)
			src=${c#nohdr:}
			[[ -z ${R_HDR[${src,,}]+x} ]] || { VERIFY_WHY="unexpected header $src: ${R_HDR[${src,,}]}"; return 1; }
			;;
		authtoken)
			# set-auth-token = the session cookie's value, decoded, for the body's token.
			re=
			for src in "${R_SETCOOKIES[@]}"; do
				[[ $src == better-auth.session_token=?* ]] && re=${src#*=} && re=${re%%;*}
			done
			re=${re//%2B/+} && re=${re//%2F//} && re=${re//%3D/=}
			[[ -n $re && ${R_HDR[set-auth-token]:-} == "$re" ]] ||
				{ VERIFY_WHY="set-auth-token '${R_HDR[set-auth-token]:-}' is not the cookie's '$re'"; return 1; }
			n=$((n + 1)) && jqargs+=(--arg "a$n" "${re%%.*}")
			parts+=("t(.token == \$a$n)") labels+=("set-auth-token is not for .token")
			;;
		cookies:*)
			re=,${c#cookies:},
			re=${re//,delete3,/,del-token,del-data,del-dr,} && re=${re//,data,/,del-data,}
			re=${re//,none,/,} && re=${re#,} && re=${re%,}
			cookie_kinds
			[[ $COOKIE_KINDS == "$re" ]] ||
				{ VERIFY_WHY="Set-Cookie lines [$COOKIE_KINDS], expected [$re]"; return 1; }
			;;
		nocode) parts+=('t(has("code") | not)') labels+=("has a code") ;;
		msg=*)
			n=$((n + 1)) && jqargs+=(--arg "a$n" "${c#msg=}")
			parts+=("t(.message == \$a$n)") labels+=("message is not '${c#msg=}'")
			;;
		*)
			if [[ $c =~ ^[A-Z][A-Z_]+$ ]]; then
				n=$((n + 1)) && jqargs+=(--arg "a$n" "$c")
				parts+=("t(.code == \$a$n)") labels+=("code is not $c")
			else
				parts+=("t($c)") labels+=("not true: $c")
			fi
			;;
		esac
	done
	((${#parts[@]})) || return 0
	printf -v prog '%s, ' "${parts[@]}"
	prog='def t(f): try (if f then "1" else "0" end) catch "0";
		def v(f): try (f | if type == "string" then . else tojson end) catch "";
		'"${prog%, }"
	mapfile -t out < <(jq -r "${jqargs[@]}" "$prog" <"$R_BODY" 2>&1)
	if ((${#out[@]} != ${#parts[@]})); then
		VERIFY_WHY="body checks did not run (${out[*]:0:2})"
		return 1
	fi
	for ((k = 0; k < ${#parts[@]}; k++)); do
		if [[ ${labels[k]} == =* ]]; then
			[[ -n ${out[k]} && ${out[k]} != null ]] || { VERIFY_WHY="capture ${labels[k]#=}: nothing"; return 1; }
			printf -v "${labels[k]#=}" '%s' "${out[k]}"
		elif [[ ${out[k]} != 1 ]]; then
			VERIFY_WHY=${labels[k]}
			return 1
		fi
	done
}

# t NAME METHOD PATH [REQUEST...] -- STATUS [CHECK...] - one case, one result line.
t() {
	local name=$1 method=$2 path=$3 req=()
	shift 3
	while (($#)) && [[ $1 != "--" ]]; do req+=("$1") && shift; done
	shift
	local want=$1
	shift
	request "$name" "$method" "$path" "${req[@]}" || { not_ok "$KIND: $name (bad case)" && return 0; }
	if [[ $R_CODE != "$want" ]]; then
		not_ok "$R_NAME: status $R_CODE, expected $want; body: $(head -c 300 "$R_BODY")"
	elif verify "$@"; then
		ok "$R_NAME"
	else
		not_ok "$R_NAME: $VERIFY_WHY; body: $(head -c 300 "$R_BODY")"
	fi
}

# db SQL - change the database behind the server's back (time travel); a failure is reported.
db() {
	pg_psql -c "$1" >/dev/null 2>"$TEST_TMP/db.err" || not_ok "$KIND: SQL failed: $1: $(cat "$TEST_TMP/db.err")"
}

# sql NAME QUERY EXPECTED - a database fact after the requests before it.
sql() {
	local got
	got=$(pg_psql -At -c "$2" 2>&1) || true
	if [[ $got == "$3" ]]; then ok "$KIND: $1"; else not_ok "$KIND: $1: got '$got', expected '$3'"; fi
}

# ---- the cases -----------------------------------------------------------------------------

run_cases() {
	local e=$KIND long129 long128 cookie sig i other
	local alice=alice.$e@example.com bob=bob.$e@example.com carol=carol.$e@example.com
	# What cases capture (VAR<-...); empty until captured, so a failed case fails the later
	# ones that need it instead of stopping the script.
	A_TOKEN='' A_ID='' A_SID='' B_TOKEN='' B_ID='' V6_ID='' S_TOKEN='' OTHER='' O_TOKEN=''
	C_ID='' C_TOKEN='' BT='' BSIGNED=''
	long128=$(printf 'a%.0s' {1..128})
	long129=${long128}a

	# main-01..03, meta
	t "main-01 ok" GET /ok -- 200 'raw={"ok":true}' hdr:Content-Type='^application/json$'
	t "main-02 error" GET /error -- 302 empty hdr:Location='^/\?error=UNKNOWN$' nohdr:Content-Type
	t "main-02 error with code" GET '/error?error=INVALID_TOKEN&error_description=bad' -- 302 empty \
		hdr:Location='^/\?error=INVALID_TOKEN&error_description=bad$'
	t "main-02 error with unsafe code" GET '/error?error=%3Cx%3E' -- 302 hdr:Location='^/\?error=UNKNOWN$'
	t "main-03 unknown path" GET /does-not-exist -- 404 empty nohdr:Content-Type
	t "main-03 wrong method" GET /sign-in/email -- 404 empty nohdr:Content-Type
	t "main-03 trailing slash" GET /ok/ -- 404 empty
	t "main-03 base path" GET "" -- 404 empty
	t "main-03 HEAD" HEAD /ok -- 404 empty
	t "main-03 OPTIONS" OPTIONS /sign-in/email H "Origin: $TRUSTED" -- 404 empty nohdr:Content-Type
	t "main-03 forget-password is gone" POST /forget-password json '{"email":"x@example.com"}' -- 404 empty
	t "main-46 set-password is server-only" POST /set-password json '{"newPassword":"whatever123"}' -- 404 empty
	t "healthz" GET =/healthz -- 200 '.status == "ok"'
	t "readyz" GET =/readyz -- 200 '.status == "ready"'

	# main-04..13, sign-up
	UA=ref-client/1.0 t "main-04 sign-up" POST /sign-up/email as alice \
		json "{\"email\":\"$alice\",\"password\":\"password123\",\"name\":\"Alice\"}" -- 200 \
		cookies:session '.user.email == "'"$alice"'"' '.user.name == "Alice"' \
		'.user.emailVerified == false' '.user.image == null' '.token | test("^[A-Za-z0-9]{32}$")' \
		'.user.createdAt == .user.updatedAt' authtoken signed 'keys_unsorted == ["token","user"]' \
		'.user | keys_unsorted == ["name","email","emailVerified","image","createdAt","updatedAt","id"]' \
		A_TOKEN'<-.token' A_ID'<-.user.id'
	sql "main-04 one user, one credential account with a yescrypt hash" \
		"select count(*), bool_and(a.password like '\$y\$%'), bool_and(a.\"accountId\" = u.id)
		 from \"user\" u join account a on a.\"userId\" = u.id where u.email = '$alice'" "1|t|t"
	sql "main-04 session row: 7 days, userAgent, token stored as SHA-256" \
		"select \"expiresAt\" - \"createdAt\" = interval '7 days', \"userAgent\",
		 token = encode(sha256(convert_to('$A_TOKEN', 'UTF8')), 'hex')
		 from session where \"userId\" = '$A_ID'" "t|ref-client/1.0|t"
	t "main-05 sign-up rememberMe:false, mixed case, image, Origin" POST /sign-up/email \
		H "Origin: $TRUSTED" H 'X-Forwarded-For: 203.0.113.7' \
		json "{\"email\":\"Bob.$e@Example.COM\",\"password\":\"password123\",\"name\":\"Bob\",\"image\":\"https://img.example/b.png\",\"rememberMe\":false}" \
		-- 200 cookies:short,dont_remember signed '.user.email == "'"$bob"'"' has='"image":"https://img.example/b.png"' \
		'.user.image == "https://img.example/b.png"' B_TOKEN'<-.token' B_ID'<-.user.id'
	sql "main-05 short session: 1 day, ipAddress from the proxy's X-Forwarded-For" \
		"select \"expiresAt\" - \"createdAt\" = interval '1 day', \"ipAddress\" from session
		 where \"userId\" = '$B_ID'" "t|203.0.113.7"
	t "ip-01 IPv6 masked to /64" POST /sign-up/email H 'X-Forwarded-For: 2001:db8:abcd:12:1:2:3:4' \
		json "{\"email\":\"v6.$e@example.com\",\"password\":\"password123\",\"name\":\"V6\"}" -- 200 V6_ID'<-.user.id'
	sql "ip-01 stored address" "select \"ipAddress\" from session where \"userId\" = '$V6_ID'" \
		"2001:0db8:abcd:0012:0000:0000:0000:0000"
	t "no credential: v6 signs in" POST /sign-in/email as v6 json "{\"email\":\"v6.$e@example.com\",\"password\":\"password123\"}" -- 200
	db "delete from account where \"userId\" = '$V6_ID'"
	t "main-17 a user without a credential account" POST /sign-in/email \
		json "{\"email\":\"v6.$e@example.com\",\"password\":\"password123\"}" -- 401 INVALID_EMAIL_OR_PASSWORD
	t "§8 change-password without a credential account" POST /change-password as v6 \
		json '{"currentPassword":"password123","newPassword":"password1234"}' \
		-- 400 CREDENTIAL_ACCOUNT_NOT_FOUND msg="Credential account not found"
	t "main-06 duplicate" POST /sign-up/email json "{\"email\":\"$alice\",\"password\":\"password123\",\"name\":\"A2\"}" \
		-- 422 'raw={"message":"User already exists. Use another email.","code":"USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"}'
	t "main-06 duplicate, other case" POST /sign-up/email \
		json "{\"email\":\"ALICE.${e^^}@EXAMPLE.COM\",\"password\":\"password123\",\"name\":\"A3\"}" \
		-- 422 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL
	t "main-07 invalid e-mail" POST /sign-up/email json '{"email":"not-an-email","password":"password123","name":"X"}' \
		-- 400 VALIDATION_ERROR msg="[body.email] Invalid email address"
	t "main-07 empty e-mail" POST /sign-up/email json '{"email":"","password":"password123","name":"X"}' \
		-- 400 VALIDATION_ERROR msg="[body.email] Invalid email address"
	t "main-08 password 7" POST /sign-up/email json "{\"email\":\"short.$e@example.com\",\"password\":\"1234567\",\"name\":\"X\"}" \
		-- 400 PASSWORD_TOO_SHORT msg="Password too short"
	t "main-08 password 129" POST /sign-up/email json "{\"email\":\"long.$e@example.com\",\"password\":\"$long129\",\"name\":\"X\"}" \
		-- 400 PASSWORD_TOO_LONG msg="Password too long"
	t "main-08 password 8" POST /sign-up/email json "{\"email\":\"min.$e@example.com\",\"password\":\"12345678\",\"name\":\"X\"}" -- 200 cookies:session
	t "main-08 password 128" POST /sign-up/email json "{\"email\":\"max.$e@example.com\",\"password\":\"$long128\",\"name\":\"X\"}" -- 200
	t "main-08 empty password" POST /sign-up/email json "{\"email\":\"empty.$e@example.com\",\"password\":\"\",\"name\":\"X\"}" \
		-- 400 VALIDATION_ERROR msg="[body.password] Too small: expected string to have >=1 characters"
	t "UTF-16: 3 emoji + 1 = 7 units" POST /sign-up/email json "{\"email\":\"u7.$e@example.com\",\"password\":\"😀😀😀a\",\"name\":\"X\"}" \
		-- 400 PASSWORD_TOO_SHORT
	t "UTF-16: 4 emoji = 8 units" POST /sign-up/email json "{\"email\":\"u8.$e@example.com\",\"password\":\"😀😀😀😀\",\"name\":\"X\"}" -- 200
	t "UTF-16: 64 emoji + 1 = 129 units" POST /sign-up/email \
		json "{\"email\":\"u129.$e@example.com\",\"password\":\"$(printf '😀%.0s' {1..64})a\",\"name\":\"X\"}" -- 400 PASSWORD_TOO_LONG
	t "main-09 no name" POST /sign-up/email json "{\"email\":\"noname.$e@example.com\",\"password\":\"password123\"}" \
		-- 400 VALIDATION_ERROR msg="[body.name] Invalid input: expected string, received undefined"
	t "main-09 no e-mail" POST /sign-up/email json '{"name":"X","password":"password123"}' \
		-- 400 msg="[body.email] Invalid input: expected string, received undefined"
	t "main-09 no password" POST /sign-up/email json "{\"email\":\"nopw.$e@example.com\",\"name\":\"X\"}" \
		-- 400 msg="[body.password] Invalid input: expected string, received undefined"
	t "main-09 {}" POST /sign-up/email json '{}' -- 400 VALIDATION_ERROR \
		msg="[body.name] Invalid input: expected string, received undefined; [body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined"
	t "main-09 wrong types" POST /sign-up/email json "{\"email\":\"types.$e@example.com\",\"password\":12345678,\"name\":5}" \
		-- 400 msg="[body.name] Invalid input: expected string, received number; [body.password] Invalid input: expected string, received number"
	t "main-09 rememberMe string" POST /sign-up/email \
		json "{\"email\":\"rm.$e@example.com\",\"password\":\"password123\",\"name\":\"X\",\"rememberMe\":\"no\"}" \
		-- 400 msg="[body.rememberMe] Invalid input: expected boolean, received string"
	t "main-09 no body" POST /sign-up/email -- 400 VALIDATION_ERROR \
		msg="[body] Invalid input: expected object, received undefined; [body] Invalid input: expected record, received undefined"
	t "main-09 array" POST /sign-up/email json '[]' -- 400 \
		msg="[body] Invalid input: expected object, received array; [body] Invalid input: expected record, received array"
	t "main-09 null" POST /sign-up/email json 'null' -- 400 \
		msg="[body] Invalid input: expected object, received null; [body] Invalid input: expected record, received null"
	t "main-10 extra fields ignored" POST /sign-up/email \
		json "{\"email\":\"extra.$e@example.com\",\"password\":\"password123\",\"name\":\"X\",\"emailVerified\":true,\"foo\":\"bar\",\"id\":\"chosen-id\"}" \
		-- 200 '.user.emailVerified == false' '.user.id != "chosen-id"'
	t "main-11 malformed JSON" POST /sign-up/email json '{"email": "x@example.com",' \
		-- 400 BAD_REQUEST msg="Invalid JSON in request body"
	t "main-11 text/plain" POST /sign-up/email H 'Content-Type: text/plain' body '{"email":"x@example.com"}' \
		-- 415 UNSUPPORTED_MEDIA_TYPE \
		msg='Content-Type "text/plain" is not allowed. Allowed types: application/x-www-form-urlencoded, application/json'
	t "main-11 no Content-Type" POST /sign-up/email H 'Content-Type:' body '{"email":"x@example.com"}' \
		-- 400 msg="[body] Invalid input: expected object, received undefined; [body] Invalid input: expected record, received undefined"
	t "main-11 charset parameter" POST /sign-up/email H 'Content-Type: application/json; charset=utf-8' \
		body '{"email":"x@example.com"}' \
		-- 400 msg="[body.name] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined"
	t "authfcgi: a body over 64 KiB" POST /sign-up/email json "{\"name\":\"$(printf 'x%.0s' {1..70000})\"}" \
		-- 413 PAYLOAD_TOO_LARGE msg="Request body too large"
	t "main-11 form-urlencoded" POST /sign-up/email form "email=form.$e%40example.com&password=password123&name=Form+User" \
		-- 200 '.user.name == "Form User"' '.user.email == "form.'"$e"'@example.com"'
	t "main-11 form elsewhere is 415" POST /revoke-session form 'token=x' as alice \
		-- 415 msg='Content-Type "application/x-www-form-urlencoded" is not allowed. Allowed types: application/json'
	t "main-12 foreign Origin" POST /sign-up/email H "Origin: $EVIL" \
		json "{\"email\":\"csrf1.$e@example.com\",\"password\":\"password123\",\"name\":\"X\"}" -- 403 INVALID_ORIGIN msg="Invalid origin"
	t "main-12 Origin null" POST /sign-up/email H 'Origin: null' \
		json "{\"email\":\"csrf2.$e@example.com\",\"password\":\"password123\",\"name\":\"X\"}" -- 403 MISSING_OR_NULL_ORIGIN msg="Missing or null Origin"
	t "main-12 cross-site navigation" POST /sign-up/email H 'Sec-Fetch-Site: cross-site' H 'Sec-Fetch-Mode: navigate' \
		H 'Sec-Fetch-Dest: document' json "{\"email\":\"csrf3.$e@example.com\",\"password\":\"password123\",\"name\":\"X\"}" \
		-- 403 CROSS_SITE_NAVIGATION_LOGIN_BLOCKED \
		msg="Cross-site navigation login blocked. This request appears to be a CSRF attack."
	t "main-12 cross-site cors without Origin" POST /sign-up/email H 'Sec-Fetch-Site: cross-site' H 'Sec-Fetch-Mode: cors' \
		json "{\"email\":\"csrf4.$e@example.com\",\"password\":\"password123\",\"name\":\"X\"}" -- 403 MISSING_OR_NULL_ORIGIN
	t "main-12 foreign Referer" POST /sign-up/email H "Referer: $EVIL/page" \
		json "{\"email\":\"csrf5.$e@example.com\",\"password\":\"password123\",\"name\":\"X\"}" -- 403 INVALID_ORIGIN
	t "main-12 trusted Referer" POST /sign-up/email H "Referer: $TRUSTED/signup?x=1" \
		json "{\"email\":\"csrf6.$e@example.com\",\"password\":\"password123\",\"name\":\"X\"}" -- 200
	t "main-12 other port" POST /sign-up/email H 'Origin: http://localhost:8081' \
		json "{\"email\":\"csrf7.$e@example.com\",\"password\":\"password123\",\"name\":\"X\"}" -- 403 INVALID_ORIGIN
	t "main-13 foreign callbackURL" POST /sign-up/email \
		json "{\"email\":\"cb1.$e@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":\"$EVIL/x\"}" \
		-- 403 INVALID_CALLBACK_URL msg="Invalid callbackURL"
	t "main-13 protocol-relative callbackURL" POST /sign-up/email \
		json "{\"email\":\"cb2.$e@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":\"//evil.example/x\"}" \
		-- 403 INVALID_CALLBACK_URL
	t "main-13 relative callbackURL" POST /sign-up/email \
		json "{\"email\":\"cb3.$e@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":\"/welcome\"}" \
		-- 200 nohdr:Location
	t "main-13 trusted absolute callbackURL" POST /sign-up/email \
		json "{\"email\":\"cb4.$e@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":\"$TRUSTED/app/welcome?x=1\"}" -- 200
	t "§6 non-string callbackURL" POST /sign-up/email \
		json "{\"email\":\"cb5.$e@example.com\",\"password\":\"password123\",\"name\":\"X\",\"callbackURL\":5}" \
		-- 400 nocode msg="Invalid callbackURL: expected a string"

	# §7 / issue item 7: concurrent duplicate sign-ups through the web server
	local pids=() first=$((N + 1)) codes
	for i in $(seq 1 10); do
		request "concurrent duplicate sign-up $i" POST /sign-up/email \
			json "{\"email\":\"race.$e@example.com\",\"password\":\"password123\",\"name\":\"R$i\"}" &
		pids+=($!)
		N=$((N + 1))
	done
	wait "${pids[@]}" || true
	codes=$(for ((i = first; i < first + 10; i++)); do cut -f4 "$EX/$(printf %04d "$i").meta"; done | sort | paste -sd' ')
	if [[ $codes == "200 422 422 422 422 422 422 422 422 422" ]]; then
		ok "$e: 10 parallel duplicate sign-ups: one 200, nine 422"
	else
		not_ok "$e: 10 parallel duplicate sign-ups: statuses $codes"
	fi
	sql "concurrent sign-ups left one user and one account" \
		"select count(*), (select count(*) from account a where a.\"userId\" = u.id) from \"user\" u
		 where email = 'race.$e@example.com' group by u.id" "1|1"

	# main-14..19, sign-in
	rm -f "$JARS/alice"
	UA='Mozilla/5.0 (X11) TestUA' t "main-14 sign-in" POST /sign-in/email as alice \
		json "{\"email\":\"$alice\",\"password\":\"password123\"}" -- 200 cookies:session \
		'.redirect == false' 'keys_unsorted == ["redirect","token","user"]' '.user.id == "'"$A_ID"'"' signed \
		'.token | test("^[A-Za-z0-9]{32}$")' A_TOKEN'<-.token' authtoken
	t "main-15 sign-in with callbackURL" POST /sign-in/email \
		json "{\"email\":\"$alice\",\"password\":\"password123\",\"callbackURL\":\"/dashboard\"}" \
		-- 200 hdr:Location='^/dashboard$' '.redirect == true' '.url == "/dashboard"' cookies:session \
		'keys_unsorted == ["redirect","token","url","user"]'
	t "main-15 sign-in with absolute callbackURL" POST /sign-in/email \
		json "{\"email\":\"$alice\",\"password\":\"password123\",\"callbackURL\":\"$TRUSTED/dash\"}" \
		-- 200 hdr:Location="^$TRUSTED/dash\$" '.url == "'"$TRUSTED"'/dash"'
	t "main-16 upper-case e-mail, rememberMe:false" POST /sign-in/email as alice-short \
		json "{\"email\":\"ALICE.${e^^}@EXAMPLE.COM\",\"password\":\"password123\",\"rememberMe\":false}" \
		-- 200 cookies:short,dont_remember '.user.email == "'"$alice"'"'
	t "main-17 wrong password" POST /sign-in/email json "{\"email\":\"$alice\",\"password\":\"wrong-password\"}" \
		-- 401 INVALID_EMAIL_OR_PASSWORD msg="Invalid email or password" cookies:none
	t "main-17 unknown user" POST /sign-in/email json "{\"email\":\"nobody.$e@example.com\",\"password\":\"password123\"}" \
		-- 401 INVALID_EMAIL_OR_PASSWORD
	t "main-17 invalid e-mail" POST /sign-in/email json '{"email":"not-an-email","password":"password123"}' \
		-- 400 INVALID_EMAIL msg="Invalid email"
	t "main-17 password 129" POST /sign-in/email json "{\"email\":\"$alice\",\"password\":\"$long129\"}" -- 400 PASSWORD_TOO_LONG
	t "main-17 short password" POST /sign-in/email json "{\"email\":\"$alice\",\"password\":\"short\"}" -- 401 INVALID_EMAIL_OR_PASSWORD
	t "main-18 no password" POST /sign-in/email json "{\"email\":\"$alice\"}" \
		-- 400 msg="[body.password] Invalid input: expected string, received undefined"
	t "main-18 no e-mail" POST /sign-in/email json '{"password":"password123"}' \
		-- 400 msg="[body.email] Invalid input: expected string, received undefined"
	t "main-18 {}" POST /sign-in/email json '{}' \
		-- 400 msg="[body.email] Invalid input: expected string, received undefined; [body.password] Invalid input: expected string, received undefined"
	t "main-18 bad JSON" POST /sign-in/email json '{bad json' -- 400 BAD_REQUEST
	t "main-18 text/plain" POST /sign-in/email H 'Content-Type: text/plain' body '{"email":"a@b.c","password":"x"}' -- 415 UNSUPPORTED_MEDIA_TYPE
	t "main-18 form-urlencoded" POST /sign-in/email form "email=alice.$e%40example.com&password=password123" -- 200 cookies:session
	t "main-19 cookie without Origin" POST /sign-in/email as alice noorigin \
		json "{\"email\":\"$alice\",\"password\":\"password123\"}" -- 403 MISSING_OR_NULL_ORIGIN
	t "main-19 cookie with a foreign Origin" POST /sign-in/email as alice noorigin H "Origin: $EVIL" \
		json "{\"email\":\"$alice\",\"password\":\"password123\"}" -- 403 INVALID_ORIGIN
	cp "$JARS/alice" "$JARS/alice2"
	t "main-19 cookie with the trusted Origin" POST /sign-in/email as alice2 \
		json "{\"email\":\"$alice\",\"password\":\"password123\"}" -- 200
	t "main-19 unrelated cookie, foreign Origin" POST /sign-in/email cookie 'unrelated=1' H "Origin: $EVIL" \
		json "{\"email\":\"$alice\",\"password\":\"password123\"}" -- 403 INVALID_ORIGIN

	# main-20..24, get-session
	cookie=$(jar_cookie alice better-auth.session_token)
	sig=${cookie#*.}
	t "main-20 no cookie" GET /get-session -- 200 raw=null hdr:Cache-Control='^no-store$' hdr:Pragma='^no-cache$' cookies:none
	t "main-20 valid cookie" GET /get-session as alice -- 200 cookies:none hdr:Cache-Control='^no-store$' \
		'.session.token == "'"$A_TOKEN"'"' '.user.id == "'"$A_ID"'"' '.session.userId == .user.id' \
		'.session.userAgent == "Mozilla/5.0 (X11) TestUA"' A_SID'<-.session.id' \
		'keys_unsorted == ["session","user"]' '.session | keys_unsorted == ["expiresAt","token","createdAt","updatedAt","ipAddress","userAgent","userId","id"]' \
		'.user | keys_unsorted == ["name","email","emailVerified","image","createdAt","updatedAt","id"]'
	t "main-20 tampered signature" GET /get-session cookie "better-auth.session_token=$A_TOKEN.${sig:0:20}AAAA${sig:24}" \
		-- 200 raw=null cookies:none
	t "main-20 unsigned token" GET /get-session cookie "better-auth.session_token=$A_TOKEN" -- 200 raw=null cookies:none
	t "main-20 garbage" GET /get-session cookie 'better-auth.session_token=garbage' -- 200 raw=null cookies:none
	t "main-20 GET ignores a foreign Origin" GET /get-session as alice H "Origin: $EVIL" -- 200 '.session.id == "'"$A_SID"'"'
	t "main-21 POST get-session" POST /get-session as alice -- 405 METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED \
		msg="POST method requires deferSessionRefresh to be enabled in session config" hdr:Cache-Control='^no-store$'
	db "update session set \"expiresAt\" = now() + interval '5 days' where id = '$A_SID'"
	t "main-22 sliding refresh when due" GET /get-session as alice -- 200 cookies:session signed nohdr:set-auth-token \
		"(.session.expiresAt | sub(\"\\\\.[0-9]+Z\$\"; \"Z\") | fromdate) - now > 6.9 * 86400" \
		'.session.updatedAt > .session.createdAt'
	sql "main-22 refresh written" "select \"expiresAt\" > now() + interval '6 days 23 hours' from session where id = '$A_SID'" t
	t "main-22 no refresh within a day" GET /get-session as alice -- 200 cookies:none
	db "update session set \"expiresAt\" = now() + interval '5 days' where id = '$A_SID'"
	t "main-22 disableRefresh" GET '/get-session?disableRefresh=true' as alice -- 200 cookies:none
	sql "main-22 disableRefresh wrote nothing" "select \"expiresAt\" < now() + interval '5 days 1 minute' from session where id = '$A_SID'" t
	t "main-22 disableRefresh=false also disables" GET '/get-session?disableRefresh=false' as alice -- 200 cookies:none
	t "main-22 empty disableRefresh refreshes" GET '/get-session?disableRefresh=' as alice -- 200 cookies:session
	t "main-24 sign-in rememberMe:false" POST /sign-in/email as short \
		json "{\"email\":\"$alice\",\"password\":\"password123\",\"rememberMe\":false}" -- 200 cookies:short,dont_remember S_TOKEN'<-.token'
	db "update session set \"expiresAt\" = now() + interval '1 hour'
		where token = encode(sha256(convert_to('$S_TOKEN', 'UTF8')), 'hex')"
	t "main-24 dont_remember prevents the refresh" GET /get-session as short -- 200 cookies:none '.session.token == "'"$S_TOKEN"'"'
	t "https-01 short session without dont_remember is promoted" GET /get-session \
		cookie "better-auth.session_token=$(jar_cookie short better-auth.session_token)" -- 200 cookies:session
	db "update session set \"expiresAt\" = now() - interval '1 second'
		where token = encode(sha256(convert_to('$S_TOKEN', 'UTF8')), 'hex')"
	t "main-23 expired session" GET /get-session as short -- 200 raw=null cookies:delete3
	sql "main-23 expired row deleted" "select count(*) from session where token = encode(sha256(convert_to('$S_TOKEN', 'UTF8')), 'hex')" 0
	t "§17 stray session_data cookie" GET /get-session cookie 'better-auth.session_data=abc' -- 200 raw=null cookies:data
	cookie=$(jar_cookie alice better-auth.session_token)
	local decoded
	decoded=$(printf '%b' "${cookie//%/\\x}")
	t "cookies-02 raw (not percent-encoded) signature" GET '/get-session?disableRefresh=true' \
		cookie "better-auth.session_token=$decoded" -- 200 '.session.id == "'"$A_SID"'"'
	t "cookies-02 quoted value" GET '/get-session?disableRefresh=true' cookie "better-auth.session_token=\"$cookie\"" \
		-- 200 '.session.id == "'"$A_SID"'"'
	t "cookies-02 unpadded signature" GET /get-session cookie "better-auth.session_token=${decoded%=}" -- 200 raw=null
	t "cookies-02 first cookie wins (bogus first)" GET '/get-session?disableRefresh=true' \
		cookie "better-auth.session_token=bogus.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; better-auth.session_token=$cookie" -- 200 raw=null
	t "cookies-02 first cookie wins (good first)" GET '/get-session?disableRefresh=true' \
		cookie "better-auth.session_token=$cookie; better-auth.session_token=bogus" -- 200 '.session.id == "'"$A_SID"'"'
	t "cookies-02 __Secure- name on an http base URL" GET /get-session cookie "__Secure-better-auth.session_token=$cookie" -- 200 raw=null

	# main-25..29, sessions
	t "main-25 list-sessions" GET /list-sessions as alice -- 200 'length >= 5' \
		'[.[] | select(.token == "'"$A_TOKEN"'")] | length == 1' \
		'all(.[]; .token == "'"$A_TOKEN"'" or .token == .id)' 'all(.[]; .userId == "'"$A_ID"'")' \
		OTHER'<-[.[] | select(.token != "'"$A_TOKEN"'")][0].token' '[.[].createdAt] == ([.[].createdAt] | sort)' \
		'all(.[]; keys_unsorted == ["expiresAt","token","createdAt","updatedAt","ipAddress","userAgent","userId","id"])'
	t "main-25 list-sessions without a session" GET /list-sessions -- 401 UNAUTHORIZED msg=Unauthorized
	t "main-26 revoke another of one's sessions by handle" POST /revoke-session as alice json "{\"token\":\"$OTHER\"}" \
		-- 200 '.status == true' cookies:none
	sql "main-26 that session is gone" "select count(*) from session where id = '$OTHER'" 0
	t "main-26 another user's token deletes nothing" POST /revoke-session as alice json "{\"token\":\"$B_TOKEN\"}" -- 200 '.status == true'
	sql "main-26 the other user's session stays" "select count(*) from session where \"userId\" = '$B_ID'" 1
	t "main-26 unknown token" POST /revoke-session as alice json '{"token":"nope"}' -- 200
	t "main-26 missing token" POST /revoke-session as alice json '{}' \
		-- 400 VALIDATION_ERROR msg="[body.token] Invalid input: expected string, received undefined"
	t "main-26 no session" POST /revoke-session H "Origin: $TRUSTED" json "{\"token\":\"$A_TOKEN\"}" -- 401 UNAUTHORIZED
	t "main-26 no Origin" POST /revoke-session as alice noorigin json "{\"token\":\"$A_TOKEN\"}" -- 403 MISSING_OR_NULL_ORIGIN
	t "main-25 not fresh: sign in" POST /sign-in/email as old json "{\"email\":\"$alice\",\"password\":\"password123\"}" -- 200 O_TOKEN'<-.token'
	db "update session set \"createdAt\" = now() - interval '2 days'
		where token = encode(sha256(convert_to('$O_TOKEN', 'UTF8')), 'hex')"
	t "main-25 not fresh" GET /list-sessions as old -- 403 SESSION_NOT_FRESH msg="Session is not fresh"
	t "main-26 revoke the current session" POST /revoke-session as old json "{\"token\":\"$O_TOKEN\"}" -- 200 cookies:delete3
	t "main-26 revoked" GET /get-session as old -- 200 raw=null
	sql "main-27 several sessions before" "select count(*) > 2 from session where \"userId\" = '$A_ID'" t
	t "main-27 revoke-other-sessions" POST /revoke-other-sessions as alice -- 200 '.status == true' cookies:none
	sql "main-27 only the current one left" "select count(*) from session where \"userId\" = '$A_ID'" 1
	t "main-27 with {}" POST /revoke-other-sessions as alice json '{}' -- 200
	t "main-27 no session" POST /revoke-other-sessions H "Origin: $TRUSTED" -- 401 UNAUTHORIZED
	t "main-28 revoke-sessions" POST /revoke-sessions as alice -- 200 '.status == true' cookies:delete3
	sql "main-28 none left" "select count(*) from session where \"userId\" = '$A_ID'" 0
	t "main-28 old cookie is stale" GET /get-session cookie "better-auth.session_token=$cookie" -- 200 raw=null cookies:delete3
	t "stale cookie on a session route" POST /verify-password cookie "better-auth.session_token=$cookie" \
		H "Origin: $TRUSTED" json '{"password":"password123"}' -- 401 UNAUTHORIZED cookies:delete3
	t "main-48 delete-user/callback, stale cookie" GET '/delete-user/callback?token=abc' \
		cookie "better-auth.session_token=$cookie" -- 404 FAILED_TO_GET_USER_INFO msg="Failed to get user info" cookies:delete3
	t "main-48 delete-user/callback, no cookie" GET '/delete-user/callback?token=abc' -- 404 FAILED_TO_GET_USER_INFO cookies:none
	t "main-48 delete-user/callback, no token" GET /delete-user/callback \
		-- 400 VALIDATION_ERROR msg="[query.token] Invalid input: expected string, received undefined"
	t "§6 delete-user/callback, foreign callbackURL" GET "/delete-user/callback?token=abc&callbackURL=$EVIL/x" \
		-- 403 INVALID_CALLBACK_URL msg="Invalid callbackURL"
	t "main-29 sign-in again" POST /sign-in/email as alice json "{\"email\":\"$alice\",\"password\":\"password123\"}" -- 200 A_TOKEN'<-.token'
	t "main-29 sign-out without Origin" POST /sign-out as alice noorigin -- 403 MISSING_OR_NULL_ORIGIN
	t "main-29 sign-out with a foreign Origin" POST /sign-out as alice noorigin H "Origin: $EVIL" -- 403 INVALID_ORIGIN
	t "main-29 sign-out bad JSON" POST /sign-out as alice H 'Content-Type: application/json' body 'not json' -- 400 BAD_REQUEST
	t "main-29 sign-out" POST /sign-out as alice json '{}' -- 200 'raw={"success":true}' cookies:delete3
	sql "main-29 the session row is gone" "select count(*) from session where \"userId\" = '$A_ID'" 0
	t "main-29 sign-out without any cookie" POST /sign-out -- 200 '.success == true' cookies:delete3

	# main-35, change-password
	t "carol signs up" POST /sign-up/email as carol json "{\"email\":\"$carol\",\"password\":\"password123\",\"name\":\"Carol\"}" \
		-- 200 C_ID'<-.user.id'
	t "carol's second device" POST /sign-in/email as carol2 json "{\"email\":\"$carol\",\"password\":\"password123\"}" -- 200
	t "main-35 change-password" POST /change-password as carol json '{"currentPassword":"password123","newPassword":"changed-pass-1"}' \
		-- 200 '.token == null' '.user.id == "'"$C_ID"'"' cookies:none 'keys_unsorted == ["token","user"]'
	t "main-35 wrong current password" POST /change-password as carol json '{"currentPassword":"wrong-one","newPassword":"changed-pass-2"}' \
		-- 400 INVALID_PASSWORD msg="Invalid password"
	t "main-35 new password too short" POST /change-password as carol json '{"currentPassword":"changed-pass-1","newPassword":"short"}' \
		-- 400 PASSWORD_TOO_SHORT
	t "main-35 no newPassword" POST /change-password as carol json '{"currentPassword":"changed-pass-1"}' \
		-- 400 VALIDATION_ERROR msg="[body.newPassword] Invalid input: expected string, received undefined"
	t "main-35 no session" POST /change-password H "Origin: $TRUSTED" json '{"currentPassword":"changed-pass-1","newPassword":"changed-pass-2"}' \
		-- 401 UNAUTHORIZED
	t "main-35 revokeOtherSessions" POST /change-password as carol \
		json '{"currentPassword":"changed-pass-1","newPassword":"password123","revokeOtherSessions":true}' \
		-- 200 cookies:session '.token | test("^[A-Za-z0-9]{32}$")' C_TOKEN'<-.token'
	sql "main-35 one new session left" "select count(*), bool_and(token = encode(sha256(convert_to('$C_TOKEN', 'UTF8')), 'hex'))
		from session where \"userId\" = '$C_ID'" "1|t"
	t "main-35 the other device is signed out" GET /get-session as carol2 -- 200 raw=null cookies:delete3
	t "main-35 the new cookie works" GET /get-session as carol -- 200 '.session.token == "'"$C_TOKEN"'"'
	t "main-35 old password refused" POST /sign-in/email json "{\"email\":\"$carol\",\"password\":\"changed-pass-1\"}" -- 401

	# main-36, update-user
	t "main-36 name" POST /update-user as carol json '{"name":"Carol Updated"}' -- 200 'raw={"status":true}' cookies:session \
		nohdr:set-auth-token nohdr:Access-Control-Expose-Headers
	t "main-36 image null" POST /update-user as carol json '{"image":null}' -- 200
	t "main-36 name and image" POST /update-user as carol json '{"name":"C","image":"https://img.example/c.png"}' -- 200
	t "main-36 {}" POST /update-user as carol json '{}' -- 400 nocode msg="No fields to update"
	t "main-36 unknown field" POST /update-user as carol json '{"foo":"bar"}' -- 400 nocode msg="No fields to update"
	t "main-36 e-mail" POST /update-user as carol json '{"email":"new@example.com"}' -- 400 EMAIL_CAN_NOT_BE_UPDATED msg="Email can not be updated"
	t "main-36 emailVerified" POST /update-user as carol json '{"emailVerified":true}' -- 400 nocode msg="No fields to update"
	t "main-36 array" POST /update-user as carol json '[1,2]' -- 400 VALIDATION_ERROR msg="[body] Invalid input: expected record, received array"
	t "main-36 no session" POST /update-user H "Origin: $TRUSTED" json '{"name":"X"}' -- 401 UNAUTHORIZED
	t "deviation: name must be a string" POST /update-user as carol json '{"name":42}' -- 400 VALIDATION_ERROR
	t "deviation: name null is refused" POST /update-user as carol json '{"name":null}' -- 400 VALIDATION_ERROR
	t "main-36 visible in get-session" GET /get-session as carol -- 200 '.user.name == "C"' '.user.image == "https://img.example/c.png"' \
		'.user.updatedAt > .user.createdAt'

	# main-43, main-44
	t "main-43 list-accounts" GET /list-accounts as carol -- 200 'length == 1' '.[0].providerId == "credential"' \
		'.[0].accountId == "'"$C_ID"'"' '.[0].userId == "'"$C_ID"'"' '.[0].scopes == []' \
		'.[0] | keys_unsorted == ["accountId","providerId","userId","createdAt","updatedAt","id","scopes"]'
	t "main-43 no session" GET /list-accounts -- 401 UNAUTHORIZED
	t "main-45 update-session" POST /update-session as carol json '{"foo":1}' -- 400 nocode msg="No fields to update"
	t "main-45 update-session without a session" POST /update-session H "Origin: $TRUSTED" json '{}' -- 401 UNAUTHORIZED
	t "main-48 delete-user/callback with a session" GET '/delete-user/callback?token=abc' as carol -- 404 INVALID_TOKEN
	t "main-44 verify-password" POST /verify-password as carol json '{"password":"password123"}' -- 200 'raw={"status":true}'
	t "main-44 wrong password" POST /verify-password as carol json '{"password":"wrong"}' -- 400 INVALID_PASSWORD
	t "main-44 password 129" POST /verify-password as carol json "{\"password\":\"$long129\"}" -- 400 PASSWORD_TOO_LONG
	t "main-44 no password" POST /verify-password as carol json '{}' \
		-- 400 VALIDATION_ERROR msg="[body.password] Invalid input: expected string, received undefined"

	# main-47, delete-user
	t "main-47 wrong password" POST /delete-user as carol json '{"password":"wrong-password"}' -- 400 INVALID_PASSWORD
	t "main-47 no session" POST /delete-user H "Origin: $TRUSTED" json '{}' -- 401 UNAUTHORIZED
	t "main-47 token without a pending deletion" POST /delete-user as carol json '{"token":"abc"}' -- 404 INVALID_TOKEN msg="Invalid token"
	t "main-47 no body (from code)" POST /delete-user as carol -- 400 VALIDATION_ERROR \
		msg="[body] Invalid input: expected object, received undefined"
	db "update session set \"createdAt\" = now() - interval '2 days' where \"userId\" = '$C_ID'"
	t "main-47 not fresh without password" POST /delete-user as carol json '{}' -- 400 SESSION_EXPIRED \
		msg="Session expired. Re-authenticate to perform this action."
	t "main-47 not fresh with the password" POST /delete-user as carol json '{"password":"password123","callbackURL":"/bye"}' \
		-- 200 'raw={"success":true,"message":"User deleted"}' cookies:delete3 signed
	sql "main-47 user, accounts and sessions gone" "select (select count(*) from \"user\" where id = '$C_ID'),
		(select count(*) from account where \"userId\" = '$C_ID'), (select count(*) from session where \"userId\" = '$C_ID')" "0|0|0"
	t "main-47 dave signs up" POST /sign-up/email as dave json "{\"email\":\"dave.$e@example.com\",\"password\":\"password123\",\"name\":\"D\"}" -- 200
	t "main-47 fresh session, no password" POST /delete-user as dave json '{}' -- 200 '.success == true' cookies:delete3

	# bearer-01/02 (the bearer plugin's behaviour is on by default)
	t "bearer-01 sign-in" POST /sign-in/email json "{\"email\":\"$bob\",\"password\":\"password123\"}" -- 200 \
		hdr:Access-Control-Expose-Headers='^set-auth-token$' BT'<-.token' BSIGNED'<-hdr:set-auth-token'
	t "bearer-01 set-auth-token is the signed token" GET /get-session bearer "$BSIGNED" -- 200 '.session.token == "'"$BT"'"' cookies:none
	# The bare token (what get-session shows any script on the page) is no credential unless
	# AUTHFCGI_BEARER_UNSIGNED=on (the rate-limit pool below): Better Auth's requireSignature.
	t "bearer-02 raw token refused" GET /get-session bearer "$BT" -- 200 raw=null cookies:none
	t "bearer-02 raw token: update-user refused" POST /update-user bearer "$BT" json '{"name":"Lifted"}' -- 401 UNAUTHORIZED
	t "bearer-02 Basic is ignored" GET /get-session H 'Authorization: Basic Zm9vOmJhcg==' -- 200 raw=null cookies:none
	t "bearer-02 update-user without Origin" POST /update-user bearer "$BSIGNED" json '{"name":"Via Bearer"}' -- 200 \
		hdr:set-auth-token="^$BT\\." hdr:Access-Control-Expose-Headers='^set-auth-token$' cookies:session
	t "bearer-02 list-sessions" GET /list-sessions bearer "$BSIGNED" -- 200 '[.[] | select(.token == "'"$BT"'")] | length == 1'
	t "bearer-02 sign-out" POST /sign-out bearer "$BSIGNED" -- 200 cookies:delete3
	t "bearer-02 signed out" GET /get-session bearer "$BSIGNED" -- 200 raw=null cookies:delete3
}

for KIND in lighttpd nginx; do
	if ! front_start "$KIND" "$(free_port)"; then
		not_ok "$KIND: starts"
		continue
	fi
	ok "$KIND: starts on $FRONT_URL"
	run_cases
	front_stop "$FRONT_PID"
done

# The rate limiter on, delete-user off, bare bearer tokens accepted: a pool with other
# settings, the same database.
pool_stop 10
export AUTHFCGI_RATE_LIMIT=on AUTHFCGI_DELETE_USER=off AUTHFCGI_BEARER_UNSIGNED=on
pool_start
KIND=ratelimit
if front_start lighttpd "$(free_port)"; then
	t "bearer-02 sign-up (unsigned bearer on)" POST /sign-up/email \
		json '{"email":"bearer.unsigned@example.com","password":"password123","name":"U"}' -- 200 UT'<-.token'
	t "bearer-02 raw token (unsigned bearer on)" GET /get-session bearer "$UT" -- 200 '.session.token == "'"$UT"'"'
	[[ ${UT:31} == x ]] && other=y || other=x
	t "bearer-02 unknown raw token (unsigned bearer on)" GET /get-session bearer "${UT:0:31}$other" -- 200 raw=null cookies:delete3
	t "delete-user is not routed when off" POST /delete-user H "Origin: $TRUSTED" json '{}' -- 404 empty nohdr:Content-Type
	t "delete-user/callback is not routed when off" GET '/delete-user/callback?token=abc' -- 404 empty nohdr:Content-Type
	for i in 1 2 3; do
		t "ratelimit-01 sign-in $i of 3" POST /sign-in/email \
			json '{"email":"rl@example.com","password":"wrong"}' -- 401 INVALID_EMAIL_OR_PASSWORD
	done
	t "ratelimit-01 the 4th within 10 s" POST /sign-in/email json '{"email":"rl@example.com","password":"wrong"}' \
		-- 429 nocode msg="Too many requests. Please try again later." hdr:X-Retry-After='^([1-9]|10)$'
	t "ratelimit-03 another path has its own bucket" GET /ok -- 200
	front_stop "$FRONT_PID"
else
	not_ok "ratelimit: lighttpd starts"
fi

# API_KEEP=DIR keeps every exchange for a reader (the test's own directory goes at exit).
[[ -n ${API_KEEP:-} ]] && mkdir -p "$API_KEEP" && cp -r "$EX" "$API_KEEP/"

# Every response of every case against the contract, in one run of the checker.
"$PY" "$top_srcdir/test/lib/openapi_check.py" batch "$top_srcdir/schema/openapi.yaml" "$EX" \
	>"$TEST_TMP/contract.out" 2>&1 || true
total=$(find "$EX" -name '*.meta' | wc -l)
passed=$(grep -c '^PASS' "$TEST_TMP/contract.out" || true)
while IFS=$'\t' read -r verdict name why; do
	[[ $verdict == FAIL ]] && not_ok "contract: $name: $why"
done <"$TEST_TMP/contract.out"
if ((passed == total && total > 0)); then
	ok "contract: all $total responses conform to schema/openapi.yaml"
else
	not_ok "contract: $passed of $total responses conform"
	grep -v -e '^PASS' -e '^FAIL' "$TEST_TMP/contract.out" | head -20 | sed 's/^/# /'
fi

if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$POOL_LOG"; then
	not_ok "pool: sanitizer report in $POOL_LOG"
	grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$POOL_LOG" | head -40 | sed 's/^/# /'
else
	ok "pool: no sanitizer report"
fi
finish
