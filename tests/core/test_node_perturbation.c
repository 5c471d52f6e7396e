/* test_node_perturbation.c: node perturbation (REINFORCE with a running baseline): two
 * steps by hand on a tiny network, its snapshot section, determinism for (config, seed),
 * and that it learns.
 *
 * White-box through core/session_internal.h. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/session_internal.h"
#include "support/runs.h"

/* The paper's network and task, one pass, with bias units and trained thresholds. */
static void paper_config(glia_config_t *cfg)
{
    glia_config_default(cfg);
    cfg->learner.kind = GLIA_LEARNER_NODE_PERTURBATION;
    cfg->network.bias = 1;
    cfg->learner.perturb_thresholds = 1;
}

/* Two inputs, both synapses to one output. The first step draws the noise xi1 on the
 * output's net input and only sets the baseline; the second draws xi2 and moves each weight
 * by eta * (R2 - R1) * xi2 / sigma^2 (both inputs fired), the threshold by minus that. */
Test(node_perturbation, two_steps_follow_the_rule_by_hand)
{
    const int role[3] = {GLIA_ROLE_INPUT, GLIA_ROLE_INPUT, GLIA_ROLE_OUTPUT};
    const int cluster[3] = {0, 0, 0}, id[3] = {0, 1, 2}, driven[2] = {0, 1}, readout[1] = {2};
    const int pre[2] = {0, 1}, post[2] = {2, 2};
    const double w[2] = {0.3, -0.2};
    const glia_learner_ops_t *ops = glia_learner_ops(GLIA_LEARNER_NODE_PERTURBATION);
    glia_config_t cfg;
    glia_rng_t rng, mirror;
    glia_perturb_t p;
    glia_territories_t terr = {0, NULL};
    glia_learner_ctx_t ctx = {0};
    glia_step_info_t info = {0};
    glia_pattern_t pat = {3, 1};
    glia_net_t *net;
    void *state;
    double sigma, eta, xi1, xi2, r1, r2, gain, act;

    glia_config_default(&cfg);
    cfg.learner.kind = GLIA_LEARNER_NODE_PERTURBATION;
    cfg.learner.perturb_thresholds = 1;
    cfg.task.count = 1;
    cfg.task.input_width = 2;
    cfg.task.target_width = 1;
    cfg.task.patterns[0] = pat;
    cfg.learner.node_perturbation.sigma = sigma = 0.4;
    cfg.learner.node_perturbation.learning_rate = eta = 0.05;
    cfg.learner.node_perturbation.baseline_rate = 0.25;
    net = glia_net_new_manual(3, role, cluster, id, 2, driven, 1, readout, 2, pre, post, w, 0.5);
    cr_assert_not_null(net);
    cr_assert_eq(glia_perturb_init(&p, net), 0);
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, 17);
    ctx.cfg = &cfg;
    ctx.rng = &rng;
    ctx.net = net;
    ctx.perturb = &p;
    ctx.territories = &terr;
    state = calloc(1, ops->state_size);
    cr_assert_eq(ops->init(state, &ctx), 0);

    /* only the output reads a slot: one draw per pass */
    mirror = rng;
    xi1 = sigma * glia_rng_gauss(&mirror);
    xi2 = sigma * glia_rng_gauss(&mirror);
    act = (0.0 + w[0]) + w[1];
    r1 = 1.0 / (1.0 + exp(-(act + xi1 - 0.5)));
    r2 = 1.0 / (1.0 + exp(-(act + xi2 - 0.5)));

    info.scored = 1;
    ops->step(state, &ctx, &pat, &info);
    cr_assert_eq(net->w[0], w[0], "the first step sets the baseline only");
    cr_assert_eq(net->w[1], w[1]);
    cr_assert_eq(info.base_soft, r1);
    cr_assert_eq(info.output, act + xi1 > 0.5 ? 1u : 0u);
    cr_assert_eq(info.reward_queries, 1);

    memset(&info, 0, sizeof(info));
    info.scored = 1;
    ops->step(state, &ctx, &pat, &info);
    gain = eta * (r2 - r1) / (sigma * sigma * 1);
    cr_assert_eq(info.base_soft, r2);
    for (int k = 0; k < 2; k++)
        cr_assert_eq(net->w[k], tr_clamp(w[k] + gain * (0.0 + xi2), 2.0), "synapse %d", k);
    cr_assert_eq(net->thr[2], tr_clamp(0.5 + gain * (0.0 - xi2), 2.0));
    cr_assert_eq(net->thr[0], 0.5, "inputs keep their thresholds");
    cr_assert_eq(memcmp(&rng, &mirror, sizeof(rng)), 0);

    ops->destroy(state);
    free(state);
    glia_perturb_destroy(&p);
    glia_net_free(net);
}

Test(node_perturbation, a_resumed_run_equals_the_uninterrupted_one)
{
    glia_config_t cfg;

    paper_config(&cfg);
    tr_check_resume(&cfg, 4, 37, 55);
    tr_check_resume(&cfg, 4, 0, 10); /* before the baseline exists */
    cfg.network.passes = 3;
    cfg.training.reward_scope = GLIA_SCOPE_MINIBATCH;
    cfg.training.minibatch = 3;
    tr_check_resume(&cfg, 5, 41, 30);
    cr_assert_eq(glia_config_preset(&cfg, "astrocyte-traffic"), 0); /* colliding ids */
    cfg.learner.kind = GLIA_LEARNER_NODE_PERTURBATION;
    tr_check_resume(&cfg, 6, 23, 40);
}

Test(node_perturbation, load_checks_its_section)
{
    glia_config_t cfg;
    glia_session_t *s, *r = NULL;
    glia_error_t err;
    uint8_t *a;
    size_t la;
    double bad = 1.5; /* a baseline of soft rewards lies in [0, 1] */
    uint64_t sum;

    paper_config(&cfg);
    s = tr_new_session(&cfg, 8);
    cr_assert_eq(glia_session_advance(s, 12, UINT64_MAX), 12);
    cr_assert_eq(glia_session_save(s, &a, &la), 0);
    memcpy(a + la - 16, &bad, 8); /* the section ends with the baseline */
    sum = glia_fnv1a64(a, la - 8);
    for (int i = 0; i < 8; i++)
        a[la - 8 + (size_t)i] = (uint8_t)(sum >> (8 * i));
    cr_assert_eq(glia_session_load(a, la, &r, &err), GLIA_EFORMAT);
    cr_assert_null(r);
    free(a);
    glia_session_free(s);
}

Test(node_perturbation, needs_a_silent_start)
{
    glia_config_t cfg;
    glia_error_t err;

    paper_config(&cfg);
    cfg.network.carry_state = 1;
    glia_error_clear(&err);
    cr_assert_eq(glia_config_validate(&cfg, &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/network/carry_state");
}

Test(node_perturbation, same_config_and_seed_give_the_same_run)
{
    glia_config_t cfg;
    glia_session_t *a, *b, *c;

    paper_config(&cfg);
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

/* Learning, not winning: the paper's task from the network as built (a constant output,
 * 50%) to at least 65% within 20,000 steps on most seeds. */
Test(node_perturbation, learns_the_paper_task)
{
    glia_config_t cfg;
    int reached = 0;

    paper_config(&cfg);
    for (uint32_t seed = 1; seed <= 4; seed++) {
        glia_session_t *s = tr_new_session(&cfg, seed);
        glia_inference_t inf;
        cr_assert_eq(glia_session_run_episodes(s, 2000), 0);
        glia_session_inference(s, &inf);
        reached += inf.mean_accuracy >= 0.65;
        for (int k = 0; k < s->net->n_syn; k++)
            cr_assert(fabs(s->net->w[k]) <= cfg.training.weight_clamp);
        glia_session_free(s);
    }
    cr_assert_geq(reached, 3, "%d of 4 seeds reached 65%%", reached);
}
