/* data.c: a dataset encoded as bits and split into train and test (classify.h).
 *
 * The split comes first and is stratified: each class's samples, in source order, are
 * shuffled by a generator seeded with split.seed alone, and the first floor(n x
 * test_fraction) of them are held out (never all of them). Train and test each keep source
 * order, so the split is a function of (data, split seed). The encoding's ranges are then
 * read off the training samples only: nothing of the test set reaches the learner.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify/classify_internal.h"
#include "core/rng.h"

const char *const glia_cls_encoding_names[] = {"feature", "global", "thermometer", NULL};

static double source_value(const glia_cls_source_t *src, uint32_t i, uint32_t f)
{
    size_t at = (size_t)i * src->features + f;
    return src->x8 ? (double)src->x8[at] : (double)src->xf[at];
}

/* Fill d->index (train then test) and the two counts. */
static int split(const glia_cls_config_t *cfg, const glia_cls_source_t *src, glia_cls_data_t *d,
                 glia_error_t *err)
{
    uint32_t n = src->samples, k = src->classes;
    uint32_t *count = calloc(k, sizeof *count);
    uint32_t *start = calloc((size_t)k + 1, sizeof *start);
    uint32_t *byclass = malloc((size_t)n * sizeof *byclass);
    uint8_t *held = calloc(n, 1);
    int rc = GLIA_ENOMEM;
    if (!count || !start || !byclass || !held)
        goto done;
    for (uint32_t i = 0; i < n; i++)
        count[src->labels[i]]++;
    for (uint32_t c = 0; c < k; c++)
        start[c + 1] = start[c] + count[c];
    memset(count, 0, k * sizeof *count);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)src->labels[i];
        byclass[start[c] + count[c]++] = i;
    }
    glia_rng_t rng;
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, cfg->split.seed);
    uint32_t n_test = 0;
    for (uint32_t c = 0; c < k; c++) {
        uint32_t m = count[c], *v = byclass + start[c];
        uint32_t t = (uint32_t)floor((double)m * cfg->split.test_fraction);
        if (m == 0)
            continue;
        if (t >= m)
            t = m - 1;
        if (cfg->split.test_fraction > 0 && t == 0 && m >= 2)
            t = 1; /* every class that can be tested is */
        for (uint32_t a = m - 1; a > 0; a--) { /* Fisher-Yates */
            uint32_t b = (uint32_t)(glia_rng_next_u64(&rng) % ((uint64_t)a + 1));
            uint32_t tmp = v[a];
            v[a] = v[b];
            v[b] = tmp;
        }
        for (uint32_t a = 0; a < t; a++)
            held[v[a]] = 1;
        n_test += t;
    }
    if (n - n_test < 1) {
        rc = glia_error_set(err, GLIA_EINVAL, "/split/test_fraction", "leaves no training sample");
        goto done;
    }
    d->n_train = n - n_test;
    d->n_test = n_test;
    uint32_t a = 0, b = d->n_train;
    for (uint32_t i = 0; i < n; i++)
        d->index[held[i] ? b++ : a++] = i;
    rc = 0;
done:
    free(count);
    free(start);
    free(byclass);
    free(held);
    return rc;
}

/* The thresholds of every bit: bit b is (x[feature[b]] > cut[b]). */
static int plan_bits(const glia_cls_config_t *cfg, const glia_cls_source_t *src,
                     glia_cls_data_t *d, uint32_t **feature, double **cut, glia_error_t *err)
{
    uint32_t f = src->features;
    uint32_t per = cfg->encoding.kind == GLIA_CLS_ENC_THERMOMETER ? (uint32_t)cfg->encoding.levels : 1;
    uint64_t bits = (uint64_t)f * per;
    if (bits > GLIA_CLS_MAX_BITS)
        return glia_error_set(err, GLIA_EINVAL, "/encoding",
                              "%u features x %u bits = %llu input bits: at most %d", f, per,
                              (unsigned long long)bits, GLIA_CLS_MAX_BITS);
    double *lo = malloc((size_t)f * sizeof *lo), *hi = malloc((size_t)f * sizeof *hi);
    *feature = malloc((size_t)bits * sizeof **feature);
    *cut = malloc((size_t)bits * sizeof **cut);
    if (!lo || !hi || !*feature || !*cut) {
        free(lo);
        free(hi);
        return GLIA_ENOMEM;
    }
    for (uint32_t j = 0; j < f; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (uint32_t a = 0; a < d->n_train; a++)
        for (uint32_t j = 0; j < f; j++) {
            double x = source_value(src, d->index[a], j);
            lo[j] = x < lo[j] ? x : lo[j];
            hi[j] = x > hi[j] ? x : hi[j];
        }
    for (uint32_t j = 0; j < f; j++)
        for (uint32_t l = 0; l < per; l++) {
            uint32_t b = j * per + l;
            (*feature)[b] = j;
            switch (cfg->encoding.kind) {
            case GLIA_CLS_ENC_GLOBAL: (*cut)[b] = cfg->encoding.threshold; break;
            case GLIA_CLS_ENC_FEATURE: (*cut)[b] = 0.5 * (lo[j] + hi[j]); break;
            default: (*cut)[b] = lo[j] + (hi[j] - lo[j]) * (double)(l + 1) / (double)(per + 1); break;
            }
        }
    d->bits = (uint32_t)bits;
    free(lo);
    free(hi);
    return 0;
}

int glia_cls_data_new(const glia_cls_config_t *cfg, const glia_cls_source_t *src,
                      glia_cls_data_t **out, glia_error_t *err)
{
    *out = NULL;
    if (src->samples < 2 || src->features < 1 || src->classes < 2 ||
        src->classes > GLIA_CLS_MAX_CLASSES)
        return glia_error_set(err, GLIA_EINVAL, "/dataset",
                              "needs at least 2 samples, 1 feature and 2 to %d classes "
                              "(has %u, %u, %u)",
                              GLIA_CLS_MAX_CLASSES, src->samples, src->features, src->classes);
    for (uint32_t i = 0; i < src->samples; i++)
        if (src->labels[i] < 0 || (uint32_t)src->labels[i] >= src->classes)
            return glia_error_set(err, GLIA_EINVAL, "/dataset", "sample %u has label %d", i,
                                  (int)src->labels[i]);
    glia_cls_data_t *d = calloc(1, sizeof *d);
    if (!d)
        return GLIA_ENOMEM;
    d->samples = src->samples;
    d->classes = src->classes;
    d->index = malloc((size_t)src->samples * sizeof *d->index);
    d->label = malloc((size_t)src->samples * sizeof *d->label);
    uint32_t *feature = NULL;
    double *cut = NULL;
    int rc = GLIA_ENOMEM;
    if (!d->index || !d->label)
        goto fail;
    if ((rc = split(cfg, src, d, err)) != 0)
        goto fail;
    if ((rc = plan_bits(cfg, src, d, &feature, &cut, err)) != 0)
        goto fail;
    rc = GLIA_ENOMEM;
    d->col = malloc((size_t)d->bits * d->samples);
    if (!d->col)
        goto fail;
    for (uint32_t i = 0; i < d->samples; i++) {
        uint32_t s = d->index[i];
        d->label[i] = (uint32_t)src->labels[s];
        for (uint32_t b = 0; b < d->bits; b++)
            d->col[(size_t)b * d->samples + i] = source_value(src, s, feature[b]) > cut[b];
    }
    free(feature);
    free(cut);
    *out = d;
    return 0;
fail:
    free(feature);
    free(cut);
    glia_cls_data_free(d);
    return rc;
}

void glia_cls_data_free(glia_cls_data_t *d)
{
    if (!d)
        return;
    free(d->index);
    free(d->label);
    free(d->col);
    free(d);
}

uint32_t glia_cls_data_bits(const glia_cls_data_t *d) { return d->bits; }
uint32_t glia_cls_data_classes(const glia_cls_data_t *d) { return d->classes; }
uint32_t glia_cls_data_train(const glia_cls_data_t *d) { return d->n_train; }
uint32_t glia_cls_data_test(const glia_cls_data_t *d) { return d->n_test; }
const uint32_t *glia_cls_data_index(const glia_cls_data_t *d) { return d->index; }
int glia_cls_data_bit(const glia_cls_data_t *d, uint32_t i, uint32_t b)
{
    return d->col[(size_t)b * d->samples + i];
}
