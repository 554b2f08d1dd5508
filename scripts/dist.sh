#!/bin/sh
# dist.sh VERSION: the upload-and-go bundle for hosts without a compiler or
# our libraries (shared hosting). build/dist/switchboard-VERSION-linux-x86_64
# .tar.gz (and .zip when `zip` is installed) holding:
#   cgi-bin/  a launcher per program (*.fcgi, chat.cgi) + .htaccess
#   bin/      the switchboard CLI launcher (migrate, user add, cron jobs)
#   lib/      the real programs (*.bin), every shared library they load, the
#             dynamic loader, and MariaDB Connector/C's auth plugins
#   share/zoneinfo  time zones for the reports (TZDIR)
#   www/ sql/ .htaccess  switchboard.ini.example  INSTALL.txt
# A launcher is a #!/bin/sh script that execs the bundled loader with
# --library-path lib: the host's libc and libraries are never used, so an
# older glibc or a missing libcurl does not matter (docs/deploy.md). No secret
# is in the bundle: the master key is generated at install.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=${1:?usage: dist.sh VERSION}
name=switchboard-$version-linux-x86_64
out=build/dist
stage=$out/$name
progs="account providers chat usage"
loader=/lib64/ld-linux-x86-64.so.2

rm -rf "$stage" "$out/$name.tar.gz" "$out/$name.zip"
mkdir -p "$stage/cgi-bin" "$stage/bin" "$stage/lib/plugin"

# Every library a binary loads, as ldd resolves it here.
libs_of() { ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'; }

copy_lib() {	# PATH: into lib/ under its soname (the name NEEDED asks for)
	[ -f "$stage/lib/$(basename "$1")" ] || cp -L "$1" "$stage/lib/$(basename "$1")"
}

launcher() {	# FILE REAL: a launcher at FILE for lib/REAL, relative to itself
	cat >"$1" <<EOS
#!/bin/sh
# Switchboard launcher: runs lib/$2 with the libraries shipped beside it.
here=\${0%/*}
[ "\$here" = "\$0" ] && here=.
lib=\$here/../lib
MARIADB_PLUGIN_DIR=\$lib/plugin
TZDIR=\$here/../share/zoneinfo
GNUTLS_NO_IMPLICIT_INIT=1	# GnuTLS is loaded (libldap) but never used
export MARIADB_PLUGIN_DIR TZDIR GNUTLS_NO_IMPLICIT_INIT
exec "\$lib/ld-linux-x86-64.so.2" --library-path "\$lib" "\$lib/$2" "\$@"
EOS
	chmod 755 "$1"
}

for p in $progs; do
	cp "build/$p.fcgi" "$stage/lib/$p.bin"
	strip "$stage/lib/$p.bin"
	for l in $(libs_of "build/$p.fcgi"); do copy_lib "$l"; done
	launcher "$stage/cgi-bin/$p.fcgi" "$p.bin"
done
launcher "$stage/cgi-bin/chat.cgi" chat.bin	# chat as plain CGI (docs/deploy.md)
cp build/switchboard "$stage/lib/switchboard.bin"
strip "$stage/lib/switchboard.bin"
for l in $(libs_of build/switchboard); do copy_lib "$l"; done
launcher "$stage/bin/switchboard" switchboard.bin
cp -L "$loader" "$stage/lib/ld-linux-x86-64.so.2"
plugins=$(pkg-config --variable=plugindir libmariadb 2>/dev/null || true)
[ -d "$plugins" ] || plugins=/usr/lib/x86_64-linux-gnu/libmariadb3/plugin
for f in "$plugins"/*.so; do
	[ -f "$f" ] || continue
	cp -L "$f" "$stage/lib/plugin/"
	for l in $(libs_of "$f"); do copy_lib "$l"; done
done
strip --strip-unneeded "$stage"/lib/*.so* "$stage"/lib/plugin/*.so 2>/dev/null || true

# Time zones for the reports (the host may have none): zoneinfo without the
# duplicate right/ and posix/ trees.
mkdir -p "$stage/share/zoneinfo"
(cd /usr/share/zoneinfo && tar --exclude=./right --exclude=./posix -cf - .) |
    tar -C "$stage/share/zoneinfo" -xf -
cp -R www sql "$stage/"
cp cgi-bin/.htaccess "$stage/cgi-bin/.htaccess"
sed 's|/srv/switchboard/private/switchboard.ini|/home/YOU/private/switchboard.ini|' \
    tests/deploy/htaccess-root >"$stage/.htaccess"
cp conf/switchboard.ini.example "$stage/switchboard.ini.example"
cat >"$stage/INSTALL.txt" <<EOT
Switchboard $version for Linux x86_64 (kernel 3.2 or later; no compiler, no root)

1. Create a MySQL/MariaDB database and a user for it in your host's panel.
2. Upload this folder's contents into your web root (FTP or the file manager;
   unpack the .zip there). Keep cgi-bin/, www/, sql/, lib/ and bin/ together.
   Move the files of www/ up into the web root itself (index.html beside
   cgi-bin/), or point the web root at www/ and keep cgi-bin/ beside it.
3. Edit the SetEnv line of .htaccess: the full path where the config file
   will live, OUTSIDE the web root, in a folder the site may write
   (e.g. /home/YOU/private/switchboard.ini; create the folder).
4. Open https://your.site/install.html. It asks for a setup token: open the
   file setup-token.txt that appeared in that folder (file manager or FTP)
   and copy its 32 characters. Enter the database host, port, name, user and
   password from your panel, "Test the database", then "Install": it creates
   the tables, generates the master key and writes the config file (mode
   0600; keep a copy: losing it loses the stored provider keys). Then create
   the administrator. (By hand instead: copy switchboard.ini.example to that
   path and fill it in; the programs create the tables on their first start.)
5. One cron line (every 5 minutes; your panel's cron form) does everything
   periodic (usage roll-ups, health probes, model sync, pruning):
       */5 * * * * SWITCHBOARD_CONFIG=/home/YOU/private/switchboard.ini ~/www/bin/switchboard cron >/dev/null
6. Upgrading: upload the new bundle over this one; the programs migrate the
   tables themselves on their next start.

Apache needs AllowOverride FileInfo AuthConfig Indexes Options=ExecCGI,Indexes,
mod_rewrite, mod_headers and mod_fcgid plus mod_cgid (or mod_cgi). Chat runs
as plain CGI (cgi-bin/chat.cgi) so answers stream and large requests pass.
More: docs/deploy.md in the source tree.
EOT
chmod -R go-w "$stage"
tar -C "$out" -czf "$out/$name.tar.gz" "$name"
if command -v zip >/dev/null 2>&1; then
	(cd "$out" && zip -qry "$name.zip" "$name")
fi
echo "$out/$name.tar.gz $(du -k "$out/$name.tar.gz" | cut -f1) KB"
[ -f "$out/$name.zip" ] && echo "$out/$name.zip $(du -k "$out/$name.zip" | cut -f1) KB"
exit 0
