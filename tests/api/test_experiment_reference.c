/* test_experiment_reference.c: a study's "reference" condition and the results'
 * "vs_reference" (every other condition against it, Holm-corrected).
 *
 * A synthetic study (40 output bits a run, 10 seeds) whose conditions beat or trail the
 * reference on every seed they ran, so the exact two-sided Wilcoxon p of each comparison
 * is 2 / 2^n for n seeds in common: 2/1024, 2/256 and 2/64, and 1 for a condition that
 * ties on every seed. Holm over the four multiplies them, in ascending order, by 4, 3, 2
 * and 1 (a running maximum): 0.0078125, 0.0234375, 0.0625, 1. The 2/64 condition wins
 * every seed and is still not "better": its adjusted p is above 0.05.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/experiment_json.h"
#include "api/problem.h"
#include "core/session.h"

static glia_experiment_spec_t spec; /* large: not on the stack */

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert_not_null(j, "test JSON: %s: %s", jerr.text, text);
    return j;
}

/* The study: the reference "ref" among four others; `reference` is the member's JSON
 * text, or NULL for a study without one. */
static json_t *body_of(const char *reference)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"name\": \"vsref\", \"conditions\": [{\"label\": \"up6\", \"preset\": \"cursor\"}, "
             "{\"label\": \"ref\", \"preset\": \"reach\"}, {\"label\": \"same\", \"preset\": "
             "\"cursor\"}, {\"label\": \"down8\", \"preset\": \"cursor\"}, {\"label\": \"up10\", "
             "\"preset\": \"cursor\"}], \"seeds\": {\"count\": 10}, \"episodes\": 100%s%s}",
             reference ? ", \"reference\": " : "", reference ? reference : "");
    return load(text);
}

/* A run with `bits` of 40 correct, which first reached 90% and 95% after q90 and q95
 * reward queries (0: never). */
static json_t *record(json_int_t seed, int bits, json_int_t q90, json_int_t q95)
{
    json_t *outs = json_array(), *pacc = json_array();
    for (int p = 0; p < 8; p++) {
        json_array_append_new(outs, json_string("01010"));
        json_array_append_new(pacc, json_real(bits / 40.0));
    }
    return json_pack("{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:f, s:i, s:b, s:o, s:o, s:o, s:o}",
                     "seed", seed, "episodes", (json_int_t)100, "accuracy", bits / 40.0,
                     "correct_bits", bits, "total_bits", 40, "accepted", (json_int_t)5, "rejected",
                     (json_int_t)5, "accept_rate", 0.5, "distinct_outputs", 1, "constant_output", 0,
                     "outputs", outs, "pattern_accuracy", pacc, "reward_queries_to_90",
                     q90 ? json_integer(q90) : json_null(), "reward_queries_to_95",
                     q95 ? json_integer(q95) : json_null());
}

/* The document of body_of(reference) with its records and results. The reference has
 * 10 + k correct bits on seed k (1..10); up10 beats it by 2k on every seed, up6 by 2k on
 * seeds 1..6 (its only records), down8 trails by 2k on seeds 1..8, same ties
 * everywhere. Reward queries to 90%: the reference 1000 k on odd seeds (5 seeds,
 * median 5000), to 95% 500 k on seeds 1 and 2 (median 750); up10 100 k on every seed
 * (median 550). */
static json_t *study(const char *reference)
{
    json_t *body = body_of(reference), *doc, *records;
    glia_error_t err = {0};

    cr_assert_eq(glia_experiment_parse(body, &spec, &err), 0, "%s: %s", err.field, err.message);
    json_decref(body);
    doc = glia_experiment_doc_new(&spec);
    cr_assert_not_null(doc);
    records = json_object_get(doc, "records");
    for (int c = 0; c < spec.n_conditions; c++)
        json_object_set_new(records, spec.conditions[c].label, json_object());
    for (int k = 1; k <= 10; k++) {
        char key[16];
        snprintf(key, sizeof(key), "%d", k);
        json_object_set_new(json_object_get(records, "ref"), key,
                            record(k, 10 + k, k % 2 ? 1000 * k : 0, k <= 2 ? 500 * k : 0));
        json_object_set_new(json_object_get(records, "up10"), key,
                            record(k, 10 + 3 * k, 100 * k, 0));
        json_object_set_new(json_object_get(records, "same"), key, record(k, 10 + k, 0, 0));
        if (k <= 6)
            json_object_set_new(json_object_get(records, "up6"), key, record(k, 10 + 3 * k, 0, 0));
        if (k <= 8)
            json_object_set_new(json_object_get(records, "down8"), key, record(k, 10 - k, 0, 0));
    }
    json_object_set_new(doc, "state", json_string("completed"));
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    cr_assert_not_null(json_object_get(doc, "results"));
    return doc;
}

/* The row of `label` in results.vs_reference, borrowed. */
static json_t *row_of(const json_t *doc, const char *label)
{
    json_t *rows = json_object_get(json_object_get(json_object_get(doc, "results"), "vs_reference"),
                                   "conditions");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        if (strcmp(json_string_value(json_object_get(r, "label")), label) == 0)
            return r;
    }
    cr_assert_fail("no row %s in vs_reference", label);
    return NULL;
}

static const char *text_of(const json_t *o, const char *key)
{
    const char *t = json_string_value(json_object_get(json_object_get(o, "text"), key));
    cr_assert_not_null(t, "a text for %s", key);
    return t;
}

Test(experiment_reference, a_condition_that_wins_on_every_seed_is_better)
{
    json_t *doc = study("\"ref\""), *vsref, *up, *down, *same;

    cr_expect_str_eq(json_string_value(json_object_get(doc, "reference")), "ref");
    vsref = json_object_get(json_object_get(doc, "results"), "vs_reference");
    cr_assert(json_is_object(vsref));
    cr_expect_str_eq(json_string_value(json_object_get(vsref, "reference")), "ref");
    cr_expect_eq(json_array_size(json_object_get(vsref, "conditions")), 5, "a row per condition");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(vsref, "conditions"), 1), "label")),
                     "ref", "rows in condition order");
    cr_expect(json_is_true(json_object_get(row_of(doc, "ref"), "reference")));
    cr_expect_null(json_object_get(row_of(doc, "ref"), "vs"), "the reference is not compared");

    up = json_object_get(row_of(doc, "up10"), "vs");
    cr_assert(json_is_object(up));
    cr_expect_eq(json_integer_value(json_object_get(up, "n")), 10);
    cr_expect_eq(json_integer_value(json_object_get(up, "wins")), 10, "W from its own side");
    cr_expect_eq(json_integer_value(json_object_get(up, "ties")), 0);
    cr_expect_eq(json_integer_value(json_object_get(up, "losses")), 0);
    /* mean of 2k / 40 over k = 1..10: 11 / 40 */
    cr_expect_float_eq(json_number_value(json_object_get(up, "mean_difference")), 11.0 / 40.0,
                       1e-12);
    cr_expect(json_is_true(json_object_get(up, "better")));
    cr_expect(json_is_false(json_object_get(up, "worse")));

    down = json_object_get(row_of(doc, "down8"), "vs");
    cr_expect_eq(json_integer_value(json_object_get(down, "n")), 8, "only the seeds both ran");
    cr_expect_eq(json_integer_value(json_object_get(down, "losses")), 8);
    cr_expect(json_is_true(json_object_get(down, "worse")));
    cr_expect(json_is_false(json_object_get(down, "better")));

    same = json_object_get(row_of(doc, "same"), "vs");
    cr_expect_eq(json_integer_value(json_object_get(same, "ties")), 10);
    cr_expect(json_is_false(json_object_get(same, "better")));
    cr_expect(json_is_false(json_object_get(same, "worse")));
    cr_expect_str_eq(text_of(same, "mean_difference"), "+0.0%");
    json_decref(doc);
}

Test(experiment_reference, holm_adjusts_the_comparisons_in_p_order)
{
    json_t *doc = study("\"ref\"");
    static const struct {
        const char *label;
        double p, holm;
        int better, worse;
        const char *p_text, *holm_text;
    } want[] = {
        {"up10", 2.0 / 1024, 4 * 2.0 / 1024, 1, 0, "0.002", "0.008"},
        {"down8", 2.0 / 256, 3 * 2.0 / 256, 0, 1, "0.008", "0.023"},
        {"up6", 2.0 / 64, 2 * 2.0 / 64, 0, 0, "0.031", "0.062"},
        {"same", 1.0, 1.0, 0, 0, "1.000", "1.000"},
    };

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        json_t *vs = json_object_get(row_of(doc, want[i].label), "vs");
        cr_assert(json_is_object(vs), "%s", want[i].label);
        cr_expect_float_eq(
            json_number_value(json_object_get(json_object_get(vs, "wilcoxon"), "p_value")),
            want[i].p, 1e-12, "%s: exact p", want[i].label);
        cr_expect(json_is_true(json_object_get(json_object_get(vs, "wilcoxon"), "exact")));
        cr_expect_float_eq(json_number_value(json_object_get(vs, "p_holm")), want[i].holm, 1e-12,
                           "%s: Holm p", want[i].label);
        cr_expect_eq(json_is_true(json_object_get(vs, "better")), want[i].better, "%s",
                     want[i].label);
        cr_expect_eq(json_is_true(json_object_get(vs, "worse")), want[i].worse, "%s",
                     want[i].label);
        cr_expect_str_eq(text_of(vs, "p_value"), want[i].p_text, "%s", want[i].label);
        cr_expect_str_eq(text_of(vs, "p_holm"), want[i].holm_text, "%s", want[i].label);
    }
    json_decref(doc);
}

Test(experiment_reference, reward_queries_to_90_and_95_are_medians_over_the_seeds_that_reached)
{
    json_t *doc = study("\"ref\""), *ref = row_of(doc, "ref"), *up = row_of(doc, "up10");
    json_t *to = json_object_get(ref, "reward_queries_to");

    cr_expect_eq(json_integer_value(json_object_get(json_object_get(to, "90"), "seeds")), 5);
    cr_expect_float_eq(
        json_number_value(json_object_get(json_object_get(to, "90"), "median_reward_queries")),
        5000.0, 1e-12);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(to, "95"), "seeds")), 2);
    cr_expect_str_eq(text_of(ref, "reward_queries_to_90"), "5000 (5/10)");
    cr_expect_str_eq(text_of(ref, "reward_queries_to_95"), "750 (2/10)");
    cr_expect_str_eq(text_of(up, "reward_queries_to_90"), "550 (10/10)");
    cr_expect_str_eq(text_of(up, "reward_queries_to_95"), "- (0/10)");
    cr_expect(json_is_null(json_object_get(
        json_object_get(json_object_get(up, "reward_queries_to"), "95"), "median_reward_queries")));
    cr_expect_str_eq(text_of(row_of(doc, "up6"), "reward_queries_to_90"), "- (0/6)",
                     "of the seeds it ran");
    json_decref(doc);
}

Test(experiment_reference, markdown_and_csv_print_the_section)
{
    json_t *doc = study("\"ref\"");
    size_t len;
    char *md = glia_experiment_report_md(doc, &len), *csv = glia_experiment_report_csv(doc, &len);
    const char *at;

    cr_assert_not_null(md);
    cr_assert_not_null(csv);
    at = strstr(md, "## Against ref (Holm-corrected)\n");
    cr_assert_not_null(at, "%s", md);
    cr_expect(strstr(md, "## Ranking") < at && at < strstr(md, "## Conditions"),
              "after the ranking");
    cr_expect_not_null(strstr(at, "| up10 | 10 | 10 / 0 / 0 | +27.5% | 0.002 | **better**, 0.008 "
                                  "| 550 (10/10) | - (0/10) |\n"),
                       "%s", at);
    cr_expect_not_null(
        strstr(at, "| ref | 10 | - | - | - | reference | 5000 (5/10) | 750 (2/10) |\n"), "%s", at);
    cr_expect_not_null(strstr(at, "| down8 | 8 | 0 / 0 / 8 | -22.5% | 0.008 | **worse**, 0.023 |"),
                       "%s", at);
    cr_expect_not_null(strstr(at, "| up6 | 6 | 6 / 0 / 0 | +17.5% | 0.031 | 0.062 |"), "%s", at);
    cr_expect_not_null(strstr(at, "Holm-corrected over the 4 comparisons"), "%s", at);

    at = strstr(csv, "\nexperiment,reference,condition,seeds,wins,ties,losses,mean_difference,"
                     "p_value,p_holm,mark,reward_queries_to_90,reward_queries_to_95\n");
    cr_assert_not_null(at, "%s", csv);
    cr_expect_not_null(
        strstr(at, "\nvsref,ref,up10,10,10,0,0,+27.5%,0.002,0.008,better,550 (10/10),- (0/10)\n"),
        "%s", at);
    cr_expect_not_null(strstr(at, "\nvsref,ref,ref,10,,,,,,,reference,5000 (5/10),750 (2/10)\n"),
                       "%s", at);
    cr_expect_not_null(strstr(at, "\nvsref,ref,down8,8,0,0,8,-22.5%,0.008,0.023,worse,"), "%s", at);
    free(md);
    free(csv);
    json_decref(doc);
}

/* Without "reference" nothing changes: no member in the document (so the study hash is
 * the one it was), no vs_reference in the results, and the reports are the reports of
 * the same runs with a reference less its section. */
Test(experiment_reference, without_a_reference_the_reports_are_as_before)
{
    json_t *plain = study(NULL), *with = study("\"ref\"");
    size_t n_plain, n_with;
    char *md_plain = glia_experiment_report_md(plain, &n_plain);
    char *md_with = glia_experiment_report_md(with, &n_with);
    char *csv_plain, *csv_with, *cut, *end;

    cr_expect_null(json_object_get(plain, "reference"));
    cr_expect_null(json_object_get(json_object_get(plain, "results"), "vs_reference"));
    cr_expect_null(strstr(md_plain, "## Against"));
    cr_expect_str_neq(json_string_value(json_object_get(plain, "study")),
                      json_string_value(json_object_get(with, "study")),
                      "the reference decides the report: it is part of the study");
    /* Markdown: cut the section out */
    cut = strstr(md_with, "## Against ref");
    cr_assert_not_null(cut);
    end = strstr(cut, "## Conditions");
    cr_assert_not_null(end);
    memmove(cut, end, strlen(end) + 1);
    cr_expect_str_eq(md_with, md_plain);
    /* CSV: the runs, then the block */
    csv_plain = glia_experiment_report_csv(plain, &n_plain);
    csv_with = glia_experiment_report_csv(with, &n_with);
    cr_assert_gt(n_with, n_plain);
    cr_expect_eq(memcmp(csv_plain, csv_with, n_plain), 0);
    cr_expect_eq(strncmp(csv_with + n_plain, "\nexperiment,reference,", 22), 0);
    /* the results are the same but for vs_reference */
    json_object_del(json_object_get(with, "results"), "vs_reference");
    cr_expect(json_equal(json_object_get(with, "results"), json_object_get(plain, "results")));
    free(md_plain);
    free(md_with);
    free(csv_plain);
    free(csv_with);
    json_decref(plain);
    json_decref(with);
}

Test(experiment_reference, a_bad_reference_is_a_422_naming_it)
{
    static const char *const bad[] = {"\"nope\"", "\"REF\"", "3", "null", "[\"ref\"]"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *body = body_of(bad[i]), *problem;
        glia_error_t err = {0};
        cr_expect_eq(glia_experiment_parse(body, &spec, &err), GLIA_EINVAL, "%s", bad[i]);
        cr_expect_str_eq(err.field, "/reference", "%s: %s", bad[i], err.message);
        problem = glia_problem_validation(&err);
        cr_expect_eq(json_integer_value(json_object_get(problem, "status")), 422);
        cr_expect_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(problem, "errors"), 0), "pointer")),
                         "/reference");
        json_decref(problem);
        json_decref(body);
    }
}

Test(experiment_reference, the_document_round_trips_and_a_damaged_one_is_refused)
{
    json_t *doc = study("\"ref\""), *again;
    glia_error_t err = {0};

    cr_assert_eq(glia_experiment_spec_from_doc(doc, &spec, &err), 0, "%s: %s", err.field,
                 err.message);
    cr_expect_str_eq(spec.reference, "ref");
    again = glia_experiment_doc_new(&spec);
    cr_expect_str_eq(json_string_value(json_object_get(again, "study")),
                     json_string_value(json_object_get(doc, "study")));
    json_decref(again);
    json_object_set_new(doc, "reference", json_string("gone"));
    cr_expect_eq(glia_experiment_spec_from_doc(doc, &spec, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/reference");
    json_decref(doc);
}

/* The baselines templates compare every learner with astro-reach: a short run of each
 * condition of baselines-xor (2 seeds, 20 episodes, through the core sessions as the
 * daemon and `gliad experiment` run them) gives a report with the section, a row per
 * learner. */
Test(experiment_reference, the_baselines_templates_report_against_astro_reach)
{
    json_t *templates = glia_experiment_templates(), *t, *body = NULL, *doc, *records;
    size_t i, len;
    char *md, *csv;

    json_array_foreach(templates, i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (strncmp(name, "baselines-", 10) == 0)
            cr_expect_str_eq(
                json_string_value(json_object_get(json_object_get(t, "body"), "reference")),
                "astro-reach", "%s", name);
        if (strcmp(name, "baselines-xor") == 0)
            body = json_deep_copy(json_object_get(t, "body"));
    }
    cr_assert_not_null(body);
    json_object_set_new(body, "seeds", json_pack("[i, i]", 42, 137));
    json_object_del(body, "budget");
    json_object_set_new(body, "episodes", json_integer(20));
    cr_assert_eq(glia_experiment_parse(body, &spec, NULL), 0);
    doc = glia_experiment_doc_new(&spec);
    records = json_object();
    for (int c = 0; c < spec.n_conditions; c++) {
        json_t *byseed = json_object();
        for (int k = 0; k < spec.n_seeds; k++) {
            glia_session_t *s = NULL;
            char key[16];
            cr_assert_eq(glia_session_new(&spec.conditions[c].config, spec.seeds[k], &s, NULL), 0);
            cr_assert_eq(glia_session_run_episodes(s, spec.episodes), 0);
            snprintf(key, sizeof(key), "%u", spec.seeds[k]);
            json_object_set_new(byseed, key, glia_experiment_record(s));
            glia_session_free(s);
        }
        json_object_set_new(records, spec.conditions[c].label, byseed);
    }
    cr_assert_eq(glia_experiment_set_records(doc, records), 0);
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    md = glia_experiment_report_md(doc, &len);
    csv = glia_experiment_report_csv(doc, &len);
    cr_assert_not_null(strstr(md, "## Against astro-reach (Holm-corrected)\n"), "%s", md);
    cr_expect_not_null(strstr(md, "| astro-reach | 2 | - | - | - | reference |"), "%s", md);
    for (int c = 0; c < spec.n_conditions; c++) {
        char lead[64];
        snprintf(lead, sizeof(lead), "\n| %s | 2 |", spec.conditions[c].label);
        cr_expect_not_null(strstr(strstr(md, "## Against"), lead), "a row for %s",
                           spec.conditions[c].label);
        snprintf(lead, sizeof(lead), "\nbaselines-xor,astro-reach,%s,2,", spec.conditions[c].label);
        cr_expect_not_null(strstr(csv, lead), "a CSV row for %s", spec.conditions[c].label);
    }
    cr_expect_not_null(strstr(md, "Holm-corrected over the 11 comparisons"), "%s", md);
    free(md);
    free(csv);
    json_decref(records);
    json_decref(doc);
    json_decref(body);
    json_decref(templates);
}
