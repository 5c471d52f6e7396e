/* experiment_templates.c: the paper's studies (exp 020-024, phase 1, scope, reach) and
 * the baselines study as bodies ready to post to /v1/experiments or to run with `gliad
 * experiment`. */
#include "api/experiment_json.h"

#include <stdio.h>

/* The baselines studies (issue 21), one per task (the paper's 8 patterns, XOR, 4-bit
 * parity, so each report ranks one task): every learner at one budget of reward queries,
 * each compared with the astrocytes (reach preset: "reference", Holm-corrected). The
 * learners beyond the paper's own run on the reach network and reward (3 passes,
 * task-level reward, thresholds trained); trajectory points every 10 episodes time the
 * reward queries to 90% and 95%. */
#define BASELINES_BUDGET 100000 /* reward queries per run: a study runs in a minute or two */

static const struct {
    const char *name, *what, *generate;
} baseline_tasks[] = {
    {"paper8", "the paper's 8-pattern task", NULL}, /* every preset's task */
    {"xor", "XOR", "{\"kind\": \"xor\"}"},
    {"parity4", "4-bit parity", "{\"kind\": \"parity\", \"bits\": 4}"},
};

static json_t *baselines(size_t t, const int *seeds, int n_seeds)
{
    static const struct {
        const char *label, *preset, *config;
    } learners[] = {
        {"astro-paper", "maturity", NULL},
        {"astro-reach", "reach", NULL},
        {"cursor", "cursor", NULL},
        {"global", "reach", "{\"learner\": {\"kind\": \"global\"}}"},
        {"scattered", "reach", "{\"learner\": {\"kind\": \"scattered\"}}"},
        {"wp-local", "reach",
         "{\"learner\": {\"kind\": \"weight-perturbation\", "
         "\"weight_perturbation\": {\"scope\": \"territory\"}}}"},
        {"wp-global", "reach",
         "{\"learner\": {\"kind\": \"weight-perturbation\", "
         "\"weight_perturbation\": {\"scope\": \"global\"}}}"},
        {"node-pert", "reach", "{\"learner\": {\"kind\": \"node-perturbation\"}}"},
        {"es-1plus1", "reach", "{\"learner\": {\"kind\": \"es\", \"es\": {\"population\": 1}}}"},
        {"es-pop", "reach", "{\"learner\": {\"kind\": \"es\", \"es\": {\"population\": 16}}}"},
        {"random-search", "reach", "{\"learner\": {\"kind\": \"random-search\"}}"},
        {"backprop", "reach", "{\"learner\": {\"kind\": \"backprop\"}}"},
    };
    json_t *conds = json_array(), *sj = json_array();
    char name[GLIA_NAME_MAX + 1], description[600];

    for (size_t l = 0; l < sizeof(learners) / sizeof(learners[0]); l++) {
        json_t *cfg = learners[l].config ? json_loads(learners[l].config, 0, NULL) : json_object();
        json_object_set_new(cfg, "training", json_pack("{s:i}", "trajectory_interval", 10));
        if (baseline_tasks[t].generate != NULL)
            json_object_set_new(
                cfg, "task",
                json_pack("{s:o}", "generate", json_loads(baseline_tasks[t].generate, 0, NULL)));
        json_array_append_new(conds, json_pack("{s:s, s:s, s:o}", "label", learners[l].label,
                                               "preset", learners[l].preset, "config", cfg));
    }
    for (int k = 0; k < n_seeds; k++)
        json_array_append_new(sj, json_integer(seeds[k]));
    snprintf(name, sizeof(name), "baselines-%s", baseline_tasks[t].name);
    snprintf(description, sizeof(description),
             "Established learning rules beside the astrocytes (issue 21) on %s: astrocytes "
             "(paper and reach), cursor, global, scattered, weight perturbation (a territory, "
             "every weight), node perturbation, (1+1)-ES, population ES, random search and "
             "backprop, every run stopped at the same budget of reward queries. Backprop is the "
             "ceiling: the only learner that uses a per-output error, not the scalar alone.",
             baseline_tasks[t].what);
    return json_pack("{s:s, s:s, s:o, s:o, s:{s:I}, s:s}", "name", name, "description", description,
                     "conditions", conds, "seeds", sj, "budget", "reward_queries",
                     (json_int_t)BASELINES_BUDGET, "reference", "astro-reach");
}

json_t *glia_experiment_templates(void)
{
    /* A condition is a label, a preset and optional config overrides (JSON text). */
    static const struct {
        const char *name, *description;
        int episodes;
        const char *labels[4], *presets[4], *configs[4];
    } t[] = {
        {"exp020",
         "Cursor vs control (paper Table 3): one spatial cursor, no homeostasis.",
         5000,
         {"cursor", "control", NULL},
         {"cursor", "control", NULL},
         {NULL}},
        {"exp021",
         "Astrocytes (firing) vs cursor vs control (paper Table 4).",
         5000,
         {"astrocyte", "cursor", "control"},
         {"astrocyte-firing", "cursor", "control"},
         {NULL}},
        {"exp022",
         "Traffic sensing vs firing sensing vs control.",
         5000,
         {"traffic", "firing", "control"},
         {"astrocyte-traffic", "astrocyte-firing", "control"},
         {NULL}},
        {"exp023",
         "Flat 1% exploration vs none vs control.",
         5000,
         {"epsilon", "firing", "control"},
         {"epsilon", "astrocyte-firing", "control"},
         {NULL}},
        {"exp024",
         "Maturity-scaled exploration vs flat vs control, 20,000 episodes.",
         20000,
         {"maturity", "epsilon", "control"},
         {"maturity", "epsilon", "control"},
         {NULL}},
        {"phase1-attractor",
         "Phase 1's constant-output attractor (paper Table 1): exp 012b Full model ([11111] "
         "on every seed, 55%) vs exp 002 Full model vs exp 018 Baseline, 1,000 episodes "
         "(012b's and 002's published length; exp 018's is 10,000). See the constant-output "
         "row.",
         1000,
         {"exp012b-full", "exp002-full", "exp018-baseline"},
         {"exp012b-full", "exp002-full", "exp018-baseline"},
         {NULL}},
        {"phase1-vs-phase1b",
         "The paper's contrast: phase 1's neuron-centric learner (exp 012b Full model, its "
         "4-pattern task) beside phase 1b's astrocytes (exp 024, maturity), 20,000 episodes.",
         20000,
         {"phase1-012b", "phase1b-024"},
         {"exp012b-full", "maturity"},
         {NULL}},
        {"scope",
         "Update scope (paper 7.1): astrocytes vs the cursor vs every synapse perturbed at "
         "once (global) vs as many synapses as the astrocytes would perturb, drawn from the "
         "whole network (scattered); maturity settings, 20,000 episodes. Astrocyte vs "
         "scattered tests locality with the count held; scattered vs global tests the count.",
         20000,
         {"astrocyte", "cursor", "global", "scattered"},
         {"maturity", "cursor", "maturity", "maturity"},
         {NULL, NULL, "{\"learner\": {\"kind\": \"global\"}}",
          "{\"learner\": {\"kind\": \"scattered\"}}"}},
        {"reach",
         "Beyond the paper (README): the paper's best (maturity) vs reach (task-level reward, "
         "thresholds perturbed, one random territory per step) vs global perturbation and "
         "random search under reach's reward and settings, with the episodes to 90/95/100% "
         "(trajectory points every 10 episodes).",
         20000,
         {"maturity", "reach", "global", "random-search"},
         {"maturity", "reach", "reach", "reach"},
         {"{\"training\": {\"trajectory_interval\": 10}}", NULL,
          "{\"learner\": {\"kind\": \"global\"}}", "{\"learner\": {\"kind\": \"random-search\"}}"}},
    };
    static const int seeds[10] = {42, 137, 271, 314, 500, 618, 777, 888, 999, 1234};
    json_t *items = json_array();

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        json_t *conds = json_array(), *sj = json_array();
        for (int c = 0; c < 4 && t[i].labels[c]; c++) {
            json_t *cond =
                json_pack("{s:s, s:s}", "label", t[i].labels[c], "preset", t[i].presets[c]);
            if (cond != NULL && t[i].configs[c] != NULL)
                json_object_set_new(cond, "config", json_loads(t[i].configs[c], 0, NULL));
            json_array_append_new(conds, cond);
        }
        for (int k = 0; k < 10; k++)
            json_array_append_new(sj, json_integer(seeds[k]));
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:o, s:i}}", "name",
                                        t[i].name, "description", t[i].description, "body", "name",
                                        t[i].name, "description", t[i].description, "conditions",
                                        conds, "seeds", sj, "episodes", t[i].episodes));
    }
    for (size_t b = 0; b < sizeof(baseline_tasks) / sizeof(baseline_tasks[0]); b++) {
        json_t *body = baselines(b, seeds, 10);
        json_array_append_new(items, json_pack("{s:O?, s:O?, s:o}", "name",
                                               json_object_get(body, "name"), "description",
                                               json_object_get(body, "description"), "body", body));
    }
    return items;
}
