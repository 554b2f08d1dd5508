#!/bin/sh
# apache-conf.sh NAME PORT RUN LOG SRV MODULE…: prints a private httpd.conf
# around a virtual host read from stdin (conf/apache-switchboard.conf or one
# like it): Apache on 127.0.0.1:PORT with its pid file, mutexes and mod_fcgid /
# mod_cgid sockets in RUN, its error log in LOG, /srv/switchboard replaced by
# SRV, and the given modules loaded besides the few every vhost needs (the
# directives of fcgid or cgid are dropped when that module is not given). As
# root its children run as www-data, so RUN must be theirs. Used by
# tests/deploy.sh and bench/chat.sh.
set -eu
name=$1 port=$2 run=$3 log=$4 srv=$5
shift 5
unused() {	# the directive prefix of an unloaded module (fcgid, cgid)
	case " $* " in *" fcgid "*) ;; *) echo Fcgid; return ;; esac
	case " $* " in *" cgid "*) echo "^NONE^" ;; *) echo ScriptSock ;; esac
}
{
	echo "ServerRoot $run"
	echo "Listen 127.0.0.1:$port"
	echo "ServerName 127.0.0.1"
	echo "PidFile $run/apache-$name.pid"
	echo "ErrorLog $log"
	echo "LogLevel warn"
	[ "$(id -u)" -eq 0 ] && printf 'User www-data\nGroup www-data\n'
	for m in mpm_event authz_core mime dir env rewrite headers "$@"; do
		echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
	done
	echo "TypesConfig /etc/mime.types"
	echo "AddType text/javascript .js .mjs"
	echo "Mutex file:$run default"
	echo "<Directory />"
	echo "    AllowOverride None"
	echo "    Require all denied"
	echo "</Directory>"
	echo "FcgidIPCDir $run/fcgid-$name"
	echo "FcgidProcessTableFile $run/fcgid-$name.shm"
	echo "ScriptSock $run/cgid-$name.sock"
	sed -e "s|/srv/switchboard|$srv|g" -e "s|<VirtualHost \*:80>|<VirtualHost 127.0.0.1:$port>|"
} | grep -v "$(unused "$@")"
