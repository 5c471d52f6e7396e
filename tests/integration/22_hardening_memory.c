/* 22_hardening_memory: memory and time bounded per request and per daemon.
 *
 * With --max-memory, a create, a fork, a PUT config or an experiment that needs more than
 * is left is 507 naming the figures (what it needs, what is left, the budget) and nothing
 * is built: a 4096-neuron, fully connected config (16.7 million synapses) used to be
 * accepted and built on the event loop. Big work happens on the pool: while a 2048-neuron,
 * fully connected session is built and its 30 MB snapshot rendered, /healthz, another
 * session's GET and its inference (a read of learning state, served by the loop) answer
 * before the big request does (ordering, not wall time: the latencies are reported). The
 * network's synapses come in pages. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

static char *big_config(int neurons)
{
    static char buf[256];
    snprintf(buf, sizeof(buf),
             "{\"network\": {\"clusters\": 1, \"regular\": %d, \"modulatory\": 0, \"p_intra\": 1, "
             "\"input_cluster\": 0, \"output_cluster\": 0}}",
             neurons - 10);
    return buf;
}

/* Resident memory of the daemon, in kB (from /proc). */
static long rss_kb(const glia_daemon_t *d)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return kb;
}

/* A 507 insufficient-memory problem with its figures. */
static void expect_507(const it_resp_t *r, const char *what)
{
    json_int_t need = json_integer_value(json_object_get(r->json, "needed_bytes"));
    json_int_t left = json_integer_value(json_object_get(r->json, "available_bytes"));
    json_int_t budget = json_integer_value(json_object_get(r->json, "budget_bytes"));
    const char *detail = json_string_value(json_object_get(r->json, "detail"));

    cr_expect_eq(r->status, 507, "%s: %ld %.400s", what, r->status, r->body);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "type")),
                     "urn:glia:problem:insufficient-memory", "%s", what);
    cr_expect_gt(need, left, "%s: it needs more than is left (%lld, %lld)", what, (long long)need,
                 (long long)left);
    cr_expect_leq(left, budget, "%s", what);
    cr_expect(detail && strstr(detail, "needs") && strstr(detail, "left") &&
                  strstr(detail, "--max-memory"),
              "%s: the detail gives the figures: %s", what, detail);
    cr_log_info("%s: %s", what, detail ? detail : "");
}

Test(memory, what_does_not_fit_the_budget_is_507_and_nothing_is_built)
{
    glia_daemon_t d;
    it_resp_t r;
    long rss;
    int forks = 0;
    char *snap = NULL;

    it_start(&d, (const char *[]){"--max-memory", "384M", "--max-body-bytes", "67108864", NULL});

    r = it_send(&d, "POST", "/v1/sessions", "{\"name\": \"huge\", \"config\": %s}",
                big_config(4096));
    expect_507(&r, "4096 neurons, fully connected");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "budget_bytes")), 384ll << 20);
    cr_expect_gt(json_integer_value(json_object_get(r.json, "needed_bytes")), 16ll * 16752645,
                 "at least 16 bytes a synapse");
    it_resp_free(&r);
    json_decref(it_get_json(&d, 404, "/v1/sessions/huge"));
    rss = rss_kb(&d);
    cr_expect_lt(rss, 200 * 1024, "nothing of it was built: RSS %ld kB", rss);

    /* The same through PUT config. */
    it_create(&d, "small", "maturity", 1);
    r = it_send(&d, "PUT", "/v1/sessions/small/config", "{\"config\": %s}", big_config(4096));
    expect_507(&r, "PUT config to 4096 neurons");
    it_resp_free(&r);
    {
        json_t *s = it_get_json(&d, 200, "/v1/sessions/small");
        cr_expect_str_eq(json_string_value(json_object_get(s, "preset")), "maturity",
                         "the session is as it was");
        json_decref(s);
    }

    /* An experiment counts all its sessions at once. */
    r = it_send(&d, "POST", "/v1/experiments",
                "{\"name\": \"x\", \"conditions\": [{\"label\": \"big\", \"config\": %s}], "
                "\"seeds\": {\"count\": 6}, \"episodes\": 10}",
                big_config(2048));
    expect_507(&r, "an experiment of six 2048-neuron sessions");
    it_resp_free(&r);
    json_decref(it_get_json(&d, 404, "/v1/experiments/x"));
    json_decref(it_get_json(&d, 404, "/v1/sessions/x.big.1"));

    /* Forks of a 1024-neuron session fill the budget, then the next one is 507. */
    r = it_send(&d, "POST", "/v1/sessions", "{\"name\": \"mid\", \"config\": %s}",
                big_config(1024));
    cr_assert_eq(r.status, 201, "1024 neurons fit: %ld %.300s", r.status, r.body);
    it_resp_free(&r);
    r = it_request(&d, "GET", "/v1/sessions/mid/snapshot", NULL);
    cr_assert_eq(r.status, 200, "snapshot: %ld", r.status);
    snap = strdup(json_string_value(json_object_get(r.json, "snapshot")));
    it_resp_free(&r);
    for (forks = 0; forks < 12; forks++) {
        char *body = malloc(strlen(snap) + 64);
        snprintf(body, strlen(snap) + 64, "{\"name\": \"fork%d\", \"snapshot\": \"%s\"}", forks,
                 snap);
        r = it_request(&d, "POST", "/v1/sessions", body);
        free(body);
        if (r.status != 201)
            break;
        it_resp_free(&r);
    }
    cr_expect_lt(forks, 12, "the budget ran out");
    expect_507(&r, "a fork past the budget");
    it_resp_free(&r);
    cr_log_info("--max-memory 384M held %d forks of a 1024-neuron session (and the original)",
                forks);
    free(snap);
    it_expect_healthy(&d, "507s");
    cr_expect_eq(it_stop(&d), 0);
}

static double busy_workers(glia_daemon_t *d)
{
    it_resp_t r = it_request(d, "GET", "/metrics", NULL);
    const char *p = r.body ? strstr(r.body, "\nglia_workers_busy ") : NULL;
    double v = p ? strtod(p + 19, NULL) : -1;
    it_resp_free(&r);
    return v;
}

/* While `big` is in flight (and a worker is on it), other requests answer before it does.
 * Returns the worst latency seen. */
static double others_answer_first(glia_daemon_t *d, it_bg_request_t *big, const char *what)
{
    static const char *const paths[] = {"/healthz", "/v1/sessions/other",
                                        "/v1/sessions/other/inference", "/v1/sessions?limit=5"};
    double t0 = it_now(), worst = 0;

    while (busy_workers(d) < 1) {
        cr_assert(!atomic_load(&big->is_done),
                  "%s: answered before a worker was seen on it (it "
                  "ran where it should not: on the loop?)",
                  what);
        cr_assert_lt(it_now() - t0, 60, "%s: no worker took it", what);
        it_sleep(0.005);
    }
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
            double t = it_now();
            it_resp_t r = it_request(d, "GET", paths[i], NULL);
            int big_done = atomic_load(&big->is_done);
            t = it_now() - t;
            cr_expect_eq(r.status, 200, "%s: %s answered %ld", what, paths[i], r.status);
            if (round == 0)
                cr_expect(!big_done, "%s: %s answered only after the big request", what, paths[i]);
            if (t > worst)
                worst = t;
            it_resp_free(&r);
        }
    }
    return worst;
}

Test(memory, big_work_is_on_the_pool_and_others_keep_answering, .timeout = 600)
{
    glia_daemon_t d;
    it_bg_request_t big;
    double worst;
    long rss0, rss1, rss2;
    json_t *page;

    it_start(&d, (const char *[]){"--max-memory", "4G", "--workers", "2", NULL});
    it_create(&d, "other", "maturity", 7);
    rss0 = rss_kb(&d);

    /* Building 2048 neurons, every pair connected (4.2 million synapses). */
    {
        char body[512];
        snprintf(body, sizeof(body), "{\"name\": \"big\", \"config\": %s}", big_config(2048));
        it_bg_request_start(&big, &d, "POST", "/v1/sessions", body);
    }
    worst = others_answer_first(&d, &big, "create 2048 neurons");
    it_bg_request_join(&big);
    cr_expect_eq(big.resp.status, 201, "the big session: %ld %.300s", big.resp.status,
                 big.resp.body);
    it_resp_free(&big.resp);
    rss1 = rss_kb(&d);
    cr_log_info("while a 2048-neuron session was built: other requests' worst latency %.3f s; "
                "RSS %ld -> %ld kB",
                worst, rss0, rss1);

    /* Its snapshot (tens of MB): rendered on the pool too. */
    it_bg_request_start(&big, &d, "GET", "/v1/sessions/big/snapshot", NULL);
    worst = others_answer_first(&d, &big, "snapshot of 2048 neurons");
    it_bg_request_join(&big);
    cr_expect_eq(big.resp.status, 200, "the snapshot: %ld", big.resp.status);
    cr_log_info("while its snapshot (%zu bytes) was rendered: worst latency %.3f s", big.resp.len,
                worst);
    it_resp_free(&big.resp);
    rss2 = rss_kb(&d);
    cr_log_info("RSS after the snapshot: %ld kB", rss2);

    /* The synapses come in pages. */
    page = it_get_json(&d, 200, "/v1/sessions/big/network?synapses=true");
    cr_expect_eq(json_array_size(json_object_get(page, "synapses")), 10000, "a default page");
    cr_expect_eq(json_integer_value(json_object_get(page, "next_after")), 9999);
    cr_expect_eq(json_integer_value(json_object_get(page, "synapses_count")),
                 2048ll * 2047 - 5 * 2047, "every pair but those into inputs");
    json_decref(page);
    page = it_get_json(&d, 200, "/v1/sessions/big/network?synapses=true&after=9999&limit=3");
    cr_expect_eq(json_array_size(json_object_get(page, "synapses")), 3);
    cr_expect_eq(json_integer_value(
                     json_object_get(json_array_get(json_object_get(page, "synapses"), 0), "id")),
                 10000, "the page after 9999 starts at 10000");
    json_decref(page);
    page = it_get_json(&d, 200, "/v1/sessions/big/network?synapses=true&after=%lld&limit=100000",
                       2048ll * 2047 - 5 * 2047 - 3);
    cr_expect_eq(json_array_size(json_object_get(page, "synapses")), 2, "the last page");
    cr_expect(json_is_null(json_object_get(page, "next_after")), "no page follows the last");
    json_decref(page);
    {
        it_resp_t r = it_get(&d, "/v1/sessions/big/network?synapses=true&limit=100001");
        cr_expect_eq(r.status, 400, "a page is at most 100000 synapses: %ld", r.status);
        it_resp_free(&r);
    }
    cr_expect_eq(it_stop(&d), 0);
}
