/* presets.c: the named presets: the paper's phase 1b conditions (exp 020-024), reach, and
 * the phase 1a experiments (their field changes are presets_phase1a.c's data). Each is
 * glia's defaults (config.c) plus a few fields. */
#include <string.h>

#include "core/net_storage.h"
#include "core/presets_phase1a.h"
#include "core/rng.h"

const glia_preset_info_t glia_presets[] = {
    {"control", NULL, "no learning: the network as initialised", 5000},
    {"cursor", "exp020", "one spatial cursor perturbing the synapses near it (exp 020)", 5000},
    {"astrocyte-firing", "exp021", "8 astrocytes sensing territory firing (exp 021)", 5000},
    {"astrocyte-traffic", "exp022", "8 astrocytes sensing synaptic traffic (exp 022)", 5000},
    {"epsilon", "exp023", "astrocytes with flat 1% exploration (exp 023)", 5000},
    {"maturity", "exp024", "astrocytes with maturity-scaled exploration (exp 024)", 20000},
    {"reach", NULL,
     "beyond the paper: task-level reward, thresholds perturbed with the weights, one of 18 "
     "territories drawn at random per step, 3 passes",
     20000},
/* Phase 1a (neuromod learner, presets_phase1a.c): exp 001 is exp 002's configuration
 * (the reference never seeded it). */
#define P1A(name, alias, what, cond, episodes)                                                     \
    {                                                                                              \
        name "-" cond, alias, what " -- " cond, episodes                                           \
    }
#define P1A_ALL(exp, what, episodes)                                                               \
    P1A(exp, NULL, what, "baseline", episodes), P1A(exp, NULL, what, "ambient", episodes),         \
        P1A(exp, NULL, what, "dampening", episodes), P1A(exp, NULL, what, "full", episodes)
    P1A("exp002", "exp001-baseline", "exp 002: eligibility traces + chemical diffusion", "baseline",
        1000),
    P1A("exp002", "exp001-ambient", "exp 002: eligibility traces + chemical diffusion", "ambient",
        1000),
    P1A("exp002", "exp001-dampening", "exp 002: eligibility traces + chemical diffusion",
        "dampening", 1000),
    P1A("exp002", "exp001-full", "exp 002: eligibility traces + chemical diffusion", "full", 1000),
    P1A_ALL("exp003", "exp 003: flipped trace signs", 1000),
    P1A_ALL("exp004", "exp 004: flag persistence (signed flags, as published)", 1000),
    P1A_ALL("exp005", "exp 005: squared reward (signed flags)", 1000),
    P1A_ALL("exp006", "exp 006: reward annealing linear to squared, 350-700 (signed flags)", 1000),
    P1A("exp007", NULL, "exp 007: exp 004 Full model (connectivity diagnostic)", "full", 1000),
    P1A("exp008", NULL, "exp 008: exp 004 Full model (flag diagnostic)", "full", 1000),
    P1A_ALL("exp009", "exp 009: flag gate warm-up 200 (never enforced: = exp 002)", 1000),
    P1A_ALL("exp010", "exp 010: direction-consistent flags", 1000),
    P1A_ALL("exp010b", "exp 010b: exp 010 + 3 propagation cycles, homeostasis per cycle", 1000),
    P1A_ALL("exp011", "exp 011: frustration flips (Full model)", 1000),
    P1A_ALL("exp012a", "exp 012a: learning rate 0.02", 1000),
    P1A_ALL("exp012b", "exp 012b: weight decay 0.0025 (the [11111] attractor)", 1000),
    P1A_ALL("exp012c", "exp 012c: learning rate 0.02 + weight decay 0.0025", 1000),
    P1A_ALL("exp013", "exp 013: exp 012b + 3 propagation cycles", 1000),
    P1A_ALL("exp014", "exp 014: exp 012b + a hidden cluster of 20", 1000),
    P1A_ALL("exp015", "exp 015: modulatory round robin + provisional weights + radius anneal",
            1000),
    P1A_ALL("exp016", "exp 016: per-bit reward, no flag gate", 2000),
    P1A_ALL("exp017", "exp 017: exp 016 + weight decay 0.0005", 5000),
    P1A_ALL("exp018", "exp 018: exp 017 + fixed output thresholds", 10000),
#undef P1A_ALL
#undef P1A
    {NULL, NULL, NULL, 0},
};

const glia_preset_info_t *glia_preset_find(const char *name)
{
    for (const glia_preset_info_t *p = glia_presets; p->name != NULL; p++) {
        if (strcmp(p->name, name) == 0 || (p->alias != NULL && strcmp(p->alias, name) == 0))
            return p;
    }
    return NULL;
}

int glia_config_preset(glia_config_t *cfg, const char *name)
{
    const glia_preset_info_t *p = glia_preset_find(name);

    if (p == NULL)
        return GLIA_ENOENT;
    if (glia__preset_phase1a(cfg, p->name) == 0)
        return 0;
    glia_config_default(cfg);
    if (strcmp(p->name, "reach") == 0) {
        /* Not a reference condition: glia's defaults (xoshiro256**, no id collision) and
         * the mechanisms of docs/results.md, "Beyond the paper". */
        cfg->network.passes = 3;
        cfg->training.reward_scope = GLIA_SCOPE_TASK;
        cfg->training.trajectory_interval = 10;
        cfg->learner.kind = GLIA_LEARNER_ASTROCYTE;
        cfg->learner.perturb_thresholds = 1;
        cfg->learner.astrocyte.selection = GLIA_SELECT_UNIFORM;
        cfg->learner.astrocyte.exploration = GLIA_EXPLORE_NONE;
        cfg->learner.astrocyte.per_cluster = 9; /* smaller territories: finer steps */
        cfg->learner.astrocyte.min_active = 1;
        cfg->learner.astrocyte.max_active = 1;
        return 0;
    }
    /* What the reference program does: its generator and its id collision (spec 1, 2). */
    cfg->rng = GLIA_RNG_MULBERRY32_JS;
    cfg->network.id_stride = 30;

    if (strcmp(p->name, "control") == 0) {
        cfg->learner.kind = GLIA_LEARNER_CONTROL;
    } else if (strcmp(p->name, "cursor") == 0) {
        cfg->learner.kind = GLIA_LEARNER_CURSOR;
    } else {
        cfg->learner.kind = GLIA_LEARNER_ASTROCYTE;
        if (strcmp(p->name, "astrocyte-firing") == 0) {
            cfg->learner.astrocyte.sensing = GLIA_SENSE_FIRING;
            cfg->learner.astrocyte.exploration = GLIA_EXPLORE_NONE;
        } else if (strcmp(p->name, "astrocyte-traffic") == 0) {
            cfg->learner.astrocyte.sensing = GLIA_SENSE_TRAFFIC;
            cfg->learner.astrocyte.exploration = GLIA_EXPLORE_NONE;
        } else if (strcmp(p->name, "epsilon") == 0) {
            cfg->learner.astrocyte.sensing = GLIA_SENSE_FIRING;
            cfg->learner.astrocyte.exploration = GLIA_EXPLORE_FLAT;
        } else {
            cfg->learner.astrocyte.sensing = GLIA_SENSE_FIRING;
            cfg->learner.astrocyte.exploration = GLIA_EXPLORE_MATURITY;
        }
    }
    return 0;
}
