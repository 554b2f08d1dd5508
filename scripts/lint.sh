#!/bin/sh
# lint.sh: bans the calls and patterns the house style forbids. Prints each
# hit and exits non-zero if there is any.
cd "$(dirname "$0")/.." || exit 2
rc=0
hit() { echo "lint: $1"; echo "$2"; rc=1; }
out=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|system|popen)\s*\(' src/*.c src/adapters/*.c 2>/dev/null)
[ -n "$out" ] && hit "banned C calls" "$out"
out=$(grep -nE 'snprintf\([^;]*(SELECT|INSERT|UPDATE|DELETE) ' src/*.c src/adapters/*.c 2>/dev/null)
[ -n "$out" ] && hit "SQL built with printf" "$out"
out=$(grep -rnE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(' www --include=*.js --include=*.html 2>/dev/null | grep -v '^www/vendor/' | grep -vE '^[^:]+:[0-9]+:\s*(//|\*)')
[ -n "$out" ] && hit "unsafe DOM/script APIs in www/" "$out"
out=$(grep -rnE '<script>|<script [^>]*>[^<]|\son[a-z]+="|\sstyle="' www --include=*.html 2>/dev/null)
[ -n "$out" ] && hit "inline script or handler in www/" "$out"
[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
