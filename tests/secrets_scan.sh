#!/bin/sh
# secrets_scan.sh VAR: after the suite, proves that no secret a test sent or
# received (VAR/secrets.seen, written by tests/integration/lib.mjs: passwords,
# provider keys, gateway keys, session tokens) appears in plain text in a dump
# of the database or in any log the stack wrote. The mock upstream's log is
# the provider's side and is left out, as are the test runners' own outputs.
# Ends with "secrets: N passed, N failed".
set -u
var=$1
seen=$var/secrets.seen
dump=$var/secrets-dump.sql
if [ ! -s "$seen" ]; then
	echo "no secrets recorded in $seen: the integration tests did not run"
	echo "secrets: 0 passed, 1 failed"
	exit 1
fi
if ! mariadb-dump --defaults-file="$var/my.cnf" -uroot --skip-extended-insert \
    switchboard >"$dump" 2>"$var/log/secrets-dump.err"; then
	cat "$var/log/secrets-dump.err"
	echo "secrets: 0 passed, 1 failed"
	exit 1
fi
files=$dump
for f in "$var"/log/*; do
	case ${f##*/} in
	*.tap | mock.log | deploy.log | soak.log | fuzz.log | lint.log | run.log | vg.out | secrets*) ;;
	*) [ -f "$f" ] && files="$files $f" ;;
	esac
done
sort -u "$seen" >"$seen.sorted"
n=$(wc -l <"$seen.sorted")
# shellcheck disable=SC2086
hits=$(grep -F -l -f "$seen.sorted" $files 2>/dev/null)
if [ -n "$hits" ]; then
	for f in $hits; do
		echo "plaintext secret in $f:"
		grep -F -o -f "$seen.sorted" "$f" | sort -u | sed -E 's/^(.{4}).*/  \1… (masked here)/' | head -5
	done
	echo "secrets: 0 passed, 1 failed"
	exit 1
fi
rm -f "$dump"
echo "checked $n secrets against the database dump and $(echo "$files" | wc -w) files"
echo "secrets: 1 passed, 0 failed"
