# contrib/bench/ticks.sh - CPU accounting shared by the benchmark scripts (sourced).
# shellcheck shell=bash

# tree_ticks PID - CPU clock ticks used so far by PID and all its descendants, including the
# children they have already reaped (cutime/cstime), so workers that were replaced during a
# run still count.
tree_ticks() {
	local p t=0 st
	for p in $(ps -eo pid=,ppid= | awk -v r="$1" '{ parent[$1] = $2 }
		END { for (p in parent) for (q = p; q > 1; q = parent[q]) if (q == r) { print p; break } }'); do
		st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		st=${st##*) }
		t=$((t + $(awk '{ print $12 + $13 + $14 + $15 }' <<<"$st")))
	done
	echo "$t"
}
