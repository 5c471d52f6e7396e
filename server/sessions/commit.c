/* commit.c: store, then publish (see commit.h). */
#include "server/sessions/commit.h"

#include <stdlib.h>
#include <string.h>

#include "api/event_json.h"
#include "api/result_json.h"
#include "server/log.h"
#include "server/sessions/entry.h"
#include "server/sessions/registry.h"

struct glia_commit {
    glia_server_t *srv;
    glia_entry_t *e;
    glia_store_op_t *op;
    json_t *summary;
    json_t *published_points; /* the points as readers get them */
    int is_delete;
    int state; /* the entry's state when submitted: published with it */
    glia_commit_cb cb;
    void *arg;
};

static void stored_cb(glia_store_op_t *op, int status, void *arg);

glia_commit_t *glia_commit_begin(glia_server_t *srv, glia_entry_t *e)
{
    glia_commit_t *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->op = glia_store_op_new(e->name, stored_cb, c);
    c->published_points = json_array();
    if (c->op == NULL || c->published_points == NULL) {
        glia_store_op_free(c->op);
        json_decref(c->published_points);
        free(c);
        return NULL;
    }
    c->srv = srv;
    c->e = e;
    glia_entry_ref(e);
    return c;
}

void glia_commit_row(glia_commit_t *c)
{
    glia_entry_t *e = c->e;
    glia_store_row_t *r = &c->op->row;

    c->op->has_row = 1;
    free(r->config);
    r->config = json_dumps(e->config_json, JSON_COMPACT | JSON_REAL_PRECISION(17));
    snprintf(r->name, sizeof(r->name), "%s", e->name);
    snprintf(r->preset, sizeof(r->preset), "%s", e->preset);
    r->seed = e->seed;
    r->state = e->state;
    r->target_episodes = e->target_episodes;
    r->is_exported = e->is_exported;
    snprintf(r->experiment, sizeof(r->experiment), "%s", e->experiment);
    snprintf(r->error, sizeof(r->error), "%s", e->error);
    r->created_at = e->created_at;
    r->updated_at = e->updated_at = glia_wall();
}

void glia_commit_checkpoint(glia_commit_t *c)
{
    glia_counters_t k;

    free(c->op->ckpt);
    c->op->ckpt = NULL;
    if (glia_session_save(c->e->session, &c->op->ckpt, &c->op->ckpt_len) != 0)
        return; /* out of memory: this commit goes without; the next one retries */
    glia_session_counters(c->e->session, &k);
    c->op->ckpt_steps = k.steps;
    c->op->ckpt_episodes = k.episodes;
    c->e->last_checkpoint = glia_now();
    c->e->ckpts_in_flight++;
}

/* Give the event the entry's next id and add it to the op (takes `data`). An event that
 * could not be built is left out (its id is not used). */
static void add_event(glia_commit_t *c, int type, char *data)
{
    if (data == NULL)
        return;
    if (glia_store_op_add_event(c->op, c->e->next_assign_id, type, data) == 0)
        c->e->next_assign_id++;
}

static void add_point(glia_commit_t *c, json_t *point) /* steals point */
{
    glia_entry_t *e = c->e;
    uint64_t episode;

    if (point == NULL)
        return;
    episode = (uint64_t)json_integer_value(json_object_get(point, "episode"));
    /* After a restart the run repeats the episodes since its last checkpoint; their
     * points are already stored and published (and identical): skip them. */
    if (e->has_published_points && episode <= e->published_upto) {
        json_decref(point);
        return;
    }
    e->has_published_points = 1;
    e->published_upto = episode;
    if (c->op->points == NULL)
        c->op->points = json_array();
    json_array_append(c->op->points, point);
    json_array_append(c->published_points, point);
    json_decref(e->latest_point);
    e->latest_point = json_incref(point);
    add_event(c, GLIA_EV_METRICS, glia_event_metrics_json(point, NULL));
    add_event(c, GLIA_EV_OUTPUTS, glia_event_outputs_json(point, NULL));
    json_decref(point);
}

void glia_commit_progress(glia_commit_t *c)
{
    glia_entry_t *e = c->e;

    e->last_progress = glia_now();
    add_event(
        c, GLIA_EV_PROGRESS,
        glia_event_progress_json(&e->counters, e->target_episodes, e->steps_per_second, NULL));
}

void glia_commit_state_event(glia_commit_t *c, int previous)
{
    glia_entry_t *e = c->e;
    glia_state_change_t change = {
        glia_state_name(e->state), glia_state_name(previous),     e->counters.episodes,
        e->target_episodes,        e->error[0] ? e->error : NULL,
    };

    glia_commit_row(c);
    add_event(c, GLIA_EV_STATE, glia_event_state_json(&change, NULL));
}

void glia_commit_trajectory(glia_commit_t *c, int include_last)
{
    glia_session_t *s = c->e->session;
    size_t n;
    const glia_point_t *pts = glia_session_trajectory(s, &n);
    glia_point_t last;
    size_t first = n;

    /* Points are in episode order: walk back to the first one not yet published. */
    while (first > 0 &&
           !(c->e->has_published_points && pts[first - 1].episode <= c->e->published_upto))
        first--;
    for (size_t i = first; i < n; i++)
        add_point(c, glia_point_to_json(s, &pts[i], glia_session_point_outputs(s, i)));
    if (include_last && glia_session_last_point(s, &last) == 0)
        add_point(c, glia_point_to_json(s, &last, glia_session_last_outputs(s)));
}

void glia_commit_delete(glia_commit_t *c)
{
    c->op->is_delete = 1;
    c->is_delete = 1;
}

void glia_commit_submit(glia_commit_t *c, glia_commit_cb cb, void *arg)
{
    c->cb = cb;
    c->arg = arg;
    c->state = c->e->state;
    if (!c->is_delete)
        c->summary = glia_entry_summary(c->e, 1);
    glia_store_submit(c->srv->store, c->op);
}

void glia_commit_abandon(glia_commit_t *c)
{
    if (c->op->ckpt != NULL)
        c->e->ckpts_in_flight--;
    glia_store_op_free(c->op);
    json_decref(c->published_points);
    glia_entry_unref(c->e);
    free(c);
}

/* Replace the published summary (caller holds e->mu). */
static void set_summary(glia_entry_t *e, json_t *summary, int state)
{
    json_decref(e->summary);
    e->summary = summary;
    atomic_store(&e->pub_state, state);
    e->is_running = state == GLIA_STATE_RUNNING;
}

/* Readers can see more of e: tell the layer above (its streams read on). */
static void published(glia_server_t *srv, glia_entry_t *e)
{
    if (srv->hooks.events_published_cb != NULL)
        srv->hooks.events_published_cb(srv, e);
}

static void stored_cb(glia_store_op_t *op, int status, void *arg)
{
    glia_commit_t *c = arg;
    glia_server_t *srv = c->srv;
    glia_entry_t *e = c->e;

    if (op->ckpt != NULL)
        e->ckpts_in_flight--;
    if (status != 0) {
        atomic_fetch_add(&srv->stats.store_errors, 1);
        glia_log("error", e->name, "store: %s", op->error);
    } else {
        if (op->ckpt != NULL)
            e->ckpt_seconds = op->seconds;
        pthread_mutex_lock(&e->mu);
        for (size_t i = 0; i < json_array_size(c->published_points); i++) {
            if (glia_entry_add_point(e, json_array_get(c->published_points, i)) != 0)
                break;
        }
        for (size_t i = 0; i < op->n_events; i++)
            glia_event_ring_push(&e->ring, &op->events[i]);
        if (c->summary != NULL) {
            set_summary(e, c->summary, c->state);
            c->summary = NULL;
        }
        if (c->is_delete)
            e->is_closed = 1;
        pthread_mutex_unlock(&e->mu);
        if (c->is_delete)
            glia_registry_remove(&srv->registry, e);
        published(srv, e);
    }
    if (c->cb != NULL)
        c->cb(srv, e, status, op->error, c->arg);
    json_decref(c->summary);
    json_decref(c->published_points);
    glia_entry_unref(e);
    free(c);
}

void glia_commit_publish_unstored(glia_server_t *srv, glia_entry_t *e)
{
    json_t *summary = glia_entry_summary(e, 1);

    pthread_mutex_lock(&e->mu);
    if (summary != NULL) {
        set_summary(e, summary, e->state);
    } else {
        atomic_store(&e->pub_state, e->state);
        e->is_running = 0;
    }
    pthread_mutex_unlock(&e->mu);
    published(srv, e);
}

void glia_commit_publish_restored(glia_entry_t *e, const glia_stored_session_t *ss)
{
    for (size_t i = 0; i < json_array_size(ss->points); i++) {
        json_t *p = json_array_get(ss->points, i);
        if (glia_entry_add_point(e, p) != 0)
            break;
        json_decref(e->latest_point);
        e->latest_point = json_incref(p);
        e->published_upto = (uint64_t)json_integer_value(json_object_get(p, "episode"));
        e->has_published_points = 1;
    }
    for (size_t i = 0; i < ss->n_events; i++) {
        glia_event_t ev = ss->events[i];
        if ((ev.data = strdup(ev.data)) != NULL)
            glia_event_ring_push(&e->ring, &ev);
    }
    e->ring.next_id = e->next_assign_id = ss->next_event_id;
    set_summary(e, glia_entry_summary(e, 1), e->state);
}
