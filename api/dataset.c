/* dataset.c: the dataset entry points, the canonical content (encode, decode, its size)
 * and what a dataset is (describe).
 *
 * The parsers are apart: dataset_csv.c for CSV and scikit-learn's CSV, dataset_idx.c for
 * IDX; what they share is dataset_matrix.c.
 */
#include "api/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/dataset_csv.h"
#include "api/dataset_idx.h"
#include "api/dataset_matrix.h"

const char *const glia_dataset_formats[] = {"csv", "sklearn", "idx", NULL};

#define MAGIC      "GLIADS1\n"
#define HEADER_LEN 24

void glia_dataset_free(glia_dataset_t *ds)
{
    if (ds == NULL)
        return;
    if (ds->class_names != NULL)
        for (uint32_t i = 0; i < ds->classes; i++)
            free(ds->class_names[i]);
    if (ds->feature_names != NULL)
        for (uint32_t i = 0; i < ds->features; i++)
            free(ds->feature_names[i]);
    free(ds->class_names);
    free(ds->feature_names);
    free(ds->x8);
    free(ds->xf);
    free(ds->labels);
    free(ds->fmin);
    free(ds->fmax);
    free(ds);
}

int glia_dataset_parse(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                       glia_dataset_t **out, glia_error_t *err, glia_dataset_where_t *where)
{
    glia_dataset_t *ds = calloc(1, sizeof(*ds));
    int rc;

    *out = NULL;
    glia__dataset_set_where(where, 0, 0, 0);
    if (ds == NULL)
        return GLIA_ENOMEM;
    switch (o->format) {
    case GLIA_DATASET_CSV:
    case GLIA_DATASET_SKLEARN:
        rc = glia__dataset_parse_csv(bytes, len, o, o->format == GLIA_DATASET_SKLEARN, ds, err,
                                     where);
        break;
    case GLIA_DATASET_IDX:
        rc = glia__dataset_parse_idx(bytes, len, o, ds, err, where);
        break;
    default:
        rc = glia_error_set(err, GLIA_EINVAL, "?format", "unknown dataset format");
        break;
    }
    if (rc != 0) {
        glia_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return 0;
}

uint64_t glia_dataset_encoded_bytes(uint32_t samples, uint32_t features, int is_u8)
{
    return HEADER_LEN + (uint64_t)samples * features * (is_u8 ? 1 : 4) + (uint64_t)samples * 4;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int glia_dataset_encode(const glia_dataset_t *ds, uint8_t **blob, size_t *len)
{
    const size_t cells = (size_t)ds->samples * ds->features;
    const size_t n = (size_t)glia_dataset_encoded_bytes(ds->samples, ds->features, ds->is_u8);
    uint8_t *b = malloc(n), *p;

    if (b == NULL)
        return GLIA_ENOMEM;
    memcpy(b, MAGIC, 8);
    put32(b + 8, ds->samples);
    put32(b + 12, ds->features);
    put32(b + 16, ds->classes);
    put32(b + 20, ds->is_u8 ? 0 : 1);
    p = b + HEADER_LEN;
    if (ds->is_u8) {
        memcpy(p, ds->x8, cells);
        p += cells;
    } else {
        for (size_t i = 0; i < cells; i++, p += 4) {
            uint32_t u;
            float f = ds->xf[i] == 0 ? 0.0f : ds->xf[i]; /* -0 and 0 are one value */
            memcpy(&u, &f, 4);
            put32(p, u);
        }
    }
    for (uint32_t i = 0; i < ds->samples; i++, p += 4)
        put32(p, (uint32_t)ds->labels[i]);
    *blob = b;
    *len = n;
    return 0;
}

int glia_dataset_decode(const uint8_t *b, size_t len, glia_dataset_t **out)
{
    glia_dataset_t *ds;
    uint32_t samples, features, classes, storage;
    const uint8_t *p;
    size_t cells;

    *out = NULL;
    if (len < HEADER_LEN || memcmp(b, MAGIC, 8) != 0)
        return GLIA_EFORMAT;
    samples = get32(b + 8);
    features = get32(b + 12);
    classes = get32(b + 16);
    storage = get32(b + 20);
    if (storage > 1 || samples > GLIA_DATASET_MAX_SAMPLES || features > GLIA_DATASET_MAX_FEATURES ||
        classes > GLIA_DATASET_MAX_CLASSES ||
        len != glia_dataset_encoded_bytes(samples, features, storage == 0))
        return GLIA_EFORMAT;
    if ((ds = calloc(1, sizeof(*ds))) == NULL)
        return GLIA_ENOMEM;
    if (glia__dataset_alloc_matrix(ds, samples, features, storage == 0) != 0) {
        glia_dataset_free(ds);
        return GLIA_ENOMEM;
    }
    ds->classes = classes;
    cells = (size_t)samples * features;
    p = b + HEADER_LEN;
    for (size_t i = 0; i < cells; i++) {
        double v;
        if (storage == 0) {
            v = ds->x8[i] = p[i];
        } else {
            uint32_t u = get32(p + 4 * i);
            memcpy(&ds->xf[i], &u, 4);
            v = ds->xf[i];
        }
        ds->fmin[i % features] = v < ds->fmin[i % features] ? v : ds->fmin[i % features];
        ds->fmax[i % features] = v > ds->fmax[i % features] ? v : ds->fmax[i % features];
    }
    p += cells * (storage == 0 ? 1 : 4);
    for (uint32_t i = 0; i < samples; i++) {
        ds->labels[i] = (int32_t)get32(p + 4 * (size_t)i);
        if (ds->labels[i] < 0 || (uint32_t)ds->labels[i] >= classes) {
            glia_dataset_free(ds);
            return GLIA_EFORMAT;
        }
    }
    *out = ds;
    return 0;
}

static json_t *number(const glia_dataset_t *ds, double v)
{
    return ds->is_u8 ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *names(char **v, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a != NULL && i < n; i++)
        if (json_array_append_new(a, json_string(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

json_t *glia_dataset_describe(const glia_dataset_t *ds)
{
    json_t *d = json_object(), *lo = json_array(), *hi = json_array(), *counts = json_array();
    uint32_t *count = calloc(ds->classes ? ds->classes : 1, sizeof(uint32_t));
    double all_lo = INFINITY, all_hi = -INFINITY;
    int bad = d == NULL || lo == NULL || hi == NULL || counts == NULL || count == NULL;

    for (uint32_t j = 0; !bad && j < ds->features; j++) {
        bad |= json_array_append_new(lo, number(ds, ds->fmin[j])) != 0;
        bad |= json_array_append_new(hi, number(ds, ds->fmax[j])) != 0;
        all_lo = ds->fmin[j] < all_lo ? ds->fmin[j] : all_lo;
        all_hi = ds->fmax[j] > all_hi ? ds->fmax[j] : all_hi;
    }
    for (uint32_t i = 0; !bad && i < ds->samples; i++)
        count[ds->labels[i]]++;
    for (uint32_t c = 0; !bad && c < ds->classes; c++)
        bad |= json_array_append_new(counts, json_integer(count[c])) != 0;
    free(count);
    if (!bad) {
        bad |= json_object_set_new(d, "samples", json_integer(ds->samples)) != 0;
        bad |= json_object_set_new(d, "features", json_integer(ds->features)) != 0;
        bad |= json_object_set_new(d, "classes", json_integer(ds->classes)) != 0;
        bad |= json_object_set_new(d, "storage", json_string(ds->is_u8 ? "uint8" : "float32")) != 0;
        bad |= json_object_set_new(d, "range",
                                   json_pack("{s:o, s:o}", "min", number(ds, all_lo), "max",
                                             number(ds, all_hi))) != 0;
        bad |= json_object_set_new(d, "class_counts", counts) != 0;
        counts = NULL;
        if (ds->class_names != NULL)
            bad |= json_object_set_new(d, "class_names", names(ds->class_names, ds->classes)) != 0;
        bad |= json_object_set_new(d, "feature_min", lo) != 0;
        bad |= json_object_set_new(d, "feature_max", hi) != 0;
        lo = hi = NULL;
        if (ds->feature_names != NULL)
            bad |= json_object_set_new(d, "feature_names",
                                       names(ds->feature_names, ds->features)) != 0;
        if (ds->n_parts > 1) {
            json_t *parts = json_array();
            for (uint32_t k = 0; parts != NULL && k < ds->n_parts; k++)
                json_array_append_new(parts, json_integer(ds->parts[k]));
            bad |= json_object_set_new(d, "parts", parts) != 0;
        }
    }
    json_decref(lo);
    json_decref(hi);
    json_decref(counts);
    if (bad) {
        json_decref(d);
        return NULL;
    }
    return d;
}
