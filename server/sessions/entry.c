/* entry.c: see entry.h. */
#include "server/sessions/entry.h"

#include <stdlib.h>
#include <string.h>

#include "server/log.h"

const char *glia_state_name(int state)
{
    static const char *const names[] = {"idle",      "running", "paused",
                                        "completed", "failed",  "cancelled"};
    return state >= 0 && state < GLIA_STATE_COUNT ? names[state] : "unknown";
}

int glia_state_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < GLIA_STATE_COUNT; i++) {
        if (strcmp(glia_state_name(i), name) == 0)
            return i;
    }
    return GLIA_ENOENT;
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
    glia_event_ring_init(&e->ring);
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
    glia_event_ring_destroy(&e->ring);
    json_decref(e->config_json);
    json_decref(e->latest_point);
    glia_session_free(e->session);
    if (e->budget != NULL && e->mem_reserved > 0)
        glia_budget_give(e->budget, e->mem_reserved);
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

json_t *glia_entry_summary(const glia_entry_t *e, int with_config)
{
    char created[40], updated[40];
    json_t *o, *latest = json_incref(e->latest_point);
    const glia_counters_t *k = &e->counters;
    uint64_t decisions = k->accepted + k->rejected;

    glia_format_time(e->created_at, created, sizeof(created));
    glia_format_time(e->updated_at ? e->updated_at : e->created_at, updated, sizeof(updated));
    o = json_pack(
        "{s:s, s:s, s:s?, s:s?, s:I, s:s?, s:b, s:s, s:s, "
        "s:{s:I, s:I, s:I, s:i, s:f, s:f}, s:I, s:I, s:f, s:o, s:s?}",
        "name", e->name, "state", glia_state_name(e->state), "preset",
        e->preset[0] ? e->preset : NULL, "learner",
        json_string_value(json_object_get(json_object_get(e->config_json, "learner"), "kind")),
        "seed", (json_int_t)e->seed, "experiment", e->experiment[0] ? e->experiment : NULL,
        "export_metrics", e->is_exported, "created_at", created, "updated_at", updated, "progress",
        "episode", (json_int_t)k->episodes, "episodes", (json_int_t)e->target_episodes, "steps",
        (json_int_t)k->steps, "step_in_episode", k->step_in_episode, "steps_per_second",
        e->steps_per_second, "fraction",
        e->target_episodes
            ? (double)(k->episodes < e->target_episodes ? k->episodes : e->target_episodes) /
                  (double)e->target_episodes
            : 0.0,
        "accepted", (json_int_t)k->accepted, "rejected", (json_int_t)k->rejected, "accept_rate",
        decisions ? (double)k->accepted / (double)decisions : 0.0, "latest_point",
        latest ? latest : json_null(), "error", e->error[0] ? e->error : NULL);
    if (o != NULL && with_config)
        json_object_set(o, "config", e->config_json);
    return o;
}
