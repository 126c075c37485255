#!/bin/bash
# test/unit/readme_snippets.sh - README's "Protect any path" shows the very configs the
# quickstart and test/e2e/protect.sh run: each block marked
#   <!-- snippet: deploy/FILE ... -->  ```  ...  ```  <!-- end of snippet -->
# is FILE byte for byte, and every file of deploy/protect/ has such a block. On a mismatch the
# expected block is written to readme-snippet-NAME.expected in the build directory.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
tmpdir_new

README=$top_srcdir/README
shown=" "
while IFS= read -r file; do
	shown+="$file "
	# The lines between the marker's opening fence and its closing fence.
	awk -v f="$file" '
		index($0, "<!-- snippet: " f " ") == 1 { on = 1; next }
		on == 1 && /^```$/ { on = 2; next }
		on == 2 && /^```$/ { exit }
		on == 2 { print }' "$README" >"$TEST_TMP/block"
	expected=$top_builddir/readme-snippet-$(basename "$file").expected
	if cmp -s "$TEST_TMP/block" "$top_srcdir/$file"; then
		ok "README shows $file as it is"
		rm -f "$expected"
	else
		not_ok "README's block for $file differs from the file (expected block: $expected)"
		diff -u "$top_srcdir/$file" "$TEST_TMP/block" | head -20 | sed 's/^/# /' || true
		cp "$top_srcdir/$file" "$expected"
	fi
done < <(sed -n 's/^<!-- snippet: \([^ ]*\) .*/\1/p' "$README")

for path in "$top_srcdir"/deploy/protect/*; do
	file=deploy/protect/${path##*/}
	if [[ $shown == *" $file "* ]]; then
		ok "README has a block for $file"
	else
		not_ok "README has no <!-- snippet: $file --> block"
	fi
done

# The blocks are fenced: a file holding a fence line would end its block early.
if grep -lx '```' "$top_srcdir"/deploy/protect/* >/dev/null 2>&1; then
	not_ok "a file in deploy/protect/ holds a \`\`\` line"
else
	ok "no file in deploy/protect/ holds a fence line"
fi
finish
