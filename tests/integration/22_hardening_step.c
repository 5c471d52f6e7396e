/* 22_hardening_step: work stops when its session goes. POST /step on a big network runs in
 * slices like a run: with one worker, another session's run proceeds while 1000 big steps
 * are under way (it used to wait for all of them: minutes), and a delete stops the steps
 * within a slice, so the worker is free again at once (it used to compute for the deleted
 * session to the end). A cancel of a paused session stops its steps too, and the steps
 * taken are stored and answered. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* A network of `neurons` neurons, every pair connected: each step takes long. */
static void create_big(glia_daemon_t *d, const char *name, int neurons)
{
    it_resp_t r =
        it_send(d, "POST", "/v1/sessions",
                "{\"name\": \"%s\", \"config\": {\"network\": {\"clusters\": 1, "
                "\"regular\": %d, \"modulatory\": 0, \"p_intra\": 1, \"input_cluster\": 0, "
                "\"output_cluster\": 0}}}",
                name, neurons - 10);
    cr_assert_eq(r.status, 201, "create %s: %ld %.300s", name, r.status, r.body);
    it_resp_free(&r);
}

/* The value of a gauge on /metrics. */
static double gauge(glia_daemon_t *d, const char *metric)
{
    it_resp_t r = it_request(d, "GET", "/metrics", NULL);
    char key[128];
    const char *p;
    double v = -1;

    snprintf(key, sizeof(key), "\n%s ", metric);
    if (r.body != NULL && (p = strstr(r.body, key)) != NULL)
        v = strtod(p + strlen(key), NULL);
    it_resp_free(&r);
    return v;
}

/* Wait until a worker is busy (the request under test is computing). */
static void wait_busy(glia_daemon_t *d, const char *what)
{
    double t0 = it_now();
    while (gauge(d, "glia_workers_busy") < 1) {
        cr_assert_lt(it_now() - t0, 60, "%s never reached a worker", what);
        it_sleep(0.01);
    }
}

Test(step, other_runs_proceed_during_big_steps_and_a_delete_stops_them, .timeout = 600)
{
    glia_daemon_t d;
    it_bg_request_t step;
    double t_delete, t_free;
    json_t *s;

    it_start(&d, (const char *[]){"--workers", "1", "--max-memory", "4G", NULL});
    create_big(&d, "big", 2048);
    it_create(&d, "other", "cursor", 1);

    /* 1000 steps of a 2048-neuron, fully connected network: minutes of work. */
    it_bg_request_start(&step, &d, "POST", "/v1/sessions/big/step", "{\"steps\": 1000}");
    wait_busy(&d, "the steps");

    /* The one worker is shared slice by slice: another session's run completes meanwhile. */
    it_run(&d, "other", 30);
    s = it_wait_state(&d, "other", "completed", 300);
    json_decref(s);
    cr_expect(!atomic_load(&step.is_done), "the other run finished while the steps went on");

    /* A delete stops the steps within a slice. */
    t_delete = it_now();
    {
        it_resp_t r = it_request(&d, "DELETE", "/v1/sessions/big", NULL);
        cr_expect_eq(r.status, 204, "delete: %ld %.200s", r.status, r.body);
        it_resp_free(&r);
    }
    it_bg_request_join(&step);
    cr_expect_eq(step.resp.status, 404, "the steps answer that their session is gone: %ld %.200s",
                 step.resp.status, step.resp.body);
    it_resp_free(&step.resp);
    /* The worker is free again: another run gets it at once. */
    it_run(&d, "other", 5);
    json_decref(it_wait_state(&d, "other", "completed", 300));
    t_free = it_now();
    cr_log_info("1000 steps on 2048 neurons: stopped %.2f s after the delete; the worker ran "
                "another session's 5 episodes %.2f s after the delete",
                step.done_at - t_delete, t_free - t_delete);
    cr_expect_eq(gauge(&d, "glia_workers_busy"), 0, "nothing computes for the deleted session");
    json_decref(it_get_json(&d, 404, "/v1/sessions/big"));
    cr_expect_eq(it_stop(&d), 0);
}

Test(step, cancelling_a_paused_session_stops_its_steps_and_keeps_what_they_did, .timeout = 600)
{
    glia_daemon_t d;
    it_bg_request_t step;
    json_t *s;
    long long taken, stored;

    it_start(&d, (const char *[]){"--workers", "1", "--max-memory", "4G", NULL});
    create_big(&d, "big", 1024);
    it_run(&d, "big", 1000000);
    {
        it_resp_t r = it_request(&d, "POST", "/v1/sessions/big/pause", NULL);
        cr_assert_eq(r.status, 200, "pause: %ld %.200s", r.status, r.body);
        it_resp_free(&r);
    }
    s = it_get_json(&d, 200, "/v1/sessions/big");
    cr_assert_str_eq(json_string_value(json_object_get(s, "state")), "paused");
    stored = json_integer_value(json_object_get(json_object_get(s, "progress"), "steps"));
    json_decref(s);

    it_bg_request_start(&step, &d, "POST", "/v1/sessions/big/step", "{\"steps\": 1000}");
    wait_busy(&d, "the steps");
    {
        it_resp_t r = it_request(&d, "POST", "/v1/sessions/big/cancel", NULL);
        cr_expect_eq(r.status, 200, "cancel: %ld %.200s", r.status, r.body);
        cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "cancelled");
        it_resp_free(&r);
    }
    it_bg_request_join(&step);
    cr_expect_eq(step.resp.status, 200, "the steps taken are answered: %ld %.300s",
                 step.resp.status, step.resp.body);
    taken = (long long)json_array_size(json_object_get(step.resp.json, "steps"));
    cr_expect_lt(taken, 1000, "the steps stopped early (%lld taken)", taken);
    cr_expect_str_eq(json_string_value(json_object_get(step.resp.json, "stopped")),
                     "the session was cancelled");
    cr_expect_eq(json_integer_value(json_object_get(step.resp.json, "requested")), 1000);
    cr_expect_eq(json_integer_value(json_object_get(step.resp.json, "steps_total")), stored + taken,
                 "steps_total counts what was taken");
    it_resp_free(&step.resp);
    s = it_get_json(&d, 200, "/v1/sessions/big");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "steps")),
                 stored + taken, "the steps taken are stored");
    json_decref(s);
    cr_log_info("a cancel stopped 1000 steps on 1024 neurons after %lld", taken);
    cr_expect_eq(it_stop(&d), 0);
}
