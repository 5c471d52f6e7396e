/* experiment_sweep.c: a study's conditions from a sweep over config fields.
 *
 * A grid ({"<pointer>": [values...]}) is the cartesian product of its values, the first
 * field outermost; a random sweep draws `samples` points from one distribution per field,
 * reproducibly from its seed. Every point starts from the same base (a preset and config
 * overrides), and its whole config is validated: a value may be valid alone and not with
 * another swept field's value. Conditions are labelled g00.. / r00.. and titled by their
 * swept values.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/experiment_internal.h"
#include "api/json_write.h"
#include "api/requests.h"
#include "core/rng.h"

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
                                  json_is_string(preset)
                                      ? "unknown preset \"%.40s\"; GET /v1/presets lists them"
                                      : "must be a preset name, not %s",
                                  json_is_string(preset) ? json_string_value(preset)
                                                         : glia_json_type_name(preset));
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
const glia_config_field_t *glia__experiment_swept_field(glia_experiment_spec_t *spec,
                                                        const char *pointer, const char *where,
                                                        glia_error_t *err)
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
const char *glia__experiment_swept_name(const char (*swept)[GLIA_FIELD_MAX], int n, int i)
{
    const char *leaf = strrchr(swept[i], '/') + 1;
    for (int k = 0; k < n; k++) {
        if (k != i && strcmp(strrchr(swept[k], '/') + 1, leaf) == 0)
            return swept[i];
    }
    return leaf;
}

void glia__experiment_value_text(const json_t *v, char *out, size_t size)
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
void glia__experiment_point_title(const char (*swept)[GLIA_FIELD_MAX], int n,
                                  const glia_config_t *cfg, char *out, size_t size)
{
    size_t len = 0;

    out[0] = '\0';
    for (int i = 0; i < n && len < size; i++) {
        json_t *v = glia_config_field_json(cfg, glia_config_field_find(swept[i]));
        char text[64];
        int w;
        glia__experiment_value_text(v, text, sizeof(text));
        json_decref(v);
        w = snprintf(out + len, size - len, "%s%s=%s", i ? "," : "",
                     glia__experiment_swept_name(swept, n, i), text);
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
    glia__experiment_point_title((const char(*)[GLIA_FIELD_MAX])spec->swept, spec->n_swept, cfg,
                                 title, sizeof(title));
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

/* ---- grids ------------------------------------------------------------------------------- */

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
    json_object_foreach((json_t *)grid, key, v)
    {
        char where[GLIA_FIELD_MAX] = "/sweep/grid";
        const glia_config_field_t *f;
        size_t n = json_array_size(v);
        glia_config_t c = base->config;
        double seen[GLIA_MAX_CONDITIONS];

        glia_json_pointer_append(where, sizeof(where), key);
        if ((f = glia__experiment_swept_field(spec, key, where, err)) == NULL)
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

/* ---- random samples ---------------------------------------------------------------------- */

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
    json_object_foreach(space, key, v)
    {
        char where[GLIA_FIELD_MAX] = "/sweep/random/space";
        glia_json_pointer_append(where, sizeof(where), key);
        if ((fields[nf] = glia__experiment_swept_field(spec, key, where, err)) == NULL ||
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

int glia__experiment_parse_sweep(const json_t *sweep, const json_t *base_json,
                                 glia_experiment_spec_t *spec, glia_error_t *err)
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
