/* event_ring.h: a session's newest events in memory, by id.
 *
 * Event ids are assigned in order when an event is committed (1, 2, ...); an id whose
 * commit failed is never published, so ids in the ring may skip. The ring keeps the
 * newest GLIA_EVENT_RING ids: id lives in slot id % GLIA_EVENT_RING, and a slot whose id
 * differs from the one asked for holds an older or skipped event. Older events come from
 * the store. Not thread-safe: the entry's mutex guards it (see server.h).
 */
#ifndef GLIA_EVENT_RING_H
#define GLIA_EVENT_RING_H

#include <stddef.h>
#include <stdint.h>

#include "server/store/event.h"

#define GLIA_EVENT_RING 2048 /* events kept in memory per session; older come from the store */

typedef struct glia_event_ring {
    glia_event_t slots[GLIA_EVENT_RING];
    uint64_t next_id;    /* one past the newest id pushed; ids held: [oldest, next_id) */
    uint64_t last_state; /* id of the newest state event, 0 if none */
} glia_event_ring_t;

void glia_event_ring_init(glia_event_ring_t *r);
void glia_event_ring_destroy(glia_event_ring_t *r);

/* Publish `ev`, taking its data (ev->data is NULL afterwards). An id at or past next_id
 * moves next_id on; the ring's oldest event may be dropped to make room. */
void glia_event_ring_push(glia_event_ring_t *r, glia_event_t *ev);

/* The oldest id the ring can still hold ([oldest, next_id)); at least 1. */
uint64_t glia_event_ring_oldest(const glia_event_ring_t *r);

/* The event with this id (borrowed), or NULL when it was skipped or is no longer held. */
const glia_event_t *glia_event_ring_get(const glia_event_ring_t *r, uint64_t id);

#endif
