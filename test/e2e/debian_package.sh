#!/bin/bash
# test/e2e/debian_package.sh - contrib/debian/build.sh builds the Debian package from this
# build tree (lintian without errors), `dpkg -i` installs it (apt-get install -f for missing
# dependencies), the installed authfcgi, run as the package's system user with the package's
# conffile, reaches the test database (migrate, migrate --status, config-test), then `dpkg -r`
# and `dpkg --purge` remove it and nothing of it is left but what Debian keeps (the system
# user). Needs root. It never touches an authfcgi installed by anything else (it skips, saying
# why) and restores what it changed: the package purged, the system user deleted when the
# install created it. Skipped in a sanitizer build: the package builds from the release tree
# with Debian's flags, so that pass would build the same package again.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"

watchdog 600
((EUID == 0)) || skip_all "installing a package needs root"
command -v dpkg >/dev/null || skip_all "not a Debian system (no dpkg)"
skip_in_sanitizer_build "the package is built from the release tree with Debian's flags; the -Werror pass tests it"
status=$(dpkg-query -W -f='${db:Status-Status}' authfcgi 2>/dev/null) || status=not-installed
[[ $status == not-installed ]] ||
	skip_all "a package authfcgi is on this machine (status $status); not touching it"
for p in /usr/bin/authfcgi /etc/authfcgi /lib/systemd/system/authfcgi.service \
	/lib/systemd/system/authfcgi.socket /usr/share/doc/authfcgi; do
	[[ ! -e $p ]] || skip_all "$p exists and is no package's; installing would take it over"
done
need_tools dpkg-buildpackage dh lintian fakeroot
tmpdir_new
CONF=/etc/authfcgi/authfcgi.conf
user_existed=0
if id -u authfcgi >/dev/null 2>&1; then user_existed=1; fi

# dpkg_run ARGS... - dpkg, waiting (up to 5 min) for a lock another dpkg or apt holds.
dpkg_run() {
	local deadline=$((SECONDS + 300)) out=$TEST_TMP/dpkg.out
	while :; do
		dpkg "$@" >"$out" 2>&1 && return 0
		if grep -q 'lock' "$out" && ((SECONDS < deadline)); then
			sleep 1 # the lock holder says nothing when it is done; poll
			continue
		fi
		cat "$out"
		return 1
	done
}

# restore - purge what we installed; delete the system user when our install created it.
restore() {
	local s
	s=$(dpkg-query -W -f='${db:Status-Status}' authfcgi 2>/dev/null) || s=not-installed
	[[ $s == not-installed ]] || dpkg_run --purge authfcgi || true
	if ((!user_existed)) && id -u authfcgi >/dev/null 2>&1; then
		deluser --system --quiet authfcgi >/dev/null 2>&1 || userdel authfcgi || true
		getent group authfcgi >/dev/null && groupdel authfcgi 2>/dev/null || true
	fi
}
on_exit restore

# ---- build
t0=$SECONDS
if "$top_srcdir/contrib/debian/build.sh" -o "$TEST_TMP/out" -b "$top_builddir" \
	>"$TEST_TMP/build.log" 2>&1; then
	ok "contrib/debian/build.sh: package built, lintian without errors ($((SECONDS - t0)) s)"
	grep '^[WE]: ' "$TEST_TMP/build.log" | sed 's/^/# lintian: /' || true
else
	show_log "$TEST_TMP/build.log" 80
	not_ok "contrib/debian/build.sh"
	finish
fi
deb=$(ls "$TEST_TMP"/out/authfcgi_*.deb)
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' >"$TEST_TMP/files"

# ---- what the package holds
has() { grep -qx "$1" "$TEST_TMP/files"; }
missing=()
for f in /usr/bin/authfcgi /etc/authfcgi/authfcgi.conf /lib/systemd/system/authfcgi.service \
	/lib/systemd/system/authfcgi.socket /usr/share/doc/authfcgi/examples/nginx.conf.in \
	/usr/share/doc/authfcgi/examples/authfcgi.conf.sample /usr/share/doc/authfcgi/README.Debian \
	/usr/share/doc/authfcgi/README; do
	has "$f" || missing+=("$f")
done
# "Protect any path": the snippets README shows, which the *.conf.in include as protect.conf.
for f in nginx.conf lighttpd.conf apache.conf htaccess; do
	f=/usr/share/doc/authfcgi/examples/protect/$f
	has "$f" || missing+=("$f")
done
# Whatever man pages `make install` installs must be in the package too.
for m in $(sed -n 's/^\(dist_\)\{0,1\}man_MANS = //p' "$top_builddir/Makefile"); do
	m=${m##*/}
	has "/usr/share/man/man${m##*.}/$m.gz" || missing+=("man page $m")
done
if ((${#missing[@]} == 0)); then ok "package holds the binary, conffile, units, examples and man pages"; else
	not_ok "package lacks: ${missing[*]}"
fi
if dpkg-deb -I "$deb" conffiles | grep -qx "$CONF"; then ok "$CONF is a conffile"; else
	not_ok "$CONF is not a conffile"
fi

# ---- install
if dpkg_run -i "$deb"; then
	ok "dpkg -i installs it"
else
	# Dependencies missing here: apt-get completes the half-installed package.
	if DEBIAN_FRONTEND=noninteractive apt-get install -f -y -q -o DPkg::Lock::Timeout=300 \
		>"$TEST_TMP/apt.log" 2>&1; then ok "dpkg -i, then apt-get install -f for its dependencies"; else
		show_log "$TEST_TMP/apt.log"
		not_ok "dpkg -i / apt-get install -f"
		finish
	fi
fi
expect "dpkg says installed" test "$(dpkg-query -W -f='${db:Status-Status}' authfcgi)" = installed
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
out=$(/usr/bin/authfcgi version 2>&1) || true
if [[ $out == *"$version"* ]]; then ok "authfcgi version: $out"; else
	not_ok "authfcgi version printed '$out', expected $version"
fi
shell=$(getent passwd authfcgi | cut -d: -f7)
uid=$(id -u authfcgi 2>/dev/null) || uid=
if [[ -n $uid ]] && ((uid < 1000)) && [[ $shell == */nologin ]]; then
	ok "system user authfcgi (uid $uid, $shell)"
else
	not_ok "no system user authfcgi (uid '$uid', shell '$shell')"
fi
perms="$(stat -c '%a %U:%G' /etc/authfcgi) / $(stat -c '%a %U:%G' "$CONF")"
expect "/etc/authfcgi 0750 and $CONF 0640, root:authfcgi ($perms)" \
	test "$perms" = "750 root:authfcgi / 640 root:authfcgi"
expect "installed service runs /usr/bin/authfcgi" \
	grep -q '^ExecStart=/usr/bin/authfcgi serve --config /etc/authfcgi/authfcgi.conf$' \
	/lib/systemd/system/authfcgi.service
if command -v systemd-analyze >/dev/null; then
	if systemd-analyze verify /lib/systemd/system/authfcgi.socket \
		/lib/systemd/system/authfcgi.service >"$TEST_TMP/verify.log" 2>&1; then
		ok "systemd-analyze verify: the installed units are valid"
	elif grep -q 'authfcgi' "$TEST_TMP/verify.log"; then
		show_log "$TEST_TMP/verify.log"
		not_ok "systemd-analyze verify complains about the units"
	else
		echo "# systemd-analyze verify cannot run here: $(head -n 1 "$TEST_TMP/verify.log")"
	fi
fi

# ---- the installed binary, its system user and its conffile against the test database
pg_start
url_for_sed=$(printf '%s' "$DATABASE_URL" | sed 's/[&|\\]/\\&/g')
sed -i -e "s|^#DATABASE_URL =.*|DATABASE_URL = $url_for_sed|" \
	-e "s|^#AUTHFCGI_SECRET =.*|AUTHFCGI_SECRET = test-secret-0123456789-0123456789-abcdef|" "$CONF"
as_pkg_user() { (cd / && runuser -u authfcgi -- env -i PATH=/usr/bin:/bin "$@"); }
if as_pkg_user /usr/bin/authfcgi migrate --config "$CONF" >"$TEST_TMP/migrate.log" 2>&1; then
	ok "authfcgi migrate as user authfcgi with the conffile"
else
	show_log "$TEST_TMP/migrate.log"
	not_ok "authfcgi migrate as user authfcgi with the conffile"
fi
if as_pkg_user /usr/bin/authfcgi migrate --status --config "$CONF" >"$TEST_TMP/status.log" 2>&1; then
	ok "authfcgi migrate --status: $(tail -n 1 "$TEST_TMP/status.log")"
else
	show_log "$TEST_TMP/status.log"
	not_ok "authfcgi migrate --status"
fi
# config-test: the effective settings (secrets redacted), the database and the migrations.
if as_pkg_user /usr/bin/authfcgi config-test --config "$CONF" >"$TEST_TMP/ct.log" 2>&1; then
	ok "authfcgi config-test passes against the test database"
else
	show_log "$TEST_TMP/ct.log"
	not_ok "authfcgi config-test"
fi
if grep -q 'test-secret-0123456789' "$TEST_TMP/ct.log"; then
	not_ok "config-test prints the secret"
else
	ok "config-test redacts the secret"
fi

# ---- remove, then purge
pg_stop
if dpkg_run -r authfcgi; then ok "dpkg -r"; else not_ok "dpkg -r"; fi
# present remove|purge - the package's files still on disk (after remove: but the conffile).
present() {
	local f
	while read -r f; do
		if [[ -e $f && ($f != "$CONF" || $1 == purge) ]]; then echo "$f"; fi
	done <"$TEST_TMP/files"
}
left=$(present remove)
if [[ -z $left && ! -e /usr/bin/authfcgi && -e $CONF ]] &&
	[[ $(dpkg-query -W -f='${db:Status-Status}' authfcgi) == config-files ]]; then
	ok "after dpkg -r only the conffile is left"
else
	not_ok "after dpkg -r: left '$left', conffile $([[ -e $CONF ]] && echo kept || echo gone)"
fi
if dpkg_run --purge authfcgi; then ok "dpkg --purge"; else not_ok "dpkg --purge"; fi
left=$(present purge)
for d in /etc/authfcgi /usr/share/doc/authfcgi; do if [[ -e $d ]]; then left+=" $d"; fi; done
status=$(dpkg-query -W -f='${db:Status-Status}' authfcgi 2>/dev/null) || status=not-installed
if [[ -z ${left// /} && $status == not-installed ]]; then ok "after --purge nothing of the package is left"; else
	not_ok "after --purge: status $status, left: $left"
fi
# Debian keeps a package's system user on purge (files it owned may remain elsewhere).
user_exists() { id -u authfcgi >/dev/null 2>&1; }
expect "purge keeps the system user authfcgi" user_exists
finish
