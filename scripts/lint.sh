#!/bin/sh
# lint.sh: bans the calls and patterns the house style forbids and checks the
# layering of src/ (docs/framework.md). Prints each hit and exits non-zero if
# there is any, or if it found no sources to check.
cd "$(dirname "$0")/.." || exit 2
rc=0
hit() { echo "lint: $1"; echo "$2"; rc=1; }
srcs=$(find src -name '*.c' | sort)
hdrs=$(find src include -name '*.h' | sort)
[ -z "$srcs" ] && { echo "lint: no C sources found under src/"; exit 1; }
# shellcheck disable=SC2086
out=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|system|popen)\s*\(' $srcs $hdrs)
[ -n "$out" ] && hit "banned C calls" "$out"
# shellcheck disable=SC2086
out=$(grep -nE 'snprintf\([^;]*(SELECT|INSERT|UPDATE|DELETE) ' $srcs)
[ -n "$out" ] && hit "SQL built with printf" "$out"
out=$(find src -maxdepth 1 -name '*.c')
[ -n "$out" ] && hit "C files outside the layer folders of src/" "$out"

# Layering: a file includes only headers of its own folder, of folders below
# it, or include/ headers that belong to those folders.
lib_h="buf error fixed hex json log sse csv prom tzbucket report netcheck price sbconst"
core_h="$lib_h config db http server vault auth account migrate egress install lease stamp nodestamp audit"
providers_h="$core_h catalog sync modellist prices"
adapters_h="$providers_h adapter"
ingress_h="$adapters_h ingress"
chat_h="$ingress_h chat route circuit chatcache inflight quota respstore spool usage"
reports_h="$chat_h usageapi usagerep rollup budget metrics health cron alerts"
check_layer() {	# FOLDER ALLOWED-HEADER-NAMES
	for f in $(find "src/$1" -maxdepth 1 -name '*.[ch]'); do
		for inc in $(sed -nE 's/^#include "([^"]+)\.h".*/\1/p' "$f"); do
			[ -f "$(dirname "$f")/$inc.h" ] && continue	# a private header beside it
			case " $2 " in *" $inc "*) ;; *) hit "layering" "$f includes $inc.h, outside what src/$1 may use" ;; esac
		done
	done
}
check_layer lib "$lib_h"
check_layer core "$core_h"
check_layer providers "$providers_h"
check_layer chat/adapters "$adapters_h"
check_layer chat/ingress "$ingress_h"
check_layer chat "$chat_h"
check_layer reports "$reports_h"

out=$(grep -rnE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(' www --include=*.js --include=*.html 2>/dev/null | grep -v '^www/vendor/' | grep -vE '^[^:]+:[0-9]+:\s*(//|\*)')
[ -n "$out" ] && hit "unsafe DOM/script APIs in www/" "$out"
out=$(grep -rnE '<script>|<script [^>]*>[^<]|\son[a-z]+="|\sstyle="' www --include=*.html 2>/dev/null)
[ -n "$out" ] && hit "inline script or handler in www/" "$out"
# Migrations within what MySQL 8.0, MariaDB 10.5+ and Galera accept: every
# CREATE TABLE is InnoDB with a primary key; nothing relies on GET_LOCK,
# LOCK TABLES or SELECT … FOR UPDATE (comments aside) in sql/ or src/.
out=$(for f in sql/*.sql; do
	sed 's/--.*$//' "$f" | tr '\n' ' ' | tr ';' '\n' | grep -i 'CREATE TABLE' |
	    grep -viE 'ENGINE=InnoDB' | sed "s|^|$f: not InnoDB: |" | cut -c1-120
	sed 's/--.*$//' "$f" | tr '\n' ' ' | tr ';' '\n' | grep -i 'CREATE TABLE' |
	    grep -viE 'PRIMARY KEY' | sed "s|^|$f: no primary key: |" | cut -c1-120
done)
[ -n "$out" ] && hit "cluster-unsafe tables in sql/" "$out"
out=$( (sed 's/--.*$//' sql/*.sql; find src -name '*.c' -exec grep -hE '^\s*"' {} +) |
    grep -inE 'GET_LOCK|LOCK TABLES|FOR UPDATE')
[ -n "$out" ] && hit "locking that Galera does not honour across nodes" "$out"
# Auto-increment ids have gaps and follow no time order on a cluster (steps
# of the node count): an id may break a tie, never be the order itself.
out=$(find src -name '*.c' -exec grep -nHE 'ORDER BY ([a-z_]+\.)?id\b' {} +)
[ -n "$out" ] && hit "ordered by an auto-increment id" "$out"
[ $rc -eq 0 ] && echo "lint: clean ($(echo "$srcs" | wc -l) C files)"
exit $rc
