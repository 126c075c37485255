# test/lib/pg.sh - a throwaway PostgreSQL cluster for integration tests: initdb in
# $TEST_TMP/pg, trust authentication, listening on 127.0.0.1 only on a free port, with its
# unix socket in the same directory; durability off (fsync=off), which tests do not need.
#
#   pg_start     start the cluster (initdb and create database "authfcgi" the first time;
#                afterwards it starts the same cluster again on the same port). Exports
#                DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/authfcgi, PGHOST, PGPORT,
#                PGUSER, PGDATABASE, PG_DATADIR, PG_BIN, PG_LOG, and PG_DIRECT_URL (the
#                server itself even when DATABASE_URL points at PgBouncer); stops it on exit.
#   pg_stop      stop it (fast shutdown: sessions are terminated, as a Neon suspend does)
#   pg_restart   stop and start again
#   pg_psql ARGS...   psql -X -q -v ON_ERROR_STOP=1 against $PGDATABASE (always direct; under
#                PG_TLS=1 over the unix socket, so it works whatever certificate the server has)
#   pg_add_role NAME PASSWORD   a login role that must authenticate with SCRAM-SHA-256 over
#                TCP (what Neon does), may read and write every table, and is no superuser
#   pg_url USER[:PASSWORD] [DBNAME]   DATABASE_URL for another role (and database, default
#                authfcgi): same host and port (the password is percent-encoded); under
#                PG_TLS=1 the TLS parameters come from the exported PG* variables, so a test
#                that wants other ones appends them as a query string (URL parameters win)
#   pg_reload    reload the configuration files and wait until the server has: connections
#                made after it returns are made under the new configuration
#   pg_tls_resign ca|other-ca   (PG_TLS=1) a new server certificate signed by that CA, loaded
#                with pg_reload: new connections meet it, established ones keep theirs
#
# Options, read by the first pg_start (export them to run a whole suite that way):
#   PG_TLS=1     ssl=on with a throwaway CA and a server certificate for the host name
#                $PG_TLS_HOST (default db.authfcgi.test), and TCP only over TLS (pg_hba.conf
#                rejects a plaintext connection). DATABASE_URL becomes
#                postgresql://postgres@db.authfcgi.test:PORT/authfcgi and the TLS parameters
#                are exported as libpq's defaults for every TCP connection (authfcgi's, a
#                psql a test runs itself; pg_psql uses the unix socket):
#                PGSSLMODE=verify-full, PGSSLROOTCERT=$PG_TLS_CA, PGHOST=$PG_TLS_HOST and
#                PGHOSTADDR=127.0.0.1 - hostaddr maps the name to 127.0.0.1 while libpq still
#                checks the certificate against the name (no DNS, no /etc/hosts). They are not
#                in the URL so that the same variables reach every process (Apache's workers
#                get them as FcgidInitialEnv, the URL in their config file). Also exports PG_TLS_DIR,
#                PG_TLS_CA, PG_TLS_HOST and PG_TLS_OTHER_CA (a CA that signed nothing: "the
#                wrong CA"). Not with AUTHFCGI_TEST_VIA_PGBOUNCER (its PgBouncer has no TLS).
#   PG_REPORT=FILE   every pg_stop appends one line to FILE about the TCP connections the
#                server accepted so far: "tcp=N tls=N authfcgi_tls=N plain_refused=N" (all,
#                over TLS, over TLS from authfcgi, plaintext ones pg_hba.conf refused);
#                test/e2e/tls_suite.sh reads it to prove a suite's traffic was encrypted.
#   PG_MAX_CONNECTIONS=N        max_connections (default 100); below 10, one slot stays
#                reserved for superusers and WAL senders are off (PostgreSQL refuses
#                max_connections <= reserved slots + WAL senders). The reserved slot is not a
#                guarantee: a role's connection holds a slot while it authenticates, before the
#                server refuses it, so while clients keep retrying pg_psql can meet "too many
#                clients"; ask the server what you need before they start.
#   AUTHFCGI_TEST_VIA_PGBOUNCER=1   also start PgBouncer in pool_mode=transaction in front of
#                the cluster (test/lib/pgbouncer.sh): DATABASE_URL points at it and
#                AUTHFCGI_DB_POOLER=transaction is exported; psql and PG_DIRECT_URL stay direct.
#
# Needs test/lib/common.sh sourced and tmpdir_new called. Runs the server as the OS user
# postgres when we are root (PostgreSQL refuses root).
# shellcheck shell=bash

# Members of this group authenticate with a password over TCP; everyone else is trusted.
_PG_SCRAM_GROUP=authfcgi_scram_users

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

# _pg_tls_ca DIR NAME - a self-signed CA: DIR/NAME.crt and DIR/NAME.key.
_pg_tls_ca() {
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$1/$2.key" -out "$1/$2.crt" -days 2 -subj "/CN=authfcgi test $2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>>"$1/openssl.log"
}

# _pg_tls_certs DIR HOST - the test CA, a server certificate for HOST signed by it, and a
# second CA that signed nothing.
_pg_tls_certs() {
	local d=$1 host=$2
	mkdir -p "$d"
	_pg_tls_ca "$d" ca && _pg_tls_ca "$d" other-ca || return 1
	chmod 0600 "$d/ca.key" "$d/other-ca.key"
	_pg_tls_server_cert "$d" "$host" ca
}

# _pg_tls_server_cert DIR HOST CA - the server certificate for HOST, signed by DIR/CA.
_pg_tls_server_cert() {
	local d=$1 host=$2 ca=$3
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$d/server.key.new" -out "$d/server.csr" -subj "/CN=$host" 2>>"$d/openssl.log" &&
		printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
			"$host" >"$d/server.ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" \
			-CAcreateserial -out "$d/server.crt.new" -days 2 -extfile "$d/server.ext" \
			2>>"$d/openssl.log" || {
		cat "$d/openssl.log" >&2
		return 1
	}
	chmod 0600 "$d/server.key.new"
	if ((EUID == 0)); then
		chown postgres: "$d/server.key.new" "$d/server.crt.new"
	fi
	mv -f "$d/server.key.new" "$d/server.key"
	mv -f "$d/server.crt.new" "$d/server.crt"
}

pg_tls_resign() {
	[[ ${PG_TLS:-0} == 1 ]] || {
		echo "pg_tls_resign: the cluster runs without TLS" >&2
		return 1
	}
	_pg_tls_server_cert "$PG_TLS_DIR" "$PG_TLS_HOST" "$1" && pg_reload
}

# pg_ctl reload only signals the postmaster and returns at once: a connection made right after
# it may still meet the old configuration (the old certificate). The postmaster forks a
# session only between reloads, and a new session's pg_conf_load_time() is the postmaster's
# last load: once that moves, the reload is done.
pg_reload() {
	local before now deadline=$((SECONDS + 30))
	before=$(pg_psql -At -c 'SELECT pg_conf_load_time()') || return 1
	_pg_ctl reload || return 1
	until now=$(pg_psql -At -c 'SELECT pg_conf_load_time()' 2>/dev/null) && [[ $now != "$before" ]]; do
		if ((SECONDS >= deadline)); then
			echo "pg_reload: the server has not reloaded after 30 s" >&2
			return 1
		fi
		sleep 0.05
	done
}

# _pg_host - the host part of those URLs.
_pg_host() {
	if [[ ${PG_TLS:-0} == 1 ]]; then printf '%s' "$PG_TLS_HOST"; else printf '127.0.0.1'; fi
}

pg_url() {
	local user=${1%%:*} password= enc db=${2:-authfcgi}
	[[ $1 == *:* ]] && password=${1#*:}
	if [[ -n $password ]]; then
		enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
			"$password") || return 1
		user="$user:$enc"
	fi
	printf 'postgresql://%s@%s:%s/%s\n' "$user" "$(_pg_host)" "$PGPORT" "$db"
}

pg_start() {
	if [[ -z ${PG_DATADIR:-} ]]; then
		if [[ ${PG_TLS:-0} == 1 && ${AUTHFCGI_TEST_VIA_PGBOUNCER:-0} == 1 ]]; then
			echo "pg_start: PG_TLS=1 and AUTHFCGI_TEST_VIA_PGBOUNCER=1 do not go together (the test PgBouncer speaks no TLS)" >&2
			return 1
		fi
		PG_BIN=$(_pg_find_bin) || {
			echo "pg_start: PostgreSQL server binaries not found" >&2
			return 1
		}
		local dir=$TEST_TMP/pg max=${PG_MAX_CONNECTIONS:-100}
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
			max_connections = $max
			log_min_messages = warning
			password_encryption = 'scram-sha-256'
			log_connections = on
			log_line_prefix = '%m [%p] host=%h '
		EOF
		if ((max < 10)); then
			printf 'superuser_reserved_connections = 1\nmax_wal_senders = 0\nwal_level = minimal\n' \
				>>"$PG_DATADIR/postgresql.conf"
		fi
		# Replaces initdb's file. Under PG_TLS=1, plaintext TCP is refused first.
		: >"$PG_DATADIR/pg_hba.conf"
		if [[ ${PG_TLS:-0} == 1 ]]; then
			printf 'hostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\n' \
				>>"$PG_DATADIR/pg_hba.conf"
		fi
		cat >>"$PG_DATADIR/pg_hba.conf" <<-EOF
			local all all trust
			host all +$_PG_SCRAM_GROUP 127.0.0.1/32 scram-sha-256
			host all all 127.0.0.1/32 trust
		EOF
		if [[ ${PG_TLS:-0} == 1 ]]; then
			PG_TLS_DIR=$dir/tls
			PG_TLS_HOST=${PG_TLS_HOST:-db.authfcgi.test}
			PG_TLS_CA=$PG_TLS_DIR/ca.crt
			PG_TLS_OTHER_CA=$PG_TLS_DIR/other-ca.crt
			_pg_tls_certs "$PG_TLS_DIR" "$PG_TLS_HOST" || return 1
			cat >>"$PG_DATADIR/postgresql.conf" <<-EOF
				ssl = on
				ssl_cert_file = '$PG_TLS_DIR/server.crt'
				ssl_key_file = '$PG_TLS_DIR/server.key'
			EOF
			export PG_TLS PG_TLS_DIR PG_TLS_HOST PG_TLS_CA PG_TLS_OTHER_CA
			export PGHOST=$PG_TLS_HOST PGHOSTADDR=127.0.0.1 PGSSLMODE=verify-full
			export PGSSLROOTCERT=$PG_TLS_CA
		else
			export PGHOST=127.0.0.1
		fi
		export PG_BIN PG_DATADIR PG_LOG PGPORT
		export PGUSER=postgres PGDATABASE=authfcgi
		on_exit pg_stop
		_pg_first_start || return 1
		DATABASE_URL=$(pg_url postgres)
		PG_DIRECT_URL=$DATABASE_URL
		export DATABASE_URL PG_DIRECT_URL
		# Over the unix socket, which PGHOSTADDR would override.
		as_unpriv env -u PGHOSTADDR "$PG_BIN/createdb" -h "$dir" -p "$PGPORT" -U postgres \
			authfcgi || return 1
		pg_psql -c "CREATE ROLE $_PG_SCRAM_GROUP NOLOGIN" || return 1
		if [[ ${AUTHFCGI_TEST_VIA_PGBOUNCER:-0} == 1 ]]; then
			# shellcheck source=test/lib/pgbouncer.sh
			source "$top_srcdir/test/lib/pgbouncer.sh"
			pgbouncer_start || return 1
			DATABASE_URL=$PGBOUNCER_URL
			export DATABASE_URL AUTHFCGI_DB_POOLER=transaction
		fi
	else
		_pg_ctl start || return 1
	fi
}

# _pg_first_start - the new cluster's first start. free_port's port can be taken by another
# test (or another suite on the machine) before the server binds it: then the start is tried
# again on another port, a few times.
_pg_first_start() {
	local try
	for ((try = 1; ; try++)); do
		rm -f "$PG_LOG" # pg_ctl makes it anew, as the server's user
		if as_unpriv "$PG_BIN/pg_ctl" -D "$PG_DATADIR" -l "$PG_LOG" -w -t 30 start >/dev/null 2>&1; then
			return 0
		fi
		if ((try >= 5)) || ! grep -q 'could not bind .*Address already in use' "$PG_LOG"; then
			echo "pg_ctl start failed; server log:" >&2
			tail -n 20 "$PG_LOG" >&2
			return 1
		fi
		PGPORT=$(free_port) || return 1
		echo "port = $PGPORT" >>"$PG_DATADIR/postgresql.conf" # the last line wins
	done
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
	_pg_ctl stop -m fast || return 1
	if [[ -n ${PG_REPORT:-} ]]; then
		_pg_connection_report >>"$PG_REPORT"
	fi
}

# _pg_connection_report - the PG_REPORT line, from the connections PG_LOG recorded.
_pg_connection_report() {
	awk '/ host=[^[ ]+ .*connection authorized: / {
			tcp++
			if (/ SSL enabled /) { tls++; if (/application_name=authfcgi/) app++ }
		}
		/ host=[^[ ]+ .*pg_hba.conf rejects connection .*no encryption/ { refused++ }
		END { printf "tcp=%d tls=%d authfcgi_tls=%d plain_refused=%d\n", tcp, tls, app, refused }' \
		"$PG_LOG"
}

pg_restart() {
	pg_stop && _pg_ctl start
}

pg_psql() {
	if [[ ${PG_TLS:-0} == 1 ]]; then
		# The harness's own channel must work whatever certificate a test gives the server
		# (pg_tls_resign): the unix socket, which PGHOSTADDR would override.
		env -u PGHOSTADDR "$PG_BIN/psql" -h "${PG_DATADIR%/data}" -X -q -v ON_ERROR_STOP=1 "$@"
	else
		"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
	fi
}

pg_add_role() {
	local name=$1 password=$2
	pg_psql -v name="$name" -v password="$password" -v group="$_PG_SCRAM_GROUP" <<-'EOF'
		CREATE ROLE :"name" LOGIN PASSWORD :'password' IN ROLE :"group";
		GRANT pg_read_all_data, pg_write_all_data TO :"name";
	EOF
}
