#!/bin/sh
# curve.sh — the scaling curve (issue 14): JSON chat requests at 16
# connections through 1, 2, 4 and 8 chat.fcgi processes (bench/chat.sh with
# CHAT_PROCS), one line each: req/s, p50, p99, CPU µs per request. Run by
# `make bench` after chat.sh (about 3 minutes; BENCH_CURVE=0 skips it).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
echo
echo "Scaling curve, JSON, 16 connections, ${BENCH_SECONDS:-5}s per run:"
echo
echo "| chat.fcgi processes | req/s | p50 ms | p99 ms | CPU µs/req |"
echo "|---|---|---|---|---|"
for n in 1 2 4 8; do
	CHAT_PROCS=$n BENCH_PORTKEY=0 BENCH_CGI=0 BENCH_NGINX=0 BENCH_APACHE=0 BENCH_MODES=json BENCH_CONNS=16 \
	    BENCH_PACING_RUNS=1 bench/chat.sh >/dev/null 2>&1 || true
	awk -F'|' -v n="$n" '$2 == " json " && $3 == " 16 " { gsub(/ /, ""); printf "| %s | %s | %s | %s | %s |\n", n, $6, $7, $8, $10 }' bench/out/chat.md
done
