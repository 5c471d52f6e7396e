/* 17_experiments: seeds x conditions studies over the API: 202 + Location, completion,
 * every record equal to `gliad run`, the sessions it creates, reports (json, md, csv) and
 * their 409/400, cancel, delete, templates, a restart in the middle, and the paper check:
 * the exp021 template reproduces Table 4 (the one long test of this file). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

static const unsigned paper_seeds[10] = {42, 137, 271, 314, 500, 618, 777, 888, 999, 1234};

/* Poll GET /v1/experiments/{name} until its state is `state`; returns the document. */
static json_t *wait_experiment(glia_daemon_t *d, const char *name, const char *state,
                               double timeout)
{
    double t0 = it_now();
    for (;;) {
        it_resp_t r = it_get(d, "/v1/experiments/%s", name);
        const char *s = json_string_value(json_object_get(r.json, "state"));
        if (r.status == 200 && s != NULL && strcmp(s, state) == 0) {
            json_t *j = json_incref(r.json);
            it_resp_free(&r);
            return j;
        }
        if (it_now() - t0 > timeout) {
            json_t *p = json_object_get(r.json, "progress");
            char *ps = it_dump(p);
            cr_assert_fail("experiment %s did not reach %s within %.0f s (last: %ld, state %s, "
                           "progress %s)",
                           name, state, timeout, r.status, s ? s : "-", ps);
        }
        it_resp_free(&r);
        it_sleep(0.05);
    }
}

static json_t *record_of(const json_t *doc, const char *label, unsigned seed)
{
    char key[16];
    snprintf(key, sizeof(key), "%u", seed);
    return json_object_get(json_object_get(json_object_get(doc, "records"), label), key);
}

/* Expect an experiment record to describe the same run as `gliad run` (`batch`). */
static void expect_record_is_batch(const json_t *rec, const json_t *batch, const char *what)
{
    json_t *inf = json_object_get(batch, "inference"), *pats = json_object_get(inf, "patterns");
    json_t *outs = json_object_get(rec, "outputs"),
           *pacc = json_object_get(rec, "pattern_accuracy");
    json_int_t accepted = json_integer_value(json_object_get(batch, "accepted"));
    json_int_t rejected = json_integer_value(json_object_get(batch, "rejected"));
    int correct = 0, total = 0;

    cr_assert(json_is_object(rec), "%s: no record", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "seed")),
                 json_integer_value(json_object_get(batch, "seed")), "%s: seed", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "episodes")),
                 json_integer_value(json_object_get(batch, "episodes")), "%s: episodes", what);
    cr_expect_eq(json_number_value(json_object_get(rec, "accuracy")),
                 json_number_value(json_object_get(inf, "mean_accuracy")),
                 "%s: accuracy %.17g, gliad run %.17g", what,
                 json_number_value(json_object_get(rec, "accuracy")),
                 json_number_value(json_object_get(inf, "mean_accuracy")));
    cr_expect_eq(json_integer_value(json_object_get(rec, "accepted")), accepted, "%s: accepted",
                 what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "rejected")), rejected, "%s: rejected",
                 what);
    if (accepted + rejected > 0)
        cr_expect_eq(json_number_value(json_object_get(rec, "accept_rate")),
                     (double)accepted / (double)(accepted + rejected), "%s: accept_rate", what);
    else
        cr_expect(json_is_null(json_object_get(rec, "accept_rate")), "%s: accept_rate null", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "distinct_outputs")),
                 json_integer_value(json_object_get(inf, "distinct_outputs")), "%s: distinct",
                 what);
    cr_expect_eq(json_is_true(json_object_get(rec, "constant_output")),
                 json_is_true(json_object_get(inf, "constant_output")), "%s: constant", what);
    cr_assert_eq(json_array_size(outs), json_array_size(pats), "%s: outputs", what);
    for (size_t i = 0; i < json_array_size(pats); i++) {
        json_t *p = json_array_get(pats, i);
        const char *o = json_string_value(json_array_get(outs, i));
        const char *want = json_string_value(json_object_get(p, "output"));
        const char *target = json_string_value(json_object_get(p, "target"));
        cr_expect_str_eq(o, want, "%s: P%zu output", what, i + 1);
        cr_expect_eq(json_number_value(json_array_get(pacc, i)),
                     json_number_value(json_object_get(p, "accuracy")), "%s: P%zu accuracy", what,
                     i + 1);
        for (size_t b = 0; want && target && want[b] && target[b]; b++) {
            correct += want[b] == target[b];
            total++;
        }
    }
    cr_expect_eq(json_integer_value(json_object_get(rec, "correct_bits")), correct,
                 "%s: correct_bits", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "total_bits")), total, "%s: total_bits",
                 what);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static json_t *session_in_list(const json_t *list, const char *name)
{
    json_t *items = json_object_get(list, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *s = json_array_get(items, i);
        if (strcmp(json_string_value(json_object_get(s, "name")), name) == 0)
            return s;
    }
    return NULL;
}

static const struct {
    const char *label, *preset;
} three[] = {{"astro", "astrocyte-firing"}, {"cur", "cursor"}, {"ctl", "control"}};

#define THREE_CONDS                                                                                \
    "[{\"label\": \"astro\", \"preset\": \"astrocyte-firing\"}, {\"label\": \"cur\", \"preset\": " \
    "\"cursor\"}, {\"label\": \"ctl\", \"preset\": \"control\"}]"

Test(experiments, every_record_equals_gliad_run_and_reports_answer)
{
    static const unsigned seeds[3] = {3, 4, 5};
    glia_daemon_t d;
    it_resp_t r;
    json_t *doc, *list, *res;

    it_start(&d, NULL);
    r = it_request(
        &d, "POST", "/v1/experiments",
        "{\"name\": \"e1\", \"description\": \"three by three\", \"conditions\": " THREE_CONDS
        ", \"seeds\": [3, 4, 5], \"episodes\": 200}");
    cr_assert_eq(r.status, 202, "%.500s", r.body);
    cr_expect_str_eq(r.location, "/v1/experiments/e1");
    cr_expect_str_eq(r.content_type, "application/json");
    cr_assert_not_null(r.json);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "name")), "e1");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "description")), "three by three");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "episodes")), 200);
    cr_expect_eq(json_object_size(json_object_get(r.json, "records")), 0, "no records yet");
    cr_expect(json_is_null(json_object_get(r.json, "results")), "no results yet");
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(r.json, "progress"), "sessions")), 9);
    cr_expect_eq(json_array_size(json_object_get(r.json, "conditions")), 3);
    it_resp_free(&r);

    doc = wait_experiment(&d, "e1", "completed", 120);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "progress"), "completed")),
                 9);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "progress"), "running")),
                 0);
    cr_expect_eq(json_number_value(json_object_get(json_object_get(doc, "progress"), "fraction")),
                 1.0);
    for (int c = 0; c < 3; c++) {
        for (int k = 0; k < 3; k++) {
            char what[64];
            json_t *batch = it_batch_run(three[c].preset, seeds[k], 200);
            snprintf(what, sizeof(what), "%s seed %u", three[c].label, seeds[k]);
            expect_record_is_batch(record_of(doc, three[c].label, seeds[k]), batch, what);
            json_decref(batch);
        }
    }
    res = json_object_get(doc, "results");
    cr_assert(json_is_object(res), "results once completed");
    cr_expect_eq(json_array_size(json_object_get(res, "conditions")), 3);
    cr_expect_eq(json_array_size(json_object_get(res, "pairwise")), 3);
    cr_expect_eq(json_array_size(json_object_get(res, "per_seed")), 3);
    cr_expect(json_is_null(json_object_get(json_array_get(json_object_get(res, "conditions"), 2),
                                           "accept_rate")),
              "control: no decisions");

    /* the sessions are ordinary sessions that name their experiment */
    list = it_get_json(&d, 200, "/v1/sessions?limit=100");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 9);
    for (int c = 0; c < 3; c++) {
        for (int k = 0; k < 3; k++) {
            char name[64];
            json_t *s;
            snprintf(name, sizeof(name), "e1.%s.%u", three[c].label, seeds[k]);
            s = session_in_list(list, name);
            cr_expect_not_null(s, "%s is listed", name);
            if (s == NULL)
                continue;
            cr_expect_str_eq(json_string_value(json_object_get(s, "experiment")), "e1", "%s", name);
            cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "completed", "%s",
                             name);
            cr_expect_str_eq(json_string_value(json_object_get(s, "preset")), three[c].preset, "%s",
                             name);
            cr_expect_eq(json_integer_value(json_object_get(s, "seed")), seeds[k], "%s", name);
        }
    }
    json_decref(list);
    {
        /* one session's full result is gliad run's */
        json_t *got = it_result(&d, "e1.cur.4"), *want = it_batch_run("cursor", 4, 200);
        it_expect_same_run(got, want, "e1.cur.4 result");
        json_decref(got);
        json_decref(want);
    }

    /* the list of experiments: a summary without records */
    list = it_get_json(&d, 200, "/v1/experiments");
    cr_assert_eq(json_array_size(json_object_get(list, "items")), 1);
    {
        json_t *x = json_array_get(json_object_get(list, "items"), 0);
        cr_expect_str_eq(json_string_value(json_object_get(x, "name")), "e1");
        cr_expect_str_eq(json_string_value(json_object_get(x, "state")), "completed");
        cr_expect_null(json_object_get(x, "records"));
    }
    json_decref(list);

    /* reports */
    r = it_get(&d, "/v1/experiments/e1/report");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.content_type, "application/json");
    cr_expect(json_equal(json_object_get(r.json, "records"), json_object_get(doc, "records")),
              "json report: the document's records");
    cr_expect(json_equal(json_object_get(r.json, "results"), json_object_get(doc, "results")),
              "json report: the document's results");
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/e1/report?format=json");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.content_type, "application/json");
    it_resp_free(&r);

    r = it_get(&d, "/v1/experiments/e1/report?format=md");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.content_type, "text/markdown; charset=utf-8");
    cr_expect_not_null(strstr(r.body, "# Experiment e1\n"), "%.300s", r.body);
    cr_expect_not_null(strstr(r.body, "| Metric | astro | cur | ctl |"), "%.600s", r.body);
    cr_expect_not_null(strstr(r.body, "| Accept rate |"));
    cr_expect_not_null(strstr(r.body, "| astro vs cur |"));
    {
        /* seed 5's row carries the output vectors of every condition */
        char row[512] = "| 5 |";
        for (int c = 0; c < 3; c++) {
            json_t *rec = record_of(doc, three[c].label, 5);
            char cell[160];
            int n =
                snprintf(cell, sizeof(cell), " %.1f%%, %lld distinct:",
                         100.0 * json_number_value(json_object_get(rec, "accuracy")),
                         (long long)json_integer_value(json_object_get(rec, "distinct_outputs")));
            for (size_t p = 0; p < json_array_size(json_object_get(rec, "outputs")); p++)
                n +=
                    snprintf(cell + n, sizeof(cell) - (size_t)n, " %s",
                             json_string_value(json_array_get(json_object_get(rec, "outputs"), p)));
            strcat(row, cell);
            strcat(row, " |");
        }
        cr_expect_not_null(strstr(r.body, row), "md lacks\n%s\nin\n%s", row, r.body);
    }
    it_resp_free(&r);

    r = it_get(&d, "/v1/experiments/e1/report?format=csv");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(r.content_type, "text/csv; charset=utf-8");
    cr_expect_eq(strncmp(r.body, "experiment,condition,seed,episodes,accuracy,accept_rate,", 56), 0,
                 "%.200s", r.body);
    cr_expect_eq(count_lines(r.body), 1 + 9, "%s", r.body);
    cr_expect_not_null(strstr(r.body, "\ne1,ctl,4,200,0.5,,0,0,1,true,"), "%s", r.body);
    it_resp_free(&r);

    r = it_get(&d, "/v1/experiments/e1/report?format=xml");
    cr_expect_eq(r.status, 400, "%.300s", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:bad-query");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r.json, "errors"), 0), "parameter")),
                     "format", "errors[0] names the parameter: %.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/nope/report?format=md");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);

    /* the name is taken */
    r = it_request(&d, "POST", "/v1/experiments",
                   "{\"name\": \"e1\", \"conditions\": [{\"label\": \"x\"}], \"seeds\": [1], "
                   "\"episodes\": 1}");
    cr_expect_eq(r.status, 409, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")), "urn:glia:problem:exists");
    it_resp_free(&r);

    /* DELETE removes the experiment and its sessions */
    r = it_request(&d, "DELETE", "/v1/experiments/e1", NULL);
    cr_expect_eq(r.status, 204, "%.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/e1");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/e1/report?format=md");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/e1.astro.3");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    list = it_get_json(&d, 200, "/v1/sessions");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 0,
                 "no session is left once DELETE has answered");
    json_decref(list);
    list = it_get_json(&d, 200, "/v1/experiments");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 0);
    json_decref(list);
    json_decref(doc);
    cr_expect_eq(it_stop(&d), 0);
}

Test(experiments, bad_bodies_taken_names_and_capacity)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, (const char *[]){"--max-sessions", "5", NULL});
    r = it_request(&d, "POST", "/v1/experiments",
                   "{\"name\": \"b\", \"conditions\": [{\"label\": \"a\"}, {\"label\": \"A\"}], "
                   "\"seeds\": [1], \"episodes\": 5}");
    cr_expect_eq(r.status, 422, "%.300s", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:validation");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                     "/conditions/1/label");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/experiments",
                   "{\"name\": \"b\", \"conditions\": [{\"label\": \"a\", \"preset\": \"cursor\", "
                   "\"config\": {\"network\": {\"p_intra\": -1}}}], \"seeds\": {\"count\": 2}, "
                   "\"episodes\": 5}");
    cr_expect_eq(r.status, 422, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                     "/conditions/0/config/network/p_intra");
    it_resp_free(&r);

    /* 2 x 3 = 6 sessions > --max-sessions 5 */
    r = it_request(&d, "POST", "/v1/experiments",
                   "{\"name\": \"big\", \"conditions\": [{\"label\": \"a\"}, {\"label\": \"b\"}], "
                   "\"seeds\": [1, 2, 3], \"episodes\": 5}");
    cr_expect_eq(r.status, 507, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:too-many-sessions");
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/big");
    cr_expect_eq(r.status, 404, "a refused experiment does not exist");
    it_resp_free(&r);

    /* a session it would create exists already */
    it_create(&d, "x.c.2", "control", 2);
    r = it_request(
        &d, "POST", "/v1/experiments",
        "{\"name\": \"x\", \"conditions\": [{\"label\": \"c\", \"preset\": \"control\"}], "
        "\"seeds\": [1, 2], \"episodes\": 5}");
    cr_expect_eq(r.status, 409, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")), "urn:glia:problem:exists");
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/x.c.1");
    cr_expect_eq(r.status, 404, "nothing of the refused experiment was created");
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/x");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(experiments, report_is_409_while_running_and_cancel_stops_the_sessions)
{
    static const char *const names[4] = {"long.cur.1", "long.cur.2", "long.ctl.1", "long.ctl.2"};
    glia_daemon_t d;
    it_resp_t r;
    json_t *s, *list;
    json_int_t at_cancel[4];

    it_start(&d, NULL);
    r = it_request(
        &d, "POST", "/v1/experiments",
        "{\"name\": \"long\", \"conditions\": [{\"label\": \"cur\", \"preset\": \"cursor\"}, "
        "{\"label\": \"ctl\", \"preset\": \"control\"}], \"seeds\": [1, 2], "
        "\"episodes\": 10000000}");
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    json_decref(it_wait_episode(&d, "long.cur.1", 1, 30));

    r = it_get(&d, "/v1/experiments/long/report");
    cr_expect_eq(r.status, 409, "%.300s", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:conflict");
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(r.json, "progress"), "sessions")), 4);
    cr_expect(json_integer_value(json_object_get(json_object_get(r.json, "progress"), "running")) >
                  0,
              "%.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/long/report?format=md");
    cr_expect_eq(r.status, 409, "%.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/long/report?format=csv");
    cr_expect_eq(r.status, 409, "%.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/long/report?format=pdf");
    cr_expect_eq(r.status, 400, "the format is checked before the results: %.300s", r.body);
    it_resp_free(&r);
    s = it_get_json(&d, 200, "/v1/experiments/long");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "running");
    cr_expect(json_is_null(json_object_get(s, "results")));
    json_decref(s);

    r = it_request(&d, "POST", "/v1/experiments/long/cancel", NULL);
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "cancelled");
    it_resp_free(&r);
    for (int i = 0; i < 4; i++) {
        s = it_wait_state(&d, names[i], "cancelled", 30);
        at_cancel[i] =
            json_integer_value(json_object_get(json_object_get(s, "progress"), "episode"));
        cr_expect(at_cancel[i] < 10000000, "%s stopped early", names[i]);
        json_decref(s);
    }
    it_sleep(0.5);
    for (int i = 0; i < 4; i++) {
        s = it_get_json(&d, 200, "/v1/sessions/%s", names[i]);
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "cancelled", "%s",
                         names[i]);
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "episode")),
                     at_cancel[i], "%s learns no more after the cancel", names[i]);
        json_decref(s);
    }
    s = it_get_json(&d, 200, "/v1/experiments/long");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "cancelled");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "running")), 0);
    cr_expect(json_is_object(json_object_get(s, "results")), "a cancelled experiment has results");
    json_decref(s);
    /* the report of what finished: nothing did */
    r = it_get(&d, "/v1/experiments/long/report?format=md");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    cr_expect_str_eq(r.content_type, "text/markdown; charset=utf-8");
    cr_expect_not_null(strstr(r.body, "State: cancelled."), "%.400s", r.body);
    cr_expect_not_null(strstr(r.body, "(not run)"), "%.400s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/long/report?format=csv");
    cr_expect_eq(r.status, 200);
    cr_expect_eq(count_lines(r.body), 1, "only the header: %s", r.body);
    it_resp_free(&r);
    /* cancelling again changes nothing */
    r = it_request(&d, "POST", "/v1/experiments/long/cancel", NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "cancelled");
    it_resp_free(&r);

    r = it_request(&d, "DELETE", "/v1/experiments/long", NULL);
    cr_expect_eq(r.status, 204, "%.300s", r.body);
    it_resp_free(&r);
    for (int i = 0; i < 4; i++) {
        r = it_get(&d, "/v1/sessions/%s", names[i]);
        cr_expect_eq(r.status, 404, "%s is deleted with its experiment", names[i]);
        it_resp_free(&r);
    }
    list = it_get_json(&d, 200, "/v1/experiments");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 0);
    json_decref(list);
    r = it_request(&d, "POST", "/v1/experiments/long/cancel", NULL);
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    r = it_request(&d, "DELETE", "/v1/experiments/long", NULL);
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

/* A study shows "completed" only once its document is stored, and the store keeps the
 * order of what was submitted: by then every run's last commit (its final trajectory
 * point, its completed state) is stored and published. Polled tight, so a reader racing
 * the last commit would see the final point missing. */
Test(experiments, completed_means_every_run_is_published)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    for (int round = 0; round < 3; round++) {
        json_t *doc;
        r = it_send(&d, "POST", "/v1/experiments",
                    "{\"name\": \"pub%d\", \"conditions\": [{\"label\": \"c\", \"preset\": "
                    "\"cursor\"}, {\"label\": \"m\", \"preset\": \"maturity\"}], \"seeds\": "
                    "[1, 2, 3], \"episodes\": 37}",
                    round);
        cr_assert_eq(r.status, 202, "%.300s", r.body);
        it_resp_free(&r);
        for (;;) {
            const char *st;
            r = it_get(&d, "/v1/experiments/pub%d", round);
            st = json_string_value(json_object_get(r.json, "state"));
            if (st != NULL && strcmp(st, "running") != 0)
                break;
            it_resp_free(&r);
        }
        doc = json_incref(r.json);
        it_resp_free(&r);
        cr_assert_str_eq(json_string_value(json_object_get(doc, "state")), "completed");
        for (int c = 0; c < 2; c++) {
            for (int seed = 1; seed <= 3; seed++) {
                json_t *pts, *last, *sum;
                sum = it_get_json(&d, 200, "/v1/sessions/pub%d.%s.%d", round, c ? "m" : "c", seed);
                cr_expect_str_eq(json_string_value(json_object_get(sum, "state")), "completed");
                json_decref(sum);
                pts = it_get_json(&d, 200, "/v1/sessions/pub%d.%s.%d/metrics", round,
                                  c ? "m" : "c", seed);
                last = json_array_get(json_object_get(pts, "points"),
                                      json_array_size(json_object_get(pts, "points")) - 1);
                cr_expect_eq(json_integer_value(json_object_get(last, "episode")), 36,
                             "round %d %s.%d: the final point is published", round,
                             c ? "m" : "c", seed);
                json_decref(pts);
            }
        }
        json_decref(doc);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(experiments, delete_stops_a_running_experiment)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    r = it_request(
        &d, "POST", "/v1/experiments",
        "{\"name\": \"del\", \"conditions\": [{\"label\": \"m\", \"preset\": \"maturity\"}], "
        "\"seeds\": [1, 2], \"episodes\": 10000000}");
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    json_decref(it_wait_episode(&d, "del.m.2", 1, 30));
    r = it_request(&d, "DELETE", "/v1/experiments/del", NULL);
    cr_expect_eq(r.status, 204, "%.300s", r.body);
    it_resp_free(&r);
    for (int k = 1; k <= 2; k++) {
        r = it_get(&d, "/v1/sessions/del.m.%d", k);
        cr_expect_eq(r.status, 404, "del.m.%d is gone for readers at once", k);
        it_resp_free(&r);
    }
    {
        json_t *list = it_get_json(&d, 200, "/v1/sessions");
        cr_expect_eq(json_array_size(json_object_get(list, "items")), 0,
                     "no session is left once DELETE has answered");
        json_decref(list);
    }
    it_expect_healthy(&d, "deleting a running experiment");
    cr_expect_eq(it_stop(&d), 0);
}

/* DELETE /v1/experiments/{name} answers 204 once the deletes are stored: right after it,
 * GET /v1/sessions lists none of its sessions (each of which GET already answers 404). */
Test(experiments, sessions_of_a_deleted_experiment_are_not_listed)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *list;

    it_start(&d, NULL);
    r = it_request(
        &d, "POST", "/v1/experiments",
        "{\"name\": \"del\", \"conditions\": [{\"label\": \"m\", \"preset\": \"maturity\"}], "
        "\"seeds\": {\"count\": 10}, \"episodes\": 10000000}");
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    json_decref(it_wait_episode(&d, "del.m.1", 1, 30));
    r = it_request(&d, "DELETE", "/v1/experiments/del", NULL);
    cr_expect_eq(r.status, 204, "%.300s", r.body);
    it_resp_free(&r);
    list = it_get_json(&d, 200, "/v1/sessions");
    for (size_t i = 0; i < json_array_size(json_object_get(list, "items")); i++) {
        const char *name = json_string_value(
            json_object_get(json_array_get(json_object_get(list, "items"), i), "name"));
        r = it_get(&d, "/v1/sessions/%s", name);
        cr_expect_eq(r.status, 200, "%s is listed but GET answers %ld", name, r.status);
        it_resp_free(&r);
    }
    json_decref(list);
    cr_expect_eq(it_stop(&d), 0);
}

Test(experiments, templates_are_the_paper_studies_with_its_10_seeds)
{
    static const struct {
        const char *name;
        unsigned episodes;
        int conditions;
    } want[9] = {{"exp020", 5000, 2},
                 {"exp021", 5000, 3},
                 {"exp022", 5000, 3},
                 {"exp023", 5000, 3},
                 {"exp024", 20000, 3},
                 {"phase1-attractor", 1000, 3},
                 {"phase1-vs-phase1b", 20000, 2},
                 {"scope", 20000, 4},
                 {"reach", 20000, 4}};
    glia_daemon_t d;
    json_t *t, *items;

    it_start(&d, NULL);
    t = it_get_json(&d, 200, "/v1/experiments/templates");
    items = json_object_get(t, "items");
    cr_assert_eq(json_array_size(items), 12, "%s", it_dump(t));
    for (size_t i = 0; i < 9; i++) {
        json_t *x = json_array_get(items, i), *body = json_object_get(x, "body");
        json_t *seeds = json_object_get(body, "seeds"),
               *conds = json_object_get(body, "conditions");
        cr_expect_str_eq(json_string_value(json_object_get(x, "name")), want[i].name);
        cr_expect_str_eq(json_string_value(json_object_get(body, "name")), want[i].name);
        cr_expect(json_string_length(json_object_get(x, "description")) > 0, "%s", want[i].name);
        cr_expect_eq(json_integer_value(json_object_get(body, "episodes")), want[i].episodes, "%s",
                     want[i].name);
        cr_assert_eq(json_array_size(seeds), 10, "%s", want[i].name);
        for (size_t k = 0; k < 10; k++)
            cr_expect_eq(json_integer_value(json_array_get(seeds, k)), paper_seeds[k],
                         "%s seed %zu", want[i].name, k);
        cr_expect_eq(json_array_size(conds), (size_t)want[i].conditions, "%s", want[i].name);
        for (size_t c = 0; c < json_array_size(conds); c++) {
            const char *preset =
                json_string_value(json_object_get(json_array_get(conds, c), "preset"));
            cr_assert_not_null(preset);
            json_decref(it_get_json(&d, 200, "/v1/presets/%s", preset));
        }
    }
    /* then the baselines, one per task, at one budget of reward queries */
    for (size_t i = 9; i < 12; i++) {
        static const char *const names[] = {"baselines-paper8", "baselines-xor",
                                            "baselines-parity4"};
        json_t *body = json_object_get(json_array_get(items, i), "body");
        cr_expect_str_eq(json_string_value(json_object_get(body, "name")), names[i - 9]);
        cr_expect_gt(json_integer_value(
                         json_object_get(json_object_get(body, "budget"), "reward_queries")),
                     0, "%s", names[i - 9]);
        cr_expect_eq(json_array_size(json_object_get(body, "seeds")), 10, "%s", names[i - 9]);
        cr_expect_eq(json_array_size(json_object_get(body, "conditions")), 12, "%s",
                     names[i - 9]);
    }
    json_decref(t);
    /* "templates" is the route, not an experiment name */
    {
        it_resp_t r = it_request(&d, "POST", "/v1/experiments",
                                 "{\"name\": \"templates\", \"conditions\": [{\"label\": \"a\"}], "
                                 "\"seeds\": [1], \"episodes\": 1}");
        cr_expect_eq(r.status, 422, "%.300s", r.body);
        cr_expect_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                         "/name");
        it_resp_free(&r);
    }
    {
        it_resp_t r = it_request(&d, "DELETE", "/v1/experiments/templates", NULL);
        cr_expect_eq(r.status, 405, "%.300s", r.body);
        it_resp_free(&r);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(experiments, an_experiment_survives_a_restart)
{
    static const struct {
        const char *label, *preset;
        unsigned seed;
    } runs[4] = {{"astro", "astrocyte-firing", 11},
                 {"astro", "astrocyte-firing", 12},
                 {"cur", "cursor", 11},
                 {"cur", "cursor", 12}};
    glia_daemon_t d;
    it_resp_t r;
    json_t *doc, *before;

    it_start(&d, (const char *[]){"--workers", "1", NULL});
    d.keep_dir = 1;
    r = it_request(
        &d, "POST", "/v1/experiments",
        "{\"name\": \"rs\", \"conditions\": [{\"label\": \"astro\", \"preset\": "
        "\"astrocyte-firing\"}, {\"label\": \"cur\", \"preset\": \"cursor\"}], \"seeds\": "
        "[11, 12], \"episodes\": 3000}");
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    json_decref(it_wait_episode(&d, "rs.astro.11", 100, 30));
    before = it_get_json(&d, 200, "/v1/experiments/rs");
    cr_assert_str_eq(json_string_value(json_object_get(before, "state")), "running",
                     "the restart must come while the experiment runs");
    json_decref(before);
    cr_assert_eq(it_stop(&d), 0, "SIGTERM while the experiment runs");

    it_restart(&d, (const char *[]){"--workers", "2", NULL});
    doc = wait_experiment(&d, "rs", "completed", 120);
    for (int i = 0; i < 4; i++) {
        char what[64];
        json_t *batch = it_batch_run(runs[i].preset, runs[i].seed, 3000);
        snprintf(what, sizeof(what), "%s seed %u across a restart", runs[i].label, runs[i].seed);
        expect_record_is_batch(record_of(doc, runs[i].label, runs[i].seed), batch, what);
        json_decref(batch);
    }
    cr_expect(json_is_object(json_object_get(doc, "results")));
    json_decref(doc);

    /* a delete is stored too: after another restart the experiment stays gone */
    r = it_request(&d, "DELETE", "/v1/experiments/rs", NULL);
    cr_expect_eq(r.status, 204);
    it_resp_free(&r);
    cr_assert_eq(it_stop(&d), 0);
    it_restart(&d, NULL);
    r = it_get(&d, "/v1/experiments/rs");
    cr_expect_eq(r.status, 404, "%.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/rs.cur.12");
    cr_expect_eq(r.status, 404, "%.300s", r.body);
    it_resp_free(&r);
    d.keep_dir = 0;
    cr_expect_eq(it_stop(&d), 0);
}

/* A long experiment name (more than 40 characters; 50 + ".c.1" = 54) is kept whole in its
 * session names, so the experiment recognises its sessions and completes. */
Test(experiments, a_long_experiment_name_is_kept_whole_and_completes)
{
    glia_daemon_t d;
    it_resp_t r;
    char name[64], session[80];
    json_t *doc, *s;

    memset(name, 'a', 50);
    name[50] = '\0';
    it_start(&d, NULL);
    r = it_send(&d, "POST", "/v1/experiments",
                "{\"name\": \"%s\", \"conditions\": [{\"label\": \"c\", \"preset\": \"control\"}], "
                "\"seeds\": [1], \"episodes\": 10}",
                name);
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    doc = wait_experiment(&d, name, "completed", 30);
    cr_expect(json_is_object(record_of(doc, "c", 1)), "the run is recorded");
    json_decref(doc);
    snprintf(session, sizeof(session), "%s.c.1", name);
    s = it_get_json(&d, 200, "/v1/sessions/%s", session);
    cr_expect_str_eq(json_string_value(json_object_get(s, "experiment")), name);
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
}

/* The paper check: the exp021 template as it is (3 conditions x the paper's 10 seeds x
 * 5,000 episodes = 30 runs; 10-20 s on two cores). Table 4 prints astrocyte 66.7%, cursor
 * 64.7% (64.8% in Table 3), control 50.0%; accept rates 38.0% and 3.7%; the control
 * constant on every seed. The means are 267 and 259 correct bits of 400: 0.6675 and
 * 0.6475 (up to the last bit of the float sums); compared on correct bits, astrocyte
 * beats the cursor on 6 seeds, ties on 3 and loses on 1 (README, "Experiments"). */
Test(experiments, paper_exp021_template_reproduces_table_4, .timeout = 600)
{
    glia_daemon_t d;
    json_t *t, *items, *body = NULL, *doc, *res, *conds, *p = NULL;
    it_resp_t r;
    char *text, buf[32];
    double t0;

    it_start(&d, NULL);
    t = it_get_json(&d, 200, "/v1/experiments/templates");
    items = json_object_get(t, "items");
    for (size_t i = 0; i < json_array_size(items); i++) {
        if (strcmp(json_string_value(json_object_get(json_array_get(items, i), "name")),
                   "exp021") == 0)
            body = json_object_get(json_array_get(items, i), "body");
    }
    cr_assert_not_null(body, "the exp021 template");
    text = json_dumps(body, JSON_COMPACT);
    t0 = it_now();
    r = it_request(&d, "POST", "/v1/experiments", text);
    free(text);
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    cr_expect_str_eq(r.location, "/v1/experiments/exp021");
    it_resp_free(&r);
    doc = wait_experiment(&d, "exp021", "completed", 540);
    cr_log_info("exp021: 30 runs x 5000 episodes in %.1f s", it_now() - t0);
    json_decref(t);

    res = json_object_get(doc, "results");
    conds = json_object_get(res, "conditions");
    cr_assert_eq(json_array_size(conds), 3);
    {
        static const struct {
            const char *label;
            double mean, rate;
            int constant;
        } want[3] = {{"astrocyte", 0.6675, 0.38048, 0},
                     {"cursor", 0.6475, 0.03678447658727342, 0},
                     {"control", 0.5, -1, 10}};
        for (int i = 0; i < 3; i++) {
            json_t *c = json_array_get(conds, (size_t)i);
            double m = json_number_value(json_object_get(c, "mean_accuracy"));
            json_t *rate = json_object_get(c, "accept_rate");
            cr_expect_str_eq(json_string_value(json_object_get(c, "label")), want[i].label);
            cr_expect_eq(json_integer_value(json_object_get(c, "n")), 10, "%s", want[i].label);
            cr_expect(fabs(m - want[i].mean) < 1e-12, "%s: mean accuracy %.17g, want %g",
                      want[i].label, m, want[i].mean);
            cr_expect_eq(json_integer_value(json_object_get(c, "constant_output_seeds")),
                         want[i].constant, "%s: constant-output seeds", want[i].label);
            if (want[i].rate < 0) {
                cr_expect(json_is_null(rate), "%s: accept_rate null", want[i].label);
            } else {
                cr_expect(fabs(json_number_value(rate) - want[i].rate) < 1e-9,
                          "%s: accept rate %.17g, want %.17g", want[i].label,
                          json_number_value(rate), want[i].rate);
            }
        }
    }
    /* what the paper prints, rounded as it rounds */
    snprintf(buf, sizeof(buf), "%.1f",
             100 * json_number_value(json_object_get(json_array_get(conds, 0), "mean_accuracy")));
    cr_expect_str_eq(buf, "66.7");
    snprintf(buf, sizeof(buf), "%.1f",
             100 * json_number_value(json_object_get(json_array_get(conds, 1), "mean_accuracy")));
    cr_expect(strcmp(buf, "64.7") == 0 || strcmp(buf, "64.8") == 0, "cursor %s%%", buf);
    snprintf(buf, sizeof(buf), "%.1f",
             100 * json_number_value(json_object_get(json_array_get(conds, 2), "mean_accuracy")));
    cr_expect_str_eq(buf, "50.0");
    snprintf(buf, sizeof(buf), "%.1f",
             100 * json_number_value(json_object_get(json_array_get(conds, 0), "accept_rate")));
    cr_expect_str_eq(buf, "38.0");
    snprintf(buf, sizeof(buf), "%.1f",
             100 * json_number_value(json_object_get(json_array_get(conds, 1), "accept_rate")));
    cr_expect_str_eq(buf, "3.7");

    for (size_t i = 0; i < json_array_size(json_object_get(res, "pairwise")); i++) {
        json_t *x = json_array_get(json_object_get(res, "pairwise"), i);
        if (strcmp(json_string_value(json_object_get(x, "a")), "astrocyte") == 0 &&
            strcmp(json_string_value(json_object_get(x, "b")), "cursor") == 0)
            p = x;
    }
    cr_assert_not_null(p, "astrocyte vs cursor");
    cr_expect_eq(json_integer_value(json_object_get(p, "wins")), 6);
    cr_expect_eq(json_integer_value(json_object_get(p, "ties")), 3);
    cr_expect_eq(json_integer_value(json_object_get(p, "losses")), 1);

    /* the Markdown table says the same */
    r = it_get(&d, "/v1/experiments/exp021/report?format=md");
    cr_expect_eq(r.status, 200);
    cr_expect_not_null(strstr(r.body, "| Metric | astrocyte | cursor | control |"), "%.600s",
                       r.body);
    cr_expect_not_null(strstr(r.body, "| Mean accuracy | 66.7% | 64."), "%.600s", r.body);
    cr_expect_not_null(strstr(r.body, "| Accept rate | 38.0% | 3.7% | N/A |"), "%.900s", r.body);
    cr_expect_not_null(strstr(r.body, "| Seeds with constant output | 0/10 | 0/10 | 10/10 |"),
                       "%.900s", r.body);
    cr_expect_not_null(strstr(r.body, "| astrocyte vs cursor | 6 / 3 / 1 |"), "%.1500s", r.body);
    it_resp_free(&r);

    /* one record against gliad run */
    {
        json_t *batch = it_batch_run("astrocyte-firing", 42, 5000);
        expect_record_is_batch(record_of(doc, "astrocyte", 42), batch, "exp021 astrocyte seed 42");
        json_decref(batch);
    }
    json_decref(doc);
    cr_expect_eq(it_stop(&d), 0);
}
