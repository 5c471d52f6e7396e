/* test_experiment_text.c: one number, one text. For every template, the statistics the
 * daemon serves to the web UI (results "text" members), the Markdown report and the CSV
 * report show the same digits.
 *
 * Each template's study gets synthetic records (seeds x conditions, 40 output bits). The
 * first condition has 26 or 27 correct bits in an order whose per-run accuracies sum to
 * 0.6674999999999999 (mean of the runs) while its correct bits make exactly 267/400 =
 * 0.6675, the case of exp 021 where the ranking printed 66.8% and the conditions table
 * 66.7% for the same condition. The baselines templates name a reference condition: their
 * comparison with it shows the same texts too.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/experiment_json.h"

static glia_experiment_spec_t spec; /* large: not on the stack */

static const int EDGE[10] = {26, 27, 26, 26, 27, 27, 27, 27, 27, 27};

/* A record of `bits` correct output bits of 40 (8 patterns x 5), with an output and an
 * accuracy for each of the task's `patterns`, and the reward queries to 90% (on every
 * seed) and 95% (on odd seeds), so the comparison with a reference has medians. */
static json_t *record(json_int_t seed, int bits, int patterns)
{
    json_t *outs = json_array(), *pacc = json_array();
    for (int p = 0; p < patterns; p++) {
        json_array_append_new(outs, json_string(p % 2 ? "10101" : "01010"));
        json_array_append_new(pacc, json_real((bits + p % 3) / 42.0));
    }
    return json_pack("{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:f, s:i, s:b, s:o, s:o, s:I, s:o}",
                     "seed", seed, "episodes", (json_int_t)300, "accuracy", bits / 40.0,
                     "correct_bits", bits, "total_bits", 40, "accepted", (json_int_t)7, "rejected",
                     (json_int_t)21, "accept_rate", 0.25, "distinct_outputs", 2, "constant_output",
                     0, "outputs", outs, "pattern_accuracy", pacc, "reward_queries_to_90",
                     (json_int_t)(1000 * bits + seed % 7), "reward_queries_to_95",
                     seed % 2 ? json_integer(2000 * bits + seed % 5) : json_null());
}

static json_t *study_of(const json_t *body)
{
    json_t *doc, *seeds, *records;
    glia_error_t err = {0};

    cr_assert_eq(glia_experiment_parse(body, &spec, &err), 0, "%s", err.message);
    doc = glia_experiment_doc_new(&spec);
    cr_assert_not_null(doc);
    seeds = json_object_get(doc, "seeds");
    records = json_object_get(doc, "records");
    for (int c = 0; c < spec.n_conditions; c++) {
        json_t *byseed = json_object();
        for (size_t k = 0; k < json_array_size(seeds); k++) {
            json_int_t seed = json_integer_value(json_array_get(seeds, k));
            char key[24];
            int bits = c == 0 ? EDGE[k % 10] : 18 + (int)((k * 7 + (size_t)c * 5) % 13);
            snprintf(key, sizeof(key), "%lld", (long long)seed);
            json_object_set_new(byseed, key,
                                record(seed, bits, spec.conditions[c].config.task.count));
        }
        json_object_set_new(records, spec.conditions[c].label, byseed);
    }
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    return doc;
}

static const char *text_of(const json_t *o, const char *key)
{
    const char *t = json_string_value(json_object_get(json_object_get(o, "text"), key));
    cr_assert_not_null(t, "a text for %s", key);
    return t;
}

/* The Markdown row that starts with `lead` (e.g. "| Mean accuracy |"), borrowed. */
static char *md_row(char *md, const char *lead, char *out, size_t size)
{
    char *at = strstr(md, lead), *end;
    cr_assert_not_null(at, "a row %s", lead);
    end = strchr(at, '\n');
    snprintf(out, size, "%.*s", (int)(end - at), at);
    return out;
}

/* The n-th cell (1-based, after the lead cells) of a Markdown row. */
static void md_cell(const char *row, int n, char *out, size_t size)
{
    const char *p = row;
    for (int i = 0; i <= n; i++) {
        p = strchr(p + 1, '|');
        cr_assert_not_null(p, "cell %d of %s", n, row);
    }
    while (*++p == ' ')
        ;
    snprintf(out, size, "%.*s", (int)(strchr(p, '|') - p - 1), p);
}

Test(experiment_text, every_template_shows_the_same_digits_in_the_ui_the_markdown_and_the_csv)
{
    json_t *templates = glia_experiment_templates(), *t;
    size_t ti, reference_rows = 0;

    cr_assert(json_array_size(templates) > 0);
    json_array_foreach(templates, ti, t)
    {
        json_t *doc = study_of(json_object_get(t, "body"));
        json_t *res = json_object_get(doc, "results"), *conds = json_object_get(res, "conditions");
        json_t *c, *e, *p, *row;
        size_t i, k;
        size_t len;
        char *md = glia_experiment_report_md(doc, &len),
             *csv = glia_experiment_report_csv(doc, &len);
        char line[4096], cell[128], want[256];
        const char *name = json_string_value(json_object_get(t, "name"));
        size_t npat = json_array_size(json_object_get(
            json_object_get(
                json_object_get(json_array_get(json_object_get(doc, "conditions"), 0), "config"),
                "task"),
            "patterns"));

        cr_assert_not_null(md);
        cr_assert_not_null(csv);
        /* the conditions table: one column per condition, in condition order */
        json_array_foreach(conds, i, c)
        {
            static const struct {
                const char *lead, *key;
            } rows[] = {{"| Mean accuracy |", "mean_accuracy"},
                        {"| 95% CI (t) |", "ci95"},
                        {"| 95% CI (bootstrap) |", "ci95_bootstrap"},
                        {"| SD |", "sd"},
                        {"| Accept rate |", "accept_rate"},
                        {"| Mean distinct outputs |", "mean_distinct_outputs"}};
            for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
                md_row(strstr(md, "## Conditions"), rows[r].lead, line, sizeof(line));
                md_cell(line, (int)i, cell, sizeof(cell));
                cr_expect_str_eq(cell, text_of(c, rows[r].key), "%s: %s of %s", name, rows[r].lead,
                                 json_string_value(json_object_get(c, "label")));
            }
            md_row(strstr(md, "## Conditions"), "| Min / max |", line, sizeof(line));
            md_cell(line, (int)i, cell, sizeof(cell));
            snprintf(want, sizeof(want), "%s / %s", text_of(c, "min"), text_of(c, "max"));
            cr_expect_str_eq(cell, want, "%s: min / max", name);
            /* per pattern */
            for (size_t j = 0; j < npat; j++) {
                char lead[32];
                snprintf(lead, sizeof(lead), "| P%zu | ", j + 1);
                md_row(strstr(md, "## Per-pattern"), lead, line, sizeof(line));
                md_cell(line, (int)i + 1, cell, sizeof(cell));
                cr_expect_str_eq(
                    cell,
                    json_string_value(json_array_get(
                        json_object_get(json_object_get(c, "text"), "pattern_accuracy"), j)),
                    "%s: P%zu", name, j + 1);
            }
        }
        /* the ranking: each row's mean is its condition's, digit for digit */
        json_array_foreach(json_object_get(res, "ranking"), i, e)
        {
            const char *label = json_string_value(json_object_get(e, "label"));
            json_t *mine = NULL;
            json_array_foreach(conds, k, c)
            {
                if (strcmp(json_string_value(json_object_get(c, "label")), label) == 0)
                    mine = c;
            }
            cr_assert_not_null(mine);
            cr_expect_str_eq(text_of(e, "mean_accuracy"), text_of(mine, "mean_accuracy"),
                             "%s: %s ranked and listed alike", name, label);
            snprintf(want, sizeof(want), "| %lld | %s | %s | %s |",
                     (long long)json_integer_value(json_object_get(e, "rank")), label,
                     text_of(e, "mean_accuracy"), text_of(e, "ci95"));
            cr_expect_not_null(strstr(md, want), "%s: the ranking row %s", name, want);
            if (json_is_object(json_object_get(e, "vs_best"))) {
                snprintf(want, sizeof(want), "%s |",
                         text_of(json_object_get(e, "vs_best"), "p_holm"));
                cr_expect_not_null(strstr(md, want), "%s: Holm p %s", name, want);
            }
        }
        /* pairs */
        json_array_foreach(json_object_get(res, "pairwise"), i, p)
        {
            json_t *w = json_object_get(p, "wilcoxon");
            snprintf(want, sizeof(want), "| %s vs %s | %lld / %lld / %lld | %s | %s%s | %s |",
                     json_string_value(json_object_get(p, "a")),
                     json_string_value(json_object_get(p, "b")),
                     (long long)json_integer_value(json_object_get(p, "wins")),
                     (long long)json_integer_value(json_object_get(p, "ties")),
                     (long long)json_integer_value(json_object_get(p, "losses")),
                     text_of(p, "mean_difference"), text_of(w, "p_value"),
                     json_is_true(json_object_get(w, "exact")) ? " (exact)" : " (normal approx.)",
                     text_of(json_object_get(p, "sign_test"), "p_value"));
            cr_expect_not_null(strstr(md, want), "%s: the pair row %s", name, want);
        }
        /* against the reference: each row of the Markdown section and of the CSV block is
         * the served texts */
        json_array_foreach(json_object_get(json_object_get(res, "vs_reference"), "conditions"), i,
                           row)
        {
            const char *label = json_string_value(json_object_get(row, "label"));
            const char *ref = json_string_value(
                json_object_get(json_object_get(res, "vs_reference"), "reference"));
            json_t *vs = json_object_get(row, "vs");
            char csv_want[256];
            snprintf(want, sizeof(want), "## Against %s (Holm-corrected)\n", ref);
            cr_assert_not_null(strstr(md, want), "%s: the section", name);
            if (json_is_object(vs)) {
                snprintf(want, sizeof(want),
                         "| %s | %lld | %lld / %lld / %lld | %s | %s | %s%s | %s | %s |\n", label,
                         (long long)json_integer_value(json_object_get(vs, "n")),
                         (long long)json_integer_value(json_object_get(vs, "wins")),
                         (long long)json_integer_value(json_object_get(vs, "ties")),
                         (long long)json_integer_value(json_object_get(vs, "losses")),
                         text_of(vs, "mean_difference"), text_of(vs, "p_value"),
                         json_is_true(json_object_get(vs, "better"))  ? "**better**, "
                         : json_is_true(json_object_get(vs, "worse")) ? "**worse**, "
                                                                      : "",
                         text_of(vs, "p_holm"), text_of(row, "reward_queries_to_90"),
                         text_of(row, "reward_queries_to_95"));
                snprintf(
                    csv_want, sizeof(csv_want),
                    "\n%s,%s,%s,%lld,%lld,%lld,%lld,%s,%s,%s,%s,%s,%s\n", name, ref, label,
                    (long long)json_integer_value(json_object_get(vs, "n")),
                    (long long)json_integer_value(json_object_get(vs, "wins")),
                    (long long)json_integer_value(json_object_get(vs, "ties")),
                    (long long)json_integer_value(json_object_get(vs, "losses")),
                    text_of(vs, "mean_difference"), text_of(vs, "p_value"), text_of(vs, "p_holm"),
                    json_is_true(json_object_get(vs, "better"))  ? "better"
                    : json_is_true(json_object_get(vs, "worse")) ? "worse"
                                                                 : "",
                    text_of(row, "reward_queries_to_90"), text_of(row, "reward_queries_to_95"));
            } else {
                snprintf(want, sizeof(want), "| %s | %lld | - | - | - | reference | %s | %s |\n",
                         label, (long long)json_integer_value(json_object_get(row, "n")),
                         text_of(row, "reward_queries_to_90"),
                         text_of(row, "reward_queries_to_95"));
                snprintf(csv_want, sizeof(csv_want), "\n%s,%s,%s,%lld,,,,,,,reference,%s,%s\n",
                         name, ref, label, (long long)json_integer_value(json_object_get(row, "n")),
                         text_of(row, "reward_queries_to_90"),
                         text_of(row, "reward_queries_to_95"));
            }
            cr_expect_not_null(strstr(md, want), "%s: the row %s", name, want);
            cr_expect_not_null(strstr(csv, csv_want), "%s: the CSV row %s", name, csv_want);
            reference_rows++;
        }
        /* per seed: the served text, the Markdown cell, and the CSV's full value rounded */
        json_array_foreach(json_object_get(res, "per_seed"), i, row)
        {
            const char *label;
            json_t *r;
            json_object_foreach(json_object_get(row, "records"), label, r)
            {
                const char *shown = text_of(row, label);
                char prefix[128], *at;
                double v;
                snprintf(want, sizeof(want), "| %lld | ",
                         (long long)json_integer_value(json_object_get(row, "seed")));
                cr_assert_not_null(strstr(md, want));
                snprintf(prefix, sizeof(prefix), "%s,%s,%lld,300,", name, label,
                         (long long)json_integer_value(json_object_get(row, "seed")));
                at = strstr(csv, prefix);
                cr_assert_not_null(at, "%s: the CSV row %s", name, prefix);
                v = strtod(at + strlen(prefix), NULL);
                snprintf(cell, sizeof(cell), "%.1f%%", 100.0 * v);
                cr_expect_str_eq(cell, shown, "%s: %s seed %lld: CSV %.17g", name, label,
                                 (long long)json_integer_value(json_object_get(row, "seed")), v);
                snprintf(want, sizeof(want), " %s, 2 distinct:", shown);
                cr_expect_not_null(strstr(md, want), "%s: the per-seed cell %s", name, want);
            }
        }
        free(md);
        free(csv);
        json_decref(doc);
    }
    cr_expect_eq(reference_rows, 3 * 12, "the baselines templates: 12 rows each");
    json_decref(templates);
}

/* exp 021's astrocyte: its mean of the runs is 0.6674999999999999 and its correct bits
 * 267 / 400; it is 66.7% wherever it is shown. */
Test(experiment_text, a_mean_on_a_rounding_edge_has_one_text)
{
    json_t *templates = glia_experiment_templates(), *t, *doc = NULL, *res, *first;
    size_t i;
    char *md;
    size_t len;

    json_array_foreach(templates, i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "name")), "exp021") == 0)
            doc = study_of(json_object_get(t, "body"));
    }
    cr_assert_not_null(doc);
    res = json_object_get(doc, "results");
    first = json_array_get(json_object_get(res, "conditions"), 0);
    cr_assert_eq(json_real_value(json_object_get(first, "mean_accuracy")), 0.6674999999999999);
    cr_expect_str_eq(text_of(first, "mean_accuracy"), "66.7%");
    cr_expect_str_eq(text_of(json_array_get(json_object_get(res, "ranking"), 0), "mean_accuracy"),
                     "66.7%");
    md = glia_experiment_report_md(doc, &len);
    cr_expect_not_null(strstr(md, "| 1 | astrocyte | 66.7% |"), "%s", md);
    cr_expect_not_null(strstr(md, "| Mean accuracy | 66.7% |"), "%s", md);
    cr_expect_null(strstr(md, "| astrocyte | 66.8%"), "%s", md);
    free(md);
    json_decref(doc);
    json_decref(templates);
}
