/* metrics.c: counters for Prometheus and their text exposition (format 0.0.4).
 *
 * Everything here is cheap to update from any thread (atomics) and rendered on demand
 * by GET /metrics on an HTTP thread. Labels are bounded: route templates, status
 * classes, session states. Per-session gauges exist only for sessions created with
 * "export_metrics": true, and at most --max-exported of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/metrics.h"

#include "api/json_write.h"
#include "api/strbuf.h"
#include "server/log.h"
#include "server/sessions/entry.h"
#include "server/sessions/registry.h"
#include "server/store/store.h"

static const double latency_bounds[GLIA_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
static const double ckpt_bounds[GLIA_CKPT_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.25,  1.0};

void glia_stats_request(glia_server_t *srv, int route, int status, uint64_t duration_ns,
                        int is_stream)
{
    glia_stats_t *st = &srv->stats;
    int cls = status / 100 - 1;
    double secs = (double)duration_ns / 1e9;
    int b = 0;

    if (route < 0 || route > GLIA_ROUTES_MAX)
        route = GLIA_ROUTES_MAX;
    if (cls < 0 || cls > 4)
        cls = 4;
    atomic_fetch_add(&st->requests[route][cls], 1);
    if (is_stream)
        return; /* a stream's duration is how long it was watched, not latency */
    while (b < GLIA_LATENCY_BUCKETS && secs > latency_bounds[b])
        b++;
    atomic_fetch_add(&st->latency_bucket[b], 1);
    atomic_fetch_add(&st->latency_count, 1);
    atomic_fetch_add(&st->latency_sum_us, duration_ns / 1000);
}

void glia_stats_checkpoint(glia_server_t *srv, double seconds)
{
    glia_stats_t *st = &srv->stats;
    int b = 0;

    while (b < GLIA_CKPT_BUCKETS && seconds > ckpt_bounds[b])
        b++;
    atomic_fetch_add(&st->ckpt_bucket[b], 1);
    atomic_fetch_add(&st->ckpt_count, 1);
    atomic_fetch_add(&st->ckpt_sum_us, (uint64_t)(seconds * 1e6));
}

static void header(glia_strbuf_t *o, const char *name, const char *type, const char *help)
{
    glia_strbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram(glia_strbuf_t *o, const char *name, const double *bounds, int nb,
                      atomic_uint_fast64_t *buckets, uint64_t count, uint64_t sum_us)
{
    uint64_t cum = 0;
    for (int i = 0; i < nb; i++) {
        cum += atomic_load(&buckets[i]);
        glia_strbuf_printf(o, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], (unsigned long long)cum);
    }
    cum += atomic_load(&buckets[nb]);
    glia_strbuf_printf(o, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
    glia_strbuf_printf(o, "%s_sum %.6f\n", name, (double)sum_us / 1e6);
    glia_strbuf_printf(o, "%s_count %llu\n", name, (unsigned long long)count);
}

/* Label values: session names are [a-z0-9._-], templates are plain ASCII; nothing
 * needs escaping, but a quote or backslash would be escaped here if it could occur. */
static void put_label(glia_strbuf_t *o, const char *v)
{
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            glia_strbuf_printf(o, "\\%c", *v);
        else if (*v == '\n')
            glia_strbuf_printf(o, "\\n");
        else
            glia_strbuf_printf(o, "%c", *v);
    }
}

char *glia_metrics_render(glia_server_t *srv, size_t *len)
{
    glia_stats_t *st = &srv->stats;
    glia_strbuf_t o = {0};
    int by_state[GLIA_STATE_COUNT] = {0};
    static const char *const classes[5] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    glia_entry_t **exported = NULL;
    size_t n_exported = 0;

    header(&o, "glia_build_info", "gauge", "Build information; always 1.");
    glia_strbuf_printf(&o, "glia_build_info{version=\"%s\"} 1\n", GLIA_VERSION);
    header(&o, "glia_uptime_seconds", "gauge", "Seconds since gliad started.");
    glia_strbuf_printf(&o, "glia_uptime_seconds %.3f\n", glia_now() - srv->started_at);

    header(&o, "glia_http_requests_total", "counter",
           "HTTP requests answered, by route template, method and status class.");
    for (size_t r = 0; r <= srv->n_routes; r++) {
        /* Rows of the route table, then the unmatched (counted in the last slot). */
        int slot = r < srv->n_routes ? (int)r : GLIA_ROUTES_MAX;
        for (int c = 0; c < 5; c++) {
            uint64_t v = atomic_load(&st->requests[slot][c]);
            if (v == 0)
                continue;
            glia_strbuf_printf(&o, "glia_http_requests_total{route=\"");
            put_label(&o, r < srv->n_routes ? srv->routes[r].template : "unmatched");
            glia_strbuf_printf(&o, "\",method=\"%s\",code=\"%s\"} %llu\n",
                               r < srv->n_routes ? srv->routes[r].method : "other", classes[c],
                               (unsigned long long)v);
        }
    }
    header(&o, "glia_http_request_duration_seconds", "histogram",
           "Time from request start to response, streams excluded.");
    histogram(&o, "glia_http_request_duration_seconds", latency_bounds, GLIA_LATENCY_BUCKETS,
              st->latency_bucket, atomic_load(&st->latency_count),
              atomic_load(&st->latency_sum_us));
    header(&o, "glia_sse_streams", "gauge", "Open event streams (SSE and NDJSON).");
    glia_strbuf_printf(&o, "glia_sse_streams %d\n", atomic_load(&st->sse_streams));
    header(&o, "glia_workers", "gauge", "Worker threads for learning work.");
    glia_strbuf_printf(&o, "glia_workers %d\n", srv->opt.workers);
    header(&o, "glia_workers_busy", "gauge", "Worker threads running learning work now.");
    glia_strbuf_printf(&o, "glia_workers_busy %d\n", atomic_load(&st->jobs_running));
    header(&o, "glia_worker_queue_depth", "gauge", "Jobs waiting for a worker.");
    glia_strbuf_printf(&o, "glia_worker_queue_depth %d\n", atomic_load(&st->jobs_queued));
    header(&o, "glia_store_checkpoint_duration_seconds", "histogram",
           "Duration of store transactions that wrote a checkpoint.");
    histogram(&o, "glia_store_checkpoint_duration_seconds", ckpt_bounds, GLIA_CKPT_BUCKETS,
              st->ckpt_bucket, atomic_load(&st->ckpt_count), atomic_load(&st->ckpt_sum_us));
    header(&o, "glia_store_errors_total", "counter", "Store operations that failed.");
    glia_strbuf_printf(&o, "glia_store_errors_total %llu\n", (unsigned long long)atomic_load(&st->store_errors));
    header(&o, "glia_store_pending_operations", "gauge", "Store operations not yet committed.");
    glia_strbuf_printf(&o, "glia_store_pending_operations %zu\n", srv->store ? glia_store_pending(srv->store) : 0);

    header(&o, "glia_learning_steps_total", "counter", "Learning steps taken, all sessions.");
    glia_strbuf_printf(&o, "glia_learning_steps_total %llu\n", (unsigned long long)atomic_load(&st->steps_total));
    header(&o, "glia_learning_accepted_total", "counter", "Perturbations kept, all sessions.");
    glia_strbuf_printf(&o, "glia_learning_accepted_total %llu\n",
        (unsigned long long)atomic_load(&st->accepted_total));
    header(&o, "glia_learning_rejected_total", "counter", "Perturbations reverted, all sessions.");
    glia_strbuf_printf(&o, "glia_learning_rejected_total %llu\n",
        (unsigned long long)atomic_load(&st->rejected_total));

    n_exported = glia_registry_list(&srv->registry, &exported);
    for (size_t i = 0; i < n_exported; i++) {
        int s = atomic_load(&exported[i]->pub_state);
        if (s >= 0 && s < GLIA_STATE_COUNT)
            by_state[s]++;
    }
    /* Keep the sessions whose published summary says export_metrics, up to the cap. */
    {
        size_t kept = 0;
        for (size_t i = 0; i < n_exported; i++) {
            glia_entry_t *e = exported[i];
            int is_exported;
            pthread_mutex_lock(&e->mu);
            is_exported = e->summary && json_is_true(json_object_get(e->summary, "export_metrics"));
            pthread_mutex_unlock(&e->mu);
            if (is_exported && kept < (size_t)srv->opt.max_exported)
                exported[kept++] = e;
            else
                glia_entry_unref(e);
        }
        n_exported = kept;
    }
    header(&o, "glia_sessions", "gauge", "Sessions by state.");
    for (int s = 0; s < GLIA_STATE_COUNT; s++)
        glia_strbuf_printf(&o, "glia_sessions{state=\"%s\"} %d\n", glia_state_name(s), by_state[s]);

    if (n_exported > 0) {
        static const char *const gauges[][3] = {
            {"glia_session_accuracy", "accuracy", "Inference mean accuracy at the latest trajectory point (exported sessions)."},
            {"glia_session_accept_rate", "accept_rate", "Accepted / decided perturbations so far (exported sessions)."},
            {"glia_session_episode", "episode", "Episodes finished (exported sessions)."},
            {"glia_session_steps_per_second", "steps_per_second", "Learning speed of the last slice (exported sessions)."},
        };
        for (size_t g = 0; g < sizeof(gauges) / sizeof(gauges[0]); g++) {
            header(&o, gauges[g][0], "gauge", gauges[g][2]);
            for (size_t i = 0; i < n_exported; i++) {
                glia_entry_t *e = exported[i];
                json_t *sum, *v = NULL;
                char num[40];
                pthread_mutex_lock(&e->mu);
                sum = json_incref(e->summary);
                pthread_mutex_unlock(&e->mu);
                if (sum == NULL)
                    continue;
                if (strcmp(gauges[g][1], "accuracy") == 0)
                    v = json_object_get(json_object_get(sum, "latest_point"), "accuracy");
                else if (strcmp(gauges[g][1], "accept_rate") == 0)
                    v = json_object_get(sum, "accept_rate");
                else
                    v = json_object_get(json_object_get(sum, "progress"), gauges[g][1]);
                if (json_is_number(v)) {
                    glia_json_format_real(json_number_value(v), num, sizeof(num));
                    glia_strbuf_printf(&o, "%s{session=\"", gauges[g][0]);
                    put_label(&o, e->name);
                    glia_strbuf_printf(&o, "\"} %s\n", num);
                }
                json_decref(sum);
            }
        }
    }
    for (size_t i = 0; i < n_exported; i++)
        glia_entry_unref(exported[i]);
    free(exported);
    return glia_strbuf_take(&o, len);
}
