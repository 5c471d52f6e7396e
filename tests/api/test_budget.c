/* test_budget.c: studies at a budget of reward queries: "budget" parses and is checked,
 * goes into the document (and its hash) only when given, and its records time the
 * levels in reward queries; curves along reward queries; and the baselines template,
 * which names every learner. No assertion here says which learner wins. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/config_json.h"
#include "api/experiment_curves.h"
#include "api/experiment_json.h"

static json_t *body(const char *text)
{
    json_error_t jerr;
    json_t *b = json_loads(text, 0, &jerr);
    cr_assert_not_null(b, "%s", jerr.text);
    return b;
}

static int parse(const char *text, glia_experiment_spec_t *spec, glia_error_t *err)
{
    json_t *b = body(text);
    int rc;

    glia_error_clear(err);
    rc = glia_experiment_parse(b, spec, err);
    json_decref(b);
    return rc;
}

Test(budget, parses_instead_of_episodes_and_caps_the_runs)
{
    static glia_experiment_spec_t spec;
    glia_error_t err;

    cr_assert_eq(parse("{\"name\": \"b\", \"seeds\": [1], \"budget\": {\"reward_queries\": 1000},"
                       " \"conditions\": [{\"label\": \"a\", \"preset\": \"reach\"}]}",
                       &spec, &err),
                 0, "%s: %s", err.field, err.message);
    cr_expect_eq(spec.budget_queries, 1000);
    cr_expect_eq(spec.episodes, 100, "one query a step, 10 steps an episode");
    cr_assert_eq(parse("{\"name\": \"b\", \"seeds\": [1], \"episodes\": 7, \"budget\": "
                       "{\"reward_queries\": 1000}, \"conditions\": [{\"label\": \"a\"}]}",
                       &spec, &err),
                 0);
    cr_expect_eq(spec.episodes, 7, "an explicit cap stays");
}

Test(budget, bad_budgets_are_refused_by_pointer)
{
    static glia_experiment_spec_t spec;
    static const struct {
        const char *text, *field;
    } cases[] = {
        {"{\"name\": \"b\", \"seeds\": [1], \"budget\": {\"reward_queries\": 0}, \"conditions\": "
         "[{\"label\": \"a\"}]}",
         "/budget/reward_queries"},
        {"{\"name\": \"b\", \"seeds\": [1], \"budget\": {\"queries\": 5}, \"conditions\": "
         "[{\"label\": \"a\"}]}",
         "/budget/queries"},
        {"{\"name\": \"b\", \"seeds\": [1], \"budget\": 5, \"conditions\": [{\"label\": \"a\"}]}",
         "/budget"},
        {"{\"name\": \"b\", \"seeds\": [1], \"budget\": {\"reward_queries\": 50}, \"conditions\": "
         "[{\"label\": \"a\"}, {\"label\": \"c\", \"preset\": \"control\"}]}",
         "/conditions/1"},
        {"{\"name\": \"b\", \"seeds\": [1], \"episodes\": 50, \"budget\": {\"reward_queries\": "
         "50}, \"prune\": {\"rungs\": [10], \"keep\": 0.5}, \"conditions\": [{\"label\": \"a\"}, "
         "{\"label\": \"c\"}]}",
         "/prune"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        glia_error_t err;
        cr_expect_eq(parse(cases[i].text, &spec, &err), GLIA_EINVAL, "case %zu", i);
        cr_expect_str_eq(err.field, cases[i].field, "case %zu: %s", i, err.message);
    }
}

Test(budget, the_document_names_it_and_reads_back)
{
    static glia_experiment_spec_t spec, back;
    glia_error_t err;
    json_t *doc, *again;

    cr_assert_eq(parse("{\"name\": \"b\", \"seeds\": [1, 2], \"budget\": {\"reward_queries\": "
                       "500}, \"conditions\": [{\"label\": \"a\", \"preset\": \"reach\"}]}",
                       &spec, &err),
                 0);
    doc = glia_experiment_doc_new(&spec);
    cr_assert_not_null(doc);
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(doc, "budget"), "reward_queries")), 500);
    glia_error_clear(&err);
    cr_assert_eq(glia_experiment_spec_from_doc(doc, &back, &err), 0, "%s", err.message);
    cr_expect_eq(back.budget_queries, 500);
    again = glia_experiment_doc_new(&back);
    cr_expect_str_eq(json_string_value(json_object_get(again, "study")),
                     json_string_value(json_object_get(doc, "study")));
    json_decref(doc);
    json_decref(again);

    /* without a budget the document has none (the hashes of other studies stay) */
    cr_assert_eq(parse("{\"name\": \"b\", \"seeds\": [1], \"episodes\": 5, \"conditions\": "
                       "[{\"label\": \"a\"}]}",
                       &spec, &err),
                 0);
    doc = glia_experiment_doc_new(&spec);
    cr_expect_null(json_object_get(doc, "budget"));
    json_decref(doc);
}

Test(budget, records_count_reward_queries_and_time_the_levels_in_them)
{
    glia_config_t cfg;
    glia_session_t *s;
    json_t *rec;
    glia_counters_t k;

    cr_assert_eq(glia_config_preset(&cfg, "reach"), 0);
    cr_assert_eq(glia_session_new(&cfg, 42, &s, NULL), 0);
    cr_assert_eq(glia_session_run_episodes(s, 600), 0);
    glia_session_counters(s, &k);
    rec = glia_experiment_record(s);
    cr_expect_eq(json_integer_value(json_object_get(rec, "reward_queries")),
                 (json_int_t)k.reward_queries);
    {
        /* the queries to a level are the count at the episode that reached it */
        json_t *ep = json_object_get(rec, "episodes_to_90");
        json_t *q = json_object_get(rec, "reward_queries_to_90");
        cr_expect_eq(json_is_null(ep), json_is_null(q));
        if (json_is_integer(ep)) {
            const uint64_t spe = (uint64_t)cfg.training.steps_per_episode;
            uint64_t steps = ((uint64_t)json_integer_value(ep) + 1) * spe;
            cr_expect_eq(json_integer_value(q), (json_int_t)(8 + 8 * steps));
        }
    }
    json_decref(rec);
    glia_session_free(s);
}

static json_t *point(int episode, int queries, double accuracy)
{
    return json_pack("{s:i, s:i, s:f}", "episode", episode, "reward_queries", queries, "accuracy",
                     accuracy);
}

Test(budget, curves_along_reward_queries)
{
    /* Seed 1 asks 10 queries an episode, seed 2 asks 20 and stops at 40 (its budget). */
    json_t *doc = body("{\"name\": \"c\", \"seeds\": [1, 2], \"conditions\": [{\"label\": "
                       "\"a\"}]}");
    json_t *runs = json_pack("{s:{s:[o,o,o,o], s:[o,o]}}", "a", "1", point(0, 10, 0.25),
                             point(1, 20, 0.5), point(2, 30, 0.75), point(3, 40, 1.0), "2",
                             point(0, 20, 0.5), point(1, 40, 0.75));
    json_t *c = glia_experiment_curves_x(doc, runs, 100, GLIA_CURVES_X_REWARD_QUERIES);
    json_t *cond, *pts;

    cr_assert_not_null(c);
    cr_expect_str_eq(json_string_value(json_object_get(c, "x")), "reward_queries");
    cond = json_array_get(json_object_get(c, "conditions"), 0);
    cr_expect_eq(json_integer_value(json_object_get(cond, "reward_queries")), 4);
    pts = json_object_get(cond, "points");
    cr_assert_eq(json_array_size(pts), 4);
    {
        static const int want_n[] = {1, 2, 2, 2};
        static const double want_mean[] = {0.25, 0.5, 0.625, 0.875};
        for (size_t i = 0; i < 4; i++) {
            json_t *p = json_array_get(pts, i), *acc = json_object_get(p, "accuracy");
            cr_expect_eq(json_integer_value(json_object_get(p, "reward_queries")),
                         (json_int_t)(10 * (i + 1)));
            cr_expect_eq(json_integer_value(json_object_get(acc, "n")), want_n[i], "point %zu", i);
            cr_expect_float_eq(json_real_value(json_object_get(acc, "mean")), want_mean[i], 1e-12,
                               "point %zu", i);
        }
    }
    json_decref(c);
    /* along episodes the curves are as before: no "x" */
    c = glia_experiment_curves(doc, runs, 100);
    cr_expect_null(json_object_get(c, "x"));
    cr_expect_eq(json_integer_value(json_object_get(
                     json_array_get(json_object_get(c, "conditions"), 0), "episodes")),
                 4);
    json_decref(c);
    json_decref(runs);
    json_decref(doc);
}

Test(budget, the_baselines_templates_parse_and_name_every_learner)
{
    static glia_experiment_spec_t spec;
    static const char *const kinds[] = {
        "astrocyte",         "cursor", "global",        "scattered", "weight-perturbation",
        "node-perturbation", "es",     "random-search", "backprop",  NULL};
    static const struct {
        const char *name;
        int patterns;
    } want[] = {{"baselines-paper8", 8}, {"baselines-xor", 4}, {"baselines-parity4", 16}};
    json_t *items = glia_experiment_templates();
    uint64_t budget = 0;

    for (size_t w = 0; w < 3; w++) {
        json_t *b = NULL;
        glia_error_t err;
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *t = json_array_get(items, i);
            if (strcmp(json_string_value(json_object_get(t, "name")), want[w].name) == 0)
                b = json_object_get(t, "body");
        }
        cr_assert_not_null(b, "a template named %s", want[w].name);
        glia_error_clear(&err);
        cr_assert_eq(glia_experiment_parse(b, &spec, &err), 0, "%s: %s: %s", want[w].name,
                     err.field, err.message);
        cr_expect_gt(spec.budget_queries, 0, "every run at one budget");
        cr_expect(budget == 0 || spec.budget_queries == budget, "the same budget on every task");
        budget = spec.budget_queries;
        cr_expect_eq(spec.n_seeds, 10);
        cr_expect_eq(spec.n_conditions, 12, "%s: 12 learners", want[w].name);
        for (int k = 0; kinds[k] != NULL; k++) {
            int found = 0;
            for (int c = 0; c < spec.n_conditions; c++) {
                const glia_config_t *cfg = &spec.conditions[c].config;
                json_t *kind = glia_config_field_json(cfg, glia_config_field_find("/learner/kind"));
                found += strcmp(json_string_value(kind), kinds[k]) == 0;
                json_decref(kind);
                cr_expect_eq(cfg->task.count, want[w].patterns, "%s: one task",
                             spec.conditions[c].label);
            }
            cr_expect(found > 0, "%s runs %s", want[w].name, kinds[k]);
        }
    }
    json_decref(items);
}
