/* publish.h: every change a reader can see goes through here.
 *
 * The loop builds a store operation for an entry (row, checkpoint, points, events),
 * submits it, and when the store has committed it, publishes the same points, events
 * and summary to readers and answers the request that caused it. So nothing a client
 * has been shown can be lost by a crash, and what readers see is always a prefix of
 * what is stored.
 */
#ifndef GLIA_PUBLISH_H
#define GLIA_PUBLISH_H

#include "server.h"
#include "store.h"

typedef struct glia_commit glia_commit_t;

/* Start a commit for `e` (takes a reference). NULL on OOM. */
glia_commit_t *glia_commit_begin(glia_server_t *srv, glia_entry_t *e);

/* Add the session row (current loop state), a checkpoint of the session, a state change
 * (state + event + row), a progress event, or the deletion to the commit. */
void glia_commit_row(glia_commit_t *c);
void glia_commit_checkpoint(glia_commit_t *c);
void glia_commit_state(glia_commit_t *c, int state, const char *error); /* state + event + row */
void glia_commit_progress(glia_commit_t *c);
void glia_commit_delete(glia_commit_t *c);

/* The session's trajectory points not yet published (the core keeps them, with their
 * output vectors); with include_last, also its last finished episode. */
void glia_commit_trajectory(glia_commit_t *c, int include_last);

/* After the commit, answer `req` with `status` and `body` (stolen; NULL = the summary). */
void glia_commit_reply(glia_commit_t *c, glia_request_t *req, int status, json_t *body);
/* Requests to re-dispatch after the commit (e.g. a pause waiting for its slice). */
void glia_commit_redispatch(glia_commit_t *c, glia_request_t *list);
/* Mark a creation: if the store refuses it, the entry is withdrawn. */
void glia_commit_is_create(glia_commit_t *c);

/* Submit: the summary is built now, published on commit. */
void glia_commit_submit(glia_commit_t *c);

#endif
