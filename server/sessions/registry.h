/* registry.h: the hosted sessions by name.
 *
 * A sorted array of entries: lookups are binary searches under the read lock (any
 * thread), inserts and removals take the write lock (the loop thread). Sorted order makes
 * cursor paging of GET /v1/sessions a matter of "names after the cursor". The registry
 * holds one reference to each entry it lists.
 */
#ifndef GLIA_REGISTRY_H
#define GLIA_REGISTRY_H

#include "server/server.h"

/* Caller storage. 0 or GLIA_ENOMEM. */
int glia_registry_init(glia_registry_t *r);
/* Drops the registry's references. */
void glia_registry_destroy(glia_registry_t *r);

/* The entry named `name` as a new reference, or NULL. */
glia_entry_t *glia_registry_get(glia_registry_t *r, const char *name);
/* Insert `e`, taking a new reference. 0, GLIA_EEXIST (the name is taken) or GLIA_ENOMEM. */
int glia_registry_add(glia_registry_t *r, glia_entry_t *e);
/* Remove `e` (this very entry, not a namesake) and drop the registry's reference. */
void glia_registry_remove(glia_registry_t *r, glia_entry_t *e);
size_t glia_registry_count(glia_registry_t *r);

/* Up to `limit` entries with name > after (NULL: from the start) whose published state is
 * `state` (-1: any) and which belong to `experiment` (NULL: any), as new references into
 * `out`. Sets *more when entries remain. */
size_t glia_registry_page(glia_registry_t *r, const char *after, int state, const char *experiment,
                          size_t limit, glia_entry_t **out, int *more);

/* Every entry, in name order, as new references: returns how many and sets *out to a new
 * array (release it with glia_registry_list_free), or returns 0 with *out NULL when there
 * are none or memory ran out. */
size_t glia_registry_list(glia_registry_t *r, glia_entry_t ***out);
void glia_registry_list_free(glia_entry_t **list, size_t n);

#endif
