/* 11_limits: hostile and malformed requests get a 4xx problem and the daemon keeps
 * serving: oversized bodies (with and without Content-Length), deep nesting, numbers
 * out of range, wrong types, invalid UTF-8, empty bodies, and --max-sessions. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* Send raw bytes; expect a problem with one of the statuses (want2 may be 0). */
static void expect_refused(glia_daemon_t *d, const char *method, const char *path, const char *body,
                           size_t len, long want, long want2, const char *pointer, const char *what)
{
    it_resp_t r = it_request_h(d, method, path, body, len, NULL);
    cr_expect(r.status == want || (want2 && r.status == want2), "%s: got %ld, want %ld%s: %.300s",
              what, r.status, want, want2 ? " or the other 4xx" : "", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json", "%s: problem body", what);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "status")), r.status, "%s", what);
    if (pointer != NULL && r.status == 422)
        cr_expect_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                         pointer, "%s: pointer", what);
    it_resp_free(&r);
    it_expect_healthy(d, what);
}

static void expect_body(glia_daemon_t *d, const char *method, const char *path, const char *body,
                        long want, long want2, const char *pointer, const char *what)
{
    expect_refused(d, method, path, body, strlen(body), want, want2, pointer, what);
}

static char *filled(size_t n, char c)
{
    char *p = malloc(n + 1);
    cr_assert_not_null(p);
    memset(p, c, n);
    p[n] = '\0';
    return p;
}

/* {"name":"big","preset":"control","pad":"xxxx..."} of exactly `n` bytes. */
static char *json_of_size(size_t n)
{
    static const char head[] = "{\"name\":\"big\",\"preset\":\"control\",\"config\":{},\"x\":\"";
    char *p = filled(n, 'x');
    memcpy(p, head, sizeof(head) - 1);
    p[n - 2] = '"';
    p[n - 1] = '}';
    return p;
}

Test(limits, ten_megabyte_bodies_are_413)
{
    glia_daemon_t d;
    size_t n = 10u * 1024 * 1024;
    char *big = json_of_size(n);
    it_resp_t r;

    it_start(&d, NULL);
    expect_refused(&d, "POST", "/v1/sessions", big, n, 413, 0, NULL, "10 MB create");
    it_create(&d, "s", "control", 1);
    expect_refused(&d, "POST", "/v1/sessions/s/run", big, n, 413, 0, NULL, "10 MB run");
    expect_refused(&d, "PUT", "/v1/sessions/s/config", big, n, 413, 0, NULL, "10 MB config");

    /* The same without Content-Length (chunked): counted as it arrives. */
    r = it_upload_chunked(&d, "POST", "/v1/sessions", big, n);
    cr_expect_eq(r.status, 413, "10 MB chunked: %ld %.200s", r.status, r.body);
    it_resp_free(&r);
    it_expect_healthy(&d, "10 MB chunked upload");
    json_decref(it_get_json(&d, 404, "/v1/sessions/big"));
    free(big);
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, small_max_body_bytes_is_enforced_with_and_without_content_length)
{
    glia_daemon_t d;
    char *over = json_of_size(4097), *under = json_of_size(4000);
    it_resp_t r;

    it_start(&d, (const char *[]){"--max-body-bytes", "4096", NULL});
    r = it_request_h(&d, "POST", "/v1/sessions", over, 4097, NULL);
    cr_expect_eq(r.status, 413, "4097 bytes over a 4096 limit: %ld", r.status);
    cr_expect(strstr(json_string_value(json_object_get(r.json, "detail")), "4096") != NULL,
              "the detail names the limit: %s", r.body);
    it_resp_free(&r);
    it_expect_healthy(&d, "a body over --max-body-bytes");

    /* Under the limit the body is read (and refused for its unknown field, not size). */
    expect_refused(&d, "POST", "/v1/sessions", under, 4000, 422, 0, "/x", "4000 bytes");

    r = it_upload_chunked(&d, "POST", "/v1/sessions", over, 4097);
    cr_expect_eq(r.status, 413, "chunked 4097 bytes over a 4096 limit: %ld %.200s", r.status,
                 r.body);
    it_resp_free(&r);
    it_expect_healthy(&d, "a chunked body over --max-body-bytes");
    {
        char *big = json_of_size(300000);
        r = it_upload_chunked(&d, "POST", "/v1/sessions", big, 300000);
        cr_expect_eq(r.status, 413, "chunked 300 kB: %ld", r.status);
        it_resp_free(&r);
        free(big);
        it_expect_healthy(&d, "a chunked 300 kB body");
    }
    {
        static const char ok[] = "{\"name\":\"chunky\",\"preset\":\"control\"}";
        r = it_upload_chunked(&d, "POST", "/v1/sessions", ok, sizeof(ok) - 1);
        cr_expect_eq(r.status, 201, "a small chunked create works: %ld %.200s", r.status, r.body);
        it_resp_free(&r);
    }
    json_decref(it_get_json(&d, 404, "/v1/sessions/big"));
    free(over);
    free(under);
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, deep_nesting_is_400)
{
    glia_daemon_t d;
    size_t depth = 100000;
    char *arr = malloc(2 * depth + 1), *obj;
    size_t n = 0;

    cr_assert_not_null(arr);
    memset(arr, '[', depth);
    memset(arr + depth, ']', depth);
    arr[2 * depth] = '\0';
    obj = malloc(6 * depth + 8);
    cr_assert_not_null(obj);
    for (size_t i = 0; i < depth; i++) {
        memcpy(obj + n, "{\"a\":", 5);
        n += 5;
    }
    obj[n++] = '1';
    memset(obj + n, '}', depth);
    n += depth;
    obj[n] = '\0';

    it_start(&d, NULL);
    expect_refused(&d, "POST", "/v1/sessions", arr, 2 * depth, 400, 0, NULL, "[[[...]]] x 100000");
    expect_refused(&d, "POST", "/v1/sessions", obj, n, 400, 0, NULL, "{\"a\":{...}} x 100000");
    it_create(&d, "s", "control", 1);
    expect_refused(&d, "POST", "/v1/sessions/s/run", arr, 2 * depth, 400, 0, NULL,
                   "deep nesting on run");
    free(obj);
    free(arr);
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, numbers_out_of_range_are_400_or_422)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    expect_body(&d, "POST", "/v1/sessions",
                "{\"name\":\"n\",\"preset\":\"control\",\"seed\":1e999}", 400, 422, "/seed",
                "seed 1e999");
    expect_body(&d, "POST", "/v1/sessions",
                "{\"name\":\"n\",\"preset\":\"control\",\"seed\":123456789012345678901234567890}",
                400, 422, "/seed", "seed with 30 digits");
    expect_body(&d, "POST", "/v1/sessions",
                "{\"name\":\"n\",\"preset\":\"control\",\"seed\":4294967296}", 422, 0, "/seed",
                "seed 2^32");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"n\",\"preset\":\"control\",\"seed\":-1}",
                422, 0, "/seed", "seed -1");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"n\",\"preset\":\"control\",\"seed\":1.5}",
                422, 0, "/seed", "seed 1.5");
    expect_body(&d, "POST", "/v1/sessions",
                "{\"name\":\"n\",\"preset\":\"control\",\"seed\":-9223372036854775808}", 422, 0,
                "/seed", "seed INT64_MIN");
    json_decref(it_get_json(&d, 404, "/v1/sessions/n"));

    it_create(&d, "s", "control", 1);
    expect_body(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":1e999}", 400, 422, "/episodes",
                "episodes 1e999");
    expect_body(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":99999999999999999999999999}", 400,
                422, "/episodes", "episodes with 26 digits");
    expect_body(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":9223372036854775807}", 422, 0,
                "/episodes", "episodes INT64_MAX");
    expect_body(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":0}", 422, 0, "/episodes",
                "episodes 0");
    expect_body(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":-5}", 422, 0, "/episodes",
                "episodes -5");
    expect_body(&d, "POST", "/v1/sessions/s/step", "{\"steps\":0}", 422, 0, "/steps", "steps 0");
    expect_body(&d, "POST", "/v1/sessions/s/step", "{\"steps\":1e400}", 400, 422, "/steps",
                "steps 1e400");
    /* the session is untouched */
    {
        json_t *s = it_get_json(&d, 200, "/v1/sessions/s");
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "idle");
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "steps")),
                     0);
        json_decref(s);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, wrong_types_and_malformed_json)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":42}", 422, 0, "/name", "name 42");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":null}", 422, 0, "/name", "name null");
    expect_body(&d, "POST", "/v1/sessions", "{\"preset\":\"control\"}", 422, 0, "/name", "no name");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"Upper\"}", 422, 0, "/name",
                "name with capitals");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"preset\":[\"control\"]}", 422, 0,
                "/preset", "preset array");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"preset\":\"nope\"}", 422, 0,
                "/preset", "unknown preset");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"seed\":\"7\"}", 422, 0, "/seed",
                "seed string");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"seed\":true}", 422, 0, "/seed",
                "seed boolean");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"config\":\"big\"}", 422, 0,
                "/config", "config string");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"export_metrics\":\"yes\"}", 422, 0,
                "/export_metrics", "export_metrics string");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"bogus\":1}", 422, 0, "/bogus",
                "unknown field");
    expect_body(&d, "POST", "/v1/sessions", "[]", 422, 0, "", "array body");
    expect_body(&d, "POST", "/v1/sessions", "[{\"name\":\"t\"}]", 422, 0, "", "array of a spec");
    expect_body(&d, "POST", "/v1/sessions", "null", 400, 422, "", "null body");
    expect_body(&d, "POST", "/v1/sessions", "\"t\"", 400, 422, "", "string body");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\"", 400, 0, NULL, "unterminated");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\"} trailing", 400, 0, NULL,
                "trailing garbage");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\",\"name\":\"u\"}", 400, 422, NULL,
                "duplicate keys");
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"t\\u0000x\"}", 400, 422, "/name",
                "escaped NUL in name");
    expect_refused(&d, "POST", "/v1/sessions", "{\"name\":\"t\0x\"}", 12, 400, 0, NULL,
                   "raw NUL in the body");
    {
        /* binary noise */
        char noise[2048];
        unsigned x = 12345;
        for (size_t i = 0; i < sizeof(noise); i++) {
            x = x * 1103515245u + 12345u;
            noise[i] = (char)(x >> 16);
        }
        noise[0] = '{';
        expect_refused(&d, "POST", "/v1/sessions", noise, sizeof(noise), 400, 0, NULL,
                       "binary noise");
    }

    it_create(&d, "s", "control", 1);
    expect_body(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":\"10\"}", 422, 0, "/episodes",
                "episodes string");
    expect_body(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":10,\"fast\":true}", 422, 0,
                "/fast", "run unknown field");
    expect_body(&d, "POST", "/v1/sessions/s/run", "[10]", 422, 0, "", "run array");
    expect_body(&d, "POST", "/v1/sessions/s/step", "{\"steps\":[1]}", 422, 0, "/steps",
                "steps array");
    expect_body(&d, "POST", "/v1/sessions/s/pause", "{\"now\":true}", 422, 0, "/now",
                "pause with a field");
    expect_body(&d, "PUT", "/v1/sessions/s/config", "{\"config\":{\"network\":\"big\"}}", 422, 0,
                "/config/network", "config member wrong type");
    /* Bad names and queries in the path. */
    expect_refused(&d, "GET", "/v1/sessions/BAD", NULL, 0, 422, 0, NULL, "capital name in path");
    {
        char path[300];
        memset(path, 0, sizeof(path));
        strcpy(path, "/v1/sessions/");
        memset(path + strlen(path), 'a', 100);
        expect_refused(&d, "GET", path, NULL, 0, 422, 0, NULL, "100-character name in path");
    }
    expect_refused(&d, "GET",
                   "/v1/sessions?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&"
                   "p=16&q=17",
                   NULL, 0, 400, 0, NULL, "17 query parameters");
    expect_refused(&d, "GET", "/v1/sessions?limit=abc", NULL, 0, 400, 0, NULL, "limit=abc");
    expect_refused(&d, "GET", "/v1/sessions?limit=99999999999999999999999", NULL, 0, 400, 0, NULL,
                   "limit with 23 digits");
    expect_refused(&d, "GET", "/v1/sessions/s/metrics?after=-2", NULL, 0, 400, 0, NULL, "after=-2");
    json_decref(it_get_json(&d, 404, "/v1/sessions/t"));
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, invalid_utf8_is_400)
{
    glia_daemon_t d;
    static const char *const bodies[] = {
        "{\"name\":\"\xff\xfe\"}",     /* bytes that never occur in UTF-8 */
        "{\"name\":\"a\xc3\"}",        /* truncated sequence */
        "{\"name\":\"\xc0\xaf\"}",     /* overlong '/' */
        "{\"name\":\"\xed\xa0\x80\"}", /* UTF-16 surrogate */
        "{\"n\xff\":\"a\"}",           /* in a key */
        "{\"name\":\"\\ud800\"}",      /* lone surrogate escape */
    };

    it_start(&d, NULL);
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "invalid UTF-8 #%zu", i);
        expect_body(&d, "POST", "/v1/sessions", bodies[i], 400, 0, NULL, what);
    }
    /* Valid UTF-8 that is not a valid name is a validation error. */
    expect_body(&d, "POST", "/v1/sessions", "{\"name\":\"caf\xc3\xa9\"}", 422, 0, "/name",
                "non-ASCII name");
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, empty_bodies)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    expect_refused(&d, "POST", "/v1/sessions", "", 0, 422, 0, "", "empty create");
    expect_body(&d, "POST", "/v1/sessions", "{}", 422, 0, "/name", "{} create");
    expect_body(&d, "POST", "/v1/sessions", "   \n ", 400, 422, NULL, "whitespace create");
    it_create(&d, "s", "control", 1);
    expect_refused(&d, "POST", "/v1/sessions/s/run", "", 0, 422, 0, "/episodes", "empty run");
    expect_refused(&d, "PUT", "/v1/sessions/s/config", "", 0, 422, 0, "", "empty config");
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, max_sessions_is_507_with_a_clear_detail)
{
    glia_daemon_t d;
    it_resp_t r;
    const char *detail;

    it_start(&d, (const char *[]){"--max-sessions", "3", NULL});
    it_create(&d, "a", "control", 1);
    it_create(&d, "b", "control", 2);
    it_create(&d, "c", "control", 3);
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"d\",\"preset\":\"control\"}");
    cr_expect_eq(r.status, 507, "4th session: %ld %.300s", r.status, r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    detail = json_string_value(json_object_get(r.json, "detail"));
    cr_expect(detail && strstr(detail, "3") && strstr(detail, "--max-sessions"),
              "the detail says the limit and how to raise it: %s", detail);
    it_resp_free(&r);
    it_expect_healthy(&d, "507");
    json_decref(it_get_json(&d, 404, "/v1/sessions/d"));
    {
        json_t *list = it_get_json(&d, 200, "/v1/sessions");
        cr_expect_eq(json_array_size(json_object_get(list, "items")), 3);
        json_decref(list);
    }
    /* A fork counts too. */
    {
        json_t *snap = it_get_json(&d, 200, "/v1/sessions/a/snapshot");
        r = it_send(&d, "POST", "/v1/sessions", "{\"name\":\"fork\",\"snapshot\":\"%s\"}",
                    json_string_value(json_object_get(snap, "snapshot")));
        cr_expect_eq(r.status, 507, "fork over the limit: %ld", r.status);
        it_resp_free(&r);
        json_decref(snap);
    }
    /* Deleting one makes room. */
    r = it_request(&d, "DELETE", "/v1/sessions/b", NULL);
    cr_expect_eq(r.status, 204);
    it_resp_free(&r);
    it_create(&d, "d", "control", 4);
    cr_expect_eq(it_stop(&d), 0);
}

Test(limits, oversized_url_and_headers_are_4xx)
{
    glia_daemon_t d;
    size_t n = 70000;
    char *path = malloc(n + 32), *header = malloc(n + 32);
    it_resp_t r;

    cr_assert(path && header);
    strcpy(path, "/v1/sessions/");
    memset(path + strlen(path), 'a', n);
    path[13 + n] = '\0';
    strcpy(header, "X-Big: ");
    memset(header + 7, 'b', n);
    header[7 + n] = '\0';

    it_start(&d, NULL);
    {
        long status = it_get_status_long(&d, path);
        cr_expect(status >= 400 && status < 500, "70 kB URL: %ld", status);
    }
    it_expect_healthy(&d, "a 70 kB URL");
    r = it_request_h(&d, "GET", "/v1/sessions", NULL, 0, (const char *[]){header, NULL});
    cr_expect(r.status >= 400 && r.status < 500, "70 kB header: %ld", r.status);
    it_resp_free(&r);
    it_expect_healthy(&d, "a 70 kB header");
    r = it_request_h(&d, "POST", "/v1/sessions", NULL, 0,
                     (const char *[]){"Content-Length: 99999999999999999999999", NULL});
    cr_expect(r.status >= 400 && r.status < 500, "absurd Content-Length: %ld", r.status);
    it_resp_free(&r);
    it_expect_healthy(&d, "an absurd Content-Length");
    free(header);
    free(path);
    cr_expect_eq(it_stop(&d), 0);
}
