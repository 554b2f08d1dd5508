/* nodestamp: the host's own change counter, which spares the chat path the
 * stamps statement on every request. The processes of one host that use
 * one database share a small segment in /dev/shm whose counter every
 * change made on the host bumps (stamp.h, after its route_stamps write).
 * The counter may stand in for route_stamps only while this host holds the
 * stamps lease (the stamp_lease row): at most one host at a time does, and
 * a change made anywhere else first stops the holder from renewing it and
 * waits out its term (NODESTAMP_LEASE_S) before its caller answers. So a
 * change through Switchboard still applies on the very next request in
 * every process of every node. Without /dev/shm, or with [chat]
 * node_stamps = false, the chat path reads route_stamps as before. */
#ifndef SB_NODESTAMP_H
#define SB_NODESTAMP_H

#include <stddef.h>

#include "config.h"

#define NODESTAMP_LEASE_S	3	/* the lease's term, renewed about once a second */

/* Remember the segment's name (from the database settings) and whether to
 * use it; maps nothing yet. */
void	nodestamp_configure(const struct config *cfg);
/* The host's stamps ("n<epoch>.<count>") into fp (size bytes): 1 while
 * this host holds the lease, 0 when route_stamps must be read. No database
 * access. */
int	nodestamp_read(char *fp, size_t size);
/* Take or renew the lease when due: at most one statement a second for the
 * whole host, by whichever process comes first. Between requests (it
 * creates the segment if there is none). */
void	nodestamp_tend(void);
/* A change was written: bump the host's counter; unless this host holds
 * the lease, take it away from the host that does and, with wait, wait out
 * its term (without: the holder sees the change within it). 0, or -1 when
 * the database did not answer (logged). */
int	nodestamp_changed(int wait);

#endif
