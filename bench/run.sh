#!/bin/sh
# run.sh — `make bench`: every benchmark in bench/ (never part of `make test`).
# bench/chat.sh always (with streaming pacing); bench/usage.sh always for the
# catalog data paths, with the 1M-row usage reports when BENCH_USAGE=1;
# bench/curve.sh (1-8 chat processes) when BENCH_CURVE=1.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/bench/chat.sh"
cp "$root/bench/out/chat.md" "$root/bench/out/chat-main.md"
if [ "${BENCH_CURVE:-0}" = 1 ]; then
	"$root/bench/curve.sh" | tee "$root/bench/out/curve.md"
fi
if [ "${BENCH_USAGE:-0}" = 1 ]; then
	"$root/bench/usage.sh"
else
	ROWS=0 "$root/bench/usage.sh"
fi
