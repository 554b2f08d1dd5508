#!/bin/sh
# deps.sh PROFILE: make sure the Debian packages Switchboard needs are there.
# As root it installs what is missing; otherwise it prints the apt-get line.
# PROFILE: run (build + servers), test (+ browser, valgrind), bench (+ wrk).
set -eu
profile=${1:-run}
pkgs="gcc make pkg-config libfcgi-dev libcurl4-openssl-dev libssl-dev libmariadb-dev
      libcjson-dev mariadb-server mariadb-client lighttpd openssl curl"
case $profile in
	test)  pkgs="$pkgs valgrind chromium libfcgi-bin spawn-fcgi clang libclang-rt-14-dev busybox-static zip" ;;
	bench) pkgs="$pkgs wrk hyperfine nginx-light" ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js runs the mock upstream and the HTTP/browser tests; any install of it will do.
if [ "$profile" != run ] && ! command -v node >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "Switchboard needs these Debian packages:$missing"
	echo "Install them with:  sudo apt-get install -y$missing"
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
