#!/usr/bin/env bash
# contrib/differential/run.sh - plays the same requests against the Better Auth reference peer
# (../shared/betterauth) and authfcgi and prints, per step, "same" or the difference after
# normalising what must differ (ids, tokens, times, cookie values). Differences listed in
# contrib/differential/known.txt (each naming its README deviation) are expected; the run
# exits 0 only when no other difference is found. Not part of `make check`: CI has no peer.
#
#   contrib/differential/run.sh [--plugins core|admin,two-factor] [--peer DIR] [--verbose]
#                               [--cookie-cache] [--log-dir DIR] [SCENARIO.json...]
# --plugins  core (default) or a comma list of admin and two-factor: the same plugins on both
#            sides (BA_PLUGINS; AUTHFCGI_ADMIN, AUTHFCGI_TWO_FACTOR); the scenarios played are
#            scenarios/core.json plus scenarios/<plugin>.json for each plugin, unless given
#            (a plugin's scenario goes on with the users and jars core.json left).
# --peer     the reference peer's directory (default: ../shared/betterauth beside the source
#            tree, or beside the main checkout of a git worktree, copied at each run to
#            $XDG_CACHE_HOME/authfcgi-differential, where its node modules stay installed).
#            It uses fixed ports (3000, 5433) and /tmp paths, so the whole run holds
#            `flock /tmp/ba.lock`.
# --cookie-cache  the session cookie cache on both sides (BA_COOKIE_CACHE=1,
#            AUTHFCGI_COOKIE_CACHE=on); off by default, as in Better Auth. Its differences are
#            sorted like the others: known.txt names the deviations they follow from.
# --verbose  also print the known differences of each step.
# Environment: AUTHFCGI_BIN (default ./authfcgi, then ./var/build/authfcgi). Needs python3,
# node, psql, PostgreSQL 15 and nginx.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$SRC/contrib/differential
BENCH_NAME=differential
# shellcheck source=contrib/bench/lib.sh
source "$SRC/contrib/bench/lib.sh"
PLUGINS=core PEER="" VERBOSE=() LOG_DIR="" SCENARIOS=() CACHE=off

while (($#)); do
	case $1 in
	--plugins) PLUGINS=$2 && shift ;;
	--peer) PEER=$2 && shift ;;
	--verbose) VERBOSE=(--verbose) ;;
	--cookie-cache) CACHE=on ;;
	--log-dir) LOG_DIR=$2 && shift ;;
	-h | --help) usage && exit 0 ;;
	-*) usage >&2 && exit 2 ;;
	*) SCENARIOS+=("$1") ;;
	esac
	shift
done
[[ $PLUGINS =~ ^(core|(admin|two-factor)(,(admin|two-factor))?)$ ]] ||
	die "--plugins must be core or a comma list of admin, two-factor"
bench_need python3 node psql flock
if ((${#SCENARIOS[@]} == 0)); then
	SCENARIOS=("$HERE/scenarios/core.json")
	[[ $PLUGINS == core ]] || for p in ${PLUGINS//,/ }; do SCENARIOS+=("$HERE/scenarios/$p.json"); done
fi

# The peer: a writable copy of ../shared/betterauth whose node_modules stay for the next run.
if [[ -z $PEER ]]; then
	shared=$SRC/../shared/betterauth
	# in a git worktree elsewhere: beside the main checkout
	if [[ ! -f $shared/run.sh ]] && common=$(git -C "$SRC" rev-parse --path-format=absolute \
		--git-common-dir 2>/dev/null); then
		shared=$(dirname "$common")/../shared/betterauth
	fi
	[[ -f $shared/run.sh ]] || die "no reference peer at $shared: give --peer DIR"
	PEER=${XDG_CACHE_HOME:-$HOME/.cache}/authfcgi-differential/betterauth
	mkdir -p "$PEER"
	(cd "$shared" && tar --exclude=node_modules -cf - .) | (cd "$PEER" && tar -xf -)
fi
PEER=$(cd "$PEER" && pwd)
[[ -x $PEER/run.sh && -x $PEER/stop.sh ]] || die "$PEER has no run.sh and stop.sh"

# authfcgi with the peer's settings (auth.mjs): its secret, trusted origin, change-email and
# delete-user on, rate limits off, mail kept in the outbox (the mailer looks once at start).
bench_binary "$SRC/authfcgi" "$BENCH_BUILDDIR/authfcgi"
KEEP_LOGS=$LOG_DIR
bench_logs "$LOG_DIR"
bench_db
PORT=$(free_port)
export AUTHFCGI_BASE_URL=http://127.0.0.1:$PORT
export AUTHFCGI_SECRET=ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya
export AUTHFCGI_TRUSTED_ORIGINS=http://localhost:8080
export AUTHFCGI_RATE_LIMIT=off AUTHFCGI_ACCOUNT_GUARD=off AUTHFCGI_WORKERS=2
export AUTHFCGI_CHANGE_EMAIL=on AUTHFCGI_DELETE_USER=on
export AUTHFCGI_APP_NAME="Better Auth reference peer" # the peer's appName (auth.mjs): the TOTP issuer
export AUTHFCGI_MAIL_FROM='authfcgi differential <noreply@example.com>'
export AUTHFCGI_MAIL_POLL_MS=3600000 AUTHFCGI_SENDMAIL=/bin/false
export AUTHFCGI_ADMIN=off AUTHFCGI_TWO_FACTOR=off BA_PLUGINS="" AUTHFCGI_COOKIE_CACHE=$CACHE
export BA_COOKIE_CACHE=0
[[ $CACHE == on ]] && BA_COOKIE_CACHE=1
[[ $PLUGINS == *admin* ]] && AUTHFCGI_ADMIN=on
[[ $PLUGINS == *two-factor* ]] && AUTHFCGI_TWO_FACTOR=on
[[ $PLUGINS == core ]] || BA_PLUGINS=$PLUGINS
# shellcheck disable=SC2034 # read by pool_start
POOL_LOG=$LOG_DIR/authfcgi.log
# shellcheck disable=SC2119 # no extra arguments for serve
pool_start || die "authfcgi serve did not start"
front_start nginx "$PORT" || die "nginx did not start"
wait_http "$FRONT_URL/api/auth/ok" 20 || die "no answer through nginx"

# The peer, alone on its fixed ports for the whole run.
exec 9>/tmp/ba.lock
say "waiting for /tmp/ba.lock (the reference peer's ports)"
flock -w 900 9 || die "/tmp/ba.lock held by someone else for 15 minutes"
on_exit "'$PEER/stop.sh' >>'$LOG_DIR/peer.log' 2>&1"
# The peer's run.sh calls psql without naming a database: none of pg.sh's PG* may reach it.
mapfile -t pgvars < <(env | sed -n 's/^\(PG[A-Z]*\)=.*/-u\n\1/p')
env "${pgvars[@]}" BA_RATE_LIMIT=off BA_MAIL_FILE="$LOG_DIR/ba-mail.jsonl" "$PEER/run.sh" >"$LOG_DIR/peer.log" 2>&1 || {
	cat "$LOG_DIR/peer.log" >&2
	die "the reference peer did not start"
}
say "$(tail -n 1 "$LOG_DIR/peer.log")"
say "plugins: $PLUGINS; cookie cache: $CACHE; authfcgi on $FRONT_URL"

mkdir -p "$LOG_DIR/exchanges"
python3 "$HERE/differ.py" "${VERBOSE[@]}" --known "$HERE/known.txt" --dump "$LOG_DIR/exchanges" \
	--ba http://127.0.0.1:3000/api/auth --ba-db postgresql://postgres@127.0.0.1:5433/betterauth \
	--ba-mail "$LOG_DIR/ba-mail.jsonl" \
	--af "$FRONT_URL/api/auth" --af-db "$PG_DIRECT_URL" "${SCENARIOS[@]}" && rc=0 || rc=$?
if [[ -n $KEEP_LOGS ]]; then
	say "raw exchanges in $LOG_DIR/exchanges, authfcgi's log in $LOG_DIR/authfcgi.log"
else
	say "give --log-dir DIR to keep the raw exchanges"
fi
exit "$rc"
