#!/bin/bash
# test/e2e/mail_flows.sh - password reset, e-mail verification, change of e-mail and required
# verification end to end: PostgreSQL, `authfcgi serve` behind lighttpd, and the mail going out
# through `authfcgi mail --once` (as cron runs it) into test/lib/fake-sendmail. The test reads
# each delivered message like a user would (To, Subject, the link on its own line) and follows
# the link with curl; every flow's link is then tried a second time and must be refused. The
# database is checked for what the flows promise (token rows used up, outbox rows sent), and
# every response is finally checked against schema/openapi.yaml.
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

watchdog 300
tmpdir_new
if ! "$PY" -c 'import yaml, jsonschema' 2>/dev/null; then
	not_ok "$PY imports yaml and jsonschema (python3-yaml, python3-jsonschema)"
	finish
fi
stack_db

MAILDIR=$TEST_TMP/mail
EX=$TEST_TMP/exchanges
JARS=$TEST_TMP/jars
mkdir -p "$EX" "$JARS"
unpriv_dir "$MAILDIR" # the mailer (AUTHFCGI_USER when root) writes here
PORT=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$PORT
BASE=$AUTHFCGI_BASE_URL/api/auth
export AUTHFCGI_TRUSTED_ORIGINS=$TRUSTED
export AUTHFCGI_TRUSTED_PROXIES=127.0.0.1/32
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_CHANGE_EMAIL=on
export AUTHFCGI_WORKERS=2
export AUTHFCGI_MAIL_FROM='authfcgi tests <noreply@example.com>'
AUTHFCGI_SENDMAIL="$(unpriv_tool fake-sendmail) $MAILDIR -t -i"
export AUTHFCGI_SENDMAIL
# serve's own mailer looks once when it starts and then sleeps for an hour: the mail of this
# test goes out only when the test runs `authfcgi mail --once`, as cron does under mod_fcgid.
export AUTHFCGI_MAIL_POLL_MS=3600000

stack_front lighttpd "$PORT"

# ---- requests ------------------------------------------------------------------------------

N=0
# req NAME METHOD URL [CURL-ARGS...] - one exchange, recorded for the contract check. URL is
# below /api/auth unless it starts with http. Sets STATUS, BODY, LOCATION, COOKIES (the
# Set-Cookie lines), CTYPE.
req() {
	local name=$1 method=$2 url=$3 stem
	shift 3
	[[ $url == http* ]] || url=$BASE$url
	N=$((N + 1))
	printf -v stem '%s/%04d' "$EX" "$N"
	STATUS=$(curl -sS -m 20 -X "$method" -D "$stem.headers" -o "$stem.body" -w '%{http_code}' \
		"$@" "$url" 2>"$stem.curl") || STATUS="curl-exit-$?"
	printf '%s\t%s\t%s\t%s\n' "$name" "$method" "${url#"$AUTHFCGI_BASE_URL"}" "$STATUS" >"$stem.meta"
	BODY=$(cat "$stem.body")
	LOCATION=$(sed -n 's/^[Ll]ocation: *//p' "$stem.headers" | tr -d '\r' | tail -n 1)
	CTYPE=$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$stem.headers" | tr -d '\r' | tail -n 1)
	COOKIES=$(sed -n 's/^[Ss]et-[Cc]ookie: *//p' "$stem.headers" | tr -d '\r')
	CASE=$name
}

# post NAME PATH JSON [as JAR] - a JSON POST; "as JAR" sends and keeps that jar's cookies with
# the trusted Origin, as a browser on the site would.
post() {
	local name=$1 path=$2 args=(-H 'Content-Type: application/json' --data-raw "$3")
	if [[ ${4:-} == as ]]; then
		: >>"$JARS/$5"
		args+=(-b "$JARS/$5" -c "$JARS/$5" -H "Origin: $TRUSTED")
	fi
	req "$name" POST "$path" "${args[@]}"
}

# get NAME URL [as JAR]
get() {
	local name=$1 url=$2 args=()
	if [[ ${3:-} == as ]]; then
		: >>"$JARS/$4"
		args+=(-b "$JARS/$4" -c "$JARS/$4")
	fi
	req "$name" GET "$url" "${args[@]}"
}

# expect STATUS [CHECK...] - checks on the last exchange: body=TEXT (exact), code=CODE,
# location=TEXT (exact), location~REGEX, nocookie, cookie, or a jq expression that must be true.
expect() {
	local want=$1 c why=""
	shift
	[[ $STATUS == "$want" ]] || why="status $STATUS, expected $want"
	for c in "$@"; do
		[[ -n $why ]] && break
		case $c in
		body=*) [[ $BODY == "${c#body=}" ]] || why="body $BODY" ;;
		code=*) [[ $(jq -r '.code // empty' <<<"$BODY" 2>/dev/null) == "${c#code=}" ]] || why="body $BODY" ;;
		location=*) [[ $LOCATION == "${c#location=}" ]] || why="Location '$LOCATION'" ;;
		location~*) [[ $LOCATION =~ ${c#location~} ]] || why="Location '$LOCATION'" ;;
		nocookie) [[ -z $COOKIES ]] || why="Set-Cookie $COOKIES" ;;
		cookie) [[ -n $COOKIES ]] || why="no Set-Cookie" ;;
		*) [[ $(jq -r "$c" <<<"$BODY" 2>/dev/null) == true ]] || why="$c is not true for $BODY" ;;
		esac
	done
	if [[ -z $why ]]; then
		ok "$CASE"
	else
		not_ok "$CASE: $why"
	fi
}

# sql QUERY - one value from the database.
sql() {
	pg_psql -At -c "$1"
}

# ---- mail ----------------------------------------------------------------------------------

# deliver NAME COUNT - run `authfcgi mail --once` (it must exit 0) and expect exactly COUNT
# new messages; MAIL_TO, MAIL_SUBJECT and MAIL_LINK describe the newest.
deliver() {
	local name=$1 want=$2 before after newest fields
	# A mail that only a known address gets (request-password-reset, change-email,
	# send-verification-email without a session) is queued just after the answer, so that
	# the answer does not tell: wait until the workers are past that work instead of racing
	# it. Waiting for WANT pending rows would not do: with WANT 0 (no mail for an unknown
	# address) it holds before a wrong mail could have been queued, and with WANT 1 before a
	# second one.
	if ! pool_quiesce 20; then
		not_ok "$name: the workers finish the work after their answers"
		return 0
	fi
	before=$(find "$MAILDIR" -name '*.eml' | wc -l)
	if ! "$AUTHFCGI_BIN" mail --once >>"$TEST_TMP/mail.log" 2>&1; then
		not_ok "$name: authfcgi mail --once exits 0"
		show_log "$TEST_TMP/mail.log" 20
		return 0
	fi
	after=$(find "$MAILDIR" -name '*.eml' | wc -l)
	if ((after - before != want)); then
		not_ok "$name: $((after - before)) messages delivered, expected $want"
		return 0
	fi
	ok "$name: $want message(s) delivered"
	MAIL_TO='' MAIL_SUBJECT='' MAIL_LINK=''
	((want > 0)) || return 0
	newest=$(find "$MAILDIR" -name '*.eml' | sort | tail -n 1)
	fields=$("$PY" - "$newest" "$BASE/" <<'EOF'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
body = m.get_content()
# The link is alone on its line; the reader takes the first line that is one.
link = next((l.strip() for l in body.splitlines() if l.strip().startswith(sys.argv[2])), "")
print(m["To"], m["Subject"], link, sep="\t")
EOF
	)
	IFS=$'\t' read -r MAIL_TO MAIL_SUBJECT MAIL_LINK <<<"$fields"
}

# expect_mail NAME TO SUBJECT LINK-REGEX
expect_mail() {
	if [[ $MAIL_TO == "$2" && $MAIL_SUBJECT == "$3" && $MAIL_LINK =~ $4 ]]; then
		ok "$1"
	else
		not_ok "$1: To '$MAIL_TO', Subject '$MAIL_SUBJECT', link '$MAIL_LINK'"
	fi
}

RESET_OK='{"status":true,"message":"If this email exists in our system, check your email for the reset link"}'
ALICE=alice.mail@example.com
ALICE_NEW=alice.renamed@example.com
BOB=bob.mail@example.com
PW=password123
PW2=newpassword456

post "sign-up alice" /sign-up/email "{\"email\":\"$ALICE\",\"password\":\"$PW\",\"name\":\"Alice\"}"
expect 200 cookie
post "sign-up bob" /sign-up/email "{\"email\":\"$BOB\",\"password\":\"$PW\",\"name\":\"Bob\"}"
expect 200 cookie
deliver "sign-up mails nothing by default" 0

# ---- password reset [main-30..34] ------------------------------------------------------------

post "main-31 request-password-reset, upper-case address" /request-password-reset \
	"{\"email\":\"${ALICE^^}\",\"redirectTo\":\"/reset\"}"
expect 200 "body=$RESET_OK"
deliver "reset mail" 1
expect_mail "reset mail: to the stored address, the link alone on its line" "$ALICE" \
	"Reset your password" "^$BASE/reset-password/[A-Za-z0-9]{24}\?callbackURL=%2Freset\$"
RESET_LINK=$MAIL_LINK
TOKEN=${RESET_LINK#"$BASE/reset-password/"}
TOKEN=${TOKEN%%\?*}
# At rest the row holds the token's SHA-256 (AUTHFCGI_SESSION_STORAGE=hash, the default): a
# reader of the database finds no live link, neither there nor in the delivered mail's row.
TOKEN_SHA=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
ROWS=$(sql "SELECT identifier || ' ' || value FROM verification WHERE identifier LIKE 'reset-password:%'")
LEAKS=$(sql "SELECT (SELECT count(*) FROM verification WHERE strpos(identifier || value, '$TOKEN') > 0)
	+ (SELECT count(*) FROM authfcgi_outbox WHERE strpos(coalesce(message, ''), '$TOKEN') > 0)")
[[ $ROWS == "reset-password:$TOKEN_SHA "* && $(wc -l <<<"$ROWS") == 1 && $LEAKS == 0 ]] &&
	ok "the reset row holds the token's SHA-256, no table the token" ||
	not_ok "reset token at rest: rows '$ROWS', $LEAKS rows with the raw token"
get "main-32 the mail link hands the token on" "$RESET_LINK"
expect 302 "location=$AUTHFCGI_BASE_URL/reset?token=$TOKEN" nocookie
[[ $CTYPE == application/json* && -z $BODY ]] && ok "main-32 302 with an empty JSON body" ||
	not_ok "main-32 302: Content-Type '$CTYPE', body '$BODY'"
post "main-33 a short password, checked before the token" /reset-password \
	"{\"newPassword\":\"short\",\"token\":\"$TOKEN\"}"
expect 400 code=PASSWORD_TOO_SHORT
post "main-34 reset-password" /reset-password "{\"newPassword\":\"$PW2\",\"token\":\"$TOKEN\"}"
expect 200 'body={"status":true}' nocookie
n=$(sql "SELECT count(*) FROM session s JOIN \"user\" u ON u.id = s.\"userId\" WHERE u.email = '$ALICE'")
[[ $n == 0 ]] && ok "the reset ended alice's sign-up session (AUTHFCGI_REVOKE_SESSIONS_ON_RESET)" ||
	not_ok "alice has $n session(s) after the reset"
post "main-34 the old password is gone" /sign-in/email "{\"email\":\"$ALICE\",\"password\":\"$PW\"}"
expect 401 code=INVALID_EMAIL_OR_PASSWORD
post "main-34 sign in with the new password" /sign-in/email "{\"email\":\"$ALICE\",\"password\":\"$PW2\"}"
expect 200 '.user.email == "'"$ALICE"'"'
post "main-34 the token twice: INVALID_TOKEN" /reset-password \
	"{\"newPassword\":\"another-password\",\"token\":\"$TOKEN\"}"
expect 400 code=INVALID_TOKEN
get "main-32 the used link redirects with the error" "$RESET_LINK"
expect 302 "location=$AUTHFCGI_BASE_URL/reset?error=INVALID_TOKEN"
[[ $(sql "SELECT count(*) FROM verification WHERE identifier = 'reset-password:$TOKEN_SHA'") == 0 ]] &&
	ok "the reset token's row is gone" || not_ok "the reset token's row is still there"

post "main-31 an unknown address: the same answer" /request-password-reset \
	'{"email":"nobody.mail@example.com","redirectTo":"/reset"}'
expect 200 "body=$RESET_OK"
deliver "mail --once with nothing pending" 0

post "request-password-reset for bob, no redirectTo" /request-password-reset "{\"email\":\"$BOB\"}"
expect 200 "body=$RESET_OK"
deliver "bob's reset mail" 1
expect_mail "bob's reset mail: empty callbackURL" "$BOB" "Reset your password" \
	"^$BASE/reset-password/[A-Za-z0-9]{24}\?callbackURL=\$"
TOKEN=${MAIL_LINK#"$BASE/reset-password/"}
TOKEN=${TOKEN%%\?*}
get "main-32 an empty callbackURL goes to the error page" "$MAIL_LINK"
expect 302 "location=$BASE/error?error=INVALID_TOKEN"
post "main-34 the token as ?token=" "/reset-password?token=$TOKEN" "{\"newPassword\":\"$PW2\"}"
expect 200 'body={"status":true}'
post "bob signs in with the new password" /sign-in/email "{\"email\":\"$BOB\",\"password\":\"$PW2\"}"
expect 200

# ---- e-mail verification [main-37..39] -------------------------------------------------------

post "alice signs in" /sign-in/email "{\"email\":\"$ALICE\",\"password\":\"$PW2\"}" as alice
expect 200 cookie
post "main-38 another address than the session's" /send-verification-email \
	'{"email":"other.mail@example.com"}' as alice
expect 400 code=EMAIL_MISMATCH
post "main-38 send-verification-email with a session" /send-verification-email \
	"{\"email\":\"$ALICE\",\"callbackURL\":\"/verified\"}" as alice
expect 200 'body={"status":true}'
deliver "verification mail" 1
expect_mail "verification mail: a JWT link with the callback" "$ALICE" \
	"Verify your e-mail address" "^$BASE/verify-email\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}&callbackURL=%2Fverified\$"
VERIFY_LINK=$MAIL_LINK
post "alice signs in on another device, before verifying" /sign-in/email \
	"{\"email\":\"$ALICE\",\"password\":\"$PW2\"}" as alice-other
expect 200 cookie
get "main-39 the link verifies and redirects (opened in alice's browser)" "$VERIFY_LINK" as alice
expect 302 location=/verified nocookie
[[ $(sql "SELECT \"emailVerified\" FROM \"user\" WHERE email = '$ALICE'") == t ]] &&
	ok "alice is verified" || not_ok "alice is not verified"
get "the first verification ended the other device's session" /get-session as alice-other
expect 200 'body=null'
get "the browser that opened the link keeps its session" /get-session as alice
expect 200 ".user.email == \"$ALICE\" and .user.emailVerified == true"
get "the verification link twice (single use)" "$VERIFY_LINK"
expect 302 location=/verified?error=INVALID_TOKEN
get "the verification link twice, without callbackURL" "${VERIFY_LINK%%&callbackURL=*}"
expect 401 code=INVALID_TOKEN
post "main-39 already verified" /send-verification-email "{\"email\":\"$ALICE\"}" as alice
expect 400 code=EMAIL_ALREADY_VERIFIED
get "main-39 a token that is no JWT" "/verify-email?token=not-a-jwt&callbackURL=%2Fverified"
expect 302 location=/verified?error=INVALID_TOKEN

post "main-37 without a session, for an unverified user" /send-verification-email "{\"email\":\"$BOB\"}"
expect 200 'body={"status":true}'
deliver "bob's verification mail" 1
expect_mail "bob's verification mail: callbackURL /" "$BOB" "Verify your e-mail address" \
	"^$BASE/verify-email\?token=[^&]+&callbackURL=%2F\$"
get "main-39 without callbackURL: 200" "${MAIL_LINK%%&callbackURL=*}"
expect 200 'body={"status":true,"user":null}'
post "main-37 without a session, unknown address" /send-verification-email '{"email":"nobody.mail@example.com"}'
expect 200 'body={"status":true}'
deliver "no mail for an unknown address" 0

# ---- change of e-mail [main-40..42] ----------------------------------------------------------

post "main-40 change-email" /change-email "{\"newEmail\":\"$ALICE_NEW\",\"callbackURL\":\"/profile\"}" as alice
expect 200 'body={"status":true}'
[[ $(sql "SELECT email FROM \"user\" WHERE email IN ('$ALICE', '$ALICE_NEW')") == "$ALICE" ]] &&
	ok "main-40 nothing changes before the link is opened" || not_ok "main-40 the address changed early"
deliver "change-email mail" 1
expect_mail "main-40 the link goes to the new address" "$ALICE_NEW" \
	"Confirm your new e-mail address" "^$BASE/verify-email\?token=[^&]+&callbackURL=%2Fprofile\$"
CHANGE_LINK=$MAIL_LINK
get "main-40 opened in the session: the new address, the cookie again" \
	"${CHANGE_LINK%%&callbackURL=*}" as alice
expect 200 cookie ".user.email == \"$ALICE_NEW\" and .user.emailVerified == true"
[[ $(sql "SELECT email FROM \"user\" WHERE email IN ('$ALICE', '$ALICE_NEW')") == "$ALICE_NEW" ]] &&
	ok "main-40 the address changed" || not_ok "main-40 the address did not change"
get "the change link twice (single use)" "$CHANGE_LINK"
expect 302 location=/profile?error=INVALID_TOKEN
post "sign in with the new address" /sign-in/email "{\"email\":\"$ALICE_NEW\",\"password\":\"$PW2\"}"
expect 200
post "main-41 a taken address: 200, no mail" /change-email "{\"newEmail\":\"$BOB\"}" as alice
expect 200 'body={"status":true}'
deliver "no mail for a taken address" 0
post "main-41 the same address" /change-email "{\"newEmail\":\"${ALICE_NEW^^}\"}" as alice
expect 400 'body={"message":"Email is the same"}'

# ---- AUTHFCGI_REQUIRE_EMAIL_VERIFICATION [requireverification-01] ----------------------------

pool_stop 10
export AUTHFCGI_REQUIRE_EMAIL_VERIFICATION=on
if ! pool_start; then
	not_ok "authfcgi serve starts with AUTHFCGI_REQUIRE_EMAIL_VERIFICATION=on"
	finish
fi
RV=rv.mail@example.com
post "requireverification-01 sign-up: no session" /sign-up/email \
	"{\"email\":\"$RV\",\"password\":\"$PW\",\"name\":\"RV\",\"callbackURL\":\"/welcome\"}"
expect 200 nocookie ".token == null and .user.email == \"$RV\" and .user.emailVerified == false"
RV_ID=$(jq -r .user.id <<<"$BODY")
post "requireverification-01 a duplicate: a synthetic 200" /sign-up/email \
	"{\"email\":\"$RV\",\"password\":\"$PW\",\"name\":\"RV\"}"
expect 200 nocookie ".token == null and .user.id != \"$RV_ID\" and (.user.id | length) == 32"
post "requireverification-01 sign-in before verifying" /sign-in/email "{\"email\":\"$RV\",\"password\":\"$PW\"}"
expect 403 code=EMAIL_NOT_VERIFIED nocookie
post "requireverification-01 a wrong password still fails first" /sign-in/email \
	"{\"email\":\"$RV\",\"password\":\"wrong-password\"}"
expect 401 code=INVALID_EMAIL_OR_PASSWORD
deliver "requireverification-01 the sign-up mail (and only it)" 1
expect_mail "requireverification-01 the link carries /welcome" "$RV" "Verify your e-mail address" \
	"^$BASE/verify-email\?token=[^&]+&callbackURL=%2Fwelcome\$"
get "requireverification-01 the link" "$MAIL_LINK"
expect 302 location=/welcome
post "requireverification-01 sign-in after verifying" /sign-in/email "{\"email\":\"$RV\",\"password\":\"$PW\"}"
expect 200 cookie ".user.emailVerified == true and .user.id == \"$RV_ID\""
[[ $(sql "SELECT count(*) FROM \"user\" WHERE email = '$RV'") == 1 ]] &&
	ok "requireverification-01 one user row" || not_ok "requireverification-01 duplicate rows"

# ---- what the database holds -----------------------------------------------------------------

outbox=$(sql "SELECT string_agg(kind || ':' || status, ' ' ORDER BY id) FROM authfcgi_outbox")
want="reset-password:sent reset-password:sent verify-email:sent verify-email:sent change-email:sent verify-email:sent"
[[ $outbox == "$want" ]] && ok "outbox: every mail sent once ($outbox)" || not_ok "outbox: $outbox, expected $want"
calls=$(wc -l <"$MAILDIR/calls")
((calls == 6)) && ok "the sendmail command ran 6 times" || not_ok "the sendmail command ran $calls times"
left=$(sql "SELECT count(*) FROM verification WHERE \"expiresAt\" > now()")
((left == 0)) && ok "no usable link is left" || not_ok "$left usable verification rows left"

# Every response against the contract, in one run of the checker.
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

for log in "$POOL_LOG" "$TEST_TMP/mail.log"; do
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
		not_ok "sanitizer report in $log"
		grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -40 | sed 's/^/# /'
	fi
done

finish
