#!/bin/sh
# usage.sh — the data paths: the catalog (bench/catalog.mjs: a 400-model
# sync, /api/models with 1,000 models; issue 14) and report latency over a
# large usage log (issue 5; ROWS=0 skips it).
# Starts a private stack on slot $BENCH_SLOT (default 8): MariaDB from
# scripts/stack.sh (buffer pool raised to 512 MB) and a second lighttpd that
# runs the optimised (non-ASan) programs from build/. Loads $ROWS rows (default
# 1,000,000) over the last year for 10 users, rolls them up, times every usage
# endpoint, prints a Markdown table and saves it to bench/out/usage.md.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
slot=${BENCH_SLOT:-8}
export TEST_SLOT=$slot
var=$root/var/test-$slot
bvar=$var/bench
port=$((28480 + 10 * slot + 5))

make --no-print-directory build >/dev/null
make --no-print-directory SAN=1 build >/dev/null
scripts/stack.sh reset test >/dev/null 2>&1 || true
env_out=$(scripts/stack.sh start test)
mock_url=$(echo "$env_out" | sed -n 's/^MOCK_URL=//p')
mariadb --defaults-file="$var/my.cnf" -uroot -e "SET GLOBAL innodb_buffer_pool_size = 512*1024*1024"

mkdir -p "$bvar/run" "$bvar/log" bench/out
sed -e "s|@ROOT@|$root|g" -e "s|@VAR@|$bvar|g" -e "s|@PORT@|$port|g" -e "s|@BIN@|$root/build|g" \
    -e "s|@INI@|$var/switchboard.ini|g" -e "s|@PROCS@|2|g" -e "s|@CHAT_PROCS@|2|g" -e "s|@ASAN@||g" \
    conf/lighttpd.conf.in > "$bvar/lighttpd.conf"
lighttpd -f "$bvar/lighttpd.conf"
trap 'kill $(cat "$bvar/run/lighttpd.pid") 2>/dev/null; scripts/stack.sh stop test >/dev/null 2>&1' EXIT
i=0
until curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health"; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "bench lighttpd did not start"; exit 1; }
	sleep 0.1
done

export BASE_URL=http://127.0.0.1:$port MOCK_URL=$mock_url MYCNF=$var/my.cnf \
    SWITCHBOARD_CONFIG=$var/switchboard.ini CLI=$root/build/switchboard VAR=$var
node bench/catalog.mjs | tee bench/out/catalog.md
[ "${ROWS:-1000000}" = 0 ] || ROWS=${ROWS:-1000000} node bench/usage.mjs | tee bench/out/usage.md
