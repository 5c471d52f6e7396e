/* 03_config_errors: bad session bodies: 422 validation problems naming the field with a
 * JSON pointer, 400 for bodies that are not JSON, and nothing created by a refused body.
 * Also walks every case of tests/data/invalid-config through POST /v1/sessions. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* POST /v1/sessions with `body`; expect a 422 validation problem naming `pointer`,
 * whose detail contains `detail_part` (when set), and no session named `name` after. */
static void expect_invalid(glia_daemon_t *d, const char *body, const char *pointer,
                           const char *detail_part)
{
    it_resp_t r = it_request(d, "POST", "/v1/sessions", body);
    json_t *err = json_array_get(json_object_get(r.json, "errors"), 0);
    const char *ptr = json_string_value(json_object_get(err, "pointer"));
    const char *detail = json_string_value(json_object_get(err, "detail"));

    cr_expect_eq(r.status, 422, "%s: status %ld: %.300s", body, r.status, r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json", "%s", body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:validation", "%s", body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "status")), 422, "%s", body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "instance")), "/v1/sessions");
    cr_expect(ptr != NULL && strcmp(ptr, pointer) == 0, "%s: pointer \"%s\", want \"%s\"", body,
              ptr ? ptr : "(none)", pointer);
    if (detail_part != NULL)
        cr_expect(detail != NULL && strstr(detail, detail_part) != NULL,
                  "%s: detail \"%s\" lacks \"%s\"", body, detail ? detail : "(none)", detail_part);
    it_resp_free(&r);
}

static size_t session_count(glia_daemon_t *d)
{
    json_t *list = it_get_json(d, 200, "/v1/sessions");
    size_t n = json_array_size(json_object_get(list, "items"));
    json_decref(list);
    return n;
}

Test(config_errors, bad_config_fields_are_422_with_the_field_pointer)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    /* unknown fields, at any depth, and outside the config */
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"network\":{\"bogus\":1}}}",
                   "/config/network/bogus", "unknown field");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"bogus\":{}}}", "/config/bogus",
                   "unknown field");
    expect_invalid(&d, "{\"name\":\"x\",\"bogus\":true}", "/bogus", "unknown field");
    /* wrong types */
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"network\":{\"clusters\":\"two\"}}}",
                   "/config/network/clusters", "must be an integer, not a string");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"network\":{\"clusters\":2.5}}}",
                   "/config/network/clusters", "must be an integer");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"network\":{\"p_intra\":\"0.5\"}}}",
                   "/config/network/p_intra", "must be a number, not a string");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"training\":{\"homeostasis\":1}}}",
                   "/config/training/homeostasis", "must be true or false");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"network\":[]}}", "/config/network",
                   "must be an object");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":[]}", "/config", "must be an object");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"learner\":{\"kind\":\"magic\"}}}",
                   "/config/learner/kind", "unknown value");
    /* probabilities outside [0, 1] */
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"network\":{\"p_intra\":1.5}}}",
                   "/config/network/p_intra", "[0, 1]");
    expect_invalid(&d,
                   "{\"name\":\"x\",\"preset\":\"cursor\","
                   "\"config\":{\"network\":{\"p_inter\":-0.1}}}",
                   "/config/network/p_inter", "[0, 1]");
    expect_invalid(&d,
                   "{\"name\":\"x\",\"preset\":\"epsilon\","
                   "\"config\":{\"learner\":{\"astrocyte\":{\"flat_rate\":1.01}}}}",
                   "/config/learner/astrocyte/flat_rate", "[0, 1]");
    /* a cross-field rule names the field it is about */
    expect_invalid(&d,
                   "{\"name\":\"x\",\"config\":{\"learner\":{\"astrocyte\":"
                   "{\"min_active\":4,\"max_active\":2}}}}",
                   "/config/learner/astrocyte/min_active", "max_active");
    cr_expect_eq(session_count(&d), 0, "no refused body created a session");
    cr_expect_eq(it_stop(&d), 0);
}

Test(config_errors, bad_tasks_are_422_at_the_pattern_that_is_wrong)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    /* the second pattern's input is 4 wide, the first's 5 */
    expect_invalid(&d,
                   "{\"name\":\"x\",\"config\":{\"task\":{\"patterns\":["
                   "{\"input\":\"00000\",\"target\":\"10101\"},"
                   "{\"input\":\"0000\",\"target\":\"01010\"}]}}}",
                   "/config/task/patterns/1/input", "width 4 differs");
    expect_invalid(&d,
                   "{\"name\":\"x\",\"config\":{\"task\":{\"patterns\":["
                   "{\"input\":\"00000\",\"target\":\"10101\"},"
                   "{\"input\":\"10000\",\"target\":\"010\"}]}}}",
                   "/config/task/patterns/1/target", "differs");
    /* no patterns at all */
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"task\":{\"patterns\":[]}}}",
                   "/config/task/patterns", "at least one pattern");
    /* not bits, missing half, extra field */
    expect_invalid(&d,
                   "{\"name\":\"x\",\"config\":{\"task\":{\"patterns\":["
                   "{\"input\":\"00a00\",\"target\":\"10101\"}]}}}",
                   "/config/task/patterns/0/input", "characters 0 and 1");
    expect_invalid(&d,
                   "{\"name\":\"x\",\"config\":{\"task\":{\"patterns\":["
                   "{\"input\":\"00000\"}]}}}",
                   "/config/task/patterns/0", "both input and target");
    expect_invalid(&d,
                   "{\"name\":\"x\",\"config\":{\"task\":{\"patterns\":["
                   "{\"input\":\"00000\",\"target\":\"10101\",\"note\":\"x\"}]}}}",
                   "/config/task/patterns/0/note", "unknown field");
    /* the task drives more inputs (and reads more outputs) than a cluster has */
    expect_invalid(&d,
                   "{\"name\":\"x\",\"preset\":\"maturity\","
                   "\"config\":{\"network\":{\"inputs\":3}}}",
                   "/config/task/patterns/0/input", "only 3 input neurons");
    expect_invalid(&d,
                   "{\"name\":\"x\",\"config\":{\"task\":{\"patterns\":["
                   "{\"input\":\"000000\",\"target\":\"10101\"}]}}}",
                   "/config/task/patterns/0/input", "drives 6 inputs");
    expect_invalid(&d, "{\"name\":\"x\",\"config\":{\"network\":{\"outputs\":4}}}",
                   "/config/task/patterns/0/target", "only 4 output neurons");
    cr_expect_eq(session_count(&d), 0, "no refused body created a session");

    /* the same task with enough input neurons is fine */
    {
        it_resp_t r = it_request(&d, "POST", "/v1/sessions",
                                 "{\"name\":\"wide\",\"config\":{\"network\":{\"inputs\":6},"
                                 "\"task\":{\"patterns\":["
                                 "{\"input\":\"000001\",\"target\":\"10101\"},"
                                 "{\"input\":\"100000\",\"target\":\"01010\"}]}}}");
        cr_expect_eq(r.status, 201, "%.300s", r.body);
        cr_expect_eq(json_array_size(json_object_get(
                         json_object_get(json_object_get(r.json, "config"), "task"), "patterns")),
                     2);
        it_resp_free(&r);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(config_errors, seed_must_be_an_unsigned_32_bit_integer)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    expect_invalid(&d, "{\"name\":\"x\",\"seed\":-1}", "/seed", "[0, 4294967295]");
    expect_invalid(&d, "{\"name\":\"x\",\"seed\":4294967296}", "/seed", "[0, 4294967295]");
    expect_invalid(&d, "{\"name\":\"x\",\"seed\":1.5}", "/seed", "must be an integer");
    expect_invalid(&d, "{\"name\":\"x\",\"seed\":\"42\"}", "/seed", "must be an integer");
    expect_invalid(&d, "{\"name\":\"x\",\"seed\":null}", "/seed", "must be an integer");
    cr_expect_eq(session_count(&d), 0);
    /* both ends of the range are fine */
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"hi\",\"seed\":4294967295}");
    cr_expect_eq(r.status, 201, "%.300s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "seed")), 4294967295LL);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"lo\",\"seed\":0}");
    cr_expect_eq(r.status, 201, "%.300s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "seed")), 0);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(config_errors, malformed_json_is_400_with_line_and_column)
{
    glia_daemon_t d;
    it_resp_t r;
    const char *detail;

    it_start(&d, NULL);
    /* the syntax error is on line 3 */
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\n  \"name\": \"x\",\n  \"seed\": 1,,\n  \"preset\": \"maturity\"\n}");
    cr_expect_eq(r.status, 400, "%.300s", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:malformed-json");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "line")), 3);
    cr_expect_gt(json_integer_value(json_object_get(r.json, "column")), 0);
    detail = json_string_value(json_object_get(r.json, "detail"));
    cr_expect(detail != NULL && strstr(detail, "line 3") != NULL &&
                  strstr(detail, "column") != NULL,
              "detail names line and column: %s", detail ? detail : "(none)");
    it_resp_free(&r);

    /* cut short, trailing garbage, duplicate keys: all not JSON the daemon accepts */
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"x\"");
    cr_expect_eq(r.status, 400, "truncated: %.300s", r.body);
    cr_expect(json_integer_value(json_object_get(r.json, "line")) >= 1, "line");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"x\"} trailing");
    cr_expect_eq(r.status, 400, "trailing: %.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"x\",\"name\":\"y\"}");
    cr_expect_eq(r.status, 400, "duplicate key: %.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:malformed-json");
    it_resp_free(&r);

    /* a bad escape before bytes that are not UTF-8: jansson's message quotes them, and the
     * problem still is JSON (the fuzzer found a 500 here) */
    r = it_request(&d, "POST", "/v1/sessions", "{\"\\\\\\\xf3\x91\x9e\x89");
    cr_expect_eq(r.status, 400, "invalid UTF-8: %.300s", r.body);
    cr_expect(r.json != NULL, "the problem parses as JSON");
    it_resp_free(&r);

    /* other routes parse bodies the same way */
    it_create(&d, "s", "maturity", 1);
    r = it_request(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":");
    cr_expect_eq(r.status, 400, "run: %.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "PUT", "/v1/sessions/s/config", "{oops}");
    cr_expect_eq(r.status, 400, "config: %.300s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "line")), 1);
    it_resp_free(&r);
    cr_expect_eq(session_count(&d), 1, "only s exists");
    cr_expect_eq(it_stop(&d), 0);
}

Test(config_errors, a_body_that_is_not_an_object_is_422)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    expect_invalid(&d, "[{\"name\":\"x\"}]", "", "must be a JSON object, not an array");
    /* no body at all */
    r = it_request(&d, "POST", "/v1/sessions", NULL);
    cr_expect_eq(r.status, 422, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                     "");
    it_resp_free(&r);
    /* the same on the other routes with bodies */
    it_create(&d, "s", "maturity", 1);
    r = it_request(&d, "POST", "/v1/sessions/s/step", "[1]");
    cr_expect_eq(r.status, 422, "step: %.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/s/run", "[]");
    cr_expect_eq(r.status, 422, "run: %.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "PUT", "/v1/sessions/s/config", "[]");
    cr_expect_eq(r.status, 422, "config: %.300s", r.body);
    it_resp_free(&r);
    cr_expect_eq(session_count(&d), 1, "only s exists");
    cr_expect_eq(it_stop(&d), 0);
}

/* Regression: a body that is valid JSON but a scalar (42, "x", true, null) was answered
 * 400 malformed-json; it is well-formed, just not an object: 422 with pointer "". */
Test(config_errors, a_scalar_json_body_is_422_not_malformed_json)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    expect_invalid(&d, "42", "", "not an integer");
    expect_invalid(&d, "\"x\"", "", "not a string");
    expect_invalid(&d, "true", "", "not a boolean");
    expect_invalid(&d, "null", "", "not null");
    cr_expect_eq(it_stop(&d), 0);
}

/* Every case of the core's invalid-config suite, through the HTTP API: the same pointer
 * (the suite's pointers are already relative to {"preset", "config"}) and message. */
Test(config_errors, every_invalid_config_case_is_refused_with_its_pointer_and_message)
{
    glia_daemon_t d;
    DIR *dir;
    struct dirent *de;
    int cases = 0;
    char base[512];

    snprintf(base, sizeof(base), "%s/invalid-config", GLIA_TEST_DATA);
    dir = opendir(base);
    cr_assert_not_null(dir, "%s", base);
    it_start(&d, NULL);
    while ((de = readdir(dir)) != NULL) {
        char path[1024], *error_text, *body, *nl;
        json_t *input, *req;
        json_error_t jerr;

        if (de->d_name[0] == '.' || strcmp(de->d_name, "README.md") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/input.json", base, de->d_name);
        input = json_load_file(path, 0, &jerr);
        cr_assert_not_null(input, "%s: %s", path, jerr.text);
        snprintf(path, sizeof(path), "%s/%s/error", base, de->d_name);
        error_text = it_read_file(path, NULL);
        cr_assert_not_null(error_text, "%s", path);
        nl = strchr(error_text, '\n');
        cr_assert_not_null(nl, "%s: two lines", path);
        *nl = '\0';
        nl[1 + strcspn(nl + 1, "\n")] = '\0';

        req = json_pack("{s:s}", "name", "inv");
        if (json_is_string(json_object_get(input, "preset")))
            json_object_set(req, "preset", json_object_get(input, "preset"));
        if (json_object_get(input, "config") != NULL)
            json_object_set(req, "config", json_object_get(input, "config"));
        body = json_dumps(req, JSON_COMPACT);
        expect_invalid(&d, body, error_text, nl + 1);
        free(body);
        json_decref(req);
        json_decref(input);
        free(error_text);
        cases++;
    }
    closedir(dir);
    cr_expect_gt(cases, 50, "the suite has its cases (%d found)", cases);
    cr_expect_eq(session_count(&d), 0, "no refused body created a session");
    cr_expect_eq(it_stop(&d), 0);
}
