/* experiment_json.c: experiment specs (listed or swept conditions, pruning), documents,
 * shards, records, statistics and reports. */
#include "api/experiment_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/json_write.h"
#include "api/requests.h"
#include "api/result_json.h"
#include "api/sha256.h"
#include "api/strbuf.h"
#include "core/rng.h"
#include "core/stats.h"

#define GLIA_SHARD_SEED 0x5eed5u /* the shuffle that deals runs to shards; fixed */

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

/* ---- conditions listed by hand ---------------------------------------------------------- */

static int parse_conditions(const json_t *conds, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known_cond[] = {"label", "preset", "config", NULL};
    int rc;

    if (!json_is_array(conds) || json_array_size(conds) < 1 ||
        json_array_size(conds) > GLIA_MAX_CONDITIONS)
        return glia_error_set(err, GLIA_EINVAL, "/conditions",
                              "required (or \"sweep\"): an array of 1 to %d conditions",
                              GLIA_MAX_CONDITIONS);
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
    return 0;
}

/* ---- sweeps ------------------------------------------------------------------------------ */

/* The base every sweep condition starts from: {"preset"?, "config"?} (absent: defaults). */
static int parse_base(const json_t *base, glia_condition_t *out, glia_error_t *err)
{
    static const char *const known[] = {"preset", "config", NULL};
    const glia_preset_info_t *info = NULL;
    json_t *preset = NULL, *cfg = NULL;
    int rc;

    if (base != NULL) {
        if (!json_is_object(base))
            return glia_error_set(err, GLIA_EINVAL, "/base", "must be {\"preset\"?, \"config\"?}");
        if ((rc = glia_json_only_known(base, known, "/base", err)) != 0)
            return rc;
        preset = json_object_get(base, "preset");
        cfg = json_object_get(base, "config");
        if (preset != NULL && (!json_is_string(preset) ||
                               (info = glia_preset_find(json_string_value(preset))) == NULL))
            return glia_error_set(err, GLIA_EINVAL, "/base/preset",
                                  "unknown preset; GET /v1/presets lists them");
        if (cfg != NULL && !json_is_object(cfg))
            return glia_error_set(err, GLIA_EINVAL, "/base/config", "must be an object");
    }
    snprintf(out->preset, sizeof(out->preset), "%s", info ? info->name : "");
    if (glia_config_resolve(&out->config, info ? info->name : NULL, "/base/preset", cfg,
                            "/base/config", err) != 0)
        return GLIA_EINVAL;
    return 0;
}

/* Record `pointer` (a key of the grid or the space, at `where`) as a swept field. */
static const glia_config_field_t *swept_field(glia_experiment_spec_t *spec, const char *pointer,
                                              const char *where, glia_error_t *err)
{
    const glia_config_field_t *f = glia_config_field_find(pointer);

    if (f == NULL) {
        if (strcmp(pointer, "/task") == 0 || strncmp(pointer, "/task/", 6) == 0)
            glia_error_set(err, GLIA_EINVAL, where,
                           "the task cannot be swept; list conditions with their tasks instead");
        else
            glia_error_set(err, GLIA_EINVAL, where,
                           "\"%.60s\" names no config field; a sweep varies fields of the config "
                           "by their JSON pointer, e.g. /training/perturbation_std (openapi.yaml, "
                           "Config)",
                           pointer);
        return NULL;
    }
    if (spec->n_swept >= GLIA_MAX_SWEPT) {
        glia_error_set(err, GLIA_EINVAL, where, "a sweep varies at most %d fields", GLIA_MAX_SWEPT);
        return NULL;
    }
    snprintf(spec->swept[spec->n_swept++], GLIA_FIELD_MAX, "%s", f->pointer);
    return f;
}

/* A field's value as a double, to compare values of one field (1 and 1.0 are equal). */
static double field_number(const glia_config_t *cfg, const glia_config_field_t *f)
{
    const char *p = (const char *)cfg + f->offset;
    int iv;
    double dv;

    if (f->type == GLIA_FIELD_DOUBLE) {
        memcpy(&dv, p, sizeof(dv));
        return dv;
    }
    memcpy(&iv, p, sizeof(iv));
    return iv;
}

/* Set `value` into *cfg at field f and check it on its own: its type and the field's
 * range in the table (err at `where`, the value's place in the request). Every other
 * rule is checked per point (check_point): a value may be valid only with some values
 * of another swept field (min_active 4 needs max_active >= 4). */
static int set_checked(glia_config_t *cfg, const glia_config_field_t *f, const json_t *value,
                       const char *where, glia_error_t *err)
{
    double d;

    if (glia_config_set_field(cfg, f, value, where, err) != 0)
        return GLIA_EINVAL;
    d = json_number_value(value);
    if (f->type == GLIA_FIELD_DOUBLE && !(isfinite(d) && d >= f->min && d <= f->max))
        return glia_error_set(err, GLIA_EINVAL, where, "must be a number in [%g, %g]", f->min,
                              f->max);
    return 0;
}

/* The name of swept field i in titles and report columns: its last pointer segment, or
 * the whole pointer when another swept field ends the same way. */
static const char *swept_name(const char (*swept)[GLIA_FIELD_MAX], int n, int i)
{
    const char *leaf = strrchr(swept[i], '/') + 1;
    for (int k = 0; k < n; k++) {
        if (k != i && strcmp(strrchr(swept[k], '/') + 1, leaf) == 0)
            return swept[i];
    }
    return leaf;
}

static void value_text(const json_t *v, char *out, size_t size)
{
    if (json_is_integer(v))
        snprintf(out, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        glia_json_format_real(json_real_value(v), out, size);
    else if (json_is_string(v))
        snprintf(out, size, "%s", json_string_value(v));
    else if (json_is_boolean(v))
        snprintf(out, size, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(out, size, "?");
}

/* "perturbation_std=0.05,radius=1.5": the swept values of one config. */
static void point_title(const char (*swept)[GLIA_FIELD_MAX], int n, const glia_config_t *cfg,
                        char *out, size_t size)
{
    size_t len = 0;

    out[0] = '\0';
    for (int i = 0; i < n && len < size; i++) {
        json_t *v = glia_config_field_json(cfg, glia_config_field_find(swept[i]));
        char text[64];
        int w;
        value_text(v, text, sizeof(text));
        json_decref(v);
        w = snprintf(out + len, size - len, "%s%s=%s", i ? "," : "", swept_name(swept, n, i), text);
        len += w > 0 ? (size_t)w : 0;
    }
}

/* `base` + "/" + the index i, cut (never overrun) when too long. */
static void pointer_index(char *out, size_t size, const char *base, size_t i)
{
    char num[24];
    snprintf(num, sizeof(num), "%zu", i);
    if (out != base)
        snprintf(out, size, "%s", base);
    glia_json_pointer_append(out, size, num);
}

/* "g07" / "r13": the index, zero-padded to the width of the largest one. */
static void sweep_label(char prefix, int index, int count, char *out, size_t size)
{
    size_t width = 1, i;
    for (int c = count - 1; c >= 10; c /= 10)
        width++;
    if (width + 2 > size)
        width = size - 2;
    out[0] = prefix;
    for (i = width; i > 0; i--, index /= 10)
        out[i] = (char)('0' + index % 10);
    out[width + 1] = '\0';
}

/* The whole config of one sweep point must pass validation (the rules between fields).
 * A refusal names the swept field the validator names, at `where`/<pointer> (and
 * /<index> of its value in a grid), or `where` itself for another field. */
static int check_point(const glia_experiment_spec_t *spec, const glia_config_t *cfg,
                       const char *where, const int *value_index, const char *what,
                       glia_error_t *err)
{
    glia_error_t e;
    char title[256], at[GLIA_FIELD_MAX];

    glia_error_clear(&e);
    if (glia_config_validate(cfg, &e) == 0)
        return 0;
    point_title((const char(*)[GLIA_FIELD_MAX])spec->swept, spec->n_swept, cfg, title,
                sizeof(title));
    for (int i = 0; i < spec->n_swept; i++) {
        if (strcmp(e.field, spec->swept[i]) != 0)
            continue;
        snprintf(at, sizeof(at), "%s", where);
        glia_json_pointer_append(at, sizeof(at), spec->swept[i]);
        if (value_index != NULL)
            pointer_index(at, sizeof(at), at, (size_t)value_index[i]);
        return glia_error_set(err, GLIA_EINVAL, at, "%s %s: %s", what, title, e.message);
    }
    return glia_error_set(err, GLIA_EINVAL, where, "%s %s: %s: %s", what, title, e.field,
                          e.message);
}

static int parse_grid(const json_t *grid, const glia_condition_t *base,
                      glia_experiment_spec_t *spec, glia_error_t *err)
{
    const glia_config_field_t *fields[GLIA_MAX_SWEPT];
    const json_t *values[GLIA_MAX_SWEPT];
    double points = 1.0;
    const char *key;
    json_t *v;
    int nf = 0;

    if (!json_is_object(grid) || json_object_size(grid) < 1 ||
        json_object_size(grid) > GLIA_MAX_SWEPT)
        return glia_error_set(err, GLIA_EINVAL, "/sweep/grid",
                              "must be an object of 1 to %d {\"<config pointer>\": [values...]}",
                              GLIA_MAX_SWEPT);
    json_object_foreach((json_t *)grid, key, v) {
        char where[GLIA_FIELD_MAX] = "/sweep/grid";
        const glia_config_field_t *f;
        size_t n = json_array_size(v);
        glia_config_t c = base->config;
        double seen[GLIA_MAX_CONDITIONS];

        glia_json_pointer_append(where, sizeof(where), key);
        if ((f = swept_field(spec, key, where, err)) == NULL)
            return GLIA_EINVAL;
        if (!json_is_array(v) || n < 1 || n > GLIA_MAX_CONDITIONS)
            return glia_error_set(err, GLIA_EINVAL, where, "must be an array of 1 to %d values",
                                  GLIA_MAX_CONDITIONS);
        for (size_t i = 0; i < n; i++) {
            char vp[GLIA_FIELD_MAX];
            pointer_index(vp, sizeof(vp), where, i);
            if (set_checked(&c, f, json_array_get(v, i), vp, err) != 0)
                return GLIA_EINVAL;
            seen[i] = field_number(&c, f);
            for (size_t k = 0; k < i; k++) {
                if (seen[k] == seen[i])
                    return glia_error_set(err, GLIA_EINVAL, vp,
                                          "the value is listed twice (at %zu)", k);
            }
        }
        fields[nf] = f;
        values[nf++] = v;
        points *= (double)n;
    }
    if (points > GLIA_MAX_CONDITIONS)
        return glia_error_set(err, GLIA_EINVAL, "/sweep/grid",
                              "the grid has %.0f points (the product of the value counts); a study "
                              "holds at most %d conditions",
                              points, GLIA_MAX_CONDITIONS);
    spec->sweep_kind = GLIA_SWEEP_GRID;
    spec->n_conditions = (int)points;
    for (int p = 0; p < spec->n_conditions; p++) {
        glia_condition_t *cond = &spec->conditions[p];
        int rest = p, index[GLIA_MAX_SWEPT];
        *cond = *base;
        /* The last field changes fastest: the first field is the outermost loop. */
        for (int i = nf - 1; i >= 0; i--) {
            int n = (int)json_array_size(values[i]);
            index[i] = rest % n;
            if (glia_config_set_field(&cond->config, fields[i], json_array_get(values[i], index[i]),
                                      "/sweep/grid", err) != 0)
                return GLIA_EINVAL;
            rest /= n;
        }
        sweep_label('g', p, spec->n_conditions, cond->label, sizeof(cond->label));
        if (check_point(spec, &cond->config, "/sweep/grid", index, "in the point", err) != 0)
            return GLIA_EINVAL;
    }
    return 0;
}

enum { DIST_UNIFORM, DIST_LOG_UNIFORM, DIST_INT_UNIFORM, DIST_CHOICE };

typedef struct dist {
    int kind;
    double a, b;          /* uniform, log_uniform */
    json_int_t ia, ib;    /* int_uniform */
    const json_t *choice; /* choice: the array, borrowed */
} dist_t;

static int parse_dist(const json_t *d, const glia_config_field_t *f, const glia_config_t *base,
                      const char *where, dist_t *out, glia_error_t *err)
{
    static const char *const names[] = {"uniform", "log_uniform", "int_uniform", "choice", NULL};
    const char *key = NULL;
    char kp[GLIA_FIELD_MAX], ap[GLIA_FIELD_MAX], bp[GLIA_FIELD_MAX];
    json_t *v = NULL, *a, *b;
    glia_config_t c = *base;
    int rc;

    if (!json_is_object(d) || json_object_size(d) != 1)
        return glia_error_set(err, GLIA_EINVAL, where,
                              "must be one of {\"uniform\": [a, b]}, {\"log_uniform\": [a, b]}, "
                              "{\"int_uniform\": [a, b]}, {\"choice\": [values...]}");
    if ((rc = glia_json_only_known(d, names, where, err)) != 0)
        return rc;
    json_object_foreach((json_t *)d, key, v) break;
    snprintf(kp, sizeof(kp), "%s", where);
    glia_json_pointer_append(kp, sizeof(kp), key);
    for (out->kind = 0; strcmp(names[out->kind], key) != 0; out->kind++)
        ;
    if (out->kind == DIST_CHOICE) {
        size_t n = json_array_size(v);
        if (!json_is_array(v) || n < 1 || n > GLIA_MAX_CONDITIONS)
            return glia_error_set(err, GLIA_EINVAL, kp, "must be an array of 1 to %d values",
                                  GLIA_MAX_CONDITIONS);
        for (size_t i = 0; i < n; i++) {
            char vp[GLIA_FIELD_MAX];
            pointer_index(vp, sizeof(vp), kp, i);
            if (set_checked(&c, f, json_array_get(v, i), vp, err) != 0)
                return GLIA_EINVAL;
        }
        out->choice = v;
        return 0;
    }
    if (out->kind == DIST_INT_UNIFORM ? f->type != GLIA_FIELD_INT && f->type != GLIA_FIELD_DOUBLE
                                      : f->type != GLIA_FIELD_DOUBLE)
        return glia_error_set(err, GLIA_EINVAL, kp, "%s draws %s; %s takes %s: use %s", key,
                              out->kind == DIST_INT_UNIFORM ? "integers" : "real numbers",
                              f->pointer, f->type == GLIA_FIELD_INT ? "integers" : "named values",
                              f->type == GLIA_FIELD_INT ? "int_uniform or choice" : "choice");
    a = json_array_get(v, 0);
    b = json_array_get(v, 1);
    if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(a) || !json_is_number(b))
        return glia_error_set(err, GLIA_EINVAL, kp, "must be [a, b], two numbers");
    pointer_index(ap, sizeof(ap), kp, 0);
    pointer_index(bp, sizeof(bp), kp, 1);
    if (out->kind == DIST_INT_UNIFORM) {
        if (!json_is_integer(a) || !json_is_integer(b))
            return glia_error_set(err, GLIA_EINVAL, json_is_integer(a) ? bp : ap,
                                  "must be an integer");
        out->ia = json_integer_value(a);
        out->ib = json_integer_value(b);
        if (out->ia >= out->ib)
            return glia_error_set(err, GLIA_EINVAL, bp, "must be above a (%lld)",
                                  (long long)out->ia);
        if (out->ib - out->ia > 2147483647)
            return glia_error_set(err, GLIA_EINVAL, kp, "the range is wider than 2^31");
    } else {
        out->a = json_number_value(a);
        out->b = json_number_value(b);
        if (out->kind == DIST_LOG_UNIFORM && !(out->a > 0.0))
            return glia_error_set(err, GLIA_EINVAL, ap, "log_uniform needs a > 0");
        if (!(out->a < out->b))
            return glia_error_set(err, GLIA_EINVAL, bp, "must be above a (%g)", out->a);
    }
    /* Both ends must be valid values of the field (on the base config). */
    if (set_checked(&c, f, a, ap, err) != 0 || set_checked(&c, f, b, bp, err) != 0)
        return GLIA_EINVAL;
    return 0;
}

static json_t *draw(const dist_t *d, glia_rng_t *rng)
{
    double u = glia_rng_next(rng), x;

    switch (d->kind) {
    case DIST_UNIFORM:
        x = d->a + u * (d->b - d->a);
        return json_real(x > d->b ? d->b : x);
    case DIST_LOG_UNIFORM:
        x = exp(log(d->a) + u * (log(d->b) - log(d->a)));
        return json_real(x < d->a ? d->a : x > d->b ? d->b : x);
    case DIST_INT_UNIFORM: {
        json_int_t k = d->ia + (json_int_t)floor(u * (double)(d->ib - d->ia + 1));
        return json_integer(k > d->ib ? d->ib : k);
    }
    default: {
        size_t n = json_array_size(d->choice), i = (size_t)(u * (double)n);
        return json_incref(json_array_get(d->choice, i < n ? i : n - 1));
    }
    }
}

static int parse_random(const json_t *r, const glia_condition_t *base, glia_experiment_spec_t *spec,
                        glia_error_t *err)
{
    static const char *const known[] = {"samples", "seed", "space", NULL};
    const glia_config_field_t *fields[GLIA_MAX_SWEPT];
    dist_t dists[GLIA_MAX_SWEPT];
    json_t *samples, *seed, *space, *v;
    const char *key;
    glia_rng_t rng;
    int rc, nf = 0;

    if (!json_is_object(r))
        return glia_error_set(err, GLIA_EINVAL, "/sweep/random",
                              "must be {\"samples\": n, \"seed\": s, \"space\": {...}}");
    if ((rc = glia_json_only_known(r, known, "/sweep/random", err)) != 0)
        return rc;
    samples = json_object_get(r, "samples");
    seed = json_object_get(r, "seed");
    space = json_object_get(r, "space");
    if (!json_is_integer(samples) || json_integer_value(samples) < 1 ||
        json_integer_value(samples) > GLIA_MAX_CONDITIONS)
        return glia_error_set(err, GLIA_EINVAL, "/sweep/random/samples",
                              "required: an integer in [1, %d]", GLIA_MAX_CONDITIONS);
    if (!json_is_integer(seed) || json_integer_value(seed) < 0 ||
        json_integer_value(seed) > UINT32_MAX)
        return glia_error_set(err, GLIA_EINVAL, "/sweep/random/seed",
                              "required: an integer in [0, 4294967295]");
    if (!json_is_object(space) || json_object_size(space) < 1 ||
        json_object_size(space) > GLIA_MAX_SWEPT)
        return glia_error_set(err, GLIA_EINVAL, "/sweep/random/space",
                              "required: an object of 1 to %d {\"<config pointer>\": distribution}",
                              GLIA_MAX_SWEPT);
    json_object_foreach(space, key, v) {
        char where[GLIA_FIELD_MAX] = "/sweep/random/space";
        glia_json_pointer_append(where, sizeof(where), key);
        if ((fields[nf] = swept_field(spec, key, where, err)) == NULL ||
            parse_dist(v, fields[nf], &base->config, where, &dists[nf], err) != 0)
            return GLIA_EINVAL;
        nf++;
    }
    spec->sweep_kind = GLIA_SWEEP_RANDOM;
    spec->samples = (int)json_integer_value(samples);
    spec->sweep_seed = (uint32_t)json_integer_value(seed);
    spec->n_conditions = spec->samples;
    /* One draw per field per sample, fields in the order given: reproducible from seed. */
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, spec->sweep_seed);
    for (int s = 0; s < spec->samples; s++) {
        glia_condition_t *cond = &spec->conditions[s];
        char what[32];
        *cond = *base;
        for (int i = 0; i < nf; i++) {
            json_t *x = draw(&dists[i], &rng);
            rc = x ? glia_config_set_field(&cond->config, fields[i], x, "/sweep/random/space", err)
                   : GLIA_ENOMEM;
            json_decref(x);
            if (rc != 0)
                return rc == GLIA_ENOMEM ? glia_error_set(err, GLIA_ENOMEM, "", "out of memory")
                                         : rc;
        }
        sweep_label('r', s, spec->samples, cond->label, sizeof(cond->label));
        snprintf(what, sizeof(what), "in sample %d,", s);
        if (check_point(spec, &cond->config, "/sweep/random/space", NULL, what, err) != 0)
            return GLIA_EINVAL;
    }
    return 0;
}

static int parse_sweep(const json_t *sweep, const json_t *base_json, glia_experiment_spec_t *spec,
                       glia_error_t *err)
{
    static const char *const known[] = {"grid", "random", NULL};
    glia_condition_t *base = malloc(sizeof(*base));
    json_t *grid = json_object_get(sweep, "grid"), *random = json_object_get(sweep, "random");
    int rc;

    if (base == NULL)
        return glia_error_set(err, GLIA_ENOMEM, "", "out of memory");
    if (!json_is_object(sweep))
        rc = glia_error_set(err, GLIA_EINVAL, "/sweep",
                            "must be {\"grid\": {...}} or {\"random\": {...}}");
    else if ((rc = glia_json_only_known(sweep, known, "/sweep", err)) != 0)
        ;
    else if ((grid == NULL) == (random == NULL))
        rc = glia_error_set(err, GLIA_EINVAL, "/sweep",
                            "needs exactly one of \"grid\" and \"random\"");
    else if ((rc = parse_base(base_json, base, err)) != 0)
        ;
    else
        rc = grid ? parse_grid(grid, base, spec, err) : parse_random(random, base, spec, err);
    free(base);
    return rc;
}

/* ---- pruning ----------------------------------------------------------------------------- */

static int parse_prune(const json_t *p, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known[] = {"rungs", "keep", NULL};
    json_t *rungs, *keep;
    int rc;

    if (!json_is_object(p))
        return glia_error_set(err, GLIA_EINVAL, "/prune",
                              "must be {\"rungs\": [episodes...], \"keep\": fraction}");
    if ((rc = glia_json_only_known(p, known, "/prune", err)) != 0)
        return rc;
    rungs = json_object_get(p, "rungs");
    keep = json_object_get(p, "keep");
    if (!json_is_array(rungs) || json_array_size(rungs) < 1 ||
        json_array_size(rungs) > GLIA_MAX_RUNGS)
        return glia_error_set(err, GLIA_EINVAL, "/prune/rungs",
                              "required: an array of 1 to %d episode counts", GLIA_MAX_RUNGS);
    for (size_t i = 0; i < json_array_size(rungs); i++) {
        json_t *r = json_array_get(rungs, i);
        char where[48];
        snprintf(where, sizeof(where), "/prune/rungs/%zu", i);
        if (!json_is_integer(r) || json_integer_value(r) < 1 ||
            (uint64_t)json_integer_value(r) >= spec->episodes)
            return glia_error_set(err, GLIA_EINVAL, where,
                                  "must be an integer in [1, episodes - 1] = [1, %llu]",
                                  (unsigned long long)spec->episodes - 1);
        spec->rungs[i] = (uint64_t)json_integer_value(r);
        if (i > 0 && spec->rungs[i] <= spec->rungs[i - 1])
            return glia_error_set(err, GLIA_EINVAL, where, "rungs must increase");
    }
    if (!json_is_number(keep) || !(json_number_value(keep) > 0.0) ||
        !(json_number_value(keep) < 1.0))
        return glia_error_set(err, GLIA_EINVAL, "/prune/keep",
                              "required: the fraction of conditions kept at each rung, in (0, 1)");
    if (spec->n_conditions < 2)
        return glia_error_set(err, GLIA_EINVAL, "/prune", "pruning needs at least 2 conditions");
    spec->n_rungs = (int)json_array_size(rungs);
    spec->keep = json_number_value(keep);
    return 0;
}

/* Bounds every study shares, however it was given: runs, and session names that fit. */
static int check_study(const glia_experiment_spec_t *spec, glia_error_t *err)
{
    long runs = (long)spec->n_conditions * spec->n_seeds;

    if (runs > GLIA_MAX_RUNS)
        return glia_error_set(err, GLIA_EINVAL, "",
                              "the study has %d conditions x %d seeds = %ld runs; a study holds at "
                              "most %d runs",
                              spec->n_conditions, spec->n_seeds, runs, GLIA_MAX_RUNS);
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

/* name, description and episodes: the same members in a request and a document. */
static int parse_head(const json_t *body, glia_experiment_spec_t *spec, glia_error_t *err)
{
    const json_t *v = json_object_get(body, "name");

    if (!json_is_string(v) || !glia_name_valid(json_string_value(v)))
        return glia_error_set(err, GLIA_EINVAL, "/name",
                              "required: a name matching [a-z0-9][a-z0-9._-]{0,63}");
    snprintf(spec->name, sizeof(spec->name), "%s", json_string_value(v));
    if (strcmp(spec->name, "templates") == 0)
        return glia_error_set(err, GLIA_EINVAL, "/name",
                              "\"templates\" is reserved (GET /v1/experiments/templates)");
    v = json_object_get(body, "description");
    if (v != NULL && (!json_is_string(v) || json_string_length(v) > GLIA_DESCRIPTION_MAX ||
                      strlen(json_string_value(v)) != json_string_length(v)))
        return glia_error_set(err, GLIA_EINVAL, "/description",
                              "must be a string of at most %d bytes", GLIA_DESCRIPTION_MAX);
    if (v != NULL) {
        spec->has_description = 1;
        snprintf(spec->description, sizeof(spec->description), "%s", json_string_value(v));
    }
    v = json_object_get(body, "episodes");
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > GLIA_MAX_EXPERIMENT_EPISODES)
        return glia_error_set(err, GLIA_EINVAL, "/episodes", "required: an integer in [1, %d]",
                              GLIA_MAX_EXPERIMENT_EPISODES);
    spec->episodes = (uint64_t)json_integer_value(v);
    if ((v = json_object_get(body, "seeds")) == NULL)
        return glia_error_set(err, GLIA_EINVAL, "/seeds", "required: [seeds] or {\"count\": n}");
    return parse_seeds(v, spec, err);
}

int glia_experiment_parse(const json_t *body, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known[] = {"name",  "description", "conditions", "base", "sweep",
                                        "prune", "seeds",       "episodes",   NULL};
    const json_t *sweep, *prune;
    int rc;

    memset(spec, 0, sizeof(*spec));
    if (!json_is_object(body))
        return glia_error_set(err, GLIA_EINVAL, "", "the body must be a JSON object");
    if ((rc = glia_json_only_known(body, known, "", err)) != 0)
        return rc;
    if ((rc = parse_head(body, spec, err)) != 0)
        return rc;
    sweep = json_object_get(body, "sweep");
    if (sweep != NULL) {
        if (json_object_get(body, "conditions") != NULL)
            return glia_error_set(err, GLIA_EINVAL, "/conditions",
                                  "a study lists its conditions or sweeps them, not both");
        rc = parse_sweep(sweep, json_object_get(body, "base"), spec, err);
    } else if (json_object_get(body, "base") != NULL) {
        return glia_error_set(err, GLIA_EINVAL, "/base",
                              "\"base\" goes with \"sweep\"; conditions carry their own preset and "
                              "config");
    } else {
        rc = parse_conditions(json_object_get(body, "conditions"), spec, err);
    }
    if (rc != 0)
        return rc;
    if ((prune = json_object_get(body, "prune")) != NULL &&
        (rc = parse_prune(prune, spec, err)) != 0)
        return rc;
    return check_study(spec, err);
}

/* ---- documents --------------------------------------------------------------------------- */

/* Everything that decides the runs, in a fixed member order: what "study" hashes. */
static json_t *study_json(const glia_experiment_spec_t *spec)
{
    json_t *doc = json_object(), *seeds = json_array(), *conds = json_array();

    if (doc == NULL || seeds == NULL || conds == NULL) {
        json_decref(doc);
        json_decref(seeds);
        json_decref(conds);
        return NULL;
    }
    json_object_set_new(doc, "name", json_string(spec->name));
    if (spec->has_description)
        json_object_set_new(doc, "description", json_string(spec->description));
    json_object_set_new(doc, "episodes", json_integer((json_int_t)spec->episodes));
    for (int k = 0; k < spec->n_seeds; k++)
        json_array_append_new(seeds, json_integer(spec->seeds[k]));
    json_object_set_new(doc, "seeds", seeds);
    for (int i = 0; i < spec->n_conditions; i++) {
        const glia_condition_t *c = &spec->conditions[i];
        json_t *o = json_pack("{s:s}", "label", c->label);
        if (o == NULL)
            continue;
        if (c->preset[0])
            json_object_set_new(o, "preset", json_string(c->preset));
        if (spec->n_swept > 0) {
            json_t *values = json_object();
            char title[256];
            for (int f = 0; f < spec->n_swept; f++)
                json_object_set_new(
                    values, spec->swept[f],
                    glia_config_field_json(&c->config, glia_config_field_find(spec->swept[f])));
            point_title((const char(*)[GLIA_FIELD_MAX])spec->swept, spec->n_swept, &c->config,
                        title, sizeof(title));
            json_object_set_new(o, "title", json_string(title));
            json_object_set_new(o, "values", values);
        }
        json_object_set_new(o, "config", glia_config_to_json(&c->config));
        json_array_append_new(conds, o);
    }
    json_object_set_new(doc, "conditions", conds);
    if (spec->sweep_kind != GLIA_SWEEP_NONE) {
        json_t *fields = json_array();
        for (int f = 0; f < spec->n_swept; f++)
            json_array_append_new(fields, json_string(spec->swept[f]));
        if (spec->sweep_kind == GLIA_SWEEP_GRID)
            json_object_set_new(doc, "sweep",
                                json_pack("{s:s, s:o}", "kind", "grid", "fields", fields));
        else
            json_object_set_new(doc, "sweep",
                                json_pack("{s:s, s:o, s:i, s:I}", "kind", "random", "fields",
                                          fields, "samples", spec->samples, "seed",
                                          (json_int_t)spec->sweep_seed));
    }
    if (spec->n_rungs > 0) {
        json_t *rungs = json_array();
        for (int r = 0; r < spec->n_rungs; r++)
            json_array_append_new(rungs, json_integer((json_int_t)spec->rungs[r]));
        json_object_set_new(doc, "prune",
                            json_pack("{s:o, s:f}", "rungs", rungs, "keep", spec->keep));
    }
    return doc;
}

json_t *glia_experiment_doc_new(const glia_experiment_spec_t *spec)
{
    json_t *doc = study_json(spec);
    char *text, hex[GLIA_SHA256_HEX], study[80];
    size_t len;

    if (doc == NULL || (text = glia_json_dumps(doc, GLIA_JSON_COMPACT, &len)) == NULL) {
        json_decref(doc);
        return NULL;
    }
    glia_sha256_hex(text, len, hex);
    free(text);
    snprintf(study, sizeof(study), "sha256:%s", hex);
    if (json_object_set_new(doc, "study", json_string(study)) != 0 ||
        json_object_set_new(doc, "records", json_object()) != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int glia_experiment_spec_from_doc(const json_t *doc, glia_experiment_spec_t *spec,
                                  glia_error_t *err)
{
    json_t *conds = json_object_get(doc, "conditions"), *sweep = json_object_get(doc, "sweep");
    json_t *prune = json_object_get(doc, "prune");
    int rc;

    memset(spec, 0, sizeof(*spec));
    if (!json_is_object(doc))
        return glia_error_set(err, GLIA_EINVAL, "", "not an experiment document");
    if ((rc = parse_head(doc, spec, err)) != 0)
        return rc;
    if (!json_is_array(conds) || json_array_size(conds) < 1 ||
        json_array_size(conds) > GLIA_MAX_CONDITIONS)
        return glia_error_set(err, GLIA_EINVAL, "/conditions",
                              "must be an array of 1 to %d conditions", GLIA_MAX_CONDITIONS);
    spec->n_conditions = (int)json_array_size(conds);
    for (int i = 0; i < spec->n_conditions; i++) {
        json_t *c = json_array_get(conds, (size_t)i), *label = json_object_get(c, "label");
        json_t *preset = json_object_get(c, "preset");
        glia_condition_t *cond = &spec->conditions[i];
        const glia_preset_info_t *info;
        char where[64];

        snprintf(where, sizeof(where), "/conditions/%d/label", i);
        if (!json_is_string(label) || !label_valid(json_string_value(label)))
            return glia_error_set(err, GLIA_EINVAL, where, "must be a label");
        snprintf(cond->label, sizeof(cond->label), "%s", json_string_value(label));
        for (int k = 0; k < i; k++) {
            if (strcmp(spec->conditions[k].label, cond->label) == 0)
                return glia_error_set(err, GLIA_EINVAL, where, "label \"%s\" is used twice",
                                      cond->label);
        }
        if (json_is_string(preset)) {
            snprintf(where, sizeof(where), "/conditions/%d/preset", i);
            if ((info = glia_preset_find(json_string_value(preset))) == NULL)
                return glia_error_set(err, GLIA_EINVAL, where, "unknown preset");
            snprintf(cond->preset, sizeof(cond->preset), "%s", info->name);
        }
        snprintf(where, sizeof(where), "/conditions/%d/config", i);
        glia_config_default(&cond->config);
        if (!json_is_object(json_object_get(c, "config")))
            return glia_error_set(err, GLIA_EINVAL, where, "must be an object");
        if (glia_config_apply_json(&cond->config, json_object_get(c, "config"), where, err) != 0)
            return GLIA_EINVAL;
    }
    if (sweep != NULL) {
        const char *kind = json_string_value(json_object_get(sweep, "kind"));
        json_t *fields = json_object_get(sweep, "fields");
        if (kind == NULL || (strcmp(kind, "grid") != 0 && strcmp(kind, "random") != 0))
            return glia_error_set(err, GLIA_EINVAL, "/sweep/kind", "must be grid or random");
        spec->sweep_kind = strcmp(kind, "grid") == 0 ? GLIA_SWEEP_GRID : GLIA_SWEEP_RANDOM;
        if (!json_is_array(fields) || json_array_size(fields) < 1 ||
            json_array_size(fields) > GLIA_MAX_SWEPT)
            return glia_error_set(err, GLIA_EINVAL, "/sweep/fields", "must be 1 to %d pointers",
                                  GLIA_MAX_SWEPT);
        for (size_t f = 0; f < json_array_size(fields); f++) {
            const char *p = json_string_value(json_array_get(fields, f));
            if (p == NULL || swept_field(spec, p, "/sweep/fields", err) == NULL)
                return glia_error_set(err, GLIA_EINVAL, "/sweep/fields", "must name config fields");
        }
        if (spec->sweep_kind == GLIA_SWEEP_RANDOM) {
            json_t *n = json_object_get(sweep, "samples"), *s = json_object_get(sweep, "seed");
            if (!json_is_integer(n) || json_integer_value(n) != spec->n_conditions ||
                !json_is_integer(s) || json_integer_value(s) < 0 ||
                json_integer_value(s) > UINT32_MAX)
                return glia_error_set(err, GLIA_EINVAL, "/sweep", "samples and seed do not fit");
            spec->samples = (int)json_integer_value(n);
            spec->sweep_seed = (uint32_t)json_integer_value(s);
        }
    }
    if (prune != NULL && (rc = parse_prune(prune, spec, err)) != 0)
        return rc;
    return check_study(spec, err);
}

int glia_experiment_shards(int n_runs, int n_shards, int *shard_of)
{
    int *perm = malloc((size_t)(n_runs > 0 ? n_runs : 1) * sizeof(int));
    glia_rng_t rng;

    if (perm == NULL)
        return GLIA_ENOMEM;
    for (int i = 0; i < n_runs; i++)
        perm[i] = i;
    /* A fixed shuffle (Fisher-Yates), so no shard holds one condition's runs only. */
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, GLIA_SHARD_SEED);
    for (int i = n_runs - 1; i > 0; i--) {
        int j = (int)(glia_rng_next(&rng) * (i + 1)), t;
        if (j > i)
            j = i;
        t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int pos = 0; pos < n_runs; pos++)
        shard_of[perm[pos]] = pos % n_shards;
    free(perm);
    return 0;
}

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

int glia_experiment_set_records(json_t *doc, const json_t *found)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    json_t *records = json_object();

    if (records == NULL)
        return GLIA_ENOMEM;
    for (size_t i = 0; i < json_array_size(conds); i++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        json_t *src = json_object_get(found, label), *dst;
        if (label == NULL || !json_is_object(src) || json_object_size(src) == 0)
            continue;
        if ((dst = json_object()) == NULL || json_object_set_new(records, label, dst) != 0)
            goto fail;
        for (size_t k = 0; k < json_array_size(seeds); k++) {
            char key[24];
            json_t *r;
            snprintf(key, sizeof(key), "%lld",
                     (long long)json_integer_value(json_array_get(seeds, k)));
            if ((r = json_object_get(src, key)) != NULL && json_object_set(dst, key, r) != 0)
                goto fail;
        }
    }
    if (json_object_set_new(doc, "records", records) != 0)
        return GLIA_ENOMEM;
    return 0;
fail:
    json_decref(records);
    return GLIA_ENOMEM;
}

void glia_experiment_session_name(const char *experiment, const char *label, uint32_t seed,
                                  char *out, size_t size)
{
    /* glia_experiment_parse checked that every such name fits GLIA_NAME_MAX. */
    if (snprintf(out, size, "%s.%s.%u", experiment, label, seed) >= (int)size)
        out[size - 1] = '\0';
}

/* The accuracy levels a record times (time to 90%, 95% and 100%). */
static const struct {
    const char *key; /* record member: "episodes_to_<key>" */
    double level;
} levels[] = {{"90", 0.9}, {"95", 0.95}, {"100", 1.0}};
#define N_LEVELS (sizeof(levels) / sizeof(levels[0]))

/* The episode of the first trajectory point (or the last episode's point) whose
 * inference accuracy reached `level`, or null. Accuracies are sums of fractions of
 * bits: a level is reached within 1e-9. */
static json_t *episodes_to(glia_session_t *s, double level)
{
    size_t n;
    const glia_point_t *pts = glia_session_trajectory(s, &n);
    glia_point_t last;

    for (size_t i = 0; i < n; i++) {
        if (pts[i].accuracy + 1e-9 >= level)
            return json_integer((json_int_t)pts[i].episode);
    }
    if (glia_session_last_point(s, &last) == 0 && last.accuracy + 1e-9 >= level)
        return json_integer((json_int_t)last.episode);
    return json_null();
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
    return json_pack(
        "{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:o, s:i, s:b, s:o, s:o, s:o, s:o, "
        "s:o}",
        "seed", (json_int_t)glia_session_seed(s), "episodes", (json_int_t)k.episodes, "accuracy",
        inf.mean_accuracy, "correct_bits", correct, "total_bits", inf.count * inf.width, "accepted",
        (json_int_t)k.accepted, "rejected", (json_int_t)k.rejected, "accept_rate",
        decisions ? json_real((double)k.accepted / (double)decisions) : json_null(),
        "distinct_outputs", inf.distinct_outputs, "constant_output", inf.constant_output, "outputs",
        glia_outputs_to_json(&inf), "pattern_accuracy", pacc, "episodes_to_90", episodes_to(s, 0.9),
        "episodes_to_95", episodes_to(s, 0.95), "episodes_to_100", episodes_to(s, 1.0));
}

static json_t *record_of(const json_t *doc, const char *label, json_int_t seed);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
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
    for (size_t l = 0; l < N_LEVELS; l++) {
        char key[32];
        size_t n = 0;
        json_t *median = json_null();
        snprintf(key, sizeof(key), "episodes_to_%s", levels[l].key);
        for (size_t k = 0; k < ns; k++) {
            json_t *r = record_of(doc, label, json_integer_value(json_array_get(seeds, k)));
            if (json_is_integer(json_object_get(r, key)))
                e[n++] = (double)json_integer_value(json_object_get(r, key));
        }
        if (n > 0) {
            qsort(e, n, sizeof(double), cmp_double);
            json_decref(median);
            median = json_real(n % 2 ? e[n / 2] : (e[n / 2 - 1] + e[n / 2]) / 2.0);
        }
        json_object_set_new(
            o, levels[l].key,
            json_pack("{s:I, s:o}", "seeds", (json_int_t)n, "median_episodes", median));
    }
    free(e);
    return o;
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
                      "wilcoxon",
                      "w_plus", w.w_plus, "w_minus", w.w_minus, "n_used", w.n_used, "p_value",
                      w.p_value, "exact", w.is_exact, "sign_test", "p_value",
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
    /* Compare every other finished condition with the best (rows[0] when finished). */
    for (size_t i = 1; i < nc && rank_group(&rows[0]) == 0 && rank_group(&rows[i]) == 0; i++) {
        size_t n = 0;
        int wins = 0, ties = 0, losses = 0;
        glia_wilcoxon_t w;
        for (size_t k = 0; k < ns; k++) {
            json_int_t seed = json_integer_value(json_array_get(seeds, k));
            json_t *ra = record_of(doc, rows[0].label, seed),
                   *rb = record_of(doc, rows[i].label, seed);
            if (ra == NULL || rb == NULL)
                continue;
            x[n] = (double)json_integer_value(json_object_get(ra, "correct_bits"));
            y[n] = (double)json_integer_value(json_object_get(rb, "correct_bits"));
            wins += x[n] > y[n];
            ties += x[n] == y[n];
            losses += x[n] < y[n];
            n++;
        }
        if (glia_stats_wilcoxon(x, y, n, &w) != 0)
            goto done;
        p[m++] = w.p_value;
        ahead[i] = w.w_plus > w.w_minus;
        cmp[i] = json_pack("{s:I, s:i, s:i, s:i, s:f}", "n", (json_int_t)n, "wins", wins, "ties",
                           ties, "losses", losses, "p_value", w.p_value);
        if (cmp[i] == NULL)
            goto done;
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
        json_t *st = json_array_get(stats, r->cond), *cond = json_array_get(conds, r->cond), *e;
        /* Ties share a rank (1, 2, 2, 4): equal correct bits are equal accuracy. */
        if (i > 0 && !same_rank(&rows[i - 1], r))
            rank = i + 1;
        /* The mean as correct bits / total bits: the mean of the runs' accuracies without
         * summation rounding, so tied conditions show the same number. */
        e = json_pack("{s:I, s:s, s:I, s:o?, s:O?, s:i}", "rank", (json_int_t)rank, "label",
                      r->label, "n", (json_int_t)r->n, "mean_accuracy",
                      r->n && r->total > 0 ? json_real((double)r->bits / (double)r->total) : NULL,
                      "ci95", r->n ? json_object_get(st, "ci95") : NULL, "constant_output_seeds",
                      (int)json_integer_value(json_object_get(st, "constant_output_seeds")));
        if (e == NULL)
            goto done;
        if (json_is_object(json_object_get(cond, "values")))
            json_object_set(e, "values", json_object_get(cond, "values"));
        if (r->pruned_at > 0)
            json_object_set_new(e, "pruned_at", json_integer(r->pruned_at));
        json_object_set_new(e, "vs_best", cmp[i] ? cmp[i] : json_null());
        cmp[i] = NULL;
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

json_t *glia_experiment_results(const json_t *doc)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    json_t *per_cond = json_array(), *pairs = json_array(), *per_seed = json_array();

    for (size_t i = 0; i < json_array_size(conds); i++)
        json_array_append_new(per_cond, condition_stats(doc, json_array_get(conds, i)));
    /* Every pair up to GLIA_PAIRWISE_MAX conditions; a sweep's ranking compares each
     * condition with the best instead of n^2 / 2 pairs. */
    for (size_t i = 0; json_array_size(conds) <= GLIA_PAIRWISE_MAX && i < json_array_size(conds);
         i++) {
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
    return json_pack("{s:o, s:o*, s:o, s:o}", "conditions", per_cond, "ranking",
                     ranking(doc, per_cond), "pairwise", pairs, "per_seed", per_seed);
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

/* The ranking: one row per condition, best first, a column per swept field. */
static void ranking_md(glia_strbuf_t *b, const json_t *doc)
{
    json_t *rank = json_object_get(json_object_get(doc, "results"), "ranking");
    json_t *prune = json_object_get(doc, "prune");
    char swept[GLIA_MAX_SWEPT][GLIA_FIELD_MAX], pbuf[32];
    int nsw = doc_swept(doc, swept), compared = 0;

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
    if (!json_is_array(rank))
        return;
    glia_strbuf_puts(b, "## Ranking\n\n| Rank | Condition |");
    for (int i = 0; i < nsw; i++)
        glia_strbuf_printf(b, " %s |", swept_name((const char(*)[GLIA_FIELD_MAX])swept, nsw, i));
    glia_strbuf_puts(
        b, " Mean accuracy | 95% CI (t) | Seeds | vs best: W / T / L | vs best: p (Holm) | "
           "Seeds with constant output |\n|");
    for (int i = 0; i < nsw + 8; i++)
        glia_strbuf_puts(b, "---|");
    glia_strbuf_puts(b, "\n");
    for (size_t r = 0; r < json_array_size(rank); r++) {
        json_t *e = json_array_get(rank, r), *vs = json_object_get(e, "vs_best");
        json_t *values = json_object_get(e, "values"), *ci = json_object_get(e, "ci95");
        json_int_t n = json_integer_value(json_object_get(e, "n"));
        glia_strbuf_printf(b, "| %lld | %s |",
                           (long long)json_integer_value(json_object_get(e, "rank")),
                           json_string_value(json_object_get(e, "label")));
        for (int i = 0; i < nsw; i++) {
            char text[64];
            value_text(json_object_get(values, swept[i]), text, sizeof(text));
            glia_strbuf_printf(b, " %s |", text);
        }
        glia_strbuf_puts(b, " ");
        pct(b, json_object_get(e, "mean_accuracy"));
        glia_strbuf_puts(b, " | [");
        pct(b, json_object_get(ci, "low"));
        glia_strbuf_puts(b, ", ");
        pct(b, json_object_get(ci, "high"));
        glia_strbuf_printf(b, "] | %lld | ", (long long)n);
        if (json_is_object(vs)) {
            compared++;
            glia_strbuf_printf(
                b, "%lld / %lld / %lld | %s%s |",
                (long long)json_integer_value(json_object_get(vs, "wins")),
                (long long)json_integer_value(json_object_get(vs, "ties")),
                (long long)json_integer_value(json_object_get(vs, "losses")),
                json_is_true(json_object_get(vs, "worse")) ? "**worse**, " : "",
                pvalue(json_number_value(json_object_get(vs, "p_holm")), pbuf, sizeof(pbuf)));
        } else if (json_integer_value(json_object_get(e, "pruned_at")) > 0) {
            glia_strbuf_printf(b, "- | pruned at episode %lld |",
                               (long long)json_integer_value(json_object_get(e, "pruned_at")));
        } else if (n == 0) {
            glia_strbuf_puts(b, "- | no runs |");
        } else {
            glia_strbuf_puts(b, "- | best |");
        }
        glia_strbuf_printf(
            b, " %lld/%lld |\n",
            (long long)json_integer_value(json_object_get(e, "constant_output_seeds")),
            (long long)n);
    }
    glia_strbuf_printf(b,
                       "\nRanked by mean accuracy. W / T / L: seeds where the best has more / as "
                       "many / fewer correct output bits. **worse**: significantly below the best "
                       "(paired two-sided Wilcoxon signed-rank test over the seeds, Holm-corrected "
                       "over the %d comparisons, family-wise alpha %g).",
                       compared, GLIA_SIGNIFICANCE);
    if (json_is_object(prune))
        glia_strbuf_puts(b, " A pruned condition's accuracy is at the episode it was stopped.");
    glia_strbuf_puts(b, "\n\n");
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
    ranking_md(&b, doc);
    if (nc > GLIA_PAIRWISE_MAX) {
        glia_strbuf_printf(&b,
                           "With more than %d conditions the per-condition tables are left out: "
                           "the CSV report has every run, the JSON one every statistic.\n",
                           GLIA_PAIRWISE_MAX);
        methods_md(&b);
        return glia_strbuf_take(&b, len);
    }
    glia_strbuf_puts(&b, "## Conditions\n\n");
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

    /* Time to accuracy: per condition, then per seed. */
    glia_strbuf_puts(&b, "\n## Time to accuracy (episode of the first trajectory point at or "
                         "above the level)\n\n");
    table_head(&b, cs, "Level", 1);
    for (size_t l = 0; l < N_LEVELS; l++) {
        glia_strbuf_printf(&b, "| %s%% |", levels[l].key);
        for (size_t i = 0; i < nc; i++) {
            json_t *c = json_array_get(cs, i);
            json_t *lv = json_object_get(json_object_get(c, "episodes_to"), levels[l].key);
            json_t *med = json_object_get(lv, "median_episodes");
            glia_strbuf_printf(&b, " %lld/%lld",
                               (long long)json_integer_value(json_object_get(lv, "seeds")),
                               (long long)json_integer_value(json_object_get(c, "n")));
            if (json_is_number(med))
                glia_strbuf_printf(&b, ", median %g", json_number_value(med));
            glia_strbuf_puts(&b, " |");
        }
        glia_strbuf_puts(&b, "\n");
    }
    glia_strbuf_puts(&b, "\nPer seed, episodes to 90% / 95% / 100% (- when never reached):\n\n");
    table_head(&b, cs, "Seed", 1);
    for (size_t k = 0; k < json_array_size(json_object_get(res, "per_seed")); k++) {
        json_t *row = json_array_get(json_object_get(res, "per_seed"), k);
        glia_strbuf_printf(&b, "| %lld |",
                           (long long)json_integer_value(json_object_get(row, "seed")));
        for (size_t i = 0; i < nc; i++) {
            const char *label = json_string_value(json_object_get(json_array_get(cs, i), "label"));
            json_t *r = json_object_get(json_object_get(row, "records"), label);
            if (!json_is_object(r)) {
                glia_strbuf_puts(&b, " (not run) |");
                continue;
            }
            for (size_t l = 0; l < N_LEVELS; l++) {
                char key[32];
                json_t *e;
                snprintf(key, sizeof(key), "episodes_to_%s", levels[l].key);
                e = json_object_get(r, key);
                glia_strbuf_puts(&b, l == 0 ? " " : " / ");
                if (json_is_integer(e))
                    glia_strbuf_printf(&b, "%lld", (long long)json_integer_value(e));
                else
                    glia_strbuf_puts(&b, "-");
            }
            glia_strbuf_puts(&b, " |");
        }
        glia_strbuf_puts(&b, "\n");
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
    methods_md(&b);
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

    char swept[GLIA_MAX_SWEPT][GLIA_FIELD_MAX];
    int nsw = doc_swept(doc, swept), has_prune = json_is_object(json_object_get(doc, "prune"));

    glia_strbuf_puts(&b, "experiment,condition,seed,episodes,accuracy,accept_rate,accepted,rejected,"
                         "distinct_outputs,constant_output");
    for (size_t p = 0; p < npat; p++)
        glia_strbuf_printf(&b, ",P%zu_output", p + 1);
    for (size_t p = 0; p < npat; p++)
        glia_strbuf_printf(&b, ",P%zu_accuracy", p + 1);
    for (size_t l = 0; l < N_LEVELS; l++)
        glia_strbuf_printf(&b, ",episodes_to_%s", levels[l].key);
    /* A sweep adds its fields (named by pointer), pruning the episode a run stopped at. */
    for (int i = 0; i < nsw; i++)
        glia_strbuf_printf(&b, ",%s", swept[i]);
    if (has_prune)
        glia_strbuf_puts(&b, ",pruned_at");
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
            for (size_t l = 0; l < N_LEVELS; l++) {
                char key[32];
                snprintf(key, sizeof(key), "episodes_to_%s", levels[l].key);
                if (json_is_integer(json_object_get(r, key)))
                    glia_strbuf_printf(&b, ",%lld",
                                       (long long)json_integer_value(json_object_get(r, key)));
                else
                    glia_strbuf_puts(&b, ",");
            }
            for (int f = 0; f < nsw; f++) {
                value_text(
                    json_object_get(json_object_get(json_array_get(conds, i), "values"), swept[f]),
                    num, sizeof(num));
                glia_strbuf_printf(&b, ",%s", num);
            }
            if (has_prune && json_integer_value(json_object_get(r, "pruned_at")) > 0)
                glia_strbuf_printf(&b, ",%lld",
                                   (long long)json_integer_value(json_object_get(r, "pruned_at")));
            else if (has_prune)
                glia_strbuf_puts(&b, ",");
            glia_strbuf_puts(&b, "\n");
        }
    }
    return glia_strbuf_take(&b, len);
}

json_t *glia_experiment_templates(void)
{
    /* A condition is a label, a preset and optional config overrides (JSON text). */
    static const struct {
        const char *name, *description;
        int episodes;
        const char *labels[4], *presets[4], *configs[4];
    } t[] = {
        {"exp020", "Cursor vs control (paper Table 3): one spatial cursor, no homeostasis.", 5000,
         {"cursor", "control", NULL}, {"cursor", "control", NULL}, {NULL}},
        {"exp021", "Astrocytes (firing) vs cursor vs control (paper Table 4).", 5000,
         {"astrocyte", "cursor", "control"}, {"astrocyte-firing", "cursor", "control"}, {NULL}},
        {"exp022", "Traffic sensing vs firing sensing vs control.", 5000,
         {"traffic", "firing", "control"}, {"astrocyte-traffic", "astrocyte-firing", "control"},
         {NULL}},
        {"exp023", "Flat 1% exploration vs none vs control.", 5000,
         {"epsilon", "firing", "control"}, {"epsilon", "astrocyte-firing", "control"}, {NULL}},
        {"exp024", "Maturity-scaled exploration vs flat vs control, 20,000 episodes.", 20000,
         {"maturity", "epsilon", "control"}, {"maturity", "epsilon", "control"}, {NULL}},
        {"phase1-attractor",
         "Phase 1's constant-output attractor (paper Table 1): exp 012b Full model ([11111] "
         "on every seed, 55%) vs exp 002 Full model vs exp 018 Baseline, 1,000 episodes "
         "(012b's and 002's published length; exp 018's is 10,000). See the constant-output "
         "row.",
         1000,
         {"exp012b-full", "exp002-full", "exp018-baseline"},
         {"exp012b-full", "exp002-full", "exp018-baseline"},
         {NULL}},
        {"phase1-vs-phase1b",
         "The paper's contrast: phase 1's neuron-centric learner (exp 012b Full model, its "
         "4-pattern task) beside phase 1b's astrocytes (exp 024, maturity), 20,000 episodes.",
         20000,
         {"phase1-012b", "phase1b-024"},
         {"exp012b-full", "maturity"},
         {NULL}},
        {"scope",
         "Update scope (paper 7.1): astrocytes vs the cursor vs every synapse perturbed at "
         "once (global) vs as many synapses as the astrocytes would perturb, drawn from the "
         "whole network (scattered); maturity settings, 20,000 episodes. Astrocyte vs "
         "scattered tests locality with the count held; scattered vs global tests the count.",
         20000,
         {"astrocyte", "cursor", "global", "scattered"},
         {"maturity", "cursor", "maturity", "maturity"},
         {NULL, NULL, "{\"learner\": {\"kind\": \"global\"}}",
          "{\"learner\": {\"kind\": \"scattered\"}}"}},
        {"reach",
         "Beyond the paper (README): the paper's best (maturity) vs reach (task-level reward, "
         "thresholds perturbed, one random territory per step) vs global perturbation and "
         "random search under reach's reward and settings, with the episodes to 90/95/100% "
         "(trajectory points every 10 episodes).",
         20000,
         {"maturity", "reach", "global", "random-search"},
         {"maturity", "reach", "reach", "reach"},
         {"{\"training\": {\"trajectory_interval\": 10}}", NULL,
          "{\"learner\": {\"kind\": \"global\"}}",
          "{\"learner\": {\"kind\": \"random-search\"}}"}},
    };
    static const int seeds[10] = {42, 137, 271, 314, 500, 618, 777, 888, 999, 1234};
    json_t *items = json_array();

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        json_t *conds = json_array(), *sj = json_array();
        for (int c = 0; c < 4 && t[i].labels[c]; c++) {
            json_t *cond = json_pack("{s:s, s:s}", "label", t[i].labels[c], "preset",
                                     t[i].presets[c]);
            if (cond != NULL && t[i].configs[c] != NULL)
                json_object_set_new(cond, "config", json_loads(t[i].configs[c], 0, NULL));
            json_array_append_new(conds, cond);
        }
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
