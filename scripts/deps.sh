#!/bin/sh
# deps.sh PROFILE: make sure the Debian packages Switchboard needs are there.
# As root it installs what is missing; otherwise it prints the apt-get line.
# PROFILE: run (build + servers), test (+ browser, valgrind), scale (test +
# Galera), bench (+ wrk and the web servers it compares).
set -eu
profile=${1:-run}
pkgs="gcc make pkg-config libfcgi-dev libcurl4-openssl-dev libssl-dev libmariadb-dev
      libcjson-dev mariadb-server mariadb-client lighttpd openssl curl"
test_pkgs="valgrind chromium libfcgi-bin spawn-fcgi clang libclang-rt-14-dev busybox-static zip
           apache2 libapache2-mod-fcgid nginx-light"
case $profile in
	test)  pkgs="$pkgs $test_pkgs" ;;
	scale) pkgs="$pkgs $test_pkgs galera-4 mariadb-backup socat" ;;
	bench) pkgs="$pkgs wrk hyperfine nginx-light spawn-fcgi apache2 libapache2-mod-fcgid" ;;
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
# Web servers are installed for the deploy tests, which run them on private
# ports: their packages must not start them on port 80 (policy-rc.d says no).
norc=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	norc=1
fi
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
if [ -n "$norc" ]; then rm -f /usr/sbin/policy-rc.d; fi
