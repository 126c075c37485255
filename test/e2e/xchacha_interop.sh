#!/bin/bash
# test/e2e/xchacha_interop.sh - what authfcgi encrypts (util/xchacha.c, through check_xchacha's
# --encrypt) Better Auth 1.7.25's own symmetricDecrypt reads, and what Better Auth's
# symmetricEncrypt writes authfcgi reads: the two-factor secrets and backup codes of one
# database serve both. Needs node and the client's node_modules (test/lib/client.sh).
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
skip_in_sanitizer_build "node's side is the point here; check_xchacha runs the C cipher under the sanitizers"
# shellcheck source=test/lib/client.sh
source "$top_srcdir/test/lib/client.sh"

watchdog 300
tmpdir_new
client_require

secret=ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya
plain='["abcde-12345","ZZZZZ-00000"]'
tool=$top_builddir/test/unit/check_xchacha

ours=$("$tool" --encrypt "$plain")
theirs_read=$(cd "$CLIENT_DIR" && node --input-type=module -e '
	import { symmetricDecrypt } from "better-auth/crypto";
	console.log(await symmetricDecrypt({ key: process.argv[1], data: process.argv[2] }));' \
	"$secret" "$ours")
expect "Better Auth decrypts what authfcgi encrypted" [ "$theirs_read" = "$plain" ]

theirs=$(cd "$CLIENT_DIR" && node --input-type=module -e '
	import { symmetricEncrypt } from "better-auth/crypto";
	console.log(await symmetricEncrypt({ key: process.argv[1], data: process.argv[2] }));' \
	"$secret" "$plain")
ours_read=$("$tool" --decrypt "$theirs")
expect "authfcgi decrypts what Better Auth encrypted" [ "$ours_read" = "$plain" ]

finish
