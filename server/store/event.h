/* event.h: one event of a session, as the store keeps it and the event ring holds it.
 *
 * A leaf header: the store (store.h) and the session engine's ring (event_ring.h) share
 * this type without either including the other.
 */
#ifndef GLIA_EVENT_H
#define GLIA_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* One event: its id, its type (enum glia_event_type, api/event_json.h) and the JSON text
 * of its data (owned). */
typedef struct glia_event {
    uint64_t id;
    int type;
    char *data;
} glia_event_t;

/* Free an array of n events and their data. NULL is a no-op. */
void glia_event_array_free(glia_event_t *evs, size_t n);

#endif
