#!/bin/sh
# run.sh — `make bench`: every benchmark in bench/ (never part of `make test`),
# about 7 minutes on 2 cores: bench/chat.sh (with streaming pacing), the
# scaling curve (bench/curve.sh, 1-8 chat processes; BENCH_CURVE=0 skips it)
# and bench/usage.sh: the catalog data paths and the reports over 1,000,000
# usage rows (BENCH_USAGE=0 skips the rows).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/bench/chat.sh"
cp "$root/bench/out/chat.md" "$root/bench/out/chat-main.md"
if [ "${BENCH_CURVE:-1}" = 1 ]; then
	"$root/bench/curve.sh" | tee "$root/bench/out/curve.md"
fi
if [ "${BENCH_USAGE:-1}" = 1 ]; then
	"$root/bench/usage.sh"
else
	ROWS=0 "$root/bench/usage.sh"
fi
