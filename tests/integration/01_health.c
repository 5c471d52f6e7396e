/* 01_health: liveness, readiness, version, presets, unknown paths and methods. */
#include <criterion/criterion.h>
#include <string.h>

#include "support/harness.h"

Test(health, healthz_readyz_version_answer)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    r = it_get(&d, "/healthz");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "status")), "ok");
    it_resp_free(&r);
    r = it_get(&d, "/readyz");
    cr_expect_eq(r.status, 200);
    it_resp_free(&r);
    r = it_get(&d, "/v1/version");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "name")), "gliad");
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(health, unknown_path_is_404_problem_and_wrong_method_is_405_with_allow)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    r = it_get(&d, "/nope");
    cr_expect_eq(r.status, 404);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "status")), 404);
    it_resp_free(&r);
    r = it_request(&d, "PATCH", "/v1/sessions", NULL);
    cr_expect_eq(r.status, 405);
    cr_expect(strstr(r.allow, "GET") && strstr(r.allow, "POST"), "Allow: %s", r.allow);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(health, presets_list_all_with_full_configs)
{
    glia_daemon_t d;
    it_resp_t r;
    static const char *names[] = {"control", "cursor", "astrocyte-firing", "astrocyte-traffic",
                                  "epsilon", "maturity"};

    it_start(&d, NULL);
    r = it_get(&d, "/v1/presets");
    cr_assert_eq(r.status, 200);
    /* The six phase 1b presets, reach, and 74 phase 1a ones (exp002-018 x conditions). */
    cr_expect_eq(json_array_size(json_object_get(r.json, "items")), 81);
    it_resp_free(&r);
    r = it_get(&d, "/v1/presets/reach");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "config"), "rng")),
                     "xoshiro256ss");
    it_resp_free(&r);
    for (int i = 0; i < 6; i++) {
        r = it_get(&d, "/v1/presets/%s", names[i]);
        cr_expect_eq(r.status, 200, "%s", names[i]);
        cr_expect_str_eq(json_string_value(json_object_get(
                             json_object_get(r.json, "config"), "rng")), "mulberry32-js");
        it_resp_free(&r);
    }
    r = it_get(&d, "/v1/presets/exp024");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "name")), "maturity");
    it_resp_free(&r);
    /* Phase 1a: its own generator and learner; exp 001 is exp 002's configuration. */
    r = it_get(&d, "/v1/presets/exp001-full");
    cr_expect_eq(r.status, 200);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "name")), "exp002-full");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "config"), "rng")),
                     "mulberry32");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(r.json, "config"), "learner"), "kind")),
                     "neuromod");
    it_resp_free(&r);
    r = it_get(&d, "/v1/presets/nope");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}
