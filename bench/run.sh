#!/bin/sh
# run.sh — `make bench`: every benchmark in bench/ (never part of `make test`).
# bench/chat.sh always; bench/usage.sh (1M-row usage reports) when BENCH_USAGE=1.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/bench/chat.sh"
if [ "${BENCH_USAGE:-0}" = 1 ] && [ -x "$root/bench/usage.sh" ]; then
	"$root/bench/usage.sh"
fi
