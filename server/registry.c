/* registry.c: session entries, their reference counts, and the name-sorted index.
 *
 * The index is a sorted array: lookups are binary searches under the read lock (HTTP
 * threads), inserts and removals take the write lock (loop thread only). Sorted order
 * makes cursor paging of GET /v1/sessions a matter of "names after the cursor". */
#include <stdlib.h>
#include <string.h>

#include "server.h"

const char *glia_state_name(int state)
{
    static const char *const names[] = {"idle",      "running", "paused",
                                        "completed", "failed",  "cancelled"};
    return state >= 0 && state < GLIA_STATE_COUNT ? names[state] : "unknown";
}

int glia_state_from_name(const char *name)
{
    for (int i = 0; i < GLIA_STATE_COUNT; i++) {
        if (strcmp(glia_state_name(i), name) == 0)
            return i;
    }
    return -1;
}

const char *glia_event_name(int type)
{
    static const char *const names[] = {"state", "progress", "metrics", "outputs"};
    return type >= 0 && type < GLIA_EV_COUNT ? names[type] : "unknown";
}

int glia_event_from_name(const char *name)
{
    for (int i = 0; i < GLIA_EV_COUNT; i++) {
        if (strcmp(glia_event_name(i), name) == 0)
            return i;
    }
    return -1;
}

glia_entry_t *glia_entry_new(const char *name)
{
    glia_entry_t *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return NULL;
    snprintf(e->name, sizeof(e->name), "%s", name);
    atomic_init(&e->refs, 1);
    atomic_init(&e->pub_state, GLIA_STATE_IDLE);
    atomic_init(&e->stop_flag, 0);
    pthread_mutex_init(&e->mu, NULL);
    pthread_mutex_init(&e->clients_mu, NULL);
    e->next_event_id = 1;
    e->next_assign_id = 1;
    return e;
}

void glia_entry_ref(glia_entry_t *e)
{
    atomic_fetch_add(&e->refs, 1);
}

void glia_entry_unref(glia_entry_t *e)
{
    if (e == NULL || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    json_decref(e->summary);
    for (size_t i = 0; i < e->n_points; i++)
        json_decref(e->points[i]);
    free(e->points);
    for (int i = 0; i < GLIA_EVENT_RING; i++)
        free(e->ring[i].data);
    json_decref(e->config_json);
    json_decref(e->latest_point);
    glia_session_free(e->session);
    pthread_mutex_destroy(&e->mu);
    pthread_mutex_destroy(&e->clients_mu);
    free(e);
}

int glia_entry_add_point(glia_entry_t *e, json_t *point)
{
    if (e->n_points == e->cap_points) {
        size_t cap = e->cap_points ? 2 * e->cap_points : 64;
        json_t **np = realloc(e->points, cap * sizeof(*np));
        if (np == NULL)
            return GLIA_ENOMEM;
        e->points = np;
        e->cap_points = cap;
    }
    e->points[e->n_points++] = json_incref(point);
    return 0;
}

/* Index of the first entry with name >= `name`. Caller holds the lock. */
static size_t lower_bound(glia_server_t *srv, const char *name)
{
    size_t lo = 0, hi = srv->n_entries;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(srv->entries[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

glia_entry_t *glia_registry_get(glia_server_t *srv, const char *name)
{
    glia_entry_t *e = NULL;
    size_t i;

    pthread_rwlock_rdlock(&srv->reg_lock);
    i = lower_bound(srv, name);
    if (i < srv->n_entries && strcmp(srv->entries[i]->name, name) == 0) {
        e = srv->entries[i];
        glia_entry_ref(e);
    }
    pthread_rwlock_unlock(&srv->reg_lock);
    return e;
}

int glia_registry_add(glia_server_t *srv, glia_entry_t *e)
{
    size_t i;
    int rc = 0;

    pthread_rwlock_wrlock(&srv->reg_lock);
    i = lower_bound(srv, e->name);
    if (i < srv->n_entries && strcmp(srv->entries[i]->name, e->name) == 0) {
        rc = GLIA_EEXIST;
    } else {
        if (srv->n_entries == srv->cap_entries) {
            size_t cap = srv->cap_entries ? 2 * srv->cap_entries : 64;
            glia_entry_t **ne = realloc(srv->entries, cap * sizeof(*ne));
            if (ne == NULL) {
                rc = GLIA_ENOMEM;
                goto out;
            }
            srv->entries = ne;
            srv->cap_entries = cap;
        }
        memmove(&srv->entries[i + 1], &srv->entries[i],
                (srv->n_entries - i) * sizeof(srv->entries[0]));
        srv->entries[i] = e;
        srv->n_entries++;
        glia_entry_ref(e);
    }
out:
    pthread_rwlock_unlock(&srv->reg_lock);
    return rc;
}

void glia_registry_remove(glia_server_t *srv, glia_entry_t *e)
{
    size_t i;
    int found = 0;

    pthread_rwlock_wrlock(&srv->reg_lock);
    i = lower_bound(srv, e->name);
    if (i < srv->n_entries && srv->entries[i] == e) {
        memmove(&srv->entries[i], &srv->entries[i + 1],
                (srv->n_entries - i - 1) * sizeof(srv->entries[0]));
        srv->n_entries--;
        found = 1;
    }
    pthread_rwlock_unlock(&srv->reg_lock);
    if (found)
        glia_entry_unref(e);
}

size_t glia_registry_count(glia_server_t *srv)
{
    size_t n;
    pthread_rwlock_rdlock(&srv->reg_lock);
    n = srv->n_entries;
    pthread_rwlock_unlock(&srv->reg_lock);
    return n;
}

size_t glia_registry_page(glia_server_t *srv, const char *after, int state, size_t limit,
                          glia_entry_t **out, int *more)
{
    size_t i, n = 0;

    *more = 0;
    pthread_rwlock_rdlock(&srv->reg_lock);
    i = after ? lower_bound(srv, after) : 0;
    if (after && i < srv->n_entries && strcmp(srv->entries[i]->name, after) == 0)
        i++;
    for (; i < srv->n_entries; i++) {
        glia_entry_t *e = srv->entries[i];
        if (state >= 0 && atomic_load(&e->pub_state) != state)
            continue;
        if (n == limit) {
            *more = 1;
            break;
        }
        glia_entry_ref(e);
        out[n++] = e;
    }
    pthread_rwlock_unlock(&srv->reg_lock);
    return n;
}
