#!/bin/sh
# dist.sh BUNDLE.tar.gz: proves the upload-and-go bundle runs on a host that
# has none of our libraries. The bundle is unpacked into an otherwise empty
# directory holding only a static shell (Debian's busybox-static as /bin/sh),
# and each program runs there under chroot as plain CGI (the request in the
# environment, the body on stdin) against the test stack's MariaDB over TCP
# and the mock upstream: health, first-run setup, login, a gateway key, a
# provider config and a chat. Every ELF file in the bundle must find all it
# needs inside the bundle. The install itself is the web installer's, with a
# database user such as a hosting panel gives (ALL on one database, TCP,
# password): token, database check, install (tables, master key, config
# file). Needs root (chroot). Ends with "dist: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
bundle=${1:?usage: tests/dist.sh BUNDLE.tar.gz}
slot=${TEST_SLOT:-10}
passed=0
failed=0
jail=""

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }
check() {	# LABEL COND…
	label=$1
	shift
	if "$@"; then ok; else bad "$label"; fi
}
finish() {
	[ -n "$jail" ] && [ -z "${DIST_KEEP:-}" ] && rm -rf "$jail"
	TEST_SLOT=$slot scripts/stack.sh stop test >/dev/null 2>&1
	echo "dist: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

if [ "$(id -u)" -ne 0 ] || ! [ -x /bin/busybox ]; then
	bad "needs root (chroot) and busybox-static (/bin/busybox)"
	finish
	exit 1
fi

# ---- every ELF finds its libraries inside the bundle
jail=$(mktemp -d /tmp/sb-dist.XXXXXX)
mkdir -p "$jail/bin" "$jail/etc" "$jail/tmp" "$jail/dev" "$jail/app"
tar -C "$jail/app" --strip-components=1 -xzf "$bundle" || { bad "unpack $bundle"; finish; exit 1; }
missing=""
for f in "$jail"/app/lib/*.bin "$jail"/app/lib/*.so* "$jail"/app/lib/plugin/*.so; do
	for need in $(readelf -d "$f" 2>/dev/null | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
		[ -f "$jail/app/lib/$need" ] || missing="$missing ${f##*/}:$need"
	done
done
check "every ELF's NEEDED libraries are in lib/:$missing" [ -z "$missing" ]
check "the bundle holds no master key (only the all-zero placeholder, refused at load)" \
    sh -c "! grep -rhs '^key_[0-9]* *= *[0-9a-f]\{64\}' '$jail/app' | grep -qv '= *0\{64\}$'"

# ---- the jail: a static shell, /dev/null, /etc/hosts; nothing else
cp /bin/busybox "$jail/bin/busybox"
ln -s busybox "$jail/bin/sh"
mknod -m 666 "$jail/dev/null" c 1 3
mknod -m 444 "$jail/dev/urandom" c 1 9
echo "127.0.0.1 localhost" >"$jail/etc/hosts"
chmod 1777 "$jail/tmp"

# ---- the test stack: MariaDB (TCP) and the mock upstream
TEST_SLOT=$slot scripts/stack.sh reset test >/dev/null 2>&1
env_out=$(TEST_SLOT=$slot scripts/stack.sh start test) || { bad "stack: $env_out"; finish; exit 1; }
var=$(echo "$env_out" | sed -n 's/^VAR=//p')
mock=$(echo "$env_out" | sed -n 's/^MOCK_URL=//p')
db_port=$((28400 + slot))	# below the ephemeral ports (32768+), which a client may hold
# What a hosting panel gives: an empty database and a user with ALL on it and
# nothing else (no global privileges), over TCP with a password.
dbq() { mariadb --defaults-file="$var/my.cnf" -uroot -N -e "$1"; }
panel_pw=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
dbq "DROP DATABASE IF EXISTS sb_panel; CREATE DATABASE sb_panel CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
     DROP USER IF EXISTS 'panel'@'127.0.0.1'; CREATE USER 'panel'@'127.0.0.1' IDENTIFIED BY '$panel_pw';
     GRANT ALL ON sb_panel.* TO 'panel'@'127.0.0.1';"

out=$jail/out
chroot_bin=$(command -v chroot)
cgi() {	# PROGRAM METHOD URI [BODY [COOKIE [CSRF [AUTH]]]]: the response in $out
	body=${4:-}
	printf '%s' "$body" | env -i PATH=/bin SWITCHBOARD_CONFIG=/app/private/switchboard.ini \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 SERVER_NAME=localhost SERVER_PORT=80 \
	    REMOTE_ADDR=127.0.0.1 REQUEST_METHOD="$2" REQUEST_URI="$3" SCRIPT_NAME="$3" QUERY_STRING= \
	    SCRIPT_FILENAME="/app/cgi-bin/$1" \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} HTTP_HOST=localhost \
	    HTTP_COOKIE="${5:-}" HTTP_X_CSRF_TOKEN="${6:-}" HTTP_AUTHORIZATION="${7:-}" \
	    "$chroot_bin" "$jail" "/app/cgi-bin/$1" >"$out" 2>"$jail/err"
}
status() { sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$out" | tr -d '\r'; }
field() { tr -d '\r' <"$out" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -1; }

# ---- the web installer: no config file yet
cgi chat.cgi POST /v1/chat/completions '{}'
check "before the install every program says not_installed ($(status))" sh -c "[ '$(status)' = 503 ] && grep -q not_installed '$out'"
cgi account.fcgi GET /api/install
check "the installer answers and names the token file ($(status); $(head -c 300 "$out"))" \
    sh -c "[ '$(status)' = 200 ] && grep -q '/app/private/setup-token.txt' '$out' && [ -s '$jail/app/private/setup-token.txt' ]"
token=$(cat "$jail/app/private/setup-token.txt")
dbjson() { printf '{"token":"%s","database":{"host":"127.0.0.1","port":%s,"name":"sb_panel","user":"panel","password":"%s"}}' "$1" "$db_port" "$2"; }
cgi account.fcgi POST /api/install "$(dbjson 0123456789abcdef0123456789abcdef "$panel_pw")"
check "a wrong setup token is refused ($(status))" [ "$(status)" = 403 ]
cgi account.fcgi POST /api/install/check "$(dbjson "$token" wrong-password)"
check "a wrong database password is named as such ($(status); $(tail -c 200 "$out"))" sh -c "[ '$(status)' = 400 ] && grep -q db_access_denied '$out'"
cgi account.fcgi POST /api/install/check "$(dbjson "$token" "$panel_pw")"
check "the database check passes ($(status); $(tail -c 200 "$out"))" [ "$(status)" = 200 ]
cgi account.fcgi POST /api/install "$(dbjson "$token" "$panel_pw")"
check "install ($(status); $(tail -c 300 "$out"))" [ "$(status)" = 201 ]
check "the config file is written, mode 0600, with a master key; the token is gone" sh -c \
    "[ \"\$(stat -c %a '$jail/app/private/switchboard.ini')\" = 600 ] && grep -q '^key_1 = [0-9a-f]\{64\}$' '$jail/app/private/switchboard.ini' && [ ! -e '$jail/app/private/setup-token.txt' ]"
cgi account.fcgi GET /api/install
check "the installer is gone once installed ($(status))" [ "$(status)" = 404 ]
# The test's upstream is a loopback mock; faster password hashing for the test.
printf 'allow_private_endpoints = true\npassword_iterations = 20000\n' >>"$jail/app/private/switchboard.ini"

cgi account.fcgi GET /api/health
check "health through the launcher ($(status); $(head -c 200 "$jail/err"))" sh -c "[ '$(status)' = 200 ] && grep -q '\"status\":\"ok\"' '$out'"
want=$(ls sql | grep -c '^[0-9][0-9][0-9]_.*\.sql$')
have=$(dbq "SELECT COUNT(*) FROM sb_panel.schema_migrations WHERE version > 0")
check "the installer created the tables with the panel's user ($have of $want migrations)" [ "$have" = "$want" ]
cgi account.fcgi POST /api/auth/setup '{"username":"admin","password":"dist-password-123"}'
check "first-run setup ($(status))" [ "$(status)" = 201 ]
cgi account.fcgi POST /api/auth/login '{"username":"admin","password":"dist-password-123"}'
cookie=$(tr -d '\r' <"$out" | sed -n 's/^Set-Cookie: \(sb_session=[^;]*\).*/\1/p' | head -1)
csrf=$(field csrf_token)
check "login sets a session ($(status))" sh -c "[ '$(status)' = 200 ] && [ -n '$cookie' ] && [ -n '$csrf' ]"
cgi account.fcgi POST /api/keys '{"name":"dist"}' "$cookie" "$csrf"
key=$(field secret)
check "a gateway key ($(status))" sh -c "[ '$(status)' = 201 ] && [ -n '$key' ]"
cgi providers.fcgi POST /api/provider-configs/openai \
    "{\"api_key\":\"sk-dist-upstream-0001\",\"base_url\":\"$mock/openai/v1\",\"validate\":false}" "$cookie" "$csrf"
check "a provider config ($(status))" [ "$(status)" = 201 ]
cgi chat.cgi POST /v1/chat/completions \
    '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}' "" "" "Bearer $key"
check "a chat to the mock upstream ($(status); $(tail -c 300 "$out"))" sh -c "[ '$(status)' = 200 ] && grep -q 'chat.completion' '$out'"
cgi usage.fcgi GET /api/usage/summary "" "$cookie"
check "usage answers ($(status); $(tail -c 200 "$out"))" [ "$(status)" = 200 ]
env -i PATH=/bin SWITCHBOARD_CONFIG=/app/private/switchboard.ini "$chroot_bin" "$jail" \
    /app/bin/switchboard check >"$out" 2>&1
check "the CLI checks the config and the database ($(tail -c 200 "$out"))" grep -qi "ok" "$out"

# ---- make install (a VPS): the layout docs/deploy.md describes
dest=$(mktemp -d)
make -s install DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
check "make install DESTDIR=… PREFIX=/usr lays out programs, CLI, www/, sql/ and configs" sh -c \
    "[ -x '$dest/usr/lib/switchboard/cgi-bin/chat.fcgi' ] && [ -x '$dest/usr/bin/switchboard' ] && \
     [ -f '$dest/usr/share/switchboard/www/index.html' ] && [ -f '$dest/usr/share/switchboard/sql/001_create_schema_migrations.sql' ] && \
     [ -f '$dest/usr/share/switchboard/conf/switchboard.ini.example' ]"
rm -rf "$dest"
finish
