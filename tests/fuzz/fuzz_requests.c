/* fuzz_requests.c: a request as gliad takes it apart: request line, query, body.
 *
 * The input is "METHOD /path?query\n<body>". The harness does what the transport and
 * the handlers do today (server/http.c, server/handlers.c): route the path, split the
 * query at & and =, percent-decode each part with libmicrohttpd's own unescaping (so
 * %20 and %00 arrive as they would), check the integer and boolean parameters with the
 * handlers' ranges, parse the body as JSON and hand it to the route's parser, and
 * decode a snapshot's base64. Properties: a number is accepted only when it is written
 * as digits (a '-' in front at most) and lies in range; refusals
 * name the parameter or field with a message; a session spec that parses has a valid
 * name and a config that validates; base64 that decodes encodes back to bytes that
 * decode the same.
 *
 * What this cannot see: a decoded value with an embedded NUL reaches the handlers cut
 * at the NUL (libmicrohttpd hands over C strings). Refusing it belongs to the request
 * parsing being split out of the transport (server/).
 */
#include <errno.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <string.h>

#include "api/experiment_json.h"
#include "api/requests.h"
#include "api/router.h"
#include "fuzz_common.h"

#define MAX_QUERY_PARAMS 16 /* server/http.c refuses more */

/* Is `s` written as an integer: optional '-', then one or more digits, nothing else? */
static bool is_decimal(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

static void check_int(const char *name, const char *value, int64_t min, int64_t max)
{
    glia_error_t err;
    int64_t v = 12345;
    char field[64];
    int rc;

    glia_error_clear(&err);
    rc = glia_query_int(name, value, min, max, &v, &err);
    snprintf(field, sizeof(field), "?%s", name);
    if (rc == 0) {
        FUZZ_CHECK(is_decimal(value), "?%s=\"%s\" accepted as %lld: a number is digits only", name,
                   value, (long long)v);
        FUZZ_CHECK(v >= min && v <= max, "?%s=%s gave %lld outside [%lld, %lld]", name, value,
                   (long long)v, (long long)min, (long long)max);
        FUZZ_CHECK(strtoll(value, NULL, 10) == v, "?%s=%s gave %lld", name, value, (long long)v);
    } else {
        FUZZ_CHECK(rc == GLIA_EINVAL, "rc %d", rc);
        FUZZ_CHECK_ERROR(err, rc);
        FUZZ_CHECK(strcmp(err.field, field) == 0, "field %s for ?%s", err.field, name);
        FUZZ_CHECK(v == 12345, "?%s=%s refused but the output was written", name, value);
    }
}

static void check_bool(const char *name, const char *value)
{
    glia_error_t err;
    int b = 7, rc;

    glia_error_clear(&err);
    rc = glia_query_bool(name, value, &b, &err);
    if (rc == 0)
        FUZZ_CHECK((b == 1 && (strcmp(value, "true") == 0 || strcmp(value, "1") == 0)) ||
                       (b == 0 && (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)),
                   "?%s=\"%s\" gave %d", name, value, b);
    else
        FUZZ_CHECK_ERROR(err, rc);
}

/* One decoded query parameter, checked the way every handler that reads it does. */
static void check_param(const char *key, const char *value)
{
    if (strcmp(key, "limit") == 0) {
        check_int(key, value, 1, 1000);  /* GET /v1/sessions */
        check_int(key, value, 1, 10000); /* GET .../metrics */
    } else if (strcmp(key, "after") == 0) {
        check_int(key, value, -1, INT64_MAX); /* .../metrics */
        check_int(key, value, 0, INT64_MAX);  /* .../events */
    } else if (strcmp(key, "max_points") == 0) {
        check_int(key, value, 2, 10000);
    } else if (strcmp(key, "follow") == 0 || strcmp(key, "synapses") == 0) {
        check_bool(key, value);
    }
}

static void check_query(char *query)
{
    char *save = NULL;
    int n = 0;

    for (char *part = strtok_r(query, "&", &save); part && n < MAX_QUERY_PARAMS;
         part = strtok_r(NULL, "&", &save), n++) {
        char *eq = strchr(part, '='), *value = eq ? eq + 1 : part + strlen(part);
        if (eq)
            *eq = '\0';
        MHD_http_unescape(part);
        MHD_http_unescape(value);
        check_param(part, value);
    }
}

static void check_base64(const char *text)
{
    uint8_t *bytes, *again;
    size_t len, len2;
    char *enc;

    if (glia_base64_decode(text, &bytes, &len) != 0)
        return;
    FUZZ_CHECK(len <= strlen(text) / 4 * 3, "%zu bytes from %zu characters", len, strlen(text));
    enc = glia_base64_encode(bytes, len);
    FUZZ_CHECK(enc != NULL && strlen(enc) == strlen(text), "re-encoded length");
    FUZZ_CHECK(glia_base64_decode(enc, &again, &len2) == 0, "own encoding refused: %s", enc);
    FUZZ_CHECK(len2 == len && memcmp(again, bytes, len) == 0, "round trip differs");
    free(again);
    free(enc);
    free(bytes);
}

static void check_body(int route, const json_t *json)
{
    static glia_session_spec_t spec;
    static glia_experiment_spec_t xspec;
    glia_error_t err;
    uint64_t episodes = 0;
    int steps = -1, rc = 0;

    glia_error_clear(&err);
    switch (route) {
    case GLIA_ROUTE_SESSIONS_CREATE:
    case GLIA_ROUTE_SESSION_CONFIG:
        if (json == NULL)
            return;
        rc = glia_parse_session_spec(json, route == GLIA_ROUTE_SESSIONS_CREATE, &spec, &err);
        if (rc != 0)
            break;
        if (route == GLIA_ROUTE_SESSIONS_CREATE)
            FUZZ_CHECK(glia_name_valid(spec.name), "name \"%s\"", spec.name);
        else
            FUZZ_CHECK(spec.name[0] == '\0', "PUT /config took a name");
        if (spec.snapshot != NULL)
            check_base64(spec.snapshot);
        else
            FUZZ_CHECK(glia_config_validate(&spec.config, NULL) == 0, "config does not validate");
        break;
    case GLIA_ROUTE_SESSION_STEP:
        rc = glia_parse_step(json, &steps, &err);
        if (rc == 0)
            FUZZ_CHECK(steps >= 1 && steps <= GLIA_MAX_STEP_REQUEST, "steps %d", steps);
        break;
    case GLIA_ROUTE_SESSION_RUN:
        rc = glia_parse_run(json, &episodes, &err);
        if (rc == 0)
            FUZZ_CHECK(episodes >= 1 && episodes <= GLIA_MAX_RUN_EPISODES, "episodes %llu",
                       (unsigned long long)episodes);
        break;
    case GLIA_ROUTE_SESSION_PAUSE:
    case GLIA_ROUTE_SESSION_RESUME:
    case GLIA_ROUTE_SESSION_CANCEL:
        rc = glia_parse_empty(json, &err);
        if (rc == 0)
            FUZZ_CHECK(json == NULL || (json_is_object(json) && json_object_size(json) == 0),
                       "a non-empty body accepted");
        break;
    case GLIA_ROUTE_EXPERIMENTS_CREATE:
        if (json == NULL)
            return;
        rc = glia_experiment_parse(json, &xspec, &err);
        break;
    default:
        return;
    }
    if (rc != 0) {
        FUZZ_CHECK(rc == GLIA_EINVAL, "rc %d", rc);
        FUZZ_CHECK_ERROR(err, rc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line, *sp, *target, *query, *nl;
    const uint8_t *body;
    size_t body_len;
    glia_route_match_t m;
    char allow[256];
    json_t *json = NULL;

    if (size > FUZZ_MAX_INPUT || (nl = memchr(data, '\n', size)) == NULL)
        return 0;
    line = strndup((const char *)data, (size_t)(nl - (const char *)data));
    FUZZ_CHECK(line != NULL, "strndup");
    body = (const uint8_t *)nl + 1;
    body_len = size - (size_t)(body - data);
    if ((sp = strchr(line, ' ')) == NULL) {
        free(line);
        return 0;
    }
    *sp = '\0';
    target = sp + 1;
    if ((query = strchr(target, '?')) != NULL)
        *query++ = '\0';
    /* libmicrohttpd decodes the path before gliad sees it. */
    MHD_http_unescape(target);
    if (query != NULL)
        check_query(query);
    if (glia_route_match(line, target, &m, allow, sizeof(allow)) == GLIA_MATCH_OK && m.name_valid) {
        if (body_len > 0)
            json = fuzz_json(body, body_len);
        if (body_len == 0 || json != NULL)
            check_body(m.route, json);
        json_decref(json);
    }
    free(line);
    return 0;
}
