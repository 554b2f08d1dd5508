/* install: the web installer. While the config file does not exist, the
 * programs run in install mode: account.fcgi answers /api/install (status,
 * a database check, the install itself) and every other path says 503
 * not_installed. Installing tests the database credentials a hosting panel
 * gives, generates the master key, writes the config file where
 * SWITCHBOARD_CONFIG points (mode 0600), and creates the schema; the first
 * administrator is then created by the existing setup page. It is guarded by
 * a one-time token written beside the config path, which only someone with
 * file access can read, and it is gone once the config exists. */
#ifndef SB_INSTALL_H
#define SB_INSTALL_H

#include "http.h"

/* Whether path names a config that is not there yet (install mode). */
int	install_pending(const char *path);
/* Serve one request in install mode. installer: this program serves the
 * installer (else every path is 503 not_installed). 0 when the response was
 * sent, -1 with r->err. */
int	install_handle(struct req *r, const char *config_path, int installer);

#endif
