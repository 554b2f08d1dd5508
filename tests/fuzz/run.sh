#!/bin/sh
# run.sh [SECONDS]: runs every libFuzzer target in build/fuzz/fuzz/ for
# SECONDS (default 60) each, starting from its seeds in tests/fuzz/corpus/NAME
# (committed; a crash found once is added there as a regression input) and
# var/fuzz/NAME (what it learnt, not committed). A crash, sanitizer report,
# leak or timeout fails the target; its input is kept in var/fuzz/.
# Ends with "fuzz: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
secs=${1:-60}
passed=0
failed=0
for bin in build/fuzz/fuzz/fuzz_*; do
	case $bin in *.d) continue ;; esac
	[ -x "$bin" ] || continue
	name=${bin##*/}
	work=var/fuzz/$name
	mkdir -p "$work"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$work/" "$work" "tests/fuzz/corpus/$name" \
	    >"$work.log" 2>&1; then
		passed=$((passed + 1))
		echo "ok $name: $(grep -oE 'Done [0-9]+ runs' "$work.log" | tail -1)"
	else
		failed=$((failed + 1))
		echo "FAILED: $name (log $work.log; crash input in $work/)"
		grep -E 'ERROR|SUMMARY|runtime error' "$work.log" | head -5
	fi
done
[ $((passed + failed)) -gt 0 ] || { echo "no fuzz targets built (make FUZZ=1 fuzzers)"; failed=1; }
echo "fuzz: $passed passed, $failed failed"
