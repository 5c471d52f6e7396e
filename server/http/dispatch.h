/* dispatch.h: from a matched request to its route's handler, in one order for all.
 *
 * Every route goes through the same steps: its prepare function parses and validates the
 * body and query once (400/422); on the loop, a route that writes is refused while
 * shutting down (503); a GLIA_ROUTE_SESSION route finds its session (404; 409 for one
 * that could not be restored); then the handler answers. HTTP-thread routes are
 * dispatched at once and see published data only; loop routes are queued to the loop's
 * inbox. A loop handler that finds the session held by a job parks the request on the
 * entry; the lifecycle's hooks bring it back: reads as soon as the job returns, writes
 * once the job's commit is stored.
 */
#ifndef GLIA_DISPATCH_H
#define GLIA_DISPATCH_H

#include "server/server.h"

/* Loop: the inbox and its wake-up. 0 or GLIA_ENOMEM. */
int glia_dispatch_start(glia_server_t *srv);
/* HTTP thread: dispatch an HTTP-thread route now. */
void glia_dispatch_direct(glia_server_t *srv, glia_request_t *req);
/* HTTP thread: queue a loop route (its connection is suspended) and wake the loop. */
void glia_dispatch_post(glia_server_t *srv, glia_request_t *req);
/* Loop: dispatch everything in the inbox now. */
void glia_dispatch_drain(glia_server_t *srv);
/* Loop: dispatch one request (again). */
void glia_dispatch(glia_server_t *srv, glia_request_t *req);

/* Loop: `req` waits for the job holding e's session (see the hooks below). */
void glia_dispatch_park(glia_entry_t *e, glia_request_t *req);
/* Hooks (glia_hooks_t): e's job returned / its commit is stored. */
void glia_dispatch_job_returned(glia_server_t *srv, glia_entry_t *e);
void glia_dispatch_job_committed(glia_server_t *srv, glia_entry_t *e);

#endif
