#!/bin/sh
# stack.sh start|stop|status dev|test — a private MariaDB and lighttpd for
# Switchboard, everything under var/ (dev) or var/test-$TEST_SLOT (tests),
# on 127.0.0.1 only. Nothing system-wide is touched. Safe to run twice.
#   dev:  web on $PORT (8080), MariaDB on 33061, programs from cgi-bin/
#   test: web on 28480+10*slot, MariaDB on 28400+slot, ASan programs from build/asan/,
#         mock upstream on 28481+10*slot
#   DB_CLUSTER=galera (test only): the database is a three-node Galera cluster
#         (scripts/galera.sh, SQL on 29001-29003+100*slot) and the programs
#         are given all three hosts, node 1 first (make test-scale)
set -eu
cmd=${1:?usage: stack.sh start|stop|status dev|test}
mode=${2:-dev}
root=$(cd "$(dirname "$0")/.." && pwd)
slot=${TEST_SLOT:-0}

if [ "$mode" = dev ]; then
	var=$root/var
	web_port=${PORT:-8080}
	db_port=${DB_PORT:-33061}
	bindir=$root/cgi-bin
	cli=$root/build/switchboard
	iterations=600000
	addr_limit=50
	test_headers=false
	procs=${PROCS:-2}
	chat_procs=${CHAT_PROCS:-4}
else
	var=$root/var/test-$slot
	web_port=$((28480 + 10 * slot))
	db_port=$((28400 + slot))	# below the ephemeral ports (32768+), which a client may hold
	bindir=$root/build/asan
	cli=$root/build/asan/switchboard
	iterations=20000
	addr_limit=100000	# every test logs in from 127.0.0.1
	test_headers=true	# X-Switchboard-Timeout-Ms / -Heartbeat-Ms
	procs=${PROCS:-2}
	chat_procs=${CHAT_PROCS:-4}
fi
mock_port=$((web_port + 1))
sock=$var/run/mysqld.sock
mycnf=$var/my.cnf
cluster=${DB_CLUSTER:-}
if [ -n "$cluster" ]; then
	[ "$mode" = test ] && [ "$cluster" = galera ] || { echo "DB_CLUSTER=galera is for the test stack only"; exit 2; }
	export GALERA_DIR=$var/galera GALERA_PORT=$((29000 + 100 * slot))	# below the ephemeral range: SST binds late
fi
ini=$var/switchboard.ini

db() { mariadb --defaults-file="$mycnf" -uroot "$@"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$(cat "$1")/status" 2>/dev/null; }

write_mycnf() {
	user_line=""
	[ "$(id -u)" -eq 0 ] && user_line="user = root"
	cat > "$mycnf" <<EOC
[mariadbd]
datadir = $var/db
socket = $sock
pid-file = $var/run/mysqld.pid
log-error = $var/log/mysqld.err
bind-address = 127.0.0.1
port = $db_port
$user_line
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
innodb_flush_log_at_trx_commit = 2
innodb_doublewrite = 0
innodb_buffer_pool_dump_at_shutdown = 0
innodb_buffer_pool_load_at_startup = 0
skip-log-bin
# A few threads serve every connection's statements: fewer thread wake-ups per
# request than one thread per connection (bench/RESULTS.md, stop 25).
thread_handling = pool-of-threads
# The change-stamps statement every chat request runs asks for the query
# cache (SQL_CACHE); nothing else does. Every write to its table empties it.
query_cache_type = DEMAND
query_cache_size = 1M
max_connections = 200
[client]
socket = $sock
port = $db_port
EOC
}

# wait_for TRIES MESSAGE COMMAND…: retry COMMAND every 0.1 s; give up with MESSAGE.
wait_for() {
	tries=$1 msg=$2
	shift 2
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt "$tries" ] && { echo "$msg"; exit 1; }
		sleep 0.1
	done
}

# A port held by another program (another checkout's stack?) is a clear error.
port_free() {	# PORT WHAT
	if ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; then
		echo "port $1 ($2) is in use by another program; stop it, or use another PORT / TEST_SLOT"
		exit 1
	fi
}

start_db() {
	mkdir -p "$var/run" "$var/log"
	if [ -n "$cluster" ]; then
		"$root/scripts/galera.sh" start
		ln -sf "$GALERA_DIR/n1/my.cnf" "$mycnf"	# the tests' SQL goes to node 1
		return
	fi
	pid_alive "$var/run/mysqld.pid" || port_free "$db_port" MariaDB
	mkdir -p "$var/db"
	# Written afresh for each start, so that a changed setting reaches an old checkout.
	pid_alive "$var/run/mysqld.pid" && [ -f "$mycnf" ] || { rm -f "$mycnf"; write_mycnf; }
	if [ ! -d "$var/db/mysql" ]; then
		mariadb-install-db --defaults-file="$mycnf" --auth-root-authentication-method=normal \
			--skip-test-db >"$var/log/install-db.log" 2>&1 || { cat "$var/log/install-db.log"; exit 1; }
	fi
	if ! pid_alive "$var/run/mysqld.pid"; then
		/usr/sbin/mariadbd --defaults-file="$mycnf" >"$var/log/mysqld.stdout" 2>&1 &
	fi
	wait_for 300 "MariaDB did not start; see $var/log/mysqld.err" \
	    mariadb-admin --defaults-file="$mycnf" -uroot ping
}

# Database, application user and the INI file, created once.
bootstrap() {
	[ -f "$var/db-password" ] || openssl rand -hex 16 > "$var/db-password"
	chmod 600 "$var/db-password"
	pw=$(cat "$var/db-password")
	db <<EOS
CREATE DATABASE IF NOT EXISTS switchboard CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'switchboard'@'localhost' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'switchboard'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, CREATE VIEW ON switchboard.* TO 'switchboard'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES, CREATE VIEW ON switchboard.* TO 'switchboard'@'127.0.0.1';
EOS
	if [ ! -f "$ini" ]; then
		umask 077
		sed -e "s|@SOCKET@|$sock|" -e "s|@PORT@|$db_port|" -e "s|@PASSWORD@|$pw|" \
		    -e "s|@KEY@|$(openssl rand -hex 32)|" -e "s|@SQL_DIR@|$root/sql|" \
		    -e "s|@ITERATIONS@|$iterations|" -e "s|@ADDR_LIMIT@|$addr_limit|" -e "s|@METRICS_TOKEN@|$(openssl rand -hex 16)|" \
		    -e "s|@TEST_HEADERS@|$test_headers|" \
		    "$root/conf/switchboard.ini.in" > "$ini"
		[ -n "$cluster" ] && sed -i -e "s|^host = localhost\$|host = 127.0.0.1:$((GALERA_PORT + 1)), 127.0.0.1:$((GALERA_PORT + 2)), 127.0.0.1:$((GALERA_PORT + 3))\nsync_wait = true|" \
		    -e "s|^socket = .*|socket =|" "$ini"
		umask 022
	fi
	SWITCHBOARD_CONFIG=$ini "$cli" migrate >"$var/log/migrate.log" 2>&1 || { cat "$var/log/migrate.log"; exit 1; }
}

# Leave out the programs that are not built (yet).
drop_missing() {
	awk -v bin="$bindir" '
		/^#begin / { name = $2; skip = system("test -x " bin "/" name ".fcgi") != 0 }
		!skip { print }
		/^#end / { skip = 0 }'
}

start_web() {
	asan=""
	[ "$mode" = test ] && asan="detect_leaks=1:log_path=$var/log/asan:abort_on_error=0"
	sed -e "s|@ROOT@|$root|g" -e "s|@VAR@|$var|g" -e "s|@PORT@|$web_port|g" -e "s|@BIN@|$bindir|g" \
	    -e "s|@INI@|$ini|g" -e "s|@PROCS@|$procs|g" -e "s|@CHAT_PROCS@|$chat_procs|g" -e "s|@ASAN@|$asan|g" \
	    "$root/conf/lighttpd.conf.in" | drop_missing > "$var/lighttpd.conf"
	lighttpd -tt -f "$var/lighttpd.conf" >/dev/null
	# Restart so freshly built programs and config take effect.
	stop_pid "$var/run/lighttpd.pid"
	port_free "$web_port" lighttpd
	lighttpd -f "$var/lighttpd.conf"
	wait_for 100 "lighttpd did not answer; see $var/log/lighttpd-error.log" \
	    curl -fsS -o /dev/null "http://127.0.0.1:$web_port/api/health"
}

start_mock() {
	if ! pid_alive "$var/run/mock.pid"; then
		port_free "$mock_port" "mock upstream"
		node "$root/tests/mock-upstream/server.mjs" --port "$mock_port" >"$var/log/mock.log" 2>&1 &
		echo $! > "$var/run/mock.pid"
	fi
	wait_for 100 "mock upstream did not start; see $var/log/mock.log" \
	    curl -fsS -o /dev/null "http://127.0.0.1:$mock_port/_mock/health"
}

stop_pid() {
	f=$1
	if pid_alive "$f"; then
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
			i=$((i + 1))
			[ $i -gt 100 ] && { kill -KILL "$pid" 2>/dev/null || true; break; }
			sleep 0.1
		done
	fi
	rm -f "$f"
}

stop_all() {
	[ -z "$cluster" ] || "$root/scripts/galera.sh" stop
	[ -d "$var/run" ] || return 0
	stop_pid "$var/run/lighttpd.pid"
	stop_pid "$var/run/mock.pid"
	stop_pid "$var/run/mysqld.pid"
	rm -f "$sock"
}

case $cmd in
start)
	start_db
	bootstrap
	start_web
	if [ "$mode" = test ]; then
		start_mock
		echo "BASE_URL=http://127.0.0.1:$web_port"
		echo "MOCK_URL=http://127.0.0.1:$mock_port"
		echo "VAR=$var"
		[ -z "$cluster" ] || echo "GALERA_DIR=$GALERA_DIR GALERA_PORT=$GALERA_PORT"
	else
		echo
		echo "Switchboard is running at http://127.0.0.1:$web_port/"
		echo "  Open it in a browser to create the first administrator, or from a shell:"
		echo "    echo 'a-long-password' | SWITCHBOARD_CONFIG=$ini build/switchboard user add admin --admin"
		echo "  Health: curl http://127.0.0.1:$web_port/api/health     Stop: make stop"
	fi
	;;
stop)
	stop_all
	;;
reset)
	stop_all
	rm -rf "$var"
	;;
status)
	pid_alive "$var/run/mysqld.pid" && echo "mariadb: running" || echo "mariadb: stopped"
	pid_alive "$var/run/lighttpd.pid" && echo "lighttpd: running on $web_port" || echo "lighttpd: stopped"
	;;
*)
	echo "usage: stack.sh start|stop|reset|status dev|test" >&2
	exit 2
	;;
esac
