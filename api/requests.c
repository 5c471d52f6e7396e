/* requests.c: body and query parsing for the HTTP API. */
#include "api/requests.h"

#include <errno.h>
#include <stdio.h>
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

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *glia_base64_encode(const uint8_t *data, size_t len)
{
    size_t out_len = 4 * ((len + 2) / 3);
    char *out = malloc(out_len + 1), *p = out;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        *p++ = b64chars[(v >> 18) & 63];
        *p++ = b64chars[(v >> 12) & 63];
        *p++ = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
        *p++ = i + 2 < len ? b64chars[v & 63] : '=';
    }
    *p = '\0';
    return out;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64chars, c) : NULL;
    return p ? (int)(p - b64chars) : -1;
}

int glia_base64_decode(const char *text, uint8_t **out, size_t *out_len)
{
    size_t n = strlen(text), o = 0;
    uint8_t *buf;

    if (n % 4 != 0)
        return GLIA_EINVAL;
    buf = malloc(n / 4 * 3 + 1);
    if (buf == NULL)
        return GLIA_ENOMEM;
    for (size_t i = 0; i < n; i += 4) {
        int a = b64val(text[i]), b = b64val(text[i + 1]);
        int c = text[i + 2] == '=' ? -2 : b64val(text[i + 2]);
        int d = text[i + 3] == '=' ? -2 : b64val(text[i + 3]);
        int last = i + 4 == n;
        if (a < 0 || b < 0 || c == -1 || d == -1 || (!last && (c < 0 || d < 0)) ||
            (c == -2 && d != -2)) {
            free(buf);
            return GLIA_EINVAL;
        }
        buf[o++] = (uint8_t)((a << 2) | (b >> 4));
        if (c >= 0)
            buf[o++] = (uint8_t)(((b & 15) << 4) | (c >> 2));
        if (d >= 0)
            buf[o++] = (uint8_t)(((c & 3) << 6) | d);
    }
    *out = buf;
    *out_len = o;
    return 0;
}
