/* test_snapshot.c: the snapshot format as a user relies on it: snapshots and checkpoints
 * written by earlier releases still load and continue exactly like a fresh run, a
 * snapshot from a newer release is refused, and a forged snapshot (values no run can
 * produce, with a correct checksum) is refused instead of loading and failing later. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/requests.h"
#include "api/result_json.h"
#include "core/learners/astrocyte.h"
#include "core/session_internal.h"

#define DATA GLIA_TEST_DATA "/snapshots/"

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    cr_assert(n > 0);
    rewind(f);
    buf = malloc((size_t)n);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The bytes of a GET .../snapshot document (base64 in "snapshot"). */
static uint8_t *read_snapshot_json(const char *path, size_t *len, const char *format)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    uint8_t *bytes;

    cr_assert_not_null(doc, "%s: %s", path, jerr.text);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "format")), format);
    cr_assert_eq(
        glia_base64_decode(json_string_value(json_object_get(doc, "snapshot")), &bytes, len), 0);
    json_decref(doc);
    return bytes;
}

static glia_session_t *load(const uint8_t *buf, size_t len)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &s, &err), 0, "%s", err.message);
    return s;
}

static unsigned version_of(const uint8_t *buf)
{
    return (unsigned)buf[8] | (unsigned)buf[9] << 8 | (unsigned)buf[10] << 16 |
           (unsigned)buf[11] << 24;
}

/* Fields of a result derived from trained weights (final weights and their sums). */
static int is_weight_field(const char *path)
{
    return strcmp(path, "/mean_abs_weight_end") == 0 || strcmp(path, "/final_weight_sum") == 0 ||
           strncmp(path, "/final_first_weights/", 21) == 0 ||
           strcmp(path, "/final/weight_sum") == 0 || strcmp(path, "/final/mean_abs_weight") == 0 ||
           strncmp(path, "/final/weights_head/", 20) == 0;
}

/* Compare two result documents: every member equal, but weight-derived numbers within
 * `tol` (0: equal too). Returns the number of differences, each reported. */
static int compare(const json_t *a, const json_t *b, const char *path, double tol)
{
    char sub[256];
    int diffs = 0;

    if (json_is_object(a) && json_is_object(b)) {
        const char *key;
        json_t *v;
        if (json_object_size(a) != json_object_size(b)) {
            cr_log_error("%s: members differ", path);
            return 1;
        }
        json_object_foreach((json_t *)a, key, v) {
            snprintf(sub, sizeof(sub), "%s/%s", path, key);
            diffs += json_object_get(b, key) ? compare(v, json_object_get(b, key), sub, tol) : 1;
        }
        return diffs;
    }
    if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
        for (size_t i = 0; i < json_array_size(a); i++) {
            snprintf(sub, sizeof(sub), "%s/%zu", path, i);
            diffs += compare(json_array_get(a, i), json_array_get(b, i), sub, tol);
        }
        return diffs;
    }
    if (tol > 0.0 && strcmp(path, "/final/weights_fnv1a64") == 0)
        return 0; /* a hash of every weight's bits: it moves with any last bit */
    if (json_is_number(a) && json_is_number(b) && is_weight_field(path)) {
        double x = json_number_value(a), y = json_number_value(b);
        if (fabs(x - y) <= tol)
            return 0;
        cr_log_error("%s: %.17g vs %.17g", path, x, y);
        return 1;
    }
    if (json_equal((json_t *)a, (json_t *)b))
        return 0;
    cr_log_error("%s: differs", path);
    return 1;
}

/* The members "reward_queries" of a result, and of its trajectory's points, taken out (each
 * must be null: a snapshot written before they were counted cannot know them). */
static void drop_unknown_queries(json_t *result)
{
    json_t *traj = json_object_get(result, "trajectory");

    cr_assert(json_is_null(json_object_get(result, "reward_queries")),
              "an old snapshot's reward queries are unknown (null)");
    json_object_del(result, "reward_queries");
    for (size_t i = 0; i < json_array_size(traj); i++) {
        json_t *p = json_array_get(traj, i);
        cr_assert(json_is_null(json_object_get(p, "reward_queries")), "point %zu", i);
        json_object_del(p, "reward_queries");
    }
}

/* Give `old` the counts of `fresh`, which its snapshot could not carry, so that their saved
 * states can be compared byte for byte otherwise. */
static void adopt_queries(glia_session_t *old, const glia_session_t *fresh)
{
    cr_assert_eq(old->n_traj, fresh->n_traj);
    old->reward_queries = fresh->reward_queries;
    old->last.reward_queries = fresh->last.reward_queries;
    for (size_t i = 0; i < old->n_traj; i++)
        old->traj[i].reward_queries = fresh->traj[i].reward_queries;
    old->perturb.score_known = fresh->perturb.score_known;
}

/* Load, check where it stood, continue to `episodes`, and compare with a fresh run of
 * the same (config, seed): the result document and the complete saved state.
 *
 * `weight_tol` is 0 except for mulberry32-js sessions written before this release took
 * log, cos and exp from the reference's engine (sample.c) instead of the platform's
 * libm: their weights carry the platform's last-bit roundings, so the continued run
 * makes the same decisions, counts and outputs as a fresh one but its weights differ in
 * the last bits. `before_queries`: the snapshot was written before reward queries were
 * counted, so the loaded session's are unknown (null), and its saved state is compared
 * with the fresh run's once it has been given the fresh run's counts. */
static void continues_like_a_fresh_run(const uint8_t *buf, size_t len, unsigned version,
                                       const char *learner, uint64_t steps, uint64_t episodes,
                                       double weight_tol, int before_queries)
{
    glia_session_t *old, *fresh;
    glia_counters_t c;
    json_t *ra, *rb;
    uint8_t *ba, *bb;
    size_t la, lb;

    cr_assert_eq(version_of(buf), version);
    old = load(buf, len);
    cr_assert_str_eq(glia_session_learner_name(old), learner);
    glia_session_counters(old, &c);
    cr_assert_eq(c.steps, steps);
    if (before_queries)
        cr_assert_eq(c.reward_queries, GLIA_QUERIES_UNKNOWN, "its reward queries are unknown");
    cr_assert_eq(glia_session_new(glia_session_config(old), glia_session_seed(old), &fresh, NULL),
                 0);
    cr_assert_eq(glia_session_run_episodes(old, episodes), 0);
    cr_assert_eq(glia_session_run_episodes(fresh, episodes), 0);
    ra = glia_result_to_json(old, NULL, 1);
    rb = glia_result_to_json(fresh, NULL, 1);
    if (before_queries) {
        glia_session_counters(old, &c);
        cr_assert_eq(c.reward_queries, GLIA_QUERIES_UNKNOWN, "and stay unknown as it runs on");
        drop_unknown_queries(ra);
        json_object_del(rb, "reward_queries");
        for (size_t i = 0; i < json_array_size(json_object_get(rb, "trajectory")); i++)
            json_object_del(json_array_get(json_object_get(rb, "trajectory"), i),
                            "reward_queries");
    }
    cr_assert_eq(compare(ra, rb, "", weight_tol), 0, "the continued run differs from a fresh one");
    if (before_queries)
        adopt_queries(old, fresh);
    cr_assert_eq(glia_session_save(old, &ba, &la), 0);
    cr_assert_eq(glia_session_save(fresh, &bb, &lb), 0);
    cr_assert_eq(version_of(ba), glia_snapshot_version(), "saved in the current format");
    cr_assert(la == lb, "saved states differ in size");
    if (weight_tol == 0.0) {
        cr_assert(memcmp(ba, bb, la) == 0, "saved states differ");
    } else {
        /* The same bytes but for the weights (f64 in CORE) and the checksum. */
        glia_session_t *ka = load(ba, la), *kb = load(bb, lb);
        const glia_net_t *na = glia_session_net(ka), *nb = glia_session_net(kb);
        double *wa = glia_net_weights((glia_net_t *)na), *wb = glia_net_weights((glia_net_t *)nb);
        for (int k = 0; k < glia_net_synapse_count(na); k++) {
            cr_assert(fabs(wa[k] - wb[k]) <= weight_tol, "weight %d: %.17g vs %.17g", k, wa[k],
                      wb[k]);
            wa[k] = wb[k];
        }
        free(ba);
        cr_assert_eq(glia_session_save(ka, &ba, &la), 0);
        cr_assert(la == lb && memcmp(ba, bb, la) == 0, "saved states differ beyond the weights");
        glia_session_free(ka);
        glia_session_free(kb);
    }
    json_decref(ra);
    json_decref(rb);
    free(ba);
    free(bb);
    glia_session_free(old);
    glia_session_free(fresh);
}

/* mulberry32-js fixtures written with the platform's log/cos (see above). */
#define PLATFORM_MATH_TOL 1e-12

Test(snapshot, format2_api_snapshot_still_loads_and_continues)
{
    /* GET /v1/sessions/{name}/snapshot of a maturity session, seed 7, mid-episode. */
    size_t len;
    uint8_t *buf = read_snapshot_json(DATA "v2-snapshot-maturity-seed7-step6007.json", &len,
                                      "glia-snapshot/2");
    continues_like_a_fresh_run(buf, len, 2, "astrocyte", 6007, 700, PLATFORM_MATH_TOL, 1);
    free(buf);
}

Test(snapshot, format2_checkpoints_still_load_and_continue)
{
    /* Store checkpoints (checkpoints.data): a cursor session, and a traffic-sensing
     * session with homeostasis (thresholds and firing counts in flight). */
    size_t len;
    uint8_t *buf = read_file(DATA "v2-checkpoint-cursor-seed11-step3003.bin", &len);
    continues_like_a_fresh_run(buf, len, 2, "cursor", 3003, 400, PLATFORM_MATH_TOL, 1);
    free(buf);
    buf = read_file(DATA "v2-checkpoint-traffic-homeostasis-seed5-step2605.bin", &len);
    continues_like_a_fresh_run(buf, len, 2, "astrocyte", 2605, 300, PLATFORM_MATH_TOL, 1);
    free(buf);
}

Test(snapshot, format3_fixtures_still_load_and_continue)
{
    /* Written by the release that introduced format 3: a snapshot of an epsilon session
     * and a control checkpoint; later releases must keep reading them. */
    size_t len;
    uint8_t *buf =
        read_snapshot_json(DATA "v3-snapshot-epsilon-seed9-step1234.json", &len, "glia-snapshot/3");
    continues_like_a_fresh_run(buf, len, 3, "astrocyte", 1234, 300, PLATFORM_MATH_TOL, 1);
    free(buf);
    buf = read_file(DATA "v3-checkpoint-control-seed3-step505.bin", &len);
    continues_like_a_fresh_run(buf, len, 3, "control", 505, 100, 0.0, 1);
    free(buf);
}

Test(snapshot, xoshiro_checkpoints_of_earlier_releases_continue_on_stream_1)
{
    /* A checkpoint of a default-config session (xoshiro256ss), seed 9, step 1234, written
     * by the release before stream 2: it continues on the stream it was drawn from, to
     * the very result that release gave (tests/data/streams), and like a fresh run of its
     * config. */
    json_error_t jerr;
    json_t *want, *got;
    size_t len;
    uint8_t *buf = read_file(DATA "v3-checkpoint-xoshiro256ss-seed9-step1234.bin", &len);
    glia_session_t *s = load(buf, len);

    cr_assert_eq(glia_session_config(s)->rng_version, 1);
    continues_like_a_fresh_run(buf, len, 3, "astrocyte", 1234, 300, 0.0, 1);
    cr_assert_eq(glia_session_run_episodes(s, 300), 0);
    want = json_load_file(GLIA_TEST_DATA "/streams/xoshiro256ss-v1-default-seed9-300.json", 0,
                          &jerr);
    cr_assert_not_null(want, "%s", jerr.text);
    got = glia_result_to_json(s, NULL, 0);
    cr_assert_eq(json_integer_value(json_object_get(got, "accepted")),
                 json_integer_value(json_object_get(want, "accepted")));
    cr_assert_eq(json_integer_value(json_object_get(got, "rejected")),
                 json_integer_value(json_object_get(want, "rejected")));
    cr_assert_eq(json_real_value(json_object_get(got, "final_weight_sum")),
                 json_real_value(json_object_get(want, "final_weight_sum")));
    {
        /* the trajectory as that release reported it (later releases add members to its
         * points: reward_queries) */
        json_t *gt = json_object_get(got, "trajectory"), *wt = json_object_get(want, "trajectory");
        cr_assert_eq(json_array_size(gt), json_array_size(wt));
        for (size_t i = 0; i < json_array_size(wt); i++) {
            const char *key;
            json_t *v;
            json_object_foreach(json_array_get(wt, i), key, v) {
                cr_assert(json_equal(v, json_object_get(json_array_get(gt, i), key)),
                          "trajectory/%zu/%s", i, key);
            }
        }
    }
    {
        /* the inference as that release reported it (later releases add members) */
        const char *key;
        json_t *v, *gi = json_object_get(got, "inference");
        json_object_foreach(json_object_get(want, "inference"), key, v) {
            cr_assert(json_equal(v, json_object_get(gi, key)), "inference/%s", key);
        }
    }
    json_decref(want);
    json_decref(got);
    glia_session_free(s);
    free(buf);
}

Test(snapshot, current_format_round_trips_for_every_learner)
{
    static const char *const presets[] = {"control", "cursor", "astrocyte-traffic", "maturity"};
    for (int p = 0; p < 4; p++) {
        glia_config_t cfg;
        glia_session_t *s;
        uint8_t *buf;
        size_t len;

        cr_assert_eq(glia_config_preset(&cfg, presets[p]), 0);
        cr_assert_eq(glia_session_new(&cfg, 21, &s, NULL), 0);
        cr_assert_eq(glia_session_advance(s, 1337, UINT64_MAX), 1337);
        cr_assert_eq(glia_session_save(s, &buf, &len), 0);
        continues_like_a_fresh_run(buf, len, glia_snapshot_version(), glia_session_learner_name(s),
                                   1337, 200, 0.0, 0);
        free(buf);
        glia_session_free(s);
    }
}

/* FNV-1a 64 over all but the last 8 bytes, stored little-endian in them. */
static void reseal(uint8_t *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i + 8 < len; i++) {
        h ^= buf[i];
        h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; i++)
        buf[len - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
}

Test(snapshot, newer_and_older_versions_are_refused_by_name)
{
    glia_config_t cfg;
    glia_session_t *s, *out;
    glia_error_t err;
    uint8_t *buf;
    size_t len;

    glia_config_default(&cfg);
    cr_assert_eq(glia_session_new(&cfg, 1, &s, NULL), 0);
    cr_assert_eq(glia_session_save(s, &buf, &len), 0);
    buf[8] = (uint8_t)(glia_snapshot_version() + 1);
    reseal(buf, len);
    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &out, &err), GLIA_EVERSION);
    cr_assert_null(out);
    cr_assert(strstr(err.message, "newer") != NULL, "%s", err.message);
    buf[8] = 1;
    reseal(buf, len);
    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &out, &err), GLIA_EVERSION);
    cr_assert(strstr(err.message, "older") != NULL, "%s", err.message);
    free(buf);
    glia_session_free(s);
}

/* A forgery: change the state of a live session the way a forger would change the
 * bytes, save it (the checksum is then right), and expect the load to refuse it. */
typedef void (*forge_fn)(glia_session_t *s);

static void refused_cfg(const glia_config_t *cfg, forge_fn forge, const char *what)
{
    glia_session_t *s, *out;
    glia_error_t err;
    uint8_t *buf;
    size_t len;

    cr_assert_eq(glia_session_new(cfg, 42, &s, NULL), 0);
    cr_assert_eq(glia_session_advance(s, 5003, UINT64_MAX), 5003);
    /* Unforged, it loads. */
    cr_assert_eq(glia_session_save(s, &buf, &len), 0);
    out = load(buf, len);
    glia_session_free(out);
    free(buf);

    forge(s);
    cr_assert_eq(glia_session_save(s, &buf, &len), 0);
    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &out, &err), GLIA_EFORMAT, "%s: loaded", what);
    cr_assert_null(out);
    cr_assert(strstr(err.message, "snapshot") != NULL, "%s: %s", what, err.message);
    free(buf);
    glia_session_free(s);
}

static void refused(const char *preset, forge_fn forge, const char *what)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, preset), 0);
    cfg.training.homeostasis = 1;
    refused_cfg(&cfg, forge, what);
}

#define AS(s) ((glia_astro_state_t *)(s)->learner_state)

static void history_byte_126(glia_session_t *s)
{
    AS(s)->astro[3].hist[2] = 126;
    AS(s)->astro[3].hist_sum += 126 - 1; /* even with a sum that agrees */
}
static void history_sum_off(glia_session_t *s)
{
    AS(s)->astro[1].hist_sum++;
}
static void history_past_length(glia_session_t *s)
{
    AS(s)->astro[0].hist[GLIA_MAX_HISTORY - 1] = 1;
}
static void successes_over_activations(glia_session_t *s)
{
    AS(s)->astro[2].successes = AS(s)->astro[2].activations + 1;
}
static void by_pattern_off(glia_session_t *s)
{
    AS(s)->astro[5].by_pattern[0]++;
}
static void threshold_out_of_bounds(glia_session_t *s)
{
    AS(s)->astro[4].threshold = 0.95;
}
static void sensing_byte_2(glia_session_t *s)
{
    AS(s)->prev_fired[7] = 2;
}
static void nan_weight(glia_session_t *s)
{
    s->net->w[17] = NAN;
}
static void weight_past_clamp(glia_session_t *s)
{
    s->net->w[40] = 2.5;
}
static void infinite_threshold(glia_session_t *s)
{
    s->net->thr[20] = INFINITY;
}
static void input_threshold_moved(glia_session_t *s)
{
    s->net->thr[0] = 0.7;
}
static void steps_disagree(glia_session_t *s)
{
    s->steps++;
}
static void accepted_over_steps(glia_session_t *s)
{
    s->accepted = s->steps + 1;
}
static void accuracy_above_one(glia_session_t *s)
{
    s->traj[0].accuracy = 2.0;
}
static void point_off_the_interval(glia_session_t *s)
{
    s->traj[1].episode = 251;
}
static void output_wider_than_target(glia_session_t *s)
{
    s->last_outputs[0] = 1u << 5;
}
static void fire_count_over_steps(glia_session_t *s)
{
    s->fire_count[9] = 1000;
}
static void rng_nan(glia_session_t *s)
{
    s->rng.s = NAN;
}

static void threshold_past_its_clamp(glia_session_t *s)
{
    s->net->thr[20] = s->cfg.learner.threshold_clamp + 0.5;
}
static void bias_threshold_moved(glia_session_t *s)
{
    s->net->thr[s->net->bias[0]] = 0.7;
}
static void task_step_counted_by_pattern(glia_session_t *s)
{
    AS(s)->astro[0].by_pattern[2] = 1;
}

/* Beyond the paper: perturbed thresholds stay within their clamp, a bias unit's never
 * moves, and steps over the whole task count no pattern. */
Test(snapshot, forged_values_beyond_the_paper_are_refused)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, "reach"), 0);
    refused_cfg(&cfg, threshold_past_its_clamp, "threshold past its clamp");
    cfg.learner.kind = GLIA_LEARNER_RANDOM_SEARCH;
    refused_cfg(&cfg, threshold_past_its_clamp, "random search: threshold past its clamp");
    cr_assert_eq(glia_config_preset(&cfg, "reach"), 0);
    cfg.network.bias = 1;
    refused_cfg(&cfg, bias_threshold_moved, "bias threshold");
    cfg.learner.astrocyte.selection = GLIA_SELECT_SENSING;
    refused_cfg(&cfg, task_step_counted_by_pattern, "activations by pattern under task reward");
}

Test(snapshot, forged_values_are_refused)
{
    refused("maturity", history_byte_126, "history byte 126");
    refused("maturity", history_sum_off, "history sum");
    refused("maturity", history_past_length, "history byte past the ring");
    refused("maturity", successes_over_activations, "successes");
    refused("maturity", by_pattern_off, "activations by pattern");
    refused("maturity", threshold_out_of_bounds, "astrocyte threshold");
    refused("astrocyte-traffic", sensing_byte_2, "sensing byte");
    refused("maturity", nan_weight, "NaN weight");
    refused("maturity", weight_past_clamp, "weight past the clamp");
    refused("cursor", infinite_threshold, "infinite threshold");
    refused("cursor", input_threshold_moved, "input threshold");
    refused("control", steps_disagree, "steps vs episodes");
    refused("cursor", accepted_over_steps, "accepted");
    refused("cursor", accuracy_above_one, "point accuracy");
    refused("maturity", point_off_the_interval, "point episode");
    refused("cursor", output_wider_than_target, "output bits");
    refused("cursor", fire_count_over_steps, "firing count");
    refused("maturity", rng_nan, "generator");
}

static void cursor_outside(glia_session_t *s)
{
    /* The cursor's position is the first 24 bytes of its state block. */
    double *pos = s->learner_state;
    pos[1] = 1e9;
}

Test(snapshot, forged_cursor_position_is_refused)
{
    refused("cursor", cursor_outside, "cursor position");
}

Test(snapshot, a_learner_section_of_another_learner_is_refused)
{
    /* Same network and counters, but the config says cursor where the state is
     * astrocytes: the CONF kind and the LRNR name disagree. */
    glia_config_t cfg;
    glia_session_t *s, *out;
    glia_error_t err;
    uint8_t *buf;
    size_t len;
    const char *name = "astrocyte";

    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cr_assert_eq(glia_session_new(&cfg, 42, &s, NULL), 0);
    cr_assert_eq(glia_session_save(s, &buf, &len), 0);
    for (size_t i = 12; i + 9 + 8 <= len; i++) {
        if (memcmp(buf + i, name, 9) == 0 && buf[i - 4] == 9) {
            memcpy(buf + i, "cursorxyz", 9); /* an unknown learner name */
            break;
        }
    }
    reseal(buf, len);
    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &out, &err), GLIA_EFORMAT);
    cr_assert(strstr(err.message, "learner") != NULL, "%s", err.message);
    free(buf);
    glia_session_free(s);
}
