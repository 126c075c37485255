#!/usr/bin/env bash
# test/fuzz/run.sh - build the libFuzzer targets with clang and run each for a while (what
# `make fuzz` and the quickstart's test command call).
#
#   test/fuzz/run.sh [--build-only] [TARGET...]     default: every test/fuzz/fuzz_*.c
#
# Environment: FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (parallel fuzzing processes per
# target, default 1), FUZZ_DIR (build and work directory, default $top_builddir/fuzz-build),
# CC (default clang), top_srcdir / top_builddir (default: this checkout, built in place; the
# build directory must be configured: its config.h and src/global/migrations_gen.c are used).
#
# The library sources are compiled apart from the gcc build (objects in FUZZ_DIR/obj) with
# -fsanitize=fuzzer-no-link,address,undefined, each target linked with -fsanitize=fuzzer.
# Target fuzz_NAME runs on a scratch copy of test/fuzz/corpus/NAME (the committed corpus is
# never written) with the dictionary test/fuzz/NAME.dict when there is one. A crash, a leak, a
# sanitizer report or a broken invariant (FUZZ_CHECK) stops it; the reproducer is kept in
# FUZZ_DIR/TARGET/artifacts/ and the script says how to replay it. Exits non-zero when any target failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FUZZ_SECONDS:=60}"
: "${FUZZ_JOBS:=1}"
: "${FUZZ_DIR:=$top_builddir/fuzz-build}"
: "${CC:=clang}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)

build_only=0
if [[ ${1:-} == --build-only ]]; then
	build_only=1
	shift
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
	for f in "$top_srcdir"/test/fuzz/fuzz_*.c; do
		targets+=("$(basename "$f" .c)")
	done
fi

if ! command -v "$CC" >/dev/null; then
	echo "fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi
for f in "$top_builddir/config.h" "$top_builddir/src/global/migrations_gen.c"; do
	if [[ ! -r $f ]]; then
		echo "fuzz: $f missing: configure and build ($top_builddir) first" >&2
		exit 1
	fi
done

pkgs="fcgi libpq libxcrypt json-c libcrypto libutf8proc"
# shellcheck disable=SC2086
cflags="-std=c11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter
	-I$top_srcdir/src -I$top_builddir/src -I$top_builddir -I$top_srcdir/test/unit
	-I$top_srcdir/test/fuzz $(pkg-config --cflags $pkgs)"
# shellcheck disable=SC2086
libs="$(pkg-config --libs $pkgs)"
san=-fsanitize=address,undefined
# UBSan reports are crashes too, not warnings to scroll past.
san_cflags="$san -fno-sanitize-recover=all"

obj=$FUZZ_DIR/obj bin=$FUZZ_DIR/bin
mkdir -p "$obj" "$bin"

# compile SRC OUT - recompile when the source or any header changed since OUT was built.
compile() {
	local src=$1 out=$2
	if [[ -e $out && -z $(find "$src" "$top_srcdir/src" "$top_srcdir/test/fuzz" \
		"$top_srcdir/test/unit" "$top_builddir/config.h" -newer "$out" \
		\( -name '*.h' -o -path "$src" \) -print -quit) ]]; then
		return 0
	fi
	# shellcheck disable=SC2086
	"$CC" $cflags $san_cflags -fsanitize=fuzzer-no-link -c "$src" -o "$out"
}

lib_objs=()
srcs=("$top_builddir/src/global/migrations_gen.c" "$top_srcdir/test/unit/fake_store.c"
	"$top_srcdir/test/fuzz/harness.c")
for src in "$top_srcdir"/src/*/*.c; do
	# main.c is the program's; migrations_gen.c is listed above (it is a build product).
	case $(basename "$src") in main.c | migrations_gen.c) continue ;; esac
	srcs+=("$src")
done
for src in "${srcs[@]}"; do
	o=$obj/$(basename "$src" .c).o
	compile "$src" "$o"
	lib_objs+=("$o")
done

for t in "${targets[@]}"; do
	compile "$top_srcdir/test/fuzz/$t.c" "$obj/$t.o"
	# shellcheck disable=SC2086
	"$CC" $san -fsanitize=fuzzer "$obj/$t.o" "${lib_objs[@]}" $libs -o "$bin/$t"
done
echo "fuzz: built ${targets[*]} in $bin"
((build_only)) && exit 0

failed=()
for t in "${targets[@]}"; do
	name=${t#fuzz_}
	work=$FUZZ_DIR/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [[ -d $top_srcdir/test/fuzz/corpus/$name ]]; then
		cp "$top_srcdir/test/fuzz/corpus/$name"/* "$work/corpus/" 2>/dev/null || true
	fi
	seeds=$(find "$work/corpus" -type f | wc -l)
	args=(-max_total_time="$FUZZ_SECONDS" -artifact_prefix="$work/artifacts/" -max_len=8192
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
	[[ -r $top_srcdir/test/fuzz/$name.dict ]] && args+=(-dict="$top_srcdir/test/fuzz/$name.dict")
	if ((FUZZ_JOBS > 1)); then
		args+=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
	fi
	echo "fuzz: $t for ${FUZZ_SECONDS}s from $seeds seed(s)"
	log=$work/fuzz.log
	status=0
	# The fuzzer's own corpus directory is the scratch copy; new inputs land there.
	(cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin/$t" "${args[@]}" "$work/corpus") >"$log" 2>&1 || status=$?
	grep -E '^(stat::|#[0-9]+ +DONE)' "$log" | sed "s/^/fuzz: $t: /" || true
	crash=$(find "$work/artifacts" -type f | head -n 1)
	if ((status != 0)) || [[ -n $crash ]]; then
		failed+=("$t")
		echo "fuzz: $t FAILED (exit $status); what its log ($log) says:" >&2
		grep -a -E 'invariant failed|ERROR:|SUMMARY:|runtime error|^ +#[0-9] ' "$log" |
			head -n 20 | sed 's/^/  /' >&2
		if [[ -n $crash ]]; then
			echo "fuzz: reproducer kept: $crash" >&2
			echo "fuzz: replay it with: $bin/$t $crash" >&2
			echo "fuzz: or without clang: $top_builddir/test/fuzz/$t $crash" >&2
		fi
	fi
done
if ((${#failed[@]} > 0)); then
	echo "fuzz: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran ${FUZZ_SECONDS}s each without a failure"
