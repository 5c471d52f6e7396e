/* streams.h: the streams that follow a session's events (SSE and NDJSON).
 *
 * The loop publishes events into an entry's ring (commit.c) and wakes its streams here
 * (through the server's events_published_cb hook).
 * A stream is a libmicrohttpd callback response; its reader copies events newer than the
 * client's last id out of the ring (or, for ids the ring no longer holds, out of the
 * store), and when there is nothing to send it suspends its connection under its own
 * mutex. A waker takes the same mutex and resumes it, so an event published between
 * "nothing to send" and "suspend" is never missed. Every 15 s each stream is woken to
 * send a keepalive, which is also how a client that hung up is noticed (a suspended
 * connection never times out on its own).
 */
#ifndef GLIA_STREAMS_H
#define GLIA_STREAMS_H

#include "api/strbuf.h"
#include "server/server.h"
#include "server/store/store.h"

/* HTTP thread: answer `req` (GET /v1/sessions/{name}/events, query validated) with a
 * stream of e's events. 0, or GLIA_ENOMEM / GLIA_EIO when no stream could be opened (the
 * request is then not answered). */
int glia_streams_open(glia_server_t *srv, glia_request_t *req, glia_entry_t *e);

/* New events or a new state for e: its streams read on. Any thread. */
void glia_streams_wake(glia_entry_t *e);
/* Hook (glia_hooks_t.events_published_cb, loop thread): the same, for commit.c. */
void glia_streams_events_published(glia_server_t *srv, glia_entry_t *e);
/* Every stream sends a keepalive line. */
void glia_streams_keepalive(glia_server_t *srv);
/* Every stream ends (once is_shutting_down is set). */
void glia_streams_close_all(glia_server_t *srv);

/* Format up to 64 of e's events after *last_id into `out` as SSE (or NDJSON lines),
 * taking them from the ring or, when the ring no longer holds them, from `store` (up to
 * 256 at a time, without gaps). Moves *last_id on and returns how many were written. Also
 * reports whether the entry is closed and whether it is running, as published. */
int glia_stream_fill(glia_entry_t *e, glia_store_t *store, int is_ndjson, uint64_t *last_id,
                     glia_strbuf_t *out, int *is_closed, int *is_running);

#endif
