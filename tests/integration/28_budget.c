/* 28_budget: a study at a budget of reward queries, end to end with the real gliad: every
 * run stops at the first episode end that spends the budget, the daemon and `gliad
 * experiment` give the same records and results, and the curves along reward queries
 * answer (JSON and CSV). No assertion says which learner wins. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/cli.h"
#include "support/extra.h"
#include "support/harness.h"

TestSuite(budget, .init = it_cli_dir_make, .fini = it_cli_dir_remove);

/* reach (8 patterns: 16 queries the first step, then 8) and the paper's astrocytes (2 a
 * step), 10 steps an episode: the budget ends their runs at different episodes. */
#define STUDY(name)                                                                                \
    "{\"name\": \"" name "\", \"seeds\": [3, 4], \"budget\": {\"reward_queries\": 2000},"          \
    " \"conditions\": [{\"label\": \"reach\", \"preset\": \"reach\"},"                             \
    " {\"label\": \"paper\", \"preset\": \"maturity\","                                            \
    " \"config\": {\"training\": {\"trajectory_interval\": 10}}}]}"

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
        cr_assert(it_now() - t0 < timeout, "experiment %s did not reach %s in %.0f s (%ld, %s)",
                  name, state, timeout, r.status, s ? s : "-");
        it_resp_free(&r);
        it_sleep(0.05);
    }
}

Test(budget, a_budgeted_study_stops_at_the_budget_and_equals_the_offline_one)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *doc, *offline, *records;
    const char *path = it_cli_put_file("budget.json", STUDY("bq"));
    const char *label;
    json_t *by_seed;
    it_cli_t c;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/experiments", STUDY("bq"));
    cr_assert_eq(r.status, 202, "%.500s", r.body);
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(r.json, "budget"), "reward_queries")),
        2000);
    it_resp_free(&r);
    doc = wait_experiment(&d, "bq", "completed", 120);

    /* each run stopped at the first episode end at or past the budget */
    records = json_object_get(doc, "records");
    cr_assert_eq(json_object_size(records), 2);
    json_object_foreach(records, label, by_seed)
    {
        const char *seed;
        json_t *rec;
        const json_int_t per_episode = strcmp(label, "reach") == 0 ? 80 : 20;
        json_object_foreach(by_seed, seed, rec)
        {
            json_int_t q = json_integer_value(json_object_get(rec, "reward_queries"));
            cr_expect_geq(q, 2000, "%s %s", label, seed);
            cr_expect_lt(q - per_episode, 2000, "%s %s: one episode fewer had not spent it", label,
                         seed);
        }
    }

    /* offline: the same study, records and results */
    c = it_cli((const char *[]){"experiment", path, NULL});
    cr_assert_eq(c.status, 0, "%s", c.err);
    offline = json_loads(c.out, 0, NULL);
    cr_assert_not_null(offline, "%.300s", c.out);
    cr_expect_str_eq(json_string_value(json_object_get(doc, "study")),
                     json_string_value(json_object_get(offline, "study")));
    cr_expect(json_equal(json_object_get(doc, "records"), json_object_get(offline, "records")),
              "the API's records are the offline ones");
    cr_expect(json_equal(json_object_get(doc, "results"), json_object_get(offline, "results")),
              "and so are the results");
    json_decref(offline);
    it_cli_free(&c);

    /* curves along reward queries */
    r = it_get(&d, "/v1/experiments/bq/curves?x=reward_queries");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "x")), "reward_queries");
    {
        json_t *cond = json_array_get(json_object_get(r.json, "conditions"), 0);
        json_t *p = json_array_get(json_object_get(cond, "points"), 0);
        cr_expect(json_is_integer(json_object_get(p, "reward_queries")), "%.300s", r.body);
        cr_expect(json_is_object(json_object_get(p, "accuracy")), "%.300s", r.body);
    }
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/bq/curves?x=reward_queries&format=csv");
    cr_expect_eq(r.status, 200);
    cr_expect_eq(strncmp(r.body, "condition,seeds,reward_queries,metric,", 38), 0, "%.200s",
                 r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/experiments/bq/curves?x=steps");
    cr_expect_eq(r.status, 400);
    it_resp_free(&r);
    json_decref(doc);
    it_stop(&d);
}
