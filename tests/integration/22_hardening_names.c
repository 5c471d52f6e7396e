/* 22_hardening_names: names are names. A percent-encoded NUL (or slash) in a session,
 * experiment or preset name is judged as part of the name, after decoding, and refused (422
 * invalid-name): it never cuts the name short (GET /v1/sessions/a%00xyz used to answer
 * session "a", DELETE /v1/sessions/a%00evil used to delete it). A query parameter holding
 * %00 is refused with 422 naming the parameter. Ordinary percent-encoding still decodes. */
#include <criterion/criterion.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* Expect a 422 problem of `type` for method + path (sent exactly as written). */
static void expect_422(glia_daemon_t *d, const char *method, const char *path, const char *type,
                       const char *what)
{
    it_resp_t r = it_request(d, method, path, NULL);
    cr_expect_eq(r.status, 422, "%s: %s %s answered %ld: %.300s", what, method, path, r.status,
                 r.body ? r.body : "");
    cr_expect_str_eq(r.content_type, "application/problem+json", "%s: a problem", what);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")), type, "%s: type (%s)",
                     what, r.body ? r.body : "");
    it_resp_free(&r);
}

Test(names, nul_in_a_session_name_is_422_never_the_session_before_it)
{
    glia_daemon_t d;
    json_t *s;

    it_start(&d, NULL);
    it_create(&d, "a", "control", 1);

    expect_422(&d, "GET", "/v1/sessions/a%00xyz", "urn:glia:problem:invalid-name", "GET a%00xyz");
    expect_422(&d, "DELETE", "/v1/sessions/a%00evil", "urn:glia:problem:invalid-name",
               "DELETE a%00evil");
    expect_422(&d, "GET", "/v1/sessions/a%00/result", "urn:glia:problem:invalid-name",
               "GET a%00/result");
    expect_422(&d, "POST", "/v1/sessions/a%00x/run", "urn:glia:problem:invalid-name",
               "POST a%00x/run");
    /* An encoded slash does not split the name into two segments either. */
    expect_422(&d, "GET", "/v1/sessions/a%2Fresult", "urn:glia:problem:invalid-name",
               "GET a%2Fresult");
    expect_422(&d, "GET", "/v1/sessions/a%2fresult", "urn:glia:problem:invalid-name",
               "GET a%2fresult");

    /* Session "a" is untouched by all of that. */
    s = it_get_json(&d, 200, "/v1/sessions/a");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "idle");
    json_decref(s);

    /* Ordinary percent-encoding still decodes: %61 is "a". */
    s = it_get_json(&d, 200, "/v1/sessions/%%61");
    cr_expect_str_eq(json_string_value(json_object_get(s, "name")), "a", "%%61 decodes to a");
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
}

Test(names, nul_in_experiment_and_preset_names_is_422)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *x;

    it_start(&d, NULL);
    r = it_request(
        &d, "POST", "/v1/experiments",
        "{\"name\": \"e\", \"conditions\": [{\"label\": \"c\", \"preset\": \"control\"}],"
        " \"seeds\": [1], \"episodes\": 2}");
    cr_assert_eq(r.status, 202, "experiment create: %ld %.300s", r.status, r.body);
    it_resp_free(&r);

    expect_422(&d, "GET", "/v1/experiments/e%00x", "urn:glia:problem:invalid-name",
               "GET experiment e%00x");
    expect_422(&d, "DELETE", "/v1/experiments/e%00evil", "urn:glia:problem:invalid-name",
               "DELETE experiment e%00evil");
    expect_422(&d, "POST", "/v1/experiments/e%00x/cancel", "urn:glia:problem:invalid-name",
               "cancel experiment e%00x");
    x = it_get_json(&d, 200, "/v1/experiments/e");
    cr_expect_str_eq(json_string_value(json_object_get(x, "name")), "e", "e is still there");
    json_decref(x);

    /* GET /v1/presets/maturity%00x used to answer the maturity preset. */
    expect_422(&d, "GET", "/v1/presets/maturity%00x", "urn:glia:problem:invalid-name",
               "GET preset maturity%00x");
    x = it_get_json(&d, 200, "/v1/presets/maturity");
    json_decref(x);
    cr_expect_eq(it_stop(&d), 0);
}

Test(names, nul_in_a_query_value_or_key_is_422_naming_the_parameter)
{
    static const struct {
        const char *path, *param;
    } cases[] = {
        {"/v1/sessions?limit=1%00junk", "limit"},
        {"/v1/sessions?cursor=a%00z", "cursor"},
        {"/v1/sessions?state=idle%00", "state"},
        {"/v1/sessions/a/metrics?after=%00", "after"},
        {"/v1/sessions/a/network?synapses=true%00false", "synapses"},
        {"/v1/sessions?lim%00it=1", "lim%00it"},
    };
    glia_daemon_t d;

    it_start(&d, NULL);
    it_create(&d, "a", "control", 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        it_resp_t r = it_request(&d, "GET", cases[i].path, NULL);
        json_t *e0 = json_array_get(json_object_get(r.json, "errors"), 0);
        cr_expect_eq(r.status, 422, "%s: %ld %.300s", cases[i].path, r.status, r.body);
        cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                         "urn:glia:problem:invalid-parameter", "%s", cases[i].path);
        cr_expect_str_eq(json_string_value(json_object_get(e0, "parameter")), cases[i].param,
                         "%s names its parameter: %s", cases[i].path, r.body);
        it_resp_free(&r);
    }
    /* A value that merely looks like one (%2500 is "%00" as text) is an ordinary value. */
    {
        it_resp_t r = it_request(&d, "GET", "/v1/sessions?cursor=%2500", NULL);
        cr_expect_eq(r.status, 200, "cursor=%%2500: %ld %.200s", r.status, r.body);
        it_resp_free(&r);
    }
    cr_expect_eq(it_stop(&d), 0);
}
