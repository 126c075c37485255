#!/bin/bash
# test/e2e/request_ids.sh - an operator can follow a request: through nginx, the answer's
# X-Request-Id is nginx's $request_id (deploy/nginx.conf.in passes it as REQUEST_ID), never the
# client's own X-Request-Id, and every log line the request caused - db.c's failure and the
# router's request_failed after it, the worker's access line - carries req=<that id>; lines
# outside requests carry none. Through lighttpd, which passes no id, authfcgi draws one; through
# Apache, mod_unique_id's UNIQUE_ID is adopted.
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

watchdog 180
tmpdir_new
stack_db
# debug: the worker's per-request access line (event=request) is a debug line.
export AUTHFCGI_LOG_LEVEL=debug AUTHFCGI_WORKERS=2
stack_front nginx "$(free_port)"
NGINX_URL=$FRONT_URL
front_start lighttpd "$(free_port)" || {
	not_ok "lighttpd starts"
	finish
}
LIGHTTPD_URL=$FRONT_URL
wait_http "$LIGHTTPD_URL/readyz" 20 || true

# verdict MSG CMD... - ok when CMD succeeds (a failing CMD does not end the script).
verdict() {
	local msg=$1
	shift
	if "$@"; then ok "$msg"; else not_ok "$msg"; fi
}

# not CMD... - true when CMD fails.
not() {
	! "$@"
}

# request URL PATH [CURL ARGS...] - one GET; sets CODE and ID (the X-Request-Id answered).
request() {
	local url=$1 path=$2
	shift 2
	CODE=$(curl -s -m 10 "$@" -D "$TEST_TMP/hdr" -o "$TEST_TMP/body" -w '%{http_code}' \
		"$url$path") || CODE=000
	ID=$(tr -d '\r' <"$TEST_TMP/hdr" | awk -F': *' 'tolower($1) == "x-request-id" { print $2 }')
}

# wait_access_line ID - wait (up to 10 s) for the worker's access line of request ID, written
# after the answer: the last line the request causes.
wait_access_line() {
	local deadline=$((SECONDS + 10))
	while ((SECONDS < deadline)); do
		access_line "$1" "$POOL_LOG" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# lines_of ID - the log lines that carry req=ID (their last field), in order.
lines_of() {
	awk -v r="req=$1" '$NF == r' "$POOL_LOG"
}

# access_line ID LOG - the worker's access line of request ID in LOG.
access_line() {
	awk -v r="req=$1" '$NF == r && / event=request /' "$2"
}

# 1. nginx's id is adopted, also over a client's own X-Request-Id.
request "$NGINX_URL" /api/auth/ok -H 'X-Request-Id: client-chosen-id-0123456789'
if [[ $CODE == 200 && $ID =~ ^[0-9a-f]{32}$ ]]; then
	ok "nginx: X-Request-Id is nginx's \$request_id ($ID)"
else
	not_ok "nginx: GET /ok -> $CODE, X-Request-Id '$ID' (expected 32 hex digits)"
fi
verdict "nginx: the access line carries req=$ID" wait_access_line "$ID"
verdict "a client's X-Request-Id is neither answered nor logged" \
	not grep -q "client-chosen-id" "$POOL_LOG"

# 2. Bare 404s carry one too.
request "$NGINX_URL" /api/auth/nope
if [[ $CODE == 404 && $ID =~ ^[0-9a-f]{32}$ && ! -s $TEST_TMP/body ]] && wait_access_line "$ID"; then
	ok "nginx: the bare 404 carries X-Request-Id ($ID) and its access line req=$ID"
else
	not_ok "nginx: GET /nope -> $CODE, X-Request-Id '$ID'"
fi

# 3. A database failure: the rate-limit statement fails (a trigger raises), the request is a
# 500, and db.c's db_error and the router's request_failed both carry the answered id.
verdict "a trigger makes the rate-limit statement fail" pg_psql -d authfcgi -o "$TEST_TMP/psql.out" -c "
	CREATE FUNCTION reqid_fail() RETURNS trigger LANGUAGE plpgsql AS
		\$\$ BEGIN RAISE EXCEPTION 'injected by request_ids.sh'; END \$\$;
	CREATE TRIGGER reqid_fail BEFORE INSERT OR UPDATE ON authfcgi_rate_limit
		FOR EACH ROW EXECUTE FUNCTION reqid_fail();"
request "$NGINX_URL" /api/auth/ok
FAILED_ID=$ID
if [[ $CODE == 500 && $ID =~ ^[0-9a-f]{32}$ ]] && wait_access_line "$ID"; then
	ok "nginx: the failed request is a 500 with X-Request-Id $ID"
else
	not_ok "nginx: failed request -> $CODE, X-Request-Id '$ID'"
fi
lines=$(lines_of "$FAILED_ID")
events=$(grep -o ' event=[a-z_]*' <<<"$lines" | tr '\n' ' ' || true)
if [[ $events =~ event=db_error.*event=request_failed.*event=request\  ]]; then
	ok "db_error, request_failed and the access line carry req=$FAILED_ID, in that order"
else
	not_ok "lines with req=$FAILED_ID: $events"
	show_log "$POOL_LOG"
fi
# Every line of that request: the request's lines are the ones logged by its worker between
# its previous access line (or, for its first request, its worker_ready line) and its own,
# and every one of them has the id.
pid=$(access_line "$FAILED_ID" "$POOL_LOG" | sed -n 's/.* pid=\([0-9]*\) .*/\1/p')
stray=$(awk -v pid="$pid" -v r="req=$FAILED_ID" '
	index($0, " pid=" pid " ") == 0 { next }
	/ event=worker_ready / { cur = ""; next }
	/ event=request / { if ($NF == r) { print cur; exit } cur = ""; next }
	{ cur = cur ($NF == r ? "" : $0 "\n") }' "$POOL_LOG")
verdict "every line worker $pid logged for that request carries its id${stray:+: $stray}" \
	test -n "$pid" -a -z "$stray"
verdict "the trigger is dropped" pg_psql -d authfcgi -c "DROP TRIGGER reqid_fail ON authfcgi_rate_limit;"

# 4. lighttpd passes no id: authfcgi draws one, and logs it.
request "$LIGHTTPD_URL" /api/auth/ok -H 'X-Request-Id: client-chosen-id-0123456789'
if [[ $CODE == 200 && $ID =~ ^[A-Za-z0-9]{20}$ ]] && wait_access_line "$ID"; then
	ok "lighttpd: a drawn X-Request-Id ($ID) and req=$ID on the access line"
else
	not_ok "lighttpd: GET /ok -> $CODE, X-Request-Id '$ID'"
fi
first=$ID
request "$LIGHTTPD_URL" /api/auth/ok
if [[ $ID =~ ^[A-Za-z0-9]{20}$ && $ID != "$first" ]]; then
	ok "lighttpd: each request gets its own id ($first, $ID)"
else
	not_ok "lighttpd: ids $first, then '$ID'"
fi

# 5. Apache: mod_unique_id's UNIQUE_ID is adopted; the managed workers log to its error log.
front_start apache "$(free_port)" || {
	not_ok "apache starts"
	finish
}
wait_http "$FRONT_URL/readyz" 20 || true
request "$FRONT_URL" /api/auth/ok -H 'X-Request-Id: client-chosen-id-0123456789'
apache_id=$ID
deadline=$((SECONDS + 10))
until access_line "$apache_id" "$FRONT_ERROR_LOG" | grep -q . || ((SECONDS > deadline)); do
	sleep 0.05
done
if [[ $CODE == 200 && $apache_id =~ ^[A-Za-z0-9@_-]{20,32}$ && ! $apache_id =~ ^[A-Za-z0-9]{20}$ ]] &&
	access_line "$apache_id" "$FRONT_ERROR_LOG" | grep -q .; then
	ok "apache: X-Request-Id is mod_unique_id's UNIQUE_ID ($apache_id), on the access line"
else
	not_ok "apache: GET /ok -> $CODE, X-Request-Id '$apache_id'"
	show_log "$FRONT_ERROR_LOG"
fi

# 6. Lines outside requests carry no id: the master's and the workers' own.
startup=$(grep -E ' event=(worker_spawned|worker_ready|master_ready|worker_db_connect)( |$)' "$POOL_LOG" || true)
verdict "start-up lines carry no req=" test -n "$startup" -a -z "$(grep ' req=' <<<"$startup" || true)"
stack_sanitizer_clean pool "$POOL_LOG"
stack_sanitizer_clean apache "$FRONT_ERROR_LOG"
finish
