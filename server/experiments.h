/* experiments.h: seeds x conditions studies hosted by the daemon. */
#ifndef GLIA_EXPERIMENTS_H
#define GLIA_EXPERIMENTS_H

#include "server.h"

/* Load stored experiments (after sessions are loaded). Returns 0 or -1. */
int glia_experiments_start(glia_server_t *srv);
void glia_experiments_stop(glia_server_t *srv);

/* Loop thread: handle an /v1/experiments request. */
void glia_experiments_handle(glia_server_t *srv, glia_request_t *req);

/* Loop thread: a session of an experiment changed state. */
void glia_experiments_session_changed(glia_server_t *srv, glia_entry_t *e);

#endif
