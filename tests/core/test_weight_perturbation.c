/* test_weight_perturbation.c: the SPSA-style learner: its step by hand on a tiny network,
 * its snapshot section, determinism for (config, seed), and that it learns.
 *
 * White-box through core/session_internal.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/session_internal.h"
#include "core/task.h"
#include "support/runs.h"

/* The paper's network with what a gradient-free learner needs to reach XOR: three passes,
 * bias units, thresholds trained, the task's reward. */
static void xor_config(glia_config_t *cfg)
{
    glia_task_spec_t spec = {0};
    glia_error_t err;

    glia_config_default(cfg);
    spec.kind = GLIA_TASK_XOR;
    cr_assert_eq(glia_task_generate(cfg, &spec, &err), 0);
    cfg->learner.kind = GLIA_LEARNER_WEIGHT_PERTURBATION;
    cfg->network.passes = 3;
    cfg->network.bias = 1;
    cfg->training.reward_scope = GLIA_SCOPE_TASK;
    cfg->learner.perturb_thresholds = 1;
}

/* The soft reward of one output with net input `act`, threshold 0.5, target 1 (net.c). */
static double soft_one(double act)
{
    const double a = act - 0.5;
    return 1.0 / (1.0 + exp(-a));
}

/* Two inputs, both synapses to one output: R+ and R- by hand from the signs the
 * generator gives, and each weight moved by eta * (R+ - R-) / (2 delta) * sign. */
Test(weight_perturbation, one_step_follows_the_rule_by_hand)
{
    const int role[3] = {GLIA_ROLE_INPUT, GLIA_ROLE_INPUT, GLIA_ROLE_OUTPUT};
    const int cluster[3] = {0, 0, 0}, id[3] = {0, 1, 2}, driven[2] = {0, 1}, readout[1] = {2};
    const int pre[2] = {0, 1}, post[2] = {2, 2};
    const double w[2] = {0.3, -0.2};
    const glia_learner_ops_t *ops = glia_learner_ops(GLIA_LEARNER_WEIGHT_PERTURBATION);
    glia_config_t cfg;
    glia_rng_t rng, mirror;
    glia_perturb_t p;
    glia_territories_t terr = {0, NULL};
    glia_learner_ctx_t ctx = {0};
    glia_step_info_t info = {0};
    glia_pattern_t pat = {3, 1};
    glia_net_t *net;
    void *state;
    double sign[2], rp, rm, g, delta, eta;

    glia_config_default(&cfg);
    cfg.learner.kind = GLIA_LEARNER_WEIGHT_PERTURBATION;
    cfg.task.count = 1;
    cfg.task.input_width = 2;
    cfg.task.target_width = 1;
    cfg.task.patterns[0] = pat;
    cfg.training.weight_clamp = 0.5;
    cfg.learner.weight_perturbation.learning_rate = eta = 3.0;
    cfg.learner.weight_perturbation.delta = delta = 0.25;
    net = glia_net_new_manual(3, role, cluster, id, 2, driven, 1, readout, 2, pre, post, w, 0.5);
    cr_assert_not_null(net);
    cr_assert_eq(glia_perturb_init(&p, net), 0);
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, 9);
    ctx.cfg = &cfg;
    ctx.rng = &rng;
    ctx.net = net;
    ctx.perturb = &p;
    ctx.territories = &terr;
    state = calloc(1, ops->state_size);
    cr_assert_eq(ops->init(state, &ctx), 0);

    mirror = rng;
    for (int k = 0; k < 2; k++)
        sign[k] = glia_rng_next(&mirror) < 0.5 ? -1.0 : 1.0;
    rp = soft_one((0.0 + (w[0] + delta * sign[0])) + (w[1] + delta * sign[1]));
    rm = soft_one((0.0 + (w[0] + -delta * sign[0])) + (w[1] + -delta * sign[1]));
    g = (rp - rm) / (2.0 * delta);

    info.scored = 1;
    ops->step(state, &ctx, &pat, &info);
    for (int k = 0; k < 2; k++)
        cr_assert_eq(net->w[k], tr_clamp(w[k] + eta * g * sign[k], 0.5), "synapse %d: %.17g", k,
                     net->w[k]);
    cr_assert(net->w[0] != w[0] && net->w[1] != w[1]);
    cr_assert_eq(info.base_soft, (rp + rm) / 2.0);
    cr_assert_eq(info.decided, 0, "an estimator keeps or reverts nothing");
    cr_assert_eq(info.reward_queries, 2, "two probes of one pattern");
    cr_assert_eq(info.n_eligible, 2);
    cr_assert_eq(memcmp(&rng, &mirror, sizeof(rng)), 0, "one draw per parameter");

    ops->destroy(state);
    free(state);
    glia_perturb_destroy(&p);
    glia_net_free(net);
}

/* The territory scope probes one territory's synapses: every other weight stays. */
Test(weight_perturbation, territory_scope_moves_only_one_territory)
{
    glia_config_t cfg;
    glia_session_t *s;
    double *before;

    glia_config_default(&cfg);
    cfg.learner.kind = GLIA_LEARNER_WEIGHT_PERTURBATION;
    cfg.learner.weight_perturbation.scope = GLIA_WP_TERRITORY;
    s = tr_new_session(&cfg, 3);
    before = malloc((size_t)s->net->n_syn * sizeof(double));
    for (int k = 0; k < 30; k++) {
        glia_step_info_t info;
        uint8_t *owned = calloc((size_t)s->net->n_syn, 1);
        int moved = 0, t;
        memcpy(before, s->net->w, (size_t)s->net->n_syn * sizeof(double));
        cr_assert_eq(glia_session_step(s, &info), 0);
        /* the territory the step drew is the one whose synapses it counts */
        t = -1;
        for (int i = 0; i < s->territories.count && t < 0; i++) {
            if (s->territories.t[i].n_syn == info.n_eligible)
                t = i;
        }
        cr_assert(t >= 0, "step %d: %d eligible synapses", k, info.n_eligible);
        for (int i = 0; i < s->territories.count; i++) {
            if (s->territories.t[i].n_syn != info.n_eligible)
                continue;
            for (int j = 0; j < s->territories.t[i].n_syn; j++)
                owned[s->territories.t[i].syn[j]] = 1;
        }
        for (int i = 0; i < s->net->n_syn; i++) {
            if (s->net->w[i] != before[i]) {
                moved++;
                cr_assert(owned[i], "step %d: synapse %d outside the territory moved", k, i);
            }
        }
        cr_assert(moved <= info.n_eligible);
        cr_assert_eq(info.reward_queries, 2);
        free(owned);
    }
    free(before);
    glia_session_free(s);
}

Test(weight_perturbation, a_resumed_run_equals_the_uninterrupted_one)
{
    glia_config_t cfg;

    xor_config(&cfg);
    tr_check_resume(&cfg, 4, 37, 55);
    cfg.learner.weight_perturbation.scope = GLIA_WP_TERRITORY;
    cfg.training.reward_scope = GLIA_SCOPE_PATTERN;
    tr_check_resume(&cfg, 5, 41, 30);
    cr_assert_eq(glia_config_preset(&cfg, "astrocyte-traffic"), 0); /* the paper's network */
    cfg.learner.kind = GLIA_LEARNER_WEIGHT_PERTURBATION;
    tr_check_resume(&cfg, 6, 23, 40);
}

/* A snapshot whose section says what no run can reach does not load. */
Test(weight_perturbation, load_checks_its_section)
{
    glia_config_t cfg;
    glia_session_t *s, *r = NULL;
    glia_error_t err;
    uint8_t *a;
    size_t la;
    double bad = 3.0; /* R+ - R- of soft rewards lies in [-1, 1] */
    uint64_t sum;

    xor_config(&cfg);
    s = tr_new_session(&cfg, 8);
    cr_assert_eq(glia_session_advance(s, 12, UINT64_MAX), 12);
    cr_assert_eq(glia_session_save(s, &a, &la), 0);
    /* the section ends with the difference, before the checksum */
    memcpy(a + la - 16, &bad, 8);
    sum = glia_fnv1a64(a, la - 8);
    for (int i = 0; i < 8; i++)
        a[la - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
    cr_assert_eq(glia_session_load(a, la, &r, &err), GLIA_EFORMAT);
    cr_assert_null(r);
    free(a);
    glia_session_free(s);
}

Test(weight_perturbation, same_config_and_seed_give_the_same_run)
{
    glia_config_t cfg;
    glia_session_t *a, *b, *c;

    xor_config(&cfg);
    a = tr_new_session(&cfg, 11);
    b = tr_new_session(&cfg, 11);
    c = tr_new_session(&cfg, 12);
    cr_assert_eq(glia_session_advance(a, 300, UINT64_MAX), 300);
    cr_assert_eq(glia_session_advance(b, 300, UINT64_MAX), 300);
    cr_assert_eq(glia_session_advance(c, 300, UINT64_MAX), 300);
    cr_assert(memcmp(a->net->w, b->net->w, (size_t)a->net->n_syn * sizeof(double)) == 0);
    cr_assert(memcmp(a->net->thr, b->net->thr, (size_t)a->net->n * sizeof(double)) == 0);
    cr_assert(a->net->n_syn != c->net->n_syn ||
              memcmp(a->net->w, c->net->w, (size_t)a->net->n_syn * sizeof(double)) != 0);
    glia_session_free(a);
    glia_session_free(b);
    glia_session_free(c);
}

/* Learning, not winning: XOR from the network as built (a constant output, 50%) to at
 * least 75% within 5,000 steps on most seeds. */
Test(weight_perturbation, learns_xor)
{
    glia_config_t cfg;
    int reached = 0;

    xor_config(&cfg);
    for (uint32_t seed = 1; seed <= 4; seed++) {
        glia_session_t *s = tr_new_session(&cfg, seed);
        glia_inference_t inf;
        cr_assert_eq(glia_session_run_episodes(s, 500), 0);
        glia_session_inference(s, &inf);
        reached += inf.mean_accuracy >= 0.75;
        for (int k = 0; k < s->net->n_syn; k++)
            cr_assert(fabs(s->net->w[k]) <= cfg.training.weight_clamp);
        glia_session_free(s);
    }
    cr_assert_geq(reached, 3, "%d of 4 seeds reached 75%%", reached);
}
