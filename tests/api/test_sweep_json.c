/* test_sweep_json.c: sweeps, pruning, the study hash, shards and the ranking.
 *
 * A grid becomes the cartesian product of its values (the first field outermost), each
 * condition's config equal to the preset with those values set the ordinary way
 * (glia_config_resolve with the same overrides); random samples are reproducible from
 * their seed and stay inside their distributions. Every bad pointer, value, sampler,
 * prune or bound is refused at the exact JSON pointer of the request, before anything
 * runs. The ranking is checked on a hand-made document: the order, Wilcoxon p-values
 * that equal the paired test on the same correct bits (one of them the published
 * 2/1024), their Holm adjustment, and which conditions are marked worse.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/experiment_json.h"
#include "core/stats.h"

static glia_experiment_spec_t spec_a, spec_b; /* large: not on the stack */

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert_not_null(j, "test JSON: %s: %s", jerr.text, text);
    return j;
}

static void parse_ok(const char *text, glia_experiment_spec_t *spec)
{
    glia_error_t err;
    json_t *body = load(text);

    glia_error_clear(&err);
    cr_assert_eq(glia_experiment_parse(body, spec, &err), 0, "%s: refused at \"%s\": %s", text,
                 err.field, err.message);
    json_decref(body);
}

/* Parse `text` and expect a refusal at `pointer`; returns the message (static). */
static const char *expect_refused(const char *text, const char *pointer)
{
    static glia_error_t err;
    json_t *body = load(text);
    int rc;

    glia_error_clear(&err);
    rc = glia_experiment_parse(body, &spec_b, &err);
    cr_expect_eq(rc, GLIA_EINVAL, "%s: rc %d, want GLIA_EINVAL", text, rc);
    cr_expect_str_eq(err.field, pointer, "%s: pointer \"%s\" (%s), want \"%s\"", text, err.field,
                     err.message, pointer);
    cr_expect(err.message[0] != '\0', "%s: a message", text);
    json_decref(body);
    return err.message;
}

/* A study around a sweep (or anything else) given as JSON text members. */
static const char *study(const char *members)
{
    static char b[4096];
    snprintf(b, sizeof(b), "{\"name\": \"s\", \"seeds\": [1, 2], \"episodes\": 300, %s}", members);
    return b;
}

#define GRID2                                                                                      \
    "\"base\": {\"preset\": \"cursor\"}, \"sweep\": {\"grid\": {\"/training/perturbation_std\": "  \
    "[0.05, 0.1, 0.2], \"/learner/cursor/radius\": [1.5, 3]}}"

/* ---- grids ------------------------------------------------------------------------------- */

Test(sweep, a_grid_is_the_product_of_its_values_each_config_resolved_as_usual)
{
    static const double stds[3] = {0.05, 0.1, 0.2}, radii[2] = {1.5, 3};
    static const char *const titles[6] = {
        "perturbation_std=0.05,radius=1.5", "perturbation_std=0.05,radius=3",
        "perturbation_std=0.1,radius=1.5",  "perturbation_std=0.1,radius=3",
        "perturbation_std=0.2,radius=1.5",  "perturbation_std=0.2,radius=3"};
    json_t *doc, *conds;

    parse_ok(study(GRID2), &spec_a);
    cr_assert_eq(spec_a.n_conditions, 6);
    cr_expect_eq(spec_a.sweep_kind, GLIA_SWEEP_GRID);
    cr_expect_eq(spec_a.n_swept, 2);
    doc = glia_experiment_doc_new(&spec_a);
    cr_assert_not_null(doc);
    conds = json_object_get(doc, "conditions");
    for (int p = 0; p < 6; p++) {
        char label[8], over[200];
        glia_config_t want;
        glia_error_t err;
        json_t *o, *c = json_array_get(conds, (size_t)p), *values = json_object_get(c, "values");

        snprintf(label, sizeof(label), "g%d", p);
        cr_expect_str_eq(spec_a.conditions[p].label, label);
        cr_expect_str_eq(spec_a.conditions[p].preset, "cursor");
        /* the first field outermost: std changes every 2 points, radius every point */
        snprintf(over, sizeof(over),
                 "{\"training\": {\"perturbation_std\": %.17g}, \"learner\": {\"cursor\": "
                 "{\"radius\": %.17g}}}",
                 stds[p / 2], radii[p % 2]);
        o = load(over);
        glia_error_clear(&err);
        cr_assert_eq(glia_config_resolve(&want, "cursor", "", o, "", &err), 0, "%s", err.message);
        cr_expect(glia_config_equal(&spec_a.conditions[p].config, &want),
                  "point %d: the preset with both values set, nothing else", p);
        json_decref(o);
        cr_expect_str_eq(json_string_value(json_object_get(c, "label")), label);
        cr_expect_str_eq(json_string_value(json_object_get(c, "title")), titles[p]);
        cr_expect_eq(json_number_value(json_object_get(values, "/training/perturbation_std")),
                     stds[p / 2]);
        cr_expect_eq(json_number_value(json_object_get(values, "/learner/cursor/radius")),
                     radii[p % 2]);
        cr_expect_eq(
            json_number_value(json_object_get(
                json_object_get(json_object_get(json_object_get(c, "config"), "learner"), "cursor"),
                "radius")),
            radii[p % 2], "the condition's config is the complete resolved config");
    }
    {
        json_t *sweep = json_object_get(doc, "sweep");
        json_t *want = load("{\"kind\": \"grid\", \"fields\": [\"/training/perturbation_std\", "
                            "\"/learner/cursor/radius\"]}");
        cr_expect(json_equal(sweep, want), "the document names the sweep and its fields");
        json_decref(want);
    }
    json_decref(doc);
}

Test(sweep, labels_are_padded_and_enums_and_booleans_sweep_too)
{
    parse_ok(
        study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.01, 0.02, 0.03, 0.04, "
              "0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11]}}"),
        &spec_a);
    cr_assert_eq(spec_a.n_conditions, 11);
    cr_expect_str_eq(spec_a.conditions[0].label, "g00");
    cr_expect_str_eq(spec_a.conditions[10].label, "g10");
    cr_expect_str_eq(spec_a.conditions[0].preset, "", "no base: the defaults, no preset");

    parse_ok(study("\"sweep\": {\"grid\": {\"/learner/astrocyte/exploration\": [\"none\", "
                   "\"maturity\"], \"/training/homeostasis\": [false, true]}}"),
             &spec_a);
    cr_assert_eq(spec_a.n_conditions, 4);
    cr_expect_eq(spec_a.conditions[0].config.learner.astrocyte.exploration, GLIA_EXPLORE_NONE);
    cr_expect_eq(spec_a.conditions[3].config.learner.astrocyte.exploration, GLIA_EXPLORE_MATURITY);
    cr_expect_eq(spec_a.conditions[1].config.training.homeostasis, 1);
    cr_expect_eq(spec_a.conditions[2].config.training.homeostasis, 0);
}

Test(sweep, bad_pointers_and_values_are_refused_at_their_place_in_the_grid)
{
    const char *m;

    m = expect_refused(study("\"sweep\": {\"grid\": {\"/training/bogus\": [1]}}"),
                       "/sweep/grid/~1training~1bogus");
    cr_expect_not_null(strstr(m, "/training/bogus"), "the message quotes the pointer: %s", m);
    expect_refused(study("\"sweep\": {\"grid\": {\"training/perturbation_std\": [1]}}"),
                   "/sweep/grid/training~1perturbation_std");
    expect_refused(study("\"sweep\": {\"grid\": {\"/training\": [1]}}"), "/sweep/grid/~1training");
    m = expect_refused(study("\"sweep\": {\"grid\": {\"/task/patterns\": [[]]}}"),
                       "/sweep/grid/~1task~1patterns");
    cr_expect_not_null(strstr(m, "task"), "%s", m);
    expect_refused(study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.1, -1]}}"),
                   "/sweep/grid/~1training~1perturbation_std/1");
    expect_refused(study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.1, \"x\"]}}"),
                   "/sweep/grid/~1training~1perturbation_std/1");
    expect_refused(study("\"sweep\": {\"grid\": {\"/network/clusters\": [2, 2.5]}}"),
                   "/sweep/grid/~1network~1clusters/1");
    expect_refused(study("\"sweep\": {\"grid\": {\"/learner/kind\": [\"cursor\", \"hebb\"]}}"),
                   "/sweep/grid/~1learner~1kind/1");
    expect_refused(study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": []}}"),
                   "/sweep/grid/~1training~1perturbation_std");
    expect_refused(study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": 0.1}}"),
                   "/sweep/grid/~1training~1perturbation_std");
    /* the same value twice, also as 1 and 1.0 */
    expect_refused(
        study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.1, 0.2, 0.1]}}"),
        "/sweep/grid/~1training~1perturbation_std/2");
    expect_refused(study("\"sweep\": {\"grid\": {\"/network/threshold\": [1, 1.0]}}"),
                   "/sweep/grid/~1network~1threshold/1");
    /* a square number of astrocytes: the field's own rule, at the value */
    expect_refused(study("\"sweep\": {\"grid\": {\"/learner/astrocyte/per_cluster\": [4, 5]}}"),
                   "/sweep/grid/~1learner~1astrocyte~1per_cluster/1");
}

Test(sweep, rules_between_fields_are_checked_per_point)
{
    const char *m;

    /* min_active 4 is fine with max_active 6, not with 2: the point names the value */
    m = expect_refused(study("\"sweep\": {\"grid\": {\"/learner/astrocyte/min_active\": [1, 4], "
                             "\"/learner/astrocyte/max_active\": [2, 6]}}"),
                       "/sweep/grid/~1learner~1astrocyte~1min_active/1");
    cr_expect_not_null(strstr(m, "min_active=4,max_active=2"), "the point is named: %s", m);
    /* a rule on a field the sweep does not vary: the grid, with the field in the message */
    m = expect_refused(study("\"sweep\": {\"grid\": {\"/learner/astrocyte/success_high\": [0.5, "
                             "0.01]}}"),
                       "/sweep/grid");
    cr_expect_not_null(strstr(m, "/learner/astrocyte/success_low"), "%s", m);
    /* on their own, both values of the first sweep are valid */
    parse_ok(study("\"sweep\": {\"grid\": {\"/learner/astrocyte/min_active\": [1, 4], "
                   "\"/learner/astrocyte/max_active\": [6]}}"),
             &spec_a);
    cr_expect_eq(spec_a.n_conditions, 2);
}

Test(sweep, the_shape_of_a_study_is_refused_at_its_member)
{
    expect_refused(study("\"sweep\": {}"), "/sweep");
    expect_refused(study("\"sweep\": 3"), "/sweep");
    expect_refused(study("\"sweep\": {\"bogus\": 1}"), "/sweep/bogus");
    expect_refused(study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.1]}, "
                         "\"random\": {}}"),
                   "/sweep");
    expect_refused(study("\"sweep\": {\"grid\": {}}"), "/sweep/grid");
    expect_refused(study("\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.1]}}, "
                         "\"conditions\": [{\"label\": \"a\"}]"),
                   "/conditions");
    expect_refused(study("\"base\": {}, \"conditions\": [{\"label\": \"a\"}]"), "/base");
    expect_refused(study("\"base\": {\"preset\": \"nope\"}, \"sweep\": {\"grid\": "
                         "{\"/training/perturbation_std\": [0.1]}}"),
                   "/base/preset");
    expect_refused(study("\"base\": {\"config\": {\"network\": {\"p_intra\": 2}}}, \"sweep\": "
                         "{\"grid\": {\"/training/perturbation_std\": [0.1]}}"),
                   "/base/config/network/p_intra");
    expect_refused(study("\"base\": {\"seed\": 1}, \"sweep\": {\"grid\": "
                         "{\"/training/perturbation_std\": [0.1]}}"),
                   "/base/seed");
    /* 9 fields; 3 x 10 x 10 = 300 points */
    expect_refused(
        study("\"sweep\": {\"grid\": {\"/network/p_intra\": [0.1], \"/network/p_inter\": [0.1], "
              "\"/network/threshold\": [0.1], \"/network/weight_init\": [0.1], "
              "\"/training/perturbation_std\": [0.1], \"/training/weight_clamp\": [1], "
              "\"/learner/cursor/radius\": [1], \"/learner/cursor/walk_step\": [1], "
              "\"/learner/cursor/jump_probability\": [0.1]}}"),
        "/sweep/grid");
    {
        char grid[2048] = "\"sweep\": {\"grid\": {\"/network/p_intra\": [0.1, 0.2, 0.3], "
                          "\"/network/p_inter\": [";
        for (int i = 0; i < 10; i++)
            snprintf(grid + strlen(grid), sizeof(grid) - strlen(grid), "%s0.0%d", i ? ", " : "", i);
        strcat(grid, "], \"/network/weight_init\": [");
        for (int i = 0; i < 10; i++)
            snprintf(grid + strlen(grid), sizeof(grid) - strlen(grid), "%s1.%d", i ? ", " : "", i);
        strcat(grid, "]}}");
        cr_expect_not_null(strstr(expect_refused(study(grid), "/sweep/grid"), "300 points"));
    }
}

Test(sweep, runs_per_study_are_bounded)
{
    /* 16 x 16 = 256 conditions (the most) x 40 seeds = 10240 runs > 10000 */
    char b[4096] = "{\"name\": \"big\", \"seeds\": {\"count\": 40}, \"episodes\": 10, \"sweep\": "
                   "{\"grid\": {\"/network/p_intra\": [";
    const char *m;

    for (int i = 0; i < 16; i++)
        snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s0.%02d", i ? ", " : "", i + 1);
    strcat(b, "], \"/network/p_inter\": [");
    for (int i = 0; i < 16; i++)
        snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s0.%02d", i ? ", " : "", i + 1);
    strcat(b, "]}}}");
    m = expect_refused(b, "");
    cr_expect_not_null(strstr(m, "10240 runs"), "%s", m);
    cr_expect_not_null(strstr(m, "10000"), "%s", m);
    /* 39 seeds: 9984 runs, accepted */
    memcpy(strstr(b, "40}"), "39", 2);
    parse_ok(b, &spec_a);
    cr_expect_eq(spec_a.n_conditions * spec_a.n_seeds, 9984);
}

/* ---- random samples ---------------------------------------------------------------------- */

#define SPACE                                                                                      \
    "\"space\": {\"/training/perturbation_std\": {\"uniform\": [0.01, 0.2]}, "                     \
    "\"/learner/astrocyte/maturity_scale\": {\"log_uniform\": [10, 1000]}, "                       \
    "\"/learner/astrocyte/per_cluster\": {\"choice\": [1, 4, 9]}, "                                \
    "\"/training/steps_per_episode\": {\"int_uniform\": [5, 12]}}"

Test(sweep, random_samples_are_reproducible_and_inside_their_distributions)
{
    double lo = 1, hi = 0;
    int differs = 0, seen_int[13] = {0}, seen_choice[10] = {0};

    parse_ok(study("\"sweep\": {\"random\": {\"samples\": 40, \"seed\": 7, " SPACE "}}"), &spec_a);
    cr_assert_eq(spec_a.n_conditions, 40);
    cr_expect_eq(spec_a.sweep_kind, GLIA_SWEEP_RANDOM);
    cr_expect_str_eq(spec_a.conditions[0].label, "r00");
    cr_expect_str_eq(spec_a.conditions[39].label, "r39");
    for (int s = 0; s < 40; s++) {
        const glia_config_t *c = &spec_a.conditions[s].config;
        double std = c->training.perturbation_std, scale = c->learner.astrocyte.maturity_scale;
        int per = c->learner.astrocyte.per_cluster, steps = c->training.steps_per_episode;
        cr_expect(std >= 0.01 && std <= 0.2, "uniform: %g", std);
        cr_expect(scale >= 10 && scale <= 1000, "log_uniform: %g", scale);
        cr_expect(per == 1 || per == 4 || per == 9, "choice: %d", per);
        cr_expect(steps >= 5 && steps <= 12, "int_uniform: %d", steps);
        lo = fmin(lo, std);
        hi = fmax(hi, std);
        seen_int[steps]++;
        seen_choice[per]++;
    }
    cr_expect(lo < 0.06 && hi > 0.15, "40 uniform draws spread over the range: [%g, %g]", lo, hi);
    cr_expect(seen_choice[1] && seen_choice[4] && seen_choice[9], "every choice is drawn");
    cr_expect(seen_int[5] + seen_int[12] > 0, "int_uniform reaches its ends");

    /* the same seed: the same study; another seed: another */
    parse_ok(study("\"sweep\": {\"random\": {\"samples\": 40, \"seed\": 7, " SPACE "}}"), &spec_b);
    for (int s = 0; s < 40; s++)
        cr_expect(glia_config_equal(&spec_a.conditions[s].config, &spec_b.conditions[s].config),
                  "sample %d is reproducible", s);
    parse_ok(study("\"sweep\": {\"random\": {\"samples\": 40, \"seed\": 8, " SPACE "}}"), &spec_b);
    for (int s = 0; s < 40; s++)
        differs += !glia_config_equal(&spec_a.conditions[s].config, &spec_b.conditions[s].config);
    cr_expect(differs > 30, "seed 8 draws other points (%d of 40 differ)", differs);
}

Test(sweep, bad_samplers_are_refused_at_their_place_in_the_space)
{
#define R(space)                                                                                   \
    study("\"sweep\": {\"random\": {\"samples\": 3, \"seed\": 1, \"space\": " space "}}")
    expect_refused(study("\"sweep\": {\"random\": {\"samples\": 0, \"seed\": 1, \"space\": {}}}"),
                   "/sweep/random/samples");
    expect_refused(study("\"sweep\": {\"random\": {\"samples\": 257, \"seed\": 1, \"space\": {}}}"),
                   "/sweep/random/samples");
    expect_refused(study("\"sweep\": {\"random\": {\"samples\": 3, \"space\": {}}}"),
                   "/sweep/random/seed");
    expect_refused(R("{}"), "/sweep/random/space");
    expect_refused(study("\"sweep\": {\"random\": {\"samples\": 3, \"seed\": 1, \"space\": {}, "
                         "\"extra\": 1}}"),
                   "/sweep/random/extra");
    expect_refused(R("{\"/training/bogus\": {\"uniform\": [0, 1]}}"),
                   "/sweep/random/space/~1training~1bogus");
    expect_refused(R("{\"/training/steps_per_episode\": {\"uniform\": [5, 10]}}"),
                   "/sweep/random/space/~1training~1steps_per_episode/uniform");
    expect_refused(R("{\"/learner/kind\": {\"int_uniform\": [0, 2]}}"),
                   "/sweep/random/space/~1learner~1kind/int_uniform");
    expect_refused(R("{\"/training/perturbation_std\": {\"uniform\": [0.2, 0.1]}}"),
                   "/sweep/random/space/~1training~1perturbation_std/uniform/1");
    expect_refused(R("{\"/training/perturbation_std\": {\"uniform\": [0.1, 200]}}"),
                   "/sweep/random/space/~1training~1perturbation_std/uniform/1");
    expect_refused(R("{\"/training/perturbation_std\": {\"uniform\": [0.1]}}"),
                   "/sweep/random/space/~1training~1perturbation_std/uniform");
    expect_refused(R("{\"/training/perturbation_std\": {\"log_uniform\": [0, 1]}}"),
                   "/sweep/random/space/~1training~1perturbation_std/log_uniform/0");
    expect_refused(R("{\"/training/steps_per_episode\": {\"int_uniform\": [5, 7.5]}}"),
                   "/sweep/random/space/~1training~1steps_per_episode/int_uniform/1");
    expect_refused(R("{\"/training/steps_per_episode\": {\"int_uniform\": [0, 7]}}"),
                   "/sweep/random/space/~1training~1steps_per_episode/int_uniform/0");
    expect_refused(R("{\"/learner/kind\": {\"choice\": []}}"),
                   "/sweep/random/space/~1learner~1kind/choice");
    expect_refused(R("{\"/learner/kind\": {\"choice\": [\"cursor\", \"hebb\"]}}"),
                   "/sweep/random/space/~1learner~1kind/choice/1");
    expect_refused(R("{\"/training/perturbation_std\": {\"normal\": [0, 1]}}"),
                   "/sweep/random/space/~1training~1perturbation_std/normal");
    expect_refused(R("{\"/training/perturbation_std\": {\"uniform\": [0, 1], \"choice\": [1]}}"),
                   "/sweep/random/space/~1training~1perturbation_std");
#undef R
}

/* ---- pruning ------------------------------------------------------------------------------ */

Test(sweep, prune_is_checked_against_the_study)
{
    parse_ok(study(GRID2 ", \"prune\": {\"rungs\": [100, 200], \"keep\": 0.5}"), &spec_a);
    cr_expect_eq(spec_a.n_rungs, 2);
    cr_expect_eq(spec_a.rungs[0], 100);
    cr_expect_eq(spec_a.rungs[1], 200);
    cr_expect_eq(spec_a.keep, 0.5);
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [], \"keep\": 0.5}"), "/prune/rungs");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [300], \"keep\": 0.5}"), "/prune/rungs/0");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [0], \"keep\": 0.5}"), "/prune/rungs/0");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [100, 50], \"keep\": 0.5}"),
                   "/prune/rungs/1");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [100, 100], \"keep\": 0.5}"),
                   "/prune/rungs/1");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [100], \"keep\": 1}"), "/prune/keep");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [100], \"keep\": 0}"), "/prune/keep");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [100]}"), "/prune/keep");
    expect_refused(study(GRID2 ", \"prune\": {\"rungs\": [100], \"keep\": 0.5, \"x\": 1}"),
                   "/prune/x");
    expect_refused(study("\"conditions\": [{\"label\": \"a\"}], \"prune\": {\"rungs\": [100], "
                         "\"keep\": 0.5}"),
                   "/prune");
    /* listed conditions can be pruned too */
    parse_ok(study("\"conditions\": [{\"label\": \"a\"}, {\"label\": \"b\", \"preset\": "
                   "\"cursor\"}], \"prune\": {\"rungs\": [100], \"keep\": 0.5}"),
             &spec_a);
}

Test(sweep, a_rung_keeps_the_best_ceil_fraction_ties_in_condition_order)
{
    const long long bits[6] = {30, 25, 35, 35, 0, 31}, total[6] = {40, 40, 40, 40, 0, 40};
    const long long bits10[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const long long total10[10] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
    int keep[10];

    cr_expect_eq(glia_experiment_prune_rung(6, bits, total, 0.5, keep), 3);
    cr_expect(keep[2] && keep[3] && keep[5], "35, 35 and 31 of 40");
    cr_expect(!keep[0] && !keep[1] && !keep[4], "30, 25 and no records stop");
    cr_expect_eq(glia_experiment_prune_rung(4, bits, total, 0.25, keep), 1);
    cr_expect(keep[2] && !keep[3], "a tie goes to the earlier condition");
    /* 0.3 * 10 is 3.0000000000000004 in doubles: still 3 */
    cr_expect_eq(glia_experiment_prune_rung(10, bits10, total10, 0.3, keep), 3);
    cr_expect(keep[9] && keep[8] && keep[7] && !keep[6]);
    cr_expect_eq(glia_experiment_prune_rung(10, bits10, total10, 0.01, keep), 1, "at least one");
    cr_expect_eq(glia_experiment_prune_rung(3, bits10, total10, 0.5, keep), 2, "ceil(1.5)");
}

/* ---- the study hash and documents ----------------------------------------------------------- */

Test(sweep, the_study_hash_names_what_decides_the_runs)
{
    json_t *a, *b, *c, *d;
    glia_error_t err;
    const char *h;

    parse_ok(study("\"description\": \"two fields\", " GRID2
                   ", \"prune\": {\"rungs\": [100], \"keep\": 0.5}"),
             &spec_a);
    a = glia_experiment_doc_new(&spec_a);
    b = glia_experiment_doc_new(&spec_a);
    h = json_string_value(json_object_get(a, "study"));
    cr_assert_not_null(h);
    cr_expect_eq(strncmp(h, "sha256:", 7), 0, "%s", h);
    cr_expect_eq(strlen(h), 7 + 64);
    cr_expect_str_eq(h, json_string_value(json_object_get(b, "study")), "deterministic");

    /* the document round-trips to the same study, description, sweep and prune included */
    glia_error_clear(&err);
    cr_assert_eq(glia_experiment_spec_from_doc(a, &spec_b, &err), 0, "%s: %s", err.field,
                 err.message);
    c = glia_experiment_doc_new(&spec_b);
    cr_expect(json_equal(a, c), "spec_from_doc(doc) makes the same document");
    cr_expect_str_eq(h, json_string_value(json_object_get(c, "study")));

    /* one config value changed: another study */
    spec_b.conditions[3].config.training.perturbation_std = 0.1000000001;
    d = glia_experiment_doc_new(&spec_b);
    cr_expect_str_neq(h, json_string_value(json_object_get(d, "study")));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);

    /* a damaged document is refused, not trusted */
    a = load("{\"name\": \"s\", \"episodes\": 10, \"seeds\": [1], \"conditions\": [{\"label\": "
             "\"a\", \"config\": {\"network\": {\"p_intra\": 7}}}]}");
    glia_error_clear(&err);
    cr_expect_eq(glia_experiment_spec_from_doc(a, &spec_b, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/conditions/0/config/network/p_intra");
    json_decref(a);
}

Test(sweep, shards_are_deterministic_balanced_and_mixed)
{
    static const int sizes[] = {1, 7, 36, 100, 1000, 9984};
    static const int cuts[] = {1, 2, 3, 7, 10, 64};
    static int shard[9984], again[9984];

    for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++) {
        for (size_t b = 0; b < sizeof(cuts) / sizeof(cuts[0]); b++) {
            int n = sizes[a], k = cuts[b], count[64] = {0};
            cr_assert_eq(glia_experiment_shards(n, k, shard), 0);
            cr_assert_eq(glia_experiment_shards(n, k, again), 0);
            cr_expect_eq(memcmp(shard, again, (size_t)n * sizeof(int)), 0, "%d/%d: deterministic",
                         n, k);
            for (int r = 0; r < n; r++) {
                cr_assert(shard[r] >= 0 && shard[r] < k);
                count[shard[r]]++;
            }
            for (int s = 0; s < k; s++)
                cr_expect(count[s] == n / k || count[s] == n / k + 1,
                          "%d runs in %d shards: shard %d has %d", n, k, s, count[s]);
        }
    }
    /* 6 conditions x 6 seeds in 3 shards: no shard holds only some conditions' runs */
    cr_assert_eq(glia_experiment_shards(36, 3, shard), 0);
    for (int s = 0; s < 3; s++) {
        int conds = 0;
        for (int c = 0; c < 6; c++) {
            int has = 0;
            for (int k = 0; k < 6; k++)
                has |= shard[k * 6 + c] == s;
            conds += has;
        }
        cr_expect_geq(conds, 4, "shard %d holds runs of %d conditions", s, conds);
    }
}

/* ---- ranking --------------------------------------------------------------------------------- */

/* A record with `bits` of 40 correct output bits (8 patterns x 5). */
static json_t *record(unsigned seed, int bits, long pruned_at)
{
    json_t *outs = json_array(), *pacc = json_array(), *r;
    for (int p = 0; p < 8; p++) {
        json_array_append_new(outs, json_string(bits == 20 ? "00000" : p % 2 ? "10101" : "01010"));
        json_array_append_new(pacc, json_real(bits / 40.0));
    }
    r = json_pack("{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:f, s:i, s:b, s:o, s:o}", "seed",
                  (json_int_t)seed, "episodes", (json_int_t)(pruned_at ? pruned_at : 300),
                  "accuracy", bits / 40.0, "correct_bits", bits, "total_bits", 40, "accepted",
                  (json_int_t)10, "rejected", (json_int_t)30, "accept_rate", 0.25,
                  "distinct_outputs", bits == 20 ? 1 : 2, "constant_output", bits == 20, "outputs",
                  outs, "pattern_accuracy", pacc);
    if (pruned_at)
        json_object_set_new(r, "pruned_at", json_integer(pruned_at));
    return r;
}

static void put(json_t *doc, const char *label, unsigned seed, json_t *r)
{
    json_t *records = json_object_get(doc, "records");
    char key[16];
    if (json_object_get(records, label) == NULL)
        json_object_set_new(records, label, json_object());
    snprintf(key, sizeof(key), "%u", seed);
    json_object_set_new(json_object_get(records, label), key, r);
}

/* Ten seeds. a: 30 bits on every seed; b: 25 (a wins all 10: exact two-sided p =
 * 2/1024); c: 30 except 29 on seed 10 (one non-zero difference: p = 1); d: 26 on
 * seeds 1-8, 31 on 9-10; e: 35 but pruned at 100 (ranked after every finished
 * condition, not compared); f: never ran. Order by accuracy: a 300, c 299, d 270, b 250
 * correct bits of 400. */
static json_t *ranked_doc(void)
{
    json_t *doc;

    parse_ok("{\"name\": \"rank\", \"seeds\": {\"count\": 10}, \"episodes\": 300, \"conditions\": "
             "[{\"label\": \"a\"}, {\"label\": \"b\"}, {\"label\": \"c\"}, {\"label\": \"d\"}, "
             "{\"label\": \"e\"}, {\"label\": \"f\"}]}",
             &spec_a);
    doc = glia_experiment_doc_new(&spec_a);
    for (unsigned s = 1; s <= 10; s++) {
        put(doc, "a", s, record(s, 30, 0));
        put(doc, "b", s, record(s, 25, 0));
        put(doc, "c", s, record(s, s == 10 ? 29 : 30, 0));
        put(doc, "d", s, record(s, s <= 8 ? 26 : 31, 0));
        put(doc, "e", s, record(s, 35, 100));
    }
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    return doc;
}

Test(sweep, the_ranking_marks_conditions_significantly_worse_than_the_best)
{
    json_t *doc = ranked_doc(), *rank = json_object_get(json_object_get(doc, "results"), "ranking");
    static const char *const order[6] = {"a", "c", "d", "b", "e", "f"};
    double x[10], y[10], p[3], adj[3];
    glia_wilcoxon_t w;

    cr_assert_eq(json_array_size(rank), 6);
    for (int i = 0; i < 6; i++) {
        json_t *e = json_array_get(rank, (size_t)i);
        cr_expect_str_eq(json_string_value(json_object_get(e, "label")), order[i], "rank %d",
                         i + 1);
        cr_expect_eq(json_integer_value(json_object_get(e, "rank")), i + 1);
    }
    cr_expect(json_is_null(json_object_get(json_array_get(rank, 0), "vs_best")), "the best");
    cr_expect(json_is_null(json_object_get(json_array_get(rank, 4), "vs_best")), "pruned");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(rank, 4), "pruned_at")), 100);
    cr_expect(json_is_null(json_object_get(json_array_get(rank, 5), "vs_best")), "no runs");
    cr_expect(json_is_null(json_object_get(json_array_get(rank, 5), "mean_accuracy")));
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(rank, 5), "n")), 0);
    cr_expect_eq(json_number_value(json_object_get(json_array_get(rank, 0), "mean_accuracy")),
                 0.75);

    /* raw p: c = 1 (one difference), d from the same test, b = 2/1024 (published) */
    for (int s = 0; s < 10; s++) {
        x[s] = 30;
        y[s] = s < 8 ? 26 : 31;
    }
    cr_assert_eq(glia_stats_wilcoxon(x, y, 10, &w), 0);
    p[0] = 1.0;
    p[1] = w.p_value;
    p[2] = 2.0 / 1024.0;
    cr_assert_eq(glia_stats_holm(p, 3, adj), 0);
    for (int i = 1; i <= 3; i++) {
        json_t *vs = json_object_get(json_array_get(rank, (size_t)i), "vs_best");
        cr_assert(json_is_object(vs), "rank %d is compared with the best", i + 1);
        cr_expect_eq(json_integer_value(json_object_get(vs, "n")), 10);
        cr_expect(fabs(json_number_value(json_object_get(vs, "p_value")) - p[i - 1]) < 1e-15,
                  "%s raw p %.17g, want %.17g", order[i],
                  json_number_value(json_object_get(vs, "p_value")), p[i - 1]);
        cr_expect(fabs(json_number_value(json_object_get(vs, "p_holm")) - adj[i - 1]) < 1e-15,
                  "%s Holm p %.17g, want %.17g", order[i],
                  json_number_value(json_object_get(vs, "p_holm")), adj[i - 1]);
        cr_expect_eq(json_is_true(json_object_get(vs, "worse")), adj[i - 1] <= 0.05,
                     "%s worse iff Holm p <= 0.05", order[i]);
    }
    cr_expect(fabs(adj[2] - 3 * 2.0 / 1024.0) < 1e-15, "b: the smallest p times 3");
    cr_expect(
        json_is_true(json_object_get(json_object_get(json_array_get(rank, 3), "vs_best"), "worse")),
        "b (25 of 40 on every seed) is worse");
    cr_expect(!json_is_true(
                  json_object_get(json_object_get(json_array_get(rank, 1), "vs_best"), "worse")),
              "c (one bit less on one seed) is not");
    cr_expect_eq(json_integer_value(
                     json_object_get(json_object_get(json_array_get(rank, 2), "vs_best"), "wins")),
                 8);
    cr_expect_eq(json_integer_value(json_object_get(
                     json_object_get(json_array_get(rank, 2), "vs_best"), "losses")),
                 2);
    json_decref(doc);
}

Test(sweep, reports_show_the_ranking_and_the_swept_fields)
{
    json_t *doc;
    char *md, *csv, *line;
    size_t len;

    parse_ok(study(GRID2), &spec_a);
    doc = glia_experiment_doc_new(&spec_a);
    for (unsigned s = 1; s <= 2; s++) {
        for (int c = 0; c < 6; c++)
            put(doc, spec_a.conditions[c].label, s, record(s, 20 + 2 * c, 0));
    }
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    md = glia_experiment_report_md(doc, &len);
    cr_assert_not_null(md);
    cr_expect_not_null(
        strstr(md, "Sweep (grid) over /training/perturbation_std, /learner/cursor/radius."), "%s",
        md);
    cr_expect_not_null(strstr(md,
                              "| Rank | Condition | perturbation_std | radius | Mean accuracy | "
                              "95% CI (t) | Seeds |"),
                       "%s", md);
    cr_expect_not_null(
        strstr(md, "\n| 1 | g5 | 0.2 | 3 | 75.0% | [75.0%, 75.0%] | 2 | - | best | 0/2 |\n"), "%s",
        md);
    cr_expect_not_null(strstr(md, "\n| 6 | g0 | 0.05 | 1.5 | 50.0% |"), "%s", md);
    cr_expect_not_null(strstr(md, "| Metric | g0 | g1 | g2 | g3 | g4 | g5 |"),
                       "6 conditions: the tables too");
    csv = glia_experiment_report_csv(doc, &len);
    cr_assert_not_null(csv);
    line = strchr(csv, '\n');
    cr_assert_not_null(line);
    cr_expect(strncmp(line - strlen(",/training/perturbation_std,/learner/cursor/radius"),
                      ",/training/perturbation_std,/learner/cursor/radius", 50) == 0,
              "the header ends with the swept fields: %.*s", (int)(line - csv), csv);
    cr_expect_not_null(strstr(csv, "\ns,g3,1,300,"), "%s", csv);
    cr_expect_not_null(strstr(csv, ",0.1,3\n"), "g3's values end its rows: %s", csv);
    free(md);
    free(csv);
    json_decref(doc);
}

/* Equal correct bits are equal accuracy: tied conditions share a rank and show the same
 * mean, even where summing per-run accuracies would differ in the last bit. */
Test(sweep, ties_share_a_rank_and_a_mean)
{
    json_t *doc, *rank;
    static const int bits[3][4] = {{27, 26, 27, 27}, {26, 27, 27, 27}, {20, 20, 20, 20}};

    parse_ok("{\"name\": \"tie\", \"seeds\": [1, 2, 3, 4], \"episodes\": 300, \"conditions\": "
             "[{\"label\": \"a\"}, {\"label\": \"b\"}, {\"label\": \"c\"}]}",
             &spec_a);
    doc = glia_experiment_doc_new(&spec_a);
    for (unsigned s = 1; s <= 4; s++) {
        put(doc, "c", s, record(s, bits[2][s - 1], 0));
        put(doc, "b", s, record(s, bits[1][s - 1], 0));
        put(doc, "a", s, record(s, bits[0][s - 1], 0));
    }
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    rank = json_object_get(json_object_get(doc, "results"), "ranking");
    cr_assert_eq(json_array_size(rank), 3);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(rank, 0), "label")), "a");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(rank, 1), "label")), "b");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(rank, 0), "rank")), 1);
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(rank, 1), "rank")), 1, "a tie");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(rank, 2), "rank")), 3);
    cr_expect_eq(json_number_value(json_object_get(json_array_get(rank, 0), "mean_accuracy")),
                 107.0 / 160.0);
    cr_expect_eq(json_number_value(json_object_get(json_array_get(rank, 1), "mean_accuracy")),
                 107.0 / 160.0, "the same number for the same bits");
    json_decref(doc);
}
