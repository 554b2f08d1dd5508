/* metrics: GET /metrics in the Prometheus text format, computed from the
 * database (roll-ups plus the raw tail) so every process and web node
 * reports the same totals. Allowed with "Authorization: Bearer <token>"
 * ([server] metrics_token) or an admin session. */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include "http.h"

#define METRICS_MAX_BYTES	(8L * 1024 * 1024)
#define METRICS_MAX_PROVIDERS	256

int	metrics_handle(struct req *r);

#endif
