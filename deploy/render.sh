# deploy/render.sh - the one place that turns deploy/*.conf.in into a runnable front server:
# @PLACEHOLDER@ substitution, the per-server values, and the foreground command line.
# Sourced by deploy/quickstart and by test/lib/front.sh, so the quickstart, the tests and the
# README all run the very same configs.
#
#   render_template TEMPLATE OUTPUT KEY=VALUE...
#   front_render KIND DIR PORT      KIND = lighttpd | nginx | apache
#       in:  FRONT_UPSTREAM   pool address for lighttpd/nginx: /abs/unix.sock or host:port
#            FRONT_WORKER_BIN authfcgi binary that Apache's mod_fcgid spawns (managed mode)
#            FRONT_FCGID_MAX_PROCS (16), FRONT_FCGID_MAX_REQUESTS (AUTHFCGI_MAX_REQUESTS or 100000, its default)
#       out: FRONT_CONF (the rendered file), FRONT_CMD (array: run it in the foreground; for
#            nginx a wrapper that starts fcgiwrap for the demo CGI, then execs the server),
#            FRONT_ERROR_LOG, FRONT_EXE (basename of the server binary, to verify pids)
#   front_worker_bin BIN DIR        print a path to BIN that Apache's user can execute
# Started as root, every server runs its workers as www-data (FRONT_USER): the pool's socket
# must let that group in (AUTHFCGI_SOCKET_OWNER=authfcgi:www-data, as the quickstart sets).
# shellcheck shell=bash

# shellcheck disable=SC2034 # FRONT_* outputs are read by the scripts that source this
FRONT_DEPLOY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRONT_KINDS="lighttpd nginx apache"

# Variables handed to workers that the web server spawns itself (Apache): every authfcgi
# setting, the database, libpq's connection defaults (what `authfcgi serve` would read from its
# own environment: host, TLS, password), the Better Auth aliases, and sanitizer options for
# test builds. The settings (FRONT_SETTINGS_RE) go into a config file only the workers can
# read (FcgidWrapper "authfcgi --config FILE"), the rest (FRONT_FCGID_ENV_RE) into
# FcgidInitialEnv.
_FRONT_SETTINGS='AUTHFCGI_[A-Z0-9_]*|DATABASE_URL|BETTER_AUTH_[A-Z0-9_]*|FCGI_WEB_SERVER_ADDRS'
_FRONT_ENV='ASAN_OPTIONS|UBSAN_OPTIONS|LSAN_OPTIONS'
_FRONT_ENV+='|PGHOST|PGHOSTADDR|PGPORT|PGDATABASE|PGUSER|PGPASSWORD|PGPASSFILE|PGSERVICE|PGSERVICEFILE'
_FRONT_ENV+='|PGSYSCONFDIR|PGOPTIONS|PGAPPNAME|PGCONNECT_TIMEOUT|PGTARGETSESSIONATTRS|PGCHANNELBINDING'
_FRONT_ENV+='|PGSSLMODE|PGSSLROOTCERT|PGSSLCERT|PGSSLKEY|PGSSLCRL|PGSSLCRLDIR|PGSSLSNI'
_FRONT_ENV+='|PGSSLMINPROTOCOLVERSION|PGSSLMAXPROTOCOLVERSION|PGGSSENCMODE|PGKRBSRVNAME|PGREQUIREAUTH'
FRONT_SETTINGS_RE="^($_FRONT_SETTINGS)\$"
FRONT_FCGID_ENV_RE="^($_FRONT_ENV)\$"
FRONT_PASS_ENV_RE="^($_FRONT_SETTINGS|$_FRONT_ENV)\$"
# The unprivileged user the servers' workers run as when started as root.
FRONT_USER=www-data

# mod_fcgid (2.3.9, Debian 12) copies each FcgidInitialEnv into fixed buffers: a value into
# INITENV_VAL_LEN = 128 bytes (127 and the NUL; longer ones are cut without a word), a name
# into 64, at most INITENV_CNT = 64 variables (the rest dropped at spawn time).
FRONT_FCGID_VAL_MAX=127
FRONT_FCGID_NAME_MAX=63
FRONT_FCGID_VARS_MAX=64

# render_template TEMPLATE OUTPUT KEY=VALUE... - replace each @KEY@ by VALUE. Every
# placeholder of the template must be given (a typo fails loudly instead of shipping a
# config with @FOO@ in it). OUTPUT is written 0600 and replaced atomically.
render_template() {
	local src=$1 dst=$2 text kv key val ph
	shift 2
	text=$(<"$src") || return 1
	# bash 5.2 would treat & in a replacement as the match; values are literal here.
	shopt -u patsub_replacement 2>/dev/null || true
	local -A given=()
	for kv; do
		key=${kv%%=*}
		val=${kv#*=}
		given[$key]=1
		text=${text//"@$key@"/"$val"}
	done
	while read -r ph; do
		ph=${ph//@/}
		if [[ -z ${given[$ph]:-} ]]; then
			echo "render_template: $src: no value for @$ph@" >&2
			return 1
		fi
	done < <(grep -o '@[A-Z][A-Z0-9_]*@' "$src" | sort -u)
	(umask 077 && printf '%s\n' "$text" >"$dst.tmp") && mv -f "$dst.tmp" "$dst"
}

# _front_find NAME - absolute path of a server binary (they live in /usr/sbin, which is not
# on every user's PATH).
_front_find() {
	local p
	p=$(PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin" command -v "$1") || {
		echo "front: $1 not found (install it, or run ./deploy/quickstart up which does)" >&2
		return 1
	}
	printf '%s\n' "$p"
}

# _front_upstream_kind - "unix" for an absolute socket path, "tcp" for host:port.
_front_check_upstream() {
	case ${FRONT_UPSTREAM:-} in
	/*) return 0 ;;
	?*:[0-9]*) return 0 ;;
	*)
		echo "front: FRONT_UPSTREAM must be /abs/path.sock or host:port (got '${FRONT_UPSTREAM:-}')" >&2
		return 1
		;;
	esac
}

# front_worker_bin BIN DIR - when root, Apache's mod_fcgid spawns workers as www-data, which
# may not be able to reach a build tree under /root. Then copy the binary into DIR (which the
# caller made reachable) and print the copy's path; otherwise print BIN.
front_worker_bin() {
	local bin=$1 dir=$2
	if ((EUID != 0)) || runuser -u www-data -- test -x "$bin" 2>/dev/null; then
		printf '%s\n' "$bin"
		return 0
	fi
	mkdir -p "$dir" && install -m 0755 "$bin" "$dir/authfcgi.new" &&
		mv -f "$dir/authfcgi.new" "$dir/authfcgi" && printf '%s\n' "$dir/authfcgi"
}

# _front_fcgid_limits NAME... - fail with one line when mod_fcgid would not hand one of these
# variables to the workers whole (see FRONT_FCGID_VAL_MAX): a worker that got a cut
# PGSSLROOTCERT would only fail later, naming a file nobody wrote.
_front_fcgid_limits() {
	local name val len hint LC_ALL=C # lengths in bytes, as mod_fcgid counts them
	if (($# > FRONT_FCGID_VARS_MAX)); then
		echo "front: cannot pass $# variables to Apache: mod_fcgid takes at most $FRONT_FCGID_VARS_MAX FcgidInitialEnv and drops the rest; unset the ones the workers do not need" >&2
		return 1
	fi
	for name; do
		len=${#name}
		if ((len > FRONT_FCGID_NAME_MAX)); then
			echo "front: cannot pass $name to Apache: mod_fcgid cuts variable names to $FRONT_FCGID_NAME_MAX bytes" >&2
			return 1
		fi
		val=${!name}
		len=${#val}
		((len <= FRONT_FCGID_VAL_MAX)) && continue
		hint="shorten it, or give the setting in the URL of DATABASE_URL (the workers' config file has no such limit)"
		echo "front: cannot pass $name to Apache: its value is $len bytes and mod_fcgid cuts every FcgidInitialEnv value to $FRONT_FCGID_VAL_MAX without a word; $hint" >&2
		return 1
	done
}

# _front_worker_config FILE - the authfcgi settings of this environment as a config file for
# the workers mod_fcgid spawns (FcgidWrapper "authfcgi --config FILE"): the secret and the
# database password stay out of Apache's config and environment, and no 127-byte limit cuts
# them. Only names authfcgi knows are written (the generated sample lists them; an unknown
# name in a file is an error, in the environment it is ignored); the Better Auth aliases
# first, so the AUTHFCGI_ names win as they do in the environment. Values are quoted whole.
# Readable by the workers only: 0640 root:www-data as root (authfcgi refuses a file holding
# the secret that others can read), else 0600.
_front_worker_config() {
	local file=$1 sample=$FRONT_DEPLOY_DIR/authfcgi.conf.sample known name val pass
	known=" $(grep -Eo '^#[A-Z][A-Z0-9_]* =' "$sample" | tr -d '#=' | tr -s '\n ' ' ')"
	known+=" $(grep -Eo 'may also use [A-Z][A-Z0-9_]*' "$sample" | awk '{ print $4 }' | tr '\n' ' ') "
	{
		echo "# authfcgi settings for mod_fcgid's workers (rendered by deploy/render.sh)"
		for pass in alias canonical; do
			for name in $(compgen -e | grep -E "$FRONT_SETTINGS_RE" | sort); do
				[[ $known == *" $name "* ]] || continue
				if [[ $name == BETTER_AUTH_* ]]; then [[ $pass == alias ]] || continue; else
					[[ $pass == canonical ]] || continue
				fi
				val=${!name}
				[[ -n $val ]] || continue
				if [[ $val == *$'\n'* ]]; then
					echo "front: cannot write $name into $file (a newline in its value)" >&2
					return 1
				fi
				printf '%s = "%s"\n' "$name" "$val"
			done
		done
	} | (umask 077 && cat >"$file.tmp") || return 1
	if ((EUID == 0)); then
		chgrp "$FRONT_USER" "$file.tmp" && chmod 0640 "$file.tmp" || return 1
	fi
	mv -f "$file.tmp" "$file"
}

# _front_apache_env - one FcgidInitialEnv line per variable to pass. The value is written as
# ${NAME}: Apache expands it from its own environment when it reads the config, so secrets
# do not land in the config file. Apache expands before it splits the line into words, so a
# value with a double quote is written out escaped instead (the file is 0600).
# shellcheck disable=SC2016 # ${NAME} is for Apache to expand, not for us
_front_apache_env() {
	local name val names
	names=$(compgen -e | grep -E "$FRONT_FCGID_ENV_RE" | sort)
	# shellcheck disable=SC2086 # names are [A-Z0-9_]+
	_front_fcgid_limits $names || return 1
	for name in $names; do
		val=${!name}
		if [[ $val != *'"'* ]]; then
			printf '    FcgidInitialEnv %s "${%s}"\n' "$name" "$name"
		elif [[ $val == *\\ || $val == *'${'* || $val == *$'\n'* ]]; then
			echo "front: cannot pass $name to Apache (a double quote with a trailing backslash, \${ or a newline)" >&2
			return 1
		else
			printf '    FcgidInitialEnv %s "%s"\n' "$name" "${val//'"'/'\"'}"
		fi
	done
}

# _front_demo KIND DIR - the protected demo area: DIR/protect.conf is deploy/protect/KIND.conf
# as it is (the README shows these files; the rendered config includes it), DIR/www/private
# the demo pages and the whoami CGI (deploy/demo), readable by the servers' workers.
# FRONT_PROTECT_CONF names another file to include instead (deploy/protect/site-KIND.conf),
# FRONT_PROTECT_HTACCESS a file to put in the DocumentRoot as .htaccess (Apache).
_front_demo() {
	local kind=$1 dir=$2
	install -m 0644 "${FRONT_PROTECT_CONF:-$FRONT_DEPLOY_DIR/protect/$kind.conf}" "$dir/protect.conf.new" &&
		mv -f "$dir/protect.conf.new" "$dir/protect.conf" || return 1
	rm -rf "$dir/www/private" &&
		cp -R "$FRONT_DEPLOY_DIR/demo/private" "$dir/www/private" || return 1
	# Only Apache reads .htaccess: elsewhere /shared/ would be open, so it is Apache's alone.
	if [[ $kind == apache ]]; then
		rm -rf "$dir/www/shared" && cp -R "$FRONT_DEPLOY_DIR/demo/shared" "$dir/www/shared" &&
			install -m 0644 "$FRONT_DEPLOY_DIR/protect/htaccess" "$dir/www/shared/.htaccess" || return 1
	fi
	rm -f "$dir/www/.htaccess"
	if [[ $kind == apache && -n ${FRONT_PROTECT_HTACCESS:-} ]]; then
		install -m 0644 "$FRONT_PROTECT_HTACCESS" "$dir/www/.htaccess" || return 1
	fi
	# u+w: the copy of a read-only tree (make distcheck) must stay removable by the next start.
	chmod -R u+w,a+rX "$dir/www"
}

# front_render KIND DIR PORT - see the header.
front_render() {
	local kind=$1 dir=$2 port=$3 exe
	[[ $port =~ ^[0-9]+$ ]] || {
		echo "front: bad port '$port'" >&2
		return 1
	}
	mkdir -p "$dir/www" "$dir/tmp" "$dir/run" || return 1
	_front_demo "$kind" "$dir" || return 1
	FRONT_ERROR_LOG=$dir/error.log
	case $kind in
	lighttpd)
		_front_check_upstream || return 1
		exe=$(_front_find lighttpd) || return 1
		local target
		if [[ $FRONT_UPSTREAM == /* ]]; then
			target="\"socket\" => \"$FRONT_UPSTREAM\""
		else
			target="\"host\" => \"${FRONT_UPSTREAM%:*}\", \"port\" => ${FRONT_UPSTREAM##*:}"
		fi
		local user_lines=""
		if ((EUID == 0)); then
			# lighttpd writes its pid file as root, then runs as www-data, which opens the
			# error log (1.4.69) and writes uploads.
			user_lines="server.username  = \"$FRONT_USER\""$'\n'"server.groupname = \"$FRONT_USER\""
			touch "$FRONT_ERROR_LOG" && chown "$FRONT_USER:" "$dir/tmp" "$FRONT_ERROR_LOG" || return 1
		fi
		FRONT_CONF=$dir/lighttpd.conf
		render_template "$FRONT_DEPLOY_DIR/lighttpd.conf.in" "$FRONT_CONF" \
			"DIR=$dir" "PORT=$port" "FASTCGI_TARGET=$target" "USER_LINES=$user_lines" || return 1
		FRONT_CMD=("$exe" -D -f "$FRONT_CONF")
		;;
	nginx)
		_front_check_upstream || return 1
		exe=$(_front_find nginx) || return 1
		local upstream params user_line=""
		if [[ $FRONT_UPSTREAM == /* ]]; then upstream="unix:$FRONT_UPSTREAM"; else upstream=$FRONT_UPSTREAM; fi
		params=/etc/nginx/fastcgi_params
		[[ -r $params ]] || {
			echo "front: $params missing (package nginx-common)" >&2
			return 1
		}
		# Started as root, nginx runs its workers as www-data, which the pool's socket lets in
		# by its group (not nobody, nginx's default).
		((EUID == 0)) && user_line="user $FRONT_USER;"
		FRONT_CONF=$dir/nginx.conf
		render_template "$FRONT_DEPLOY_DIR/nginx.conf.in" "$FRONT_CONF" \
			"DIR=$dir" "PORT=$port" "UPSTREAM=$upstream" "FASTCGI_PARAMS=$params" \
			"USER_LINE=$user_line" || return 1
		FRONT_SERVER_CMD=("$exe" -p "$dir/" -e "$FRONT_ERROR_LOG" -c "$FRONT_CONF")
		# nginx runs no CGI: deploy/with-cgi starts fcgiwrap for the demo's whoami first.
		mkdir -p "$dir/cgi" || return 1
		((EUID == 0)) && { chown "$FRONT_USER:" "$dir/cgi" || return 1; }
		FRONT_CMD=("$FRONT_DEPLOY_DIR/with-cgi" "$dir/cgi/fcgiwrap.sock" "$dir/www/private/whoami"
			"${FRONT_SERVER_CMD[@]}")
		;;
	apache)
		[[ -n ${FRONT_WORKER_BIN:-} && -x $FRONT_WORKER_BIN ]] || {
			echo "front: FRONT_WORKER_BIN must be the authfcgi binary (got '${FRONT_WORKER_BIN:-}')" >&2
			return 1
		}
		exe=$(_front_find apache2) || return 1
		local moddir=/usr/lib/apache2/modules user_lines="" env_lines
		[[ -r $moddir/mod_fcgid.so ]] || {
			echo "front: $moddir/mod_fcgid.so missing (package libapache2-mod-fcgid)" >&2
			return 1
		}
		if ((EUID == 0)); then
			# Apache refuses to serve as root: children and mod_fcgid's workers run as
			# www-data, which must own the IPC directory.
			user_lines="User $FRONT_USER"$'\n'"Group $FRONT_USER"
			mkdir -p "$dir/fcgid" && chown "$FRONT_USER:$FRONT_USER" "$dir/fcgid" || return 1
		else
			mkdir -p "$dir/fcgid" || return 1
		fi
		env_lines=$(_front_apache_env) || return 1
		# mod_fcgid splits the FcgidWrapper command line at blanks (apr_tokenize_to_argv) and
		# takes at most 511 bytes of it.
		local worker_config=$dir/authfcgi.conf
		if [[ "$FRONT_WORKER_BIN$worker_config" == *[[:space:]\"\']* ]] ||
			((${#FRONT_WORKER_BIN} + ${#worker_config} + 10 > 511)); then
			echo "front: mod_fcgid cannot run '$FRONT_WORKER_BIN --config $worker_config' (blanks, quotes or over 511 bytes)" >&2
			return 1
		fi
		_front_worker_config "$worker_config" || return 1
		FRONT_CONF=$dir/apache.conf
		render_template "$FRONT_DEPLOY_DIR/apache.conf.in" "$FRONT_CONF" \
			"DIR=$dir" "PORT=$port" "MODULES=$moddir" "USER_LINES=$user_lines" \
			"WORKER_BIN=$FRONT_WORKER_BIN" "WORKER_CONFIG=$worker_config" "FCGID_ENV=$env_lines" \
			"MAX_PROCS=${FRONT_FCGID_MAX_PROCS:-16}" \
			"MAX_REQUESTS=${FRONT_FCGID_MAX_REQUESTS:-${AUTHFCGI_MAX_REQUESTS:-100000}}" || return 1
		FRONT_CMD=("$exe" -d "$dir" -f "$FRONT_CONF" -DFOREGROUND)
		;;
	*)
		echo "front: unknown front server '$kind' (one of: $FRONT_KINDS)" >&2
		return 1
		;;
	esac
	FRONT_EXE=$(basename "$exe")
}

# front_configtest - ask the server to check FRONT_CONF (after front_render); prints its
# complaint and fails when the config is bad.
front_configtest() {
	local out
	case ${FRONT_EXE:-} in
	lighttpd) out=$("${FRONT_CMD[0]}" -tt -f "$FRONT_CONF" 2>&1) ;;
	nginx) out=$("${FRONT_SERVER_CMD[@]}" -t 2>&1) ;;
	apache2) out=$("${FRONT_CMD[@]}" -t 2>&1) ;;
	*) return 1 ;;
	esac || {
		printf '%s\n' "$out" >&2
		return 1
	}
}
