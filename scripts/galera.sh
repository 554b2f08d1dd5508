#!/bin/sh
# galera.sh start|stop|kill N|start-node N|status|sql N QUERY — a three-node
# MariaDB Galera cluster on 127.0.0.1 for make test-scale (scripts/stack.sh
# starts it when DB_CLUSTER=galera). Everything lives under $GALERA_DIR/nN;
# nothing system-wide is touched. Node N listens for SQL on $GALERA_PORT+N
# and for Galera on $GALERA_PORT+10N (+1 IST, +2 SST), all on 127.0.0.1.
# The pitfalls it avoids are in docs/scaling.md: SST as root needs
# mariabackup, gmcast.listen_addr keeps Galera off 0.0.0.0, and a node that
# died restarts from its recovered position (IST) instead of a full copy.
set -eu
cmd=${1:?usage: galera.sh start|stop|kill N|start-node N|status|sql N QUERY}
dir=${GALERA_DIR:?GALERA_DIR must name the cluster folder}
base=${GALERA_PORT:?GALERA_PORT must be set}
nodes="1 2 3"

cnf() { echo "$dir/n$1/my.cnf"; }
sql_port() { echo $((base + $1)); }
gcomm_port() { echo $((base + 10 * $1)); }
node_sql() { n=$1; shift; mariadb --defaults-file="$(cnf "$n")" -uroot -N -B "$@"; }
pid_of() { cat "$dir/n$1/run.pid" 2>/dev/null || true; }
running() { p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

write_cnf() {	# N
	n=$1
	user_line=""
	[ "$(id -u)" -eq 0 ] && user_line="user = root"
	peers="127.0.0.1:$(gcomm_port 1),127.0.0.1:$(gcomm_port 2),127.0.0.1:$(gcomm_port 3)"
	g=$(gcomm_port "$n")
	mkdir -p "$dir/n$n/data"
	cat > "$(cnf "$n")" <<EOC
[mariadbd]
$user_line
datadir = $dir/n$n/data
socket = $dir/n$n/mysqld.sock
pid-file = $dir/n$n/mysqld.pid
log-error = $dir/n$n/error.log
port = $(sql_port "$n")
bind-address = 127.0.0.1
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
innodb_flush_log_at_trx_commit = 2
innodb_buffer_pool_dump_at_shutdown = 0
innodb_buffer_pool_load_at_startup = 0
max_connections = 200
query_cache_type = DEMAND
query_cache_size = 1M
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = /usr/lib/galera/libgalera_smm.so
wsrep_cluster_name = switchboard-test
wsrep_cluster_address = gcomm://$peers
wsrep_node_name = n$n
wsrep_node_address = 127.0.0.1:$g
wsrep_provider_options = "gmcast.listen_addr=tcp://127.0.0.1:$g;base_host=127.0.0.1;base_port=$g;ist.recv_addr=127.0.0.1:$((g + 1));gcache.size=64M;evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S"
wsrep_sst_receive_address = 127.0.0.1:$((g + 2))
wsrep_sst_method = mariabackup
wsrep_slave_threads = 2
wsrep_mode = REQUIRED_PRIMARY_KEY
[sst]
sst-log-archive = 0
[client]
socket = $dir/n$n/mysqld.sock
port = $(sql_port "$n")
EOC
}

# wait_state N STATE TRIES: poll the node's wsrep state every 0.2 s.
wait_state() {
	i=0
	until [ "$(node_sql "$1" -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)" = "$2" ]; do
		i=$((i + 1))
		if [ $i -gt "$3" ] || ! running "$1"; then
			echo "galera node $1 did not reach $2; see $dir/n$1/error.log"
			tail -20 "$dir/n$1/error.log" 2>/dev/null
			exit 1
		fi
		sleep 0.2
	done
}

# Start node N as a joiner. After a crash its grastate says seqno -1: recover
# the position from InnoDB first (what Debian's galera_recovery does), so the
# join is an incremental transfer rather than a full copy.
start_joiner() {
	n=$1
	running "$n" && return 0
	[ -f "$(cnf "$n")" ] || write_cnf "$n"
	pos=""
	if [ -d "$dir/n$n/data/mysql" ]; then
		/usr/sbin/mariadbd --defaults-file="$(cnf "$n")" --wsrep-recover \
		    --log-error="$dir/n$n/recover.log" >/dev/null 2>&1 || true
		pos=$(sed -n 's/.*Recovered position: *//p' "$dir/n$n/recover.log" 2>/dev/null | tail -1)
	fi
	/usr/sbin/mariadbd --defaults-file="$(cnf "$n")" ${pos:+--wsrep-start-position=$pos} \
	    >"$dir/n$n/stdout.log" 2>&1 &
	echo $! >"$dir/n$n/run.pid"
	wait_state "$n" Synced 600
}

# Start a cluster none of whose nodes runs: bootstrap from the node Galera
# marked safe (the last one to stop), or node 1 on a fresh folder.
bootstrap() {
	first=1
	for n in $nodes; do
		grep -qs '^safe_to_bootstrap: 1' "$dir/n$n/data/grastate.dat" && first=$n
	done
	[ -f "$(cnf "$first")" ] || write_cnf "$first"
	if [ ! -d "$dir/n$first/data/mysql" ]; then
		mariadb-install-db --defaults-file="$(cnf "$first")" --auth-root-authentication-method=normal \
		    --skip-test-db >"$dir/n$first/install-db.log" 2>&1 || { cat "$dir/n$first/install-db.log"; exit 1; }
	else
		sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$dir/n$first/data/grastate.dat" 2>/dev/null || true
	fi
	/usr/sbin/mariadbd --defaults-file="$(cnf "$first")" --wsrep-new-cluster >"$dir/n$first/stdout.log" 2>&1 &
	echo $! >"$dir/n$first/run.pid"
	wait_state "$first" Synced 300
}

start_all() {
	mkdir -p "$dir"
	for n in $nodes; do
		ss -ltnH "sport = :$(sql_port "$n")" 2>/dev/null | grep -q . && ! running "$n" &&
			{ echo "port $(sql_port "$n") is in use by another program; use another TEST_SLOT"; exit 1; }
		[ -f "$(cnf "$n")" ] || write_cnf "$n"
	done
	up=""
	for n in $nodes; do running "$n" && up=$n; done
	[ -n "$up" ] || bootstrap
	for n in $nodes; do start_joiner "$n"; done
	[ "$(node_sql 1 -e "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2)" = 3 ] ||
		{ echo "galera: cluster size is not 3"; exit 1; }
}

stop_node() {
	running "$1" || return 0
	p=$(pid_of "$1")
	kill -TERM "$p" 2>/dev/null || true
	i=0
	while kill -0 "$p" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && { kill -KILL "$p" 2>/dev/null || true; break; }
		sleep 0.1
	done
}

case $cmd in
start) start_all ;;
stop) for n in 3 2 1; do stop_node "$n"; done ;;
kill) p=$(pid_of "${2:?node}"); [ -n "$p" ] && kill -KILL "$p" && while kill -0 "$p" 2>/dev/null; do sleep 0.05; done ;;
start-node) start_joiner "${2:?node}" ;;
status)
	for n in $nodes; do
		if running "$n"; then
			echo "n$n: $(node_sql "$n" -e "SHOW STATUS WHERE Variable_name IN
			    ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status')" | cut -f2 | tr '\n' ' ')"
		else
			echo "n$n: stopped"
		fi
	done
	;;
sql) n=${2:?node}; shift 2; node_sql "$n" switchboard -e "$*" ;;
*) echo "usage: galera.sh start|stop|kill N|start-node N|status|sql N QUERY" >&2; exit 2 ;;
esac
