/* handle_objective.c: GET and POST /v1/sessions/{name}/objective, scoring weight vectors on
 * a session's task without changing the session (core/objective.h), so that an outside
 * optimizer can be compared with the session's learner on the same network.
 *
 * Scoring is work that grows with the network, the task and the vectors sent, so it runs
 * on the pool as a read of the session (runner.c: between two slices of a run, never
 * beside one), and is bounded: at most GLIA_OBJECTIVE_MAX_VECTORS vectors and
 * OBJECTIVE_MAX_WORK synapse and neuron visits per request (about a second of a worker),
 * its scratch counted against the memory budget. Checking the vectors' lengths on the loop
 * is linear in the body, which --max-body-bytes bounds. Only a request whose work is
 * tiny, on a session no job holds, is scored on the loop at once. POST is flagged WRITE
 * like every non-GET route (refused with 503 once the server is shutting down) although it
 * changes nothing; it is never parked, so the flag changes nothing else.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/problem.h"
#include "core/objective.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/routes/handlers.h"
#include "server/sessions/entry.h"
#include "server/sessions/runner.h"

#define OBJECTIVE_MAX_WORK   1000000000ull /* visits per request (glia_objective_work) */
#define OBJECTIVE_LOOP_WORK  200000ull     /* at most this much is scored on the loop */
#define OBJECTIVE_LOOP_BYTES (256 * 1024)  /* ... with a reply estimated under this */

typedef struct objective_job {
    glia_request_t *req;
    int is_post;
    char *text; /* the rendered reply */
    size_t len;
    int has_run;
} objective_job_t;

/* What both replies start with. */
static json_t *objective_head(glia_entry_t *e)
{
    const glia_session_t *s = e->session;
    glia_counters_t k;

    glia_session_counters(s, &k);
    return json_pack("{s:s, s:I, s:i, s:i}", "name", e->name, "episode", (json_int_t)k.episodes,
                     "dimension", glia_net_synapse_count(glia_session_net(s)), "patterns",
                     glia_session_config(s)->task.count);
}

/* GET: the session's weights, their bounds and their score. */
static json_t *render_current(glia_entry_t *e, glia_objective_t *o)
{
    const glia_session_t *s = e->session;
    const glia_net_t *net = glia_session_net(s);
    const double clamp = glia_session_config(s)->training.weight_clamp;
    json_t *body = objective_head(e), *weights = json_array();
    glia_score_t sc;

    for (int i = 0; weights != NULL && i < glia_net_synapse_count(net); i++) {
        int pre, post;
        double w;
        glia_net_synapse(net, i, &pre, &post, &w);
        if (json_array_append_new(weights, json_real(w)) != 0) {
            json_decref(weights);
            weights = NULL;
        }
    }
    if (body == NULL || weights == NULL) {
        json_decref(body);
        json_decref(weights);
        return NULL;
    }
    glia_objective_score(o, NULL, &sc);
    json_object_set_new(body, "bounds", json_pack("[f, f]", -clamp, clamp));
    json_object_set_new(body, "weights", weights);
    json_object_set_new(body, "score", json_real(sc.score));
    json_object_set_new(body, "accuracy", json_real(sc.accuracy));
    json_object_set_new(body, "reward_queries", json_integer(glia_session_config(s)->task.count));
    return body;
}

/* POST: the score of each vector, in order. */
static json_t *render_scores(glia_entry_t *e, glia_objective_t *o, const glia_objective_body_t *b)
{
    json_t *body = objective_head(e), *results = json_array();
    const double *w = b->values;

    for (int k = 0; results != NULL && k < b->n_vectors; k++) {
        glia_score_t sc;
        glia_objective_score(o, w, &sc);
        w += b->len[k];
        if (json_array_append_new(results, json_pack("{s:f, s:f}", "score", sc.score, "accuracy",
                                                     sc.accuracy)) != 0) {
            json_decref(results);
            results = NULL;
        }
    }
    if (body == NULL || results == NULL) {
        json_decref(body);
        json_decref(results);
        return NULL;
    }
    json_object_set_new(body, "results", results);
    json_object_set_new(
        body, "reward_queries",
        json_integer((json_int_t)b->n_vectors * glia_session_config(e->session)->task.count));
    return body;
}

/* On a worker (or the loop, when tiny): score and render. Reads the session only. */
static void objective_work(glia_entry_t *e, void *arg)
{
    objective_job_t *job = arg;
    glia_objective_t *o;
    json_t *body;

    job->has_run = 1;
    if (glia_objective_new(e->session, &o) != 0)
        return;
    body = job->is_post ? render_scores(e, o, job->req->objective) : render_current(e, o);
    glia_objective_free(o);
    if (body != NULL)
        job->text = glia_render_json(body, &job->len);
}

static void objective_done(glia_server_t *srv, glia_entry_t *e, void *arg)
{
    objective_job_t *job = arg;
    (void)srv;

    if (job->text != NULL)
        glia_reply_text(job->req, 200, "application/json", job->text, job->len);
    else if (!job->has_run && (e->is_deleting || e->is_deleted))
        glia_reply_not_found(job->req, "session"); /* deleted before it was scored */
    else
        glia_reply_oom(job->req);
    free(job);
}

/* Score `vectors` vectors (0: the session's own weights, with them in the reply). */
static void score(glia_server_t *srv, glia_request_t *req, int vectors)
{
    glia_entry_t *e = req->entry;
    const glia_session_t *s = e->session;
    const uint64_t n_syn = (uint64_t)glia_net_synapse_count(glia_session_net(s));
    const uint64_t work = glia_objective_work(s) * (uint64_t)(vectors ? vectors : 1);
    const uint64_t bytes =
        16384 + glia_objective_scratch_bytes(s) + (vectors ? 96 * (uint64_t)vectors : 80 * n_syn);
    objective_job_t *job;

    if ((job = calloc(1, sizeof(*job))) == NULL) {
        glia_reply_oom(req);
        return;
    }
    job->req = req;
    job->is_post = vectors > 0;
    if (work <= OBJECTIVE_LOOP_WORK && bytes <= OBJECTIVE_LOOP_BYTES && !e->in_worker) {
        objective_work(e, job);
        objective_done(srv, e, job);
        return;
    }
    if (glia_budget_take(&srv->budget, bytes) != 0) {
        char desc[GLIA_NAME_MAX + 64];
        free(job);
        snprintf(desc, sizeof(desc), "scoring on session \"%s\"", e->name);
        glia_reply_problem(req, glia_budget_problem(&srv->budget, bytes, desc));
        return;
    }
    req->mem_reserved = bytes; /* given back when the request is freed, once sent */
    if (glia_runner_read(srv, e, objective_work, objective_done, job) != 0) {
        free(job);
        glia_reply_oom(req);
    }
}

void glia_handle_objective_get(glia_server_t *srv, glia_request_t *req)
{
    score(srv, req, 0);
}

int glia_prepare_objective(glia_request_t *req, glia_error_t *err)
{
    int rc;

    if ((rc = glia_request_only_query(req, NULL, err)) != 0)
        return rc;
    if ((req->objective = calloc(1, sizeof(*req->objective))) == NULL)
        return GLIA_ENOMEM;
    return glia_parse_objective(req->json, req->objective, err);
}

void glia_handle_objective_post(glia_server_t *srv, glia_request_t *req)
{
    const glia_session_t *s = req->entry->session;
    const glia_objective_body_t *b = req->objective;
    const int dim = glia_net_synapse_count(glia_session_net(s));
    glia_error_t err;

    glia_error_clear(&err);
    for (int k = 0; k < b->n_vectors; k++) {
        if (b->len[k] == (size_t)dim)
            continue;
        if (b->is_batch) {
            char ptr[32];
            snprintf(ptr, sizeof(ptr), "/batch/%d", k);
            glia_error_set(&err, GLIA_EINVAL, ptr,
                           "must hold %d numbers (the session's synapses, in the order of GET "
                           ".../network?synapses=true), not %zu",
                           dim, b->len[k]);
        } else {
            glia_error_set(&err, GLIA_EINVAL, "/weights",
                           "must hold %d numbers (the session's synapses, in the order of GET "
                           ".../network?synapses=true), not %zu",
                           dim, b->len[k]);
        }
        glia_reply_problem(req, glia_problem_validation(&err));
        return;
    }
    if (glia_objective_work(s) * (uint64_t)b->n_vectors > OBJECTIVE_MAX_WORK) {
        glia_error_set(&err, GLIA_EINVAL, b->is_batch ? "/batch" : "/weights",
                       "scoring %d vector(s) on this session takes %llu synapse and neuron "
                       "visits; at most %llu are done per request: send fewer vectors",
                       b->n_vectors,
                       (unsigned long long)(glia_objective_work(s) * (uint64_t)b->n_vectors),
                       (unsigned long long)OBJECTIVE_MAX_WORK);
        glia_reply_problem(req, glia_problem_validation(&err));
        return;
    }
    score(srv, req, b->n_vectors);
}
