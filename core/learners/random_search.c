/* random_search.c: the floor baseline: every step redraws all weights (uniform in
 * [-weight_clamp, weight_clamp]) and all non-source thresholds (uniform in
 * [-threshold_clamp, threshold_clamp]) and keeps the candidate only if it scores
 * strictly better than the network it would replace (perturb.c, whatever the reward
 * scope). Under task-level reward that is "the best network drawn so far". It has no
 * state of its own: the network is the best candidate. */
#include "core/learners/learner.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"

static void random_search_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                               glia_step_info_t *info)
{
    glia_perturb_t *p = ctx->perturb;
    glia_net_t *net = ctx->net;

    (void)state;
    for (int k = 0; k < net->n_syn; k++)
        p->eligible[k] = k;
    info->n_eligible = net->n_syn;
    glia_perturb_neurons_begin(p, net);
    for (int j = 0; j < net->n; j++)
        glia_perturb_neurons_add(p, net, &j, 1);
    glia_perturb_base(ctx, pat, info);
    p->redraw = 1;
    glia_perturb_try(ctx, net->n_syn, pat, info);
}

static void random_search_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    (void)state;
    (void)ctx;
    (void)w;
}

static int random_search_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    (void)state;
    (void)ctx;
    (void)r;
    return 0;
}

static void random_search_describe(const void *state, const glia_learner_ctx_t *ctx, int view,
                                   glia_emit_t *e)
{
    (void)state;
    (void)ctx;
    (void)view;
    (void)e;
}

const glia_learner_ops_t glia_random_search_learner = {
    .name = "random-search",
    .state_size = 0,
    .init = NULL,
    .destroy = NULL,
    .step = random_search_step,
    .end_episode = NULL,
    .save = random_search_save,
    .load = random_search_load,
    .describe = random_search_describe,
};
