/* presets_phase1a.c: the paper's experiments 001-018 (spec phase 1a, sections 7-9) as
 * data: each experiment is its parent's configuration plus a few field changes, and each
 * condition (baseline, ambient, dampening, full) a few more.
 *
 * Every preset is the configuration that produced the published table, which is not
 * always the reference's final code (spec 9): exp 004-008 ran with signed flags, exp
 * 010b with homeostasis inside the propagation loop. The reference's later code for
 * them is one field away ({"learner": {"neuromod": {"flags": {"mode": "unsigned"}}}}).
 */
#include <string.h>

#include "core/net_storage.h"
#include "core/presets_phase1a.h"
#include "core/rng.h"

/* One field change: the field's JSON pointer and its value (an enum as its index). */
typedef struct delta {
    const char *pointer;
    double value;
} delta_t;

#define MAX_DELTAS 8

typedef struct p1a_exp {
    const char *name;   /* "exp004": presets are "<name>-<condition>" */
    const char *parent; /* applied first; NULL = the phase 1a base */
    int full_only;      /* the experiment ran the Full model only */
    delta_t all[MAX_DELTAS];
    delta_t full[MAX_DELTAS]; /* Full model only */
} p1a_exp_t;

#define NM "/learner/neuromod/"

static const p1a_exp_t experiments[] = {
    /* The base: exp 002 (= multi-seed.mjs; exp 001 unseeded). Its loop passes no episode. */
    {"exp002", NULL, 0, {{NM "episode_clock", GLIA_CLOCK_ZERO}}, {{NULL, 0}}},
    {"exp003",
     "exp002",
     0,
     {{NM "trace/co_activation", -1}, {NM "trace/mismatch", 0.5}},
     {{NULL, 0}}},
    /* Flag persistence, signed flags (the code behind the published 004-008). */
    {"exp004",
     "exp002",
     0,
     {{NM "flags/mode", GLIA_FLAGS_SIGNED},
      {NM "flags/gain", 0.3},
      {NM "flags/decay", 0.7},
      {NM "flags/threshold", 0.5}},
     {{NULL, 0}}},
    {"exp005", "exp004", 0, {{NM "reward/exponent", 2}}, {{NULL, 0}}},
    /* The annealed reward ends squared; the reference's config keeps 005's exponent 2 too
     * (unused while annealing). */
    {"exp006",
     "exp005",
     0,
     {{NM "episode_clock", GLIA_CLOCK_EPISODE},
      {NM "reward/anneal", 1},
      {NM "reward/anneal_start", 350},
      {NM "reward/anneal_end", 700}},
     {{NULL, 0}}},
    {"exp007", "exp004", 1, {{NM "episode_clock", GLIA_CLOCK_EPISODE}}, {{NULL, 0}}},
    {"exp008", "exp004", 1, {{NM "episode_clock", GLIA_CLOCK_EPISODE}}, {{NULL, 0}}},
    /* The warm-up is compared with e, which this loop never passes: never enforced. */
    {"exp009",
     "exp002",
     0,
     {{NM "flags/mode", GLIA_FLAGS_UNSIGNED},
      {NM "flags/gain", 0.3},
      {NM "flags/decay", 0.7},
      {NM "flags/threshold", 0.5},
      {NM "flags/gate_warmup", 200}},
     {{NULL, 0}}},
    {"exp010",
     "exp002",
     0,
     {{NM "episode_clock", GLIA_CLOCK_EPISODE},
      {NM "flags/mode", GLIA_FLAGS_CONSISTENCY},
      {NM "flags/streak", 5},
      {NM "flags/gain", 0.15},
      {NM "flags/decay_on_flip", 0.5},
      {NM "flags/decay", 0.9},
      {NM "flags/threshold", 0.5}},
     {{NULL, 0}}},
    {"exp010b", "exp010", 0, {{"/network/passes", 3}, {NM "homeostasis/in_loop", 1}}, {{NULL, 0}}},
    /* exp 004 as the reference's final code has it (unsigned flags), episode passed. */
    {"exp004u",
     "exp002",
     0,
     {{NM "episode_clock", GLIA_CLOCK_EPISODE},
      {NM "flags/mode", GLIA_FLAGS_UNSIGNED},
      {NM "flags/gain", 0.3},
      {NM "flags/decay", 0.7},
      {NM "flags/threshold", 0.5}},
     {{NULL, 0}}},
    {"exp011",
     "exp004u",
     0,
     {{NULL, 0}},
     {{NM "frustration/window", 30},
      {NM "frustration/threshold", -0.1},
      {NM "frustration/flip", 0.5}}},
    {"exp012a", "exp004u", 0, {{NM "learning_rate", 0.02}}, {{NULL, 0}}},
    {"exp012b", "exp004u", 0, {{NM "weight_decay", 0.0025}}, {{NULL, 0}}},
    {"exp012c",
     "exp004u",
     0,
     {{NM "learning_rate", 0.02}, {NM "weight_decay", 0.0025}},
     {{NULL, 0}}},
    {"exp013", "exp012b", 0, {{"/network/passes", 3}}, {{NULL, 0}}},
    {"exp014",
     "exp012b",
     0,
     {{"/network/clusters", 3}, {"/network/hidden_cluster_size", 20}},
     {{NULL, 0}}},
    {"exp015",
     "exp012b",
     0,
     {{NM "chemical/cycling", 1}, {NM "provisional", 1}},
     {{NM "chemical/anneal", 1}, {NM "chemical/radius_min", 5}}},
    /* Per-bit reward, no flags (the reference's flagStrengthThreshold 0). */
    {"exp016",
     "exp012b",
     0,
     {{NM "chemical/scope", GLIA_CHEM_PER_BIT},
      {NM "flags/mode", GLIA_FLAGS_NONE},
      {NM "flags/threshold", 0},
      {NM "chemical/anneal_episodes", 2000}},
     {{NULL, 0}}},
    {"exp017",
     "exp016",
     0,
     {{NM "weight_decay", 0.0005}, {NM "chemical/anneal_episodes", 5000}},
     {{NULL, 0}}},
    {"exp018",
     "exp017",
     0,
     {{NM "homeostasis/fixed_outputs", 1}, {NM "chemical/anneal_episodes", 10000}},
     {{NULL, 0}}},
};

/* The four conditions every multi-seed experiment runs on the same network (spec 7). */
static const struct {
    const char *name;
    delta_t deltas[MAX_DELTAS];
} conditions[] = {
    {"baseline",
     {{NM "ambient/radius", 0},
      {NM "dampening", 0},
      {NM "chemical/radius", 1000},
      {NM "chemical/falloff", GLIA_FALLOFF_CONSTANT}}},
    {"ambient",
     {{NM "dampening", 0},
      {NM "chemical/radius", 1000},
      {NM "chemical/falloff", GLIA_FALLOFF_CONSTANT}}},
    {"dampening",
     {{NM "ambient/radius", 0},
      {NM "chemical/radius", 1000},
      {NM "chemical/falloff", GLIA_FALLOFF_CONSTANT}}},
    {"full", {{NM "chemical/radius", 15}, {NM "chemical/falloff", GLIA_FALLOFF_INVERSE}}},
};

static const p1a_exp_t *find_exp(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(experiments) / sizeof(experiments[0]); i++) {
        if (strlen(experiments[i].name) == len && strncmp(experiments[i].name, name, len) == 0)
            return &experiments[i];
    }
    return NULL;
}

static const glia_config_field_t *field(const char *pointer)
{
    const glia_config_field_t *f = glia_config_fields;
    while (f->pointer != NULL && strcmp(f->pointer, pointer) != 0)
        f++;
    return f->pointer != NULL ? f : NULL;
}

static void apply(glia_config_t *cfg, const delta_t *d)
{
    for (; d->pointer != NULL; d++) {
        const glia_config_field_t *f = field(d->pointer);
        if (f == NULL)
            continue; /* cannot happen: glia__preset_phase1a_check is tested */
        if (f->type == GLIA_FIELD_DOUBLE) {
            memcpy((char *)cfg + f->offset, &d->value, sizeof(double));
        } else {
            int v = (int)d->value;
            memcpy((char *)cfg + f->offset, &v, sizeof(int));
        }
    }
}

static void apply_exp(glia_config_t *cfg, const p1a_exp_t *e, int is_full)
{
    if (e->parent != NULL)
        apply_exp(cfg, find_exp(e->parent, strlen(e->parent)), is_full);
    apply(cfg, e->all);
    if (is_full)
        apply(cfg, e->full);
}

/* The phase 1a program's network, task and loop (spec 2, 3). */
static void base(glia_config_t *cfg)
{
    static const char *const task[4][2] = {
        {"10101", "01010"}, {"11000", "00111"}, {"10001", "01110"}, {"01010", "10101"}};

    glia_config_default(cfg);
    cfg->rng = GLIA_RNG_MULBERRY32;
    cfg->network.layout = GLIA_LAYOUT_PHASE1A;
    cfg->network.clusters = 2;
    cfg->network.modulatory = 2;
    cfg->network.regular = 28;
    cfg->network.inputs = 5;
    cfg->network.outputs = 5;
    cfg->network.hidden_cluster_size = 0;
    cfg->network.id_stride = 0;
    cfg->network.input_cluster = 0;
    cfg->network.output_cluster = 1;
    cfg->network.passes = 1;
    cfg->network.spread = 4.0; /* uniform(-2, 2) around the cluster centre */
    cfg->network.cluster_spacing = 10.0;
    cfg->network.p_intra = 0.6;
    cfg->network.p_inter = 0.5;
    cfg->network.weight_init = 0.2; /* uniform(-0.1, 0.1) */
    cfg->network.threshold = 0.5;
    cfg->network.fire_rule = GLIA_FIRE_GE;
    cfg->network.carry_state = 1;
    cfg->task.count = 4;
    for (int i = 0; i < 4; i++) {
        glia_pattern_parse(task[i][0], &cfg->task.patterns[i].input, &cfg->task.input_width);
        glia_pattern_parse(task[i][1], &cfg->task.patterns[i].target, &cfg->task.target_width);
    }
    cfg->training.steps_per_episode = 1;
    cfg->training.pattern_order = GLIA_ORDER_CYCLE;
    cfg->training.trajectory_interval = 25;
    cfg->training.weight_clamp = 2.0;
    cfg->learner.kind = GLIA_LEARNER_NEUROMOD;
}

int glia__preset_phase1a(glia_config_t *cfg, const char *name)
{
    const char *dash = strchr(name, '-');
    const p1a_exp_t *e;
    int cond = -1;

    if (dash == NULL || (e = find_exp(name, (size_t)(dash - name))) == NULL ||
        strcmp(e->name, "exp004u") == 0)
        return GLIA_ENOENT;
    for (int c = 0; c < 4; c++) {
        if (strcmp(dash + 1, conditions[c].name) == 0)
            cond = c;
    }
    if (cond < 0 || (e->full_only && cond != 3))
        return GLIA_ENOENT;
    base(cfg);
    apply_exp(cfg, e, cond == 3);
    apply(cfg, conditions[cond].deltas);
    return 0;
}

static int deltas_ok(const delta_t *d)
{
    for (; d->pointer != NULL; d++) {
        if (field(d->pointer) == NULL)
            return 0;
    }
    return 1;
}

int glia__preset_phase1a_check(void)
{
    for (size_t i = 0; i < sizeof(experiments) / sizeof(experiments[0]); i++) {
        const p1a_exp_t *e = &experiments[i];
        if ((e->parent != NULL && find_exp(e->parent, strlen(e->parent)) == NULL) ||
            !deltas_ok(e->all) || !deltas_ok(e->full))
            return 0;
    }
    for (int c = 0; c < 4; c++) {
        if (!deltas_ok(conditions[c].deltas))
            return 0;
    }
    return 1;
}
