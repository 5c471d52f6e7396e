/* metrics.h: counters for Prometheus and their text exposition (format 0.0.4). */
#ifndef GLIA_METRICS_H
#define GLIA_METRICS_H

#include "server/server.h"

/* A request answered: `route` is its row in srv->routes, or GLIA_ROUTES_MAX if unmatched.
 * Any thread. */
void glia_stats_request(glia_server_t *srv, int route, int status, uint64_t duration_ns,
                        int is_stream);
/* A store transaction that wrote a checkpoint took `seconds` (store thread). */
void glia_stats_checkpoint(glia_server_t *srv, double seconds);
/* The exposition text (caller frees) and its length, or NULL on out of memory. */
char *glia_metrics_render(glia_server_t *srv, size_t *len);

#endif
