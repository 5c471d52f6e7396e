/* 21_phase1a: the neuromod learner (phase 1a) and the update-scope learners through the
 * CLI and the API: the paper's exp 012b attractor from `gliad run`, a session that runs,
 * streams events, pages its trajectory, forks from a snapshot mid-run and ends like
 * `gliad run`, per-session gauges on /metrics, and an update-scope experiment over the
 * API whose records equal `gliad run`. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* Spec phase 1a, section 11 (and paper Table 1): exp 012b Full model, seed 42, 1000
 * steps: [11111] for every pattern (55%), weights fingerprinted. */
Test(phase1a, gliad_run_exp012b_full_seed42_is_the_11111_attractor)
{
    json_t *r = it_batch_run("exp012b-full", 42, 1000);
    json_t *inf = json_object_get(r, "inference"), *fin = json_object_get(r, "final");
    json_t *pats = json_object_get(inf, "patterns");

    cr_assert_eq(json_array_size(pats), 4);
    for (size_t i = 0; i < 4; i++)
        cr_expect_str_eq(json_string_value(json_object_get(json_array_get(pats, i), "output")),
                         "11111", "P%zu", i + 1);
    cr_expect_eq(json_real_value(json_object_get(inf, "mean_accuracy")), 0.55);
    cr_expect(json_is_true(json_object_get(inf, "constant_output")));
    cr_expect_eq(json_integer_value(json_object_get(inf, "distinct_outputs")), 1);
    cr_expect_eq(json_integer_value(json_object_get(r, "episodes")), 1000);
    cr_expect_eq(json_integer_value(json_object_get(r, "steps")), 1000, "one step per episode");
    cr_expect_str_eq(json_string_value(json_object_get(r, "rng")), "mulberry32");
    cr_expect_eq(json_real_value(json_object_get(fin, "weight_sum")), 1659.0194842789535);
    cr_expect_eq(json_real_value(json_object_get(fin, "mean_abs_weight")), 1.0066865802663554);
    cr_expect_str_eq(json_string_value(json_object_get(fin, "weights_fnv1a64")),
                     "a5523ca3818ad8e2");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(r, "initial"), "rng_draws")),
                 4908);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(r, "initial"), "synapses")),
                 1648);
    {
        json_t *by = json_object_get(json_object_get(r, "counters"), "steps_by_correct");
        cr_expect_eq(json_integer_value(json_array_get(by, 3)), 729);
        cr_expect_eq(json_integer_value(json_array_get(by, 2)), 269);
    }
    json_decref(r);

    /* exp 001 is exp 002's configuration under another name. */
    {
        json_t *a = it_batch_run("exp001-full", 137, 200),
               *b = it_batch_run("exp002-full", 137, 200);
        it_expect_same_run(a, b, "exp001-full vs exp002-full");
        json_decref(a);
        json_decref(b);
    }
}

Test(phase1a, a_neuromod_session_runs_streams_pages_forks_and_equals_gliad_run)
{
    glia_daemon_t d;
    json_t *batch, *res, *page, *snap, *events, *fork;
    it_resp_t r;
    int points = 0, metric_events = 0;

    it_start(&d, NULL);
    r = it_send(&d, "POST", "/v1/sessions",
                "{\"name\":\"p1\",\"preset\":\"exp012b-full\",\"seed\":42,"
                "\"export_metrics\":true}");
    cr_assert_eq(r.status, 201, "%ld %.300s", r.status, r.body);
    it_resp_free(&r);
    it_run(&d, "p1", 600);
    json_decref(it_wait_state(&d, "p1", "completed", 60));

    /* A snapshot mid-run (600 of 1000 steps) carries the learner's section; its fork and
     * the original both finish like `gliad run`. */
    snap = it_get_json(&d, 200, "/v1/sessions/p1/snapshot");
    cr_expect_str_eq(json_string_value(json_object_get(snap, "preset")), "exp012b-full");
    r = it_send(&d, "POST", "/v1/sessions", "{\"name\":\"p1fork\",\"snapshot\":\"%s\"}",
                json_string_value(json_object_get(snap, "snapshot")));
    cr_assert_eq(r.status, 201, "%ld %.300s", r.status, r.body);
    it_resp_free(&r);
    it_run(&d, "p1", 400);
    it_run(&d, "p1fork", 400);
    batch = it_batch_run("exp012b-full", 42, 1000);
    json_decref(it_wait_state(&d, "p1", "completed", 60));
    json_decref(it_wait_state(&d, "p1fork", "completed", 60));

    res = it_result(&d, "p1");
    fork = it_result(&d, "p1fork");
    it_expect_same_run(res, batch, "daemon vs gliad run");
    it_expect_same_run(fork, batch, "fork vs gliad run");
    cr_expect(json_equal(json_object_get(res, "counters"), json_object_get(batch, "counters")),
              "the learner's counters");
    cr_expect(json_equal(json_object_get(res, "final"), json_object_get(batch, "final")),
              "the final network and the learner's summary");
    cr_expect(json_equal(json_object_get(fork, "final"), json_object_get(batch, "final")));

    /* Trajectory points with their output vectors: [11111] at the end. */
    page = it_get_json(&d, 200, "/v1/sessions/p1/metrics");
    {
        json_t *pts = json_object_get(page, "points"), *last;
        points = (int)json_array_size(pts);
        /* Every 25 episodes, plus the last episode of each of the two runs (599, 999). */
        cr_expect_eq(points, 42, "points at 0, 25, ..., 975, 599 and 999");
        last = json_array_get(pts, json_array_size(pts) - 1);
        cr_expect_eq(json_integer_value(json_object_get(last, "episode")), 999);
        cr_expect_eq(json_real_value(json_object_get(last, "accuracy")), 0.55);
        for (size_t i = 0; i < 4; i++)
            cr_expect_str_eq(json_string_value(json_array_get(json_object_get(last, "outputs"), i)),
                             "11111");
    }
    json_decref(page);

    /* The events of the run: its steps (the training-time outputs) and points. */
    events = it_events(&d, "p1", 0);
    for (size_t i = 0; i < json_array_size(events); i++) {
        const char *ev = json_string_value(json_object_get(json_array_get(events, i), "event"));
        metric_events += ev != NULL && strcmp(ev, "metrics") == 0;
    }
    cr_expect(json_array_size(events) > 0, "events were recorded");
    cr_expect_eq(metric_events, points, "a metrics event per trajectory point (%d)", metric_events);
    json_decref(events);

    /* The learner's live state. */
    {
        json_t *l = it_get_json(&d, 200, "/v1/sessions/p1/learner");
        json_t *nm = json_object_get(json_object_get(l, "state"), "neuromod");
        cr_expect_str_eq(json_string_value(json_object_get(l, "kind")), "neuromod");
        cr_expect_eq(json_integer_value(json_object_get(nm, "modulatory_neurons")), 4);
        cr_expect(json_equal(json_object_get(nm, "counters"), json_object_get(res, "counters")),
                  "the live counters are the result's");
        cr_expect_eq(json_integer_value(json_object_get(nm, "flags_latched")), 1648);
        json_decref(l);
    }

    /* Per-session gauges on /metrics. */
    r = it_get(&d, "/metrics");
    cr_expect_eq(r.status, 200);
    cr_expect(r.body != NULL && strstr(r.body, "session=\"p1\"") != NULL, "p1 exported");
    it_resp_free(&r);

    json_decref(fork);
    json_decref(res);
    json_decref(batch);
    json_decref(snap);
    cr_expect_eq(it_stop(&d), 0);
}

/* The scope experiment's conditions over the API (short: 30 episodes, 2 seeds): every
 * record equals `gliad run` of the same configuration, and the report compares them. */
Test(phase1a, scope_experiment_runs_over_the_api)
{
    glia_daemon_t d;
    json_t *doc, *recs;
    it_resp_t r;
    static const char *const kinds[] = {"astrocyte", "cursor", "global", "scattered"};

    it_start(&d, NULL);
    r = it_send(&d, "POST", "/v1/experiments",
                "{\"name\":\"scope-short\",\"episodes\":30,\"seeds\":[42,137],\"conditions\":["
                "{\"label\":\"astrocyte\",\"preset\":\"maturity\"},"
                "{\"label\":\"cursor\",\"preset\":\"cursor\"},"
                "{\"label\":\"global\",\"preset\":\"maturity\","
                "\"config\":{\"learner\":{\"kind\":\"global\"}}},"
                "{\"label\":\"scattered\",\"preset\":\"maturity\","
                "\"config\":{\"learner\":{\"kind\":\"scattered\"}}}]}");
    cr_assert_eq(r.status, 202, "%ld %.300s", r.status, r.body);
    it_resp_free(&r);
    for (double t0 = it_now();; it_sleep(0.2)) {
        const char *state;
        doc = it_get_json(&d, 200, "/v1/experiments/scope-short");
        state = json_string_value(json_object_get(doc, "state"));
        if (state != NULL && strcmp(state, "completed") == 0)
            break;
        cr_assert(it_now() - t0 < 120, "experiment still %s", state ? state : "?");
        json_decref(doc);
    }
    recs = json_object_get(doc, "records");
    for (int k = 0; k < 4; k++) {
        json_t *rec = json_object_get(json_object_get(recs, kinds[k]), "42");
        char path[512];
        json_t *cfg = json_object_get(json_array_get(json_object_get(doc, "conditions"), (size_t)k),
                                      "config");
        json_t *batch;
        cr_assert_not_null(rec, "%s seed 42", kinds[k]);
        /* The condition's resolved config through `gliad run --config`. */
        snprintf(path, sizeof(path), "%s/scope-%s.json", d.dir, kinds[k]);
        {
            char *text = json_dumps(cfg, JSON_COMPACT);
            cr_assert_eq(it_write_file(path, text, strlen(text)), 0);
            free(text);
        }
        batch = it_batch_run_config(path, 42, 30);
        cr_expect_eq(
            json_real_value(json_object_get(rec, "accuracy")),
            json_real_value(json_object_get(json_object_get(batch, "inference"), "mean_accuracy")),
            "%s", kinds[k]);
        cr_expect_eq(json_integer_value(json_object_get(rec, "accepted")),
                     json_integer_value(json_object_get(batch, "accepted")), "%s", kinds[k]);
        cr_expect_eq(json_integer_value(json_object_get(rec, "rejected")),
                     json_integer_value(json_object_get(batch, "rejected")), "%s", kinds[k]);
        json_decref(batch);
    }
    json_decref(doc);
    r = it_get(&d, "/v1/experiments/scope-short/report?format=md");
    cr_expect_eq(r.status, 200);
    cr_expect(r.body != NULL && strstr(r.body, "scattered") != NULL && strstr(r.body, "global"));
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

/* The phase1-attractor template over the API: exp 012b's Full model ends in [11111] on
 * every one of the paper's seeds (55%, paper Table 1), and exp 018's Baseline also ends
 * in a constant output on every seed. */
Test(phase1a, the_attractor_template_shows_the_constant_outputs)
{
    glia_daemon_t d;
    json_t *t, *items, *body = NULL, *doc = NULL, *conds;
    it_resp_t r;
    char *text;

    it_start(&d, NULL);
    t = it_get_json(&d, 200, "/v1/experiments/templates");
    items = json_object_get(t, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "name")),
                   "phase1-attractor") == 0)
            body = json_object_get(json_array_get(items, i), "body");
    }
    cr_assert_not_null(body);
    text = json_dumps(body, JSON_COMPACT);
    r = it_request(&d, "POST", "/v1/experiments", text);
    free(text);
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    for (double t0 = it_now();; it_sleep(0.2)) {
        const char *state;
        doc = it_get_json(&d, 200, "/v1/experiments/phase1-attractor");
        state = json_string_value(json_object_get(doc, "state"));
        if (state != NULL && strcmp(state, "completed") == 0)
            break;
        cr_assert(it_now() - t0 < 300, "experiment still %s", state ? state : "?");
        json_decref(doc);
    }
    conds = json_object_get(json_object_get(doc, "results"), "conditions");
    cr_assert_eq(json_array_size(conds), 3);
    {
        json_t *c012 = json_array_get(conds, 0), *c018 = json_array_get(conds, 2);
        json_t *recs = json_object_get(json_object_get(doc, "records"), "exp012b-full");
        const char *seed;
        json_t *rec;
        cr_expect_str_eq(json_string_value(json_object_get(c012, "label")), "exp012b-full");
        /* The mean of ten 0.55s, summed in doubles. */
        cr_expect(fabs(json_real_value(json_object_get(c012, "mean_accuracy")) - 0.55) < 1e-12);
        cr_expect_eq(json_integer_value(json_object_get(c012, "constant_output_seeds")), 10);
        cr_expect_eq(json_integer_value(json_object_get(c018, "constant_output_seeds")), 10);
        json_object_foreach(recs, seed, rec)
        {
            json_t *outs = json_object_get(rec, "outputs");
            cr_expect_eq(json_integer_value(json_object_get(rec, "correct_bits")), 11,
                         "seed %s: 11 of 20 bits", seed);
            for (size_t p = 0; p < 4; p++)
                cr_expect_str_eq(json_string_value(json_array_get(outs, p)), "11111", "seed %s",
                                 seed);
        }
        cr_expect_eq(json_object_size(recs), 10);
    }
    json_decref(doc);
    json_decref(t);
    cr_expect_eq(it_stop(&d), 0);
}
