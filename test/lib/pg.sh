# test/lib/pg.sh - a throwaway PostgreSQL cluster for integration tests: initdb in
# $TEST_TMP/pg, trust authentication, listening on 127.0.0.1 only on a free port, with its
# unix socket in the same directory; durability off (fsync=off), which tests do not need.
#
#   pg_start     start the cluster (initdb and create database "authfcgi" the first time;
#                afterwards it starts the same cluster again on the same port). Exports
#                DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/authfcgi, PGHOST, PGPORT,
#                PGUSER, PGDATABASE, PG_DATADIR, PG_BIN, PG_LOG; stops it on exit.
#   pg_stop      stop it (fast shutdown: sessions are terminated, as a Neon suspend does)
#   pg_restart   stop and start again
#   pg_psql ARGS...   psql -X -q -v ON_ERROR_STOP=1 against $PGDATABASE
#
# Needs test/lib/common.sh sourced and tmpdir_new called. Runs the server as the OS user
# postgres when we are root (PostgreSQL refuses root).
# shellcheck shell=bash

# _pg_find_bin - the newest installed server binaries (Debian: /usr/lib/postgresql/N/bin).
_pg_find_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [[ -z $d ]] && command -v pg_ctl >/dev/null; then
		d=$(dirname "$(command -v pg_ctl)")
	fi
	[[ -n $d && -x $d/initdb ]] || return 1
	printf '%s\n' "$d"
}

pg_start() {
	if [[ -z ${PG_DATADIR:-} ]]; then
		PG_BIN=$(_pg_find_bin) || {
			echo "pg_start: PostgreSQL server binaries not found" >&2
			return 1
		}
		local dir=$TEST_TMP/pg
		mkdir -p "$dir"
		if ((EUID == 0)); then
			chown postgres: "$dir"
		fi
		PG_DATADIR=$dir/data
		PG_LOG=$dir/postgresql.log
		PGPORT=$(free_port)
		as_unpriv "$PG_BIN/initdb" -D "$PG_DATADIR" -U postgres -A trust -E UTF8 \
			--locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			return 1
		}
		cat >>"$PG_DATADIR/postgresql.conf" <<-EOF
			listen_addresses = '127.0.0.1'
			port = $PGPORT
			unix_socket_directories = '$dir'
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			max_connections = 100
			log_min_messages = warning
		EOF
		export PG_BIN PG_DATADIR PG_LOG PGPORT
		export PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=authfcgi
		export DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/authfcgi"
		on_exit pg_stop
		_pg_ctl start || return 1
		as_unpriv "$PG_BIN/createdb" -h "$dir" -p "$PGPORT" -U postgres authfcgi || return 1
	else
		_pg_ctl start || return 1
	fi
}

_pg_ctl() {
	as_unpriv "$PG_BIN/pg_ctl" -D "$PG_DATADIR" -l "$PG_LOG" -w -t 30 "$@" >/dev/null || {
		echo "pg_ctl $* failed; server log:" >&2
		tail -n 20 "$PG_LOG" >&2
		return 1
	}
}

pg_stop() {
	[[ -n ${PG_DATADIR:-} && -f $PG_DATADIR/postmaster.pid ]] || return 0
	_pg_ctl stop -m fast
}

pg_restart() {
	pg_stop && _pg_ctl start
}

pg_psql() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
