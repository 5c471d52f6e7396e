/* registry.c: see registry.h. */
#include "server/sessions/registry.h"

#include <stdlib.h>
#include <string.h>

#include "server/sessions/entry.h"

int glia_registry_init(glia_registry_t *r)
{
    memset(r, 0, sizeof(*r));
    return pthread_rwlock_init(&r->lock, NULL) == 0 ? 0 : GLIA_ENOMEM;
}

void glia_registry_destroy(glia_registry_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        glia_entry_unref(r->entries[i]);
    free(r->entries);
    r->entries = NULL;
    r->n = r->cap = 0;
    pthread_rwlock_destroy(&r->lock);
}

/* Index of the first entry with name >= `name`. Caller holds the lock. */
static size_t lower_bound(const glia_registry_t *r, const char *name)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(r->entries[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

glia_entry_t *glia_registry_get(glia_registry_t *r, const char *name)
{
    glia_entry_t *e = NULL;
    size_t i;

    pthread_rwlock_rdlock(&r->lock);
    i = lower_bound(r, name);
    if (i < r->n && strcmp(r->entries[i]->name, name) == 0) {
        e = r->entries[i];
        glia_entry_ref(e);
    }
    pthread_rwlock_unlock(&r->lock);
    return e;
}

int glia_registry_add(glia_registry_t *r, glia_entry_t *e)
{
    size_t i;
    int rc = 0;

    pthread_rwlock_wrlock(&r->lock);
    i = lower_bound(r, e->name);
    if (i < r->n && strcmp(r->entries[i]->name, e->name) == 0) {
        rc = GLIA_EEXIST;
        goto out;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        glia_entry_t **ne = realloc(r->entries, cap * sizeof(*ne));
        if (ne == NULL) {
            rc = GLIA_ENOMEM;
            goto out;
        }
        r->entries = ne;
        r->cap = cap;
    }
    memmove(&r->entries[i + 1], &r->entries[i], (r->n - i) * sizeof(r->entries[0]));
    r->entries[i] = e;
    r->n++;
    glia_entry_ref(e);
out:
    pthread_rwlock_unlock(&r->lock);
    return rc;
}

void glia_registry_remove(glia_registry_t *r, glia_entry_t *e)
{
    size_t i;
    int found = 0;

    pthread_rwlock_wrlock(&r->lock);
    i = lower_bound(r, e->name);
    if (i < r->n && r->entries[i] == e) {
        memmove(&r->entries[i], &r->entries[i + 1], (r->n - i - 1) * sizeof(r->entries[0]));
        r->n--;
        found = 1;
    }
    pthread_rwlock_unlock(&r->lock);
    if (found)
        glia_entry_unref(e);
}

size_t glia_registry_count(glia_registry_t *r)
{
    size_t n;
    pthread_rwlock_rdlock(&r->lock);
    n = r->n;
    pthread_rwlock_unlock(&r->lock);
    return n;
}

size_t glia_registry_page(glia_registry_t *r, const char *after, int state, const char *experiment,
                          size_t limit, glia_entry_t **out, int *more)
{
    size_t i, n = 0;

    *more = 0;
    pthread_rwlock_rdlock(&r->lock);
    i = after ? lower_bound(r, after) : 0;
    if (after && i < r->n && strcmp(r->entries[i]->name, after) == 0)
        i++;
    for (; i < r->n; i++) {
        glia_entry_t *e = r->entries[i];
        if (state >= 0 && atomic_load(&e->pub_state) != state)
            continue;
        /* e->experiment is set before the entry is added, and never changes */
        if (experiment != NULL && strcmp(e->experiment, experiment) != 0)
            continue;
        if (n == limit) {
            *more = 1;
            break;
        }
        glia_entry_ref(e);
        out[n++] = e;
    }
    pthread_rwlock_unlock(&r->lock);
    return n;
}

size_t glia_registry_list(glia_registry_t *r, glia_entry_t ***out)
{
    glia_entry_t **list;
    size_t n;

    *out = NULL;
    pthread_rwlock_rdlock(&r->lock);
    n = r->n;
    list = n ? malloc(n * sizeof(*list)) : NULL;
    if (list == NULL)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        list[i] = r->entries[i];
        glia_entry_ref(list[i]);
    }
    pthread_rwlock_unlock(&r->lock);
    *out = list;
    return n;
}

void glia_registry_list_free(glia_entry_t **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        glia_entry_unref(list[i]);
    free(list);
}
