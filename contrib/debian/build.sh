#!/usr/bin/env bash
# contrib/debian/build.sh - build authfcgi's Debian package (the top level of the tree is
# upstream's, so the debian/ directory lives here and is copied into an unpacked release).
#
#   contrib/debian/build.sh [-o OUTDIR] [-b BUILDDIR | -t TARBALL] [--no-lintian]
#
# The source is a release tarball: TARBALL, or one made with `make dist` in BUILDDIR (a
# configured build tree; default: the current directory when it has a Makefile). The tarball
# is unpacked in a scratch directory, debian/ is added and `dpkg-buildpackage -us -uc -b` runs;
# the .deb, .buildinfo and .changes land in OUTDIR (default: the current directory). Missing
# build dependencies are installed with apt-get when run as root (else the script names
# them). lintian (installed the same way) then checks the package: an error fails the build.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$PWD builddir='' tarball='' lintian=1
die() {
	printf 'debian/build.sh: %s\n' "$*" >&2
	exit 1
}
while (($#)); do
	case $1 in
	-o) out=$2 && shift ;;
	-b) builddir=$2 && shift ;;
	-t) tarball=$2 && shift ;;
	--no-lintian) lintian=0 ;;
	*) die "usage: build.sh [-o OUTDIR] [-b BUILDDIR | -t TARBALL] [--no-lintian]" ;;
	esac
	shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# need PACKAGE... - install what is missing (root), or name it and fail.
need() {
	local p missing=()
	for p in "$@"; do
		[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	((EUID == 0)) || die "missing packages; as root run: apt-get install ${missing[*]}"
	echo "debian/build.sh: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ DEBIAN_FRONTEND=noninteractive apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; }
}

work=$(mktemp -d "${TMPDIR:-/tmp}/authfcgi-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ -z $tarball ]]; then
	builddir=${builddir:-$PWD}
	[[ -f $builddir/Makefile ]] || die "$builddir is not a configured build tree (give -b or -t)"
	# The tarball is made in the scratch directory: the build tree stays as it was (make
	# distcheck's distcleancheck counts leftovers).
	version=$(sed -n 's/^PACKAGE_VERSION = //p' "$builddir/Makefile")
	make -s -C "$builddir" distdir distdir="$work/authfcgi-$version" >/dev/null
	tar -C "$work" -czf "$work/authfcgi_$version.orig.tar.gz" "authfcgi-$version"
	tarball=$work/authfcgi_$version.orig.tar.gz
else
	tar -C "$work" -xzf "$tarball"
fi
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'authfcgi-*' | head -n 1)
[[ -n $src ]] || die "no authfcgi-VERSION directory in $tarball"
rm -rf "$src/debian"
cp -R "$HERE/debian" "$src/debian"
# From a read-only source tree (make distcheck) the copies are read-only too; the build writes
# into both.
chmod -R u+w "$src"

need dpkg-dev debhelper fakeroot
build_deps=$(cd "$src" && dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p') || true
if [[ -n $build_deps ]]; then
	# shellcheck disable=SC2086,SC2046 # the list is words; version constraints are dropped
	need $(printf '%s\n' $build_deps | grep -v '^[(<>=]' | grep -v ')$')
fi

echo "debian/build.sh: dpkg-buildpackage in $src"
(cd "$src" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck} parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
	tail -n 60 "$work/build.log" >&2
	die "dpkg-buildpackage failed (last lines above)"
}
changes=$(find "$work" -maxdepth 1 -name 'authfcgi_*.changes' | head -n 1)
deb=$(find "$work" -maxdepth 1 -name 'authfcgi_*.deb' | head -n 1)
[[ -n $changes && -n $deb ]] || die "dpkg-buildpackage made no .deb"
cp "$work"/*.deb "$work"/*.buildinfo "$changes" "$out/"
echo "debian/build.sh: built $out/${deb##*/}"

if ((lintian)); then
	need lintian
	# Errors fail; warnings are printed (each one left is explained in contrib/debian/README).
	lintian --fail-on error "$out/$(basename "$changes")" || die "lintian reports errors"
fi
