/* commit.h: every change a reader can see goes through here: store, then publish.
 *
 * The loop builds a commit for an entry from its loop state (row, checkpoint, points,
 * events), submits it, and when the store has committed it, publishes the same points,
 * events and summary to readers, tells the server's events_published_cb hook (the
 * entry's streams read on) and reports through the commit's callback. So nothing a
 * client has been shown can be lost by a crash, and what readers see is always a prefix
 * of what is stored. A commit never changes a session's state and never answers a
 * request: its caller (lifecycle.c) does, in the callback.
 */
#ifndef GLIA_COMMIT_H
#define GLIA_COMMIT_H

#include "server/server.h"
#include "server/store/store.h"

typedef struct glia_commit glia_commit_t;

/* Loop thread, once the store has answered: status 0 (stored and published) or GLIA_EIO
 * (nothing was stored or published; `error` says why). */
typedef void (*glia_commit_cb)(glia_server_t *srv, glia_entry_t *e, int status, const char *error,
                               void *arg);

/* Start a commit for `e` (takes a reference). NULL on out of memory. */
glia_commit_t *glia_commit_begin(glia_server_t *srv, glia_entry_t *e);

/* Add to the commit: the session row (as the loop holds it now), a checkpoint of the
 * session, a state event (from e->state and e->error; `previous` is the state before),
 * a progress event, the deletion of the session. */
void glia_commit_row(glia_commit_t *c);
void glia_commit_checkpoint(glia_commit_t *c);
void glia_commit_state_event(glia_commit_t *c, int previous);
void glia_commit_progress(glia_commit_t *c);
void glia_commit_delete(glia_commit_t *c);

/* The session's trajectory points not yet published (the core keeps them, with their
 * output vectors), each with its metrics and outputs events; with include_last, also its
 * last finished episode. */
void glia_commit_trajectory(glia_commit_t *c, int include_last);

/* Submit: the summary is built now (from the loop state), published on commit. `cb` may
 * be NULL. */
void glia_commit_submit(glia_commit_t *c, glia_commit_cb cb, void *arg);

/* Drop a commit that was never submitted (nothing is stored or published). */
void glia_commit_abandon(glia_commit_t *c);

/* Publish e's summary as the loop holds it now, without storing anything: for a session
 * whose store writes fail, which must not go on looking as it was stored. */
void glia_commit_publish_unstored(glia_server_t *srv, glia_entry_t *e);

/* Startup: publish what the store holds for a restored entry (points, events, summary);
 * nobody else sees the entry yet. */
void glia_commit_publish_restored(glia_entry_t *e, const glia_stored_session_t *ss);

#endif
