/* 13_concurrency: many sessions learning at once on one daemon each end exactly as
 * `gliad run` does alone, and the API keeps answering while every worker is busy. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

#define N_SHORT 50
#define N_LONG  2
#define N_ALL   (N_SHORT + N_LONG)

static const char *const presets[] = {"control",           "cursor",  "astrocyte-firing",
                                      "astrocyte-traffic", "epsilon", "maturity"};

typedef struct plan {
    char name[32];
    const char *preset;
    unsigned seed;
    unsigned episodes;
} plan_t;

static void make_plan(plan_t *p)
{
    for (int i = 0; i < N_SHORT; i++) {
        snprintf(p[i].name, sizeof(p[i].name), "s%02d", i);
        p[i].preset = presets[i % 6];
        p[i].seed = 1000u + (unsigned)(i * 7919 % 500);
        p[i].episodes = 150u + 50u * (unsigned)(i % 3); /* 150, 200, 250 */
    }
    /* Two long runs keep the workers busy while the short ones come and go, however fast
     * the machine: they are cancelled once the reads are done, and then checked against
     * `gliad run` for the episodes they did. */
    for (int i = 0; i < N_LONG; i++) {
        plan_t *q = &p[N_SHORT + i];
        snprintf(q->name, sizeof(q->name), "long%d", i);
        q->preset = i == 0 ? "maturity" : "epsilon";
        q->seed = 77u + (unsigned)i;
        q->episodes = 20000000u; /* within --max-points */
    }
}

static size_t count_running(glia_daemon_t *d)
{
    json_t *list = it_get_json(d, 200, "/v1/sessions?state=running&limit=1000");
    size_t n = json_array_size(json_object_get(list, "items"));
    json_decref(list);
    return n;
}

Test(concurrency, fifty_sessions_at_once_match_gliad_run_and_reads_stay_prompt)
{
    glia_daemon_t d;
    plan_t plan[N_ALL];
    json_t *want[N_ALL];
    double slowest = 0;
    int answered_while_busy = 0;

    make_plan(plan);
    it_start(&d, (const char *[]){"--workers", "2", NULL});
    for (int i = 0; i < N_ALL; i++)
        it_create(&d, plan[i].name, plan[i].preset, plan[i].seed);
    /* Long runs first, so they are already busy when the short ones queue up. */
    for (int i = N_ALL - 1; i >= 0; i--)
        it_run(&d, plan[i].name, plan[i].episodes);

    /* Reads while every worker is busy: each must answer (200), and the runs must still
     * be going once it has answered. The time taken is reported, not asserted. */
    for (int k = 0; k < 10; k++) {
        it_resp_t r = it_get(&d, "/v1/sessions/%s", plan[(k * 13) % N_ALL].name);
        cr_expect_eq(r.status, 200, "GET during the runs: %ld", r.status);
        if (r.seconds > slowest)
            slowest = r.seconds;
        it_resp_free(&r);
        if (count_running(&d) >= 2)
            answered_while_busy++;
    }
    cr_log_info("GET /v1/sessions/{name} while %d workers were busy: slowest %.4f s", 2, slowest);
    cr_expect(answered_while_busy > 0,
              "no GET was answered while runs were still going (they finished too early?)");

    /* The references, computed meanwhile. */
    for (int i = 0; i < N_SHORT; i++)
        want[i] = it_batch_run(plan[i].preset, plan[i].seed, plan[i].episodes);
    /* A long run is cancelled, possibly within an episode; its reference is the same preset
     * and seed run alone on this daemon to the same step: its episodes, then /step. */
    for (int i = N_SHORT; i < N_ALL; i++) {
        char path[96], alone[40], body[64];
        json_t *st;
        unsigned long long steps, per_episode;
        unsigned episodes;
        it_resp_t r;

        snprintf(path, sizeof(path), "/v1/sessions/%s/cancel", plan[i].name);
        r = it_request(&d, "POST", path, NULL);
        cr_expect(r.status == 200 || r.status == 202, "cancel %s: %ld %.200s", plan[i].name,
                  r.status, r.body);
        it_resp_free(&r);
        json_decref(it_wait_state(&d, plan[i].name, "cancelled", 60));
        st = it_result(&d, plan[i].name);
        episodes = (unsigned)json_integer_value(json_object_get(st, "episodes"));
        steps = (unsigned long long)json_integer_value(json_object_get(st, "steps"));
        per_episode =
            (unsigned long long)json_integer_value(json_object_get(st, "steps_per_episode"));
        json_decref(st);
        cr_assert_gt(per_episode, 0, "%s: steps_per_episode", plan[i].name);
        cr_expect_gt(episodes, 0, "%s ran before it was cancelled", plan[i].name);

        snprintf(alone, sizeof(alone), "%s-alone", plan[i].name);
        it_create(&d, alone, plan[i].preset, plan[i].seed);
        it_run(&d, alone, episodes);
        json_decref(it_wait_state(&d, alone, "completed", 120));
        if (steps > episodes * per_episode) {
            snprintf(path, sizeof(path), "/v1/sessions/%s/step", alone);
            snprintf(body, sizeof(body), "{\"steps\": %llu}", steps - episodes * per_episode);
            r = it_request(&d, "POST", path, body);
            cr_expect_eq(r.status, 200, "step %s: %.200s", alone, r.body);
            it_resp_free(&r);
        }
        want[i] = it_result(&d, alone);
        plan[i].episodes = episodes;
    }

    for (int i = 0; i < N_ALL; i++) {
        json_t *got;
        char what[256];
        json_decref(it_wait_state(&d, plan[i].name, i < N_SHORT ? "completed" : "cancelled", 60));
        got = it_result(&d, plan[i].name);
        snprintf(what, sizeof(what), "%.31s (%.40s, seed %u, %u episodes) vs %s", plan[i].name,
                 plan[i].preset, plan[i].seed, plan[i].episodes,
                 i < N_SHORT ? "gliad run" : "the same run alone");
        cr_expect_str_eq(json_string_value(json_object_get(got, "condition")), plan[i].preset, "%s",
                         what);
        it_expect_same_run(got, want[i], what);
        json_decref(got);
        json_decref(want[i]);
    }
    {
        json_t *list = it_get_json(&d, 200, "/v1/sessions?state=completed&limit=1000");
        cr_expect_eq(json_array_size(json_object_get(list, "items")), N_SHORT + N_LONG,
                     "the short runs and the long ones' references");
        json_decref(list);
    }
    cr_expect_eq(it_stop(&d), 0);
}

static int count_status(const long *st, int n, long want)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += st[i] == want;
    return k;
}

Test(concurrency, racing_requests_resolve_exactly)
{
    enum { N = 24 };
    glia_daemon_t d;
    const char *paths[N], *bodies[N];
    char bodybuf[N][96], pathbuf[N][64];
    long st[N];
    json_t *s;

    it_start(&d, (const char *[]){"--max-sessions", "10", NULL});

    /* The same name created N times at once: one 201, the rest 409. */
    for (int i = 0; i < N; i++) {
        paths[i] = "/v1/sessions";
        snprintf(bodybuf[i], sizeof(bodybuf[i]),
                 "{\"name\":\"same\",\"preset\":\"maturity\",\"seed\":%d}", i);
        bodies[i] = bodybuf[i];
    }
    it_parallel(&d, N, "POST", paths, bodies, st);
    cr_expect_eq(count_status(st, N, 201), 1, "one create wins");
    cr_expect_eq(count_status(st, N, 409), N - 1, "the others are told the name exists");

    /* N runs of one idle session at once: one 202, the rest 409 (the accepted run is
     * still going: a million episodes), and the target is one run's, not several. */
    for (int i = 0; i < N; i++) {
        paths[i] = "/v1/sessions/same/run";
        bodies[i] = "{\"episodes\":1000000}";
    }
    it_parallel(&d, N, "POST", paths, bodies, st);
    cr_expect_eq(count_status(st, N, 202), 1, "one run is accepted");
    cr_expect_eq(count_status(st, N, 409), N - 1, "the others conflict");
    s = it_get_json(&d, 200, "/v1/sessions/same");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "running");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "episodes")),
                 1000000, "one run's target, not several");
    json_decref(s);
    {
        it_resp_t r = it_request(&d, "POST", "/v1/sessions/same/cancel", NULL);
        cr_expect_eq(r.status, 200, "cancel: %ld", r.status);
        it_resp_free(&r);
    }

    /* N distinct creates against --max-sessions 10 (1 used): exactly 9 fit. */
    for (int i = 0; i < N; i++) {
        paths[i] = "/v1/sessions";
        snprintf(bodybuf[i], sizeof(bodybuf[i]), "{\"name\":\"n%02d\",\"preset\":\"control\"}", i);
        bodies[i] = bodybuf[i];
    }
    it_parallel(&d, N, "POST", paths, bodies, st);
    cr_expect_eq(count_status(st, N, 201), 9, "exactly up to --max-sessions");
    cr_expect_eq(count_status(st, N, 507), N - 9, "the rest are 507");
    s = it_get_json(&d, 200, "/v1/sessions?limit=1000");
    cr_expect_eq(json_array_size(json_object_get(s, "items")), 10);
    json_decref(s);

    /* N deletes of one session at once: one 204, the rest 404. */
    for (int i = 0; i < N; i++) {
        snprintf(pathbuf[i], sizeof(pathbuf[i]), "/v1/sessions/same");
        paths[i] = pathbuf[i];
    }
    it_parallel(&d, N, "DELETE", paths, NULL, st);
    cr_expect_eq(count_status(st, N, 204), 1, "one delete");
    cr_expect_eq(count_status(st, N, 404), N - 1, "the others find nothing");
    it_expect_healthy(&d, "racing requests");
    cr_expect_eq(it_stop(&d), 0);
}
