/* event_ring.c: see event_ring.h. */
#include "server/event_ring.h"

#include <stdlib.h>
#include <string.h>

#include "api/event_json.h"

void glia_event_ring_init(glia_event_ring_t *r)
{
    memset(r, 0, sizeof(*r));
    r->next_id = 1;
}

void glia_event_ring_destroy(glia_event_ring_t *r)
{
    for (size_t i = 0; i < GLIA_EVENT_RING; i++) {
        free(r->slots[i].data);
        r->slots[i].data = NULL;
    }
}

void glia_event_ring_push(glia_event_ring_t *r, glia_event_t *ev)
{
    glia_event_t *slot = &r->slots[ev->id % GLIA_EVENT_RING];

    free(slot->data);
    *slot = *ev;
    ev->data = NULL;
    if (ev->id >= r->next_id)
        r->next_id = ev->id + 1;
    if (ev->type == GLIA_EV_STATE && ev->id > r->last_state)
        r->last_state = ev->id;
}

uint64_t glia_event_ring_oldest(const glia_event_ring_t *r)
{
    return r->next_id > GLIA_EVENT_RING ? r->next_id - GLIA_EVENT_RING : 1;
}

const glia_event_t *glia_event_ring_get(const glia_event_ring_t *r, uint64_t id)
{
    const glia_event_t *ev = &r->slots[id % GLIA_EVENT_RING];

    if (id < glia_event_ring_oldest(r) || id >= r->next_id || ev->id != id || ev->data == NULL)
        return NULL;
    return ev;
}
