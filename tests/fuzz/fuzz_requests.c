/* fuzz_requests.c: a request taken apart the way gliad does it, without the transport.
 *
 * The input is "METHOD /path?query\n", optionally "Last-Event-ID: <value>\n", then the
 * body. The harness does what server/http/http.c does with what libmicrohttpd hands it: the
 * path and every query key and value are percent-decoded with libmicrohttpd's own
 * unescaping (so %20 and %00 arrive as they would), the path is routed with gliad's table
 * (server/routes/routes.c), the query and body are kept with server/http/request.c, and a request the
 * transport lets through (matched, named validly, not too many parameters) has its body
 * parsed and its route's prepare function run, as server/http/dispatch.c does. Properties:
 *  - a number in a query is accepted only when written as digits (a '-' in front at most)
 *    and in range (checked on glia_query_int for every integer parameter gliad reads);
 *  - malformed JSON is a 400 problem; a prepare function that refuses names the parameter
 *    ("?limit"), header or JSON pointer with a message, and the reply built from it is a
 *    problem (400, 422 or 500) whose status and "errors" agree;
 *  - what a prepare function accepts is in range: a session spec has a valid name (or
 *    none, for PUT) and a config that validates, steps and episodes within their bounds,
 *    list and metrics limits within theirs;
 *  - base64 that decodes encodes back to bytes that decode the same.
 *
 * What this cannot see: a decoded value with an embedded NUL reaches the handlers cut at
 * the NUL, because libmicrohttpd hands over C strings (see the report of issue 15, item 4).
 */
#include <microhttpd.h>
#include <stdbool.h>
#include <string.h>

#include "api/requests.h"
#include "fuzz_common.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/routes/routes.h"

#define MAX_BODY (1024 * 1024) /* gliad's default --max-body-bytes */

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

/* Every integer query parameter gliad reads, with the ranges its handlers use. */
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

/* The reply gliad sends for a refused request: a problem whose status is `status`. */
static void check_problem(const glia_request_t *req, int status)
{
    json_t *p;

    FUZZ_CHECK(req->is_ready && req->status == status, "status %d, expected %d", req->status,
               status);
    p = json_loadb(req->resp_body, req->resp_len, 0, NULL);
    FUZZ_CHECK(p != NULL, "the problem is not JSON:\n%.*s", (int)req->resp_len, req->resp_body);
    FUZZ_CHECK(json_integer_value(json_object_get(p, "status")) == status, "problem status");
    FUZZ_CHECK(json_is_string(json_object_get(p, "title")) &&
                   json_is_string(json_object_get(p, "detail")),
               "problem without title or detail");
    if (status == 422 || (status == 400 && json_object_get(p, "errors") != NULL)) {
        json_t *e = json_array_get(json_object_get(p, "errors"), 0);
        FUZZ_CHECK(json_is_string(json_object_get(e, "detail")), "errors[0] without detail");
        FUZZ_CHECK(json_is_string(json_object_get(e, status == 422 ? "pointer" : "parameter")) ||
                       json_is_string(json_object_get(e, "header")),
                   "errors[0] names nothing");
    }
    json_decref(p);
}

/* What the route's prepare function accepted. */
static void check_prepared(const glia_request_t *req)
{
    const char *tpl = req->route->template, *method = req->route->method;

    if (req->spec != NULL) {
        int is_create = strcmp(method, "POST") == 0;
        FUZZ_CHECK(is_create ? glia_name_valid(req->spec->name) : req->spec->name[0] == '\0',
                   "name \"%s\"", req->spec->name);
        FUZZ_CHECK(glia_config_validate(&req->spec->config, NULL) == 0,
                   "the config does not validate");
        if (req->spec->snapshot != NULL)
            check_base64(req->spec->snapshot);
    } else if (strstr(tpl, "/step") != NULL) {
        FUZZ_CHECK(req->steps >= 1 && req->steps <= GLIA_MAX_STEP_REQUEST, "steps %d", req->steps);
    } else if (strstr(tpl, "/run") != NULL) {
        FUZZ_CHECK(req->episodes >= 1 && req->episodes <= GLIA_MAX_RUN_EPISODES, "episodes %llu",
                   (unsigned long long)req->episodes);
    } else if (strcmp(tpl, "/v1/sessions") == 0) {
        FUZZ_CHECK(req->limit >= 1 && req->limit <= 1000, "limit %lld", (long long)req->limit);
    } else if (strstr(tpl, "/metrics") != NULL) {
        FUZZ_CHECK(req->limit >= 1 && req->limit <= 10000, "limit %lld", (long long)req->limit);
        FUZZ_CHECK(req->after >= -1, "after %lld", (long long)req->after);
    }
}

/* Split "k=v&k=v" as libmicrohttpd does, decode, keep (at most 16, as http.c). */
static void add_query(glia_request_t *req, char *query)
{
    char *save = NULL;

    for (char *part = strtok_r(query, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '='), *value = eq ? eq + 1 : part + strlen(part);
        if (eq)
            *eq = '\0';
        MHD_http_unescape(part);
        MHD_http_unescape(value);
        check_param(part, value);
        if (glia_request_add_query(req, part, value) == GLIA_ELIMIT)
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *end = (const char *)data + size, *p, *nl;
    char *line, *sp, *target, *query;
    glia_request_t *req;
    glia_error_t err;
    int rc;

    if (size > FUZZ_MAX_INPUT || (nl = memchr(data, '\n', size)) == NULL)
        return 0;
    line = strndup((const char *)data, (size_t)(nl - (const char *)data));
    FUZZ_CHECK(line != NULL, "strndup");
    if ((sp = strchr(line, ' ')) == NULL) {
        free(line);
        return 0;
    }
    *sp = '\0';
    target = sp + 1;
    if ((query = strchr(target, '?')) != NULL)
        *query++ = '\0';
    MHD_http_unescape(target); /* libmicrohttpd decodes the path before gliad sees it */

    req = calloc(1, sizeof(*req));
    FUZZ_CHECK(req != NULL, "calloc");
    snprintf(req->method, sizeof(req->method), "%s", line);
    req->match_status = glia_route_match(glia_routes, glia_n_routes, line, target, &req->match,
                                         req->allow, sizeof(req->allow));
    if (req->match_status == GLIA_MATCH_OK)
        req->route = req->match.route;
    if (query != NULL)
        add_query(req, query);
    p = nl + 1;
    if ((size_t)(end - p) > 15 && memcmp(p, "Last-Event-ID: ", 15) == 0) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((e ? e : end) - (p + 15));
        snprintf(req->last_event_id, sizeof(req->last_event_id), "%.*s", (int)n, p + 15);
        p = e ? e + 1 : end;
    }
    if (p < end)
        glia_request_append_body(req, p, (size_t)(end - p), MAX_BODY);

    /* What the transport lets through reaches the route (server/http/http.c route_request). */
    if (req->route != NULL && !req->query_overflow && req->match.name_valid && !req->is_too_big) {
        if (glia_request_parse_body(req) != 0) {
            check_problem(req, 400);
        } else if (req->route->prepare != NULL) {
            glia_error_clear(&err);
            rc = req->route->prepare(req, &err);
            if (rc == 0) {
                check_prepared(req);
            } else {
                FUZZ_CHECK(rc == GLIA_EINVAL || rc == GLIA_ENOMEM, "prepare returned %d", rc);
                /* err.code may differ from rc: a snapshot that does not load is reported
                 * as EINVAL at /snapshot with the loader's EFORMAT record. What the client
                 * sees is built from the field and the message. */
                if (rc == GLIA_EINVAL) {
                    FUZZ_CHECK(err.code != 0, "refused without an error record");
                    FUZZ_CHECK(err.field[0] == '\0' || err.field[0] == '/' || err.field[0] == '?' ||
                                   strcmp(err.field, "Last-Event-ID") == 0,
                               "field \"%s\"", err.field);
                    FUZZ_CHECK(err.message[0] != '\0', "empty message for %s", err.field);
                }
                glia_reply_prepare_error(req, rc, &err);
                check_problem(req, rc == GLIA_ENOMEM                     ? 500
                                   : err.field[0] && err.field[0] != '/' ? 400
                                                                         : 422);
            }
        }
    }
    glia_request_free(req);
    free(line);
    return 0;
}
