#!/bin/bash
# test/unit/format.sh - every C file in src/ and test/ is formatted as .clang-format says:
# `clang-format --dry-run -Werror` finds nothing to change. A file that differs is named with
# the command that fixes it. In a git checkout the files are the tracked ones; in a tarball
# (distcheck) every .c/.h under src/ and test/ but the generated migrations_gen.c.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"

command -v clang-format >/dev/null || skip_all "clang-format not installed"
tmpdir_new

# c_files - the C sources and headers to check, relative to top_srcdir, one per line.
c_files() {
	local top
	# A checkout's own top only: distcheck unpacks the tarball below the checkout, where git
	# would answer for the enclosing tree (and list none of the tarball's files).
	top=$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null || true)
	if [[ -n $top && $(realpath "$top") == "$(realpath "$top_srcdir")" ]]; then
		git -C "$top_srcdir" ls-files -- 'src/*.c' 'src/*.h' 'test/*.c' 'test/*.h'
	else
		(cd "$top_srcdir" && find src test -name node_modules -prune -o \
			-type f \( -name '*.c' -o -name '*.h' \) ! -name migrations_gen.c -print | sort)
	fi
}

if [[ -f $top_srcdir/.clang-format ]]; then
	ok ".clang-format at the top of the tree"
else
	not_ok ".clang-format at the top of the tree"
	finish
fi

# The check itself: a file clang-format would change makes it fail (an old clang-format without
# --dry-run, or one ignoring -Werror, would pass everything).
cp "$top_srcdir/.clang-format" "$TEST_TMP/"
printf 'int  f( void ){return 0;}\n' >"$TEST_TMP/bad.c"
printf 'int f(void)\n{\n    return 0;\n}\n' >"$TEST_TMP/good.c"
if ! (cd "$TEST_TMP" && clang-format --dry-run -Werror bad.c) >/dev/null 2>&1 &&
	(cd "$TEST_TMP" && clang-format --dry-run -Werror good.c) >/dev/null 2>&1; then
	ok "clang-format --dry-run -Werror fails a misformatted file and passes a formatted one"
else
	not_ok "clang-format --dry-run -Werror fails a misformatted file and passes a formatted one"
fi

mapfile -t files < <(c_files)
if ((${#files[@]} == 0)); then
	not_ok "C files found under src/ and test/"
	finish
fi

bad=()
for f in "${files[@]}"; do
	# -Werror makes a file that would change fail; the diagnostics go to the log of one file.
	if ! (cd "$top_srcdir" && clang-format --dry-run -Werror -- "$f") >"$TEST_TMP/out" 2>&1; then
		bad+=("$f")
		echo "# $f: $(grep -c 'error:' "$TEST_TMP/out" || true) places differ; the first:"
		grep -m 1 -A 2 'error:' "$TEST_TMP/out" | sed 's/^/#   /' || true
	fi
done
if ((${#bad[@]} == 0)); then
	ok "${#files[@]} C files match .clang-format ($(clang-format --version | head -n 1))"
else
	not_ok "${#bad[@]} of ${#files[@]} C files differ from .clang-format: ${bad[*]}"
	echo "# fix: (cd \"$top_srcdir\" && clang-format -i ${bad[*]})"
fi
finish
