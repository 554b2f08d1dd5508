#!/bin/sh
# run.sh all|unit|integration|browser|valgrind [test files…]
# (all = lint, unit, a short fuzz run, integration, deploy, browser,
# valgrind + soak, the secrets scan)
# Runs the suite against a throwaway stack (scripts/stack.sh … test, slot
# $TEST_SLOT) and ends with one line: "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
what=${1:-all}
[ $# -gt 0 ] && shift
slot=${TEST_SLOT:-0}
var=$root/var/test-$slot
passed=0
failed=0
log=$var/log/run.log

count() {	# count PASSED FAILED LABEL
	passed=$((passed + $1))
	failed=$((failed + $2))
	[ "$2" -gt 0 ] && echo "FAILED: $3 ($2)"
	return 0
}

run_unit() {
	for t in build/asan/tests/test_*; do
		[ -x "$t" ] || continue
		out=$(ASAN_OPTIONS=detect_leaks=1 "$t" 2>&1)
		line=$(printf '%s\n' "$out" | grep -E '^[a-z_]+: [0-9]+ passed, [0-9]+ failed$' | tail -1)
		if [ -z "$line" ]; then
			printf '%s\n' "$out" | tail -20
			count 0 1 "$t (no summary: crashed?)"
			continue
		fi
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
		[ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -v ' passed, ' | tail -20
		echo "$line"
		count "$p" "$f" "$t"
	done
}

ensure_node_modules() {
	[ -f tests/package.json ] || return 0
	if [ ! -d tests/node_modules ] || [ tests/package.json -nt tests/node_modules ]; then
		if [ -f tests/package-lock.json ]; then
			npm ci --prefix tests --no-audit --no-fund --silent >/dev/null 2>&1 ||
				npm install --prefix tests --no-audit --no-fund --silent >/dev/null 2>&1
		else
			npm install --prefix tests --no-audit --no-fund --silent >/dev/null 2>&1
		fi
		touch tests/node_modules 2>/dev/null || true
	fi
}

# The real agents (Claude Code, Codex CLI) for make test-agents, in their own
# git-ignored folder: several hundred MB the other suites do not need.
ensure_agents() {
	[ -x tests/agents/node_modules/.bin/claude ] && [ -x tests/agents/node_modules/.bin/codex ] &&
		[ ! tests/agents/package.json -nt tests/agents/node_modules ] && return 0
	npm install --prefix tests/agents --no-audit --no-fund --silent >/dev/null 2>&1
	touch tests/agents/node_modules 2>/dev/null || true
}

start_stack() {
	scripts/stack.sh reset test >/dev/null 2>&1
	env_out=$(scripts/stack.sh start test) || { echo "$env_out"; echo "0 passed, 1 failed"; exit 1; }
	eval "export $(echo "$env_out" | grep -E '^(BASE_URL|MOCK_URL|VAR|GALERA_DIR)=' | tr '\n' ' ')"
	export SWITCHBOARD_CONFIG="$var/switchboard.ini" MYCNF="$var/my.cnf" CLI="$root/build/asan/switchboard"
	export ROOT="$root"
}

stop_stack() {
	scripts/stack.sh stop test >/dev/null 2>&1
}

# node:test with the TAP reporter; counts its "# pass"/"# fail" lines.
run_node() {	# LABEL FILES…
	label=$1
	shift
	[ $# -gt 0 ] || return 0
	node --test --test-concurrency=1 --test-reporter=tap "$@" >"$var/log/$label.tap" 2>&1
	p=$(grep -E '^# pass [0-9]+' "$var/log/$label.tap" | tail -1 | awk '{print $3}')
	f=$(grep -E '^# fail [0-9]+' "$var/log/$label.tap" | tail -1 | awk '{print $3}')
	if [ -z "$p" ]; then
		tail -30 "$var/log/$label.tap"
		count 0 1 "$label (runner crashed)"
		return
	fi
	if [ "$f" -gt 0 ]; then
		grep -E '^ *not ok|^ +(error|message|expected|actual|location):' "$var/log/$label.tap" | head -60
	fi
	echo "$label: $p passed, $f failed"
	count "$p" "$f" "$label"
}

# Integration files: the outage test stops MariaDB, so it runs on its own after
# all the others (whatever the file names), when it is among them.
run_integration() {	# FILES…
	first=""
	last=""
	for f in "$@"; do
		case $f in
		*/database_outage.test.mjs) last=$f ;;
		*) first="$first $f" ;;
		esac
	done
	# shellcheck disable=SC2086
	run_node integration $first
	[ -n "$last" ] && run_node integration-outage "$last"
	return 0
}

# Sanitizer reports written by the FastCGI programs during the run.
check_asan_logs() {
	n=0
	for f in "$var"/log/asan.*; do
		[ -s "$f" ] || continue
		echo "sanitizer report: $f"
		head -30 "$f"
		n=$((n + 1))
	done
	if grep -q "runtime error:" "$var/log/lighttpd-error.log" 2>/dev/null; then
		grep "runtime error:" "$var/log/lighttpd-error.log" | head -10
		n=$((n + 1))
	fi
	echo "sanitizers: $((n == 0)) passed, $n failed"
	count $((n == 0)) "$n" "sanitizer reports"
}

# The non-sanitized build under valgrind: unit tests, and each program as
# plain CGI for a request; any report fails.
run_valgrind() {
	command -v valgrind >/dev/null || { count 0 1 "valgrind missing"; return; }
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	p=0
	f=0
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		if $vg "$t" >"$var/log/vg.out" 2>&1; then p=$((p + 1)); else f=$((f + 1)); echo "valgrind: $t"; tail -20 "$var/log/vg.out"; fi
	done
	echo "valgrind: $p passed, $f failed"
	count "$p" "$f" "valgrind"
	run_script soak tests/soak.sh "$var"
}

# A script of ours that ends with "LABEL: N passed, N failed": its output goes
# to log/LABEL.log, its other lines (up to 40) and the summary to the screen.
run_script() {	# LABEL COMMAND…
	label=$1
	shift
	"$@" >"$var/log/$label.log" 2>&1
	line=$(grep -E "^$label: [0-9]+ passed, [0-9]+ failed$" "$var/log/$label.log" | tail -1)
	grep -vE "^$label: |^ok |^skip" "$var/log/$label.log" | head -40
	echo "${line:-$label: no summary line (crashed?)}"
	p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed.*/\1/p')
	f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed$/\1/p')
	count "${p:-0}" "${f:-1}" "$label"
}

run_lint() {
	if scripts/lint.sh >"$var/log/lint.log" 2>&1; then
		echo "lint: 1 passed, 0 failed"; count 1 0 lint
	else
		cat "$var/log/lint.log"; count 0 1 lint
	fi
}

mkdir -p "$var/log"
case $what in
unit)
	run_unit
	;;
integration|browser|all|valgrind|agents)
	[ "$what" = unit ] || ensure_node_modules
	[ "$what" = agents ] && ensure_agents
	[ "$what" = all ] && run_lint && run_unit && run_script fuzz tests/fuzz/run.sh "${FUZZ_SECONDS:-5}"
	start_stack
	if [ $# -gt 0 ] && [ "$what" = integration ]; then
		run_integration "$@"
	elif [ $# -gt 0 ]; then
		run_node "$what" "$@"
	else
		case $what in
		all)
			run_node mock tests/mock-upstream/selftest.mjs
			run_integration tests/integration/*.test.mjs
			run_script deploy tests/deploy.sh
			[ -n "$(ls tests/browser/*.test.mjs 2>/dev/null)" ] && run_node browser tests/browser/*.test.mjs
			run_valgrind
			run_script secrets tests/secrets_scan.sh "$var"
			;;
		integration) run_integration tests/integration/*.test.mjs ;;
		browser) run_node browser tests/browser/*.test.mjs ;;
		agents) run_node agents tests/agents/*.test.mjs ;;
		valgrind) run_valgrind ;;
		esac
	fi
	stop_stack
	check_asan_logs
	;;
*)
	echo "usage: tests/run.sh all|unit|integration|browser|valgrind|agents [files…]" >&2
	exit 2
	;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
