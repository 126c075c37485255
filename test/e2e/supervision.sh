#!/bin/bash
# test/e2e/supervision.sh - the standalone master supervises its workers, seen through a real
# lighttpd: a killed worker is replaced; SIGHUP under load and retirement after
# AUTHFCGI_MAX_REQUESTS fail no request; SIGTERM lets a request in flight finish, exits 0
# within AUTHFCGI_SHUTDOWN_TIMEOUT_MS and removes the socket and the pid file; workers that
# die at start are respawned with a bounded, throttled rate.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/pool.sh
source "$top_srcdir/test/lib/pool.sh"
# shellcheck source=test/lib/front.sh
source "$top_srcdir/test/lib/front.sh"

command -v ab >/dev/null || skip_all "ab (apache2-utils) is not installed"

WORKERS=3
SHUTDOWN_MS=5000

watchdog 200
tmpdir_new
pg_start
if ! "$AUTHFCGI_BIN" migrate >"$TEST_TMP/migrate.log" 2>&1; then
	show_log "$TEST_TMP/migrate.log"
	not_ok "authfcgi migrate"
	finish
fi

# The pool reads this file again on SIGHUP; cases below append to it.
CONFIG=$TEST_TMP/authfcgi.conf
printf '# supervision test\nAUTHFCGI_MAX_REQUESTS = 0\n' >"$CONFIG"
# Thousands of requests from one address would meet Better Auth's rate limit: not the subject
# here.
export AUTHFCGI_WORKERS=$WORKERS AUTHFCGI_SHUTDOWN_TIMEOUT_MS=$SHUTDOWN_MS AUTHFCGI_RATE_LIMIT=false
pool_start --config "$CONFIG"
front_start lighttpd "$(free_port)"
URL=$FRONT_URL/api/auth/ok

# get_ok N - N sequential requests; prints how many did not answer 200.
get_ok() {
	local n=$1 bad=0 i code
	for ((i = 0; i < n; i++)); do
		code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$URL") || code=000
		[[ $code == 200 ]] || bad=$((bad + 1))
	done
	echo "$bad"
}

# load_start N C - ab in the background: N requests, C at a time. load_result checks it.
# For a load whose size is the subject (retirement after N requests), not for one that must
# outlast an event: see run_start.
load_start() {
	AB_OUT=$TEST_TMP/ab.$1.$2.out
	ab -q -r -s 10 -n "$1" -c "$2" "$URL" >"$AB_OUT" 2>&1 &
	AB_PID=$!
	AB_N=$1
}

# load_result LABEL - wait for ab; ok when all AB_N requests completed and none failed.
load_result() {
	local label=$1 complete failed non2xx
	wait "$AB_PID" || true
	complete=$(awk '/^Complete requests:/ { print $3 }' "$AB_OUT")
	failed=$(awk '/^Failed requests:/ { print $3 }' "$AB_OUT")
	non2xx=$(awk '/^Non-2xx responses:/ { print $3 }' "$AB_OUT")
	if [[ $complete == "$AB_N" && $failed == 0 && -z $non2xx ]]; then
		ok "$label: $complete requests, 0 failed"
	else
		not_ok "$label: complete=${complete:-?} failed=${failed:-?} non-2xx=${non2xx:-0}"
		sed 's/^/# /' "$AB_OUT" | tail -n 25
	fi
}

# run_start C - a load that runs until run_stop, whatever the machine's speed: C clients
# request $URL in a loop, one line per response (the status, 0 for no answer) in $RUN_OUT.
# A hang guard ends it after 120 s should the test never stop it.
run_start() {
	RUN_OUT=$TEST_TMP/run.out
	RUN_STOP=$TEST_TMP/run.stop
	rm -f "$RUN_STOP"
	: >"$RUN_OUT"
	python3 - "$URL" "$1" "$RUN_STOP" 120 >"$RUN_OUT" 2>"$TEST_TMP/run.err" <<'PY' &
import os, sys, threading, time, urllib.error, urllib.request
url, clients, stop, guard = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
end = time.monotonic() + guard
lock = threading.Lock()
def client():
    while not os.path.exists(stop) and time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                r.read()
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except Exception:
            code = 0
        with lock:
            print(code, flush=True)
threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
sys.exit(0 if os.path.exists(stop) else 2)
PY
	RUN_PID=$!
	on_exit "touch '$RUN_STOP'; wait $RUN_PID 2>/dev/null"
}

# run_count - responses so far.
run_count() { grep -c . "$RUN_OUT" || true; }

# run_wait N SECS - until the load has N responses in all (false after SECS, or if it ended).
run_wait() {
	local deadline=$((SECONDS + $2))
	until (($(run_count) >= $1)); do
		((SECONDS < deadline)) && kill -0 "$RUN_PID" 2>/dev/null || return 1
		sleep 0.05
	done
}

# run_stop LABEL - stop the load; ok when it ran until told to and every response was 200.
run_stop() {
	local label=$1 status=0 total bad
	touch "$RUN_STOP"
	wait "$RUN_PID" || status=$?
	total=$(run_count)
	bad=$(grep -vcx 200 "$RUN_OUT" || true)
	if ((status == 0 && total > 0 && bad == 0)); then
		ok "$label: $total requests, 0 failed"
	else
		not_ok "$label: $total requests, $bad not 200 (statuses: $(sort "$RUN_OUT" | uniq -c | tr -s ' \n' ' ')), load exit status $status"
		show_log "$TEST_TMP/run.err" 10
	fi
}

# generation_pids G - pids of the live workers spawned for configuration generation G.
generation_pids() {
	local pid
	for pid in $(pool_worker_pids); do
		grep -q "event=worker_spawned worker=$pid generation=$1\b" "$POOL_LOG" && echo "$pid"
	done
	return 0
}

# wait_generation G - until exactly WORKERS workers run, all of generation G (false after 15 s).
# Counting workers alone is not enough: before a reload starts, the old ones are as many.
wait_generation() {
	local deadline=$((SECONDS + 15))
	until [[ $(pool_worker_pids | grep -c .) == "$WORKERS" &&
		$(generation_pids "$1" | grep -c .) == "$WORKERS" ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}

# --- kill -9 of a worker ------------------------------------------------------------------
before=$(pool_worker_pids | sort)
victim=$(head -n 1 <<<"$before")
kill -KILL "$victim"
if pool_wait_replaced "$WORKERS" "$victim"; then
	ok "kill -9 of worker $victim: replaced ($(pool_worker_pids | grep -c .) workers)"
else
	not_ok "kill -9 of worker $victim: not replaced"
fi
bad=$(get_ok 50)
check "$((bad != 0))" "after kill -9: 50 requests, $bad not 200"

# A worker killed before it served anything did throttle (100 ms) above; from here on, no
# reload or retirement may.
throttles_before=$(pool_count_events respawn_throttled)

# --- SIGHUP during a load run ---------------------------------------------------------------
# The load runs until it is stopped: the signal goes while it runs, and it stops only once
# generation 2 alone has served it for a while, on a machine of any speed.
run_start 8
if run_wait 100 30; then
	kill -HUP "$POOL_PID"
	at_hup=$(run_count)
	ok "SIGHUP sent while the load runs ($at_hup responses before it)"
else
	not_ok "the load did not get going: $(run_count) responses"
fi
if wait_generation 2; then
	ok "after SIGHUP: $WORKERS workers, all of generation 2"
else
	not_ok "after SIGHUP: workers $(pool_worker_pids | tr '\n' ' '), generation 2: $(generation_pids 2 | tr '\n' ' ')"
fi
at_new=$(run_count)
rc=0
run_wait $((at_new + 100)) 30 || rc=$?
check "$rc" "the load goes on after the reload: $(($(run_count) - at_new)) responses from generation 2 (want 100)"
run_stop "SIGHUP under load (${at_hup:-?} responses before the signal, $((at_new - ${at_hup:-0})) during the reload, $(($(run_count) - at_new)) after)"

# --- retirement after AUTHFCGI_MAX_REQUESTS (set by a reload) ------------------------------
# The same reload asks for a restart-only setting (settings table): it is named and kept.
printf 'AUTHFCGI_MAX_REQUESTS = 20\nAUTHFCGI_SOCKET_MODE = 0600\n' >>"$CONFIG"
kill -HUP "$POOL_PID"
if wait_generation 3; then
	ok "reload to AUTHFCGI_MAX_REQUESTS=20: generation 3 running"
else
	not_ok "reload to AUTHFCGI_MAX_REQUESTS=20: generation 3 not complete"
fi
ignored=$(grep -o 'event=reload_setting_ignored setting=[A-Z_]*' "$POOL_LOG" | cut -d= -f3 | tr '\n' ' ')
if [[ $ignored == "AUTHFCGI_SOCKET_MODE " ]]; then
	ok "a reload changing AUTHFCGI_SOCKET_MODE logs reload_setting_ignored for it alone"
else
	not_ok "reload_setting_ignored lines name: '$ignored' (want AUTHFCGI_SOCKET_MODE)"
fi
before=$(pool_worker_pids | sort)
retired_before=$(grep -c 'event=worker_exit reason=retired' "$POOL_LOG" || true)
load_start 400 4
load_result "load across retirements"
retired=$(($(grep -c 'event=worker_exit reason=retired' "$POOL_LOG" || true) - retired_before))
pool_wait_workers "$WORKERS" 5 || true
after=$(pool_worker_pids | sort)
if ((retired >= 10)) && [[ -z $(comm -12 <(echo "$before") <(echo "$after")) ]]; then
	ok "workers retired after 20 requests ($retired retirements) and were replaced"
else
	not_ok "retirement: $retired retirements; pids before: ${before//$'\n'/ } after: ${after//$'\n'/ }"
fi
if (($(pool_count_events respawn_throttled) > throttles_before)); then
	not_ok "a retirement or a reload was throttled"
	grep 'event=respawn_throttled' "$POOL_LOG" | sed 's/^/# /'
else
	ok "no throttling for retired or replaced workers"
fi

# --- a reload that cannot work keeps the running configuration --------------------------------
before=$(pool_worker_pids | sort)
echo "AUTHFCGI_WORKERS = lots" >>"$CONFIG"
kill -HUP "$POOL_PID"
deadline=$((SECONDS + 5))
until grep -q 'event=reload_failed' "$POOL_LOG" || ((SECONDS > deadline)); do sleep 0.05; done
if grep -q 'event=reload_failed error="AUTHFCGI_WORKERS: ' "$POOL_LOG" &&
	[[ $(pool_worker_pids | sort) == "$before" ]]; then
	ok "reload with a bad value: refused, one line naming the setting, workers kept"
else
	not_ok "reload with a bad value: $(grep 'event=reload' "$POOL_LOG" | tail -n 1)"
fi
sed -i '$d' "$CONFIG"
# This one loads, but libpq refuses it: the new workers exit at start with the configuration
# status, and the master goes back to generation 3, which kept serving meanwhile.
echo "DATABASE_URL = postgresql://postgres@[::1/authfcgi" >>"$CONFIG"
kill -HUP "$POOL_PID"
deadline=$((SECONDS + 5))
until grep -q 'event=reload_rolled_back' "$POOL_LOG" || ((SECONDS > deadline)); do sleep 0.05; done
if grep -q 'event=reload_rolled_back failed_generation=4 generation=3' "$POOL_LOG" &&
	wait_generation 3; then
	ok "reload whose workers cannot start: rolled back to generation 3"
else
	not_ok "reload whose workers cannot start: $(grep 'event=reload' "$POOL_LOG" | tail -n 2 | tr '\n' ' ')"
fi
bad=$(get_ok 30)
check "$((bad != 0))" "after the rollback: 30 requests, $bad not 200"
sed -i '$d' "$CONFIG"

# Two SIGHUPs of a configuration whose workers cannot start, the second before the first's
# workers have failed: the rollback still goes to generation 3, the last one that worked (the
# second reload used to drop it, keeping the unproven generation 5 as the way back, and then
# nothing). A wrong password for a role that must log in with one; the postmaster is stopped
# meanwhile, so that no new worker can fail its login before the second signal.
pg_add_role sup_role right-password-1
# It holds a password now: the master refuses a file others can read, and reads it as the
# user it runs as.
chown "$(stat -c %u:%g "/proc/$POOL_PID")" "$CONFIG"
chmod 0600 "$CONFIG"
echo "DATABASE_URL = $(pg_url sup_role:wrong-password-1)" >>"$CONFIG"
postmaster=$(head -n 1 "$PG_DATADIR/postmaster.pid")
kill -STOP "$postmaster"
kill -HUP "$POOL_PID"
deadline=$((SECONDS + 10))
until grep -q 'event=reload generation=5 ' "$POOL_LOG" || ((SECONDS > deadline)); do sleep 0.02; done
kill -HUP "$POOL_PID"
until grep -q 'event=reload generation=6 ' "$POOL_LOG" || ((SECONDS > deadline)); do sleep 0.02; done
kill -CONT "$postmaster"
deadline=$((SECONDS + 15))
until grep -q 'event=reload_rolled_back failed_generation=6' "$POOL_LOG" || ((SECONDS > deadline)); do
	sleep 0.05
done
if grep -q 'event=reload_rolled_back failed_generation=6 generation=3' "$POOL_LOG" &&
	wait_generation 3; then
	ok "two quick reloads whose workers cannot start: rolled back to generation 3"
else
	not_ok "two quick reloads: $(grep 'event=reload' "$POOL_LOG" | tail -n 3 | tr '\n' ' ')"
fi
bad=$(get_ok 30)
check "$((bad != 0))" "after that rollback: 30 requests, $bad not 200"
sed -i '$d' "$CONFIG"

# --- SIGTERM with a request in flight -------------------------------------------------------
# A FastCGI client straight on the pool's socket: it sends the request head and half of the
# body, waits until told to go on, then sends the rest. SIGTERM arrives in between; the answer
# must still come.
# Perl, because perl-base is on every Debian system.
cat >"$TEST_TMP/slow_fcgi.pl" <<'EOF'
use strict;
use warnings;
use IO::Select;
use IO::Socket::UNIX;

my ($path, $go_file, $ready_file) = @ARGV;

sub record {
	my ($type, $content) = @_;
	$content //= '';
	return pack('CCnnCC', 1, $type, 1, length $content, 0, 0) . $content;
}

sub pair {
	my ($name, $value) = @_;
	return pack('CC', length $name, length $value) . $name . $value;
}

sub send_all {
	my ($s, $data) = @_;
	while (length $data) {
		my $n = syswrite($s, $data) // die "write: $!\n";
		substr($data, 0, $n) = '';
	}
}

sub read_exact {
	my ($s, $len) = @_;
	my $buf = '';
	while (length $buf < $len) {
		my $n = sysread($s, $buf, $len - length $buf, length $buf);
		return undef unless $n;
	}
	return $buf;
}

my $params = join '', map { pair(@$_) } (['REQUEST_METHOD', 'POST'],
	['REQUEST_URI', '/api/auth/not-a-route'], ['CONTENT_TYPE', 'application/json'],
	['CONTENT_LENGTH', '10']);
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path) or die "connect $path: $!\n";
send_all($s, record(1, pack('nCx5', 1, 0)) . record(4, $params) . record(4) . record(5, '01234'));
open(my $fh, '>', $ready_file) or die "$ready_file: $!\n";
close $fh;
# Nothing may come back before the body is complete: an early answer (or a close) means the
# signal cut the request short. The wait for the go file is bounded by a hang guard.
my $guard = time + 60;
until (-e $go_file) {
	if (time > $guard) {
		print "never told to go on\n";
		exit 0;
	}
	if (IO::Select->new($s)->can_read(0.02)) {
		my $got = sysread($s, my $byte, 1);
		print $got ? "answered before the body was complete\n" : "closed before the body was complete\n";
		exit 0;
	}
}
send_all($s, record(5, '56789') . record(5));
my $out = '';
while (defined(my $head = read_exact($s, 8))) {
	my (undef, $type, undef, $len, $pad) = unpack('CCnnCC', $head);
	my $body = '';
	if ($len + $pad) {
		$body = read_exact($s, $len + $pad);
		last unless defined $body;
	}
	$out .= substr($body, 0, $len) if $type == 6;
	last if $type == 3;
}
print length $out ? (split /\r\n/, $out)[0] . "\n" : "no answer\n";
EOF
perl "$TEST_TMP/slow_fcgi.pl" "$POOL_SOCKET" "$TEST_TMP/slow.go" "$TEST_TMP/slow.sent" \
	>"$TEST_TMP/slow.out" 2>&1 &
slow_pid=$!
# The request is in flight once it is sent and a worker accepted it: no connection to the
# socket waits in its queue any more.
deadline=$((SECONDS + 10))
until [[ -e $TEST_TMP/slow.sent && $(pool_queued) == 0 ]] || ((SECONDS > deadline)); do
	sleep 0.02
done
exited_before=$(pool_count_events worker_exited)
term_start=$SECONDS
term_pid=$POOL_PID
term_workers=$(pool_worker_pids)
kill -TERM "$POOL_PID"
# The master signals every worker at once; once the idle ones have exited, the busy one has
# its SIGTERM too: only then does the rest of the body go.
deadline=$((SECONDS + 10))
until (($(pool_count_events worker_exited) >= exited_before + WORKERS - 1)) || ((SECONDS > deadline)); do
	sleep 0.02
done
touch "$TEST_TMP/slow.go"
wait "$slow_pid" || true
if [[ $(<"$TEST_TMP/slow.out") == "Status: 404 Not Found" ]]; then
	ok "SIGTERM: the request in flight was answered ($(<"$TEST_TMP/slow.out"))"
else
	not_ok "SIGTERM: the request in flight got: $(<"$TEST_TMP/slow.out")"
fi
pool_stop $((SHUTDOWN_MS / 1000 + 5))
elapsed=$((SECONDS - term_start))
if [[ $POOL_STATUS == 0 ]] && ((elapsed <= SHUTDOWN_MS / 1000 + 1)); then
	ok "SIGTERM: master $term_pid exited 0 after ${elapsed}s (deadline $((SHUTDOWN_MS / 1000))s)"
else
	not_ok "SIGTERM: master exited with ${POOL_STATUS:-?} after ${elapsed}s"
fi
if [[ ! -e $POOL_SOCKET && ! -e $POOL_PID_FILE ]]; then
	ok "SIGTERM: socket and pid file removed"
else
	not_ok "SIGTERM: left behind: socket $([[ -e $POOL_SOCKET ]] && echo yes || echo no), pid file $([[ -e $POOL_PID_FILE ]] && echo yes || echo no)"
fi
# By the workers' own pids: once the master is gone, a worker it left behind is init's child,
# so asking for the master's children would find none whatever happened.
left=
for w in $term_workers; do
	_pool_alive "$w" && left+=" $w"
done
if [[ -n $term_workers && -z $left ]]; then
	ok "SIGTERM: no worker left (of $(wc -w <<<"$term_workers"))"
else
	not_ok "SIGTERM: workers of $term_pid still running:${left:- (none seen before the signal)}"
fi
front_stop "$FRONT_PID"
sanitizer_log=$POOL_LOG

# --- workers that die at start are respawned, throttled --------------------------------------
# libpq refuses this URL (unterminated IPv6 address), so every worker exits at start with the
# configuration status; the master must keep trying, but slowly: each throttle line sets a
# delay (doubling from 100 ms) before the next spawn. The test waits for the line that sets
# 1600 ms, then judges what happened up to it, which the machine's speed does not change:
# every spawn after a throttle line came at least that line's delay after it (log times, ms),
# and at most one round of spawns (2) per line.
POOL_LOG=$TEST_TMP/broken.log
DATABASE_URL='postgresql://postgres@[::1/authfcgi' AUTHFCGI_WORKERS=2 POOL_WAIT=socket \
	pool_start
deadline=$((SECONDS + 30))
until grep -q 'event=respawn_throttled delay_ms=1600 ' "$POOL_LOG" || ((SECONDS > deadline)); do
	sleep 0.05
done
forks=$(pool_count_events worker_spawned)
config_exits=$(grep -c 'event=worker_exited .*reason=config' "$POOL_LOG" || true)
throttle_lines=$(pool_count_events respawn_throttled)
# Spawns after a throttle line, and how many of them came before its delay was over.
read -r delayed early < <(awk '
	function ms(ts, t) { split(substr(ts, 15, 12), t, ":"); return (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 }
	/event=respawn_throttled / { match($0, /delay_ms=[0-9]+/); delay = substr($0, RSTART + 9, RLENGTH - 9); at = ms($1); next }
	/event=worker_spawned / && at != "" { gap = ms($1) - at; if (gap < 0) gap += 86400000; n++; if (gap < delay - 1) bad++ }
	END { print n + 0, bad + 0 }' "$POOL_LOG")
if grep -q 'event=respawn_throttled delay_ms=1600 ' "$POOL_LOG" && ((forks >= 4 &&
	forks <= 2 * (throttle_lines + 1) && delayed >= 2 && early == 0)); then
	ok "broken workers: $forks forks up to the 1600 ms step, $throttle_lines throttle lines, none of $delayed respawns before its delay"
else
	not_ok "broken workers: $forks forks (want 4..$((2 * (throttle_lines + 1)))), $early of $delayed respawns before their delay, 1600 ms step: $(grep -c 'delay_ms=1600 ' "$POOL_LOG" || true)"
	grep -E 'event=(worker_spawned|respawn_throttled) ' "$POOL_LOG" | cut -c1-110 | sed 's/^/# /'
fi
if ((config_exits >= 2 && throttle_lines >= 2 && throttle_lines <= 8)); then
	ok "broken workers: $config_exits exits with reason=config, $throttle_lines throttle lines"
else
	not_ok "broken workers: $config_exits config exits, $throttle_lines throttle lines"
fi
if _pool_alive "$POOL_PID"; then
	ok "broken workers: the master keeps running"
else
	not_ok "broken workers: the master exited"
fi
pool_stop 10
check "$((POOL_STATUS != 0))" "broken workers: master stops with status 0 (got $POOL_STATUS)"

for log in "$sanitizer_log" "$POOL_LOG"; do
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
		not_ok "sanitizer report in $log"
		grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | head -40 | sed 's/^/# /'
	else
		ok "no sanitizer report in $(basename "$log")"
	fi
done

finish
