#!/bin/bash
# shellcheck disable=SC2119 # pool_start and front_stop take no arguments here
# test/e2e/protect_site.sh - the whole site "/" behind authfcgi, sign-in pages included
# (deploy/protect/site-*.conf and site-htaccess, README "Protect any path", "The whole site"),
# on lighttpd, nginx, Apache + mod_fcgid from the vhost config and from an .htaccess in the
# DocumentRoot. Per front: a browser without a session asking for any page gets to the
# sign-in page (302, or Apache's ErrorDocument 401 serving it), which renders with its
# stylesheet; the form signs in and lands back on the page asked for (303, then 200 from the
# app); /api/auth/ answers; an API client or an XMLHttpRequest gets 401 JSON; a public asset
# is served without a session; nothing loops; other spellings of a protected path that pass
# through /auth/ are not served, nor are identity or URL headers a client sends believed.
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
skip_in_sanitizer_build "the configs are the point here; the authorizer's C paths run under the sanitizers in protect.sh and authorize.sh"

TRUSTED=http://localhost:8080
PASSWORD=correct-horse-battery

watchdog 400
tmpdir_new
need_tools curl jq
stack_db

RULES=$TEST_TMP/access.rules
printf '%s\n' '# protect_site.sh: public assets, the rest needs a session' '/assets/ public' >"$RULES"
chmod 0644 "$RULES"
export AUTHFCGI_ACCESS_RULES=$RULES
export AUTHFCGI_BASE_URL=$TRUSTED
export AUTHFCGI_TRUSTED_ORIGINS=$TRUSTED
export AUTHFCGI_RATE_LIMIT=off
export AUTHFCGI_PASSWORD_COST=1
pool_start

# req [CURL ARGS...] URL - one request: CODE, BODY, HDRS (header lines), LOCATION, CTYPE.
req() {
	local out=$TEST_TMP/body hdr=$TEST_TMP/headers
	CODE=$(curl -s -m 20 -o "$out" -D "$hdr" -w '%{http_code}' "$@") || CODE=000
	BODY=$(<"$out")
	HDRS=$(tr -d '\r' <"$hdr")
	LOCATION=$(sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tail -n 1)
	CTYPE=$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' <<<"$HDRS" | tail -n 1)
}

# want NAME STATUS [CURL ARGS...] URL - the status is STATUS (a regex); MET is 1 when it was.
want() {
	local name=$1 status=$2
	shift 2
	req "$@"
	MET=0
	if [[ $CODE =~ ^($status)$ ]]; then
		ok "$KIND: $name ($CODE)"
		MET=1
		return 0
	fi
	not_ok "$KIND: $name: status $CODE, expected $status"
	printf '%s\n' "$HDRS" | head -12 | sed 's/^/#   /'
	printf '%s\n' "${BODY:0:300}" | sed 's/^/#   /'
}

# has NAME TEXT - the last body holds TEXT.
has() {
	if [[ $BODY == *"$2"* ]]; then ok "$KIND: $1"; else
		not_ok "$KIND: $1: no '$2' in ${BODY:0:300}"
	fi
}

# sign_in_page PATH TARGET - a browser without a session asks for PATH: it ends on the
# sign-in page (one redirect, or Apache's ErrorDocument) whose form returns to TARGET (the
# escaped path and query); FORM is the form's action.
sign_in_page() {
	local path=$1 target=$2
	if [[ $KIND == apache* ]]; then
		want "no session: $path: 401, the sign-in page" 401 -H 'Accept: text/html' "$FRONT_URL$path"
	else
		want "no session: $path: redirect to sign in" 302 -H 'Accept: text/html' "$FRONT_URL$path"
		((MET)) || return 0
		if [[ $LOCATION == "/auth/sign-in?callbackURL=$target" ]]; then
			ok "$KIND: $path: Location $LOCATION"
		else
			not_ok "$KIND: $path: Location '$LOCATION'"
		fi
		want "the sign-in page renders" 200 -H 'Accept: text/html' "$FRONT_URL$LOCATION"
	fi
	((MET)) || return 0
	if [[ $CTYPE == text/html* ]]; then
		ok "$KIND: the page is HTML"
	else
		not_ok "$KIND: page type '$CTYPE'"
	fi
	has "the page is the sign-in form returning to $target" \
		"action=\"/auth/sign-in?callbackURL=$target\""
	FORM="/auth/sign-in?callbackURL=$target"
	STYLE=$(grep -o '<link rel="stylesheet" href="[^"]*"' <<<"$BODY" | sed 's/.*href="//; s/"$//' || true)
}

# no_loop PATH - a browser following every redirect from PATH ends on a page, not in a loop.
no_loop() {
	local out n
	out=$(curl -s -m 20 -L --max-redirs 5 -o /dev/null -w '%{http_code} %{num_redirects}' \
		-H 'Accept: text/html' "$FRONT_URL$1") || true
	n=${out#* }
	if [[ ${out% *} =~ ^(200|401)$ ]] && ((n <= 1)); then
		ok "$KIND: $1: no loop ($out: status, redirects)"
	else
		not_ok "$KIND: $1: following redirects gave '$out'"
	fi
}

# json_401 NAME [CURL ARGS...] URL - an API client without a session: 401 JSON.
json_401() {
	local name=$1
	shift
	want "$name: 401" 401 "$@"
	((MET)) || return 0
	if [[ $(jq -r .code <<<"$BODY" 2>/dev/null) == UNAUTHORIZED ]]; then
		ok "$KIND: $name: JSON UNAUTHORIZED"
	else
		not_ok "$KIND: $name: body ${BODY:0:200}"
	fi
}

site_suite() {
	local www=$FRONT_DIR/www jar=$TEST_TMP/jar-$KIND email=site-$KIND@example.com p codes=""
	mkdir -p "$www/anything" "$www/assets"
	printf '<h1>App page</h1>\n' >"$www/anything/page.html"
	printf '<h1>Home</h1>\n' >"$www/index.html"
	printf 'body { color: black }\n' >"$www/assets/app.css"
	chmod -R a+rX "$www"

	# A browser without a session, any page: the sign-in page and its stylesheet.
	FORM='' STYLE=''
	sign_in_page "/anything/page.html?x=1" "%2Fanything%2Fpage.html%3Fx%3D1"
	local form=${FORM:-/auth/sign-in}
	if [[ -n ${STYLE:-} ]]; then
		want "the page's stylesheet $STYLE" 200 "$FRONT_URL$STYLE"
		if [[ $CTYPE == text/css* ]]; then
			ok "$KIND: stylesheet is CSS"
		else
			not_ok "$KIND: stylesheet type '$CTYPE'"
		fi
	else
		not_ok "$KIND: no stylesheet link in the sign-in page"
	fi
	sign_in_page "/" "%2F"
	no_loop "/anything/page.html"
	no_loop "/auth/sign-in"
	want "the sign-in page itself, asked for directly" 200 -H 'Accept: text/html' "$FRONT_URL/auth/sign-in"

	# API clients and scripts: 401 JSON, never a page.
	json_401 "JSON client" -H 'Accept: application/json' "$FRONT_URL/anything/page.html"
	json_401 "XMLHttpRequest" -H 'Accept: text/html' -H 'X-Requested-With: XMLHttpRequest' \
		"$FRONT_URL/anything/page.html"
	want "get-session without a session" 200 "$FRONT_URL/api/auth/get-session"
	if [[ $BODY == null ]]; then
		ok "$KIND: get-session says null"
	else
		not_ok "$KIND: get-session: $BODY"
	fi

	# The public rule: an asset for the sign-in page of the app, no session needed.
	want "public asset without a session" 200 "$FRONT_URL/assets/app.css"

	# Fail closed: paths through /auth/ that the server serves as a protected page, and
	# headers that name another URL, do not get it out without a session.
	for p in /auth/../anything/page.html /auth/%2e%2e/anything/page.html \
		/api/auth/../../anything/page.html //auth/../anything/page.html; do
		req --path-as-is -H 'Accept: application/json' "$FRONT_URL$p"
		codes+=" $CODE"
		if [[ $CODE == 200 || $BODY == *"App page"* ]]; then
			not_ok "$KIND: $p served without a session"
		fi
	done
	req -H 'Accept: application/json' -H 'X-Original-URL: /auth/sign-in' \
		-H 'X-Forwarded-Uri: /auth/sign-in' -H 'X-Rewrite-URL: /auth/sign-in' \
		-H 'Redirect-Status: 401' "$FRONT_URL/anything/page.html"
	codes+=" $CODE"
	if [[ $CODE == 200 || $BODY == *"App page"* ]]; then
		not_ok "$KIND: URL headers opened /anything/page.html"
	fi
	ok "$KIND: other spellings and URL headers: not served ($codes)"

	# Signing in through the form lands back on the page asked for.
	rm -f "$jar"
	req -H "Origin: $TRUSTED" -H 'Content-Type: application/json' \
		--data "{\"email\":\"$email\",\"password\":\"$PASSWORD\",\"name\":\"N $KIND\"}" \
		"$FRONT_URL/api/auth/sign-up/email"
	if [[ $CODE == 200 ]]; then
		ok "$KIND: sign-up through /api/auth/"
	else
		not_ok "$KIND: sign-up: $CODE $BODY"
	fi
	want "the sign-in form: 303" 303 -c "$jar" -H "Origin: $TRUSTED" -H 'Sec-Fetch-Site: same-origin' \
		-H 'Sec-Fetch-Mode: navigate' -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-raw "email=${email/@/%40}&password=$PASSWORD" "$FRONT_URL$form"
	if [[ $LOCATION == "/anything/page.html?x=1" ]]; then
		ok "$KIND: back to /anything/page.html?x=1"
	else
		not_ok "$KIND: the form sends to '$LOCATION'"
	fi
	want "signed in: the page from the app" 200 -b "$jar" -H 'Accept: text/html' "$FRONT_URL/anything/page.html?x=1"
	has "the app's page" "App page"
	want "signed in: get-session" 200 -b "$jar" "$FRONT_URL/api/auth/get-session"
	if [[ $(jq -r .user.email <<<"$BODY" 2>/dev/null) == "$email" ]]; then
		ok "$KIND: get-session names $email"
	else
		not_ok "$KIND: get-session: ${BODY:0:200}"
	fi
	if [[ $KIND != apache-htaccess ]]; then
		want "signed in: the CGI app (whoami)" 200 -b "$jar" "$FRONT_URL/private/whoami"
		if [[ $(jq -r .AUTH_USER_EMAIL <<<"$BODY" 2>/dev/null) == "$email" ]]; then
			ok "$KIND: whoami names $email"
		else
			not_ok "$KIND: whoami: ${BODY:0:200}"
		fi
	fi
}

printf '# nothing but the .htaccess\n' >"$TEST_TMP/empty.conf"
for KIND in ${PROTECT_SITE_FRONTS:-lighttpd nginx apache apache-htaccess}; do
	server=${KIND%-htaccess}
	FRONT_PROTECT_CONF=$top_srcdir/deploy/protect/site-$server.conf
	FRONT_PROTECT_HTACCESS=
	if [[ $KIND == apache-htaccess ]]; then
		FRONT_PROTECT_CONF=$TEST_TMP/empty.conf
		FRONT_PROTECT_HTACCESS=$top_srcdir/deploy/protect/site-htaccess
	fi
	export FRONT_PROTECT_CONF FRONT_PROTECT_HTACCESS
	if ! front_start "$server" "$(free_port)"; then
		not_ok "$KIND starts"
		continue
	fi
	wait_http "$FRONT_URL/readyz" 20 || true
	site_suite
	front_stop
	if [[ $server == apache ]]; then
		stack_sanitizer_clean apache "$FRONT_ERROR_LOG"
	fi
done
stack_sanitizer_clean pool "$POOL_LOG"

finish
