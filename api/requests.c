/* requests.c: body and query parsing for the HTTP API. */
#include "api/requests.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"

static int body_object(const json_t *body, glia_error_t *err)
{
    if (!json_is_object(body))
        return glia_error_set(err, GLIA_EINVAL, "", "the body must be a JSON object, not %s",
                              glia_json_type_name(body));
    return 0;
}

int glia_json_only_known(const json_t *obj, const char *const *known, const char *base,
                         glia_error_t *err)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        int ok = 0;
        for (int i = 0; known[i] && !ok; i++)
            ok = strcmp(known[i], key) == 0;
        if (!ok) {
            char ptr[GLIA_FIELD_MAX];
            snprintf(ptr, sizeof(ptr), "%s", base);
            glia_json_pointer_append(ptr, sizeof(ptr), key);
            return glia_error_set(err, GLIA_EINVAL, ptr, "unknown field");
        }
    }
    return 0;
}

static int get_int(const json_t *body, const char *key, int64_t min, int64_t max, int64_t *out,
                   glia_error_t *err)
{
    const json_t *v = json_object_get(body, key);
    char ptr[GLIA_FIELD_MAX] = "";

    glia_json_pointer_append(ptr, sizeof(ptr), key);
    if (!json_is_integer(v))
        return glia_error_set(err, GLIA_EINVAL, ptr, "must be an integer, not %s", glia_json_type_name(v));
    *out = json_integer_value(v);
    if (*out < min || *out > max)
        return glia_error_set(err, GLIA_EINVAL, ptr, "must be in [%lld, %lld]", (long long)min,
                              (long long)max);
    return 0;
}

int glia_parse_session_spec(const json_t *body, int with_name, glia_session_spec_t *spec,
                            glia_error_t *err)
{
    static const char *const known_create[] = {"name", "preset", "seed", "config",
                                               "export_metrics", "snapshot", NULL};
    static const char *const known_put[] = {"preset", "seed", "config", "export_metrics", NULL};
    const json_t *v;
    const char *preset = NULL;
    int rc;

    memset(spec, 0, sizeof(*spec));
    spec->seed = 42;
    if ((rc = body_object(body, err)) != 0 ||
        (rc = glia_json_only_known(body, with_name ? known_create : known_put, "", err)) != 0)
        return rc;

    if (with_name) {
        v = json_object_get(body, "name");
        if (!json_is_string(v))
            return glia_error_set(err, GLIA_EINVAL, "/name", "required: a string");
        if (!glia_name_valid(json_string_value(v)))
            return glia_error_set(err, GLIA_EINVAL, "/name",
                                  "must match [a-z0-9][a-z0-9._-]{0,63}");
        snprintf(spec->name, sizeof(spec->name), "%s", json_string_value(v));
    }
    if ((v = json_object_get(body, "export_metrics")) != NULL) {
        if (!json_is_boolean(v))
            return glia_error_set(err, GLIA_EINVAL, "/export_metrics", "must be true or false");
        spec->export_metrics = json_is_true(v);
    }
    if ((v = json_object_get(body, "snapshot")) != NULL) {
        if (!json_is_string(v))
            return glia_error_set(err, GLIA_EINVAL, "/snapshot",
                                  "must be the base64 text of GET .../snapshot");
        if (json_object_get(body, "preset") || json_object_get(body, "seed") ||
            json_object_get(body, "config"))
            return glia_error_set(err, GLIA_EINVAL, "/snapshot",
                                  "a snapshot carries its own preset, seed and config; omit them");
        spec->snapshot = json_string_value(v);
        return 0;
    }
    if ((v = json_object_get(body, "preset")) != NULL) {
        const glia_preset_info_t *info;
        if (!json_is_string(v))
            return glia_error_set(err, GLIA_EINVAL, "/preset", "must be a string");
        info = glia_preset_find(json_string_value(v));
        if (info == NULL)
            return glia_error_set(err, GLIA_EINVAL, "/preset",
                                  "unknown preset \"%.40s\"; GET /v1/presets lists them",
                                  json_string_value(v));
        preset = info->name;
        snprintf(spec->preset, sizeof(spec->preset), "%s", preset);
    }
    if (json_object_get(body, "seed") != NULL) {
        int64_t seed;
        if ((rc = get_int(body, "seed", 0, UINT32_MAX, &seed, err)) != 0)
            return rc;
        spec->seed = (uint32_t)seed;
    }
    v = json_object_get(body, "config");
    if (v != NULL && !json_is_object(v))
        return glia_error_set(err, GLIA_EINVAL, "/config", "must be an object, not %s",
                              glia_json_type_name(v));
    spec->config_overrides = (json_t *)v;
    rc = glia_config_resolve(&spec->config, preset, "/preset", v, "/config", err);
    return rc == 0 ? 0 : GLIA_EINVAL;
}

int glia_parse_run(const json_t *body, uint64_t *episodes, glia_error_t *err)
{
    static const char *const known[] = {"episodes", NULL};
    int64_t v;
    int rc;

    if (body == NULL)
        return glia_error_set(err, GLIA_EINVAL, "/episodes", "required: {\"episodes\": n}");
    if ((rc = body_object(body, err)) != 0 || (rc = glia_json_only_known(body, known, "", err)) != 0)
        return rc;
    if (json_object_get(body, "episodes") == NULL)
        return glia_error_set(err, GLIA_EINVAL, "/episodes", "required: an integer");
    if ((rc = get_int(body, "episodes", 1, GLIA_MAX_RUN_EPISODES, &v, err)) != 0)
        return rc;
    *episodes = (uint64_t)v;
    return 0;
}

int glia_parse_step(const json_t *body, int *steps, glia_error_t *err)
{
    static const char *const known[] = {"steps", NULL};
    int64_t v;
    int rc;

    *steps = 1;
    if (body == NULL)
        return 0;
    if ((rc = body_object(body, err)) != 0 || (rc = glia_json_only_known(body, known, "", err)) != 0)
        return rc;
    if (json_object_get(body, "steps") == NULL)
        return 0;
    if ((rc = get_int(body, "steps", 1, GLIA_MAX_STEP_REQUEST, &v, err)) != 0)
        return rc;
    *steps = (int)v;
    return 0;
}

int glia_parse_empty(const json_t *body, glia_error_t *err)
{
    static const char *const known[] = {NULL};
    int rc;

    if (body == NULL)
        return 0;
    if ((rc = body_object(body, err)) != 0)
        return rc;
    return glia_json_only_known(body, known, "", err);
}

int glia_query_int(const char *name, const char *value, int64_t min, int64_t max,
                   int64_t *out, glia_error_t *err)
{
    char *end;
    long long v;
    char field[64];

    snprintf(field, sizeof(field), "?%s", name);
    /* Digits, and a '-' only in front of them: strtoll alone would also take leading
     * spaces (?limit=%2010) and a '+'. */
    errno = 0;
    v = strtoll(value, &end, 10);
    if (!((value[0] >= '0' && value[0] <= '9') ||
          (value[0] == '-' && value[1] >= '0' && value[1] <= '9')) ||
        *end != '\0' || errno != 0)
        return glia_error_set(err, GLIA_EINVAL, field, "query parameter %s must be an integer",
                              name);
    if (v < min || v > max)
        return glia_error_set(err, GLIA_EINVAL, field, "query parameter %s must be in [%lld, %lld]",
                              name, (long long)min, (long long)max);
    *out = v;
    return 0;
}

int glia_query_bool(const char *name, const char *value, int *out, glia_error_t *err)
{
    char field[64];

    snprintf(field, sizeof(field), "?%s", name);
    if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
        *out = 1;
    else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
        *out = 0;
    else
        return glia_error_set(err, GLIA_EINVAL, field,
                              "query parameter %s must be true or false", name);
    return 0;
}

int glia_query_only_known(int n, char *const *keys, const char *const *known, glia_error_t *err)
{
    for (int i = 0; i < n; i++) {
        int ok = 0;
        char field[64];
        for (int k = 0; known != NULL && known[k] && !ok; k++)
            ok = strcmp(known[k], keys[i]) == 0;
        if (ok)
            continue;
        snprintf(field, sizeof(field), "?%.60s", keys[i]);
        if (known == NULL || known[0] == NULL)
            return glia_error_set(err, GLIA_EINVAL, field,
                                  "unknown query parameter %.60s: this route takes none", keys[i]);
        {
            char list[256] = "";
            size_t used = 0;
            for (int k = 0; known[k]; k++) {
                int w = snprintf(list + used, sizeof(list) - used, "%s%s", k ? ", " : "", known[k]);
                if (w < 0 || (size_t)w >= sizeof(list) - used)
                    break;
                used += (size_t)w;
            }
            return glia_error_set(err, GLIA_EINVAL, field,
                                  "unknown query parameter %.60s: this route takes %s", keys[i],
                                  list);
        }
    }
    return 0;
}

int glia_query_format(const char *value, const char *const *formats, int *out, glia_error_t *err)
{
    char list[128] = "";
    size_t used = 0;

    for (int k = 0; formats[k]; k++) {
        if (strcmp(formats[k], value) == 0) {
            *out = k;
            return 0;
        }
    }
    for (int k = 0; formats[k]; k++) {
        int w = snprintf(list + used, sizeof(list) - used, "%s%s",
                         k == 0           ? ""
                         : formats[k + 1] ? ", "
                                          : " or ",
                         formats[k]);
        if (w < 0 || (size_t)w >= sizeof(list) - used)
            break;
        used += (size_t)w;
    }
    return glia_error_set(err, GLIA_EINVAL, "?format", "query parameter format must be %s", list);
}

/* Vector `v` (at pointer `ptr`) appended to out->values. */
static int objective_vector(const json_t *v, const char *ptr, glia_objective_body_t *out,
                            size_t *used, size_t *cap, glia_error_t *err)
{
    size_t n = json_array_size(v);

    if (!json_is_array(v))
        return glia_error_set(err, GLIA_EINVAL, ptr, "must be an array of numbers, not %s",
                              glia_json_type_name(v));
    if (*used + n > *cap) {
        size_t want = *cap ? *cap : 64;
        double *p;
        while (want < *used + n)
            want *= 2;
        if ((p = realloc(out->values, want * sizeof(double))) == NULL)
            return GLIA_ENOMEM;
        out->values = p;
        *cap = want;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(v, i);
        double d = json_number_value(x);
        if (!json_is_number(x) || !isfinite(d) || fabs(d) > GLIA_OBJECTIVE_MAX_WEIGHT) {
            char at[GLIA_FIELD_MAX];
            snprintf(at, sizeof(at), "%s/%zu", ptr, i);
            if (!json_is_number(x))
                return glia_error_set(err, GLIA_EINVAL, at, "must be a number, not %s",
                                      glia_json_type_name(x));
            return glia_error_set(err, GLIA_EINVAL, at, "must be a finite number in [-1e9, 1e9]");
        }
        out->values[*used + i] = d;
    }
    out->len[out->n_vectors++] = n;
    *used += n;
    return 0;
}

int glia_parse_objective(const json_t *body, glia_objective_body_t *out, glia_error_t *err)
{
    static const char *const known[] = {"weights", "batch", NULL};
    const json_t *weights, *batch;
    size_t used = 0, cap = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (body == NULL)
        return glia_error_set(err, GLIA_EINVAL, "",
                              "a JSON body is required: {\"weights\": [...]} or "
                              "{\"batch\": [[...], ...]}");
    if ((rc = body_object(body, err)) != 0 ||
        (rc = glia_json_only_known(body, known, "", err)) != 0)
        return rc;
    weights = json_object_get(body, "weights");
    batch = json_object_get(body, "batch");
    if ((weights == NULL) == (batch == NULL))
        return glia_error_set(err, GLIA_EINVAL, weights ? "/batch" : "",
                              "give either weights (one vector) or batch (a list of vectors)");
    if (weights != NULL)
        return objective_vector(weights, "/weights", out, &used, &cap, err);
    out->is_batch = 1;
    if (!json_is_array(batch) || json_array_size(batch) == 0 ||
        json_array_size(batch) > GLIA_OBJECTIVE_MAX_VECTORS)
        return glia_error_set(err, GLIA_EINVAL, "/batch",
                              "must be an array of 1 to %d vectors (arrays of numbers)",
                              GLIA_OBJECTIVE_MAX_VECTORS);
    for (size_t k = 0; k < json_array_size(batch); k++) {
        char ptr[32];
        snprintf(ptr, sizeof(ptr), "/batch/%zu", k);
        if ((rc = objective_vector(json_array_get(batch, k), ptr, out, &used, &cap, err)) != 0)
            return rc;
    }
    return 0;
}

/* Base64 is libsodium's, in its original alphabet with padding (RFC 4648 section 4): the
 * decoder takes exactly what the encoder writes, no whitespace, nothing after the padding,
 * and no non-zero bits after the last byte. */
char *glia_base64_encode(const uint8_t *data, size_t len)
{
    size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(size);

    if (out == NULL)
        return NULL;
    sodium_bin2base64(out, size, data, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

int glia_base64_decode(const char *text, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(text), size = n / 4 * 3 + 1;
    uint8_t *buf;

    if (n % 4 != 0)
        return GLIA_EINVAL;
    buf = malloc(size);
    if (buf == NULL)
        return GLIA_ENOMEM;
    /* With no end pointer, libsodium refuses text it cannot take whole. */
    if (sodium_base642bin(buf, size, text, n, NULL, out_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(buf);
        return GLIA_EINVAL;
    }
    *out = buf;
    return 0;
}
