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
# ("1 16 64") narrow the table; at 16 connections each gateway runs
# BENCH_REPEAT (3) times, interleaved, and the table shows each one's median.
# Plain CGI (a process per request, as on a host without FastCGI) is
# measured too, JSON at 1 and 16 connections, through a
# third lighttpd with mod_cgi (BENCH_CGI=0 skips it), and nginx with
# fastcgi_keep_conn over spawn-fcgi processes (BENCH_NGINX=0 skips it).
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
# BENCH_BIN=DIR runs the programs built in DIR (a before/after comparison:
# copy build/ of the old commit aside); default build/.
bin=${BENCH_BIN:-$root/build}

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
sed -e "s|@ROOT@|$root|g" -e "s|@VAR@|$bvar|g" -e "s|@PORT@|$port|g" -e "s|@BIN@|$bin|g" \
    -e "s|@INI@|$bvar/switchboard.ini|g" -e "s|@PROCS@|1|g" -e "s|@CHAT_PROCS@|$procs|g" -e "s|@ASAN@||g" \
    conf/lighttpd.conf.in > "$bvar/lighttpd.conf"
lighttpd -f "$bvar/lighttpd.conf"
webpids() { cat "$bvar/run/lighttpd.pid"; }
if [ "$nodes" = 2 ]; then
	mkdir -p "$bvar/n2/run" "$bvar/n2/log"
	sed -e "s|@ROOT@|$root|g" -e "s|@VAR@|$bvar/n2|g" -e "s|@PORT@|$((port + 3))|g" -e "s|@BIN@|$bin|g" \
	    -e "s|@INI@|$bvar/switchboard.ini|g" -e "s|@PROCS@|1|g" -e "s|@CHAT_PROCS@|$procs|g" -e "s|@ASAN@||g" \
	    conf/lighttpd.conf.in > "$bvar/n2/lighttpd.conf"
	lighttpd -f "$bvar/n2/lighttpd.conf"
	webpids() { cat "$bvar/run/lighttpd.pid" "$bvar/n2/run/lighttpd.pid"; }
fi
# Plain CGI: chat.fcgi run once per request by mod_cgi (docroot/v1 is the
# program; the rest of the path is its PATH_INFO, REQUEST_URI stays whole).
cgiport=$((28480 + 10 * slot + 2))
if [ "${BENCH_CGI:-1}" = 1 ]; then
	mkdir -p "$bvar/cgi/run" "$bvar/cgi/log" "$bvar/cgi/root"
	ln -sf "$bin/chat.fcgi" "$bvar/cgi/root/v1"
	cat > "$bvar/cgi/lighttpd.conf" <<EOC
server.bind = "127.0.0.1"
server.port = $cgiport
server.document-root = "$bvar/cgi/root"
server.pid-file = "$bvar/cgi/run/lighttpd.pid"
server.errorlog = "$bvar/cgi/log/lighttpd-error.log"
server.modules = ( "mod_setenv", "mod_cgi" )
server.stream-response-body = 2
cgi.assign = ( "/v1" => "" )
setenv.add-environment = ( "SWITCHBOARD_CONFIG" => "$bvar/switchboard.ini" )
EOC
	lighttpd -f "$bvar/cgi/lighttpd.conf"
fi
cgipid() { cat "$bvar/cgi/run/lighttpd.pid" 2>/dev/null; }
# nginx in front of the same program, spawned by spawn-fcgi, with
# fastcgi_keep_conn and upstream keepalive: one FastCGI connection serves
# many requests (lighttpd opens one per request). BENCH_NGINX=0 skips it.
ngport=$((28480 + 10 * slot + 4))
ngx_on=0
if [ "${BENCH_NGINX:-1}" = 1 ] && command -v nginx >/dev/null && command -v spawn-fcgi >/dev/null; then
	ngx_on=1
	nd=$bvar/ngx
	mkdir -p "$nd/run" "$nd/log"
	cp /etc/nginx/fastcgi_params "$nd/"
	SWITCHBOARD_CONFIG=$bvar/switchboard.ini GNUTLS_NO_IMPLICIT_INIT=1 spawn-fcgi -s "$nd/run/chat.sock" -F "$procs" -M 0666 \
	    -P "$nd/run/chat.pids" -- "$bin/chat.fcgi" >"$nd/log/spawn.log" 2>&1
	cat > "$nd/nginx.conf" <<EOC
worker_processes 1;
user root;
pid $nd/run/nginx.pid;
error_log $nd/log/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream sbchat { server unix:$nd/run/chat.sock; keepalive $procs; }
  server {
    listen 127.0.0.1:$ngport;
    location /v1/ {
      include fastcgi_params;
      fastcgi_pass sbchat;
      fastcgi_keep_conn on;
      fastcgi_buffering off;
    }
  }
}
EOC
	nginx -p "$nd/" -c "$nd/nginx.conf" -e "$nd/log/error.log" 2>>"$nd/log/spawn.log"
fi
ngxpids() {
	[ "$ngx_on" = 1 ] || return 0
	p=$(cat "$nd/run/nginx.pid" 2>/dev/null) || return 0
	echo $(cat "$nd/run/chat.pids") "$p" $(pgrep -P "$p")
}
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
	# Portkey 1.15.2's streaming fails under Node with "TypeError: immutable":
	# it adds its headers to the upstream's response, whose headers fetch made
	# immutable (Portkey-AI/gateway#1389, #1550). The bench applies the fix
	# proposed there (add them to a copy of the response) to its installed
	# build, so that streams can be compared; a build without that code is
	# left as it is.
	if [ -f "$pkmain" ] && ! grep -q 'i=this.updateHeaders(i,' "$pkmain"; then
		sed -i -e 's/this\.updateHeaders(i,n\.cacheStatus,o),{response:i/i=&/' \
		    -e 's/updateHeaders(e,t,a){return e\.headers\.append/updateHeaders(e,t,a){return e=new Response(e.body,e),e.headers.append/' \
		    "$pkmain"
	fi
	if [ -f "$pkmain" ]; then
		NODE_ENV=production node "$pkmain" --port="$pk" --headless >"$bvar/log/portkey.log" 2>&1 &
		pkpid=$!
	fi
fi
trap 'kill $uppid $pkpid $(cgipid) $(ngxpids) 2>/dev/null; kill $(webpids) 2>/dev/null; scripts/stack.sh stop test >/dev/null 2>&1' EXIT
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

# pk_run LUA CONNS: run() against Portkey, on the same upstream
pk_run() {
	host=http://127.0.0.1:$up/v1
	[ "$1" = chat-stream.lua ] && host=http://127.0.0.1:$up/stream/v1
	sbmodel=$MODEL
	export PORTKEY_HOST=$host MODEL=bench-model
	run "$1" "http://127.0.0.1:$pk" "$2"
	unset PORTKEY_HOST
	MODEL=$sbmodel
}
# median_run < RUNS: the line of run()'s output with the median req/s
median_run() { sort -n -k1,1 | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'; }
req_list() { awk '{ printf "%s%.0f", (NR > 1 ? " / " : ""), $1 }' "$1"; }

out=bench/out/chat.md
runs=
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
		# At 16 connections (the issue's comparison) each gateway runs
		# $BENCH_REPEAT times, interleaved, and the row is each one's
		# median run: one 5 s sample on a shared machine moves by ±15 %.
		reps=1; [ "$c" = 16 ] && reps=${BENCH_REPEAT:-3}
		: > "$bvar/sb.runs"; : > "$bvar/pk.runs"
		i=0
		while [ $i -lt "$reps" ]; do
			run "$lua" "$base" "$c" >> "$bvar/sb.runs"
			[ -n "$pkpid" ] && pk_run "$lua" "$c" >> "$bvar/pk.runs"
			i=$((i + 1))
		done
		[ "$reps" -gt 1 ] && runs="$runs
- $mode, $c connections: Switchboard $(req_list "$bvar/sb.runs") req/s${pkpid:+; Portkey $(req_list "$bvar/pk.runs") req/s}"
		set -- $(median_run < "$bvar/sb.runs")
		us() { awk -v t="$1" -v n="$2" -v hz="$tck" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "-" }'; }
		add=$(awk -v a="$2" -v b="$dp50" 'BEGIN { printf "%.3f", a - b }')
		row="| $mode | $c | $drps | $dp50 | $1 | $2 | $3 | $add | $(us $(($5 + $6 + $7)) "$4") | $(us "$5" "$4") | $(us "$6" "$4") | $(us "$7" "$4") | $(awk -v q="$9" -v n="$4" 'BEGIN { printf "%.2f", (n > 0 ? q / n : 0) }') | $8 |"
		sbrps=$1
		if [ -n "$pkpid" ]; then
			set -- $(median_run < "$bvar/pk.runs")
			row="$row $1 | $2 | $3 | $(us "$5" "$4") | $8 | $(awk -v a="$sbrps" -v b="$1" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }') |"
		else
			row="$row - | - | - | - | - | - |"
		fi
		echo "$row" >> "$out"
	done
done
# The other ways to run the program, JSON at 1 and 16 connections: plain CGI
# (CPU of lighttpd with its reaped children, the CGI processes: cutime and
# cstime) and nginx with kept FastCGI connections (nginx and its processes).
cgiticks() { set -- $(cut -d')' -f2 "/proc/$(cgipid)/stat"); echo $((${12} + ${13} + ${14} + ${15})); }
ngxticks() { ticks1 $(ngxpids); }
other_row() {	# LABEL URL TICKSFN
	for c in 1 16; do
		export MODEL=bench/bench-model
		w0=$($3) d0=$(ticks1 $(dbpids))
		wrk -t1 -c"$c" -d"${secs}s" --latency -s bench/chat.lua "$2/v1/chat/completions" > "$bvar/wrk.out" 2>&1
		w1=$($3) d1=$(ticks1 $(dbpids))
		n=$(awk '/requests in/ {print $1}' "$bvar/wrk.out")
		rps=$(awk '/^Requests\/sec/ {print $2}' "$bvar/wrk.out")
		p50=$(ms "$(awk '$1 == "50%" {print $2}' "$bvar/wrk.out")")
		p99=$(ms "$(awk '$1 == "99%" {print $2}' "$bvar/wrk.out")")
		bad=$(awk '/Non-2xx/ {print $NF}' "$bvar/wrk.out")
		us() { awk -v t="$1" -v n="$2" -v hz="$tck" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "-" }'; }
		echo "| $1 | $c | - | - | $rps | $p50 | $p99 | - | $(us $((w1 - w0 + d1 - d0)) "$n") | $(us $((w1 - w0)) "$n") (with the web server) | - | $(us $((d1 - d0)) "$n") | - | ${bad:-0} | - | - | - | - | - | - |" >> "$out"
	done
}
[ "${BENCH_CGI:-1}" = 1 ] && other_row "json, plain CGI" "http://127.0.0.1:$cgiport" cgiticks
[ "$ngx_on" = 1 ] && other_row "json, nginx + fastcgi_keep_conn" "http://127.0.0.1:$ngport" ngxticks
if [ -n "$runs" ]; then
	{ echo; echo "Each gateway's runs at 16 connections, interleaved (the table shows each one's median):$runs"; } >> "$out"
fi
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
