/* handlers.c: what each route does.
 *
 * Direct handlers run on HTTP threads and read only published data (summaries, points,
 * presets, counters). Loop handlers run on the loop thread; they may read or change a
 * session only while no job holds it, otherwise they wait on the entry (waiters) and
 * are dispatched again when the job returns.
 */
#include <stdlib.h>
#include <string.h>

#include "../api/config_json.h"
#include "../api/problem.h"
#include "../api/requests.h"
#include "../api/result_json.h"
#include "../core/rng.h"
#include "experiments.h"
#include "publish.h"
#include "server.h"
#include "store.h"

#define METRICS_DEFAULT_LIMIT 1000
#define METRICS_MAX_LIMIT     10000
#define LIST_DEFAULT_LIMIT    100
#define LIST_MAX_LIMIT        1000

/* ---- summaries ------------------------------------------------------------------- */

json_t *glia_entry_summary(glia_server_t *srv, glia_entry_t *e, int with_config)
{
    char created[40], updated[40];
    json_t *o, *latest = json_incref(e->latest_point);
    const glia_counters_t *k = &e->counters;
    uint64_t decisions = k->accepted + k->rejected;
    (void)srv;

    glia_format_time(e->created_at, created, sizeof(created));
    glia_format_time(e->updated_at ? e->updated_at : e->created_at, updated, sizeof(updated));
    o = json_pack(
        "{s:s, s:s, s:s?, s:I, s:s?, s:b, s:s, s:s, "
        "s:{s:I, s:I, s:I, s:i, s:f, s:f}, s:I, s:I, s:f, s:o, s:s?}",
        "name", e->name, "state", glia_state_name(e->state), "preset",
        e->preset[0] ? e->preset : NULL, "seed", (json_int_t)e->seed, "experiment",
        e->experiment[0] ? e->experiment : NULL, "export_metrics", e->is_exported, "created_at",
        created, "updated_at", updated, "progress", "episode", (json_int_t)k->episodes,
        "episodes", (json_int_t)e->target_episodes, "steps", (json_int_t)k->steps,
        "step_in_episode", k->step_in_episode, "steps_per_second", e->steps_per_second,
        "fraction",
        e->target_episodes ? (double)(k->episodes < e->target_episodes ? k->episodes
                                                                       : e->target_episodes) /
                                 (double)e->target_episodes
                           : 0.0,
        "accepted", (json_int_t)k->accepted, "rejected", (json_int_t)k->rejected, "accept_rate",
        decisions ? (double)k->accepted / (double)decisions : 0.0, "latest_point",
        latest ? latest : json_null(), "error", e->error[0] ? e->error : NULL);
    if (o != NULL && with_config)
        json_object_set(o, "config", e->config_json);
    return o;
}

/* ---- direct handlers (HTTP threads) ------------------------------------------------ */

int glia_is_direct_route(int route)
{
    switch (route) {
    case GLIA_ROUTE_HEALTHZ:
    case GLIA_ROUTE_READYZ:
    case GLIA_ROUTE_PROMETHEUS:
    case GLIA_ROUTE_VERSION:
    case GLIA_ROUTE_PRESETS:
    case GLIA_ROUTE_PRESET:
    case GLIA_ROUTE_SESSIONS_LIST:
    case GLIA_ROUTE_SESSION_GET:
    case GLIA_ROUTE_SESSION_METRICS:
    case GLIA_ROUTE_SESSION_EVENTS:
        return 1;
    default:
        return 0;
    }
}

int glia_is_read_route(int route)
{
    return route == GLIA_ROUTE_SESSION_INFERENCE || route == GLIA_ROUTE_SESSION_ASTROCYTES ||
           route == GLIA_ROUTE_SESSION_NETWORK || route == GLIA_ROUTE_SESSION_RESULT ||
           route == GLIA_ROUTE_SESSION_SNAPSHOT;
}

static void reply_not_found(glia_request_t *req, const char *what)
{
    glia_request_reply_problem(req, glia_problem(404, "not-found", "no %s named \"%s\"", what,
                                                 req->match.name));
}

/* 400 for a query parameter (err->field "?name") or a header (err->field "Header:"):
 * errors[] names it as "parameter" or "header", not as a JSON pointer. */
static void reply_bad_query(glia_request_t *req, const glia_error_t *err)
{
    json_t *p = glia_problem(400, "bad-query", "%s", err->message);
    int is_header = err->field[0] != '?';
    const char *name = is_header ? err->field : err->field + 1;
    if (p != NULL)
        json_object_set_new(p, "errors", json_pack("[{s:s, s:s}]", is_header ? "header" : "parameter",
                                                   name, "detail", err->message));
    glia_request_reply_problem(req, p);
}

/* A published entry (new reference), or NULL after answering 404. */
static glia_entry_t *published_entry(glia_server_t *srv, glia_request_t *req, json_t **summary)
{
    glia_entry_t *e = glia_registry_get(srv, req->match.name);

    if (e != NULL) {
        pthread_mutex_lock(&e->mu);
        *summary = e->is_deleting ? NULL : json_incref(e->summary);
        pthread_mutex_unlock(&e->mu);
        if (*summary != NULL)
            return e;
        glia_entry_unref(e); /* being created or deleted: not visible */
    }
    reply_not_found(req, "session");
    return NULL;
}

static json_t *preset_json(const glia_preset_info_t *p)
{
    glia_config_t cfg;
    glia_config_preset(&cfg, p->name);
    return json_pack("{s:s, s:s?, s:s, s:i, s:o}", "name", p->name, "alias", p->alias,
                     "description", p->description, "episodes", p->episodes, "config",
                     glia_config_to_json(&cfg));
}

static void direct_list(glia_server_t *srv, glia_request_t *req)
{
    const char *v;
    int64_t limit = LIST_DEFAULT_LIMIT;
    int state = -1, more = 0;
    glia_error_t err;
    glia_entry_t *page[LIST_MAX_LIMIT];
    size_t n;
    json_t *items = json_array();

    glia_error_clear(&err);
    if ((v = glia_request_query(req, "limit")) != NULL &&
        glia_query_int("limit", v, 1, LIST_MAX_LIMIT, &limit, &err) != 0) {
        json_decref(items);
        reply_bad_query(req, &err);
        return;
    }
    if ((v = glia_request_query(req, "state")) != NULL && (state = glia_state_from_name(v)) < 0) {
        glia_error_set(&err, GLIA_EINVAL, "?state",
                       "query parameter state must be one of idle, running, paused, completed, "
                       "failed, cancelled");
        json_decref(items);
        reply_bad_query(req, &err);
        return;
    }
    n = glia_registry_page(srv, glia_request_query(req, "cursor"), state, (size_t)limit, page,
                           &more);
    for (size_t i = 0; i < n; i++) {
        json_t *summary;
        pthread_mutex_lock(&page[i]->mu);
        summary = page[i]->summary ? json_copy(page[i]->summary) : NULL;
        pthread_mutex_unlock(&page[i]->mu);
        if (summary != NULL) {
            json_object_del(summary, "config");
            json_array_append_new(items, summary);
        }
        glia_entry_unref(page[i]);
    }
    glia_request_reply_json(
        req, 200,
        json_pack("{s:o, s:s?}", "items", items, "next_cursor",
                  more && n > 0 ? json_string_value(json_object_get(
                                      json_array_get(items, json_array_size(items) - 1), "name"))
                                : NULL));
}

static void direct_metrics(glia_server_t *srv, glia_request_t *req)
{
    const char *v;
    int64_t after = -1, limit = METRICS_DEFAULT_LIMIT, max_points = 0;
    glia_error_t err;
    json_t *summary, *points = json_array(), **sel = NULL;
    glia_entry_t *e;
    size_t n = 0, first, total = 0;

    glia_error_clear(&err);
    if (((v = glia_request_query(req, "after")) != NULL &&
         glia_query_int("after", v, -1, INT64_MAX, &after, &err) != 0) ||
        ((v = glia_request_query(req, "limit")) != NULL &&
         glia_query_int("limit", v, 1, METRICS_MAX_LIMIT, &limit, &err) != 0) ||
        ((v = glia_request_query(req, "max_points")) != NULL &&
         glia_query_int("max_points", v, 2, METRICS_MAX_LIMIT, &max_points, &err) != 0)) {
        json_decref(points);
        reply_bad_query(req, &err);
        return;
    }
    if (max_points > 0 && glia_request_query(req, "limit") != NULL) {
        /* limit pages raw points; max_points thins the whole range into one answer. */
        glia_error_set(&err, GLIA_EINVAL, "?max_points",
                       "use either limit (pages of points) or max_points (one thinned page)");
        json_decref(points);
        reply_bad_query(req, &err);
        return;
    }
    if (max_points > 0)
        limit = max_points;
    if ((e = published_entry(srv, req, &summary)) == NULL) {
        json_decref(points);
        return;
    }
    json_decref(summary);

    pthread_mutex_lock(&e->mu);
    /* Points are in episode order: find the first after `after`. */
    for (first = 0; first < e->n_points; first++) {
        if (json_integer_value(json_object_get(e->points[first], "episode")) > after)
            break;
    }
    total = e->n_points - first;
    sel = malloc((total ? total : 1) * sizeof(*sel));
    if (sel != NULL) {
        for (size_t i = 0; i < total; i++)
            sel[i] = json_incref(e->points[first + i]);
        n = total;
    }
    pthread_mutex_unlock(&e->mu);

    /* Downsample evenly to max_points, always keeping the first and the last. */
    if (sel != NULL) {
        size_t keep = n, out = 0;
        if (max_points > 0 && n > (size_t)max_points)
            keep = (size_t)max_points;
        for (size_t i = 0; i < keep && out < (size_t)limit; i++) {
            size_t idx = keep == n ? i : (size_t)((double)i * (double)(n - 1) / (double)(keep - 1) + 0.5);
            json_array_append(points, sel[idx]);
            out++;
        }
        for (size_t i = 0; i < n; i++)
            json_decref(sel[i]);
        free(sel);
    }
    {
        size_t returned = json_array_size(points);
        json_t *last = returned ? json_array_get(points, returned - 1) : NULL;
        int more = max_points == 0 && returned < total;
        glia_request_reply_json(
            req, 200,
            json_pack("{s:s, s:o, s:I, s:o}", "name", e->name, "points", points, "total",
                      (json_int_t)total, "next_after",
                      more && last ? json_integer(json_integer_value(json_object_get(last, "episode")))
                                   : json_null()));
    }
    glia_entry_unref(e);
}

void glia_handle_direct(glia_server_t *srv, glia_request_t *req)
{
    json_t *summary;
    glia_entry_t *e;

    switch (req->match.route) {
    case GLIA_ROUTE_HEALTHZ:
        glia_request_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
        break;
    case GLIA_ROUTE_READYZ:
        if (atomic_load(&srv->is_shutting_down))
            glia_request_reply_problem(req, glia_problem(503, "not-ready", "shutting down"));
        else
            glia_request_reply_json(
                req, 200,
                json_pack("{s:s, s:I, s:i}", "status", "ready", "sessions",
                          (json_int_t)glia_registry_count(srv), "workers", srv->opt.workers));
        break;
    case GLIA_ROUTE_PROMETHEUS: {
        size_t len;
        char *text = glia_metrics_render(srv, &len);
        if (text == NULL)
            glia_request_reply_problem(req, glia_problem(500, "internal", "out of memory"));
        else
            glia_request_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
                                    len);
        break;
    }
    case GLIA_ROUTE_VERSION:
        glia_request_reply_json(
            req, 200,
            json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:f, s:s}", "name", "gliad", "version",
                      GLIA_VERSION, "api", "v1", "store_schema", GLIA_STORE_SCHEMA, "compiler",
#if defined(__clang__)
                      "clang " __clang_version__,
#elif defined(__GNUC__)
                      "gcc " __VERSION__,
#else
                      "unknown",
#endif
                      "built", __DATE__ " " __TIME__, "uptime_seconds",
                      glia_now() - srv->started_at, "default_rng",
                      glia_rng_kind_name(GLIA_RNG_XOSHIRO256SS)));
        break;
    case GLIA_ROUTE_PRESETS: {
        json_t *items = json_array();
        for (const glia_preset_info_t *p = glia_presets; p->name; p++)
            json_array_append_new(items, preset_json(p));
        glia_request_reply_json(req, 200, json_pack("{s:o}", "items", items));
        break;
    }
    case GLIA_ROUTE_PRESET: {
        const glia_preset_info_t *p = glia_preset_find(req->match.name);
        if (p == NULL)
            reply_not_found(req, "preset");
        else
            glia_request_reply_json(req, 200, preset_json(p));
        break;
    }
    case GLIA_ROUTE_SESSIONS_LIST:
        direct_list(srv, req);
        break;
    case GLIA_ROUTE_SESSION_GET:
        if ((e = published_entry(srv, req, &summary)) != NULL) {
            glia_request_reply_json(req, 200, summary);
            glia_entry_unref(e);
        }
        break;
    case GLIA_ROUTE_SESSION_METRICS:
        direct_metrics(srv, req);
        break;
    case GLIA_ROUTE_SESSION_EVENTS: {
        const char *v;
        glia_error_t err;
        int64_t ignored;
        int flag;
        glia_error_clear(&err);
        if ((v = glia_request_query(req, "format")) != NULL && strcmp(v, "sse") != 0 &&
            strcmp(v, "ndjson") != 0) {
            glia_error_set(&err, GLIA_EINVAL, "?format",
                           "query parameter format must be sse or ndjson");
            reply_bad_query(req, &err);
            break;
        }
        if (((v = glia_request_query(req, "after")) != NULL &&
             glia_query_int("after", v, 0, INT64_MAX, &ignored, &err) != 0) ||
            ((v = glia_request_query(req, "follow")) != NULL &&
             glia_query_bool("follow", v, &flag, &err) != 0)) {
            reply_bad_query(req, &err);
            break;
        }
        if (req->last_event_id[0] != '\0' &&
            glia_query_int("Last-Event-ID", req->last_event_id, 0, INT64_MAX, &ignored, NULL) != 0) {
            glia_error_set(&err, GLIA_EINVAL, "Last-Event-ID",
                           "header Last-Event-ID must be an event id (a non-negative integer)");
            reply_bad_query(req, &err);
            break;
        }
        if ((e = published_entry(srv, req, &summary)) == NULL)
            break;
        json_decref(summary);
        if (glia_events_serve(srv, req, e) != 0)
            glia_request_reply_problem(req, glia_problem(500, "internal", "cannot open the stream"));
        glia_entry_unref(e);
        break;
    }
    default:
        glia_request_reply_problem(req, glia_problem(500, "internal", "unrouted request"));
    }
}

/* ---- loop handlers ------------------------------------------------------------------- */

static void reply_now(glia_request_t *req, int status, json_t *body)
{
    if (status >= 400)
        glia_request_reply_problem(req, body);
    else
        glia_request_reply_json(req, status, body);
    glia_request_finish(req);
}

static void reply_validation(glia_request_t *req, const glia_error_t *err)
{
    reply_now(req, 422, glia_problem_validation(err));
}

static void reply_oom(glia_request_t *req)
{
    reply_now(req, 500, glia_problem(500, "internal", "out of memory"));
}

/* Park `req` until the job holding the session returns (runner.c dispatches it again). */
static void wait_for_job(glia_entry_t *e, glia_request_t *req)
{
    glia_request_t **tail = &e->waiters;
    while (*tail)
        tail = &(*tail)->next;
    req->next = NULL;
    *tail = req;
}

static json_t *conflict(glia_entry_t *e, const char *what)
{
    json_t *p = glia_problem(409, "conflict", "session \"%s\" is %s: %s", e->name,
                             glia_state_name(e->state), what);
    if (p != NULL)
        json_object_set_new(p, "state", json_string(glia_state_name(e->state)));
    return p;
}

/* The preset a config is exactly, if any (a fork's label). */
static void preset_of(const glia_config_t *cfg, char *out, size_t size)
{
    glia_config_t p;

    out[0] = '\0';
    for (const glia_preset_info_t *info = glia_presets; info->name; info++) {
        glia_config_preset(&p, info->name);
        if (glia_config_equal(&p, cfg)) {
            snprintf(out, size, "%s", info->name);
            return;
        }
    }
}

/* Fill an entry from a resolved spec and its session (create and PUT /config). */
static int apply_spec(glia_entry_t *e, const glia_session_spec_t *spec, glia_session_t *s)
{
    json_t *cfg = glia_config_to_json(glia_session_config(s));
    if (cfg == NULL)
        return GLIA_ENOMEM;
    glia_session_free(e->session);
    json_decref(e->config_json);
    e->session = s;
    e->config_json = cfg;
    snprintf(e->preset, sizeof(e->preset), "%s", spec->preset);
    e->seed = glia_session_seed(s);
    e->is_exported = spec->export_metrics;
    glia_session_counters(s, &e->counters);
    return 0;
}

/* Register an entry for session `s` (stolen) and commit its creation; with episodes > 0
 * it starts running right away. `req`, when given, is answered 201 once stored. Returns
 * the entry (borrowed: the registry holds it), or NULL with an HTTP status and reason. */
static glia_entry_t *create_entry(glia_server_t *srv, const glia_session_spec_t *spec,
                                  glia_session_t *s, const char *experiment, uint64_t episodes,
                                  glia_request_t *req, int *status, char *why, size_t why_size)
{
    glia_entry_t *e = glia_entry_new(spec->name);
    glia_commit_t *c = NULL;
    int rc = GLIA_ENOMEM;

    *status = 500;
    if (e == NULL || apply_spec(e, spec, s) != 0) {
        glia_session_free(s);
        glia_entry_unref(e);
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    snprintf(e->experiment, sizeof(e->experiment), "%s", experiment ? experiment : "");
    e->created_at = e->updated_at = glia_wall();
    e->target_episodes = e->counters.episodes + episodes;
    if ((rc = glia_registry_add(srv, e)) != 0 || (c = glia_commit_begin(srv, e)) == NULL) {
        if (rc == 0)
            glia_registry_remove(srv, e);
        glia_entry_unref(e);
        *status = rc == GLIA_EEXIST ? 409 : 500;
        snprintf(why, why_size, rc == GLIA_EEXIST ? "a session named \"%s\" already exists"
                                                   : "out of memory creating \"%s\"",
                 spec->name);
        return NULL;
    }
    glia_commit_is_create(c);
    glia_commit_state(c, episodes > 0 ? GLIA_STATE_RUNNING : GLIA_STATE_IDLE, NULL);
    if (e->counters.steps > 0) {
        /* A fork: its history so far, then its exact state. */
        glia_commit_trajectory(c, 1);
        glia_commit_checkpoint(c);
    }
    if (req != NULL) {
        snprintf(req->location, sizeof(req->location), "/v1/sessions/%s", e->name);
        glia_commit_reply(c, req, 201, NULL);
    }
    glia_commit_submit(c);
    if (episodes > 0)
        glia_runner_schedule(srv, e);
    glia_entry_unref(e);
    return e;
}

glia_entry_t *glia_session_create_run(glia_server_t *srv, const char *name, const char *preset,
                                      const glia_config_t *cfg, uint32_t seed,
                                      const char *experiment, uint64_t episodes, char *why,
                                      size_t why_size)
{
    glia_session_spec_t spec;
    glia_session_t *s;
    int rc, status;

    memset(&spec, 0, sizeof(spec));
    snprintf(spec.name, sizeof(spec.name), "%s", name);
    snprintf(spec.preset, sizeof(spec.preset), "%s", preset);
    if ((rc = glia_session_new(cfg, seed, &s, NULL)) != 0) {
        snprintf(why, why_size, "cannot build session %s: %s", name, glia_strerror(rc));
        return NULL;
    }
    return create_entry(srv, &spec, s, experiment, episodes, NULL, &status, why, why_size);
}

void glia_session_cancel(glia_server_t *srv, glia_entry_t *e)
{
    glia_commit_t *c;

    if (e->state == GLIA_STATE_RUNNING) {
        e->cancel_requested = 1;
        glia_runner_stop(srv, e);
    } else if (e->state == GLIA_STATE_PAUSED && !e->in_worker &&
               (c = glia_commit_begin(srv, e)) != NULL) {
        glia_commit_state(c, GLIA_STATE_CANCELLED, NULL);
        glia_commit_submit(c);
    }
}

void glia_session_delete(glia_server_t *srv, glia_entry_t *e, glia_request_t *req)
{
    glia_commit_t *c = glia_commit_begin(srv, e);

    if (c == NULL) {
        if (req != NULL)
            reply_oom(req);
        return;
    }
    /* Gone for readers now; removed from the registry once the store agrees
     * (publish.c), so a failed delete leaves the session as it was. */
    pthread_mutex_lock(&e->mu);
    e->is_deleting = 1;
    pthread_mutex_unlock(&e->mu);
    glia_runner_stop(srv, e);
    glia_commit_delete(c);
    if (req != NULL)
        glia_commit_reply(c, req, 204, NULL);
    glia_commit_submit(c);
}

/* Validate the body and query of a loop route, once. On failure the request has been
 * answered and -1 is returned. */
static int parse_request(glia_request_t *req)
{
    int route = req->match.route, rc = 0;
    glia_error_t err;
    const char *v;

    if (req->is_parsed)
        return 0;
    req->is_parsed = 1;
    glia_error_clear(&err);
    switch (route) {
    case GLIA_ROUTE_SESSIONS_CREATE:
    case GLIA_ROUTE_SESSION_CONFIG:
        if (req->json == NULL) {
            glia_error_set(&err, GLIA_EINVAL, "", "a JSON body is required: {%s\"preset\", \"seed\", \"config\"}",
                           route == GLIA_ROUTE_SESSIONS_CREATE ? "\"name\", " : "");
            rc = GLIA_EINVAL;
            break;
        }
        if ((req->spec = malloc(sizeof(*req->spec))) == NULL) {
            rc = GLIA_ENOMEM;
            break;
        }
        rc = glia_parse_session_spec(req->json, route == GLIA_ROUTE_SESSIONS_CREATE, req->spec,
                                     &err);
        if (rc == 0 && req->spec->snapshot != NULL) {
            uint8_t *bytes;
            size_t len;
            if (glia_base64_decode(req->spec->snapshot, &bytes, &len) != 0) {
                rc = glia_error_set(&err, GLIA_EINVAL, "/snapshot", "is not base64 text");
                break;
            }
            rc = glia_session_load(bytes, len, &req->loaded, &err);
            free(bytes);
            if (rc != 0 && rc != GLIA_ENOMEM) {
                snprintf(err.field, sizeof(err.field), "/snapshot");
                rc = GLIA_EINVAL;
                break;
            }
            if (rc == 0) {
                req->spec->config = *glia_session_config(req->loaded);
                req->spec->seed = glia_session_seed(req->loaded);
                preset_of(&req->spec->config, req->spec->preset, sizeof(req->spec->preset));
            }
        }
        break;
    case GLIA_ROUTE_SESSION_STEP:
        rc = glia_parse_step(req->json, &req->steps, &err);
        break;
    case GLIA_ROUTE_SESSION_RUN:
        rc = glia_parse_run(req->json, &req->episodes, &err);
        break;
    case GLIA_ROUTE_SESSION_PAUSE:
    case GLIA_ROUTE_SESSION_RESUME:
    case GLIA_ROUTE_SESSION_CANCEL:
        rc = glia_parse_empty(req->json, &err);
        break;
    case GLIA_ROUTE_SESSION_NETWORK:
        if ((v = glia_request_query(req, "synapses")) != NULL &&
            glia_query_bool("synapses", v, &req->with_synapses, &err) != 0) {
            reply_bad_query(req, &err);
            glia_request_finish(req);
            return -1;
        }
        break;
    default:
        break;
    }
    if (rc == GLIA_ENOMEM) {
        reply_oom(req);
        return -1;
    }
    if (rc != 0) {
        reply_validation(req, &err);
        return -1;
    }
    return 0;
}

static void handle_create(glia_server_t *srv, glia_request_t *req)
{
    glia_session_t *s = req->loaded;
    char why[256];
    int rc, status;

    if (glia_registry_count(srv) >= (size_t)srv->opt.max_sessions) {
        reply_now(req, 507, glia_problem(507, "too-many-sessions",
                                         "this server holds its maximum of %d sessions; delete "
                                         "some or start gliad with a larger --max-sessions",
                                         srv->opt.max_sessions));
        return;
    }
    req->loaded = NULL;
    if (s == NULL && (rc = glia_session_new(&req->spec->config, req->spec->seed, &s, NULL)) != 0) {
        reply_now(req, 500, glia_problem(500, "internal", "cannot build the session: %s",
                                         glia_strerror(rc)));
        return;
    }
    if (create_entry(srv, req->spec, s, NULL, 0, req, &status, why, sizeof(why)) == NULL)
        reply_now(req, status, glia_problem(status, status == 409 ? "exists" : "internal", "%s", why));
}

static void handle_put_config(glia_server_t *srv, glia_request_t *req, glia_entry_t *e)
{
    glia_session_spec_t *spec = req->spec;
    glia_session_t *s;
    glia_commit_t *c;

    if (e->state == GLIA_STATE_RUNNING || e->counters.steps > 0) {
        reply_now(req, 409, conflict(e, "its config can only be replaced before it has taken a "
                                        "step; create a new session instead"));
        return;
    }
    if (e->in_worker) {
        wait_for_job(e, req);
        return;
    }
    /* Omitted seed and export_metrics keep their values; preset and config are replaced
     * as on creation (no preset: the defaults). */
    if (json_object_get(req->json, "seed") == NULL)
        spec->seed = e->seed;
    if (json_object_get(req->json, "export_metrics") == NULL)
        spec->export_metrics = e->is_exported;
    if (glia_session_new(&spec->config, spec->seed, &s, NULL) != 0 || apply_spec(e, spec, s) != 0 ||
        (c = glia_commit_begin(srv, e)) == NULL) {
        reply_oom(req);
        return;
    }
    glia_commit_state(c, GLIA_STATE_IDLE, NULL);
    glia_commit_checkpoint(c);
    glia_commit_reply(c, req, 200, NULL);
    glia_commit_submit(c);
}

static void handle_step(glia_server_t *srv, glia_request_t *req, glia_entry_t *e)
{
    if (e->state == GLIA_STATE_RUNNING)
        reply_now(req, 409, conflict(e, "pause it before stepping by hand"));
    else if (e->in_worker)
        wait_for_job(e, req);
    else if (glia_runner_step(srv, e, req, req->steps) != 0)
        reply_now(req, 500, glia_problem(500, "internal", "cannot schedule the steps"));
}

static void handle_run(glia_server_t *srv, glia_request_t *req, glia_entry_t *e)
{
    glia_commit_t *c;

    if (e->state == GLIA_STATE_RUNNING || e->state == GLIA_STATE_PAUSED) {
        reply_now(req, 409, conflict(e, e->state == GLIA_STATE_PAUSED
                                            ? "resume or cancel it first"
                                            : "wait for the run to end, or pause or cancel it"));
        return;
    }
    if (e->in_worker) {
        wait_for_job(e, req);
        return;
    }
    if ((c = glia_commit_begin(srv, e)) == NULL) {
        reply_oom(req);
        return;
    }
    e->target_episodes = e->counters.episodes + req->episodes;
    e->pause_requested = e->cancel_requested = 0;
    glia_commit_state(c, GLIA_STATE_RUNNING, NULL);
    glia_commit_progress(c);
    snprintf(req->location, sizeof(req->location), "/v1/sessions/%s", e->name);
    glia_commit_reply(c, req, 202, NULL);
    glia_commit_submit(c);
    glia_runner_schedule(srv, e);
}

/* Commit a new state now (resume, cancel of a paused session) and answer 200. */
static void commit_state_reply(glia_server_t *srv, glia_request_t *req, glia_entry_t *e, int state)
{
    glia_commit_t *c = glia_commit_begin(srv, e);
    if (c == NULL) {
        reply_oom(req);
        return;
    }
    glia_commit_state(c, state, NULL);
    glia_commit_reply(c, req, 200, NULL);
    glia_commit_submit(c);
    if (state == GLIA_STATE_RUNNING)
        glia_runner_schedule(srv, e);
}

static void handle_control(glia_server_t *srv, glia_request_t *req, glia_entry_t *e)
{
    int route = req->match.route;
    int want = route == GLIA_ROUTE_SESSION_PAUSE    ? GLIA_STATE_PAUSED
               : route == GLIA_ROUTE_SESSION_RESUME ? GLIA_STATE_RUNNING
                                                    : GLIA_STATE_CANCELLED;

    if (e->state == want) { /* already there: answer as it is */
        reply_now(req, 200, glia_entry_summary(srv, e, 1));
        return;
    }
    if (e->state == GLIA_STATE_RUNNING && route != GLIA_ROUTE_SESSION_RESUME) {
        /* Takes effect when the running slice returns; answered after that commit. */
        if (route == GLIA_ROUTE_SESSION_PAUSE)
            e->pause_requested = 1;
        else
            e->cancel_requested = 1;
        glia_runner_stop(srv, e);
        wait_for_job(e, req);
        return;
    }
    if (e->state == GLIA_STATE_PAUSED && route != GLIA_ROUTE_SESSION_PAUSE) {
        if (e->in_worker) /* a step request holds it */
            wait_for_job(e, req);
        else
            commit_state_reply(srv, req, e, want);
        return;
    }
    reply_now(req, 409, conflict(e, route == GLIA_ROUTE_SESSION_PAUSE
                                        ? "only a running session can be paused"
                                    : route == GLIA_ROUTE_SESSION_RESUME
                                        ? "only a paused session can be resumed"
                                        : "only a running or paused session can be cancelled"));
}

static void handle_read(glia_request_t *req, glia_entry_t *e)
{
    glia_session_t *s = e->session;
    json_t *body = NULL;

    if (e->in_worker) {
        wait_for_job(e, req); /* served between two slices */
        return;
    }
    switch (req->match.route) {
    case GLIA_ROUTE_SESSION_INFERENCE: {
        glia_inference_t inf;
        glia_session_inference(s, &inf);
        body = glia_inference_to_json(s, &inf);
        if (body != NULL) {
            json_object_set_new(body, "name", json_string(e->name));
            json_object_set_new(body, "episode", json_integer((json_int_t)e->counters.episodes));
        }
        break;
    }
    case GLIA_ROUTE_SESSION_ASTROCYTES: {
        json_t *list = glia_astrocytes_to_json(s);
        body = json_pack("{s:s, s:I, s:o}", "name", e->name, "episode",
                         (json_int_t)e->counters.episodes, "astrocytes",
                         json_is_null(list) ? json_array() : list);
        if (json_is_null(list))
            json_decref(list);
        break;
    }
    case GLIA_ROUTE_SESSION_NETWORK:
        body = glia_network_to_json(s, req->with_synapses);
        if (body != NULL)
            json_object_set_new(body, "name", json_string(e->name));
        break;
    case GLIA_ROUTE_SESSION_RESULT:
        if (e->state == GLIA_STATE_RUNNING || e->counters.episodes == 0) {
            reply_now(req, 409, conflict(e, e->state == GLIA_STATE_RUNNING
                                                ? "the result is ready when the run ends"
                                                : "no episode has finished yet; run it first"));
            return;
        }
        body = glia_result_to_json(s, e->preset[0] ? e->preset : NULL, 1);
        if (body != NULL)
            json_object_set_new(body, "name", json_string(e->name));
        break;
    case GLIA_ROUTE_SESSION_SNAPSHOT: {
        uint8_t *bytes;
        size_t len;
        char *b64, format[32];
        if (glia_session_save(s, &bytes, &len) != 0) {
            reply_oom(req);
            return;
        }
        b64 = glia_base64_encode(bytes, len);
        free(bytes);
        if (b64 == NULL) {
            reply_oom(req);
            return;
        }
        snprintf(format, sizeof(format), "glia-snapshot/%u", glia_snapshot_version());
        body = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:O, s:s}", "name", e->name,
                         "format", format, "preset", e->preset[0] ? e->preset : NULL,
                         "seed", (json_int_t)e->seed, "episode", (json_int_t)e->counters.episodes,
                         "steps", (json_int_t)e->counters.steps, "bytes", (json_int_t)len,
                         "config", e->config_json, "snapshot", b64);
        free(b64);
        break;
    }
    default:
        break;
    }
    if (body == NULL)
        reply_oom(req);
    else
        reply_now(req, 200, body);
}

void glia_handle_all(glia_server_t *srv, glia_request_t *list)
{
    while (list) {
        glia_request_t *next = list->next;
        list->next = NULL;
        glia_handle(srv, list);
        list = next;
    }
}

/* Loop routes, in one order for all: the body and query (422/400), shutting down (503),
 * the session (404), then what its state allows (409). */
void glia_handle(glia_server_t *srv, glia_request_t *req)
{
    int route = req->match.route;
    glia_entry_t *e;

    if (route >= GLIA_ROUTE_EXPERIMENTS_LIST && route <= GLIA_ROUTE_EXPERIMENT_REPORT) {
        glia_experiments_handle(srv, req);
        return;
    }
    if (parse_request(req) != 0)
        return;
    if (atomic_load(&srv->is_shutting_down)) {
        reply_now(req, 503, glia_problem(503, "shutting-down", "the server is shutting down"));
        return;
    }
    if (route == GLIA_ROUTE_SESSIONS_CREATE) {
        handle_create(srv, req);
        return;
    }
    e = glia_registry_get(srv, req->match.name);
    if (e == NULL || e->is_deleting) {
        reply_not_found(req, "session");
        glia_request_finish(req);
        glia_entry_unref(e);
        return;
    }
    if (e->is_broken && route != GLIA_ROUTE_SESSION_DELETE) {
        reply_now(req, 409, conflict(e, "it could not be restored from the store; its stored "
                                        "rows are kept as they were; delete it to remove it"));
    } else {
        switch (route) {
        case GLIA_ROUTE_SESSION_DELETE:
            glia_session_delete(srv, e, req);
            break;
        case GLIA_ROUTE_SESSION_CONFIG:
            handle_put_config(srv, req, e);
            break;
        case GLIA_ROUTE_SESSION_STEP:
            handle_step(srv, req, e);
            break;
        case GLIA_ROUTE_SESSION_RUN:
            handle_run(srv, req, e);
            break;
        case GLIA_ROUTE_SESSION_PAUSE:
        case GLIA_ROUTE_SESSION_RESUME:
        case GLIA_ROUTE_SESSION_CANCEL:
            handle_control(srv, req, e);
            break;
        default:
            handle_read(req, e);
            break;
        }
    }
    glia_entry_unref(e);
}
