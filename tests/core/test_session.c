/* test_session.c: the training loop as a user drives it: snapshots that continue bit for
 * bit, slices, corrupt snapshots, control, trajectory points and inference. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/result_json.h"
#include "core/session_internal.h"
#include "core/task.h"

static glia_session_t *new_session(const glia_config_t *cfg, uint32_t seed)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(cfg, seed, &s, &err), 0, "%s: %s", err.field, err.message);
    return s;
}

static glia_session_t *preset_session(const char *preset, uint32_t seed)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, preset), 0, "%s", preset);
    return new_session(&cfg, seed);
}

static void advance(glia_session_t *s, uint64_t steps)
{
    cr_assert_eq(glia_session_advance(s, steps, UINT64_MAX), (int64_t)steps);
}

static void save(const glia_session_t *s, uint8_t **buf, size_t *len)
{
    cr_assert_eq(glia_session_save(s, buf, len), 0);
    cr_assert(*len > 0);
}

static glia_session_t *load(const uint8_t *buf, size_t len)
{
    glia_session_t *s;
    glia_error_t err;

    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &s, &err), 0, "%s", err.message);
    return s;
}

/* Everything a user can observe, compared exactly; then the complete saved state. */
static void assert_same(glia_session_t *a, glia_session_t *b, const char *what)
{
    const glia_net_t *na = glia_session_net(a), *nb = glia_session_net(b);
    const int nsyn = glia_net_synapse_count(na);
    glia_counters_t ca, cb;
    glia_inference_t ia, ib;
    const glia_point_t *ta, *tb;
    size_t nta, ntb, la, lb;
    glia_point_t pa, pb;
    uint8_t *ba, *bb;

    cr_assert_eq(glia_net_synapse_count(nb), nsyn, "%s", what);
    cr_assert_eq(memcmp(glia_net_weights((glia_net_t *)na), glia_net_weights((glia_net_t *)nb),
                        (size_t)nsyn * sizeof(double)),
                 0, "%s: weights differ", what);
    glia_session_counters(a, &ca);
    glia_session_counters(b, &cb);
    cr_assert(ca.steps == cb.steps && ca.episodes == cb.episodes &&
                  ca.step_in_episode == cb.step_in_episode && ca.accepted == cb.accepted &&
                  ca.rejected == cb.rejected,
              "%s: counters differ", what);
    ta = glia_session_trajectory(a, &nta);
    tb = glia_session_trajectory(b, &ntb);
    cr_assert_eq(nta, ntb, "%s: trajectory length", what);
    for (size_t i = 0; i < nta; i++)
        cr_assert(ta[i].episode == tb[i].episode && ta[i].avg_reward == tb[i].avg_reward &&
                      ta[i].accept_rate == tb[i].accept_rate && ta[i].accuracy == tb[i].accuracy &&
                      ta[i].distinct_outputs == tb[i].distinct_outputs,
                  "%s: trajectory point %zu", what, i);
    cr_assert_eq(glia_session_last_point(a, &pa), glia_session_last_point(b, &pb));
    if (glia_session_last_point(a, &pa) == 0)
        cr_assert(pa.episode == pb.episode && pa.avg_reward == pb.avg_reward, "%s", what);
    /* The learner's own state, as it describes it (astrocytes, cursor, ...). */
    {
        json_t *da = glia_learner_to_json(a, GLIA_VIEW_STATE);
        json_t *db = glia_learner_to_json(b, GLIA_VIEW_STATE);
        cr_assert(da != NULL && db != NULL);
        cr_assert(json_equal(da, db), "%s: learner state differs", what);
        json_decref(da);
        json_decref(db);
    }
    glia_session_inference(a, &ia);
    glia_session_inference(b, &ib);
    cr_assert_eq(ia.count, ib.count);
    cr_assert_eq(memcmp(ia.outputs, ib.outputs, (size_t)ia.count * sizeof(ia.outputs[0])), 0,
                 "%s: inference", what);
    cr_assert_eq(ia.mean_accuracy, ib.mean_accuracy);
    /* The generator and all the rest: the saved bytes are identical. */
    save(a, &ba, &la);
    save(b, &bb, &lb);
    cr_assert_eq(la, lb, "%s: snapshot sizes", what);
    cr_assert_eq(memcmp(ba, bb, la), 0, "%s: snapshots differ", what);
    free(ba);
    free(bb);
}

/* Run `total` steps uninterrupted, and again with a save/load after `cut` steps. */
static void check_resume(const glia_config_t *cfg, uint32_t seed, uint64_t cut, uint64_t total,
                         const char *what)
{
    glia_session_t *a = new_session(cfg, seed), *b, *c;
    uint8_t *buf, *buf2;
    size_t len, len2;

    advance(a, cut);
    save(a, &buf, &len);
    b = load(buf, len);
    /* Loading restores exactly what was saved. */
    save(b, &buf2, &len2);
    cr_assert(len2 == len && memcmp(buf, buf2, len) == 0, "%s: reload differs", what);
    free(buf2);
    advance(a, total - cut);
    advance(b, total - cut);
    assert_same(a, b, what);
    /* Saving does not disturb the session: a fresh uninterrupted run agrees. */
    c = new_session(cfg, seed);
    advance(c, total);
    assert_same(a, c, what);
    free(buf);
    glia_session_free(a);
    glia_session_free(b);
    glia_session_free(c);
}

Test(session, snapshot_resume_is_bit_identical_for_every_preset)
{
    for (const glia_preset_info_t *p = glia_presets; p->name != NULL; p++) {
        glia_config_t cfg;
        size_t len = strlen(p->name);
        cr_assert_eq(glia_config_preset(&cfg, p->name), 0);
        if (cfg.learner.kind == GLIA_LEARNER_NEUROMOD) {
            /* Phase 1a: one step per episode. Every experiment's Full model (and exp 018's
             * Baseline: per-bit reward without ambient or dampening) covers every
             * mechanism; the cuts cross a trajectory point (every 25), the reward anneal
             * (350-700) and the provisional record. */
            if ((len < 5 || strcmp(p->name + len - 5, "-full") != 0) &&
                strcmp(p->name, "exp018-baseline") != 0)
                continue;
            check_resume(&cfg, 42, 353, 753, p->name);
            check_resume(&cfg, 137, 25, 400, p->name);
            check_resume(&cfg, 271, 0, 100, p->name);
            continue;
        }
        /* Mid-episode (episode 125, step 3), across the trajectory point at 250. */
        check_resume(&cfg, 42, 1253, 2753, p->name);
        /* At an episode boundary, and right after creation. */
        check_resume(&cfg, 137, 1250, 1600, p->name);
        check_resume(&cfg, 271, 0, 200, p->name);
    }
}

Test(session, snapshot_resume_is_bit_identical_for_the_default_config)
{
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.training.trajectory_interval = 7;
    check_resume(&cfg, 42, 537, 1500, "default (xoshiro256ss, maturity)");
    /* The polar method's spare normal is cut in half: an odd number of samples. */
    check_resume(&cfg, 43, 1, 400, "default, cut after one step");
    cfg.learner.kind = GLIA_LEARNER_CURSOR;
    check_resume(&cfg, 42, 333, 900, "default cursor");
    /* Homeostasis (thresholds, fire counts) and two passes (no deferred samples). */
    cfg.learner.kind = GLIA_LEARNER_ASTROCYTE;
    cfg.training.homeostasis = 1;
    cfg.network.passes = 2;
    check_resume(&cfg, 9, 455, 1200, "homeostasis, 2 passes");
}

/* Every mechanism beyond the paper: its state is in the snapshot (weights, thresholds,
 * generator), and what is cached (the task's score, sensing rates) is recomputed on load
 * to the same values. */
Test(session, snapshot_resume_is_bit_identical_beyond_the_paper)
{
    glia_config_t cfg;
    glia_task_spec_t parity = {.kind = GLIA_TASK_PARITY, .bits = 3};

    glia_config_default(&cfg);
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    check_resume(&cfg, 42, 537, 1300, "task reward, sensing");
    cfg.learner.kind = GLIA_LEARNER_CURSOR;
    cfg.learner.perturb_thresholds = 1;
    check_resume(&cfg, 43, 333, 900, "task reward, cursor, thresholds");
    cfg.learner.kind = GLIA_LEARNER_RANDOM_SEARCH;
    check_resume(&cfg, 44, 251, 700, "task reward, random search");
    cfg.learner.kind = GLIA_LEARNER_GLOBAL;
    check_resume(&cfg, 48, 251, 600, "task reward, global, thresholds");
    cfg.learner.kind = GLIA_LEARNER_SCATTERED;
    cfg.training.reward_scope = GLIA_SCOPE_MINIBATCH;
    check_resume(&cfg, 49, 251, 600, "minibatch, scattered, thresholds");

    glia_config_default(&cfg);
    cfg.training.reward_scope = GLIA_SCOPE_MINIBATCH;
    cfg.training.minibatch = 4;
    cfg.network.bias = 1;
    cfg.network.passes = 2;
    check_resume(&cfg, 45, 455, 1200, "minibatch, bias, 2 passes");

    glia_config_default(&cfg);
    cfg.learner.perturb_thresholds = 1;
    cfg.learner.astrocyte.selection = GLIA_SELECT_UNIFORM;
    cr_assert_eq(glia_task_generate(&cfg, &parity, NULL), 0);
    check_resume(&cfg, 46, 377, 1000, "pattern reward, uniform, thresholds, parity");

    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    cfg.network.bias = 1;
    check_resume(&cfg, 47, 1253, 2000, "maturity with task reward and bias (deferred samples)");

    /* A larger network: 4 clusters, the task driven in cluster 1 and read in cluster 3,
     * a generated 8 -> 8 task. */
    {
        glia_task_spec_t rnd = {.kind = GLIA_TASK_RANDOM, .patterns = 12, .input_width = 8,
                                .target_width = 8, .seed = 4};
        cr_assert_eq(glia_config_preset(&cfg, "reach"), 0);
        cfg.network.clusters = 4;
        cfg.network.inputs = 8;
        cfg.network.outputs = 8;
        cfg.network.input_cluster = 1;
        cfg.network.output_cluster = 3;
        cfg.network.p_inter = 0.2;
        cr_assert_eq(glia_task_generate(&cfg, &rnd, NULL), 0);
        check_resume(&cfg, 50, 151, 400, "4 clusters, inputs in 1, outputs in 3, 8 -> 8");
    }
}

Test(session, snapshot_chain_of_resumes)
{
    glia_config_t cfg;
    glia_session_t *a, *b;

    cr_assert_eq(glia_config_preset(&cfg, "epsilon"), 0);
    a = new_session(&cfg, 42);
    b = new_session(&cfg, 42);
    for (int i = 0; i < 10; i++) {
        uint8_t *buf;
        size_t len;
        save(b, &buf, &len);
        glia_session_free(b);
        b = load(buf, len);
        free(buf);
        advance(b, 37);
    }
    advance(a, 370);
    assert_same(a, b, "ten resumes");
    glia_session_free(a);
    glia_session_free(b);
}

Test(session, slices_of_any_size_equal_single_steps)
{
    static const uint64_t sizes[] = {1, 2, 3, 7, 10, 13, 64, 100, 5};
    static const char *const presets[] = {"cursor", "maturity", "default"};

    for (int p = 0; p < 3; p++) {
        glia_config_t cfg;
        glia_session_t *a, *b;
        uint64_t done = 0;
        if (strcmp(presets[p], "default") == 0)
            glia_config_default(&cfg); /* xoshiro256ss, the latest stream */
        else
            cr_assert_eq(glia_config_preset(&cfg, presets[p]), 0);
        a = new_session(&cfg, 42);
        b = new_session(&cfg, 42);
        for (int t = 0; t < 1000; t++)
            cr_assert_eq(glia_session_step(a, NULL), 0);
        for (int i = 0; done < 1000; i++) {
            uint64_t n = sizes[i % 9];
            if (n > 1000 - done)
                n = 1000 - done;
            cr_assert_eq(glia_session_advance(b, n, UINT64_MAX), (int64_t)n);
            done += n;
        }
        assert_same(a, b, presets[p]);
        glia_session_free(a);
        glia_session_free(b);
    }
}

/* The inference of the last point is computed only when read (or saved, or before the
 * weights move): read at any time, it is what it was when its episode ended. */
Test(session, the_last_point_is_its_episode_ends_whenever_it_is_read)
{
    static const char *const presets[] = {"maturity", "cursor"};

    for (int p = 0; p < 2; p++) {
        glia_session_t *a = preset_session(presets[p], 17), *b = preset_session(presets[p], 17);
        glia_point_t pa, pb;
        glia_inference_t inf;
        uint8_t *ba, *bb;
        size_t la, lb;
        const uint64_t *oa;

        /* a: one call to the end of episode 36 (the last point pends); b: single steps, each
         * of which computes the point before it moves anything */
        cr_assert_eq(glia_session_run_episodes(a, 37), 0);
        for (int t = 0; t < 370; t++)
            cr_assert_eq(glia_session_step(b, NULL), 0);
        save(a, &ba, &la); /* saved while pending */
        cr_assert_eq(glia_session_last_point(b, &pb), 0);
        save(b, &bb, &lb);
        cr_assert(la == lb && memcmp(ba, bb, la) == 0, "%s: snapshots differ", presets[p]);
        cr_assert_eq(glia_session_last_point(a, &pa), 0);
        cr_assert(pa.episode == 36 && pb.episode == 36 && pa.accuracy == pb.accuracy &&
                      pa.distinct_outputs == pb.distinct_outputs &&
                      pa.avg_reward == pb.avg_reward && pa.accept_rate == pb.accept_rate,
                  "%s", presets[p]);
        /* nothing moved since: it is the inference of the weights now */
        glia_session_inference(a, &inf);
        oa = glia_session_last_outputs(a);
        cr_assert_eq(pa.accuracy, inf.mean_accuracy);
        cr_assert_eq(pa.distinct_outputs, inf.distinct_outputs);
        cr_assert_eq(memcmp(oa, inf.outputs, (size_t)inf.count * sizeof(uint64_t)), 0);
        cr_assert_eq(memcmp(oa, glia_session_last_outputs(b), (size_t)inf.count * sizeof(uint64_t)),
                     0);
        /* a slice that stops mid-episode computes it first: the point read after it is
         * still episode 36's */
        advance(a, 4);
        advance(b, 4);
        cr_assert_eq(glia_session_last_point(a, &pa), 0);
        cr_assert(pa.episode == 36 && pa.accuracy == pb.accuracy &&
                      pa.distinct_outputs == pb.distinct_outputs,
                  "%s", presets[p]);
        assert_same(a, b, presets[p]);
        free(ba);
        free(bb);
        glia_session_free(a);
        glia_session_free(b);
    }
}

Test(session, advance_stops_at_the_end_of_an_episode)
{
    glia_session_t *s = preset_session("astrocyte-firing", 42), *r;
    glia_counters_t c;

    cr_assert_eq(glia_session_advance(s, 1000, 4), 50, "episodes 0..4 are 50 steps");
    glia_session_counters(s, &c);
    cr_assert(c.episodes == 5 && c.step_in_episode == 0 && c.steps == 50);
    advance(s, 3);
    cr_assert_eq(glia_session_advance(s, 1000, 5), 7, "the rest of episode 5");
    cr_assert_eq(glia_session_advance(s, 4, 100), 4, "max_steps comes first");
    cr_assert_eq(glia_session_advance(s, 0, 100), 0);
    glia_session_counters(s, &c);
    cr_assert(c.steps == 64 && c.episodes == 6 && c.step_in_episode == 4);
    /* run_episodes is the same loop */
    r = preset_session("astrocyte-firing", 42);
    cr_assert_eq(glia_session_run_episodes(r, 6), 0);
    advance(r, 4);
    assert_same(s, r, "run_episodes");
    glia_session_free(s);
    glia_session_free(r);
}

/* FNV-1a 64, the snapshot's published checksum, to forge "valid" corrupt buffers. */
static void reseal(uint8_t *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i + 8 < len; i++) {
        h ^= buf[i];
        h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; i++)
        buf[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

static glia_session_t *small_session(uint32_t seed)
{
    glia_config_t cfg;

    cr_assert_eq(glia_config_preset(&cfg, "epsilon"), 0);
    cfg.network.regular = 3;
    cfg.training.trajectory_interval = 2;
    return new_session(&cfg, seed);
}

Test(session, corrupt_snapshots_are_rejected)
{
    glia_session_t *s = small_session(42), *out = (glia_session_t *)1;
    uint8_t *buf, *copy;
    size_t len;
    glia_error_t err;

    advance(s, 57);
    save(s, &buf, &len);
    copy = malloc(len + 1);
    cr_assert_not_null(copy);
    /* Every single flipped byte. */
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, buf, len);
        copy[i] ^= 0xff;
        glia_error_clear(&err);
        cr_assert_eq(glia_session_load(copy, len, &out, &err), GLIA_EFORMAT, "byte %zu", i);
        cr_assert_null(out);
        cr_assert(err.code == GLIA_EFORMAT && err.message[0] != '\0');
    }
    /* Every truncation, and one byte too many. */
    for (size_t n = 0; n < len; n++) {
        cr_assert_eq(glia_session_load(buf, n, &out, NULL), GLIA_EFORMAT, "length %zu", n);
        cr_assert_null(out);
    }
    memcpy(copy, buf, len);
    copy[len] = 0;
    cr_assert_eq(glia_session_load(copy, len + 1, &out, NULL), GLIA_EFORMAT);
    free(copy);
    free(buf);
    glia_session_free(s);
}

Test(session, corrupt_preset_snapshots_are_rejected)
{
    glia_session_t *s = preset_session("maturity", 42), *out;
    uint8_t *buf;
    size_t len;

    advance(s, 1234);
    save(s, &buf, &len);
    for (size_t i = 0; i < len; i += 13) {
        buf[i] ^= 0x01;
        cr_assert_eq(glia_session_load(buf, len, &out, NULL), GLIA_EFORMAT, "byte %zu", i);
        buf[i] ^= 0x01;
        cr_assert_eq(glia_session_load(buf, len - 1 - i, &out, NULL), GLIA_EFORMAT);
    }
    free(buf);
    glia_session_free(s);
}

Test(session, forged_snapshots_never_crash)
{
    /* A flipped byte behind a recomputed checksum reaches the structural checks: the
     * load either succeeds (a changed weight, say) and the session keeps working, or it
     * fails cleanly. Run under ASan/UBSan this is the memory-safety check. */
    glia_session_t *s = small_session(7), *out;
    uint8_t *buf, *copy;
    size_t len;
    int loaded = 0, rejected = 0;

    advance(s, 45);
    save(s, &buf, &len);
    copy = malloc(len);
    cr_assert_not_null(copy);
    for (size_t i = 0; i + 8 < len; i++) {
        int rc;
        memcpy(copy, buf, len);
        copy[i] ^= 0x80;
        reseal(copy, len);
        rc = glia_session_load(copy, len, &out, NULL);
        cr_assert(rc == 0 || rc == GLIA_EFORMAT || rc == GLIA_EINVAL || rc == GLIA_EVERSION,
                  "byte %zu: %d", i, rc);
        if (rc == 0) {
            loaded++;
            advance(out, 25);
            glia_session_free(out);
        } else {
            rejected++;
            cr_assert_null(out);
        }
    }
    cr_assert(loaded > 0 && rejected > 0);
    free(copy);
    free(buf);
    glia_session_free(s);
}

Test(session, snapshot_from_a_future_version_is_refused)
{
    glia_session_t *s = small_session(7), *out;
    uint8_t *buf;
    size_t len;
    glia_error_t err;

    save(s, &buf, &len);
    cr_assert_eq(memcmp(buf, "GLIASNAP", 8), 0);
    buf[8]++; /* u32 version, little-endian, right after the magic: one past this build's */
    reseal(buf, len);
    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &out, &err), GLIA_EVERSION);
    cr_assert_null(out);
    free(buf);
    glia_session_free(s);
}

/* Overwrite the first occurrence of `old` (n bytes) in the snapshot and reseal. */
static void patch(uint8_t *buf, size_t len, const void *old, const void *new, size_t n)
{
    for (size_t i = 12; i + n + 8 <= len; i++) {
        if (memcmp(buf + i, old, n) == 0) {
            memcpy(buf + i, new, n);
            reseal(buf, len);
            return;
        }
    }
    cr_assert_fail("pattern not found in the snapshot");
}

Test(session, snapshot_with_an_impossible_generator_state_is_refused)
{
    /* mulberry32-js states are positive integers (seed + 1 + k*1831565813): a negative
     * or NaN state cannot come from a run, and converting it to an integer is undefined.
     * An all-zero xoshiro256** state never leaves zero, and the polar method would loop
     * forever on it. */
    const double bad_s[3] = {-1.0, NAN, INFINITY};
    glia_session_t *s = small_session(7), *out;
    uint8_t *buf;
    size_t len;
    glia_config_t cfg;

    advance(s, 13);
    for (int k = 0; k < 3; k++) {
        save(s, &buf, &len);
        patch(buf, len, &s->rng.s, &bad_s[k], sizeof(double));
        cr_assert_eq(glia_session_load(buf, len, &out, NULL), GLIA_EFORMAT, "state %g", bad_s[k]);
        free(buf);
    }
    glia_session_free(s);

    glia_config_default(&cfg);
    s = new_session(&cfg, 7);
    advance(s, 13);
    save(s, &buf, &len);
    {
        const uint64_t zero[4] = {0, 0, 0, 0};
        patch(buf, len, s->rng.x, zero, sizeof(zero));
    }
    cr_assert_eq(glia_session_load(buf, len, &out, NULL), GLIA_EFORMAT);
    free(buf);
    glia_session_free(s);
}

Test(session, control_takes_no_draws_and_records_no_trajectory)
{
    glia_session_t *s = preset_session("control", 42);
    const glia_rng_t built = s->rng;
    const int nsyn = glia_net_synapse_count(glia_session_net(s));
    double *w0 = malloc((size_t)nsyn * sizeof(double));
    glia_counters_t c;
    glia_point_t p;
    size_t n;
    json_t *traj;

    cr_assert_not_null(w0);
    memcpy(w0, glia_net_weights(s->net), (size_t)nsyn * sizeof(double));
    for (int t = 0; t < 2600; t++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert(info.pattern == -1 && !info.decided && info.n_eligible == 0 &&
                  !info.point_recorded);
    }
    cr_assert_eq(memcmp(&built, &s->rng, sizeof(built)), 0, "the generator moved");
    cr_assert_eq(memcmp(w0, glia_net_weights(s->net), (size_t)nsyn * sizeof(double)), 0);
    glia_session_counters(s, &c);
    cr_assert(c.steps == 2600 && c.episodes == 260 && c.accepted == 0 && c.rejected == 0);
    glia_session_trajectory(s, &n);
    cr_assert_eq(n, 0);
    cr_assert_eq(glia_session_last_point(s, &p), GLIA_ENOENT);
    traj = glia_trajectory_to_json(s);
    cr_assert(json_is_array(traj) && json_array_size(traj) == 0);
    json_decref(traj);
    free(w0);
    glia_session_free(s);
}

Test(session, trajectory_points_every_interval_plus_the_last_episode)
{
    glia_config_t cfg;
    glia_session_t *s;
    double reward_sum = 0.0;
    int accepted = 0, decided = 0;
    uint64_t want_traj[] = {0, 7, 14, 21, 28};
    size_t n;
    const glia_point_t *pts;
    json_t *traj;
    int checked = 0;

    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cfg.training.trajectory_interval = 7;
    s = new_session(&cfg, 42);
    for (int t = 0; t < 300; t++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        reward_sum += info.reward;
        decided += info.decided;
        accepted += info.kept;
        cr_assert_eq(info.episode_done, (t + 1) % 10 == 0, "step %d", t);
        if (info.episode_done) {
            glia_point_t last;
            glia_inference_t inf;
            cr_assert_eq(info.point_recorded, info.episode % 7 == 0, "episode %d",
                         (int)info.episode);
            cr_assert_eq(glia_session_last_point(s, &last), 0);
            glia_session_inference(s, &inf);
            cr_assert_eq(last.episode, info.episode);
            cr_assert_eq(last.avg_reward, reward_sum / 10, "episode %d", (int)info.episode);
            cr_assert_eq(last.accept_rate, decided ? (double)accepted / decided : 0.0);
            cr_assert_eq(last.accuracy, inf.mean_accuracy);
            cr_assert_eq(last.distinct_outputs, inf.distinct_outputs);
            reward_sum = 0.0;
            accepted = decided = 0;
            checked++;
        }
    }
    cr_assert_eq(checked, 30);
    pts = glia_session_trajectory(s, &n);
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(pts[i].episode, want_traj[i]);

    /* 30 finished episodes: the result closes the trajectory with episode 29. Half an
     * episode more changes nothing. */
    advance(s, 5);
    traj = glia_trajectory_to_json(s);
    cr_assert_eq(json_array_size(traj), 6);
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(json_integer_value(json_object_get(json_array_get(traj, i), "episode")),
                     (json_int_t)want_traj[i]);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(traj, 5), "episode")), 29);
    json_decref(traj);
    glia_session_free(s);

    /* 29 finished episodes: the last (28) is a point already, listed once. */
    s = new_session(&cfg, 42);
    cr_assert_eq(glia_session_run_episodes(s, 29), 0);
    traj = glia_trajectory_to_json(s);
    cr_assert_eq(json_array_size(traj), 5);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(traj, 4), "episode")), 28);
    json_decref(traj);
    glia_session_free(s);
}

Test(session, control_inference_is_a_constant_output)
{
    /* fixture control-seed42.json: every output 00000, accuracy 0.5 */
    glia_session_t *s = preset_session("control", 42);
    glia_inference_t inf;

    glia_session_inference(s, &inf);
    cr_assert_eq(inf.count, 8);
    cr_assert_eq(inf.width, 5);
    cr_assert_eq(inf.distinct_outputs, 1);
    cr_assert_eq(inf.constant_output, 1);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(inf.outputs[i], 0);
    cr_assert_eq(inf.mean_accuracy, 0.5);
    glia_session_free(s);
}

/* A fully connected cluster 0 (p_intra 1, ids = positions) with hand-set weights: input
 * i drives output i with weight 1 when map[i], every other weight 0. */
static glia_session_t *wired_session(const int map[5])
{
    glia_config_t cfg;
    glia_session_t *s;
    double *w;

    glia_config_default(&cfg);
    cfg.network.p_intra = 1.0;
    s = new_session(&cfg, 1);
    w = glia_net_weights(s->net);
    for (int k = 0; k < glia_net_synapse_count(s->net); k++) {
        int pre, post;
        double cur;
        glia_net_synapse(s->net, k, &pre, &post, &cur);
        w[k] = (pre < 5 && post == 5 + pre && map[pre]) ? 1.0 : 0.0;
    }
    return s;
}

Test(session, inference_counts_distinct_output_vectors)
{
    /* Identity wiring: outputs equal inputs, 8 distinct. Accuracy by hand against the
     * paper's targets: P1 00000/10101 2 of 5, P2 10000/01010 2, P3 01000/11001 3,
     * P4 00100/00110 4, P5 00010/10011 3, P6 00001/01100 2, P7 11000/00101 1,
     * P8 00110/11010 2. */
    static const int all[5] = {1, 1, 1, 1, 1}, first[5] = {1, 0, 0, 0, 0};
    static const double acc[8] = {0.4, 0.4, 0.6, 0.8, 0.6, 0.4, 0.2, 0.4};
    glia_session_t *s = wired_session(all);
    glia_inference_t inf;
    const glia_config_t *cfg = glia_session_config(s);
    double sum = 0.0;
    uint8_t *before, *after;
    size_t lb, la;

    save(s, &before, &lb);
    glia_session_inference(s, &inf);
    save(s, &after, &la);
    cr_assert(la == lb && memcmp(before, after, la) == 0, "inference changed the session");
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(inf.outputs[i], cfg->task.patterns[i].input, "P%d", i + 1);
        cr_assert_eq(inf.accuracy[i], acc[i], "P%d", i + 1);
        sum += acc[i];
    }
    cr_assert_eq(inf.mean_accuracy, sum / 8);
    cr_assert_eq(inf.distinct_outputs, 8);
    cr_assert_eq(inf.constant_output, 0);
    free(before);
    free(after);
    glia_session_free(s);

    /* Only input 0 wired: P2 and P7 give 10000, the rest 00000. */
    s = wired_session(first);
    glia_session_inference(s, &inf);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(inf.outputs[i], (i == 1 || i == 6) ? 0x1u : 0x0u, "P%d", i + 1);
    cr_assert_eq(inf.distinct_outputs, 2);
    cr_assert_eq(inf.constant_output, 0);
    glia_session_free(s);
}

Test(session, trained_inference_distinct_outputs_match_the_vectors)
{
    glia_session_t *s = preset_session("maturity", 42);
    glia_inference_t inf;
    int distinct = 0;

    cr_assert_eq(glia_session_run_episodes(s, 300), 0);
    glia_session_inference(s, &inf);
    for (int i = 0; i < inf.count; i++) {
        int seen = 0;
        for (int k = 0; k < i; k++)
            seen |= inf.outputs[k] == inf.outputs[i];
        distinct += !seen;
    }
    cr_assert_eq(inf.distinct_outputs, distinct);
    cr_assert_eq(inf.constant_output, distinct == 1);
    glia_session_free(s);
}

Test(session, invalid_config_is_refused)
{
    glia_config_t cfg;
    glia_session_t *s = (glia_session_t *)1;
    glia_error_t err;

    glia_config_default(&cfg);
    cfg.learner.astrocyte.per_cluster = 3;
    glia_error_clear(&err);
    cr_assert_eq(glia_session_new(&cfg, 1, &s, &err), GLIA_EINVAL);
    cr_assert_null(s);
    cr_assert_str_eq(err.field, "/learner/astrocyte/per_cluster");
    glia_session_free(NULL);
}

/* Fewer synapses than neurons (none at all here) is a valid network: every learner builds,
 * steps, saves and resumes it (the perturb scratch once overran a synapse-sized buffer by
 * the neuron count; the fuzzer found it). */
Test(session, a_network_without_synapses_runs_under_every_learner)
{
    for (int kind = GLIA_LEARNER_CONTROL; kind <= GLIA_LEARNER_RANDOM_SEARCH; kind++) {
        glia_config_t cfg;
        glia_session_t *s;

        if (kind == GLIA_LEARNER_NEUROMOD)
            cr_assert_eq(glia_config_preset(&cfg, "exp012b-full"), 0);
        else
            glia_config_default(&cfg);
        cfg.learner.kind = kind;
        cfg.network.p_intra = 0;
        cfg.network.p_inter = 0;
        s = new_session(&cfg, 7);
        cr_assert_eq(glia_session_net(s)->n_syn, 0, "kind %d", kind);
        cr_assert_lt(glia_session_net(s)->n_syn, glia_session_net(s)->n);
        glia_session_free(s);
        check_resume(&cfg, 7, 25, 60, "no synapses");
    }
}
