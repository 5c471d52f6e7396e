/* test_streams.c: a result of a (config, seed) does not change between releases unless
 * the stream it names in its `rng` field changes.
 *
 * tests/data/streams/xoshiro256ss-v1-default-seed9-300.json is the result the release
 * before xoshiro256ss stream 2 gave for the default config, seed 9, 300 episodes (and
 * tests/data/snapshots/v3-checkpoint-xoshiro256ss-seed9-step1234.bin its checkpoint of
 * that run at step 1234, see test_snapshot.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/result_json.h"
#include "core/session.h"

/* Every member of `want` is in `got` with the same value (got may have more). */
static int same(const json_t *want, const json_t *got, const char *path)
{
    char sub[256];
    int diffs = 0;

    if (json_is_object(want)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)want, key, v)
        {
            snprintf(sub, sizeof(sub), "%s/%s", path, key);
            if (json_object_get(got, key) == NULL) {
                cr_log_error("%s: missing", sub);
                diffs++;
            } else {
                diffs += same(v, json_object_get(got, key), sub);
            }
        }
        return diffs;
    }
    if (json_is_array(want) && json_is_array(got) &&
        json_array_size(want) == json_array_size(got)) {
        for (size_t i = 0; i < json_array_size(want); i++) {
            snprintf(sub, sizeof(sub), "%s/%zu", path, i);
            diffs += same(json_array_get(want, i), json_array_get(got, i), sub);
        }
        return diffs;
    }
    if (json_is_number(want) && json_is_number(got) &&
        json_number_value(want) == json_number_value(got))
        return 0;
    if (json_equal((json_t *)want, (json_t *)got))
        return 0;
    cr_log_error("%s: differs", path);
    return 1;
}

Test(streams, stream1_is_the_earlier_releases)
{
    json_error_t jerr;
    json_t *want =
        json_load_file(GLIA_TEST_DATA "/streams/xoshiro256ss-v1-default-seed9-300.json", 0, &jerr);
    glia_config_t cfg;
    glia_session_t *s;
    json_t *got;

    cr_assert_not_null(want, "%s", jerr.text);
    glia_config_default(&cfg);
    cfg.rng_version = 1;
    cr_assert_eq(glia_session_new(&cfg, 9, &s, NULL), 0);
    cr_assert_eq(glia_session_run_episodes(s, 300), 0);
    got = glia_result_to_json(s, NULL, 1);
    cr_assert_str_eq(json_string_value(json_object_get(got, "rng")), "xoshiro256ss");
    cr_assert_eq(same(want, got, ""), 0, "stream 1 no longer gives the earlier release's result");
    json_decref(want);
    json_decref(got);
    glia_session_free(s);
}

Test(streams, new_work_runs_stream2_and_says_so)
{
    glia_config_t cfg;
    glia_session_t *a, *b;
    json_t *ra, *rb;

    glia_config_default(&cfg);
    cr_assert_eq(cfg.rng_version, GLIA_RNG_STREAM_LATEST);
    cr_assert_eq(glia_session_new(&cfg, 9, &a, NULL), 0);
    cfg.rng_version = 1;
    cr_assert_eq(glia_session_new(&cfg, 9, &b, NULL), 0);
    cr_assert_eq(glia_session_run_episodes(a, 50), 0);
    cr_assert_eq(glia_session_run_episodes(b, 50), 0);
    ra = glia_result_to_json(a, NULL, 1);
    rb = glia_result_to_json(b, NULL, 1);
    cr_assert_str_eq(json_string_value(json_object_get(ra, "rng")), "xoshiro256ss-v2");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(ra, "config"), "rng_version")),
                 2);
    /* the same network (built from the same uniforms), other perturbations */
    cr_assert(json_equal(json_object_get(ra, "initial"), json_object_get(rb, "initial")));
    cr_assert(!json_equal(json_object_get(ra, "final_first_weights"),
                          json_object_get(rb, "final_first_weights")));
    json_decref(ra);
    json_decref(rb);
    glia_session_free(a);
    glia_session_free(b);
}

Test(streams, the_reference_stream_ignores_the_version)
{
    glia_config_t cfg;
    glia_session_t *a, *b;
    uint8_t *ba, *bb;
    size_t la, lb;

    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cr_assert_eq(glia_session_new(&cfg, 3, &a, NULL), 0);
    cfg.rng_version = 1;
    cr_assert_eq(glia_session_new(&cfg, 3, &b, NULL), 0);
    cr_assert_eq(glia_session_run_episodes(a, 100), 0);
    cr_assert_eq(glia_session_run_episodes(b, 100), 0);
    cr_assert_eq(glia_net_weight_sum(glia_session_net(a)),
                 glia_net_weight_sum(glia_session_net(b)));
    cr_assert_eq(glia_session_save(a, &ba, &la), 0);
    cr_assert_eq(glia_session_save(b, &bb, &lb), 0);
    cr_assert_eq(la, lb); /* the bytes differ only in the config's /rng_version */
    free(ba);
    free(bb);
    glia_session_free(a);
    glia_session_free(b);
}
