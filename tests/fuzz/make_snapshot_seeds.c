/* make_snapshot_seeds.c: write real snapshots for the snapshot harness's seed corpus.
 *
 *   make_snapshot_seeds DIR    (tests/fuzz/corpus/snapshot/ in the repo)
 *
 * Small networks in every learner, generator and sensing mode, before, inside and
 * after an episode, with trajectory points, homeostasis and a cursor; plus two presets
 * at the paper's size and a phase 1a one. Rerun it when the snapshot format changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/session.h"

static int write_seed(const char *dir, const char *name, const glia_config_t *cfg, uint32_t seed,
                      uint64_t steps)
{
    glia_session_t *s;
    glia_error_t err;
    uint8_t *buf;
    size_t len;
    char path[1024];
    FILE *f;

    if (glia_session_new(cfg, seed, &s, &err) != 0) {
        fprintf(stderr, "%s: %s: %s\n", name, err.field, err.message);
        return -1;
    }
    if (glia_session_advance(s, steps, UINT64_MAX) != (int64_t)steps ||
        glia_session_save(s, &buf, &len) != 0) {
        fprintf(stderr, "%s: cannot run or save\n", name);
        glia_session_free(s);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s.snap", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    printf("%s: %zu bytes\n", path, len);
    free(buf);
    glia_session_free(s);
    return 0;
}

/* A 2 x 12-neuron network: quick to load, every learner still has work. */
static void small(glia_config_t *cfg)
{
    glia_config_default(cfg);
    cfg->network.regular = 0;
    cfg->network.modulatory = 2;
    cfg->training.trajectory_interval = 1;
    cfg->training.steps_per_episode = 4;
}

int main(int argc, char **argv)
{
    glia_config_t cfg;
    int bad = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    small(&cfg);
    bad |= write_seed(argv[1], "astrocyte-maturity-fresh", &cfg, 1, 0);
    bad |= write_seed(argv[1], "astrocyte-maturity-mid-episode", &cfg, 2, 9);
    small(&cfg);
    cfg.learner.astrocyte.sensing = GLIA_SENSE_TRAFFIC;
    cfg.learner.astrocyte.exploration = GLIA_EXPLORE_FLAT;
    cfg.learner.astrocyte.flat_rate = 0.2;
    cfg.learner.astrocyte.per_cluster = 9;
    cfg.learner.astrocyte.history = 4;
    cfg.learner.astrocyte.adapt_interval = 3;
    bad |= write_seed(argv[1], "astrocyte-traffic-flat-9", &cfg, 3, 40);
    small(&cfg);
    cfg.rng = GLIA_RNG_MULBERRY32_JS;
    cfg.learner.kind = GLIA_LEARNER_CURSOR;
    cfg.training.homeostasis = 1;
    cfg.network.passes = 2;
    bad |= write_seed(argv[1], "cursor-mulberry-homeostasis", &cfg, 4, 17);
    small(&cfg);
    cfg.learner.kind = GLIA_LEARNER_CONTROL;
    cfg.network.clusters = 3;
    cfg.network.output_cluster = 2;
    cfg.network.id_stride = 5;
    bad |= write_seed(argv[1], "control-3-clusters-id-collision", &cfg, 5, 8);
    small(&cfg);
    cfg.task.count = 1;
    cfg.task.input_width = 1;
    cfg.task.target_width = 1;
    cfg.task.patterns[0].input = 1;
    cfg.task.patterns[0].target = 1;
    bad |= write_seed(argv[1], "one-bit-task", &cfg, 6, 12);
    glia_config_preset(&cfg, "maturity");
    bad |= write_seed(argv[1], "preset-maturity", &cfg, 314, 123);
    glia_config_preset(&cfg, "cursor");
    bad |= write_seed(argv[1], "preset-cursor", &cfg, 42, 30);
    if (glia_config_preset(&cfg, "exp002-full") == 0) {
        cfg.network.regular = 6; /* phase 1a, smaller: its learner state is large */
        bad |= write_seed(argv[1], "phase1a-exp002-full-small", &cfg, 3, 25);
    }
    return bad ? 1 : 0;
}
