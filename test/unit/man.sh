#!/bin/bash
# man.sh - the manual pages (deploy/man) are lint-clean: mandoc -T lint reports nothing at
# level warning or above (groff -ww -z when mandoc is missing). Their settings part is checked
# against the table by check_man.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"

for page in "$top_srcdir"/deploy/man/authfcgi.8 "$top_srcdir"/deploy/man/authfcgi.conf.5; do
	name=${page##*/}
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint -W warning "$page" 2>&1) || true
		tool="mandoc -T lint -W warning"
	elif command -v groff >/dev/null; then
		out=$(groff -man -ww -z "$page" 2>&1) || true
		tool="groff -ww -z"
	else
		skip_all "neither mandoc nor groff (deploy/quickstart installs mandoc)"
	fi
	if [[ -z $out ]]; then
		ok "$name: $tool is silent"
	else
		sed 's/^/# /' <<<"$out"
		not_ok "$name: $tool"
	fi
done

finish
