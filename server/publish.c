/* publish.c: commit to the store, then publish to readers (see publish.h). */
#include "publish.h"

#include <stdlib.h>
#include <string.h>

#include "../api/json_write.h"
#include "../api/problem.h"
#include "../api/result_json.h"

struct glia_commit {
    glia_server_t *srv;
    glia_entry_t *e;
    glia_store_op_t *op;
    json_t *summary;
    json_t *published_points; /* the points as readers get them */
    glia_request_t *req;
    int reply_status;
    json_t *reply;
    glia_request_t *redispatch;
    int is_create;
    int is_delete;
    int state;                /* the entry's state when submitted: published with it */
};

static void done_cb(glia_store_op_t *op, int status, void *arg);

glia_commit_t *glia_commit_begin(glia_server_t *srv, glia_entry_t *e)
{
    glia_commit_t *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->op = glia_store_op_new(e->name, done_cb, c);
    c->published_points = json_array();
    if (c->op == NULL || c->published_points == NULL) {
        free(c->op);
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
}

static void commit_event(glia_commit_t *c, int type, json_t *data) /* steals data */
{
    char *text;

    if (data == NULL)
        return;
    if (c->op->events == NULL)
        c->op->events = json_array();
    text = glia_json_dumps(data, GLIA_JSON_COMPACT, NULL);
    json_decref(data);
    if (text == NULL || c->op->events == NULL) {
        free(text);
        return;
    }
    json_array_append_new(c->op->events,
                          json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->e->next_assign_id++,
                                    "type", glia_event_name(type), "data", text));
    free(text);
}

static void commit_point(glia_commit_t *c, json_t *point) /* steals point */
{
    glia_entry_t *e = c->e;
    uint64_t episode = (uint64_t)json_integer_value(json_object_get(point, "episode"));
    json_t *outputs;

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
    commit_event(c, GLIA_EV_METRICS,
                      json_pack("{s:I, s:O, s:O, s:O, s:O}", "episode", (json_int_t)episode,
                                "avg_reward", json_object_get(point, "avg_reward"),
                                "accept_rate", json_object_get(point, "accept_rate"),
                                "accuracy", json_object_get(point, "accuracy"),
                                "distinct_outputs", json_object_get(point, "distinct_outputs")));
    outputs = json_object_get(point, "outputs");
    commit_event(c, GLIA_EV_OUTPUTS,
                      json_pack("{s:I, s:O, s:O, s:O, s:O}", "episode", (json_int_t)episode,
                                "outputs", outputs, "accuracy", json_object_get(point, "accuracy"),
                                "distinct_outputs", json_object_get(point, "distinct_outputs"),
                                "constant_output", json_object_get(point, "constant_output")));
    json_decref(point);
}

void glia_commit_progress(glia_commit_t *c)
{
    glia_entry_t *e = c->e;
    e->last_progress = glia_now();
    commit_event(
        c, GLIA_EV_PROGRESS,
        json_pack("{s:I, s:I, s:I, s:i, s:f, s:I, s:I}", "episode",
                  (json_int_t)e->counters.episodes, "episodes", (json_int_t)e->target_episodes,
                  "steps", (json_int_t)e->counters.steps, "step_in_episode",
                  e->counters.step_in_episode, "steps_per_second", e->steps_per_second,
                  "accepted", (json_int_t)e->counters.accepted, "rejected",
                  (json_int_t)e->counters.rejected));
}

void glia_commit_state(glia_commit_t *c, int state, const char *error)
{
    glia_entry_t *e = c->e;
    int previous = e->state;

    e->state = state;
    snprintf(e->error, sizeof(e->error), "%s", error ? error : "");
    glia_commit_row(c);
    commit_event(c, GLIA_EV_STATE,
                      json_pack("{s:s, s:s, s:I, s:I, s:s?}", "state", glia_state_name(state),
                                "previous", glia_state_name(previous), "episode",
                                (json_int_t)e->counters.episodes, "episodes",
                                (json_int_t)e->target_episodes, "error", error));
    if (previous != state)
        glia_log("info", e->name, "session %s -> %s%s%s", glia_state_name(previous),
                 glia_state_name(state), error ? ": " : "", error ? error : "");
}

void glia_commit_trajectory(glia_commit_t *c, int include_last)
{
    glia_session_t *s = c->e->session;
    size_t n;
    const glia_point_t *pts = glia_session_trajectory(s, &n);
    glia_point_t last;
    size_t first = n;

    /* Points are in episode order: walk back to the first one not yet published. */
    while (first > 0 && !(c->e->has_published_points &&
                          pts[first - 1].episode <= c->e->published_upto))
        first--;
    for (size_t i = first; i < n; i++)
        commit_point(c, glia_point_to_json(s, &pts[i], glia_session_point_outputs(s, i)));
    if (include_last && glia_session_last_point(s, &last) == 0)
        commit_point(c, glia_point_to_json(s, &last, glia_session_last_outputs(s)));
}

void glia_commit_delete(glia_commit_t *c)
{
    c->op->is_delete = 1;
    c->is_delete = 1;
}

void glia_commit_reply(glia_commit_t *c, glia_request_t *req, int status, json_t *body)
{
    c->req = req;
    c->reply_status = status;
    c->reply = body;
}

void glia_commit_redispatch(glia_commit_t *c, glia_request_t *list)
{
    glia_request_t **tail = &c->redispatch;
    while (*tail)
        tail = &(*tail)->next;
    *tail = list;
}

void glia_commit_is_create(glia_commit_t *c)
{
    c->is_create = 1;
}

void glia_commit_submit(glia_commit_t *c)
{
    c->state = c->e->state;
    if (!c->is_delete)
        c->summary = glia_entry_summary(c->srv, c->e, 1);
    glia_store_submit(c->srv->store, c->op);
}

static void done_cb(glia_store_op_t *op, int status, void *arg)
{
    glia_commit_t *c = arg;
    glia_server_t *srv = c->srv;
    glia_entry_t *e = c->e;

    if (status != 0) {
        atomic_fetch_add(&srv->stats.store_errors, 1);
        glia_log("error", e->name, "store: %s", op->error);
        if (c->is_create) {
            glia_registry_remove(srv, e);
            if (c->req)
                glia_request_reply_problem(c->req, glia_problem(507, "store-failed",
                                                                "the session was not stored: %s",
                                                                op->error));
        } else if (!c->is_delete) {
            /* The session lives on in memory but must not pretend to be durable. */
            e->state = GLIA_STATE_FAILED;
            snprintf(e->error, sizeof(e->error), "%s", op->error);
            e->cancel_requested = 1;
            atomic_store(&e->stop_flag, 1);
            json_decref(c->summary);
            c->summary = glia_entry_summary(srv, e, 1);
            pthread_mutex_lock(&e->mu);
            json_decref(e->summary);
            e->summary = c->summary;
            c->summary = NULL;
            atomic_store(&e->pub_state, e->state);
            e->is_running = 0;
            pthread_mutex_unlock(&e->mu);
            glia_events_wake(srv, e);
            if (c->req)
                glia_request_reply_problem(c->req, glia_problem(507, "store-failed",
                                                                "the change was not stored: %s",
                                                                op->error));
        } else {
            /* The delete did not happen: the session is back as it was. */
            pthread_mutex_lock(&e->mu);
            e->is_deleting = 0;
            pthread_mutex_unlock(&e->mu);
            if (e->state == GLIA_STATE_RUNNING && !e->in_worker)
                glia_runner_schedule(srv, e);
            if (c->req)
                glia_request_reply_problem(c->req, glia_problem(507, "store-failed",
                                                                "the session was not deleted: %s",
                                                                op->error));
        }
        json_decref(c->reply);
    } else {
        pthread_mutex_lock(&e->mu);
        for (size_t i = 0; i < json_array_size(c->published_points); i++) {
            if (glia_entry_add_point(e, json_array_get(c->published_points, i)) != 0)
                break;
        }
        glia_events_push(e, op->events);
        if (c->summary != NULL) {
            json_decref(e->summary);
            e->summary = c->summary;
            c->summary = NULL;
            atomic_store(&e->pub_state, c->state);
            e->is_running = c->state == GLIA_STATE_RUNNING;
        }
        if (c->is_delete)
            e->is_closed = 1;
        pthread_mutex_unlock(&e->mu);
        if (c->is_delete) {
            e->is_deleted = 1;
            glia_registry_remove(srv, e);
        }
        glia_events_wake(srv, e);
        if (c->req) {
            /* A reply shows what this commit stored, not what happened since. */
            if (c->reply_status == 204)
                glia_request_reply_text(c->req, 204, NULL, NULL, 0);
            else if (c->reply_status >= 400)
                glia_request_reply_problem(c->req, c->reply);
            else
                glia_request_reply_json(c->req, c->reply_status,
                                        c->reply ? c->reply : json_incref(e->summary));
        } else {
            json_decref(c->reply);
        }
    }
    if (c->req)
        glia_request_finish(c->req);
    json_decref(c->summary);
    json_decref(c->published_points);
    glia_handle_all(srv, c->redispatch);
    glia_entry_unref(e);
    free(c);
}
