#!/bin/bash
# test/e2e/pages.sh - the built-in pages under /auth/ (issue 11, item 4) through lighttpd, as
# a browser without script uses them, with curl posting urlencoded forms: sign up and land on
# the return target with a session, sign out, a wrong password re-rendered (401, e-mail kept,
# password not), sign in, a form from another site refused, a foreign return target refused,
# and the whole forgot-password way through the mail (authfcgi mail --once into
# fake-sendmail) to a new password; Apache's ErrorDocument 401 params sent with cgi-fcgi; an
# enrolled user's sign-in through /auth/two-factor with a TOTP code computed here.
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

watchdog 300
tmpdir_new
stack_db

MAILDIR=$TEST_TMP/mail
EX=$TEST_TMP/exchanges
mkdir -p "$EX"
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
PORT=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$PORT
SITE=$AUTHFCGI_BASE_URL
export AUTHFCGI_RATE_LIMIT=on
# Each exchange comes from its own address (X-Forwarded-For, trusted from lighttpd), so the
# sign-in limit (3 per 10 s) meets only the requests that test it.
export AUTHFCGI_TRUSTED_PROXIES=127.0.0.1/32
export AUTHFCGI_PASSWORD_COST=1
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
# The test delivers with `authfcgi mail --once`, as cron does.
export AUTHFCGI_MAIL_POLL_MS=3600000
export AUTHFCGI_TWO_FACTOR=on
stack_front lighttpd "$PORT"

EMAIL=pages.$$@example.com
PASSWORD=correct-horse-9
JAR=$TEST_TMP/jar

# req NAME METHOD PATH [CURL-ARGS...] - one exchange kept in $EX; sets STATUS, BODY, LOCATION,
# CTYPE, COOKIES. The client's address is $XFF, else one of its own per exchange.
N=0
req() {
	local name=$1 method=$2 path=$3 stem
	shift 3
	N=$((N + 1))
	printf -v stem '%s/%04d' "$EX" "$N"
	STATUS=$(curl -sS -m 20 -H "X-Forwarded-For: ${XFF:-192.0.2.$((N % 250 + 1))}" \
		-X "$method" -D "$stem.headers" -o "$stem.body" -w '%{http_code}' \
		"$@" "$SITE$path" 2>"$stem.curl") || STATUS="curl-exit-$?"
	echo "$name: $method $path -> $STATUS" >"$stem.meta"
	BODY=$(cat "$stem.body")
	LOCATION=$(sed -n 's/^[Ll]ocation: *//p' "$stem.headers" | tr -d '\r' | tail -n 1)
	CTYPE=$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$stem.headers" | tr -d '\r' | tail -n 1)
	COOKIES=$(sed -n 's/^[Ss]et-[Cc]ookie: *//p' "$stem.headers" | tr -d '\r')
}

# form NAME PATH DATA [CURL-ARGS...] - a form POST from the site itself (Origin and
# Sec-Fetch-* as a browser sends them), with the jar.
form() {
	local name=$1 path=$2 data=$3
	shift 3
	req "$name" POST "$path" -b "$JAR" -c "$JAR" -H "Origin: $SITE" \
		-H 'Sec-Fetch-Site: same-origin' -H 'Sec-Fetch-Mode: navigate' \
		-H 'Content-Type: application/x-www-form-urlencoded' --data-raw "$data" "$@"
}

# expect NAME STATUS [LOCATION] - the last exchange's status (and Location).
expect() {
	if [[ $STATUS == "$2" && (-z ${3:-} || $LOCATION == "$3") ]]; then
		ok "$1"
	else
		not_ok "$1: status $STATUS, Location '$LOCATION' (expected $2 ${3:-})"
		printf '%s\n' "$BODY" | head -20 | sed 's/^/# /'
	fi
}

# shows NAME TEXT / hides NAME TEXT - the last body has (has not) TEXT.
shows() { if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1: no '$2' in the page"; fi; }
hides() { if [[ $BODY != *"$2"* ]]; then ok "$1"; else not_ok "$1: '$2' in the page"; fi; }

session_email() {
	req "get-session" GET /api/auth/get-session -b "$JAR"
	$PY -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["user"]["email"] if d else "null")' "$BODY"
}

# ---- the pages are there -------------------------------------------------------------------

req "sign-in page" GET "/auth/sign-in?callbackURL=%2Fprivate%2F"
expect "GET /auth/sign-in: 200" 200
[[ $CTYPE == "text/html; charset=utf-8" ]]
check $? "GET /auth/sign-in: text/html"
shows "the form posts back with the return target" \
	'action="/auth/sign-in?callbackURL=%2Fprivate%2F"'
shows "the e-mail input is labelled and autocompletes" 'autocomplete="username"'
req "stylesheet" GET /auth/style.css
expect "GET /auth/style.css: 200" 200
[[ $CTYPE == "text/css; charset=utf-8" ]]
check $? "the stylesheet is text/css"
req "no such page" GET /auth/nope
expect "GET /auth/nope: 404" 404
req "foreign target" GET "/auth/sign-in?callbackURL=https%3A%2F%2Fevil.example%2F"
expect "a foreign return target: 403" 403
hides "the foreign target is dropped from the page" "evil.example"

# Apache's ErrorDocument 401 /auth/sign-in: an internal redirect keeps the original request in
# REQUEST_URI and says so in REDIRECT_URL; the page served is SCRIPT_NAME, and the original URL
# is its return target. No web server here does that: cgi-fcgi sends the params Apache would.
out=$(env -i REQUEST_METHOD=GET 'REQUEST_URI=/private/?x=1' SCRIPT_NAME=/auth/sign-in \
	QUERY_STRING= REDIRECT_URL=/private/ REDIRECT_QUERY_STRING=x=1 REDIRECT_STATUS=401 \
	REMOTE_ADDR=127.0.0.1 HTTP_ACCEPT=text/html cgi-fcgi -bind -connect "$POOL_SOCKET" 2>&1) || true
[[ $out == *'action="/auth/sign-in?callbackURL=%2Fprivate%2F%3Fx%3D1"'* ]]
check $? "ErrorDocument: the sign-in page takes REDIRECT_URL as its return target"
[[ $out == "Status: 401"* ]]
check $? "ErrorDocument: the page keeps the error's status (REDIRECT_STATUS 401)"

# ---- sign up, out, in ----------------------------------------------------------------------

form "sign up" "/auth/sign-up?callbackURL=%2Fprivate%2F" \
	"name=Page+Tester&email=${EMAIL/@/%40}&password=$PASSWORD"
expect "sign-up form: 303 to the return target" 303 /private/
[[ $COOKIES == *better-auth.session_token=* ]]
check $? "sign-up sets the session cookie"
[[ $(session_email) == "$EMAIL" ]]
check $? "the new session is the new user's"

form "sign out" /auth/sign-out ""
expect "sign-out form: 303 to the sign-in page" 303 /auth/sign-in
[[ $(session_email) == null ]]
check $? "signed out: get-session says null"

form "wrong password" "/auth/sign-in?callbackURL=%2Fprivate%2F" \
	"email=${EMAIL/@/%40}&password=wrong-password-1"
expect "a wrong password: 401" 401
shows "the e-mail is kept" "value=\"$EMAIL\""
hides "the password is not" "wrong-password-1"
shows "the error is announced and focused" 'role="alert" tabindex="-1" autofocus'
shows "the inputs point at the error" 'aria-describedby="form-error"'

form "sign in" "/auth/sign-in?callbackURL=%2Fprivate%2F%3Fa%3D1" \
	"email=${EMAIL/@/%40}&password=$PASSWORD&rememberMe=false&rememberMe=true"
expect "sign-in form: 303 to the return target" 303 "/private/?a=1"
[[ $(session_email) == "$EMAIL" ]]
check $? "signed in"

# ---- forms from elsewhere ------------------------------------------------------------------

req "cross-origin" POST /auth/sign-out -b "$JAR" -H "Origin: https://evil.example" \
	-H 'Content-Type: application/x-www-form-urlencoded' --data-raw ""
expect "a sign-out form from another origin: 403" 403
[[ $(session_email) == "$EMAIL" ]]
check $? "still signed in after the foreign sign-out form"
req "cross-site sign-in" POST /auth/sign-in -H "Origin: https://evil.example" \
	-H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: navigate' \
	-H 'Content-Type: application/x-www-form-urlencoded' \
	--data-raw "email=${EMAIL/@/%40}&password=$PASSWORD"
expect "a cross-site sign-in form (login CSRF): 403" 403
[[ -z $COOKIES ]]
check $? "no cookie for the cross-site sign-in"
form "foreign target" "/auth/sign-in?callbackURL=%2F%2Fevil.example" \
	"email=${EMAIL/@/%40}&password=$PASSWORD"
expect "a sign-in form with a foreign return target: 403" 403

# ---- forgot password, by mail --------------------------------------------------------------

form "forgot" "/auth/forgot-password?callbackURL=%2Fprivate%2F" "email=${EMAIL/@/%40}"
expect "forgot-password form: 200" 200
shows "it says to read the mail" "Check your e-mail"
deadline=$((SECONDS + 20))
until [[ $(pg_psql -At -c "SELECT count(*) FROM authfcgi_outbox WHERE status = 'pending'") -ge 1 ]] ||
	((SECONDS > deadline)); do
	sleep 0.05
done
"$AUTHFCGI_BIN" mail --once >>"$TEST_TMP/mail.log" 2>&1
check $? "authfcgi mail --once"
newest=$(find "$MAILDIR" -name '*.eml' | sort | tail -n 1)
LINK=$($PY - "$newest" "$SITE/api/auth/" <<'EOF'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
print(next((l.strip() for l in m.get_content().splitlines() if l.strip().startswith(sys.argv[2])), ""))
EOF
)
[[ $LINK == "$SITE/api/auth/reset-password/"*"?callbackURL=%2Fauth%2Freset-password%3FcallbackURL%3D%252Fprivate%252F" ]]
check $? "the mail links to the API, which leads to the reset page ($LINK)"
req "the link" GET "${LINK#"$SITE"}"
expect "the link: 302" 302
[[ $LOCATION == "$SITE/auth/reset-password?callbackURL=%2Fprivate%2F&token="* ]]
check $? "the link leads to the reset page with its token ($LOCATION)"
TOKEN=${LOCATION##*token=}
req "reset page" GET "${LOCATION#"$SITE"}"
expect "the reset page: 200" 200
shows "it holds the token" "name=\"token\" value=\"$TOKEN\""
NEWPW=another-horse-7
form "reset" "/auth/reset-password?callbackURL=%2Fprivate%2F" "token=$TOKEN&newPassword=$NEWPW"
expect "the reset form: 200" 200
shows "the password was changed" "Password changed"
form "old password" /auth/sign-in "email=${EMAIL/@/%40}&password=$PASSWORD"
expect "the old password no longer signs in" 401
form "new password" "/auth/sign-in?callbackURL=%2Fprivate%2F" "email=${EMAIL/@/%40}&password=$NEWPW"
expect "the new password signs in" 303 /private/

# ---- the second factor (AUTHFCGI_TWO_FACTOR) -----------------------------------------------

# api NAME PATH JSON - a JSON POST from the site, with the jar.
api() {
	req "$1" POST "$2" -b "$JAR" -c "$JAR" -H "Origin: $SITE" \
		-H 'Content-Type: application/json' --data-raw "$3"
}
# totp - the authenticator's code now for $TOTP_SECRET (the URI's base32), RFC 6238.
totp() {
	$PY - "$TOTP_SECRET" <<'EOF'
import base64, hashlib, hmac, struct, sys, time
s = sys.argv[1]
key = base64.b32decode(s + "=" * (-len(s) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
EOF
}
api "enable" /api/auth/two-factor/enable "{\"password\":\"$NEWPW\"}"
expect "two-factor enable: 200" 200
TOTP_SECRET=$($PY -c 'import json, sys, urllib.parse as u
print(u.parse_qs(u.urlparse(json.loads(sys.argv[1])["totpURI"]).query)["secret"][0])' "$BODY")
api "enrol" /api/auth/two-factor/verify-totp "{\"code\":\"$(totp)\"}"
expect "the first code completes the enrolment: 200" 200
form "sign out before 2fa" /auth/sign-out ""
expect "signed out" 303 /auth/sign-in
form "sign in, 2fa" "/auth/sign-in?callbackURL=%2Fprivate%2F" "email=${EMAIL/@/%40}&password=$NEWPW"
expect "an enrolled user's sign-in form: 303 to the two-factor page" 303 \
	"/auth/two-factor?callbackURL=%2Fprivate%2F"
[[ $COOKIES == *better-auth.two_factor=?* && $(session_email) == null ]]
check $? "the two_factor cookie, no session yet"
req "two-factor page" GET "/auth/two-factor?callbackURL=%2Fprivate%2F" -b "$JAR"
expect "GET /auth/two-factor: 200" 200
shows "it asks for the authenticator's code" 'autocomplete="one-time-code"'
shows "it offers to trust the device" "Trust this device"
shows "it offers a backup code" "Use a backup code instead"
shows "it offers a code by e-mail" 'value="send-otp"'
CODE=$(totp)
form "wrong code" "/auth/two-factor?callbackURL=%2Fprivate%2F" \
	"method=totp&code=$([[ $CODE == 000000 ]] && echo 111111 || echo 000000)"
expect "a wrong code: 401" 401
shows "the wrong code is announced" 'role="alert"'
form "right code" "/auth/two-factor?callbackURL=%2Fprivate%2F" \
	"method=totp&code=$(totp)&trustDevice=true"
expect "the right code: 303 to the return target" 303 /private/
[[ $COOKIES == *better-auth.trust_device=?* ]]
check $? "trustDevice sets the trust_device cookie"
[[ $(session_email) == "$EMAIL" ]]
check $? "signed in with the second factor"

# ---- the same rate limit as the API --------------------------------------------------------

XFF=198.51.100.7
for i in 1 2 3 4; do
	form "limited $i" /auth/sign-in "email=nobody%40example.com&password=wrong-password-$i"
done
expect "the sign-in page is rate-limited as the API: 429" 429
shows "it says to wait" "Too many attempts"
req "api limited" POST /api/auth/sign-in/email -H 'Content-Type: application/json' \
	--data-raw "{\"email\":\"$EMAIL\",\"password\":\"$NEWPW\"}"
expect "the API's sign-in shares the bucket: 429" 429

stack_sanitizer_clean pool "$POOL_LOG"
finish
