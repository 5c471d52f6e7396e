/* test_footprint.c: the memory estimate of a config against what the allocator reports for
 * real sessions (glibc's mallinfo2: bytes in use in the heap and in mapped blocks): for the
 * presets, the defaults, every learner kind, a fully connected network, many clusters, many
 * astrocytes and patterns, with and without trajectory points. The estimate must never be
 * below what a session holds, and not far above it. The snapshot estimate is held against
 * glia_session_save, and the point count against the trajectory. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <malloc.h>
#include <string.h>

#include "core/footprint.h"
#include "core/learners/learner.h"
#include "core/session_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define MEASURED 0 /* the sanitizer's allocator is not glibc's: nothing to measure */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEASURED 0
#else
#define MEASURED 1
#endif
#else
#define MEASURED 1
#endif

static size_t in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Build (and run to `episodes`), measure, compare with the estimate. */
static void check(const glia_config_t *cfg, uint64_t episodes, const char *what)
{
    glia_session_t *s;
    glia_error_t err;
    glia_footprint_t fp;
    size_t before, after, actual, n_points, snap_len;
    uint64_t est;
    uint8_t *snap;

    glia_error_clear(&err);
    malloc_trim(0);
    before = in_use();
    cr_assert_eq(glia_session_new(cfg, 7, &s, &err), 0, "%s: %s %s", what, err.field, err.message);
    if (episodes > 0)
        cr_assert_eq(glia_session_run_episodes(s, episodes), 0, "%s: run", what);
    after = in_use();
    actual = after - before;
    glia_session_trajectory(s, &n_points);
    cr_expect_eq(n_points, glia_config_points(cfg, episodes), "%s: points after %llu episodes",
                 what, (unsigned long long)episodes);
    est = glia_config_memory_estimate(cfg, n_points, &fp);
    cr_expect_geq(fp.synapses, (uint64_t)glia_net_synapse_count(glia_session_net(s)),
                  "%s: synapses %d within the estimate %llu", what,
                  glia_net_synapse_count(glia_session_net(s)), (unsigned long long)fp.synapses);
    cr_assert_eq(glia_session_save(s, &snap, &snap_len), 0);
    cr_expect_geq(fp.snapshot, snap_len, "%s: snapshot of %zu bytes within the estimate %llu", what,
                  snap_len, (unsigned long long)fp.snapshot);
    cr_expect_leq(fp.snapshot, snap_len + snap_len / 2 + 8192,
                  "%s: snapshot estimate %llu not far above %zu", what,
                  (unsigned long long)fp.snapshot, snap_len);
    free(snap);
    cr_log_info("%s: %zu bytes held, %llu estimated (%.2fx; network %llu, scratch %llu, caches %llu, "
                "territories %llu, learner %llu, trajectory %llu)",
                what, actual, (unsigned long long)est, actual ? (double)est / (double)actual : 0,
                (unsigned long long)fp.network, (unsigned long long)fp.scratch,
                (unsigned long long)fp.caches, (unsigned long long)fp.territories, (unsigned long long)fp.learner,
                (unsigned long long)fp.trajectory);
    if (MEASURED) {
        cr_expect_geq(est, actual, "%s: the estimate %llu is below what the session holds, %zu",
                      what, (unsigned long long)est, actual);
        /* Not far above, but for the caches: they are counted at their bounds (what the
         * session may grow to), while a short run fills only part of them. */
        cr_expect_leq(est - fp.caches, actual + actual / 2 + 64 * 1024,
                      "%s: the estimate %llu (caches %llu aside) is far above what the session "
                      "holds, %zu",
                      what, (unsigned long long)(est - fp.caches), (unsigned long long)fp.caches,
                      actual);
    }
    glia_session_free(s);
}

static glia_config_t big_network(int neurons, double p, int kind)
{
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.network.clusters = 1;
    cfg.network.regular =
        neurons - cfg.network.inputs - cfg.network.outputs - cfg.network.modulatory;
    cfg.network.p_intra = p;
    cfg.network.input_cluster = cfg.network.output_cluster = 0;
    cfg.learner.kind = kind;
    return cfg;
}

Test(footprint, presets_and_defaults)
{
    glia_config_t cfg;

    for (const glia_preset_info_t *p = glia_presets; p->name; p++) {
        cr_assert_eq(glia_config_preset(&cfg, p->name), 0);
        check(&cfg, 0, p->name);
        check(&cfg, 60, p->name);
    }
    glia_config_default(&cfg);
    check(&cfg, 0, "defaults");
    check(&cfg, 300, "defaults, 300 episodes");
}

Test(footprint, every_learner_kind)
{
    for (int kind = 0; kind < 64 && glia_learner_ops(kind) != NULL; kind++) {
        glia_config_t cfg = big_network(300, 0.5, kind);
        char what[64];
        snprintf(what, sizeof(what), "learner %s, 300 neurons", glia_learner_ops(kind)->name);
        check(&cfg, 0, what);
        cfg.training.trajectory_interval = 1;
        check(&cfg, 40, what);
    }
}

/* Beyond the paper: bias units, perturbed thresholds, the task's firing rates (sensing
 * under task reward), minibatches, random search. */
Test(footprint, beyond_the_paper)
{
    glia_config_t cfg = big_network(300, 0.5, GLIA_LEARNER_ASTROCYTE);

    cfg.network.bias = 1;
    cfg.network.passes = 2;
    cfg.training.reward_scope = GLIA_SCOPE_TASK;
    cfg.learner.perturb_thresholds = 1;
    check(&cfg, 0, "bias, thresholds, task reward with sensing");
    cfg.training.reward_scope = GLIA_SCOPE_MINIBATCH;
    cfg.training.minibatch = 4;
    check(&cfg, 20, "bias, thresholds, minibatches");
    cfg.learner.kind = GLIA_LEARNER_RANDOM_SEARCH;
    check(&cfg, 20, "random search");
    cr_assert_eq(glia_config_preset(&cfg, "reach"), 0);
    check(&cfg, 50, "reach");
}

Test(footprint, a_fully_connected_network)
{
    glia_config_t cfg = big_network(600, 1.0, GLIA_LEARNER_ASTROCYTE);

    check(&cfg, 0, "600 neurons fully connected");
    cfg.learner.astrocyte.territory_radius = 1e6; /* every territory owns the cluster */
    check(&cfg, 0, "600 neurons fully connected, territories over everything");
}

Test(footprint, clusters_astrocytes_and_patterns)
{
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.network.clusters = 8;
    cfg.network.regular = 60;
    cfg.network.p_intra = 0.4;
    cfg.network.p_inter = 0.05;
    cfg.learner.astrocyte.per_cluster = 16;
    check(&cfg, 0, "8 clusters, 16 astrocytes each");

    glia_config_default(&cfg);
    cfg.task.count = 32;
    for (int i = 0; i < 32; i++) {
        cfg.task.patterns[i].input = (uint64_t)i;
        cfg.task.patterns[i].target = (uint64_t)(31 - i);
    }
    cfg.training.trajectory_interval = 1;
    check(&cfg, 200, "32 patterns, a point every episode");

    glia_config_preset(&cfg, "astrocyte-firing"); /* the reference's colliding ids */
    cfg.network.clusters = 6;
    check(&cfg, 0, "colliding ids, 6 clusters");
}

Test(footprint, points_follow_the_trajectory_interval)
{
    glia_config_t cfg;

    glia_config_default(&cfg);
    cfg.training.trajectory_interval = 250;
    cr_expect_eq(glia_config_points(&cfg, 0), 0);
    cr_expect_eq(glia_config_points(&cfg, 1), 1, "episode 0 is a point");
    cr_expect_eq(glia_config_points(&cfg, 250), 1);
    cr_expect_eq(glia_config_points(&cfg, 251), 2);
    cr_expect_eq(glia_config_points(&cfg, 20000), 80);
    cfg.learner.kind = GLIA_LEARNER_CONTROL;
    cr_expect_eq(glia_config_points(&cfg, 20000), 0, "control records no points");
}

Test(footprint, the_largest_network_is_estimated_without_building_it)
{
    glia_config_t cfg = big_network(GLIA_MAX_NEURONS, 1.0, GLIA_LEARNER_ASTROCYTE);
    glia_footprint_t fp;
    uint64_t est = glia_config_memory_estimate(&cfg, 0, &fp);

    cr_expect_eq(glia_config_validate(&cfg, NULL), 0, "a legal config");
    cr_expect_geq(fp.synapses,
                  (uint64_t)GLIA_MAX_NEURONS * (GLIA_MAX_NEURONS - 1) -
                      (uint64_t)cfg.network.inputs * (GLIA_MAX_NEURONS - 1),
                  "every pair but those into inputs");
    cr_expect_gt(est, (uint64_t)16 * 16773120, "at least 16 bytes a synapse: %llu",
                 (unsigned long long)est);
    cr_log_info("4096 neurons fully connected: %llu bytes estimated (%llu synapses)",
                (unsigned long long)est, (unsigned long long)fp.synapses);
}

Test(footprint, a_snapshot_tells_its_config_and_points_without_being_built)
{
    glia_config_t cfg, got;
    glia_session_t *s;
    glia_error_t err;
    uint8_t *buf;
    size_t len, n_points;
    uint32_t seed;
    uint64_t points;

    glia_config_preset(&cfg, "maturity");
    cfg.training.trajectory_interval = 3;
    cr_assert_eq(glia_session_new(&cfg, 314, &s, NULL), 0);
    cr_assert_eq(glia_session_run_episodes(s, 31), 0);
    glia_session_trajectory(s, &n_points);
    cr_assert_eq(glia_session_save(s, &buf, &len), 0);
    glia_error_clear(&err);
    cr_assert_eq(glia_snapshot_peek(buf, len, &got, &seed, &points, &err), 0, "%s", err.message);
    cr_expect(glia_config_equal(&got, &cfg), "the same config");
    cr_expect_eq(seed, 314);
    cr_expect_eq(points, n_points, "%llu points, %zu in the session", (unsigned long long)points,
                 n_points);
    cr_expect_eq(points, 11, "episodes 0, 3, ..., 30");

    buf[len / 2] ^= 1; /* the checksum no longer matches */
    glia_error_clear(&err);
    cr_expect_eq(glia_snapshot_peek(buf, len, &got, &seed, &points, &err), GLIA_EFORMAT);
    cr_expect(strstr(err.message, "checksum") != NULL, "%s", err.message);
    cr_expect_eq(glia_snapshot_peek(buf, 10, &got, &seed, &points, NULL), GLIA_EFORMAT);
    free(buf);
    glia_session_free(s);
}
