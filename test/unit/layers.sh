#!/bin/bash
# test/unit/layers.sh - src/ is layered and the tree says so: util < global < auth < daemon.
# Every source file lives in one layer's folder, names the project headers it includes by
# folder ("util/arena.h"), and includes nothing from a layer above its own. The checker is
# also run on small trees built here, so a checker that stopped catching anything fails too.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"

LAYERS=(util global auth daemon)

# rank NAME - the layer's position (0 = lowest), or nothing for an unknown folder.
rank() {
	local i
	for i in "${!LAYERS[@]}"; do
		[[ ${LAYERS[$i]} == "$1" ]] && echo "$i" && return 0
	done
	return 0
}

# violations DIR - one line per rule broken in the tree DIR (a src/ folder); none when clean.
violations() {
	local dir=$1 f rel layer own inc target r
	while IFS= read -r f; do
		rel=${f#"$dir"/}
		if [[ $rel != */* ]]; then
			echo "$rel: outside every layer folder (${LAYERS[*]})"
			continue
		fi
		layer=${rel%%/*}
		own=$(rank "$layer")
		if [[ -z $own || $rel == */*/* ]]; then
			echo "$rel: not directly in a layer folder (${LAYERS[*]})"
			continue
		fi
		while IFS= read -r inc; do
			[[ $inc == config.h ]] && continue
			if [[ $inc != */* ]]; then
				echo "$rel: includes \"$inc\" without its layer folder"
				continue
			fi
			target=${inc%%/*}
			r=$(rank "$target")
			if [[ -z $r ]]; then
				echo "$rel: includes \"$inc\" from no layer"
			elif ((r > own)); then
				echo "$rel: $layer/ includes \"$inc\" from the higher layer $target/"
			elif [[ ! -e $dir/$inc ]]; then
				echo "$rel: includes \"$inc\", which does not exist"
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done < <(find "$dir" -type f \( -name '*.c' -o -name '*.h' \) ! -name migrations_gen.c | sort)
}

# The real tree.
out=$(violations "$top_srcdir/src")
if [[ -z $out ]]; then
	ok "src/ keeps its layers: ${LAYERS[*]}"
else
	not_ok "src/ breaks its layers"
	sed "s/^/# /" <<<"$out"
fi

# The checker itself, on trees that break one rule each.
tmpdir_new
# tree NAME FILE CONTENT... - a fresh tree with util/a.h and auth/b.h plus FILE=CONTENT pairs.
tree() {
	local t=$TEST_TMP/$1
	shift
	mkdir -p "$t/util" "$t/auth" "$t/daemon"
	: >"$t/util/a.h"
	: >"$t/auth/b.h"
	while (($#)); do
		mkdir -p "$(dirname "$t/$1")"
		printf '%s\n' "$2" >"$t/$1"
		shift 2
	done
	echo "$t"
}
# expect NAME PATTERN TREE - the checker reports a line matching PATTERN for TREE.
expect() {
	if violations "$3" | grep -q -- "$2"; then ok "checker catches: $1"; else not_ok "checker catches: $1"; fi
}
t=$(tree clean daemon/m.c '#include "config.h"
#include "auth/b.h"
#include "util/a.h"' auth/c.c '#include "auth/b.h"')
if [[ -z $(violations "$t") ]]; then ok "checker passes a clean tree"; else not_ok "checker passes a clean tree"; fi
expect "a lower layer including a higher one" 'from the higher layer auth/' \
	"$(tree up util/x.c '#include "auth/b.h"')"
expect "an include without its folder" 'without its layer folder' \
	"$(tree bare auth/x.c '#include "b.h"')"
expect "a file outside the layers" 'outside every layer folder' "$(tree flat x.c '')"
expect "an unknown folder" 'not directly in a layer folder' "$(tree odd misc/x.c '')"
expect "a missing header" 'does not exist' "$(tree gone auth/x.c '#include "util/nope.h"')"
finish
