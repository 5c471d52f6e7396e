/* experiment_json.c: experiment specs, records, statistics and reports. */
#include "experiment_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/stats.h"
#include "config_json.h"
#include "requests.h"
#include "json_write.h"
#include "result_json.h"
#include "strbuf.h"

static int label_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > GLIA_LABEL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '_' || c == '-'))))
            return 0;
    }
    return 1;
}

static int parse_seeds(const json_t *v, glia_experiment_spec_t *spec, glia_error_t *err)
{
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        if (n < 1 || n > GLIA_MAX_SEEDS)
            return glia_error_set(err, GLIA_EINVAL, "/seeds", "needs 1 to %d seeds", GLIA_MAX_SEEDS);
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(v, i);
            char ptr[32];
            snprintf(ptr, sizeof(ptr), "/seeds/%zu", i);
            if (!json_is_integer(s) || json_integer_value(s) < 0 ||
                json_integer_value(s) > UINT32_MAX)
                return glia_error_set(err, GLIA_EINVAL, ptr, "must be an integer in [0, 4294967295]");
            spec->seeds[i] = (uint32_t)json_integer_value(s);
            for (size_t k = 0; k < i; k++) {
                if (spec->seeds[k] == spec->seeds[i])
                    return glia_error_set(err, GLIA_EINVAL, ptr, "seed %u is listed twice",
                                          spec->seeds[i]);
            }
        }
        spec->n_seeds = (int)n;
        return 0;
    }
    if (json_is_object(v)) {
        static const char *const known[] = {"count", "base", NULL};
        json_t *count = json_object_get(v, "count"), *base = json_object_get(v, "base");
        json_int_t b = 1;
        int rc;
        if ((rc = glia_json_only_known(v, known, "/seeds", err)) != 0)
            return rc;
        if (!json_is_integer(count) || json_integer_value(count) < 1 ||
            json_integer_value(count) > GLIA_MAX_SEEDS)
            return glia_error_set(err, GLIA_EINVAL, "/seeds/count", "must be an integer in [1, %d]",
                                  GLIA_MAX_SEEDS);
        if (base != NULL) {
            if (!json_is_integer(base) || json_integer_value(base) < 0 ||
                json_integer_value(base) > UINT32_MAX)
                return glia_error_set(err, GLIA_EINVAL, "/seeds/base",
                                      "must be an integer in [0, 4294967295]");
            b = json_integer_value(base);
        }
        if (b + json_integer_value(count) - 1 > UINT32_MAX)
            return glia_error_set(err, GLIA_EINVAL, "/seeds/base", "base + count - 1 exceeds 4294967295");
        spec->n_seeds = (int)json_integer_value(count);
        for (int i = 0; i < spec->n_seeds; i++)
            spec->seeds[i] = (uint32_t)(b + i);
        return 0;
    }
    return glia_error_set(err, GLIA_EINVAL, "/seeds",
                          "must be an array of seeds or {\"count\": n, \"base\": s}");
}

int glia_experiment_parse(const json_t *body, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known[] = {"name", "description", "conditions", "seeds", "episodes", NULL};
    static const char *const known_cond[] = {"label", "preset", "config", NULL};
    const json_t *v, *conds;
    int rc;

    memset(spec, 0, sizeof(*spec));
    if (!json_is_object(body))
        return glia_error_set(err, GLIA_EINVAL, "", "the body must be a JSON object");
    if ((rc = glia_json_only_known(body, known, "", err)) != 0)
        return rc;
    v = json_object_get(body, "name");
    if (!json_is_string(v) || !glia_name_valid(json_string_value(v)))
        return glia_error_set(err, GLIA_EINVAL, "/name",
                              "required: a name matching [a-z0-9][a-z0-9._-]{0,63}");
    snprintf(spec->name, sizeof(spec->name), "%s", json_string_value(v));
    if (strcmp(spec->name, "templates") == 0)
        return glia_error_set(err, GLIA_EINVAL, "/name",
                              "\"templates\" is reserved (GET /v1/experiments/templates)");
    v = json_object_get(body, "description");
    if (v != NULL && (!json_is_string(v) || json_string_length(v) > 1000))
        return glia_error_set(err, GLIA_EINVAL, "/description", "must be a string of at most 1000 bytes");
    v = json_object_get(body, "episodes");
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > GLIA_MAX_EXPERIMENT_EPISODES)
        return glia_error_set(err, GLIA_EINVAL, "/episodes", "required: an integer in [1, %d]",
                              GLIA_MAX_EXPERIMENT_EPISODES);
    spec->episodes = (uint64_t)json_integer_value(v);
    if ((v = json_object_get(body, "seeds")) == NULL)
        return glia_error_set(err, GLIA_EINVAL, "/seeds", "required: [seeds] or {\"count\": n}");
    if ((rc = parse_seeds(v, spec, err)) != 0)
        return rc;

    conds = json_object_get(body, "conditions");
    if (!json_is_array(conds) || json_array_size(conds) < 1 ||
        json_array_size(conds) > GLIA_MAX_CONDITIONS)
        return glia_error_set(err, GLIA_EINVAL, "/conditions",
                              "required: an array of 1 to %d conditions", GLIA_MAX_CONDITIONS);
    for (size_t i = 0; i < json_array_size(conds); i++) {
        json_t *c = json_array_get(conds, i), *label, *preset, *cfg;
        glia_condition_t *cond = &spec->conditions[i];
        char base[48], pp[64], cp[64], lp[64];
        const glia_preset_info_t *info = NULL;

        snprintf(base, sizeof(base), "/conditions/%zu", i);
        snprintf(pp, sizeof(pp), "%s/preset", base);
        snprintf(cp, sizeof(cp), "%s/config", base);
        snprintf(lp, sizeof(lp), "%s/label", base);
        if (!json_is_object(c))
            return glia_error_set(err, GLIA_EINVAL, base, "must be {\"label\", \"preset\"?, \"config\"?}");
        if ((rc = glia_json_only_known(c, known_cond, base, err)) != 0)
            return rc;
        label = json_object_get(c, "label");
        if (!json_is_string(label) || !label_valid(json_string_value(label)))
            return glia_error_set(err, GLIA_EINVAL, lp,
                                  "required: a label matching [a-z0-9][a-z0-9_-]{0,23}");
        snprintf(cond->label, sizeof(cond->label), "%s", json_string_value(label));
        for (size_t k = 0; k < i; k++) {
            if (strcmp(spec->conditions[k].label, cond->label) == 0)
                return glia_error_set(err, GLIA_EINVAL, lp, "label \"%s\" is used twice", cond->label);
        }
        preset = json_object_get(c, "preset");
        if (preset != NULL) {
            if (!json_is_string(preset) || (info = glia_preset_find(json_string_value(preset))) == NULL)
                return glia_error_set(err, GLIA_EINVAL, pp, "unknown preset; GET /v1/presets lists them");
            snprintf(cond->preset, sizeof(cond->preset), "%s", info->name);
        }
        cfg = json_object_get(c, "config");
        if (cfg != NULL && !json_is_object(cfg))
            return glia_error_set(err, GLIA_EINVAL, cp, "must be an object");
        if (glia_config_resolve(&cond->config, info ? info->name : NULL, pp, cfg, cp, err) != 0)
            return GLIA_EINVAL;
    }
    spec->n_conditions = (int)json_array_size(conds);

    /* Every session name must fit. */
    for (int i = 0; i < spec->n_conditions; i++) {
        for (int k = 0; k < spec->n_seeds; k++) {
            char name[128];
            snprintf(name, sizeof(name), "%s.%s.%u", spec->name, spec->conditions[i].label,
                     spec->seeds[k]);
            if (strlen(name) > GLIA_NAME_MAX)
                return glia_error_set(err, GLIA_EINVAL, "/name",
                                      "too long: session name \"%s\" exceeds %d characters",
                                      name, GLIA_NAME_MAX);
        }
    }
    return 0;
}

json_t *glia_experiment_doc_new(const glia_experiment_spec_t *spec)
{
    json_t *seeds = json_array(), *conds = json_array();

    for (int k = 0; k < spec->n_seeds; k++)
        json_array_append_new(seeds, json_integer(spec->seeds[k]));
    for (int i = 0; i < spec->n_conditions; i++) {
        const glia_condition_t *c = &spec->conditions[i];
        json_array_append_new(conds, json_pack("{s:s, s:s?, s:o}", "label", c->label, "preset",
                                               c->preset[0] ? c->preset : NULL, "config",
                                               glia_config_to_json(&c->config)));
    }
    return json_pack("{s:s, s:I, s:o, s:o, s:o}", "name", spec->name, "episodes",
                     (json_int_t)spec->episodes, "seeds", seeds, "conditions", conds, "records",
                     json_object());
}

int glia_experiment_spec_from_doc(const json_t *doc, glia_experiment_spec_t *spec,
                                  glia_error_t *err)
{
    json_t *conds = json_object_get(doc, "conditions");
    json_t *seeds = json_object_get(doc, "seeds");

    memset(spec, 0, sizeof(*spec));
    if (!json_is_string(json_object_get(doc, "name")) || !json_is_array(conds) ||
        !json_is_array(seeds) || json_array_size(conds) > GLIA_MAX_CONDITIONS ||
        json_array_size(seeds) > GLIA_MAX_SEEDS)
        return glia_error_set(err, GLIA_EINVAL, "", "not an experiment document");
    snprintf(spec->name, sizeof(spec->name), "%s", json_string_value(json_object_get(doc, "name")));
    spec->episodes = (uint64_t)json_integer_value(json_object_get(doc, "episodes"));
    spec->n_seeds = (int)json_array_size(seeds);
    for (int k = 0; k < spec->n_seeds; k++)
        spec->seeds[k] = (uint32_t)json_integer_value(json_array_get(seeds, (size_t)k));
    spec->n_conditions = (int)json_array_size(conds);
    for (int i = 0; i < spec->n_conditions; i++) {
        json_t *c = json_array_get(conds, (size_t)i);
        glia_condition_t *cond = &spec->conditions[i];
        snprintf(cond->label, sizeof(cond->label), "%s", json_string_value(json_object_get(c, "label")));
        if (json_is_string(json_object_get(c, "preset")))
            snprintf(cond->preset, sizeof(cond->preset), "%s",
                     json_string_value(json_object_get(c, "preset")));
        glia_config_default(&cond->config);
        if (glia_config_apply_json(&cond->config, json_object_get(c, "config"), "", err) != 0)
            return GLIA_EINVAL;
    }
    return 0;
}

void glia_experiment_session_name(const char *experiment, const char *label, uint32_t seed,
                                  char *out, size_t size)
{
    /* glia_experiment_parse checked that every such name fits GLIA_NAME_MAX. */
    if (snprintf(out, size, "%s.%s.%u", experiment, label, seed) >= (int)size)
        out[size - 1] = '\0';
}

json_t *glia_experiment_record(glia_session_t *s)
{
    glia_inference_t inf;
    glia_counters_t k;
    uint64_t decisions;
    json_t *pacc = json_array();

    const glia_config_t *cfg = glia_session_config(s);
    int correct = 0;

    glia_session_inference(s, &inf);
    glia_session_counters(s, &k);
    decisions = k.accepted + k.rejected;
    for (int i = 0; i < inf.count; i++) {
        uint64_t same = ~(inf.outputs[i] ^ cfg->task.patterns[i].target);
        json_array_append_new(pacc, json_real(inf.accuracy[i]));
        for (int b = 0; b < inf.width; b++)
            correct += (int)((same >> b) & 1);
    }
    /* correct_bits is what comparisons use: two runs with the same number of correct
     * bits can have mean accuracies that differ in the last bit (summation order). */
    return json_pack("{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:o, s:i, s:b, s:o, s:o}", "seed",
                     (json_int_t)glia_session_seed(s), "episodes", (json_int_t)k.episodes,
                     "accuracy", inf.mean_accuracy, "correct_bits", correct, "total_bits",
                     inf.count * inf.width, "accepted", (json_int_t)k.accepted,
                     "rejected", (json_int_t)k.rejected, "accept_rate",
                     decisions ? json_real((double)k.accepted / (double)decisions) : json_null(),
                     "distinct_outputs", inf.distinct_outputs, "constant_output",
                     inf.constant_output, "outputs", glia_outputs_to_json(&inf),
                     "pattern_accuracy", pacc);
}

/* The record of (label, seed), borrowed, or NULL. */
static json_t *record_of(const json_t *doc, const char *label, json_int_t seed)
{
    char key[24];
    snprintf(key, sizeof(key), "%lld", (long long)seed);
    return json_object_get(json_object_get(json_object_get(doc, "records"), label), key);
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
    o = json_pack("{s:s, s:O, s:I, s:f, s:f, s:f, s:f, s:{s:f, s:f, s:s}, "
                  "s:{s:f, s:f, s:s, s:i, s:I}, s:o, s:f, s:i, s:o}",
                  "label", label, "preset", json_object_get(cond, "preset"), "n", (json_int_t)n,
                  "mean_accuracy", glia_stats_mean(acc, n), "sd", glia_stats_sd(acc, n), "min",
                  mn, "max", mx, "ci95", "low", lo, "high", hi,
                  "method", "t", "ci95_bootstrap", "low", blo, "high", bhi, "method",
                  "bootstrap-percentile", "resamples", GLIA_BOOTSTRAP_RESAMPLES, "seed",
                  (json_int_t)GLIA_BOOTSTRAP_SEED, "accept_rate",
                  nrate ? json_real(glia_stats_mean(rate, nrate)) : json_null(),
                  "mean_distinct_outputs", n ? distinct / (double)n : 0.0,
                  "constant_output_seeds", constant, "pattern_accuracy", pj);
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
    int wins = 0, ties = 0, losses = 0;
    double total = 1.0;
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
        /* Exact comparisons: correct bits are integers (see glia_experiment_record). */
        x[n] = (double)json_integer_value(json_object_get(ra, "correct_bits"));
        y[n] = (double)json_integer_value(json_object_get(rb, "correct_bits"));
        total = (double)json_integer_value(json_object_get(ra, "total_bits"));
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
                      losses, "mean_difference", n && total > 0 ? diff / (double)n / total : 0.0, "wilcoxon",
                      "w_plus", w.w_plus, "w_minus", w.w_minus, "n_used", w.n_used, "p_value",
                      w.p_value, "exact", w.is_exact, "sign_test", "p_value",
                      glia_stats_sign_test(wins, losses));
    }
    free(x);
    free(y);
    return o;
}

json_t *glia_experiment_results(const json_t *doc)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    json_t *per_cond = json_array(), *pairs = json_array(), *per_seed = json_array();

    for (size_t i = 0; i < json_array_size(conds); i++)
        json_array_append_new(per_cond, condition_stats(doc, json_array_get(conds, i)));
    for (size_t i = 0; i < json_array_size(conds); i++) {
        for (size_t j = i + 1; j < json_array_size(conds); j++)
            json_array_append_new(
                pairs, pair_stats(doc, json_string_value(json_object_get(json_array_get(conds, i), "label")),
                                  json_string_value(json_object_get(json_array_get(conds, j), "label"))));
    }
    for (size_t k = 0; k < json_array_size(seeds); k++) {
        json_int_t seed = json_integer_value(json_array_get(seeds, k));
        json_t *recs = json_object();
        for (size_t i = 0; i < json_array_size(conds); i++) {
            const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
            json_t *r = record_of(doc, label, seed);
            json_object_set(recs, label, r ? r : json_null());
        }
        json_array_append_new(per_seed, json_pack("{s:I, s:o}", "seed", seed, "records", recs));
    }
    return json_pack("{s:o, s:o, s:o}", "conditions", per_cond, "pairwise", pairs, "per_seed",
                     per_seed);
}

/* ---- reports ------------------------------------------------------------------------ */

static void pct(glia_strbuf_t *b, const json_t *v)
{
    if (json_is_number(v))
        glia_strbuf_printf(b, "%.1f%%", 100.0 * json_number_value(v));
    else
        glia_strbuf_puts(b, "N/A");
}

static const char *pvalue(double p, char *buf, size_t size)
{
    if (p < 0.001)
        snprintf(buf, size, "< 0.001");
    else
        snprintf(buf, size, "%.3f", p);
    return buf;
}

/* "| <lead> | label1 | label2 |" and its separator row; `lead` holds the leading
 * column titles separated by " | ". */
static void table_head(glia_strbuf_t *b, const json_t *cs, const char *lead, int lead_cols)
{
    glia_strbuf_printf(b, "| %s |", lead);
    for (size_t i = 0; i < json_array_size(cs); i++)
        glia_strbuf_printf(b, " %s |", json_string_value(json_object_get(json_array_get(cs, i), "label")));
    glia_strbuf_puts(b, "\n|");
    for (size_t i = 0; i < json_array_size(cs) + (size_t)lead_cols; i++)
        glia_strbuf_puts(b, "---|");
    glia_strbuf_puts(b, "\n");
}

char *glia_experiment_report_md(const json_t *doc, size_t *len)
{
    glia_strbuf_t b = {0};
    json_t *res = json_object_get(doc, "results");
    json_t *cs = json_object_get(res, "conditions"), *pairs = json_object_get(res, "pairwise");
    json_t *seeds = json_object_get(doc, "seeds"), *conds = json_object_get(doc, "conditions");
    size_t nc = json_array_size(cs);
    char pbuf[32];

    glia_strbuf_printf(&b, "# Experiment %s\n\n", json_string_value(json_object_get(doc, "name")));
    glia_strbuf_printf(&b, "%zu conditions x %zu seeds, %lld episodes each. State: %s.\n\nSeeds:",
                       nc, json_array_size(seeds),
                       (long long)json_integer_value(json_object_get(doc, "episodes")),
                       json_is_string(json_object_get(doc, "state"))
                           ? json_string_value(json_object_get(doc, "state")) : "completed");
    for (size_t k = 0; k < json_array_size(seeds); k++)
        glia_strbuf_printf(&b, " %lld", (long long)json_integer_value(json_array_get(seeds, k)));
    glia_strbuf_puts(&b, ".\n\n");

    table_head(&b, cs, "Metric", 1);

#define ROW(title, body)                                                                       \
    do {                                                                                       \
        glia_strbuf_puts(&b, "| " title " |");                                                 \
        for (size_t i = 0; i < nc; i++) {                                                      \
            json_t *c = json_array_get(cs, i);                                                 \
            glia_strbuf_puts(&b, " ");                                                         \
            body;                                                                              \
            glia_strbuf_puts(&b, " |");                                                        \
        }                                                                                      \
        glia_strbuf_puts(&b, "\n");                                                            \
    } while (0)

    ROW("Mean accuracy", pct(&b, json_object_get(c, "mean_accuracy")));
    ROW("95% CI (t)", {
        glia_strbuf_puts(&b, "[");
        pct(&b, json_object_get(json_object_get(c, "ci95"), "low"));
        glia_strbuf_puts(&b, ", ");
        pct(&b, json_object_get(json_object_get(c, "ci95"), "high"));
        glia_strbuf_puts(&b, "]");
    });
    ROW("95% CI (bootstrap)", {
        glia_strbuf_puts(&b, "[");
        pct(&b, json_object_get(json_object_get(c, "ci95_bootstrap"), "low"));
        glia_strbuf_puts(&b, ", ");
        pct(&b, json_object_get(json_object_get(c, "ci95_bootstrap"), "high"));
        glia_strbuf_puts(&b, "]");
    });
    ROW("SD", pct(&b, json_object_get(c, "sd")));
    ROW("Min / max", {
        pct(&b, json_object_get(c, "min"));
        glia_strbuf_puts(&b, " / ");
        pct(&b, json_object_get(c, "max"));
    });
    ROW("Accept rate", pct(&b, json_object_get(c, "accept_rate")));
    ROW("Mean distinct outputs",
        glia_strbuf_printf(&b, "%.1f", json_number_value(json_object_get(c, "mean_distinct_outputs"))));
    ROW("Seeds with constant output",
        glia_strbuf_printf(&b, "%lld/%lld",
                           (long long)json_integer_value(json_object_get(c, "constant_output_seeds")),
                           (long long)json_integer_value(json_object_get(c, "n"))));
#undef ROW

    if (json_array_size(pairs) > 0) {
        glia_strbuf_puts(&b, "\n## Paired comparisons (same seeds)\n\n"
                             "| Comparison | Wins / ties / losses | Mean difference | "
                             "Wilcoxon signed-rank p | Sign test p |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < json_array_size(pairs); i++) {
            json_t *p = json_array_get(pairs, i), *w = json_object_get(p, "wilcoxon");
            glia_strbuf_printf(&b, "| %s vs %s | %lld / %lld / %lld | %+.1f%% | %s%s | ",
                               json_string_value(json_object_get(p, "a")),
                               json_string_value(json_object_get(p, "b")),
                               (long long)json_integer_value(json_object_get(p, "wins")),
                               (long long)json_integer_value(json_object_get(p, "ties")),
                               (long long)json_integer_value(json_object_get(p, "losses")),
                               100.0 * json_number_value(json_object_get(p, "mean_difference")),
                               pvalue(json_number_value(json_object_get(w, "p_value")), pbuf, sizeof(pbuf)),
                               json_is_true(json_object_get(w, "exact")) ? " (exact)" : " (normal approx.)");
            glia_strbuf_printf(&b, "%s |\n",
                               pvalue(json_number_value(json_object_get(json_object_get(p, "sign_test"), "p_value")),
                                      pbuf, sizeof(pbuf)));
        }
    }

    /* Per-pattern accuracy, with the task's patterns. */
    {
        json_t *pats = json_object_get(json_object_get(json_object_get(json_array_get(conds, 0), "config"), "task"), "patterns");
        glia_strbuf_puts(&b, "\n## Per-pattern accuracy (mean over seeds)\n\n");
        table_head(&b, cs, "Pattern | Input -> target", 2);
        for (size_t p = 0; p < json_array_size(pats); p++) {
            json_t *pat = json_array_get(pats, p);
            glia_strbuf_printf(&b, "| P%zu | %s -> %s |", p + 1,
                               json_string_value(json_object_get(pat, "input")),
                               json_string_value(json_object_get(pat, "target")));
            for (size_t i = 0; i < nc; i++) {
                glia_strbuf_puts(&b, " ");
                pct(&b, json_array_get(json_object_get(json_array_get(cs, i), "pattern_accuracy"), p));
                glia_strbuf_puts(&b, " |");
            }
            glia_strbuf_puts(&b, "\n");
        }
    }

    /* Per seed: accuracy and every output vector. */
    glia_strbuf_puts(&b, "\n## Per seed (accuracy, distinct outputs, output vectors P1..Pn)\n\n");
    table_head(&b, cs, "Seed", 1);
    for (size_t k = 0; k < json_array_size(json_object_get(res, "per_seed")); k++) {
        json_t *row = json_array_get(json_object_get(res, "per_seed"), k);
        glia_strbuf_printf(&b, "| %lld |", (long long)json_integer_value(json_object_get(row, "seed")));
        for (size_t i = 0; i < nc; i++) {
            const char *label = json_string_value(json_object_get(json_array_get(cs, i), "label"));
            json_t *r = json_object_get(json_object_get(row, "records"), label);
            if (!json_is_object(r)) {
                glia_strbuf_puts(&b, " (not run) |");
                continue;
            }
            glia_strbuf_puts(&b, " ");
            pct(&b, json_object_get(r, "accuracy"));
            glia_strbuf_printf(&b, ", %lld distinct:",
                               (long long)json_integer_value(json_object_get(r, "distinct_outputs")));
            for (size_t p = 0; p < json_array_size(json_object_get(r, "outputs")); p++)
                glia_strbuf_printf(&b, " %s", json_string_value(json_array_get(json_object_get(r, "outputs"), p)));
            glia_strbuf_puts(&b, " |");
        }
        glia_strbuf_puts(&b, "\n");
    }
    glia_strbuf_printf(&b, "\nCI (t): mean +- t(0.975, n-1) * sd / sqrt(n). CI (bootstrap): "
                           "percentile, %d resamples, resampling seed %u. Wilcoxon: two-sided, "
                           "zero differences dropped, midranks for ties, exact for up to %d pairs.\n",
                       GLIA_BOOTSTRAP_RESAMPLES, GLIA_BOOTSTRAP_SEED, GLIA_WILCOXON_EXACT_MAX);
    return glia_strbuf_take(&b, len);
}

char *glia_experiment_report_csv(const json_t *doc, size_t *len)
{
    glia_strbuf_t b = {0};
    json_t *res = json_object_get(doc, "results");
    json_t *conds = json_object_get(doc, "conditions");
    size_t npat = json_array_size(json_object_get(json_object_get(json_object_get(
        json_array_get(conds, 0), "config"), "task"), "patterns"));
    const char *name = json_string_value(json_object_get(doc, "name"));

    glia_strbuf_puts(&b, "experiment,condition,seed,episodes,accuracy,accept_rate,accepted,rejected,"
                         "distinct_outputs,constant_output");
    for (size_t p = 0; p < npat; p++)
        glia_strbuf_printf(&b, ",P%zu_output", p + 1);
    for (size_t p = 0; p < npat; p++)
        glia_strbuf_printf(&b, ",P%zu_accuracy", p + 1);
    glia_strbuf_puts(&b, "\n");
    for (size_t k = 0; k < json_array_size(json_object_get(res, "per_seed")); k++) {
        json_t *row = json_array_get(json_object_get(res, "per_seed"), k);
        for (size_t i = 0; i < json_array_size(conds); i++) {
            const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
            json_t *r = json_object_get(json_object_get(row, "records"), label);
            char num[40];
            if (!json_is_object(r))
                continue;
            glia_strbuf_printf(&b, "%s,%s,%lld,%lld,", name, label,
                               (long long)json_integer_value(json_object_get(row, "seed")),
                               (long long)json_integer_value(json_object_get(r, "episodes")));
            glia_json_format_real(json_number_value(json_object_get(r, "accuracy")), num, sizeof(num));
            glia_strbuf_printf(&b, "%s,", num);
            if (json_is_number(json_object_get(r, "accept_rate"))) {
                glia_json_format_real(json_number_value(json_object_get(r, "accept_rate")), num, sizeof(num));
                glia_strbuf_puts(&b, num);
            }
            glia_strbuf_printf(&b, ",%lld,%lld,%lld,%s",
                               (long long)json_integer_value(json_object_get(r, "accepted")),
                               (long long)json_integer_value(json_object_get(r, "rejected")),
                               (long long)json_integer_value(json_object_get(r, "distinct_outputs")),
                               json_is_true(json_object_get(r, "constant_output")) ? "true" : "false");
            for (size_t p = 0; p < npat; p++)
                glia_strbuf_printf(&b, ",%s", json_string_value(json_array_get(json_object_get(r, "outputs"), p)));
            for (size_t p = 0; p < npat; p++) {
                glia_json_format_real(json_number_value(json_array_get(json_object_get(r, "pattern_accuracy"), p)),
                                      num, sizeof(num));
                glia_strbuf_printf(&b, ",%s", num);
            }
            glia_strbuf_puts(&b, "\n");
        }
    }
    return glia_strbuf_take(&b, len);
}

json_t *glia_experiment_templates(void)
{
    static const struct {
        const char *name, *description;
        int episodes;
        const char *labels[3], *presets[3];
    } t[] = {
        {"exp020", "Cursor vs control (paper Table 3): one spatial cursor, no homeostasis.", 5000,
         {"cursor", "control", NULL}, {"cursor", "control", NULL}},
        {"exp021", "Astrocytes (firing) vs cursor vs control (paper Table 4).", 5000,
         {"astrocyte", "cursor", "control"}, {"astrocyte-firing", "cursor", "control"}},
        {"exp022", "Traffic sensing vs firing sensing vs control.", 5000,
         {"traffic", "firing", "control"}, {"astrocyte-traffic", "astrocyte-firing", "control"}},
        {"exp023", "Flat 1% exploration vs none vs control.", 5000,
         {"epsilon", "firing", "control"}, {"epsilon", "astrocyte-firing", "control"}},
        {"exp024", "Maturity-scaled exploration vs flat vs control, 20,000 episodes.", 20000,
         {"maturity", "epsilon", "control"}, {"maturity", "epsilon", "control"}},
    };
    static const int seeds[10] = {42, 137, 271, 314, 500, 618, 777, 888, 999, 1234};
    json_t *items = json_array();

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        json_t *conds = json_array(), *sj = json_array();
        for (int c = 0; c < 3 && t[i].labels[c]; c++)
            json_array_append_new(conds, json_pack("{s:s, s:s}", "label", t[i].labels[c],
                                                   "preset", t[i].presets[c]));
        for (int k = 0; k < 10; k++)
            json_array_append_new(sj, json_integer(seeds[k]));
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o, s:i}}", "name", t[i].name,
                             "description", t[i].description, "body", "name", t[i].name,
                             "description", t[i].description, "conditions", conds, "seeds", sj,
                             "episodes", t[i].episodes));
    }
    return items;
}
