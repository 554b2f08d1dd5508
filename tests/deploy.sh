#!/bin/sh
# deploy.sh — proves the shipped web server configs work: Apache + mod_fcgid
# (conf/apache-switchboard.conf), nginx + spawn-fcgi (conf/nginx-switchboard.conf,
# and the same with fastcgi_keep_conn) and plain CGI under Apache mod_cgid
# (tests/deploy/apache-cgi.conf). Each server
# found installed runs privately on 127.0.0.1 ($DEPLOY_PORT, default 28680..28684)
# from a temp dir, over the release programs in build/ and the test stack's
# database and mock upstream (slot $TEST_SLOT, default 8; started here unless
# BASE_URL, MOCK_URL and VAR are given). Ends with "deploy: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
slot=${TEST_SLOT:-8}
base_port=${DEPLOY_PORT:-28680}
passed=0
failed=0
started_stack=0
tmp=""
pids=""
model=openai/gpt-slow

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
check() {	# LABEL COND…  (runs COND; counts the result)
	label=$1
	shift
	if "$@"; then ok; else bad "$label"; fi
}

cleanup() {
	for f in $pids; do
		[ -f "$f" ] || continue
		for p in $(cat "$f" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	done
	for f in $pids; do
		[ -f "$f" ] || continue
		for p in $(cat "$f" 2>/dev/null); do
			i=0
			while kill -0 "$p" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; do
				i=$((i + 1))
				[ $i -gt 50 ] && { kill -KILL "$p" 2>/dev/null; break; }
				sleep 0.1
			done
		done
	done
	[ "$started_stack" = 1 ] && TEST_SLOT=$slot scripts/stack.sh stop test >/dev/null 2>&1
	[ -n "$tmp" ] && [ -z "${DEPLOY_KEEP:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port_free() { ! ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

wait_http() {	# URL: up to 10 s for any HTTP answer
	i=0
	until curl -s -o /dev/null --max-time 2 "$1"; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# ---- the test stack (database, mock upstream, reference lighttpd)
if [ -z "${BASE_URL:-}" ] || [ -z "${MOCK_URL:-}" ] || [ -z "${VAR:-}" ]; then
	out=$(TEST_SLOT=$slot scripts/stack.sh start test 2>&1) || { echo "$out"; echo "deploy: 0 passed, 1 failed"; exit 1; }
	eval "$(echo "$out" | grep -E '^(BASE_URL|MOCK_URL|VAR)=')"
	started_stack=1
fi
for b in account chat providers usage; do
	[ -x "build/$b.fcgi" ] || { echo "build/$b.fcgi missing: run make build"; echo "deploy: 0 passed, 1 failed"; exit 1; }
done

# ---- a deployment tree like /srv/switchboard: www/, cgi-bin/, private/
tmp=$(mktemp -d /tmp/sb-deploy.XXXXXX)
chmod 755 "$tmp"
srv=$tmp/srv
run=$tmp/run
mkdir -p "$srv/cgi-bin" "$srv/private" "$run" "$tmp/log"
cp -R www "$srv/www"
cp build/account.fcgi build/chat.fcgi build/providers.fcgi build/usage.fcgi cgi-bin/.htaccess "$srv/cgi-bin/"
# The programs run as www-data, which may not reach the test stack's socket
# (it sits below the checkout, maybe in a private temp dir): use TCP.
sed -e 's|^host = .*|host = 127.0.0.1|' -e 's|^socket = .*|socket =|' \
    "$VAR/switchboard.ini" > "$srv/private/switchboard.ini"
chmod 600 "$srv/private/switchboard.ini"
web_user=""
if [ "$(id -u)" -eq 0 ]; then
	web_user=www-data
	chown -R "$web_user:$web_user" "$srv/private" "$run"
fi
ini=$srv/private/switchboard.ini

# ---- a user, a provider config on the mock, through the reference server
user=deploy$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
password=deploy-password-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" | SWITCHBOARD_CONFIG=$ini build/switchboard user add "$user" >/dev/null 2>&1 ||
	printf '%s\n' "$password" | SWITCHBOARD_CONFIG=$VAR/switchboard.ini build/switchboard user add "$user" >/dev/null
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

login() {	# URL COOKIEJAR -> prints the CSRF token; non-zero on failure
	r=$(curl -s -c "$2" -H 'content-type: application/json' \
	    -d "{\"username\":\"$user\",\"password\":\"$password\"}" "$1/api/auth/login") || return 1
	printf '%s' "$r" | json_field csrf_token
}
csrf=$(login "$BASE_URL" "$tmp/ref.jar")
curl -s -o /dev/null -b "$tmp/ref.jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d "{\"api_key\":\"sk-deploy-test\",\"base_url\":\"$MOCK_URL/openai/v1\",\"validate\":false}" \
    "$BASE_URL/api/provider-configs/openai"

# ---- the checks, the same for every server
get() {	# URL [CURL ARGS…]: status in $code, headers in $tmp/h, body in $tmp/b
	u=$1
	shift
	code=$(curl -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' --max-time 15 "$@" "$u") || code=000
}
has_h() { grep -qi "^$1" "$tmp/h"; }
has_b() { grep -q -- "$1" "$tmp/b"; }

check_stream() {	# NAME URL KEY
	s=$(node tests/deploy/stream.mjs "$2/v1/chat/completions" "$3" "$model")
	echo "  $1 stream: $s" >>"$tmp/log/streams"
	# gpt-slow: 8 events 200 ms apart. Buffered = all at the end (gaps ~0).
	printf '%s' "$s" | node -e '
		const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
		process.exit(s.status === 200 && s.done && s.events >= 6 && s.spread_ms >= 900 &&
		    s.min_gap_ms >= 100 && s.max_gap_ms <= 600 ? 0 : 1);' ||
		{ bad "$1: streamed chat not incremental: $s"; return; }
	ok
}

# A 1 MB chat body: mod_fcgid refuses bodies over FcgidMaxRequestLen (128 KB
# unless the host raised it); the shared-hosting setup runs chat as CGI.
check_big_body() {	# NAME URL KEY
	node -e 'process.stdout.write(JSON.stringify({model: process.argv[1], messages: [{role: "user", content: "x".repeat(1024 * 1024)}]}))' \
	    "$model" >"$tmp/big.json"
	get "$2/v1/chat/completions" -H "authorization: Bearer $3" -H 'content-type: application/json' --data-binary "@$tmp/big.json"
	check "$1: a 1 MB chat body is served ($code)" eval '[ "$code" = 200 ] && has_b "chat.completion"'
}

check_server() {	# NAME URL [cgi]
	name=$1
	url=$2
	mode=${3:-}
	get "$url/api/health"
	check "$name: GET /api/health 200 JSON ($code)" eval '[ "$code" = 200 ] && has_h "Content-Type: application/json" && has_b "\"status\":\"ok\""'
	get "$url/api/nope"
	check "$name: unknown /api path gives the JSON 404 ($code)" eval '[ "$code" = 404 ] && has_b "\"code\":\"not_found\""'
	jar=$tmp/$name.jar
	rm -f "$jar"
	tok=$(login "$url" "$jar")
	check "$name: login sets the session cookie" eval '[ -n "$tok" ] && grep -q sb_session "$jar"'
	get "$url/api/auth/me" -b "$jar"
	check "$name: session works (/api/auth/me $code)" eval '[ "$code" = 200 ] && has_b "\"username\":\"$user\""'
	get "$url/api/keys" -b "$jar" -H "x-csrf-token: $tok" -H 'content-type: application/json' -d "{\"name\":\"$name\"}"
	key=$(json_field secret <"$tmp/b")
	check "$name: POST /api/keys ($code)" eval '[ "$code" = 201 ] && [ -n "$key" ]'
	get "$url/api/provider-configs" -b "$jar"
	check "$name: providers.fcgi answers ($code)" eval '[ "$code" = 200 ] && has_b "\"configs\""'
	get "$url/api/usage/summary" -b "$jar"
	check "$name: usage.fcgi answers ($code)" eval '[ "$code" = 200 ]'
	if [ -n "$key" ]; then check_stream "$name" "$url" "$key"; else bad "$name: no key, no stream test"; fi
	[ "$mode" = cgi ] && return
	get "$url/"
	check "$name: static index.html with CSP ($code)" eval '[ "$code" = 200 ] && has_h "Content-Type: text/html" && has_h "Content-Security-Policy: default-src"'
	get "$url/js/api.js"
	check "$name: static JS module ($code)" eval '[ "$code" = 200 ] && has_h "Content-Type: .*javascript" && has_h "Content-Security-Policy:"'
	get "$url/api/health"
	check "$name: CSP on API responses" has_h "Content-Security-Policy: default-src"
}

# Kept FastCGI connections with more requests at once than processes: the
# first four streams leave each of the four chat processes holding a
# connection nginx keeps (keepalive 4); of the next eight, nginx sends four
# on those and opens new connections for the other four. A process must
# serve new connections while it holds a kept one: one that waited only on
# its kept connection left the new ones queued until nginx gave up (300 s).
check_keep_many() {	# URL KEY
	for n in 4 8; do
		i=0 jobs=""
		while [ $i -lt $n ]; do
			curl -s -N --max-time 20 -H "authorization: Bearer $2" -H 'content-type: application/json' \
			    -d "{\"model\":\"$model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" \
			    "$1/v1/chat/completions" >"$tmp/many.$i" &
			jobs="$jobs $!" i=$((i + 1))
		done
		wait $jobs
		ok=$(grep -l '^data: \[DONE\]' "$tmp"/many.* | wc -l)
		rm -f "$tmp"/many.*
		check "nginx-keep: $n streams at once to 4 chat processes over kept connections, all complete ($ok of $n)" [ "$ok" = $n ]
	done
}

# spawn-fcgi puts its four chat processes on one socket: a new connection
# must wake one waiting process, not every idle one (with poll each woke all
# of them, and all but one found nothing to accept: a third more CPU per
# request at one connection). Twenty requests one after another: the process
# woken least was woken fewer than ten times (with poll: at least twenty).
check_one_woken() {	# URL KEY
	woken() { for w in $(cat "$run/spawn-chat.pid"); do awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$w/status"; done; }
	woken >"$tmp/woken"
	i=0
	while [ $i -lt 20 ]; do
		curl -s -o /dev/null -H "authorization: Bearer $2" "$1/v1/models"
		i=$((i + 1))
	done
	least=$(woken | paste "$tmp/woken" - | awk '{ d = $2 - $1; if (NR == 1 || d < m) m = d } END { print m }')
	echo "  nginx: of 4 chat processes on one socket, the least woken woke $least times in 20 requests" >>"$tmp/log/streams"
	check "nginx: 20 requests one after another to 4 chat processes on one socket, the least woken woke $least times (< 10)" \
	    eval '[ -n "$least" ] && [ "$least" -lt 10 ]'
}

# ---- Apache: mod_fcgid (the shipped vhost) and mod_cgid (plain CGI)
apache_conf() {	# PORT NAME MODULES… ; the vhost comes on stdin
	port=$1 name=$2
	shift 2
	mkdir -p "$tmp/apache-$name"
	scripts/apache-conf.sh "$name" "$port" "$run" "$tmp/log/apache-$name-error.log" "$srv" "$@" \
	    >"$tmp/apache-$name/httpd.conf"
}

start_apache() {	# PORT NAME
	if ! port_free "$1"; then bad "apache $2: port $1 in use"; return 1; fi
	if ! apache2 -t -f "$tmp/apache-$2/httpd.conf" >"$tmp/log/apache-$2-t.log" 2>&1; then
		bad "apache $2: config test: $(tail -3 "$tmp/log/apache-$2-t.log")"
		return 1
	fi
	apache2 -f "$tmp/apache-$2/httpd.conf" -k start >>"$tmp/log/apache-$2-t.log" 2>&1
	pids="$pids $run/apache-$2.pid"
	wait_http "http://127.0.0.1:$1/" || { bad "apache $2 did not start"; return 1; }
}

if [ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_fcgid.so ]; then
	p=$base_port
	apache_conf "$p" fcgid fcgid <"${DEPLOY_APACHE_CONF:-conf/apache-switchboard.conf}"
	start_apache "$p" fcgid && check_server apache-fcgid "http://127.0.0.1:$p"
	# Shared hosting: frontend + cgi-bin/ in one document root, .htaccess files.
	p=$((base_port + 3))
	cp -R "$srv/www" "$srv/site"
	cp -R "$srv/cgi-bin" "$srv/site/cgi-bin"
	cp build/chat.fcgi "$srv/site/cgi-bin/chat.cgi"	# the same program, run as CGI
	sed "s|/srv/switchboard|$srv|g" tests/deploy/htaccess-root >"$srv/site/.htaccess"
	apache_conf "$p" htaccess fcgid cgid <tests/deploy/apache-htaccess.conf
	if start_apache "$p" htaccess; then
		check_server apache-htaccess "http://127.0.0.1:$p"
		check_big_body apache-htaccess "http://127.0.0.1:$p" "$key"
	fi
else
	echo "deploy: skipped Apache + mod_fcgid (apache2 or libapache2-mod-fcgid not installed)"
fi

if [ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_cgid.so ]; then
	p=$((base_port + 2))
	apache_conf "$p" cgid cgid <tests/deploy/apache-cgi.conf
	start_apache "$p" cgid && check_server apache-cgi "http://127.0.0.1:$p" cgi
else
	echo "deploy: skipped plain CGI (apache2 not installed)"
fi

# ---- nginx + spawn-fcgi
if command -v nginx >/dev/null 2>&1 && command -v spawn-fcgi >/dev/null 2>&1; then
	p=$((base_port + 1))
	d=$tmp/nginx
	mkdir -p "$d/tmp"
	cp /etc/nginx/fastcgi_params /etc/nginx/mime.types "$d/"
	sed -e "s|/srv/switchboard|$srv|g" -e "s|/run/switchboard|$run|g" \
	    -e "s|listen 127.0.0.1:8080;|listen 127.0.0.1:$p;|" "${DEPLOY_NGINX_CONF:-conf/nginx-switchboard.conf}" >"$d/switchboard.conf"
	{
		echo "daemon off; worker_processes 1; pid $run/nginx.pid; error_log $tmp/log/nginx-error.log warn;"
		[ -n "$web_user" ] && echo "user $web_user;"
		echo "events { worker_connections 256; }"
		echo "http { include mime.types; default_type application/octet-stream; access_log off;"
		for t in client_body fastcgi proxy uwsgi scgi; do echo "  ${t}_temp_path $d/tmp/$t;"; done
		echo "  include switchboard.conf; }"
	} >"$d/nginx.conf"
	spawn_ok=1
	for b in account providers usage chat; do
		n=2
		[ $b = chat ] && n=4
		set -- -s "$run/$b.sock" -F $n -M 0660 -P "$run/spawn-$b.pid"
		[ -n "$web_user" ] && set -- "$@" -u "$web_user" -g "$web_user" -U "$web_user" -G "$web_user"
		SWITCHBOARD_CONFIG=$ini spawn-fcgi "$@" -- "$srv/cgi-bin/$b.fcgi" >>"$tmp/log/spawn.log" 2>&1 || spawn_ok=0
		pids="$pids $run/spawn-$b.pid"
	done
	if [ $spawn_ok = 0 ]; then
		bad "spawn-fcgi: $(tail -2 "$tmp/log/spawn.log")"
	elif ! port_free "$p"; then
		bad "nginx: port $p in use"
	elif ! nginx -t -e "$tmp/log/nginx-error.log" -p "$d/" -c "$d/nginx.conf" >"$tmp/log/nginx-t.log" 2>&1; then
		bad "nginx: config test: $(tail -3 "$tmp/log/nginx-t.log")"
	else
		nginx -e "$tmp/log/nginx-error.log" -p "$d/" -c "$d/nginx.conf" >>"$tmp/log/nginx-t.log" 2>&1 &
		pids="$pids $run/nginx.pid"
		if wait_http "http://127.0.0.1:$p/"; then
			check_server nginx "http://127.0.0.1:$p"
			check_one_woken "http://127.0.0.1:$p" "$key"
		else
			bad "nginx did not start: $(tail -3 "$tmp/log/nginx-error.log")"
		fi
		# The same programs behind kept FastCGI connections (fastcgi_keep_conn,
		# which docs/deploy.md does not recommend): a program must wait for the
		# next request on a connection the web server keeps.
		k=$((base_port + 4))
		kd=$tmp/nginx-keep
		mkdir -p "$kd/tmp"
		cp "$d/fastcgi_params" "$d/mime.types" "$kd/"
		{
			for b in account providers usage chat; do
				n=2
				[ $b = chat ] && n=4	# = its processes (check_keep_many)
				echo "upstream sb_$b { server unix:$run/$b.sock; keepalive $n; }"
			done
			sed -E -e "s|listen 127.0.0.1:$p;|listen 127.0.0.1:$k;|" \
			    -e 's|fastcgi_pass unix:[^;]*/([a-z]+)\.sock;|fastcgi_pass sb_\1; fastcgi_keep_conn on;|' "$d/switchboard.conf"
		} >"$kd/switchboard.conf"
		sed -e "s|$run/nginx.pid|$run/nginx-keep.pid|" -e "s|$d/tmp|$kd/tmp|g" "$d/nginx.conf" >"$kd/nginx.conf"
		if ! port_free "$k"; then
			bad "nginx (kept connections): port $k in use"
		else
			nginx -e "$tmp/log/nginx-error.log" -p "$kd/" -c "$kd/nginx.conf" >>"$tmp/log/nginx-t.log" 2>&1 &
			pids="$pids $run/nginx-keep.pid"
			if wait_http "http://127.0.0.1:$k/"; then
				check_server nginx-keep "http://127.0.0.1:$k"
				check_keep_many "http://127.0.0.1:$k" "$key"
			else
				bad "nginx (kept connections) did not start: $(tail -3 "$tmp/log/nginx-error.log")"
			fi
		fi
	fi
else
	echo "deploy: skipped nginx (nginx or spawn-fcgi not installed)"
fi

[ -f "$tmp/log/streams" ] && cat "$tmp/log/streams"
if [ "$failed" -gt 0 ]; then
	for f in "$tmp"/log/*error.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -5 "$f"; }
	done
fi
echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
