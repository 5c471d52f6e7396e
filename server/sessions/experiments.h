/* experiments.h: seeds x conditions studies hosted by the daemon (their routes are in
 * handlers.h). */
#ifndef GLIA_EXPERIMENTS_H
#define GLIA_EXPERIMENTS_H

#include "server/server.h"

/* Load stored experiments (after sessions are restored). 0 or a negative code. */
int glia_experiments_start(glia_server_t *srv);
void glia_experiments_stop(glia_server_t *srv);

/* Hook (glia_hooks_t.session_settled_cb): a session of an experiment settled after a job;
 * a completed one is recorded. Loop thread. */
void glia_experiments_session_settled(glia_server_t *srv, glia_entry_t *e);

#endif
