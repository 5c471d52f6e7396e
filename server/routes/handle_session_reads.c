/* handle_session_reads.c: the routes that read a session's learning state itself
 * (inference, astrocytes, network, result, snapshot).
 *
 * A reply from a big session can be large (a network's synapses, a snapshot of millions of
 * weights) and slow to build, so none is built on the loop or an HTTP thread: the handler
 * (loop) asks the lifecycle what the API allows (admit.c), counts the reply's estimated
 * bytes against the memory budget (507 when they do not fit; given back once the reply is
 * sent) and hands the rendering to the pool as a read of the session (runner.c), which
 * holds the session between two slices of a run. The reply is answered back on the loop. Only a
 * small reply (estimated under SMALL_REPLY) of a session no job holds is rendered on the loop.
 * Listings that can be large are paged (the network's synapses).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_write.h"
#include "api/problem.h"
#include "api/result_json.h"
#include "core/footprint.h"
#include "server/http/dispatch.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/routes/handlers.h"
#include "server/sessions/entry.h"
#include "server/sessions/runner.h"

#define SMALL_REPLY            (256 * 1024) /* estimated bytes of a reply built on the loop */
#define SYNAPSES_DEFAULT_LIMIT 10000
#define SYNAPSES_MAX_LIMIT     100000

/* A reply being rendered on the pool. */
typedef struct read_job {
    glia_request_t *req;
    json_t *(*render)(glia_entry_t *e, glia_request_t *req); /* on the worker */
    char *text;                                              /* the rendered reply */
    size_t len;
    int has_run;
} read_job_t;

static void read_work(glia_entry_t *e, void *arg)
{
    read_job_t *job = arg;
    json_t *body;

    job->has_run = 1;
    if ((body = job->render(e, job->req)) != NULL)
        job->text = glia_render_json(body, &job->len);
}

static void read_done(glia_server_t *srv, glia_entry_t *e, void *arg)
{
    read_job_t *job = arg;
    (void)srv;

    if (job->text != NULL)
        glia_reply_text(job->req, 200, "application/json", job->text, job->len);
    else if (!job->has_run && (e->is_deleting || e->is_deleted))
        glia_reply_not_found(job->req, "session"); /* deleted before it was read */
    else
        glia_reply_oom(job->req);
    free(job);
}

/* Count `bytes` against the budget for this reply (507 when they do not fit), then render
 * it on the pool. A small reply of a session nothing holds is rendered here at once: it
 * takes microseconds, and must not wait for a pool that big work keeps busy. */
static void read_on_pool(glia_server_t *srv, glia_request_t *req, uint64_t bytes, const char *what,
                         json_t *(*render)(glia_entry_t *, glia_request_t *))
{
    read_job_t *job;
    char desc[GLIA_NAME_MAX + 64];

    if (bytes <= SMALL_REPLY && !req->entry->in_worker) {
        json_t *body = render(req->entry, req);
        if (body == NULL)
            glia_reply_oom(req);
        else
            glia_reply_json(req, 200, body);
        return;
    }

    if (glia_budget_take(&srv->budget, bytes) != 0) {
        snprintf(desc, sizeof(desc), "the %s of session \"%s\"", what, req->entry->name);
        glia_reply_problem(req, glia_budget_problem(&srv->budget, bytes, desc));
        return;
    }
    req->mem_reserved = bytes; /* given back when the request is freed, once sent */
    if ((job = calloc(1, sizeof(*job))) == NULL) {
        glia_reply_oom(req);
        return;
    }
    job->req = req;
    job->render = render;
    if (glia_runner_read(srv, req->entry, read_work, read_done, job) != 0) {
        free(job);
        glia_reply_oom(req);
    }
}

/* Sizes a reply is estimated from: what a JSON tree and its text take per item. */
static uint64_t output_bytes(const glia_config_t *cfg)
{
    return 96 + 2 * (uint64_t)cfg->task.target_width;
}

static uint64_t territory_ids(const glia_session_t *s)
{
    const glia_territories_t *ts = glia_session_territories(s);
    uint64_t n = 0;
    for (int i = 0; i < ts->count; i++)
        n += (uint64_t)ts->t[i].n_ids;
    return n;
}

/* ---- inference ---------------------------------------------------------------------- */

static json_t *render_inference(glia_entry_t *e, glia_request_t *req)
{
    glia_inference_t inf;
    glia_counters_t k;
    json_t *body;
    (void)req;

    glia_session_counters(e->session, &k);
    glia_session_inference(e->session, &inf);
    body = glia_inference_to_json(e->session, &inf);
    if (body != NULL) {
        json_object_set_new(body, "name", json_string(e->name));
        json_object_set_new(body, "episode", json_integer((json_int_t)k.episodes));
    }
    return body;
}

void glia_handle_session_inference(glia_server_t *srv, glia_request_t *req)
{
    const glia_config_t *cfg = glia_session_config(req->entry->session);

    read_on_pool(srv, req, 16384 + (uint64_t)cfg->task.count * (400 + 3 * output_bytes(cfg)),
                 "inference", render_inference);
}

/* ---- astrocytes --------------------------------------------------------------------- */

static json_t *render_astrocytes(glia_entry_t *e, glia_request_t *req)
{
    json_t *list = glia_astrocytes_to_json(e->session), *body;
    glia_counters_t k;
    (void)req;

    glia_session_counters(e->session, &k);
    body = json_pack("{s:s, s:I, s:o}", "name", e->name, "episode", (json_int_t)k.episodes,
                     "astrocytes", json_is_null(list) ? json_array() : list);
    if (json_is_null(list))
        json_decref(list);
    return body;
}

void glia_handle_session_astrocytes(glia_server_t *srv, glia_request_t *req)
{
    const glia_session_t *s = req->entry->session;
    const glia_config_t *cfg = glia_session_config(s);

    read_on_pool(srv, req,
                 16384 + (uint64_t)glia_session_territories(s)->count *
                             (2048 + 64 * (uint64_t)cfg->task.count),
                 "astrocytes", render_astrocytes);
}

/* ---- learner ------------------------------------------------------------------------ */

/* Any learner: its kind and whatever its live state describes (core/learners/learner.h). */
static json_t *render_learner(glia_entry_t *e, glia_request_t *req)
{
    glia_counters_t k;
    json_t *body;
    (void)req;

    glia_session_counters(e->session, &k);
    body = json_pack("{s:s, s:I, s:s}", "name", e->name, "episode", (json_int_t)k.episodes, "kind",
                     glia_session_learner_name(e->session));
    if (body != NULL) {
        json_t *state = glia_learner_to_json(e->session, GLIA_VIEW_STATE);
        if (state == NULL || json_object_set_new(body, "state", state) != 0) {
            json_decref(body);
            body = NULL;
        }
    }
    return body;
}

void glia_handle_session_learner(glia_server_t *srv, glia_request_t *req)
{
    const glia_session_t *s = req->entry->session;
    const glia_config_t *cfg = glia_session_config(s);

    read_on_pool(srv, req,
                 65536 + 400 * (uint64_t)glia_net_neuron_count(glia_session_net(s)) +
                     (uint64_t)glia_session_territories(s)->count *
                         (2048 + 64 * (uint64_t)cfg->task.count),
                 "learner state", render_learner);
}

/* ---- network ------------------------------------------------------------------------ */

int glia_prepare_session_network(glia_request_t *req, glia_error_t *err)
{
    static const char *const takes[] = {"synapses", "after", "limit", NULL};
    const char *v;
    int rc;

    if ((rc = glia_request_only_query(req, takes, err)) != 0)
        return rc;
    req->syn_after = -1;
    req->syn_limit = SYNAPSES_DEFAULT_LIMIT;
    if ((v = glia_request_query(req, "synapses")) != NULL &&
        (rc = glia_query_bool("synapses", v, &req->with_synapses, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "after")) != NULL &&
        (rc = glia_query_int("after", v, -1, INT32_MAX, &req->syn_after, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "limit")) != NULL &&
        (rc = glia_query_int("limit", v, 1, SYNAPSES_MAX_LIMIT, &req->syn_limit, err)) != 0)
        return rc;
    if (!req->with_synapses &&
        (glia_request_query(req, "after") != NULL || glia_request_query(req, "limit") != NULL))
        return glia_error_set(err, GLIA_EINVAL, "?synapses",
                              "after and limit page the synapses: add synapses=true");
    return 0;
}

static json_t *render_network(glia_entry_t *e, glia_request_t *req)
{
    json_t *body = glia_network_to_json(e->session, 0);
    int64_t next = -1;

    if (body == NULL)
        return NULL;
    json_object_set_new(body, "name", json_string(e->name));
    if (req->with_synapses) {
        json_t *page = glia_synapses_to_json(e->session, req->syn_after, req->syn_limit, &next);
        if (page == NULL) {
            json_decref(body);
            return NULL;
        }
        json_object_set_new(body, "synapses", page);
        json_object_set_new(body, "next_after", next >= 0 ? json_integer(next) : json_null());
    }
    return body;
}

void glia_handle_session_network(glia_server_t *srv, glia_request_t *req)
{
    const glia_session_t *s = req->entry->session;
    const glia_net_t *net = glia_session_net(s);
    uint64_t bytes = 16384 + 1200 * (uint64_t)glia_net_neuron_count(net) + 200 * territory_ids(s) +
                     600 * (uint64_t)glia_session_territories(s)->count;
    int64_t left = glia_net_synapse_count(net) - (req->syn_after + 1);

    if (req->with_synapses && left > 0)
        bytes += 600 * (uint64_t)(left < req->syn_limit ? left : req->syn_limit);
    read_on_pool(srv, req, bytes, "network", render_network);
}

/* ---- result ------------------------------------------------------------------------- */

static json_t *render_result(glia_entry_t *e, glia_request_t *req)
{
    json_t *body =
        glia_result_to_json(e->session, req->spec_preset[0] ? req->spec_preset : NULL, 1);
    if (body != NULL)
        json_object_set_new(body, "name", json_string(e->name));
    return body;
}

void glia_handle_session_result(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    const glia_session_t *s = e->session;
    const glia_config_t *cfg = glia_session_config(s);
    glia_admit_t a;
    size_t points;

    if (glia_lifecycle_admit_result(e, &a) != GLIA_ADMIT_YES) {
        glia_reply_refusal(req, e, &a);
        return;
    }
    glia_session_trajectory(s, &points);
    snprintf(req->spec_preset, sizeof(req->spec_preset), "%s", e->preset);
    read_on_pool(srv, req,
                 65536 + (points + 1) * (1400 + 3 * (uint64_t)cfg->task.count * output_bytes(cfg)) +
                     (uint64_t)glia_session_territories(s)->count *
                         (2048 + 64 * (uint64_t)cfg->task.count) +
                     (uint64_t)cfg->task.count * (400 + 3 * output_bytes(cfg)),
                 "result", render_result);
}

/* ---- snapshot ----------------------------------------------------------------------- */

/* The snapshot reply is written as text directly: the base64 string is the bulk of it and
 * is not copied into a JSON tree. */
static void snapshot_work(glia_entry_t *e, void *arg)
{
    read_job_t *job = arg;
    glia_request_t *req = job->req;
    glia_counters_t k;
    uint8_t *bytes;
    size_t len, head_len;
    char *b64, *head, format[32];
    json_t *meta;

    job->has_run = 1;
    if (glia_session_save(e->session, &bytes, &len) != 0)
        return;
    b64 = glia_base64_encode(bytes, len);
    free(bytes);
    if (b64 == NULL)
        return;
    glia_session_counters(e->session, &k);
    snprintf(format, sizeof(format), "glia-snapshot/%u", glia_snapshot_version());
    /* Everything but the snapshot, rendered as usual, then "snapshot" appended. */
    meta = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:O}", "name", e->name, "format", format,
                     "preset", req->spec_preset[0] ? req->spec_preset : NULL, "seed",
                     (json_int_t)glia_session_seed(e->session), "episode", (json_int_t)k.episodes,
                     "steps", (json_int_t)k.steps, "bytes", (json_int_t)len, "config",
                     req->snapshot_config);
    head = glia_render_json(meta, &head_len);
    if (head != NULL) {
        /* head ends with "\n}\n": replace that with the last member. */
        size_t b64_len = strlen(b64), cut = head_len - 3;
        static const char key[] = ",\n  \"snapshot\": \"";
        job->len = cut + sizeof(key) - 1 + b64_len + 4;
        if ((job->text = malloc(job->len + 1)) != NULL) {
            char *p = job->text;
            memcpy(p, head, cut);
            p += cut;
            memcpy(p, key, sizeof(key) - 1);
            p += sizeof(key) - 1;
            memcpy(p, b64, b64_len);
            p += b64_len;
            memcpy(p, "\"\n}\n", 5);
        }
        free(head);
    }
    free(b64);
}

void glia_handle_session_snapshot(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    const glia_session_t *s = e->session;
    glia_footprint_t fp;
    size_t points;
    read_job_t *job;
    uint64_t bytes;

    glia_session_trajectory(s, &points);
    glia_config_memory_estimate(glia_session_config(s), points, &fp);
    /* The saved bytes, their base64 text, and the reply. */
    bytes = 65536 + fp.snapshot + 2 * (fp.snapshot / 3 * 4 + 4);
    if (glia_budget_take(&srv->budget, bytes) != 0) {
        char desc[GLIA_NAME_MAX + 64];
        snprintf(desc, sizeof(desc), "the snapshot of session \"%s\"", e->name);
        glia_reply_problem(req, glia_budget_problem(&srv->budget, bytes, desc));
        return;
    }
    req->mem_reserved = bytes;
    snprintf(req->spec_preset, sizeof(req->spec_preset), "%s", e->preset);
    req->snapshot_config = json_incref(e->config_json);
    if ((job = calloc(1, sizeof(*job))) == NULL) {
        glia_reply_oom(req);
        return;
    }
    job->req = req;
    if (bytes <= SMALL_REPLY && !e->in_worker) { /* small: at once (see read_on_pool) */
        snapshot_work(e, job);
        read_done(srv, e, job);
        return;
    }
    if (glia_runner_read(srv, e, snapshot_work, read_done, job) != 0) {
        free(job);
        glia_reply_oom(req);
    }
}
