/* experiment_report.c: the Markdown and CSV reports of a document with "results".
 *
 * Both are read from the document alone (its conditions, seeds, records and results), so
 * the daemon and `gliad experiment` print the same bytes for the same runs. The Markdown
 * report is a sequence of sections, each written by one function below; with more than
 * GLIA_PAIRWISE_MAX conditions it stops after the ranking and the comparison with the
 * reference condition (the CSV has every run). With a reference, the CSV adds a second
 * table after the runs, one row per condition against it.
 */
#include <stdio.h>

#include "api/experiment_internal.h"
#include "api/json_write.h"
#include "api/strbuf.h"
#include "core/stats.h"

/* ---- cells ------------------------------------------------------------------------------- */

/* The cells print the statistics' shared display text (experiment_stats.c), the same
 * strings the results serve to the web UI. */
static void pct(glia_strbuf_t *b, const json_t *v)
{
    char text[32];
    glia__experiment_pct_text(v, text, sizeof(text));
    glia_strbuf_puts(b, text);
}

/* "[low, high]" of an interval object, as percentages. */
static void interval(glia_strbuf_t *b, const json_t *ci)
{
    char text[80]; /* "[" + two percent texts of up to 31 + ", " + "]" */
    glia__experiment_interval_text(ci, text, sizeof(text));
    glia_strbuf_puts(b, text);
}

static const char *pvalue(double p, char *buf, size_t size)
{
    glia__experiment_p_text(p, buf, size);
    return buf;
}

static json_int_t int_of(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* "| <lead> | label1 | label2 |" and its separator row; `lead` holds the leading
 * column titles separated by " | ". */
static void table_head(glia_strbuf_t *b, const json_t *cs, const char *lead, int lead_cols)
{
    glia_strbuf_printf(b, "| %s |", lead);
    for (size_t i = 0; i < json_array_size(cs); i++)
        glia_strbuf_printf(b, " %s |",
                           json_string_value(json_object_get(json_array_get(cs, i), "label")));
    glia_strbuf_puts(b, "\n|");
    for (size_t i = 0; i < json_array_size(cs) + (size_t)lead_cols; i++)
        glia_strbuf_puts(b, "---|");
    glia_strbuf_puts(b, "\n");
}

static void methods_md(glia_strbuf_t *b)
{
    glia_strbuf_printf(b,
                       "\nCI (t): mean +- t(0.975, n-1) * sd / sqrt(n). CI (bootstrap): "
                       "percentile, %d resamples, resampling seed %u. Wilcoxon: two-sided, "
                       "zero differences dropped, midranks for ties, exact for up to %d pairs.\n",
                       GLIA_BOOTSTRAP_RESAMPLES, GLIA_BOOTSTRAP_SEED, GLIA_WILCOXON_EXACT_MAX);
}

/* The swept fields of a document (doc["sweep"]["fields"]); returns how many. */
static int doc_swept(const json_t *doc, char (*swept)[GLIA_FIELD_MAX])
{
    json_t *fields = json_object_get(json_object_get(doc, "sweep"), "fields");
    int n = 0;

    for (size_t i = 0; i < json_array_size(fields) && n < GLIA_MAX_SWEPT; i++) {
        const char *p = json_string_value(json_array_get(fields, i));
        if (p != NULL && p[0] == '/')
            snprintf(swept[n++], GLIA_FIELD_MAX, "%s", p);
    }
    return n;
}

/* The record of condition i (of results' conditions `cs`) in a per_seed row, borrowed, or
 * NULL when that run has none. */
static json_t *row_record(const json_t *row, const json_t *cs, size_t i)
{
    const char *label = json_string_value(json_object_get(json_array_get(cs, i), "label"));
    json_t *r = json_object_get(json_object_get(row, "records"), label);
    return json_is_object(r) ? r : NULL;
}

/* ---- Markdown: the head and the ranking -------------------------------------------------- */

static void head_md(glia_strbuf_t *b, const json_t *doc, size_t nc)
{
    json_t *seeds = json_object_get(doc, "seeds"), *state = json_object_get(doc, "state");

    glia_strbuf_printf(b, "# Experiment %s\n\n", json_string_value(json_object_get(doc, "name")));
    glia_strbuf_printf(b,
                       "%zu conditions x %zu seeds, %lld episodes each. State: %s.\n\nSeeds:", nc,
                       json_array_size(seeds), (long long)int_of(doc, "episodes"),
                       json_is_string(state) ? json_string_value(state) : "completed");
    for (size_t k = 0; k < json_array_size(seeds); k++)
        glia_strbuf_printf(b, " %lld", (long long)json_integer_value(json_array_get(seeds, k)));
    glia_strbuf_puts(b, ".\n\n");
}

/* What the study varied and how it pruned, before the ranking. */
static void design_md(glia_strbuf_t *b, const json_t *doc, char (*swept)[GLIA_FIELD_MAX], int nsw)
{
    json_t *prune = json_object_get(doc, "prune");

    if (nsw > 0) {
        glia_strbuf_printf(
            b, "Sweep (%s) over",
            json_string_value(json_object_get(json_object_get(doc, "sweep"), "kind")));
        for (int i = 0; i < nsw; i++)
            glia_strbuf_printf(b, "%s %s", i ? "," : "", swept[i]);
        glia_strbuf_puts(b, ".\n\n");
    }
    if (json_is_object(prune)) {
        json_t *rungs = json_object_get(prune, "rungs");
        glia_strbuf_puts(b, "Pruning: successive halving at episodes");
        for (size_t i = 0; i < json_array_size(rungs); i++)
            glia_strbuf_printf(b, "%s %lld", i ? "," : "",
                               (long long)json_integer_value(json_array_get(rungs, i)));
        glia_strbuf_printf(b, ", keeping %g%% of the conditions at each rung.\n\n",
                           100.0 * json_number_value(json_object_get(prune, "keep")));
    }
}

/* One ranking row (entry e of results' "ranking"); returns 1 when it was compared with
 * the best. */
static int ranking_row_md(glia_strbuf_t *b, const json_t *e, char (*swept)[GLIA_FIELD_MAX], int nsw)
{
    json_t *vs = json_object_get(e, "vs_best"), *values = json_object_get(e, "values");
    json_int_t n = int_of(e, "n");
    char pbuf[32];

    glia_strbuf_printf(b, "| %lld | %s |", (long long)int_of(e, "rank"),
                       json_string_value(json_object_get(e, "label")));
    for (int i = 0; i < nsw; i++) {
        char text[64];
        glia__experiment_value_text(json_object_get(values, swept[i]), text, sizeof(text));
        glia_strbuf_printf(b, " %s |", text);
    }
    /* the condition's mean accuracy, as its row in the conditions table prints it */
    glia_strbuf_puts(b, " ");
    if (json_is_string(json_object_get(json_object_get(e, "text"), "mean_accuracy")))
        glia_strbuf_puts(
            b, json_string_value(json_object_get(json_object_get(e, "text"), "mean_accuracy")));
    else
        pct(b, json_object_get(e, "mean_accuracy"));
    glia_strbuf_puts(b, " | ");
    interval(b, json_object_get(e, "ci95"));
    glia_strbuf_printf(b, " | %lld | ", (long long)n);
    if (json_is_object(vs))
        glia_strbuf_printf(
            b, "%lld / %lld / %lld | %s%s |", (long long)int_of(vs, "wins"),
            (long long)int_of(vs, "ties"), (long long)int_of(vs, "losses"),
            json_is_true(json_object_get(vs, "worse")) ? "**worse**, " : "",
            pvalue(json_number_value(json_object_get(vs, "p_holm")), pbuf, sizeof(pbuf)));
    else if (int_of(e, "pruned_at") > 0)
        glia_strbuf_printf(b, "- | pruned at episode %lld |", (long long)int_of(e, "pruned_at"));
    else if (n == 0)
        glia_strbuf_puts(b, "- | no runs |");
    else
        glia_strbuf_puts(b, "- | best |");
    glia_strbuf_printf(b, " %lld/%lld |\n", (long long)int_of(e, "constant_output_seeds"),
                       (long long)n);
    return json_is_object(vs);
}

/* The ranking: one row per condition, best first, a column per swept field. */
static void ranking_md(glia_strbuf_t *b, const json_t *doc)
{
    json_t *rank = json_object_get(json_object_get(doc, "results"), "ranking");
    char swept[GLIA_MAX_SWEPT][GLIA_FIELD_MAX];
    int nsw = doc_swept(doc, swept), compared = 0;

    design_md(b, doc, swept, nsw);
    if (!json_is_array(rank))
        return;
    glia_strbuf_puts(b, "## Ranking\n\n| Rank | Condition |");
    for (int i = 0; i < nsw; i++)
        glia_strbuf_printf(
            b, " %s |", glia__experiment_swept_name((const char(*)[GLIA_FIELD_MAX])swept, nsw, i));
    glia_strbuf_puts(
        b, " Mean accuracy | 95% CI (t) | Seeds | vs best: W / T / L | vs best: p (Holm) | "
           "Seeds with constant output |\n|");
    for (int i = 0; i < nsw + 8; i++)
        glia_strbuf_puts(b, "---|");
    glia_strbuf_puts(b, "\n");
    for (size_t r = 0; r < json_array_size(rank); r++)
        compared += ranking_row_md(b, json_array_get(rank, r), swept, nsw);
    glia_strbuf_printf(b,
                       "\nRanked by mean accuracy. W / T / L: seeds where the best has more / as "
                       "many / fewer correct output bits. **worse**: significantly below the best "
                       "(paired two-sided Wilcoxon signed-rank test over the seeds, Holm-corrected "
                       "over the %d comparisons, family-wise alpha %g).",
                       compared, GLIA_SIGNIFICANCE);
    if (json_is_object(json_object_get(doc, "prune")))
        glia_strbuf_puts(b, " A pruned condition's accuracy is at the episode it was stopped.");
    glia_strbuf_puts(b, "\n\n");
}

/* ---- Markdown: against the reference ----------------------------------------------------- */

static const char *text_at(const json_t *o, const char *key)
{
    const char *t = json_string_value(json_object_get(json_object_get(o, "text"), key));
    return t != NULL ? t : "";
}

/* With a reference (results' "vs_reference"): one row per condition, in condition order,
 * each compared with the reference on the seeds both ran. */
static void reference_md(glia_strbuf_t *b, const json_t *doc)
{
    json_t *vsref = json_object_get(json_object_get(doc, "results"), "vs_reference");
    json_t *rows = json_object_get(vsref, "conditions");
    const char *ref = json_string_value(json_object_get(vsref, "reference"));
    int compared = 0;

    if (!json_is_array(rows) || ref == NULL)
        return;
    glia_strbuf_printf(b,
                       "## Against %s (Holm-corrected)\n\n| Condition | Seeds | W / T / L | Mean "
                       "difference | Wilcoxon p | p (Holm) | Reward queries to 90%% | Reward "
                       "queries to 95%% |\n|---|---|---|---|---|---|---|---|\n",
                       ref);
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i), *vs = json_object_get(row, "vs");
        glia_strbuf_printf(b, "| %s |", json_string_value(json_object_get(row, "label")));
        if (json_is_true(json_object_get(row, "reference")))
            glia_strbuf_printf(b, " %lld | - | - | - | reference |", (long long)int_of(row, "n"));
        else if (json_is_object(vs))
            glia_strbuf_printf(b, " %lld | %lld / %lld / %lld | %s | %s | %s%s |",
                               (long long)int_of(vs, "n"), (long long)int_of(vs, "wins"),
                               (long long)int_of(vs, "ties"), (long long)int_of(vs, "losses"),
                               text_at(vs, "mean_difference"), text_at(vs, "p_value"),
                               json_is_true(json_object_get(vs, "better"))  ? "**better**, "
                               : json_is_true(json_object_get(vs, "worse")) ? "**worse**, "
                                                                            : "",
                               text_at(vs, "p_holm"));
        else
            glia_strbuf_puts(b, " 0 | - | - | - | no seed in common |");
        compared += json_is_object(vs);
        glia_strbuf_printf(b, " %s | %s |\n", text_at(row, "reward_queries_to_90"),
                           text_at(row, "reward_queries_to_95"));
    }
    glia_strbuf_printf(b,
                       "\nEach condition against %s on the seeds both ran. W / T / L: seeds where "
                       "the condition has more / as many / fewer correct output bits; mean "
                       "difference: the condition's accuracy minus %s's. **better** / **worse**: "
                       "paired two-sided Wilcoxon signed-rank test, Holm-corrected over the %d "
                       "comparisons, family-wise alpha %g. Reward queries to a level: the median "
                       "over the seeds that reached it (how many did, of the seeds run).\n\n",
                       ref, ref, compared, GLIA_SIGNIFICANCE);
}

/* ---- Markdown: per condition ------------------------------------------------------------- */

/* The cells of the conditions table: c is one of results' "conditions". */
static void mean_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    pct(b, json_object_get(c, "mean_accuracy"));
}

static void ci_t_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    interval(b, json_object_get(c, "ci95"));
}

static void ci_bootstrap_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    interval(b, json_object_get(c, "ci95_bootstrap"));
}

static void sd_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    pct(b, json_object_get(c, "sd"));
}

static void min_max_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    pct(b, json_object_get(c, "min"));
    glia_strbuf_puts(b, " / ");
    pct(b, json_object_get(c, "max"));
}

static void accept_rate_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    pct(b, json_object_get(c, "accept_rate"));
}

static void distinct_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    glia_strbuf_printf(b, "%.1f", json_number_value(json_object_get(c, "mean_distinct_outputs")));
}

static void constant_cell_cb(glia_strbuf_t *b, const json_t *c)
{
    glia_strbuf_printf(b, "%lld/%lld", (long long)int_of(c, "constant_output_seeds"),
                       (long long)int_of(c, "n"));
}

/* One row per metric, one column per condition. */
static void conditions_md(glia_strbuf_t *b, const json_t *cs)
{
    static const struct {
        const char *title;
        void (*cell_cb)(glia_strbuf_t *b, const json_t *c);
    } rows[] = {
        {"Mean accuracy", mean_cell_cb},
        {"95% CI (t)", ci_t_cell_cb},
        {"95% CI (bootstrap)", ci_bootstrap_cell_cb},
        {"SD", sd_cell_cb},
        {"Min / max", min_max_cell_cb},
        {"Accept rate", accept_rate_cell_cb},
        {"Mean distinct outputs", distinct_cell_cb},
        {"Seeds with constant output", constant_cell_cb},
    };

    glia_strbuf_puts(b, "## Conditions\n\n");
    table_head(b, cs, "Metric", 1);
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        glia_strbuf_printf(b, "| %s |", rows[r].title);
        for (size_t i = 0; i < json_array_size(cs); i++) {
            glia_strbuf_puts(b, " ");
            rows[r].cell_cb(b, json_array_get(cs, i));
            glia_strbuf_puts(b, " |");
        }
        glia_strbuf_puts(b, "\n");
    }
}

static void pairwise_md(glia_strbuf_t *b, const json_t *pairs)
{
    char pbuf[32];

    if (json_array_size(pairs) == 0)
        return;
    glia_strbuf_puts(b, "\n## Paired comparisons (same seeds)\n\n"
                        "| Comparison | Wins / ties / losses | Mean difference | "
                        "Wilcoxon signed-rank p | Sign test p |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < json_array_size(pairs); i++) {
        json_t *p = json_array_get(pairs, i), *w = json_object_get(p, "wilcoxon");
        json_t *sign = json_object_get(p, "sign_test");
        char diff[32];
        glia__experiment_signed_pct_text(json_number_value(json_object_get(p, "mean_difference")),
                                         diff, sizeof(diff));
        glia_strbuf_printf(
            b, "| %s vs %s | %lld / %lld / %lld | %s | %s%s | ",
            json_string_value(json_object_get(p, "a")), json_string_value(json_object_get(p, "b")),
            (long long)int_of(p, "wins"), (long long)int_of(p, "ties"),
            (long long)int_of(p, "losses"), diff,
            pvalue(json_number_value(json_object_get(w, "p_value")), pbuf, sizeof(pbuf)),
            json_is_true(json_object_get(w, "exact")) ? " (exact)" : " (normal approx.)");
        glia_strbuf_printf(
            b, "%s |\n",
            pvalue(json_number_value(json_object_get(sign, "p_value")), pbuf, sizeof(pbuf)));
    }
}

/* Time to accuracy: per condition (how many seeds reached each level, the median
 * episode), then per seed. */
static void time_to_accuracy_md(glia_strbuf_t *b, const json_t *cs, const json_t *per_seed)
{
    size_t nc = json_array_size(cs);

    glia_strbuf_puts(b, "\n## Time to accuracy (episode of the first trajectory point at or "
                        "above the level)\n\n");
    table_head(b, cs, "Level", 1);
    for (size_t l = 0; l < GLIA__EXPERIMENT_N_LEVELS; l++) {
        const char *key = glia__experiment_levels[l].key;
        glia_strbuf_printf(b, "| %s%% |", key);
        for (size_t i = 0; i < nc; i++) {
            json_t *c = json_array_get(cs, i);
            json_t *lv = json_object_get(json_object_get(c, "episodes_to"), key);
            json_t *med = json_object_get(lv, "median_episodes");
            glia_strbuf_printf(b, " %lld/%lld", (long long)int_of(lv, "seeds"),
                               (long long)int_of(c, "n"));
            if (json_is_number(med))
                glia_strbuf_printf(b, ", median %g", json_number_value(med));
            glia_strbuf_puts(b, " |");
        }
        glia_strbuf_puts(b, "\n");
    }
    glia_strbuf_puts(b, "\nPer seed, episodes to 90% / 95% / 100% (- when never reached):\n\n");
    table_head(b, cs, "Seed", 1);
    for (size_t k = 0; k < json_array_size(per_seed); k++) {
        json_t *row = json_array_get(per_seed, k);
        glia_strbuf_printf(b, "| %lld |", (long long)int_of(row, "seed"));
        for (size_t i = 0; i < nc; i++) {
            json_t *r = row_record(row, cs, i);
            if (r == NULL) {
                glia_strbuf_puts(b, " (not run) |");
                continue;
            }
            for (size_t l = 0; l < GLIA__EXPERIMENT_N_LEVELS; l++) {
                char key[32];
                json_t *e;
                snprintf(key, sizeof(key), "episodes_to_%s", glia__experiment_levels[l].key);
                e = json_object_get(r, key);
                glia_strbuf_puts(b, l == 0 ? " " : " / ");
                if (json_is_integer(e))
                    glia_strbuf_printf(b, "%lld", (long long)json_integer_value(e));
                else
                    glia_strbuf_puts(b, "-");
            }
            glia_strbuf_puts(b, " |");
        }
        glia_strbuf_puts(b, "\n");
    }
}

/* Per-pattern accuracy, with the patterns of the first condition's task. */
static void patterns_md(glia_strbuf_t *b, const json_t *cs, const json_t *conds)
{
    json_t *config = json_object_get(json_array_get(conds, 0), "config");
    json_t *pats = json_object_get(json_object_get(config, "task"), "patterns");

    glia_strbuf_puts(b, "\n## Per-pattern accuracy (mean over seeds)\n\n");
    table_head(b, cs, "Pattern | Input -> target", 2);
    for (size_t p = 0; p < json_array_size(pats); p++) {
        json_t *pat = json_array_get(pats, p);
        glia_strbuf_printf(b, "| P%zu | %s -> %s |", p + 1,
                           json_string_value(json_object_get(pat, "input")),
                           json_string_value(json_object_get(pat, "target")));
        for (size_t i = 0; i < json_array_size(cs); i++) {
            json_t *acc = json_object_get(json_array_get(cs, i), "pattern_accuracy");
            glia_strbuf_puts(b, " ");
            pct(b, json_array_get(acc, p));
            glia_strbuf_puts(b, " |");
        }
        glia_strbuf_puts(b, "\n");
    }
}

/* Per seed: accuracy and every output vector. */
static void per_seed_md(glia_strbuf_t *b, const json_t *cs, const json_t *per_seed)
{
    glia_strbuf_puts(b, "\n## Per seed (accuracy, distinct outputs, output vectors P1..Pn)\n\n");
    table_head(b, cs, "Seed", 1);
    for (size_t k = 0; k < json_array_size(per_seed); k++) {
        json_t *row = json_array_get(per_seed, k);
        glia_strbuf_printf(b, "| %lld |", (long long)int_of(row, "seed"));
        for (size_t i = 0; i < json_array_size(cs); i++) {
            json_t *r = row_record(row, cs, i), *outs;
            if (r == NULL) {
                glia_strbuf_puts(b, " (not run) |");
                continue;
            }
            outs = json_object_get(r, "outputs");
            glia_strbuf_puts(b, " ");
            pct(b, json_object_get(r, "accuracy"));
            glia_strbuf_printf(b, ", %lld distinct:", (long long)int_of(r, "distinct_outputs"));
            for (size_t p = 0; p < json_array_size(outs); p++)
                glia_strbuf_printf(b, " %s", json_string_value(json_array_get(outs, p)));
            glia_strbuf_puts(b, " |");
        }
        glia_strbuf_puts(b, "\n");
    }
}

char *glia_experiment_report_md(const json_t *doc, size_t *len)
{
    glia_strbuf_t b = {0};
    json_t *res = json_object_get(doc, "results");
    json_t *cs = json_object_get(res, "conditions"), *per_seed = json_object_get(res, "per_seed");
    size_t nc = json_array_size(cs);

    head_md(&b, doc, nc);
    ranking_md(&b, doc);
    reference_md(&b, doc);
    if (nc > GLIA_PAIRWISE_MAX) {
        glia_strbuf_printf(&b,
                           "With more than %d conditions the per-condition tables are left out: "
                           "the CSV report has every run, the JSON one every statistic.\n",
                           GLIA_PAIRWISE_MAX);
        methods_md(&b);
        return glia_strbuf_take(&b, len);
    }
    conditions_md(&b, cs);
    pairwise_md(&b, json_object_get(res, "pairwise"));
    time_to_accuracy_md(&b, cs, per_seed);
    patterns_md(&b, cs, json_object_get(doc, "conditions"));
    per_seed_md(&b, cs, per_seed);
    methods_md(&b);
    return glia_strbuf_take(&b, len);
}

/* ---- CSV --------------------------------------------------------------------------------- */

/* The columns every row of one document has. */
typedef struct csv_shape {
    size_t npat; /* patterns of the first condition's task */
    char swept[GLIA_MAX_SWEPT][GLIA_FIELD_MAX];
    int nsw;
    int has_prune;
} csv_shape_t;

static void csv_header(glia_strbuf_t *b, const csv_shape_t *sh)
{
    glia_strbuf_puts(b, "experiment,condition,seed,episodes,accuracy,accept_rate,accepted,rejected,"
                        "distinct_outputs,constant_output");
    for (size_t p = 0; p < sh->npat; p++)
        glia_strbuf_printf(b, ",P%zu_output", p + 1);
    for (size_t p = 0; p < sh->npat; p++)
        glia_strbuf_printf(b, ",P%zu_accuracy", p + 1);
    for (size_t l = 0; l < GLIA__EXPERIMENT_N_LEVELS; l++)
        glia_strbuf_printf(b, ",episodes_to_%s", glia__experiment_levels[l].key);
    /* A sweep adds its fields (named by pointer), pruning the episode a run stopped at. */
    for (int i = 0; i < sh->nsw; i++)
        glia_strbuf_printf(b, ",%s", sh->swept[i]);
    if (sh->has_prune)
        glia_strbuf_puts(b, ",pruned_at");
    glia_strbuf_puts(b, "\n");
}

/* One run: record r of condition `cond` (of doc["conditions"]) on `seed`. */
static void csv_row(glia_strbuf_t *b, const csv_shape_t *sh, const char *name, const json_t *cond,
                    json_int_t seed, const json_t *r)
{
    json_t *outs = json_object_get(r, "outputs"), *pacc = json_object_get(r, "pattern_accuracy");
    char num[40];

    glia_strbuf_printf(b, "%s,%s,%lld,%lld,", name,
                       json_string_value(json_object_get(cond, "label")), (long long)seed,
                       (long long)int_of(r, "episodes"));
    glia_json_format_real(json_number_value(json_object_get(r, "accuracy")), num, sizeof(num));
    glia_strbuf_printf(b, "%s,", num);
    if (json_is_number(json_object_get(r, "accept_rate"))) {
        glia_json_format_real(json_number_value(json_object_get(r, "accept_rate")), num,
                              sizeof(num));
        glia_strbuf_puts(b, num);
    }
    glia_strbuf_printf(b, ",%lld,%lld,%lld,%s", (long long)int_of(r, "accepted"),
                       (long long)int_of(r, "rejected"), (long long)int_of(r, "distinct_outputs"),
                       json_is_true(json_object_get(r, "constant_output")) ? "true" : "false");
    for (size_t p = 0; p < sh->npat; p++)
        glia_strbuf_printf(b, ",%s", json_string_value(json_array_get(outs, p)));
    for (size_t p = 0; p < sh->npat; p++) {
        glia_json_format_real(json_number_value(json_array_get(pacc, p)), num, sizeof(num));
        glia_strbuf_printf(b, ",%s", num);
    }
    for (size_t l = 0; l < GLIA__EXPERIMENT_N_LEVELS; l++) {
        char key[32];
        snprintf(key, sizeof(key), "episodes_to_%s", glia__experiment_levels[l].key);
        if (json_is_integer(json_object_get(r, key)))
            glia_strbuf_printf(b, ",%lld", (long long)int_of(r, key));
        else
            glia_strbuf_puts(b, ",");
    }
    for (int f = 0; f < sh->nsw; f++) {
        glia__experiment_value_text(json_object_get(json_object_get(cond, "values"), sh->swept[f]),
                                    num, sizeof(num));
        glia_strbuf_printf(b, ",%s", num);
    }
    if (sh->has_prune && int_of(r, "pruned_at") > 0)
        glia_strbuf_printf(b, ",%lld", (long long)int_of(r, "pruned_at"));
    else if (sh->has_prune)
        glia_strbuf_puts(b, ",");
    glia_strbuf_puts(b, "\n");
}

/* With a reference: after the runs, a blank line and a second table, one row per
 * condition against it, in the display texts of the results (as the Markdown prints). */
static void reference_csv(glia_strbuf_t *b, const json_t *doc)
{
    json_t *vsref = json_object_get(json_object_get(doc, "results"), "vs_reference");
    json_t *rows = json_object_get(vsref, "conditions");
    const char *name = json_string_value(json_object_get(doc, "name"));
    const char *ref = json_string_value(json_object_get(vsref, "reference"));

    if (!json_is_array(rows) || ref == NULL)
        return;
    glia_strbuf_puts(b, "\nexperiment,reference,condition,seeds,wins,ties,losses,mean_difference,"
                        "p_value,p_holm,mark,reward_queries_to_90,reward_queries_to_95\n");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *row = json_array_get(rows, i), *vs = json_object_get(row, "vs");
        glia_strbuf_printf(b, "%s,%s,%s,", name, ref,
                           json_string_value(json_object_get(row, "label")));
        if (json_is_object(vs))
            glia_strbuf_printf(b, "%lld,%lld,%lld,%lld,%s,%s,%s,%s", (long long)int_of(vs, "n"),
                               (long long)int_of(vs, "wins"), (long long)int_of(vs, "ties"),
                               (long long)int_of(vs, "losses"), text_at(vs, "mean_difference"),
                               text_at(vs, "p_value"), text_at(vs, "p_holm"),
                               json_is_true(json_object_get(vs, "better"))  ? "better"
                               : json_is_true(json_object_get(vs, "worse")) ? "worse"
                                                                            : "");
        else
            glia_strbuf_printf(b, "%lld,,,,,,,%s", (long long)int_of(row, "n"),
                               json_is_true(json_object_get(row, "reference")) ? "reference" : "");
        glia_strbuf_printf(b, ",%s,%s\n", text_at(row, "reward_queries_to_90"),
                           text_at(row, "reward_queries_to_95"));
    }
}

char *glia_experiment_report_csv(const json_t *doc, size_t *len)
{
    glia_strbuf_t b = {0};
    json_t *per_seed = json_object_get(json_object_get(doc, "results"), "per_seed");
    json_t *conds = json_object_get(doc, "conditions");
    json_t *config = json_object_get(json_array_get(conds, 0), "config");
    const char *name = json_string_value(json_object_get(doc, "name"));
    csv_shape_t sh;

    sh.npat = json_array_size(json_object_get(json_object_get(config, "task"), "patterns"));
    sh.nsw = doc_swept(doc, sh.swept);
    sh.has_prune = json_is_object(json_object_get(doc, "prune"));
    csv_header(&b, &sh);
    for (size_t k = 0; k < json_array_size(per_seed); k++) {
        json_t *row = json_array_get(per_seed, k);
        for (size_t i = 0; i < json_array_size(conds); i++) {
            json_t *cond = json_array_get(conds, i);
            const char *label = json_string_value(json_object_get(cond, "label"));
            json_t *r = json_object_get(json_object_get(row, "records"), label);
            if (json_is_object(r))
                csv_row(&b, &sh, name, cond, int_of(row, "seed"), r);
        }
    }
    reference_csv(&b, doc);
    return glia_strbuf_take(&b, len);
}
