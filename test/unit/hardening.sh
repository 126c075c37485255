#!/bin/bash
# test/unit/hardening.sh - the built authfcgi carries Debian's hardening (dpkg-buildflags
# hardening=+all): a position-independent executable (ELF type DYN), full RELRO (a GNU_RELRO
# segment and BIND_NOW), the stack protector (__stack_chk_fail) and _FORTIFY_SOURCE (calls to
# the checking *_chk variants of libc functions).
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"

command -v readelf >/dev/null || skip_all "readelf (binutils) not installed"
[[ -x $AUTHFCGI_BIN ]] || {
	not_ok "authfcgi binary at $AUTHFCGI_BIN"
	finish
}
tmpdir_new
readelf -h "$AUTHFCGI_BIN" >"$TEST_TMP/header"
readelf -l "$AUTHFCGI_BIN" >"$TEST_TMP/segments"
readelf -d "$AUTHFCGI_BIN" >"$TEST_TMP/dynamic"
readelf --dyn-syms -W "$AUTHFCGI_BIN" >"$TEST_TMP/symbols"

# has FILE ERE MSG - one result line: FILE has a line matching ERE.
has() {
	if grep -Eq -- "$2" "$1"; then ok "$3"; else not_ok "$3"; fi
}
has "$TEST_TMP/header" 'Type:[[:space:]]+DYN' "PIE: ELF type DYN"
has "$TEST_TMP/segments" 'GNU_RELRO' "RELRO: a GNU_RELRO segment"
has "$TEST_TMP/dynamic" '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' "full RELRO: BIND_NOW (-z now)"
has "$TEST_TMP/symbols" ' __stack_chk_fail@' "stack protector: __stack_chk_fail is called"
chk=$(grep -Eo ' __[a-z0-9_]+_chk@' "$TEST_TMP/symbols" | grep -v __stack_chk_fail | tr -d ' @' |
	sort -u | tr '\n' ' ' || true)
if [[ -n $chk ]]; then ok "fortify: calls checking variants ($chk)"; else not_ok "fortify: no *_chk call"; fi
finish
