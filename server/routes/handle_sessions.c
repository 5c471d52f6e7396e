/* handle_sessions.c: the session collection, a session's published data, and the routes
 * that change a session.
 *
 * List, get, metrics and events run on HTTP threads from published data. The rest run on
 * the loop: they ask the lifecycle whether the change may go ahead now (admit.c), wait for
 * a job that holds the session (dispatch.c parks them) or answer its refusal (refusal.c),
 * and hand the change to lifecycle.c, answering from its callback once it is stored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/csv.h"
#include "api/downsample.h"
#include "api/problem.h"
#include "server/http/dispatch.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/http/streams.h"
#include "server/routes/handlers.h"
#include "server/sessions/entry.h"
#include "server/sessions/lifecycle.h"
#include "server/sessions/registry.h"

#define LIST_DEFAULT_LIMIT    100
#define LIST_MAX_LIMIT        1000
#define METRICS_DEFAULT_LIMIT 1000
#define METRICS_MAX_LIMIT     10000
#define POINT_SERIES          4           /* point_series[] */
#define REPLY_MAX_BYTES       (16u << 20) /* a page of points is at most about this much text */

/* ---- answers once a change is stored ------------------------------------------------ */

/* 507 when the store refused or memory is short, 500 when memory ran out, 404 when the
 * session went away, 422 for a snapshot that does not load, 409 when the session changed
 * meanwhile. */
static void reply_failure(glia_request_t *req, const glia_outcome_t *out, const char *not_done)
{
    if (out->status == GLIA_EIO) {
        glia_reply_problem(req, glia_problem(507, "store-failed", "%s: %s", not_done, out->error));
    } else if (out->status == GLIA_ENOENT) {
        glia_reply_not_found(req, "session");
    } else if (out->status == GLIA_ELIMIT) {
        glia_reply_problem(req, glia_budget_problem(&req->srv->budget, out->need,
                                                    "the session (as its snapshot holds it)"));
    } else if (out->status == GLIA_ESTATE) {
        glia_reply_problem(req, glia_problem(409, "conflict", "%s: %s", not_done, out->error));
    } else if ((out->status == GLIA_EINVAL || out->status == GLIA_EFORMAT ||
                out->status == GLIA_EVERSION) &&
               out->err != NULL) {
        glia_error_t err = *out->err;
        snprintf(err.field, sizeof(err.field), "/snapshot");
        glia_reply_problem(req, glia_problem_validation(&err));
    } else {
        glia_reply_problem(req, glia_problem(500, "internal", "%s", out->error));
    }
}

/* 200 with the summary this commit published. */
static void changed_cb(glia_server_t *srv, glia_entry_t *e, const glia_outcome_t *out, void *arg)
{
    (void)srv;
    if (out->status != 0)
        reply_failure(arg, out, "the change was not stored");
    else
        glia_reply_json(arg, 200, json_incref(e->summary));
}

/* 201 or 202 with Location and the summary. */
static void reply_located(glia_request_t *req, glia_entry_t *e, int status)
{
    snprintf(req->location, sizeof(req->location), "/v1/sessions/%s", e->name);
    glia_reply_json(req, status, json_incref(e->summary));
}

static void created_cb(glia_server_t *srv, glia_entry_t *e, const glia_outcome_t *out, void *arg)
{
    (void)srv;
    if (out->status != 0)
        reply_failure(arg, out, "the session was not created");
    else
        reply_located(arg, e, 201);
}

static void started_cb(glia_server_t *srv, glia_entry_t *e, const glia_outcome_t *out, void *arg)
{
    (void)srv;
    if (out->status != 0)
        reply_failure(arg, out, "the change was not stored");
    else
        reply_located(arg, e, 202);
}

static void deleted_cb(glia_server_t *srv, glia_entry_t *e, const glia_outcome_t *out, void *arg)
{
    (void)srv;
    (void)e;
    if (out->status != 0)
        reply_failure(arg, out, "the session was not deleted");
    else
        glia_reply_empty(arg, 204);
}

static void stepped_cb(glia_server_t *srv, glia_entry_t *e, const glia_outcome_t *out, void *arg)
{
    const glia_counters_t *k = out->counters;
    (void)srv;

    if (out->status != 0) {
        reply_failure(arg, out, "the change was not stored");
        return;
    }
    glia_reply_json(arg, 200,
                    json_pack("{s:s, s:I, s:I, s:I, s:I, s:i, s:s?, s:O}", "name", e->name,
                              "episode", (json_int_t)k->episodes, "steps_total",
                              (json_int_t)k->steps, "accepted", (json_int_t)k->accepted, "rejected",
                              (json_int_t)k->rejected, "requested", ((glia_request_t *)arg)->steps,
                              "stopped", out->stopped, "steps", out->steps));
}

/* ---- the collection -------------------------------------------------------------------- */

int glia_prepare_sessions_list(glia_request_t *req, glia_error_t *err)
{
    static const char *const takes[] = {"limit", "state", "experiment", "cursor", NULL};
    const char *v;
    int rc;

    if ((rc = glia_request_only_query(req, takes, err)) != 0)
        return rc;
    req->limit = LIST_DEFAULT_LIMIT;
    req->state_filter = -1;
    if ((v = glia_request_query(req, "limit")) != NULL &&
        (rc = glia_query_int("limit", v, 1, LIST_MAX_LIMIT, &req->limit, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "state")) != NULL &&
        (req->state_filter = glia_state_from_name(v)) < 0)
        return glia_error_set(err, GLIA_EINVAL, "?state",
                              "query parameter state must be one of idle, running, paused, "
                              "completed, failed, cancelled");
    if ((v = glia_request_query(req, "experiment")) != NULL) {
        if (!glia_name_valid(v))
            return glia_error_set(err, GLIA_EINVAL, "?experiment",
                                  "query parameter experiment must be an experiment name "
                                  "([a-z0-9][a-z0-9._-]{0,63})");
        req->experiment_filter = v; /* the request holds the value */
    }
    return 0;
}

void glia_handle_sessions_list(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *page[LIST_MAX_LIMIT];
    json_t *items = json_array();
    int more = 0;
    size_t n =
        glia_registry_page(&srv->registry, glia_request_query(req, "cursor"), req->state_filter,
                           req->experiment_filter, (size_t)req->limit, page, &more);

    size_t bytes = 0;

    for (size_t i = 0; i < n; i++) {
        json_t *summary = NULL;
        if (bytes < REPLY_MAX_BYTES) { /* past it the page ends early: next_cursor goes on */
            pthread_mutex_lock(&page[i]->mu);
            summary = page[i]->summary ? json_copy(page[i]->summary) : NULL;
            pthread_mutex_unlock(&page[i]->mu);
        } else {
            more = 1;
        }
        if (summary != NULL) {
            const json_t *outs =
                json_object_get(json_object_get(summary, "latest_point"), "outputs");
            const char *first = json_string_value(json_array_get(outs, 0));
            json_object_del(summary, "config");
            json_array_append_new(items, summary);
            bytes += 2048 + json_array_size(outs) * ((first ? strlen(first) : 0) + 12);
        }
        glia_entry_unref(page[i]);
    }
    glia_reply_json(req, 200,
                    json_pack("{s:o, s:s?}", "items", items, "next_cursor",
                              more && n > 0
                                  ? json_string_value(json_object_get(
                                        json_array_get(items, json_array_size(items) - 1), "name"))
                                  : NULL));
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

/* The body of POST /v1/sessions (with_name) or PUT .../config. A snapshot is decoded and
 * read as far as its config and point count (it is built later, on the pool). */
static int prepare_spec(glia_request_t *req, int with_name, glia_error_t *err)
{
    glia_config_t cfg;
    uint32_t seed;
    int rc;

    if ((rc = glia_request_only_query(req, NULL, err)) != 0)
        return rc;
    if (req->json == NULL)
        return glia_error_set(err, GLIA_EINVAL, "",
                              "a JSON body is required: {%s\"preset\", \"seed\", \"config\"}",
                              with_name ? "\"name\", " : "");
    if ((req->spec = malloc(sizeof(*req->spec))) == NULL)
        return GLIA_ENOMEM;
    if ((rc = glia_parse_session_spec(req->json, with_name, req->spec, err)) != 0 ||
        req->spec->snapshot == NULL)
        return rc;
    if (glia_base64_decode(req->spec->snapshot, &req->snapshot, &req->snapshot_len) != 0)
        return glia_error_set(err, GLIA_EINVAL, "/snapshot", "is not base64 text");
    rc = glia_snapshot_peek(req->snapshot, req->snapshot_len, &cfg, &seed, &req->snapshot_points,
                            err);
    if (rc == GLIA_ENOMEM)
        return rc;
    if (rc != 0) {
        snprintf(err->field, sizeof(err->field), "/snapshot");
        return GLIA_EINVAL;
    }
    req->spec->config = cfg;
    req->spec->seed = seed;
    preset_of(&req->spec->config, req->spec->preset, sizeof(req->spec->preset));
    return 0;
}

int glia_prepare_session_create(glia_request_t *req, glia_error_t *err)
{
    return prepare_spec(req, 1, err);
}

void glia_handle_session_create(glia_server_t *srv, glia_request_t *req)
{
    uint64_t need = 0;
    char what[GLIA_NAME_MAX + 32];
    glia_admit_t a;
    int rc;

    if (glia_lifecycle_admit_create(srv, req->snapshot ? &req->snapshot_points : NULL, &a) !=
        GLIA_ADMIT_YES) {
        glia_reply_refusal(req, NULL, &a);
        return;
    }
    /* Built on the pool, never here: a big network takes seconds to build. */
    rc = glia_lifecycle_build(srv, req->spec, req->snapshot, req->snapshot_len,
                              req->snapshot_points, NULL, 0, created_cb, req, &need);
    snprintf(what, sizeof(what), "session \"%s\"", req->spec->name);
    if (rc == GLIA_EEXIST)
        glia_reply_problem(req, glia_problem(409, "exists", "a session named \"%s\" already exists",
                                             req->spec->name));
    else if (rc == GLIA_ELIMIT)
        glia_reply_problem(req, glia_budget_problem(&srv->budget, need, what));
    else if (rc != 0)
        glia_reply_problem(
            req, glia_problem(500, "internal", "out of memory creating \"%s\"", req->spec->name));
}

/* ---- one session: published data (HTTP threads) -------------------------------------- */

void glia_handle_session_get(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    json_t *summary;
    (void)srv;

    pthread_mutex_lock(&e->mu);
    summary = json_incref(e->summary);
    pthread_mutex_unlock(&e->mu);
    glia_reply_json(req, 200, summary);
}

int glia_prepare_session_points(glia_request_t *req, glia_error_t *err)
{
    static const char *const takes[] = {"after",      "limit",  "max_points",
                                        "downsample", "format", NULL};
    const char *v;
    int rc;

    if ((rc = glia_request_only_query(req, takes, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "format")) != NULL &&
        (rc = glia_query_format(v, glia_table_formats, &req->format, err)) != 0)
        return rc;
    req->after = -1;
    req->limit = METRICS_DEFAULT_LIMIT;
    req->max_points = 0;
    if ((v = glia_request_query(req, "after")) != NULL &&
        (rc = glia_query_int("after", v, -1, INT64_MAX, &req->after, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "limit")) != NULL &&
        (rc = glia_query_int("limit", v, 1, METRICS_MAX_LIMIT, &req->limit, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "max_points")) != NULL &&
        (rc = glia_query_int("max_points", v, 2, METRICS_MAX_LIMIT, &req->max_points, err)) != 0)
        return rc;
    if (req->max_points > 0 && glia_request_query(req, "limit") != NULL)
        /* limit pages raw points; max_points thins the whole range into one answer. */
        return glia_error_set(err, GLIA_EINVAL, "?max_points",
                              "use either limit (pages of points) or max_points (one thinned "
                              "page)");
    req->downsample = GLIA_DOWNSAMPLE_EVEN;
    if ((v = glia_request_query(req, "downsample")) != NULL) {
        if (strcmp(v, "minmax") == 0)
            req->downsample = GLIA_DOWNSAMPLE_MINMAX;
        else if (strcmp(v, "even") != 0)
            return glia_error_set(err, GLIA_EINVAL, "?downsample",
                                  "query parameter downsample must be even or minmax");
        if (req->max_points == 0)
            return glia_error_set(err, GLIA_EINVAL, "?downsample",
                                  "downsample needs max_points (how many points at most)");
        if (req->downsample == GLIA_DOWNSAMPLE_MINMAX &&
            req->max_points < GLIA_DOWNSAMPLE_MIN_POINTS(POINT_SERIES))
            return glia_error_set(err, GLIA_EINVAL, "?max_points",
                                  "downsample=minmax needs max_points of at least %d (the first "
                                  "and last point and one bucket's min and max of %d series)",
                                  GLIA_DOWNSAMPLE_MIN_POINTS(POINT_SERIES), POINT_SERIES);
    }
    if (req->max_points > 0)
        req->limit = req->max_points;
    return 0;
}

/* 200 with a CSV table (api/csv.h), or 500 when it could not be built. Takes `text`. */
static void reply_csv(glia_request_t *req, char *text, size_t len)
{
    if (text == NULL)
        glia_reply_oom(req);
    else
        glia_reply_text(req, 200, "text/csv; charset=utf-8", text, len);
}

/* The series a point's min/max downsampling keeps (the numbers a chart draws). */
static const char *const point_series[] = {"accuracy", "avg_reward", "accept_rate",
                                           "distinct_outputs"};

/* Indices of sel[0..n) that ?downsample=minmax keeps (ascending, into idx), or 0 when
 * memory ran out. */
static size_t minmax_indices(json_t *const *sel, size_t n, size_t max_points, size_t *idx)
{
    double *values = malloc((n ? n : 1) * POINT_SERIES * sizeof(double));
    size_t count;

    if (values == NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < POINT_SERIES; s++) {
            json_t *v = json_object_get(sel[i], point_series[s]);
            values[i * POINT_SERIES + s] = json_is_number(v) ? json_number_value(v) : NAN;
        }
    }
    count = glia_downsample_minmax(values, n, POINT_SERIES, max_points, idx);
    free(values);
    return count;
}

/* How many points like `sample` fit in a reply of REPLY_MAX_BYTES (at least 2): with many
 * wide patterns a point is tens of kB of text. */
static size_t reply_points_most(const json_t *sample)
{
    const json_t *outs = json_object_get(sample, "outputs");
    size_t count = json_array_size(outs), width = 0, per;

    if (count > 0)
        width = strlen(json_string_value(json_array_get(outs, 0))
                           ? json_string_value(json_array_get(outs, 0))
                           : "");
    per = 512 + count * (width + 12);
    return REPLY_MAX_BYTES / per > 2 ? REPLY_MAX_BYTES / per : 2;
}

void glia_handle_session_points(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    json_t *points = json_array(), **sel = NULL, *last;
    size_t n = 0, first, total, returned;
    int more, is_oom = 0;
    (void)srv;

    pthread_mutex_lock(&e->mu);
    /* Points are in episode order: find the first after `after`. */
    for (first = 0; first < e->n_points; first++) {
        if (json_integer_value(json_object_get(e->points[first], "episode")) > req->after)
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

    /* Which points: a page of `limit`; evenly thinned to max_points (the first and the
     * last kept); or each bucket's min and max of every series (a spike cannot vanish). */
    if (sel != NULL) {
        size_t *idx = malloc((n ? n : 1) * sizeof(*idx)), count = 0;
        size_t most = reply_points_most(n > 0 ? sel[0] : NULL);
        /* The reply stays bounded: thinned further, or paged. */
        if (req->max_points > 0 && (size_t)req->max_points > most)
            req->max_points = (int64_t)most;
        if ((size_t)req->limit > most)
            req->limit = (int64_t)most;
        if (idx != NULL && req->downsample == GLIA_DOWNSAMPLE_MINMAX) {
            count = minmax_indices(sel, n, (size_t)req->max_points, idx);
        } else if (idx != NULL) {
            size_t keep = n;
            if (req->max_points > 0 && n > (size_t)req->max_points)
                keep = (size_t)req->max_points;
            for (size_t i = 0; i < keep && count < (size_t)req->limit; i++)
                idx[count++] =
                    keep == n ? i
                              : (size_t)((double)i * (double)(n - 1) / (double)(keep - 1) + 0.5);
        }
        is_oom = idx == NULL || (n > 0 && count == 0);
        for (size_t i = 0; i < count; i++)
            json_array_append(points, sel[idx[i]]);
        for (size_t i = 0; i < n; i++)
            json_decref(sel[i]);
        free(sel);
        free(idx);
    }
    if (sel == NULL || is_oom) {
        json_decref(points);
        glia_reply_oom(req);
        return;
    }
    if (req->format == GLIA_FORMAT_CSV) { /* the same page; its paging is the JSON's */
        char *text = glia_csv_rows(points, &returned);
        reply_csv(req, text, returned);
        json_decref(points);
        return;
    }
    returned = json_array_size(points);
    last = returned ? json_array_get(points, returned - 1) : NULL;
    more = req->max_points == 0 && returned < total;
    glia_reply_json(
        req, 200,
        json_pack("{s:s, s:o, s:I, s:o}", "name", e->name, "points", points, "total",
                  (json_int_t)total, "next_after",
                  more && last ? json_integer(json_integer_value(json_object_get(last, "episode")))
                               : json_null()));
}

/* access_token: EventSource sends no headers (GLIA_ROUTE_QUERY_TOKEN). */
static const char *const events_takes[] = {"format", "after", "follow", "access_token", NULL};

/* ---- outputs: the output vectors of the trajectory points, with the task's patterns ---- */

int glia_prepare_session_outputs(glia_request_t *req, glia_error_t *err)
{
    static const char *const takes[] = {"after", "limit", "format", NULL};
    const char *v;
    int rc;

    req->after = -1;
    req->limit = METRICS_DEFAULT_LIMIT;
    if ((rc = glia_request_only_query(req, takes, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "format")) != NULL &&
        (rc = glia_query_format(v, glia_table_formats, &req->format, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "after")) != NULL &&
        (rc = glia_query_int("after", v, -1, INT64_MAX, &req->after, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "limit")) != NULL &&
        (rc = glia_query_int("limit", v, 1, METRICS_MAX_LIMIT, &req->limit, err)) != 0)
        return rc;
    return 0;
}

/* Published data, like metrics: a page of points after `after`, at most `limit` and what
 * fits a bounded reply (a CSV row repeats the pattern's input and target: a quarter). */
void glia_handle_session_outputs(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    json_t *points = json_array(), *patterns, *doc, *next;
    size_t first, total, count, most;
    (void)srv;

    pthread_mutex_lock(&e->mu);
    for (first = 0; first < e->n_points; first++) {
        if (json_integer_value(json_object_get(e->points[first], "episode")) > req->after)
            break;
    }
    total = e->n_points - first;
    most = reply_points_most(total > 0 ? e->points[first] : NULL);
    if (req->format == GLIA_FORMAT_CSV)
        most = most / 4 > 2 ? most / 4 : 2;
    count = total < (size_t)req->limit ? total : (size_t)req->limit;
    count = count < most ? count : most;
    for (size_t i = 0; points != NULL && i < count; i++) {
        const json_t *p = e->points[first + i];
        json_t *o = json_pack("{s:O, s:O?}", "episode", json_object_get(p, "episode"), "outputs",
                              json_object_get(p, "outputs"));
        if (o == NULL || json_array_append_new(points, o) != 0) {
            json_decref(points);
            points = NULL;
        }
    }
    patterns =
        json_object_get(json_object_get(json_object_get(e->summary, "config"), "task"), "patterns");
    patterns = json_is_array(patterns) ? json_incref(patterns) : json_array();
    pthread_mutex_unlock(&e->mu);

    if (points == NULL) {
        json_decref(patterns);
        glia_reply_oom(req);
        return;
    }
    next = count < total && count > 0
               ? json_copy(json_object_get(json_array_get(points, count - 1), "episode"))
               : json_null();
    doc = json_pack("{s:s, s:o, s:o, s:I, s:o}", "name", e->name, "patterns", patterns, "points",
                    points, "total", (json_int_t)total, "next_after", next);
    if (doc == NULL) {
        glia_reply_oom(req);
    } else if (req->format == GLIA_FORMAT_CSV) {
        size_t len;
        char *text = glia_csv_outputs(doc, &len);
        reply_csv(req, text, len);
        json_decref(doc);
    } else {
        glia_reply_json(req, 200, doc);
    }
}

int glia_prepare_session_events(glia_request_t *req, glia_error_t *err)
{
    const char *v;
    int64_t ignored;
    int flag, rc;

    if ((rc = glia_request_only_query(req, events_takes, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "format")) != NULL && strcmp(v, "sse") != 0 &&
        strcmp(v, "ndjson") != 0)
        return glia_error_set(err, GLIA_EINVAL, "?format",
                              "query parameter format must be sse or ndjson");
    if ((v = glia_request_query(req, "after")) != NULL &&
        (rc = glia_query_int("after", v, 0, INT64_MAX, &ignored, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "follow")) != NULL &&
        (rc = glia_query_bool("follow", v, &flag, err)) != 0)
        return rc;
    if (req->last_event_id[0] != '\0' &&
        glia_query_int("Last-Event-ID", req->last_event_id, 0, INT64_MAX, &ignored, NULL) != 0)
        return glia_error_set(err, GLIA_EINVAL, "Last-Event-ID",
                              "header Last-Event-ID must be an event id (a non-negative integer)");
    return 0;
}

void glia_handle_session_events(glia_server_t *srv, glia_request_t *req)
{
    if (glia_streams_open(srv, req, req->entry) != 0)
        glia_reply_problem(req, glia_problem(500, "internal", "cannot open the stream"));
}

/* ---- one session: changes (loop) ------------------------------------------------------- */

void glia_handle_session_delete(glia_server_t *srv, glia_request_t *req)
{
    if (glia_lifecycle_delete(srv, req->entry, deleted_cb, req) != 0)
        glia_reply_oom(req);
}

/* Answer a step, run or config that may not go ahead now: it waits for the job that
 * holds the session, or is refused. */
static void not_now(glia_request_t *req, const glia_admit_t *a)
{
    if (a->code == GLIA_ADMIT_WAIT)
        glia_dispatch_park(req->entry, req);
    else
        glia_reply_refusal(req, req->entry, a);
}

int glia_prepare_session_config(glia_request_t *req, glia_error_t *err)
{
    return prepare_spec(req, 0, err);
}

void glia_handle_session_config(glia_server_t *srv, glia_request_t *req)
{
    glia_entry_t *e = req->entry;
    glia_session_spec_t *spec = req->spec;
    glia_admit_t a;
    uint64_t need;
    int rc;

    if (glia_lifecycle_admit_configure(e, &a) != GLIA_ADMIT_YES) {
        not_now(req, &a);
        return;
    }
    /* Omitted seed and export_metrics keep their values; preset and config are replaced
     * as on creation (no preset: the defaults). */
    if (json_object_get(req->json, "seed") == NULL)
        spec->seed = e->seed;
    if (json_object_get(req->json, "export_metrics") == NULL)
        spec->export_metrics = e->is_exported;
    /* The new session is built on the pool, with this one held meanwhile. */
    rc = glia_lifecycle_rebuild(srv, e, spec, changed_cb, req, &need);
    if (rc == GLIA_ELIMIT) {
        char what[GLIA_NAME_MAX + 40];
        snprintf(what, sizeof(what), "session \"%s\" with this config", e->name);
        glia_reply_problem(req, glia_budget_problem(&srv->budget, need, what));
    } else if (rc == GLIA_ESTATE) {
        glia_reply_conflict(req, e, "its config can only be replaced before it has taken a step");
    } else if (rc != 0) {
        glia_reply_oom(req);
    }
}

int glia_prepare_session_step(glia_request_t *req, glia_error_t *err)
{
    int rc = glia_request_only_query(req, NULL, err);
    return rc != 0 ? rc : glia_parse_step(req->json, &req->steps, err);
}

void glia_handle_session_step(glia_server_t *srv, glia_request_t *req)
{
    glia_admit_t a;

    if (glia_lifecycle_admit_step(srv, req->entry, req->steps, &a) != GLIA_ADMIT_YES)
        not_now(req, &a);
    else if (glia_lifecycle_step(srv, req->entry, req->steps, stepped_cb, req) != 0)
        glia_reply_problem(req, glia_problem(500, "internal", "cannot schedule the steps"));
}

int glia_prepare_session_run(glia_request_t *req, glia_error_t *err)
{
    int rc = glia_request_only_query(req, NULL, err);
    return rc != 0 ? rc : glia_parse_run(req->json, &req->episodes, err);
}

void glia_handle_session_run(glia_server_t *srv, glia_request_t *req)
{
    glia_admit_t a;

    if (glia_lifecycle_admit_run(srv, req->entry, req->episodes, &a) != GLIA_ADMIT_YES)
        not_now(req, &a);
    else if (glia_lifecycle_run(srv, req->entry, req->episodes, started_cb, req) != 0)
        glia_reply_oom(req);
}

int glia_prepare_empty_body(glia_request_t *req, glia_error_t *err)
{
    int rc = glia_request_only_query(req, NULL, err);
    return rc != 0 ? rc : glia_parse_empty(req->json, err);
}

/* Pause, resume and cancel: move toward `want`, or say why not. */
static void control(glia_server_t *srv, glia_request_t *req, int want)
{
    glia_entry_t *e = req->entry;
    glia_admit_t a;

    switch (glia_lifecycle_admit_control(e, want, &a)) {
    case GLIA_ADMIT_DONE: /* already there: answer as it is */
        glia_reply_json(req, 200, glia_entry_summary(e, 1));
        break;
    case GLIA_ADMIT_STOP: /* answered once the job holding it has returned and committed */
        glia_lifecycle_stop(srv, e, want);
        glia_dispatch_park(e, req);
        break;
    case GLIA_ADMIT_WAIT:
        glia_dispatch_park(e, req);
        break;
    case GLIA_ADMIT_YES:
        if ((want == GLIA_STATE_RUNNING ? glia_lifecycle_resume(srv, e, changed_cb, req)
                                        : glia_lifecycle_cancel(srv, e, changed_cb, req)) != 0)
            glia_reply_oom(req);
        break;
    default:
        glia_reply_refusal(req, e, &a);
    }
}

void glia_handle_session_pause(glia_server_t *srv, glia_request_t *req)
{
    control(srv, req, GLIA_STATE_PAUSED);
}

void glia_handle_session_resume(glia_server_t *srv, glia_request_t *req)
{
    control(srv, req, GLIA_STATE_RUNNING);
}

void glia_handle_session_cancel(glia_server_t *srv, glia_request_t *req)
{
    control(srv, req, GLIA_STATE_CANCELLED);
}
