/* test_experiment_curves.c: an experiment's curves aggregated over seeds.
 *
 * A hand-made study: conditions "a" and "b", seeds 1, 2, 3, points at episodes 0, 10
 * and 20 whose means, SDs and t CIs are worked out below by hand (t(0.975, 2) and
 * t(0.975, 1) in closed form); a seed without the last point; a null accept rate; a
 * condition without any run yet; and thinning to max_points.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "api/experiment_curves.h"

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    cr_assert_not_null(j, "test JSON: %s", jerr.text);
    return j;
}

static const char doc_text[] =
    "{\"name\": \"study\", \"seeds\": [1, 2, 3], \"episodes\": 20,"
    " \"conditions\": [{\"label\": \"a\"}, {\"label\": \"b\"}, {\"label\": \"c\"}]}";

/* a: accuracy at episode 10 is 0.5, 0.6, 0.7 (mean 0.6, sd 0.1); seed 3 has no point at
 * episode 20. b: accept_rate null everywhere (a control learner), accuracy 0.5. */
static const char runs_text[] =
    "{\"a\": {"
    "  \"1\": [{\"episode\": 0, \"accuracy\": 0.5, \"avg_reward\": 0.4, \"accept_rate\": 0.2},"
    "          {\"episode\": 10, \"accuracy\": 0.5, \"avg_reward\": 0.5, \"accept_rate\": 0.3},"
    "          {\"episode\": 20, \"accuracy\": 0.75, \"avg_reward\": 0.6, \"accept_rate\": 0.4}],"
    "  \"2\": [{\"episode\": 0, \"accuracy\": 0.5, \"avg_reward\": 0.4, \"accept_rate\": 0.2},"
    "          {\"episode\": 10, \"accuracy\": 0.6, \"avg_reward\": 0.5, \"accept_rate\": 0.3},"
    "          {\"episode\": 20, \"accuracy\": 0.25, \"avg_reward\": 0.6, \"accept_rate\": 0.4}],"
    "  \"3\": [{\"episode\": 0, \"accuracy\": 0.5, \"avg_reward\": 0.4, \"accept_rate\": 0.2},"
    "          {\"episode\": 10, \"accuracy\": 0.7, \"avg_reward\": 0.5, \"accept_rate\": 0.3}]},"
    " \"b\": {"
    "  \"1\": [{\"episode\": 0, \"accuracy\": 0.5, \"avg_reward\": 0.5, \"accept_rate\": null}],"
    "  \"2\": [{\"episode\": 0, \"accuracy\": 0.5, \"avg_reward\": 0.5, \"accept_rate\": null}]}}";

static json_t *metric(json_t *curves, size_t cond, size_t point, const char *name)
{
    json_t *c = json_array_get(json_object_get(curves, "conditions"), cond);
    return json_object_get(json_array_get(json_object_get(c, "points"), point), name);
}

static double num(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

Test(experiment_curves, means_sds_and_t_cis_per_episode)
{
    json_t *doc = load(doc_text), *runs = load(runs_text);
    json_t *cv = glia_experiment_curves(doc, runs, GLIA_CURVES_DEFAULT_POINTS);
    json_t *c0, *m;
    /* t(0.975, df) in closed form: df 2: x sqrt(2 / (1 - x^2)) with x = 2p - 1; df 1
     * (Cauchy): tan(pi (p - 1/2)). 4.3027 and 12.706 in every table. */
    const double t2 = 0.95 * sqrt(2.0 / (1.0 - 0.95 * 0.95));
    const double t1 = tan(M_PI * 0.475);
    double half;

    cr_assert_not_null(cv);
    cr_expect_str_eq(json_string_value(json_object_get(cv, "name")), "study");
    cr_expect_eq(json_array_size(json_object_get(cv, "metrics")), 3);
    c0 = json_array_get(json_object_get(cv, "conditions"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(c0, "label")), "a");
    cr_expect_eq(json_integer_value(json_object_get(c0, "seeds")), 3);
    cr_expect_eq(json_integer_value(json_object_get(c0, "episodes")), 3);
    cr_assert_eq(json_array_size(json_object_get(c0, "points")), 3);

    /* episode 0: three equal values: sd 0, the CI collapses onto the mean */
    m = metric(cv, 0, 0, "accuracy");
    cr_expect_eq(json_integer_value(json_object_get(m, "n")), 3);
    cr_expect_eq(num(m, "mean"), 0.5);
    cr_expect_eq(num(m, "sd"), 0.0);
    cr_expect_eq(num(json_object_get(m, "ci95"), "low"), 0.5);
    cr_expect_eq(num(json_object_get(m, "ci95"), "high"), 0.5);

    /* episode 10: 0.5, 0.6, 0.7: mean 0.6, sd 0.1, half-width t2 * 0.1 / sqrt(3) */
    m = metric(cv, 0, 1, "accuracy");
    cr_expect_eq(json_integer_value(json_object_get(metric(cv, 0, 1, "episode"), "n")), 0);
    cr_expect_float_eq(num(m, "mean"), 0.6, 1e-15);
    cr_expect_float_eq(num(m, "sd"), 0.1, 1e-15);
    half = t2 * 0.1 / sqrt(3.0);
    cr_expect_float_eq(num(json_object_get(m, "ci95"), "low"), 0.6 - half, 1e-12);
    cr_expect_float_eq(num(json_object_get(m, "ci95"), "high"), 0.6 + half, 1e-12);

    /* episode 20: seed 3 has no point: n = 2, 0.75 and 0.25: mean 0.5, sd sqrt(0.125) */
    m = metric(cv, 0, 2, "accuracy");
    cr_expect_eq(
        json_integer_value(json_object_get(
            json_array_get(
                json_object_get(json_array_get(json_object_get(cv, "conditions"), 0), "points"), 2),
            "episode")),
        20);
    cr_expect_eq(json_integer_value(json_object_get(m, "n")), 2);
    cr_expect_eq(num(m, "mean"), 0.5);
    cr_expect_float_eq(num(m, "sd"), sqrt(0.125), 1e-15);
    half = t1 * sqrt(0.125) / sqrt(2.0);
    cr_expect_float_eq(num(json_object_get(m, "ci95"), "low"), 0.5 - half, 1e-12);
    cr_expect_float_eq(num(json_object_get(m, "ci95"), "high"), 0.5 + half, 1e-12);
    cr_expect_float_eq(num(metric(cv, 0, 2, "avg_reward"), "mean"), 0.6, 1e-15);

    /* b: the accept rate is null in every run: the metric is null, the others are there */
    cr_expect(json_is_null(metric(cv, 1, 0, "accept_rate")));
    cr_expect_eq(num(metric(cv, 1, 0, "accuracy"), "mean"), 0.5);
    cr_expect_eq(json_integer_value(json_object_get(metric(cv, 1, 0, "accuracy"), "n")), 2);

    /* c: no run has points yet */
    c0 = json_array_get(json_object_get(cv, "conditions"), 2);
    cr_expect_str_eq(json_string_value(json_object_get(c0, "label")), "c");
    cr_expect_eq(json_integer_value(json_object_get(c0, "seeds")), 0);
    cr_expect_eq(json_array_size(json_object_get(c0, "points")), 0);
    json_decref(cv);
    json_decref(doc);
    json_decref(runs);
}

Test(experiment_curves, one_seed_has_a_mean_but_no_ci)
{
    json_t *doc = load("{\"name\": \"one\", \"seeds\": [5], \"conditions\": [{\"label\": \"x\"}]}");
    json_t *runs = load("{\"x\": {\"5\": [{\"episode\": 3, \"accuracy\": 0.7, \"avg_reward\": 0.1,"
                        " \"accept_rate\": 0.2}]}}");
    json_t *cv = glia_experiment_curves(doc, runs, 10), *m;

    cr_assert_not_null(cv);
    m = metric(cv, 0, 0, "accuracy");
    cr_expect_eq(num(m, "mean"), 0.7);
    cr_expect_eq(json_integer_value(json_object_get(m, "n")), 1);
    cr_expect(json_is_null(json_object_get(m, "ci95")), "n = 1: no interval");
    json_decref(cv);
    json_decref(doc);
    json_decref(runs);
}

Test(experiment_curves, thinned_to_max_points_keeping_the_first_and_the_last)
{
    json_t *doc =
        load("{\"name\": \"long\", \"seeds\": [1], \"conditions\": [{\"label\": \"x\"}]}");
    json_t *runs = load("{\"x\": {\"1\": []}}"),
           *list = json_object_get(json_object_get(runs, "x"), "1");
    json_t *cv, *pts;

    for (int e = 0; e < 1000; e++)
        json_array_append_new(list, json_pack("{s:i, s:f, s:f, s:f}", "episode", e * 5, "accuracy",
                                              0.5, "avg_reward", 0.5, "accept_rate", 0.5));
    cv = glia_experiment_curves(doc, runs, 11);
    cr_assert_not_null(cv);
    pts = json_object_get(json_array_get(json_object_get(cv, "conditions"), 0), "points");
    cr_assert_eq(json_array_size(pts), 11);
    cr_expect_eq(json_integer_value(json_object_get(
                     json_array_get(json_object_get(cv, "conditions"), 0), "episodes")),
                 1000, "the episodes before thinning");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(pts, 0), "episode")), 0);
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(pts, 10), "episode")), 4995);
    for (size_t i = 1; i < 11; i++)
        cr_expect_gt(json_integer_value(json_object_get(json_array_get(pts, i), "episode")),
                     json_integer_value(json_object_get(json_array_get(pts, i - 1), "episode")));
    json_decref(cv);
    json_decref(doc);
    json_decref(runs);
}
