# test/lib/pgbouncer.sh - Debian's PgBouncer in pool_mode=transaction in front of the test
# cluster of test/lib/pg.sh, standing in for Neon's pooled endpoint: no prepared statements
# survive a transaction, no startup parameter it does not know is accepted.
#
#   pgbouncer_start    start it on a free loopback port (the first time: write its config in
#                      $TEST_TMP/pgbouncer; afterwards the same port again). Trust
#                      authentication for loopback (users listed in its auth_file: postgres and
#                      every role PGBOUNCER_USERS names). Exports PGBOUNCER_PORT, PGBOUNCER_URL
#                      (postgresql://postgres@127.0.0.1:PORT/authfcgi), PGBOUNCER_LOG,
#                      PGBOUNCER_DIR. Stops it on exit.
#   pgbouncer_stop     immediate shutdown (SIGTERM): every client connection is closed.
#   pgbouncer_restart  stop and start again on the same port.
#   pgbouncer_pid      its pid, or nothing.
#   pgbouncer_stats    "xacts=N queries=N" served so far for database authfcgi (SHOW STATS)
#
# With PGBOUNCER_REPORT=FILE in the environment, the last stop appends to FILE what this
# PgBouncer did: its stats and the errors it logged (test/e2e/pooler.sh reads it to prove that
# a suite really ran through the pooler).
#
# Needs common.sh and pg.sh sourced and pg_start called (PGPORT). PgBouncer refuses to run as
# root, so it runs as the user PostgreSQL runs as (as_unpriv).
# shellcheck shell=bash

: "${top_srcdir:?pgbouncer.sh: source common.sh first}"

pgbouncer_pid() {
	local pid
	[[ -n ${PGBOUNCER_DIR:-} && -s $PGBOUNCER_DIR/pgbouncer.pid ]] || return 0
	pid=$(cat "$PGBOUNCER_DIR/pgbouncer.pid" 2>/dev/null) || return 0
	kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
	return 0
}

pgbouncer_start() {
	local bin user deadline
	: "${PGPORT:?pgbouncer_start: call pg_start first}"
	bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
	[[ -x $bin ]] || {
		echo "pgbouncer_start: pgbouncer not installed" >&2
		return 1
	}
	if [[ -z ${PGBOUNCER_DIR:-} ]]; then
		PGBOUNCER_DIR=$TEST_TMP/pgbouncer
		PGBOUNCER_PORT=$(free_port)
		PGBOUNCER_LOG=$PGBOUNCER_DIR/pgbouncer.log
		mkdir -p "$PGBOUNCER_DIR"
		{
			printf '"postgres" ""\n'
			for user in ${PGBOUNCER_USERS:-}; do printf '"%s" ""\n' "$user"; done
		} >"$PGBOUNCER_DIR/userlist.txt"
		# No ignore_startup_parameters: authfcgi must send none that PgBouncer does not know.
		# server_lifetime/idle are long so that only our faults replace server connections.
		cat >"$PGBOUNCER_DIR/pgbouncer.ini" <<-EOF
			[databases]
			* = host=127.0.0.1 port=$PGPORT
			[pgbouncer]
			listen_addr = 127.0.0.1
			listen_port = $PGBOUNCER_PORT
			unix_socket_dir =
			auth_type = trust
			auth_file = $PGBOUNCER_DIR/userlist.txt
			admin_users = postgres
			pool_mode = transaction
			max_client_conn = 500
			default_pool_size = 20
			server_connect_timeout = 5
			server_login_retry = 1
			query_wait_timeout = 30
			server_lifetime = 3600
			server_idle_timeout = 600
			logfile = $PGBOUNCER_LOG
			pidfile = $PGBOUNCER_DIR/pgbouncer.pid
		EOF
		if ((EUID == 0)); then
			chown -R postgres: "$PGBOUNCER_DIR"
		fi
		PGBOUNCER_URL="postgresql://postgres@127.0.0.1:$PGBOUNCER_PORT/authfcgi"
		export PGBOUNCER_DIR PGBOUNCER_PORT PGBOUNCER_LOG PGBOUNCER_URL
		on_exit pgbouncer_stop
	fi
	as_unpriv "$bin" -d -q "$PGBOUNCER_DIR/pgbouncer.ini" || {
		echo "pgbouncer_start: pgbouncer did not start" >&2
		tail -n 20 "$PGBOUNCER_LOG" >&2
		return 1
	}
	deadline=$((SECONDS + 15))
	while ((SECONDS < deadline)); do
		"$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PGBOUNCER_PORT" -U postgres -d authfcgi \
			-c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "pgbouncer_start: not answering on port $PGBOUNCER_PORT after 15 s" >&2
	tail -n 20 "$PGBOUNCER_LOG" >&2
	return 1
}

pgbouncer_stats() {
	"$PG_BIN/psql" -X -q -At -F ' ' -h 127.0.0.1 -p "$PGBOUNCER_PORT" -U postgres -d pgbouncer \
		-c 'SHOW STATS' 2>/dev/null | awk '$1 == "authfcgi" { print "xacts=" $2, "queries=" $3 }'
}

pgbouncer_stop() {
	local pid i
	pid=$(pgbouncer_pid)
	[[ -n $pid ]] || return 0
	if [[ -n ${PGBOUNCER_REPORT:-} ]]; then
		printf '%s errors=%s\n' "$(pgbouncer_stats)" \
			"$(grep -c -E ' (ERROR|WARNING) ' "$PGBOUNCER_LOG" || true)" >>"$PGBOUNCER_REPORT"
		grep -E ' (ERROR|WARNING) ' "$PGBOUNCER_LOG" | tail -n 5 >>"$PGBOUNCER_REPORT" || true
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$PGBOUNCER_DIR/pgbouncer.pid"
}

pgbouncer_restart() {
	pgbouncer_stop && pgbouncer_start
}
