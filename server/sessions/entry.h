/* entry.h: a hosted session's entry: its life (references), its published trajectory and
 * its summary, and the names of session states. */
#ifndef GLIA_ENTRY_H
#define GLIA_ENTRY_H

#include "server/server.h"

/* "idle", "running", ...; "unknown" for a bad state. */
const char *glia_state_name(int state);
/* The state of a name, or GLIA_ENOENT. */
int glia_state_from_name(const char *name);

/* A new entry holding one reference (NULL on out of memory). */
glia_entry_t *glia_entry_new(const char *name);
void glia_entry_ref(glia_entry_t *e);
/* Drop a reference; the last one frees the entry, its session and everything published.
 * NULL is a no-op. Any thread. */
void glia_entry_unref(glia_entry_t *e);
/* Append a published point (takes a reference). Caller holds e->mu or is the only one to
 * see the entry. 0 or GLIA_ENOMEM. */
int glia_entry_add_point(glia_entry_t *e, json_t *point);

/* The session's summary from its loop state (loop thread): name, state, progress, latest
 * point, ...; with_config adds the resolved config. New reference, NULL on out of memory. */
json_t *glia_entry_summary(const glia_entry_t *e, int with_config);

#endif
