/* event.c: see event.h. */
#include "server/store/event.h"

#include <stdlib.h>

void glia_event_array_free(glia_event_t *evs, size_t n)
{
    for (size_t i = 0; evs != NULL && i < n; i++)
        free(evs[i].data);
    free(evs);
}
