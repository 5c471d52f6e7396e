/* test_requests.c: request parsing: query parameters (kept, looked up, at most 16; typed
 * values with the parameter named in errors), bodies (appended in chunks, refused past the
 * limit and dropped, malformed JSON answered 400 with line and column), the body parsers
 * of the session routes with JSON pointers in their errors, base64, and how a prepare
 * error becomes a reply (400 for a parameter or header, 422 for the body, 500 for memory). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "api/requests.h"
#include "server/http/reply.h"
#include "server/http/request.h"

static glia_request_t *req_new(void)
{
    glia_request_t *req = calloc(1, sizeof(*req));
    cr_assert_not_null(req);
    snprintf(req->path, sizeof(req->path), "/v1/test");
    return req;
}

static json_t *reply_json(glia_request_t *req)
{
    json_t *j;

    cr_assert(req->is_ready, "answered");
    j = json_loadb(req->resp_body, req->resp_len, 0, NULL);
    cr_assert_not_null(j, "%.*s", (int)req->resp_len, req->resp_body);
    return j;
}

/* ---- query ---------------------------------------------------------------------------- */

Test(requests, query_parameters_are_kept_and_looked_up)
{
    glia_request_t *req = req_new();

    cr_expect_eq(glia_request_add_query(req, "limit", "5"), 0);
    cr_expect_eq(glia_request_add_query(req, "flag", NULL), 0);
    cr_expect_str_eq(glia_request_query(req, "limit"), "5");
    cr_expect_str_eq(glia_request_query(req, "flag"), "", "a key without a value");
    cr_expect_null(glia_request_query(req, "lim"));
    cr_expect_eq(glia_request_add_query(req, "limit", "6"), 0);
    cr_expect_str_eq(glia_request_query(req, "limit"), "5", "the first one counts");
    glia_request_free(req);
}

Test(requests, at_most_sixteen_query_parameters)
{
    glia_request_t *req = req_new();
    char key[8];

    for (int i = 0; i < GLIA_QUERY_MAX; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cr_assert_eq(glia_request_add_query(req, key, "v"), 0);
    }
    cr_expect_eq(req->query_overflow, 0);
    cr_expect_eq(glia_request_add_query(req, "one-more", "v"), GLIA_ELIMIT);
    cr_expect_eq(req->query_overflow, 1);
    cr_expect_null(glia_request_query(req, "one-more"));
    glia_request_free(req);
}

Test(requests, integer_query_values_are_checked_and_named)
{
    glia_error_t err;
    int64_t v = 0;

    glia_error_clear(&err);
    cr_expect_eq(glia_query_int("limit", "42", 1, 100, &v, &err), 0);
    cr_expect_eq(v, 42);
    cr_expect_eq(glia_query_int("after", "-1", -1, 10, &v, &err), 0);
    cr_expect_eq(v, -1);
    static const char *const bad[] = {"", "x", "1x", "1.5", "1 ", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        glia_error_clear(&err);
        cr_expect_eq(glia_query_int("limit", bad[i], 1, 100, &v, &err), GLIA_EINVAL, "'%s'",
                     bad[i]);
        cr_expect_str_eq(err.field, "?limit");
        cr_expect_str_eq(err.message, "query parameter limit must be an integer");
    }
    glia_error_clear(&err);
    cr_expect_eq(glia_query_int("limit", "0", 1, 100, &v, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.message, "query parameter limit must be in [1, 100]");
    glia_error_clear(&err);
    cr_expect_eq(glia_query_int("limit", "101", 1, 100, &v, &err), GLIA_EINVAL);
}

Test(requests, boolean_query_values)
{
    glia_error_t err;
    int v = -1;

    glia_error_clear(&err);
    cr_expect_eq(glia_query_bool("follow", "true", &v, &err), 0);
    cr_expect_eq(v, 1);
    cr_expect_eq(glia_query_bool("follow", "0", &v, &err), 0);
    cr_expect_eq(v, 0);
    cr_expect_eq(glia_query_bool("follow", "1", &v, &err), 0);
    cr_expect_eq(v, 1);
    cr_expect_eq(glia_query_bool("follow", "false", &v, &err), 0);
    cr_expect_eq(v, 0);
    cr_expect_eq(glia_query_bool("follow", "yes", &v, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "?follow");
    cr_expect_str_eq(err.message, "query parameter follow must be true or false");
}

/* ---- bodies --------------------------------------------------------------------------- */

Test(requests, a_body_is_appended_in_chunks)
{
    glia_request_t *req = req_new();

    cr_expect_eq(glia_request_append_body(req, "{\"steps\":", 9, 100), 0);
    cr_expect_eq(glia_request_append_body(req, " 3}", 3, 100), 0);
    cr_expect_eq(req->body_len, 12);
    cr_expect_str_eq(req->body, "{\"steps\": 3}");
    cr_expect_eq(glia_request_parse_body(req), 0);
    cr_expect_eq(json_integer_value(json_object_get(req->json, "steps")), 3);
    glia_request_free(req);
}

Test(requests, a_body_past_the_limit_is_dropped)
{
    glia_request_t *req = req_new();
    char chunk[600];

    memset(chunk, ' ', sizeof(chunk));
    cr_expect_eq(glia_request_append_body(req, chunk, 600, 1024), 0);
    cr_expect_eq(glia_request_append_body(req, chunk, 424, 1024), 0, "exactly the limit");
    cr_expect_eq(req->body_len, 1024);
    cr_expect_eq(glia_request_append_body(req, chunk, 1, 1024), GLIA_ELIMIT, "one byte more");
    cr_expect_eq(req->is_too_big, 1);
    cr_expect_null(req->body, "what was read is dropped");
    cr_expect_eq(req->body_len, 0);
    cr_expect_eq(glia_request_append_body(req, chunk, 1, 1024), GLIA_ELIMIT,
                 "the rest is dropped too");
    cr_expect_eq(req->body_len, 0);
    glia_request_free(req);

    req = req_new();
    cr_expect_eq(glia_request_append_body(req, chunk, 600, 500), GLIA_ELIMIT,
                 "a first chunk past the limit");
    glia_request_free(req);
}

Test(requests, an_empty_body_is_no_json)
{
    glia_request_t *req = req_new();

    cr_expect_eq(glia_request_parse_body(req), 0);
    cr_expect_null(req->json);
    cr_expect_eq(req->is_ready, 0, "nothing to answer");
    glia_request_free(req);
}

Test(requests, malformed_json_is_answered_400_with_its_position)
{
    glia_request_t *req = req_new();
    json_t *p;

    glia_request_append_body(req, "{\n  \"a\": 1,\n  \"a\": 2\n}", 22, 100);
    cr_expect_eq(glia_request_parse_body(req), GLIA_EFORMAT);
    cr_expect_eq(req->status, 400);
    cr_expect_str_eq(req->resp_type, "application/problem+json");
    p = reply_json(req);
    cr_expect_str_eq(json_string_value(json_object_get(p, "type")),
                     "urn:glia:problem:malformed-json");
    cr_expect_eq(json_integer_value(json_object_get(p, "line")), 3, "duplicate keys refused");
    cr_expect_str_eq(json_string_value(json_object_get(p, "instance")), "/v1/test");
    json_decref(p);
    glia_request_free(req);
}

Test(requests, a_scalar_body_parses_and_is_refused_by_the_route)
{
    glia_request_t *req = req_new();
    glia_error_t err;

    glia_request_append_body(req, "42", 2, 100);
    cr_expect_eq(glia_request_parse_body(req), 0, "any JSON value parses");
    glia_error_clear(&err);
    cr_expect_eq(glia_parse_empty(req->json, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "");
    cr_expect_not_null(strstr(err.message, "must be a JSON object"), "%s", err.message);
    glia_request_free(req);
}

/* ---- route bodies --------------------------------------------------------------------- */

static json_t *parse(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    cr_assert_not_null(j, "%s", text);
    return j;
}

Test(requests, run_and_step_bodies)
{
    glia_error_t err;
    uint64_t episodes = 0;
    int steps = 0;
    json_t *b;

    glia_error_clear(&err);
    b = parse("{\"episodes\": 20000}");
    cr_expect_eq(glia_parse_run(b, &episodes, &err), 0);
    cr_expect_eq(episodes, 20000);
    json_decref(b);
    cr_expect_eq(glia_parse_run(NULL, &episodes, &err), GLIA_EINVAL, "run needs a body");
    cr_expect_str_eq(err.field, "/episodes");
    glia_error_clear(&err);
    b = parse("{\"episodes\": 0}");
    cr_expect_eq(glia_parse_run(b, &episodes, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/episodes");
    json_decref(b);
    glia_error_clear(&err);
    b = parse("{\"episodes\": 5, \"speed\": 2}");
    cr_expect_eq(glia_parse_run(b, &episodes, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/speed");
    cr_expect_str_eq(err.message, "unknown field");
    json_decref(b);

    glia_error_clear(&err);
    cr_expect_eq(glia_parse_step(NULL, &steps, &err), 0);
    cr_expect_eq(steps, 1, "no body: one step");
    b = parse("{\"steps\": 1000}");
    cr_expect_eq(glia_parse_step(b, &steps, &err), 0);
    cr_expect_eq(steps, GLIA_MAX_STEP_REQUEST);
    json_decref(b);
    b = parse("{\"steps\": 1001}");
    cr_expect_eq(glia_parse_step(b, &steps, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.message, "must be in [1, 1000]");
    json_decref(b);
    glia_error_clear(&err);
    b = parse("{\"steps\": \"3\"}");
    cr_expect_eq(glia_parse_step(b, &steps, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/steps");
    json_decref(b);
}

Test(requests, session_specs)
{
    glia_session_spec_t spec;
    glia_error_t err;
    json_t *b;

    glia_error_clear(&err);
    b = parse("{\"name\": \"s1\", \"preset\": \"cursor\", \"seed\": 7, \"export_metrics\": true}");
    cr_expect_eq(glia_parse_session_spec(b, 1, &spec, &err), 0, "%s %s", err.field, err.message);
    cr_expect_str_eq(spec.name, "s1");
    cr_expect_str_eq(spec.preset, "cursor");
    cr_expect_eq(spec.seed, 7);
    cr_expect_eq(spec.export_metrics, 1);
    json_decref(b);

    b = parse("{\"preset\": \"cursor\"}");
    cr_expect_eq(glia_parse_session_spec(b, 1, &spec, &err), GLIA_EINVAL, "create needs a name");
    cr_expect_str_eq(err.field, "/name");
    glia_error_clear(&err);
    cr_expect_eq(glia_parse_session_spec(b, 0, &spec, &err), 0, "PUT /config has none");
    cr_expect_eq(spec.seed, 42, "the default seed");
    json_decref(b);

    glia_error_clear(&err);
    b = parse("{\"name\": \"Bad Name\"}");
    cr_expect_eq(glia_parse_session_spec(b, 1, &spec, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/name");
    json_decref(b);

    glia_error_clear(&err);
    b = parse("{\"name\": \"s\", \"preset\": \"nope\"}");
    cr_expect_eq(glia_parse_session_spec(b, 1, &spec, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/preset");
    json_decref(b);

    glia_error_clear(&err);
    b = parse("{\"name\": \"s\", \"snapshot\": \"AAAA\", \"seed\": 1}");
    cr_expect_eq(glia_parse_session_spec(b, 1, &spec, &err), GLIA_EINVAL,
                 "a snapshot carries its own seed");
    cr_expect_str_eq(err.field, "/snapshot");
    json_decref(b);

    glia_error_clear(&err);
    b = parse("{\"name\": \"s\", \"seed\": 4294967296}");
    cr_expect_eq(glia_parse_session_spec(b, 1, &spec, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/seed");
    json_decref(b);

    glia_error_clear(&err);
    b = parse("{\"name\": \"s\", \"config\": []}");
    cr_expect_eq(glia_parse_session_spec(b, 1, &spec, &err), GLIA_EINVAL);
    cr_expect_str_eq(err.field, "/config");
    json_decref(b);
}

Test(requests, base64_round_trips_and_refuses_bad_text)
{
    uint8_t data[256], *back;
    size_t len;
    char *text;

    for (int i = 0; i < 256; i++)
        data[i] = (uint8_t)(i * 7);
    for (size_t n = 0; n <= 5; n++) {
        text = glia_base64_encode(data, n);
        cr_assert_not_null(text);
        cr_expect_eq(strlen(text), 4 * ((n + 2) / 3));
        cr_assert_eq(glia_base64_decode(text, &back, &len), 0, "%s", text);
        cr_expect_eq(len, n);
        cr_expect(n == 0 || memcmp(back, data, n) == 0);
        free(back);
        free(text);
    }
    text = glia_base64_encode((const uint8_t *)"glia", 4);
    cr_expect_str_eq(text, "Z2xpYQ==");
    free(text);
    /* Cut short, a foreign character, padding inside or before the end, text after the
     * padding, whitespace, and a last character whose unused bits are not zero ("YR==" is
     * not what any encoder writes for "a"). */
    static const char *const bad[] = {"Z2xpYQ=",      "Z2x!YQ==", "Z=xpYQ==", "Z2xp=Q==",
                                      "Z2xpYQ==Z2xp", "Z2xp YQ=", "Z2xpYR=="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(glia_base64_decode(bad[i], &back, &len), GLIA_EINVAL, "%s", bad[i]);
}

/* ---- a prepare error becomes a reply ------------------------------------------------- */

Test(requests, prepare_errors_become_400_422_or_500)
{
    glia_request_t *req;
    glia_error_t err;
    json_t *p;

    req = req_new();
    glia_error_clear(&err);
    glia_error_set(&err, GLIA_EINVAL, "?limit", "query parameter limit must be an integer");
    glia_reply_prepare_error(req, GLIA_EINVAL, &err);
    cr_expect_eq(req->status, 400);
    p = reply_json(req);
    cr_expect_str_eq(json_string_value(json_object_get(p, "type")), "urn:glia:problem:bad-query");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(p, "errors"), 0), "parameter")),
                     "limit");
    json_decref(p);
    glia_request_free(req);

    req = req_new();
    glia_error_clear(&err);
    glia_error_set(&err, GLIA_EINVAL, "Last-Event-ID", "header Last-Event-ID must be an id");
    glia_reply_prepare_error(req, GLIA_EINVAL, &err);
    cr_expect_eq(req->status, 400);
    p = reply_json(req);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(p, "errors"), 0), "header")),
                     "Last-Event-ID");
    json_decref(p);
    glia_request_free(req);

    req = req_new();
    glia_error_clear(&err);
    glia_error_set(&err, GLIA_EINVAL, "/episodes", "must be in [1, 100000000]");
    glia_reply_prepare_error(req, GLIA_EINVAL, &err);
    cr_expect_eq(req->status, 422);
    p = reply_json(req);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(p, "errors"), 0), "pointer")),
                     "/episodes");
    json_decref(p);
    glia_request_free(req);

    req = req_new();
    glia_error_clear(&err);
    glia_error_set(&err, GLIA_EINVAL, "", "the body must be a JSON object, not an integer");
    glia_reply_prepare_error(req, GLIA_EINVAL, &err);
    cr_expect_eq(req->status, 422, "the document itself: pointer \"\"");
    glia_request_free(req);

    req = req_new();
    glia_error_clear(&err);
    glia_reply_prepare_error(req, GLIA_ENOMEM, &err);
    cr_expect_eq(req->status, 500);
    glia_request_free(req);
}

/* ---- replies -------------------------------------------------------------------------- */

static int resumed;
static void resume_cb(glia_request_t *req)
{
    (void)req;
    resumed++;
}

Test(requests, a_reply_hands_a_suspended_request_back_once)
{
    glia_request_t *req = req_new();

    req->resume_cb = resume_cb;
    resumed = 0;
    glia_reply_json(req, 200, json_pack("{s:i}", "a", 1));
    cr_expect_eq(resumed, 0, "not suspended: nothing to resume");
    cr_expect_eq(req->is_ready, 1);
    cr_expect_str_eq(req->resp_type, "application/json");
    cr_expect_eq(req->resp_body[req->resp_len - 1], '\n', "a trailing newline");

    req->is_suspended = 1;
    req->is_ready = 0;
    glia_reply_empty(req, 204);
    cr_expect_eq(resumed, 1);
    cr_expect_eq(req->is_suspended, 0);
    cr_expect_eq(req->status, 204);
    cr_expect_eq(req->resp_len, 0);
    glia_request_free(req);
}

Test(requests, glia_reply_picks_problem_empty_or_json_by_status)
{
    glia_request_t *req = req_new();
    json_t *p;

    glia_reply(req, 409, json_pack("{s:s, s:i}", "title", "Conflict", "status", 409));
    cr_expect_eq(req->status, 409);
    cr_expect_str_eq(req->resp_type, "application/problem+json");
    p = reply_json(req);
    cr_expect_str_eq(json_string_value(json_object_get(p, "instance")), "/v1/test");
    json_decref(p);
    glia_reply(req, 204, NULL);
    cr_expect_eq(req->status, 204);
    cr_expect_null(req->resp_type);
    glia_reply(req, 202, json_object());
    cr_expect_eq(req->status, 202);
    cr_expect_str_eq(req->resp_type, "application/json");
    glia_reply_json(req, 200, NULL);
    cr_expect_eq(req->status, 500, "a body that could not be built is a 500 problem");
    cr_expect_str_eq(req->resp_type, "application/problem+json");
    glia_request_free(req);
}
