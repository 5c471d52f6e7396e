/* experiment_stats.c: statistics over a document's records, the ranking, and the rungs
 * of successive halving.
 *
 * Everything is computed from doc["records"] alone, so the daemon and the offline
 * `gliad experiment` give the same results from the same runs. Comparisons count correct
 * output bits (integers, exact) rather than accuracies (sums of fractions, which differ in
 * the last bit with the summation order).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/experiment_internal.h"
#include "core/stats.h"

/* ---- per condition and per pair ---------------------------------------------------------- */

/* The record of (label, seed), borrowed, or NULL. */
static json_t *record_of(const json_t *doc, const char *label, json_int_t seed)
{
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)seed);
    return json_object_get(json_object_get(json_object_get(doc, "records"), label), key);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median over the seeds of `label` whose record has an integer `key` (e holds a
 * value per seed), how many they are in *n; null when none has. New reference. */
static json_t *seeds_median(const json_t *doc, const char *label, const char *key, double *e,
                            size_t *n)
{
    json_t *seeds = json_object_get(doc, "seeds");

    *n = 0;
    for (size_t k = 0; k < json_array_size(seeds); k++) {
        json_t *r = record_of(doc, label, json_integer_value(json_array_get(seeds, k)));
        if (json_is_integer(json_object_get(r, key)))
            e[(*n)++] = (double)json_integer_value(json_object_get(r, key));
    }
    if (*n == 0)
        return json_null();
    qsort(e, *n, sizeof(double), cmp_double);
    return json_real(*n % 2 ? e[*n / 2] : (e[*n / 2 - 1] + e[*n / 2]) / 2.0);
}

/* Per level: how many seeds reached it, and the median of their episodes (null when
 * none did). */
static json_t *reach_stats(const json_t *doc, const char *label)
{
    json_t *seeds = json_object_get(doc, "seeds"), *o = json_object();
    size_t ns = json_array_size(seeds);
    double *e = calloc(ns ? ns : 1, sizeof(double));

    if (e == NULL || o == NULL) {
        free(e);
        json_decref(o);
        return NULL;
    }
    for (size_t l = 0; l < GLIA__EXPERIMENT_N_LEVELS; l++) {
        char key[32];
        size_t n;
        json_t *median;
        snprintf(key, sizeof(key), "episodes_to_%s", glia__experiment_levels[l].key);
        median = seeds_median(doc, label, key, e, &n);
        json_object_set_new(
            o, glia__experiment_levels[l].key,
            json_pack("{s:I, s:o}", "seeds", (json_int_t)n, "median_episodes", median));
    }
    free(e);
    return o;
}

static json_t *condition_stats(const json_t *doc, const json_t *cond)
{
    const char *label = json_string_value(json_object_get(cond, "label"));
    json_t *seeds = json_object_get(doc, "seeds");
    size_t ns = json_array_size(seeds), n = 0, nrate = 0, npat = 0;
    double *acc = calloc(ns ? ns : 1, sizeof(double));
    double *rate = calloc(ns ? ns : 1, sizeof(double));
    double distinct = 0, *pat = NULL, lo, hi, blo, bhi, mn = 0.0, mx = 0.0;
    int constant = 0;
    json_int_t pruned_at = 0;
    json_t *o, *pj;

    if (acc == NULL || rate == NULL) {
        free(acc);
        free(rate);
        return NULL;
    }
    for (size_t k = 0; k < ns; k++) {
        json_t *r = record_of(doc, label, json_integer_value(json_array_get(seeds, k)));
        json_t *pa;
        if (r == NULL)
            continue;
        acc[n++] = json_number_value(json_object_get(r, "accuracy"));
        if (json_is_number(json_object_get(r, "accept_rate")))
            rate[nrate++] = json_number_value(json_object_get(r, "accept_rate"));
        distinct += (double)json_integer_value(json_object_get(r, "distinct_outputs"));
        if (json_integer_value(json_object_get(r, "pruned_at")) > pruned_at)
            pruned_at = json_integer_value(json_object_get(r, "pruned_at"));
        constant += json_is_true(json_object_get(r, "constant_output"));
        pa = json_object_get(r, "pattern_accuracy");
        if (pat == NULL) {
            npat = json_array_size(pa);
            pat = calloc(npat ? npat : 1, sizeof(double));
        }
        for (size_t p = 0; pat != NULL && p < npat && p < json_array_size(pa); p++)
            pat[p] += json_number_value(json_array_get(pa, p));
    }
    for (size_t i = 0; i < n; i++) {
        mn = i == 0 ? acc[i] : fmin(mn, acc[i]);
        mx = i == 0 ? acc[i] : fmax(mx, acc[i]);
    }
    glia_stats_ci95_t(acc, n, &lo, &hi);
    glia_stats_ci95_bootstrap(acc, n, GLIA_BOOTSTRAP_RESAMPLES, GLIA_BOOTSTRAP_SEED, &blo, &bhi);
    pj = json_array();
    for (size_t p = 0; pat != NULL && p < npat; p++)
        json_array_append_new(pj, json_real(n ? pat[p] / (double)n : 0.0));
    o = json_pack("{s:s, s:O?, s:I, s:f, s:f, s:f, s:f, s:{s:f, s:f, s:s}, "
                  "s:{s:f, s:f, s:s, s:i, s:I}, s:o, s:f, s:i, s:o}",
                  "label", label, "preset", json_object_get(cond, "preset"), "n", (json_int_t)n,
                  "mean_accuracy", glia_stats_mean(acc, n), "sd", glia_stats_sd(acc, n), "min", mn,
                  "max", mx, "ci95", "low", lo, "high", hi, "method", "t", "ci95_bootstrap", "low",
                  blo, "high", bhi, "method", "bootstrap-percentile", "resamples",
                  GLIA_BOOTSTRAP_RESAMPLES, "seed", (json_int_t)GLIA_BOOTSTRAP_SEED, "accept_rate",
                  nrate ? json_real(glia_stats_mean(rate, nrate)) : json_null(),
                  "mean_distinct_outputs", n ? distinct / (double)n : 0.0, "constant_output_seeds",
                  constant, "pattern_accuracy", pj);
    if (o != NULL && json_is_object(json_object_get(cond, "values")))
        json_object_set(o, "values", json_object_get(cond, "values"));
    if (o != NULL && pruned_at > 0)
        json_object_set_new(o, "pruned_at", json_integer(pruned_at));
    if (o != NULL)
        json_object_set_new(o, "episodes_to", reach_stats(doc, label));
    free(acc);
    free(rate);
    free(pat);
    return o;
}

static json_t *pair_stats(const json_t *doc, const char *a, const char *b)
{
    json_t *seeds = json_object_get(doc, "seeds");
    size_t ns = json_array_size(seeds), n = 0;
    double *x = calloc(ns ? ns : 1, sizeof(double)), *y = calloc(ns ? ns : 1, sizeof(double));
    int wins = 0, ties = 0, losses = 0, same_total = 1;
    double total = 1.0, frac = 0.0;
    glia_wilcoxon_t w;
    json_t *o;

    if (x == NULL || y == NULL) {
        free(x);
        free(y);
        return NULL;
    }
    for (size_t k = 0; k < ns; k++) {
        json_int_t seed = json_integer_value(json_array_get(seeds, k));
        json_t *ra = record_of(doc, a, seed), *rb = record_of(doc, b, seed);
        if (ra == NULL || rb == NULL)
            continue;
        /* Exact comparisons: correct bits are integers (see glia_experiment_record). Two
         * conditions on tasks of different sizes compare ca/ta with cb/tb as the
         * integers ca*tb and cb*ta. */
        {
            double ca = (double)json_integer_value(json_object_get(ra, "correct_bits"));
            double cb = (double)json_integer_value(json_object_get(rb, "correct_bits"));
            double ta = (double)json_integer_value(json_object_get(ra, "total_bits"));
            double tb = (double)json_integer_value(json_object_get(rb, "total_bits"));
            same_total &= ta == tb;
            x[n] = ta == tb ? ca : ca * tb;
            y[n] = ta == tb ? cb : cb * ta;
            total = ta;
            frac += (ta > 0 ? ca / ta : 0.0) - (tb > 0 ? cb / tb : 0.0);
        }
        wins += x[n] > y[n];
        ties += x[n] == y[n];
        losses += x[n] < y[n];
        n++;
    }
    glia_stats_wilcoxon(x, y, n, &w);
    {
        double diff = 0.0;
        for (size_t i = 0; i < n; i++)
            diff += x[i] - y[i];
        o = json_pack("{s:s, s:s, s:I, s:i, s:i, s:i, s:f, s:{s:f, s:f, s:i, s:f, s:b}, "
                      "s:{s:f}}",
                      "a", a, "b", b, "n", (json_int_t)n, "wins", wins, "ties", ties, "losses",
                      losses, "mean_difference",
                      !same_total ? (n ? frac / (double)n : 0.0)
                                  : (n && total > 0 ? diff / (double)n / total : 0.0),
                      "wilcoxon", "w_plus", w.w_plus, "w_minus", w.w_minus, "n_used", w.n_used,
                      "p_value", w.p_value, "exact", w.is_exact, "sign_test", "p_value",
                      glia_stats_sign_test(wins, losses));
    }
    free(x);
    free(y);
    return o;
}

/* ---- ranking ----------------------------------------------------------------------------- */

typedef struct rank_row {
    size_t cond; /* index in doc["conditions"] */
    const char *label;
    long long bits, total; /* correct and total bits over the condition's records */
    size_t n;
    json_int_t pruned_at; /* 0: ran to the end */
} rank_row_t;

/* Finished conditions first, best mean accuracy first; then pruned ones, the latest
 * pruned first; then conditions without a record. Ties keep condition order. Accuracy
 * is compared as correct bits / total bits (integers: exact; the same order as the mean
 * of per-run accuracies, which are that ratio up to rounding). */
static int rank_group(const rank_row_t *r)
{
    return r->n == 0 ? 2 : r->pruned_at > 0 ? 1 : 0;
}

static int cmp_rank(const void *pa, const void *pb)
{
    const rank_row_t *a = pa, *b = pb;
    int ga = rank_group(a), gb = rank_group(b);

    if (ga != gb)
        return ga - gb;
    if (ga == 1 && a->pruned_at != b->pruned_at)
        return a->pruned_at > b->pruned_at ? -1 : 1;
    if (ga < 2 && a->bits * b->total != b->bits * a->total)
        return a->bits * b->total > b->bits * a->total ? -1 : 1;
    return a->cond < b->cond ? -1 : a->cond > b->cond;
}

static int same_rank(const rank_row_t *a, const rank_row_t *b)
{
    int g = rank_group(a);
    if (g != rank_group(b))
        return 0;
    return g == 2 || (a->pruned_at == b->pruned_at && a->bits * b->total == b->bits * a->total);
}

/* One row per condition (its records' correct and total bits, how many, the latest
 * prune), in rank order. */
static void rank_rows(const json_t *doc, rank_row_t *rows)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    size_t nc = json_array_size(conds), ns = json_array_size(seeds);

    for (size_t i = 0; i < nc; i++) {
        rank_row_t *r = &rows[i];
        r->cond = i;
        r->label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        for (size_t k = 0; k < ns; k++) {
            json_t *rec = record_of(doc, r->label, json_integer_value(json_array_get(seeds, k)));
            if (rec == NULL)
                continue;
            r->n++;
            r->bits += json_integer_value(json_object_get(rec, "correct_bits"));
            r->total += json_integer_value(json_object_get(rec, "total_bits"));
            if (json_integer_value(json_object_get(rec, "pruned_at")) > r->pruned_at)
                r->pruned_at = json_integer_value(json_object_get(rec, "pruned_at"));
        }
    }
    qsort(rows, nc, sizeof(*rows), cmp_rank);
}

/* The best against row r on the seeds both ran: {n, wins, ties, losses, p_value} (new
 * reference, NULL on failure), the test in *w. x and y hold a value per seed. */
static json_t *vs_best(const json_t *doc, const rank_row_t *best, const rank_row_t *r, double *x,
                       double *y, glia_wilcoxon_t *w)
{
    json_t *seeds = json_object_get(doc, "seeds");
    size_t n = 0;
    int wins = 0, ties = 0, losses = 0;

    for (size_t k = 0; k < json_array_size(seeds); k++) {
        json_int_t seed = json_integer_value(json_array_get(seeds, k));
        json_t *ra = record_of(doc, best->label, seed), *rb = record_of(doc, r->label, seed);
        if (ra == NULL || rb == NULL)
            continue;
        x[n] = (double)json_integer_value(json_object_get(ra, "correct_bits"));
        y[n] = (double)json_integer_value(json_object_get(rb, "correct_bits"));
        wins += x[n] > y[n];
        ties += x[n] == y[n];
        losses += x[n] < y[n];
        n++;
    }
    if (glia_stats_wilcoxon(x, y, n, w) != 0)
        return NULL;
    return json_pack("{s:I, s:i, s:i, s:i, s:f}", "n", (json_int_t)n, "wins", wins, "ties", ties,
                     "losses", losses, "p_value", w->p_value);
}

/* The ranking entry of row r (its stats `st`, its condition `cond`); steals vs (the
 * comparison with the best, or NULL). New reference, NULL on OOM. */
static json_t *rank_entry(const rank_row_t *r, size_t rank, const json_t *st, const json_t *cond,
                          json_t *vs)
{
    /* The mean as correct bits / total bits: the mean of the runs' accuracies without
     * summation rounding, so tied conditions show the same number. */
    json_t *e =
        json_pack("{s:I, s:s, s:I, s:o?, s:O?, s:i}", "rank", (json_int_t)rank, "label", r->label,
                  "n", (json_int_t)r->n, "mean_accuracy",
                  r->n && r->total > 0 ? json_real((double)r->bits / (double)r->total) : NULL,
                  "ci95", r->n ? json_object_get(st, "ci95") : NULL, "constant_output_seeds",
                  (int)json_integer_value(json_object_get(st, "constant_output_seeds")));

    if (e == NULL) {
        json_decref(vs);
        return NULL;
    }
    if (json_is_object(json_object_get(cond, "values")))
        json_object_set(e, "values", json_object_get(cond, "values"));
    if (r->pruned_at > 0)
        json_object_set_new(e, "pruned_at", json_integer(r->pruned_at));
    json_object_set_new(e, "vs_best", vs ? vs : json_null());
    return e;
}

/* The conditions ranked, each finished one compared with the best on the same seeds:
 * exact paired Wilcoxon on correct bits, Holm-adjusted over those comparisons; "worse"
 * when the adjusted p is at most GLIA_SIGNIFICANCE and the best is ahead. */
static json_t *ranking(const json_t *doc, const json_t *stats)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    size_t nc = json_array_size(conds), ns = json_array_size(seeds), m = 0;
    rank_row_t *rows = calloc(nc ? nc : 1, sizeof(*rows));
    double *p = calloc(nc ? nc : 1, sizeof(double)), *x = calloc(ns ? ns : 1, sizeof(double));
    double *y = calloc(ns ? ns : 1, sizeof(double));
    json_t **cmp = calloc(nc ? nc : 1, sizeof(json_t *)), *out = json_array();
    int *ahead = calloc(nc ? nc : 1, sizeof(int)); /* the best has the larger rank sum */

    if (rows == NULL || p == NULL || x == NULL || y == NULL || cmp == NULL || ahead == NULL ||
        out == NULL)
        goto done;
    rank_rows(doc, rows);
    /* Compare every other finished condition with the best (rows[0] when finished):
     * rows 1..m, so p[i - 1] is row i's p value. */
    for (size_t i = 1; i < nc && rank_group(&rows[0]) == 0 && rank_group(&rows[i]) == 0; i++) {
        glia_wilcoxon_t w;
        if ((cmp[i] = vs_best(doc, &rows[0], &rows[i], x, y, &w)) == NULL)
            goto done;
        p[m++] = w.p_value;
        ahead[i] = w.w_plus > w.w_minus;
    }
    if (glia_stats_holm(p, m, p) != 0)
        goto done;
    for (size_t i = 1; i <= m; i++) {
        json_object_set_new(cmp[i], "p_holm", json_real(p[i - 1]));
        json_object_set_new(cmp[i], "worse",
                            json_boolean(ahead[i] && p[i - 1] <= GLIA_SIGNIFICANCE));
    }
    for (size_t i = 0, rank = 1; i < nc; i++) {
        const rank_row_t *r = &rows[i];
        json_t *e;
        /* Ties share a rank (1, 2, 2, 4): equal correct bits are equal accuracy. */
        if (i > 0 && !same_rank(&rows[i - 1], r))
            rank = i + 1;
        e = rank_entry(r, rank, json_array_get(stats, r->cond), json_array_get(conds, r->cond),
                       cmp[i]);
        cmp[i] = NULL;
        if (e == NULL)
            goto done;
        json_array_append_new(out, e);
    }
    if (json_array_size(out) == nc)
        goto ok;
done:
    json_decref(out);
    out = NULL;
ok:
    for (size_t i = 0; cmp != NULL && i < nc; i++)
        json_decref(cmp[i]);
    free(rows);
    free(p);
    free(x);
    free(y);
    free(cmp);
    free(ahead);
    return out;
}

/* ---- against the reference condition ------------------------------------------------------ */

/* The levels whose reward queries the comparison with the reference reports. */
static const char *const query_levels[] = {"90", "95"};
#define N_QUERY_LEVELS (sizeof(query_levels) / sizeof(query_levels[0]))

/* One row of vs_reference without its comparison: the label, the seeds with a record,
 * and per level the seeds whose run reached it and the median of their reward queries
 * when they first did (null when none did). New reference, NULL on OOM. */
static json_t *reference_row(const json_t *doc, const char *label, double *e)
{
    json_t *seeds = json_object_get(doc, "seeds"), *to = json_object();
    json_int_t runs = 0;

    for (size_t k = 0; k < json_array_size(seeds); k++)
        runs += record_of(doc, label, json_integer_value(json_array_get(seeds, k))) != NULL;
    for (size_t l = 0; to != NULL && l < N_QUERY_LEVELS; l++) {
        char key[40];
        size_t n;
        json_t *median;
        snprintf(key, sizeof(key), "reward_queries_to_%s", query_levels[l]);
        median = seeds_median(doc, label, key, e, &n);
        json_object_set_new(
            to, query_levels[l],
            json_pack("{s:I, s:o}", "seeds", (json_int_t)n, "median_reward_queries", median));
    }
    return json_pack("{s:s, s:I, s:o}", "label", label, "n", runs, "reward_queries_to", to);
}

/* Every condition against doc["reference"] (NULL when the document has none, or it names
 * no condition): {"reference", "conditions": [row per condition, in condition order]};
 * each other condition's row has "vs", the paired comparison on the seeds both ran
 * (pair_stats: wins, ties and losses from the condition's side, the mean difference
 * condition minus reference, the exact Wilcoxon p), Holm-adjusted over these comparisons,
 * "better" or "worse" when the adjusted p is at most GLIA_SIGNIFICANCE, the side by
 * W+ against W-. New reference. */
static json_t *vs_reference(const json_t *doc)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    const char *ref = json_string_value(json_object_get(doc, "reference"));
    size_t nc = json_array_size(conds), ns = json_array_size(seeds), m = 0, found = 0;
    double *p = calloc(nc ? nc : 1, sizeof(double)), *e = calloc(ns ? ns : 1, sizeof(double));
    json_t **vs = calloc(nc ? nc : 1, sizeof(json_t *)), *rows = json_array(), *out = NULL;

    for (size_t i = 0; ref != NULL && i < nc; i++)
        found +=
            strcmp(json_string_value(json_object_get(json_array_get(conds, i), "label")), ref) == 0;
    if (found != 1 || p == NULL || e == NULL || vs == NULL || rows == NULL)
        goto done;
    for (size_t i = 0; i < nc; i++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        json_t *w;
        if (strcmp(label, ref) == 0)
            continue;
        if ((vs[i] = pair_stats(doc, label, ref)) == NULL)
            goto done;
        if (json_integer_value(json_object_get(vs[i], "n")) == 0) {
            json_decref(vs[i]); /* no seed in common: nothing to compare */
            vs[i] = NULL;
            continue;
        }
        w = json_object_get(vs[i], "wilcoxon");
        p[m++] = json_number_value(json_object_get(w, "p_value"));
    }
    if (glia_stats_holm(p, m, p) != 0)
        goto done;
    for (size_t i = 0, j = 0; i < nc; i++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        json_t *row = reference_row(doc, label, e), *w = json_object_get(vs[i], "wilcoxon");
        if (row == NULL)
            goto done;
        if (vs[i] != NULL) {
            int ahead = json_number_value(json_object_get(w, "w_plus")) >
                        json_number_value(json_object_get(w, "w_minus"));
            int behind = json_number_value(json_object_get(w, "w_plus")) <
                         json_number_value(json_object_get(w, "w_minus"));
            int significant = p[j] <= GLIA_SIGNIFICANCE;
            json_object_set_new(vs[i], "p_holm", json_real(p[j++]));
            json_object_set_new(vs[i], "better", json_boolean(significant && ahead));
            json_object_set_new(vs[i], "worse", json_boolean(significant && behind));
        }
        if (strcmp(label, ref) == 0)
            json_object_set_new(row, "reference", json_true());
        else
            json_object_set_new(row, "vs", vs[i] ? vs[i] : json_null());
        vs[i] = NULL;
        json_array_append_new(rows, row);
    }
    out = json_pack("{s:s, s:f, s:O}", "reference", ref, "alpha", GLIA_SIGNIFICANCE, "conditions",
                    rows);
done:
    for (size_t i = 0; vs != NULL && i < nc; i++)
        json_decref(vs[i]);
    json_decref(rows);
    free(p);
    free(e);
    free(vs);
    return out;
}

/* ---- display text ------------------------------------------------------------------------ */

void glia__experiment_pct_text(const json_t *v, char *out, size_t size)
{
    if (json_is_number(v))
        snprintf(out, size, "%.1f%%", 100.0 * json_number_value(v));
    else
        snprintf(out, size, "N/A");
}

void glia__experiment_signed_pct_text(double v, char *out, size_t size)
{
    snprintf(out, size, "%+.1f%%", 100.0 * v);
}

void glia__experiment_interval_text(const json_t *ci, char *out, size_t size)
{
    char lo[32], hi[32];
    glia__experiment_pct_text(json_object_get(ci, "low"), lo, sizeof(lo));
    glia__experiment_pct_text(json_object_get(ci, "high"), hi, sizeof(hi));
    snprintf(out, size, "[%s, %s]", lo, hi);
}

void glia__experiment_p_text(double p, char *out, size_t size)
{
    if (p < 0.001)
        snprintf(out, size, "< 0.001");
    else
        snprintf(out, size, "%.3f", p);
}

void glia__experiment_queries_text(const json_t *v, char *out, size_t size)
{
    double q = json_number_value(v);
    if (!json_is_number(v))
        snprintf(out, size, "-");
    else if (q == floor(q))
        snprintf(out, size, "%.0f", q);
    else
        snprintf(out, size, "%.1f", q);
}

static json_t *pct_json(const json_t *v)
{
    char text[32];
    glia__experiment_pct_text(v, text, sizeof(text));
    return json_string(text);
}

static json_t *interval_json(const json_t *ci)
{
    char text[80]; /* "[" + two percent texts of up to 31 + ", " + "]" */
    glia__experiment_interval_text(ci, text, sizeof(text));
    return json_string(text);
}

static json_t *p_json(const json_t *p)
{
    char text[32];
    glia__experiment_p_text(json_number_value(p), text, sizeof(text));
    return json_string(text);
}

static json_t *fixed1_json(const json_t *v)
{
    char text[32];
    snprintf(text, sizeof(text), "%.1f", json_number_value(v));
    return json_string(text);
}

/* Reward queries to a level ({seeds, median_reward_queries}) of a condition with `runs`
 * records: "12340 (7/10)", the median then how many seeds reached it; "- (0/10)". */
static json_t *queries_to_json(const json_t *lv, json_int_t runs)
{
    char text[80], median[40];
    glia__experiment_queries_text(json_object_get(lv, "median_reward_queries"), median,
                                  sizeof(median));
    snprintf(text, sizeof(text), "%s (%lld/%lld)", median,
             (long long)json_integer_value(json_object_get(lv, "seeds")), (long long)runs);
    return json_string(text);
}

/* The texts of vs_reference: each row's reward queries to 90% and 95%
 * ("reward_queries_to_90"), each comparison's mean difference, p and Holm p. */
static void add_reference_texts(json_t *vsref)
{
    size_t i;
    json_t *row;

    json_array_foreach(json_object_get(vsref, "conditions"), i, row)
    {
        json_t *t = json_object(), *vs = json_object_get(row, "vs");
        json_int_t runs = json_integer_value(json_object_get(row, "n"));
        for (size_t l = 0; l < N_QUERY_LEVELS; l++) {
            char key[40];
            snprintf(key, sizeof(key), "reward_queries_to_%s", query_levels[l]);
            json_object_set_new(
                t, key,
                queries_to_json(
                    json_object_get(json_object_get(row, "reward_queries_to"), query_levels[l]),
                    runs));
        }
        json_object_set_new(row, "text", t);
        if (json_is_object(vs)) {
            char diff[32];
            glia__experiment_signed_pct_text(
                json_number_value(json_object_get(vs, "mean_difference")), diff, sizeof(diff));
            json_object_set_new(
                vs, "text",
                json_pack("{s:s, s:o, s:o}", "mean_difference", diff, "p_value",
                          p_json(json_object_get(json_object_get(vs, "wilcoxon"), "p_value")),
                          "p_holm", p_json(json_object_get(vs, "p_holm"))));
        }
    }
}

/* Each statistic's display text beside it, under "text" (results.conditions[].text,
 * .ranking[].text and .vs_best.text, .pairwise[].text, .wilcoxon.text, .sign_test.text,
 * .per_seed[].text by label, .vs_reference.conditions[].text and .vs.text). A ranking row shows its
 * condition's mean accuracy: one number, one text (the ranking orders by correct bits, which can
 * differ from the mean of the runs' accuracies in the last bit and so, at a rounding edge, in the
 * digit). */
static void add_texts(json_t *res)
{
    json_t *conds = json_object_get(res, "conditions"), *rank = json_object_get(res, "ranking");
    json_t *pairs = json_object_get(res, "pairwise"), *per_seed = json_object_get(res, "per_seed");
    size_t i, k;
    json_t *c, *e, *p, *row;

    json_array_foreach(conds, i, c)
    {
        json_t *t = json_object(), *pa = json_array(), *v;
        json_array_foreach(json_object_get(c, "pattern_accuracy"), k, v)
            json_array_append_new(pa, pct_json(v));
        json_object_set_new(t, "mean_accuracy", pct_json(json_object_get(c, "mean_accuracy")));
        json_object_set_new(t, "ci95", interval_json(json_object_get(c, "ci95")));
        json_object_set_new(t, "ci95_bootstrap",
                            interval_json(json_object_get(c, "ci95_bootstrap")));
        json_object_set_new(t, "sd", pct_json(json_object_get(c, "sd")));
        json_object_set_new(t, "min", pct_json(json_object_get(c, "min")));
        json_object_set_new(t, "max", pct_json(json_object_get(c, "max")));
        json_object_set_new(t, "accept_rate", pct_json(json_object_get(c, "accept_rate")));
        json_object_set_new(t, "mean_distinct_outputs",
                            fixed1_json(json_object_get(c, "mean_distinct_outputs")));
        json_object_set_new(t, "pattern_accuracy", pa);
        json_object_set_new(c, "text", t);
    }
    json_array_foreach(rank, i, e)
    {
        const char *label = json_string_value(json_object_get(e, "label"));
        json_t *t = json_object(), *vs = json_object_get(e, "vs_best"), *mine = NULL;
        json_array_foreach(conds, k, c)
        {
            if (label != NULL && json_is_string(json_object_get(c, "label")) &&
                strcmp(json_string_value(json_object_get(c, "label")), label) == 0)
                mine = json_object_get(c, "text");
        }
        if (json_is_number(json_object_get(e, "mean_accuracy")) && mine != NULL)
            json_object_set(t, "mean_accuracy", json_object_get(mine, "mean_accuracy"));
        if (json_is_object(json_object_get(e, "ci95")))
            json_object_set_new(t, "ci95", interval_json(json_object_get(e, "ci95")));
        json_object_set_new(e, "text", t);
        if (json_is_object(vs))
            json_object_set_new(vs, "text",
                                json_pack("{s:o, s:o}", "p_value",
                                          p_json(json_object_get(vs, "p_value")), "p_holm",
                                          p_json(json_object_get(vs, "p_holm"))));
    }
    json_array_foreach(pairs, i, p)
    {
        json_t *w = json_object_get(p, "wilcoxon"), *sign = json_object_get(p, "sign_test");
        char diff[32];
        glia__experiment_signed_pct_text(json_number_value(json_object_get(p, "mean_difference")),
                                         diff, sizeof(diff));
        json_object_set_new(p, "text", json_pack("{s:s}", "mean_difference", diff));
        json_object_set_new(w, "text",
                            json_pack("{s:o, s:o, s:o}", "p_value",
                                      p_json(json_object_get(w, "p_value")), "w_plus",
                                      fixed1_json(json_object_get(w, "w_plus")), "w_minus",
                                      fixed1_json(json_object_get(w, "w_minus"))));
        json_object_set_new(
            sign, "text", json_pack("{s:o}", "p_value", p_json(json_object_get(sign, "p_value"))));
    }
    json_array_foreach(per_seed, i, row)
    {
        json_t *t = json_object(), *r;
        const char *label;
        json_object_foreach(json_object_get(row, "records"), label, r)
        {
            if (json_is_object(r))
                json_object_set_new(t, label, pct_json(json_object_get(r, "accuracy")));
        }
        json_object_set_new(row, "text", t);
    }
    if (json_is_object(json_object_get(res, "vs_reference")))
        add_reference_texts(json_object_get(res, "vs_reference"));
}

json_t *glia_experiment_results(const json_t *doc)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    json_t *per_cond = json_array(), *pairs = json_array(), *per_seed = json_array(), *res;

    for (size_t i = 0; i < json_array_size(conds); i++)
        json_array_append_new(per_cond, condition_stats(doc, json_array_get(conds, i)));
    /* Every pair up to GLIA_PAIRWISE_MAX conditions; a sweep's ranking compares each
     * condition with the best instead of n^2 / 2 pairs. */
    for (size_t i = 0; json_array_size(conds) <= GLIA_PAIRWISE_MAX && i < json_array_size(conds);
         i++) {
        for (size_t j = i + 1; j < json_array_size(conds); j++)
            json_array_append_new(
                pairs,
                pair_stats(doc,
                           json_string_value(json_object_get(json_array_get(conds, i), "label")),
                           json_string_value(json_object_get(json_array_get(conds, j), "label"))));
    }
    for (size_t k = 0; k < json_array_size(seeds); k++) {
        json_int_t seed = json_integer_value(json_array_get(seeds, k));
        json_t *recs = json_object();
        for (size_t i = 0; i < json_array_size(conds); i++) {
            const char *label =
                json_string_value(json_object_get(json_array_get(conds, i), "label"));
            json_t *r = record_of(doc, label, seed);
            json_object_set(recs, label, r ? r : json_null());
        }
        json_array_append_new(per_seed, json_pack("{s:I, s:o}", "seed", seed, "records", recs));
    }
    res = json_pack("{s:o, s:o*, s:o, s:o}", "conditions", per_cond, "ranking",
                    ranking(doc, per_cond), "pairwise", pairs, "per_seed", per_seed);
    /* only with a reference: the results of other studies stay as they were */
    if (res != NULL && json_is_string(json_object_get(doc, "reference")))
        json_object_set_new(res, "vs_reference", vs_reference(doc));
    if (res != NULL)
        add_texts(res);
    return res;
}

/* ---- pruning rungs ----------------------------------------------------------------------- */

typedef struct rung_row {
    int index;
    long long bits, total;
} rung_row_t;

static int cmp_rung(const void *pa, const void *pb)
{
    const rung_row_t *a = pa, *b = pb;
    /* bits/total compared exactly, as integers; a condition without bits comes last */
    long long x = a->bits * (b->total > 0 ? b->total : 1),
              y = b->bits * (a->total > 0 ? a->total : 1);

    if ((a->total > 0) != (b->total > 0))
        return a->total > 0 ? -1 : 1;
    if (x != y)
        return x > y ? -1 : 1;
    return a->index - b->index;
}

int glia_experiment_prune_rung(int n, const long long *bits, const long long *total,
                               double keep_fraction, int *keep)
{
    rung_row_t *rows = malloc((size_t)(n > 0 ? n : 1) * sizeof(*rows));
    double want = keep_fraction * n;
    int kept = (int)want;

    if (rows == NULL)
        return GLIA_ENOMEM;
    /* ceil, without turning 0.3 * 10 = 3.0000000000000004 into 4 */
    if (want - kept > 1e-9)
        kept++;
    if (kept < 1)
        kept = 1;
    if (kept > n)
        kept = n;
    for (int i = 0; i < n; i++) {
        rows[i].index = i;
        rows[i].bits = bits[i];
        rows[i].total = total[i];
    }
    qsort(rows, (size_t)n, sizeof(*rows), cmp_rung);
    for (int i = 0; i < n; i++)
        keep[rows[i].index] = i < kept;
    free(rows);
    return kept;
}
