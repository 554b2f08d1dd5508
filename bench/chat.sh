#!/bin/sh
# chat.sh — the chat proxy benchmark (issue 4). Starts a private stack on slot
# $BENCH_SLOT (default 9): MariaDB from scripts/stack.sh, a second lighttpd
# running the optimised programs from build/ ($CHAT_PROCS chat processes), and a
# fixed fast OpenAI-compatible upstream (nginx `return 200` with the bodies from
# bench/fixed-upstream.mjs when nginx is installed, else that Node server;
# BENCH_UPSTREAM=node forces Node). wrk POSTs a
# chat request (bench/chat.lua, bench/chat-stream.lua) directly to the upstream
# and through Switchboard at 1, 16 and 64 connections; prints requests/s, p50 and
# p99, added p50, CPU per request (chat.fcgi + lighttpd + MariaDB), database
# statements per request and memory per chat process (RSS, and the private part
# that each extra process really adds), and saves the table to bench/out/chat.md.
# Portkey's open-source gateway (@portkey-ai/gateway 1.15.2, installed into the
# git-ignored bench/portkey/ on first use; BENCH_PORTKEY=0 skips it) runs the
# same requests against the same upstream in the same run, one Node process.
# Scale-out (docs/scaling.md): BENCH_NODES=2 runs a second lighttpd with its
# own chat processes and splits wrk's connections over both nodes;
# DB_CLUSTER=galera puts the database on a three-node Galera cluster
# (scripts/galera.sh). BENCH_MODES ("json stream") and BENCH_CONNS
# ("1 16 64") narrow the table.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
slot=${BENCH_SLOT:-9}
secs=${BENCH_SECONDS:-5}
procs=${CHAT_PROCS:-4}
nodes=${BENCH_NODES:-1}
export TEST_SLOT=$slot
var=$root/var/test-$slot
bvar=$var/bench
port=$((28480 + 10 * slot + 5))
up=$((28480 + 10 * slot + 6))
base=http://127.0.0.1:$port
tck=$(getconf CLK_TCK)

make --no-print-directory build >/dev/null
make --no-print-directory SAN=1 build >/dev/null
scripts/stack.sh reset test >/dev/null 2>&1 || true
scripts/stack.sh start test >/dev/null
kill "$(cat "$var/run/lighttpd.pid")" 2>/dev/null || true	# the ASan web server is not measured

mkdir -p "$bvar/run" "$bvar/log" bench/out
# BENCH_ROUTE_CACHE_S=N / BENCH_KEY_CACHE_S=M measure the trust modes
# ([chat] route_cache_s, key_cache_s; docs/chat.md).
{ cat "$var/switchboard.ini"; printf '\n[chat]\nroute_cache_s = %s\nkey_cache_s = %s\n' \
    "${BENCH_ROUTE_CACHE_S:-0}" "${BENCH_KEY_CACHE_S:-0}"; } > "$bvar/switchboard.ini"
# BENCH_SYNC_WAIT=false measures a cluster without read-your-writes waits.
sed -i "s/^sync_wait = true/sync_wait = ${BENCH_SYNC_WAIT:-true}/" "$bvar/switchboard.ini"
sed -e "s|@ROOT@|$root|g" -e "s|@VAR@|$bvar|g" -e "s|@PORT@|$port|g" -e "s|@BIN@|$root/build|g" \
    -e "s|@INI@|$bvar/switchboard.ini|g" -e "s|@PROCS@|1|g" -e "s|@CHAT_PROCS@|$procs|g" -e "s|@ASAN@||g" \
    conf/lighttpd.conf.in > "$bvar/lighttpd.conf"
lighttpd -f "$bvar/lighttpd.conf"
webpids() { cat "$bvar/run/lighttpd.pid"; }
if [ "$nodes" = 2 ]; then
	mkdir -p "$bvar/n2/run" "$bvar/n2/log"
	sed -e "s|@ROOT@|$root|g" -e "s|@VAR@|$bvar/n2|g" -e "s|@PORT@|$((port + 3))|g" -e "s|@BIN@|$root/build|g" \
	    -e "s|@INI@|$bvar/switchboard.ini|g" -e "s|@PROCS@|1|g" -e "s|@CHAT_PROCS@|$procs|g" -e "s|@ASAN@||g" \
	    conf/lighttpd.conf.in > "$bvar/n2/lighttpd.conf"
	lighttpd -f "$bvar/n2/lighttpd.conf"
	webpids() { cat "$bvar/run/lighttpd.pid" "$bvar/n2/run/lighttpd.pid"; }
fi
# The database's processes: one server, or the three Galera nodes.
dbpids() { cat "$var/run/mysqld.pid" 2>/dev/null || cat "$var"/galera/n*/run.pid; }
if [ "${BENCH_UPSTREAM:-nginx}" = nginx ] && command -v nginx >/dev/null; then
	upstream=nginx
	mkdir -p "$bvar/nginx"
	node bench/fixed-upstream.mjs --nginx "$up" "$bvar/nginx" > "$bvar/nginx.conf"
	nginx -c "$bvar/nginx.conf" -p "$bvar/nginx" -g 'daemon on;' 2>"$bvar/log/upstream.log"
	uppid=
	until [ -s "$bvar/nginx/nginx.pid" ]; do sleep 0.1; done
	uppid=$(cat "$bvar/nginx/nginx.pid")
else
	upstream=node
	node bench/fixed-upstream.mjs "$up" >"$bvar/log/upstream.log" 2>&1 &
	uppid=$!
fi
pk=$((28480 + 10 * slot + 7))
pkpid=
pkmain=bench/portkey/node_modules/@portkey-ai/gateway/build/start-server.js
if [ "${BENCH_PORTKEY:-1}" = 1 ]; then
	[ -f "$pkmain" ] || npm install --prefix bench/portkey --no-audit --no-fund --silent \
	    @portkey-ai/gateway@1.15.2 >/dev/null 2>&1 || true
	if [ -f "$pkmain" ]; then
		NODE_ENV=production node "$pkmain" --port="$pk" --headless >"$bvar/log/portkey.log" 2>&1 &
		pkpid=$!
	fi
fi
trap 'kill $uppid $pkpid 2>/dev/null; kill $(webpids) 2>/dev/null; scripts/stack.sh stop test >/dev/null 2>&1' EXIT
i=0
until curl -fsS -o /dev/null "$base/api/health" && curl -s -o /dev/null "http://127.0.0.1:$up/" &&
    { [ -z "$pkpid" ] || curl -s -o /dev/null "http://127.0.0.1:$pk/"; }; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "bench: stack did not come up" >&2; exit 1; }; sleep 0.1
done

# A user, a provider config on the fixed upstream, a gateway key.
pw=bench-password-123
echo "$pw" | SWITCHBOARD_CONFIG=$var/switchboard.ini build/switchboard user add bench --admin >/dev/null 2>&1 || true
jar=$bvar/cookies
curl -fsS -c "$jar" -H 'content-type: application/json' -d "{\"username\":\"bench\",\"password\":\"$pw\"}" \
    "$base/api/auth/login" > "$bvar/login.json"
csrf=$(sed -E 's/.*"csrf_token":"([^"]*)".*/\1/' "$bvar/login.json")
post() { curl -fsS -b "$jar" -H 'content-type: application/json' -H "x-csrf-token: $csrf" -d "$2" "$base$1"; }
# Two configs on the same upstream: nginx tells JSON and SSE apart by the path.
post /api/provider-configs/custom "{\"name\":\"bench\",\"api_key\":\"sk-bench-upstream\",\"base_url\":\"http://127.0.0.1:$up/v1\",\"validate\":false}" >/dev/null
pp=$((28480 + 10 * slot + 9))	# bench/pacing.mjs's paced upstream
post /api/provider-configs/custom "{\"name\":\"benchp\",\"api_key\":\"sk-bench-upstream-paced\",\"base_url\":\"http://127.0.0.1:$pp/v1\",\"validate\":false}" >/dev/null
post /api/provider-configs/custom "{\"name\":\"benchs\",\"api_key\":\"sk-bench-upstream-sse\",\"base_url\":\"http://127.0.0.1:$up/stream/v1\",\"validate\":false}" >/dev/null
KEY=$(post /api/keys '{"name":"bench"}' | sed -E 's/.*"secret":"([^"]*)".*/\1/')
export KEY
for i in 1 2 3 4 5 6 7 8; do
	curl -fsS -o /dev/null -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
	    -d '{"model":"bench/bench-model","messages":[{"role":"user","content":"hi"}]}' "$base/v1/chat/completions"
done

chatpids() { for w in $(webpids); do pgrep -P "$w" -f chat.fcgi || true; done; }
# CPU ticks used so far by: chat.fcgi processes, lighttpd, MariaDB.
ticks1() { t=0; for p in "$@"; do set -- $(cut -d')' -f2 "/proc/$p/stat"); t=$((t + ${12} + ${13})); done; echo $t; }
ticks() {
	if [ -n "${PORTKEY_HOST:-}" ]; then echo "$(ticks1 "$pkpid") 0 0"; return; fi
	echo "$(ticks1 $(chatpids)) $(ticks1 $(webpids)) $(ticks1 $(dbpids))"
}
dbq() { mariadb --defaults-file="$var/my.cnf" -uroot -N -B -e "SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'" | awk '{print $2}'; }
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else printf "%.3f", v * 1000 }'; }

# run LUA URL CONNS -> "rps p50 p99 requests chat_ticks lighttpd_ticks db_ticks non2xx stmts"
# (for Portkey the "chat" ticks are its Node process's)
run() {
	q0=$(dbq)
	set -- "$1" "$2" "$3" $(ticks)
	c0=$4 l0=$5 d0=$6
	th=2; [ "$3" -lt 2 ] && th=1
	if [ "$nodes" = 2 ] && [ "$2" = "$base" ] && [ "$3" -ge 2 ]; then
		# half the connections on each node, at the same time; the table
		# shows their sum and node 1's latencies
		wrk -t1 -c$(($3 / 2)) -d"${secs}s" --latency -s "bench/$1" "$2/v1/chat/completions" > "$bvar/wrk.out" 2>&1 &
		wrk -t1 -c$(($3 / 2)) -d"${secs}s" --latency -s "bench/$1" "http://127.0.0.1:$((port + 3))/v1/chat/completions" \
		    > "$bvar/wrk2.out" 2>&1
		wait
		awk '/^Requests\/sec/ { r += $2 } /requests in/ { n += $1 } /Non-2xx/ { b += $NF }
		    END { printf "Requests/sec: %.2f\n%d requests in\nNon-2xx or 3xx responses: %d\n", r, n, b }' \
		    "$bvar/wrk.out" "$bvar/wrk2.out" > "$bvar/wrk.sum"
		grep -E '^ +(50|99)%' "$bvar/wrk.out" >> "$bvar/wrk.sum"
		mv "$bvar/wrk.sum" "$bvar/wrk.out"
	else
		wrk -t$th -c"$3" -d"${secs}s" --latency -s "bench/$1" "$2/v1/chat/completions" > "$bvar/wrk.out" 2>&1
	fi
	set -- "$1" "$2" "$3" $(ticks)
	c1=$4 l1=$5 d1=$6
	q1=$(dbq)
	rps=$(awk '/^Requests\/sec/ {print $2}' "$bvar/wrk.out")
	p50=$(ms "$(awk '$1 == "50%" {print $2}' "$bvar/wrk.out")")
	p99=$(ms "$(awk '$1 == "99%" {print $2}' "$bvar/wrk.out")")
	n=$(awk '/requests in/ {print $1}' "$bvar/wrk.out")
	bad=$(awk '/Non-2xx/ {print $NF}' "$bvar/wrk.out")
	echo "$rps $p50 $p99 $n $((c1 - c0)) $((l1 - l0)) $((d1 - d0)) ${bad:-0} $((q1 - q0))"
}

out=bench/out/chat.md
{
	echo "Chat proxy benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
	echo "$nodes web node(s) × $procs chat.fcgi processes, database: ${DB_CLUSTER:-one MariaDB}, ${secs}s per run, wrk on the same machine, fixed upstream: $upstream, [chat] route_cache_s = ${BENCH_ROUTE_CACHE_S:-0}, key_cache_s = ${BENCH_KEY_CACHE_S:-0}."
	echo
	echo "| mode | conns | direct req/s | direct p50 ms | via req/s | via p50 ms | via p99 ms | added p50 ms | CPU µs/req total | chat.fcgi | lighttpd | MariaDB | DB stmts/req | non-2xx | Portkey req/s | Portkey p50 ms | Portkey p99 ms | Portkey CPU µs/req | Portkey non-2xx | × Portkey |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
for mode in ${BENCH_MODES:-json stream}; do
	lua=chat.lua direct=http://127.0.0.1:$up MODEL=bench/bench-model
	[ $mode = stream ] && lua=chat-stream.lua direct=http://127.0.0.1:$up/stream MODEL=benchs/bench-model
	export MODEL
	for c in ${BENCH_CONNS:-1 16 64}; do
		set -- $(run "$lua" "$direct" "$c")
		drps=$1 dp50=$2
		set -- $(run "$lua" "$base" "$c")
		us() { awk -v t="$1" -v n="$2" -v hz="$tck" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "-" }'; }
		add=$(awk -v a="$2" -v b="$dp50" 'BEGIN { printf "%.3f", a - b }')
		row="| $mode | $c | $drps | $dp50 | $1 | $2 | $3 | $add | $(us $(($5 + $6 + $7)) "$4") | $(us "$5" "$4") | $(us "$6" "$4") | $(us "$7" "$4") | $(awk -v q="$9" -v n="$4" 'BEGIN { printf "%.2f", (n > 0 ? q / n : 0) }') | $8 |"
		sbrps=$1 sbmodel=$MODEL
		if [ -n "$pkpid" ]; then
			host=http://127.0.0.1:$up/v1
			[ $mode = stream ] && host=http://127.0.0.1:$up/stream/v1
			export PORTKEY_HOST=$host MODEL=bench-model
			set -- $(run "$lua" "http://127.0.0.1:$pk" "$c")
			unset PORTKEY_HOST
			MODEL=$sbmodel
			row="$row $1 | $2 | $3 | $(us "$5" "$4") | $8 | $(awk -v a="$sbrps" -v b="$1" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }') |"
		else
			row="$row - | - | - | - | - | - |"
		fi
		echo "$row" >> "$out"
	done
done
rss=$(for p in $(chatpids); do awk '/^VmRSS/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1)
# Private = pages only this process holds (what one more process costs); the
# rest of RSS is shared library text mapped by every process.
priv=$(for p in $(chatpids); do awk '/^Private_(Clean|Dirty):/ {t += $2} END {print t}' "/proc/$p/smaps_rollup"; done | sort -n | tail -1)
pss=$(for p in $(chatpids); do awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"; done | sort -n | tail -1)
{
	echo
	node bench/pacing.mjs "$pp" "$base" "$KEY" "${BENCH_PACING_RUNS:-10}" 2>&1 || echo "Streaming pacing: the measurement failed."
	echo
	echo "Memory per chat.fcgi process after the runs (largest of $(chatpids | wc -l)): RSS $rss kB, of which private $priv kB (PSS $pss kB); the rest is shared library text."
} >> "$out"
cat "$out"
