#!/bin/bash
# test/unit/function_length.sh - no function in src/ is longer than 60 lines, counted from the
# line of its opening `{` to the line of its closing `}`. Declared tables (initialised arrays
# and structs) are not functions and may be longer. universal-ctags names the functions and
# the line each is defined on; the body is the first top-level brace block from that line,
# matched with strings, character constants and comments skipped. The checker is also run on
# small files written here, so a checker that stopped catching anything fails too.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"

LIMIT=60

# Debian's universal-ctags installs ctags-universal (and ctags through alternatives); an
# Exuberant ctags has neither --output-format nor the same C parser.
CTAGS=$(command -v ctags-universal || command -v ctags || true)
if [[ -z $CTAGS ]] || ! "$CTAGS" --version 2>/dev/null | grep -q 'Universal Ctags'; then
	skip_all "universal-ctags not installed"
fi

# blocks FILE - one line "OPEN CLOSE" per top-level brace block of FILE (its `{` and `}`
# lines): function bodies, but also initialisers and struct definitions. Preprocessor lines
# (with their continuations) are skipped: a macro's braces are not a block.
blocks() {
	awk '
	{
		line = $0; n = length(line); i = 1
		if (!incomment && (pp || line ~ /^[ \t]*#/)) { pp = (line ~ /\\$/); next }
		while (i <= n) {
			c = substr(line, i, 1); c2 = substr(line, i, 2)
			if (incomment) {
				if (c2 == "*/") { incomment = 0; i += 2 } else i++
				continue
			}
			if (quote != "") {
				if (c == "\\") i += 2
				else { if (c == quote) quote = ""; i++ }
				continue
			}
			if (c2 == "/*") { incomment = 1; i += 2; continue }
			if (c2 == "//") break
			if (c == "\"" || c == "\047") quote = c
			else if (c == "{") { if (depth++ == 0) open = NR }
			else if (c == "}") { if (--depth == 0) print open, NR }
			i++
		}
		quote = ""
	}' "$1"
}

# functions FILE - one line "NAME LINE" per function defined in FILE (not prototypes).
functions() {
	"$CTAGS" --languages=C --map-C=+.h --c-kinds=f --output-format=u-ctags --fields=+n \
		--sort=no -f - "$1" |
		awk -F '\t' '{ for (i = 4; i <= NF; i++) if ($i ~ /^line:/) print $1, substr($i, 6) }'
}

# too_long DIR - "FILE: NAME is N lines (limit 60)" for each function over the limit in the
# .c/.h files below DIR, FILE relative to DIR; nothing when all are short enough.
too_long() {
	local dir=$1 f rel name at open close
	while IFS= read -r f; do
		rel=${f#"$dir"/}
		blocks "$f" >"$TEST_TMP/blocks"
		while read -r name at; do
			# The body is the first top-level block opening on or after the name's line.
			read -r open close < <(awk -v at="$at" '$1 >= at { print; exit }' "$TEST_TMP/blocks") ||
				{
					echo "$rel: $name (line $at): no body found"
					continue
				}
			if ((close - open + 1 > LIMIT)); then
				echo "$rel: $name is $((close - open + 1)) lines (limit $LIMIT)"
			fi
		done < <(functions "$f")
	done < <(find "$dir" -type f \( -name '*.c' -o -name '*.h' \) ! -name migrations_gen.c | sort)
}

tmpdir_new

# The real tree.
out=$(too_long "$top_srcdir/src")
if [[ -z $out ]]; then
	ok "no function in src/ is over $LIMIT lines"
else
	not_ok "$(wc -l <<<"$out") functions in src/ are over $LIMIT lines"
	while IFS= read -r l; do echo "# $l"; done <<<"$out"
fi

# The checker itself, on small files.
mkdir -p "$TEST_TMP/self"
# body N - N lines of a function body from `{` to `}`, with braces and comment openers in
# strings, character constants and comments that must not be counted as braces.
body() {
	local i
	echo '{'
	echo '    const char *s = "}}} /* {";'
	echo "    char c = '}';"
	echo '    /* } */ // }'
	for ((i = 5; i < $1; i++)); do echo '    c++;'; done
	echo '}'
}
{
	echo '#include <stdio.h>'
	echo 'static int at_limit(void)'
	body 60
	echo 'int'
	echo 'over_limit(int a,'
	echo '           int b)'
	body 61
	echo 'static const struct { const char *k; int v; } table[] = {'
	for ((i = 0; i < 100; i++)); do echo "    {\"k$i\", $i},"; done
	echo '};'
	echo 'struct big {'
	for ((i = 0; i < 80; i++)); do echo "    int f$i;"; done
	echo '};'
	echo 'static inline int short_one(void) { return 0; }'
} >"$TEST_TMP/self/a.c"
{
	echo '#define X 1'
	# A macro that opens a block for another to close; its continuation line opens one more.
	printf '%s\n' "#define OPEN(x) { \\" '    (x)++; {'
	echo 'static inline void header_over(void)'
	body 70
} >"$TEST_TMP/self/b.h"
self=$(too_long "$TEST_TMP/self")
catches() {
	if grep -qx -- "$2" <<<"$self"; then ok "checker catches $1"; else not_ok "checker catches $1"; fi
}
catches "a 61-line function" 'a.c: over_limit is 61 lines (limit 60)'
catches "a long function in a header" 'b.h: header_over is 70 lines (limit 60)'
if [[ $(wc -l <<<"$self") == 2 ]]; then
	ok "checker passes a 60-line function, a 100-line table and an 80-line struct"
else
	not_ok "checker passes a 60-line function, a 100-line table and an 80-line struct"
	while IFS= read -r l; do echo "# $l"; done <<<"$self"
fi
finish
