/* global.c: the update-scope counterfactual "global" (paper 7.1): the astrocyte learner
 * with every synapse perturbed at every step.
 *
 * Everything else is the astrocyte learner's (astrocyte.c): the astrocytes still sense,
 * are selected, are credited with the keep/revert outcome and adapt their thresholds,
 * and the step keeps the change on a strict soft-reward improvement; only the set of
 * perturbed synapses differs: all of them, in synapse order.
 */
#include "core/learners/astrocyte.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"

static int choose_all(void *arg, glia_learner_ctx_t *ctx, int n)
{
    int *eligible = ctx->perturb->eligible;

    (void)arg;
    (void)n;
    for (int k = 0; k < ctx->net->n_syn; k++)
        eligible[k] = k;
    return ctx->net->n_syn;
}

/* The astrocytes' own calls: their state is this learner's whole state. */
static int global_init(void *state, const glia_learner_ctx_t *ctx)
{
    return glia_astrocyte_learner.init(state, ctx);
}

static void global_destroy(void *state)
{
    glia_astrocyte_learner.destroy(state);
}

static void global_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    glia_astrocyte_learner.save(state, ctx, w);
}

static int global_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    return glia_astrocyte_learner.load(state, ctx, r);
}

static void global_describe(const void *state, const glia_learner_ctx_t *ctx, int view,
                            glia_emit_t *e)
{
    glia_astrocyte_learner.describe(state, ctx, view, e);
}

static void global_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                        glia_step_info_t *info)
{
    glia_astro_step_with(state, ctx, pat, info, choose_all, NULL);
}

const glia_learner_ops_t glia_global_learner = {
    .name = "global",
    .state_size = sizeof(glia_astro_state_t),
    .init = global_init,
    .destroy = global_destroy,
    .step = global_step,
    .end_episode = NULL,
    .save = global_save,
    .load = global_load,
    .describe = global_describe,
};
