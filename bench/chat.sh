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
# third lighttpd with mod_cgi (BENCH_CGI=0 skips it). The web servers side
# by side: JSON through this lighttpd, nginx over spawn-fcgi processes
# (BENCH_NGINX=0 skips it) and Apache with mod_fcgid (BENCH_APACHE=0), the
# same programs and database, alternating.
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
# ([chat] route_cache_s, key_cache_s; docs/chat.md); BENCH_NODE_STAMPS=false
# the stamps read on every request ([chat] node_stamps).
{ cat "$var/switchboard.ini"; printf '\n[chat]\nroute_cache_s = %s\nkey_cache_s = %s\nnode_stamps = %s\n' \
    "${BENCH_ROUTE_CACHE_S:-0}" "${BENCH_KEY_CACHE_S:-0}" "${BENCH_NODE_STAMPS:-true}"; } > "$bvar/switchboard.ini"
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
# nginx in front of the same program, spawned by spawn-fcgi, a FastCGI
# connection per request as docs/deploy.md advises; BENCH_NGINX_KEEP=1 turns
# on fastcgi_keep_conn with kept upstream connections instead.
keep=; keepconn=
[ "${BENCH_NGINX_KEEP:-0}" = 1 ] && keep="keepalive $procs;" keepconn="fastcgi_keep_conn on;"
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
  upstream sbchat { server unix:$nd/run/chat.sock; $keep }
  server {
    listen 127.0.0.1:$ngport;
    location /v1/ {
      include fastcgi_params;
      fastcgi_pass sbchat;
      $keepconn
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
# Apache with mod_fcgid, the shipped virtual host (conf/apache-switchboard.conf)
# with FcgidMaxProcessesPerClass $BENCH_APACHE_PROCS (24): mod_fcgid makes a
# request that finds no idle process wait a whole second when it may not start
# another, and 16 connections keep more than 16 processes busy (16 processes:
# p99 0.9 s). Over a copy of the programs in a temp dir the web server's user
# can reach. BENCH_APACHE=0 skips it.
apport=$((28480 + 10 * slot + 3))
approcs=${BENCH_APACHE_PROCS:-24}
ap_on=0
ad= apdb=
if [ "${BENCH_APACHE:-1}" = 1 ] && [ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_fcgid.so ]; then
	ap_on=1
	ad=$(mktemp -d /tmp/sb-bench-apache.XXXXXX)
	chmod 755 "$ad"
	mkdir -p "$ad/srv/www" "$ad/srv/cgi-bin" "$ad/srv/private" "$ad/run"
	cp "$bin/account.fcgi" "$bin/chat.fcgi" "$bin/providers.fcgi" "$bin/usage.fcgi" "$ad/srv/cgi-bin/"
	cp "$bvar/switchboard.ini" "$ad/srv/private/"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R www-data:www-data "$ad/srv/private" "$ad/run"
		# The database's socket may sit in a directory www-data cannot enter
		# (a clone in a private temp dir): then TCP.
		if ! su -s /bin/sh www-data -c "test -w '$var/run/mysqld.sock'" 2>/dev/null; then
			sed -i -e 's|^host = .*|host = 127.0.0.1|' -e 's|^socket = .*|socket =|' "$ad/srv/private/switchboard.ini"
			apdb=", database over TCP"
		fi
	fi
	sed "s/^\( *FcgidMaxProcessesPerClass\) .*/\1 $approcs/" conf/apache-switchboard.conf |
	    scripts/apache-conf.sh bench "$apport" "$ad/run" "$bvar/log/apache-error.log" "$ad/srv" fcgid > "$ad/httpd.conf"
	apache2 -f "$ad/httpd.conf" -k start 2>>"$bvar/log/apache-error.log" || ap_on=0
fi
# Every process of the Apache: its parent, workers, mod_fcgid's manager and
# the programs it runs.
tree() { for p in "$@"; do echo "$p"; tree $(pgrep -P "$p"); done; }
appids() { [ "$ap_on" = 1 ] && tree $(cat "$ad/run/apache-bench.pid" 2>/dev/null); }
apache_stop() {
	[ -n "$ad" ] || return 0
	if [ "$ap_on" = 1 ]; then
		apache2 -f "$ad/httpd.conf" -k stop 2>/dev/null
		i=0
		while [ -n "$(appids)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
	fi
	rm -rf "$ad"
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
trap 'kill $uppid $pkpid $(cgipid) $(ngxpids) 2>/dev/null; kill $(webpids) 2>/dev/null; apache_stop; scripts/stack.sh stop test >/dev/null 2>&1' EXIT
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

# wrk_stats -> "rps p50 p99 requests non2xx" of the last wrk run
wrk_stats() {
	set -- "$(ms "$(awk '$1 == "50%" {print $2}' "$bvar/wrk.out")")" "$(ms "$(awk '$1 == "99%" {print $2}' "$bvar/wrk.out")")"
	awk -v p50="$1" -v p99="$2" '/^Requests\/sec/ { r = $2 } /requests in/ { n = $1 } /Non-2xx/ { b = $NF }
	    END { print r, p50, p99, n + 0, b + 0 }' "$bvar/wrk.out"
}
# us TICKS REQUESTS -> CPU µs per request
us() { awk -v t="$1" -v n="$2" -v hz="$tck" 'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "-" }'; }
# stmts STATEMENTS REQUESTS -> database statements per request
stmts() { awk -v q="$1" -v n="$2" 'BEGIN { printf "%.2f", (n > 0 ? q / n : 0) }'; }

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
	set -- $(wrk_stats)
	echo "$1 $2 $3 $4 $((c1 - c0)) $((l1 - l0)) $((d1 - d0)) $5 $((q1 - q0))"
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
runs= pk16=
{
	echo "Chat proxy benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
	echo "$nodes web node(s) × $procs chat.fcgi processes, database: ${DB_CLUSTER:-one MariaDB}, ${secs}s per run, wrk on the same machine, fixed upstream: $upstream, [chat] route_cache_s = ${BENCH_ROUTE_CACHE_S:-0}, key_cache_s = ${BENCH_KEY_CACHE_S:-0}, node_stamps = ${BENCH_NODE_STAMPS:-true}."
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
		add=$(awk -v a="$2" -v b="$dp50" 'BEGIN { printf "%.3f", a - b }')
		row="| $mode | $c | $drps | $dp50 | $1 | $2 | $3 | $add | $(us $(($5 + $6 + $7)) "$4") | $(us "$5" "$4") | $(us "$6" "$4") | $(us "$7" "$4") | $(stmts "$9" "$4") | $8 |"
		sbrps=$1
		if [ -n "$pkpid" ]; then
			set -- $(median_run < "$bvar/pk.runs")
			[ "$mode $c" = "json 16" ] && pk16=$1
			row="$row $1 | $2 | $3 | $(us "$5" "$4") | $8 | $(awk -v a="$sbrps" -v b="$1" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }') |"
		else
			row="$row - | - | - | - | - | - |"
		fi
		echo "$row" >> "$out"
	done
done
# web_run URL TICKSFN CONNS -> "rps p50 p99 requests web_ticks db_ticks non2xx stmts":
# JSON through one web server; TICKSFN counts the server with its programs.
web_run() {
	export MODEL=bench/bench-model
	th=2; [ "$3" -lt 2 ] && th=1
	q0=$(dbq) w0=$($2) d0=$(ticks1 $(dbpids))
	wrk -t$th -c"$3" -d"${secs}s" --latency -s bench/chat.lua "$1/v1/chat/completions" > "$bvar/wrk.out" 2>&1
	w1=$($2) d1=$(ticks1 $(dbpids)) q1=$(dbq)
	set -- $(wrk_stats)
	echo "$1 $2 $3 $4 $((w1 - w0)) $((d1 - d0)) $5 $((q1 - q0))"
}
# Plain CGI, JSON at 1 and 16 connections, in the main table (CPU of
# lighttpd with its reaped children, the CGI processes: cutime and cstime).
cgiticks() { set -- $(cut -d')' -f2 "/proc/$(cgipid)/stat"); echo $((${12} + ${13} + ${14} + ${15})); }
if [ "${BENCH_CGI:-1}" = 1 ]; then
	for c in 1 16; do
		set -- $(web_run "http://127.0.0.1:$cgiport" cgiticks $c)
		echo "| json, plain CGI | $c | - | - | $1 | $2 | $3 | - | $(us $(($5 + $6)) "$4") | $(us "$5" "$4") (with the web server) | - | $(us "$6" "$4") | $(stmts "$8" "$4") | $7 | - | - | - | - | - | - |" >> "$out"
	done
fi
if [ -n "$runs" ]; then
	{ echo; echo "Each gateway's runs at 16 connections, interleaved (the table shows each one's median):$runs"; } >> "$out"
fi

# The web servers side by side (docs/deploy.md: which to pick), JSON on the
# same programs and database: one connection once each, then 16 connections
# in BENCH_REPEAT rounds alternating between them; each row is a server's
# median run. CPU = the web server with its chat processes, plus MariaDB.
ticks_lighttpd() { ticks1 $(webpids) $(chatpids); }
ticks_nginx() { ticks1 $(ngxpids); }
ticks_apache() { ticks1 $(appids); }
servers="lighttpd"
[ "$ngx_on" = 1 ] && servers="$servers nginx"
[ "$ap_on" = 1 ] && servers="$servers apache"
server_url() {
	case $1 in
	lighttpd) echo "$base" ;; nginx) echo "http://127.0.0.1:$ngport" ;; apache) echo "http://127.0.0.1:$apport" ;;
	esac
}
server_label() {
	case $1 in
	lighttpd) echo "lighttpd, $procs chat processes (the table above)" ;;
	nginx) echo "nginx + spawn-fcgi, $procs chat processes$([ -n "$keepconn" ] && echo ", fastcgi_keep_conn")" ;;
	apache) echo "Apache mod_fcgid, up to $approcs chat processes$apdb" ;;
	esac
}
# mod_fcgid's programs run as www-data, in a stamps lease of their own
# (docs/chat.md): a run on the other side starts once its node holds the
# lease (the last holder's term ends within 3 s), as a node serving alone.
lease_node=lighttpd
side_run() {
	n=lighttpd; [ "$1" = apache ] && n=apache
	if [ "$n" != "$lease_node" ]; then
		wrk -t1 -c1 -d5s -s bench/chat.lua "$(server_url "$1")/v1/chat/completions" >/dev/null 2>&1
		lease_node=$n
	fi
	web_run "$(server_url "$1")" "ticks_$1" "$2"
}
if [ "$servers" != lighttpd ]; then
	# mod_fcgid starts its processes as requests come, about one a second
	# after the first ten (FcgidSpawnScoreUpLimit): not measured.
	i=0
	while [ "$ap_on" = 1 ] && [ $i -lt 30 ] && [ "$(appids | xargs -r ps -o comm= -p | grep -c '^chat.fcgi')" -lt "$approcs" ]; do
		wrk -t2 -c"$approcs" -d1s -s bench/chat.lua "http://127.0.0.1:$apport/v1/chat/completions" >/dev/null 2>&1
		i=$((i + 1))
		lease_node=apache
	done
	for w in $servers; do : > "$bvar/web-$w.runs"; done
	i=0
	while [ $i -lt "${BENCH_REPEAT:-3}" ]; do
		for w in $servers; do side_run $w 16 >> "$bvar/web-$w.runs"; done
		i=$((i + 1))
	done
	{
		echo
		echo "Web servers side by side, JSON: 1 connection once, 16 connections in ${BENCH_REPEAT:-3} alternating rounds (median run; all runs listed). CPU per request: the web server with its chat processes, plus MariaDB."
		echo
		echo "| web server | conns | req/s | p50 ms | p99 ms | CPU µs/req | of which MariaDB | DB stmts/req | non-2xx | × Portkey (JSON 16 median) | runs, req/s |"
		echo "|---|---|---|---|---|---|---|---|---|---|---|"
	} >> "$out"
	for w in $servers; do
		side_run $w 1 > "$bvar/web-1.run"	# not in a subshell: lease_node
		set -- $(cat "$bvar/web-1.run")
		echo "| $(server_label $w) | 1 | $1 | $2 | $3 | $(us $(($5 + $6)) "$4") | $(us "$6" "$4") | $(stmts "$8" "$4") | $7 | - | - |" >> "$out"
		set -- $(median_run < "$bvar/web-$w.runs")
		x=$(awk -v a="$1" -v b="${pk16:-0}" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
		echo "| $(server_label $w) | 16 | $1 | $2 | $3 | $(us $(($5 + $6)) "$4") | $(us "$6" "$4") | $(stmts "$8" "$4") | $7 | $x | $(req_list "$bvar/web-$w.runs") |" >> "$out"
	done
fi
rss=$(for p in $(chatpids); do awk '/^VmRSS/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1)
# Private = pages only this process holds (what one more process costs); the
# rest of RSS is shared library text mapped by every process.
priv=$(for p in $(chatpids); do awk '/^Private_(Clean|Dirty):/ {t += $2} END {print t}' "/proc/$p/smaps_rollup"; done | sort -n | tail -1)
pss=$(for p in $(chatpids); do awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"; done | sort -n | tail -1)
{
	echo
	SSE_URL=http://127.0.0.1:$up/stream node bench/pacing.mjs "$pp" "$base" "$KEY" "${BENCH_PACING_RUNS:-10}" 2>&1 ||
	    echo "Streaming pacing: the measurement failed."
	echo
	echo "Memory per chat.fcgi process after the runs (largest of $(chatpids | wc -l)): RSS $rss kB, of which private $priv kB (PSS $pss kB); the rest is shared library text."
} >> "$out"
cat "$out"
