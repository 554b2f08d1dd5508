#!/bin/sh
# soak.sh VAR: each release-build FastCGI program, spawned the way a web
# server does (spawn-fcgi, socket on fd 0), answers many requests through
# cgi-fcgi: (1) under valgrind, which must report no error and no definite
# leak when the process exits; (2) natively, where its resident memory must
# not grow between request 200 and request 1200. Prints "soak: N passed, N failed".
set -u
var=$1
root=$(cd "$(dirname "$0")/.." && pwd)
ini=$var/switchboard.ini
passed=0
failed=0

req() {	# SOCK METHOD URI [BODY]
	if [ $# -ge 4 ]; then
		printf '%s' "$4" | env -i REQUEST_METHOD="$2" REQUEST_URI="$3" QUERY_STRING= REMOTE_ADDR=127.0.0.1 \
		    CONTENT_TYPE=application/json CONTENT_LENGTH=${#4} cgi-fcgi -bind -connect "$1" >/dev/null 2>&1
	else
		env -i REQUEST_METHOD="$2" REQUEST_URI="$3" QUERY_STRING= REMOTE_ADDR=127.0.0.1 \
		    cgi-fcgi -bind -connect "$1" </dev/null >/dev/null 2>&1
	fi
}

# A mix of requests every program must survive: routed, unauthenticated, bad JSON, unknown.
mix() {	# SOCK
	req "$1" GET /api/health
	req "$1" POST /api/auth/login '{"username":"nobody","password":"wrong-password"}'
	req "$1" POST /api/auth/login '{"username":'
	req "$1" GET /api/models
	req "$1" POST /v1/chat/completions '{"model":"x","messages":[]}'
	req "$1" GET /api/usage/summary
	req "$1" GET /nope
}

spawn() {	# SOCK PIDFILE PROGRAM [WRAPPER…]
	sock=$1 pidf=$2 prog=$3
	shift 3
	rm -f "$sock"
	SWITCHBOARD_CONFIG=$ini spawn-fcgi -s "$sock" -P "$pidf" -- "$@" "$prog" >/dev/null 2>&1
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}

stop() {	# PIDFILE
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05; i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$(cat "$1")/status"; }

for prog in "$root"/build/*.fcgi; do
	[ -x "$prog" ] || continue
	name=$(basename "$prog" .fcgi)
	sock=$var/run/soak-$name.sock
	pidf=$var/run/soak-$name.pid
	vglog=$var/log/valgrind-$name.log

	# (1) valgrind across requests in one long-lived process
	spawn "$sock" "$pidf" "$prog" "$(command -v valgrind)" -q --leak-check=full --errors-for-leak-kinds=definite \
	    --show-leak-kinds=definite --log-file="$vglog"
	n=0
	while [ $n -lt 30 ]; do mix "$sock"; n=$((n + 1)); done
	stop "$pidf"
	if [ -s "$vglog" ]; then
		failed=$((failed + 1)); echo "valgrind report for $name:"; head -40 "$vglog"
	else
		passed=$((passed + 1))
	fi

	# (2) resident memory stays flat
	spawn "$sock" "$pidf" "$prog"
	n=0
	while [ $n -lt 30 ]; do mix "$sock"; n=$((n + 1)); done
	before=$(rss "$pidf")
	n=0
	while [ $n -lt 170 ]; do mix "$sock"; n=$((n + 1)); done
	after=$(rss "$pidf")
	stop "$pidf"
	echo "  $name: resident $before kB after 210 requests, $after kB after 1400"
	if [ $((after - before)) -gt 256 ]; then
		failed=$((failed + 1)); echo "$name grew from $before kB to $after kB over 1190 requests"
	else
		passed=$((passed + 1))
	fi
	rm -f "$sock" "$pidf"
done
echo "soak: $passed passed, $failed failed"
