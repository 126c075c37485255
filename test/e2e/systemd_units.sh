#!/bin/bash
# test/e2e/systemd_units.sh - deploy/authfcgi.socket + authfcgi.service as systemd would run
# them: the ExecStart command line and Environment= of the service, the ListenStream socket
# passed by socket activation (systemd-socket-activate: LISTEN_FDS, a clean environment),
# and deploy/authfcgi.conf.sample filled in as the config file (0640 root:Group=, as the unit's
# install notes say). As root, the service runs as its User=/Group= (the test's unprivileged
# user when that user does not exist here) and the socket gets SocketGroup=/SocketMode=.
# nginx in front. Type=notify: with a stand-in for systemd's $NOTIFY_SOCKET, the pool says
# READY=1. Then the unit's ExecReload (SIGHUP) keeps serving and its stop signal ends the pool
# with status 0.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/front.sh
source "$top_srcdir/test/lib/front.sh"

watchdog 200
command -v systemd-socket-activate >/dev/null ||
	skip_all "systemd-socket-activate (package systemd) not installed"
tmpdir_new
SERVICE=$top_srcdir/deploy/authfcgi.service
SOCKET_UNIT=$top_srcdir/deploy/authfcgi.socket

# unit_value FILE KEY - the value of the last KEY= line.
unit_value() { sed -n "s/^$2=//p" "$1" | tail -n 1; }

listen=$(unit_value "$SOCKET_UNIT" ListenStream)
exec_start=$(unit_value "$SERVICE" ExecStart)
environment=$(unit_value "$SERVICE" Environment)
kill_signal=$(unit_value "$SERVICE" KillSignal)
reload=$(unit_value "$SERVICE" ExecReload)
read -r -a argv <<<"$exec_start"
# shellcheck disable=SC2016 # $MAINPID is systemd's, literally in the unit
if [[ $listen == /* && ${argv[0]##*/} == authfcgi && ${argv[1]} == serve &&
	$environment == AUTHFCGI_SOCKET=systemd && $reload == *'kill -HUP $MAINPID' ]]; then
	ok "units: socket $listen, ExecStart '$exec_start', $environment"
else
	not_ok "units: unexpected ListenStream '$listen' / ExecStart '$exec_start' / Environment '$environment' / ExecReload '$reload'"
	finish
fi
if grep -q '^Requires=authfcgi.socket' "$SERVICE"; then ok "service requires the socket"; else
	not_ok "authfcgi.service lacks Requires=authfcgi.socket"
fi
expect "Type=notify" test "$(unit_value "$SERVICE" Type)" = notify

pg_start
"$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1 || {
	show_log "$TEST_TMP/migrate.log"
	not_ok "authfcgi migrate"
	finish
}

# The service's command, with the binary under test and a config made from the sample.
config=$TEST_TMP/authfcgi.conf
# sed's replacement: a URL with several parameters has '&', which sed reads as "the match".
url_for_sed=$(printf '%s' "$DATABASE_URL" | sed 's/[&|\\]/\\&/g')
sed -e "s|^#DATABASE_URL =.*|DATABASE_URL = $url_for_sed|" \
	-e "s|^#AUTHFCGI_SECRET =.*|AUTHFCGI_SECRET = test-secret-0123456789-0123456789-abcdef|" \
	-e "s|^#AUTHFCGI_WORKERS =.*|AUTHFCGI_WORKERS = 2|" \
	"$top_srcdir/deploy/authfcgi.conf.sample" >"$config"
chmod 0600 "$config"
# User=, Group=: what systemd would switch to before ExecStart.
as_unit_user=()
if ((EUID == 0)); then
	unit_user=$(unit_value "$SERVICE" User)
	unit_group=$(unit_value "$SERVICE" Group)
	if [[ -z $unit_user || $unit_user == root ]]; then
		not_ok "the service runs as User=${unit_user:-root}, not an unprivileged user"
		finish
	fi
	id -u "$unit_user" >/dev/null 2>&1 || unit_user=$AUTHFCGI_USER unit_group=
	unit_group=${unit_group:-$(id -gn "$unit_user")}
	getent group "$unit_group" >/dev/null || unit_group=$(id -gn "$unit_user")
	chgrp "$unit_group" "$config" && chmod 0640 "$config"
	as_unit_user=(setpriv --reuid="$unit_user" --regid="$unit_group" --init-groups)
fi
for ((i = 0; i < ${#argv[@]}; i++)); do
	case ${argv[i]} in
	*/authfcgi) argv[i]=$AUTHFCGI_BIN ;;
	*/authfcgi.conf) argv[i]=$config ;;
	esac
done
sock=$TEST_TMP/run/${listen##*/}
mkdir -p "$TEST_TMP/run"
log=$TEST_TMP/service.log
# systemd starts services with a clean environment: only the unit's Environment= (and the
# sanitizer options of a test build) reach the process.
san_env=()
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
	[[ -n ${!v:-} ]] && san_env+=(-E "$v")
done
# Type=notify: systemd's notify socket, played by a datagram listener.
notes=$TEST_TMP/notify.log
notify_name=@authfcgi-test-units-$$-$RANDOM
: >"$notes"
/usr/bin/python3 "$top_srcdir/test/lib/notify_listener.py" "$notify_name" "$notes" &
on_exit "kill $! 2>/dev/null"
for ((i = 0; i < 200; i++)); do
	grep -q '^listening$' "$notes" && break
	sleep 0.05
done
env -i PATH=/usr/bin:/bin systemd-socket-activate -l "$sock" -E "$environment" \
	-E "NOTIFY_SOCKET=$notify_name" "${san_env[@]}" \
	"${as_unit_user[@]}" "${argv[@]}" >"$log" 2>&1 </dev/null &
svc_pid=$!
on_exit "kill -KILL $svc_pid 2>/dev/null; kill -KILL \$(ps -o pid= --ppid $svc_pid) 2>/dev/null"
for ((i = 0; i < 100; i++)); do
	[[ -S $sock ]] && break
	sleep 0.05
done
if [[ -S $sock ]]; then ok "socket $sock listening before the service runs"; else not_ok "no socket at $sock"; fi
if ((EUID == 0)); then
	chgrp "$(unit_value "$SOCKET_UNIT" SocketGroup)" "$sock"
	chmod "$(unit_value "$SOCKET_UNIT" SocketMode)" "$sock"
fi

FRONT_UPSTREAM=$sock
front_start nginx "$(free_port)"
# The first connection starts the service, which takes the socket from LISTEN_FDS.
if wait_http "$FRONT_URL/readyz" 20; then ok "socket-activated pool answers /readyz"; else
	not_ok "socket-activated pool does not answer /readyz"
	show_log "$log"
	finish
fi
for ((i = 0; i < 400; i++)); do
	grep -q '^READY=1' "$notes" && break
	sleep 0.05
done
if grep -q '^READY=1' "$notes"; then ok "Type=notify: READY=1 sent"; else
	not_ok "Type=notify: no READY=1 within 20 s"
	show_log "$notes"
fi
body=$(curl -s -m 5 "$FRONT_URL/api/auth/ok")
if [[ $body == '{"ok":true}' ]]; then ok "GET /api/auth/ok through nginx -> {\"ok\":true}"; else
	not_ok "GET /api/auth/ok -> '$body'"
fi

# ExecReload: SIGHUP to the main process; requests keep succeeding across it. They go on until
# both workers of generation 2 run and the two old ones have exited, then 20 more: across the
# whole reload on a machine of any speed (30 s at most).
exited_before=$(grep -c 'event=worker_exited' "$log" || true)
kill -HUP "$svc_pid"
fails=0 n=0 after=-1 deadline=$((SECONDS + 30))
while ((after < 20 && fails < 3 && SECONDS < deadline)); do
	code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$FRONT_URL/api/auth/ok") || true
	n=$((n + 1))
	[[ $code == 200 ]] || fails=$((fails + 1))
	if ((after >= 0)); then
		after=$((after + 1))
	elif (($(grep -c 'event=worker_spawned .*generation=2' "$log" || true) >= 2 &&
		$(grep -c 'event=worker_exited' "$log" || true) >= exited_before + 2)); then
		after=0
	fi
done
if ((fails == 0 && after >= 20)); then
	ok "ExecReload (SIGHUP): $n requests across it ($after after generation 2 took over), 0 failed"
else
	not_ok "ExecReload (SIGHUP): $fails of $n requests failed, $after after generation 2 took over (-1: never)"
fi

# Stop: KillSignal= to the main process; it drains and exits 0 well within TimeoutStopSec.
kill "-${kill_signal#SIG}" "$svc_pid"
t0=$SECONDS
while _front_alive "$svc_pid" && ((SECONDS - t0 < 20)); do sleep 0.05; done
_front_alive "$svc_pid" && kill -KILL "$svc_pid"
status=0
wait "$svc_pid" || status=$?
if ((status == 0 && SECONDS - t0 <= 15)); then
	ok "$kill_signal: pool exits 0 after $((SECONDS - t0))s"
else
	not_ok "$kill_signal: pool exit status $status after $((SECONDS - t0))s"
	show_log "$log"
fi
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
	not_ok "sanitizer report in the service log"
	show_log "$log" 60
else
	ok "no sanitizer report in the service log"
fi
finish
