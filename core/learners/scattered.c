/* scattered.c: the update-scope counterfactual "scattered": the astrocyte learner with
 * its perturbation spread over the whole network.
 *
 * Each step the astrocytes sense, are selected and adapt exactly as in astrocyte.c, but
 * the synapses perturbed are `count` synapses drawn uniformly without replacement from
 * the whole network (count 0: as many as the selected territories hold in that step):
 * locality removed, the number of perturbed synapses kept. The sample is Floyd's
 * algorithm (one uniform draw per chosen synapse, from the session's generator, after
 * the astrocytes' exploration draws), listed in synapse order.
 */
#include <stdlib.h>
#include <string.h>

#include "core/learners/astrocyte.h"
#include "core/learners/perturb.h"
#include "core/learners/scattered.h"
#include "core/net_storage.h"

typedef struct scattered_state {
    glia_astro_state_t astro; /* first: the astrocytes' calls get this struct's address */
    uint32_t *mark;           /* [n_syn] scratch: chosen in the step stamped `stamp` */
    uint32_t stamp;
} scattered_state_t;

static int scattered_init(void *state, const glia_learner_ctx_t *ctx)
{
    scattered_state_t *st = state;
    int rc = glia_astrocyte_learner.init(&st->astro, ctx);

    if (rc != 0)
        return rc;
    st->mark = calloc(ctx->net->n_syn > 0 ? (size_t)ctx->net->n_syn : 1, sizeof(uint32_t));
    return st->mark != NULL ? 0 : GLIA_ENOMEM;
}

static void scattered_destroy(void *state)
{
    scattered_state_t *st = state;

    glia_astrocyte_learner.destroy(&st->astro);
    free(st->mark);
}

int glia__sample_distinct(glia_rng_t *rng, int total, int k, uint32_t *mark, uint32_t stamp,
                          int *out)
{
    int m = 0;

    if (k > total)
        k = total;
    /* Floyd: for j = total-k .. total-1 pick t uniform in [0, j]; take t, or j if t is
     * taken. Every k-subset is equally likely. */
    for (int j = total - k; j < total; j++) {
        int t = (int)(glia_rng_next(rng) * (j + 1));
        if (t > j) /* u < 1, but be safe against rounding */
            t = j;
        mark[mark[t] == stamp ? j : t] = stamp;
    }
    for (int s = 0; s < total; s++) {
        if (mark[s] == stamp)
            out[m++] = s;
    }
    return m;
}

static int choose_scattered(void *arg, glia_learner_ctx_t *ctx, int n)
{
    scattered_state_t *st = arg;
    const int total = ctx->net->n_syn;
    const int k = ctx->cfg->learner.scattered.count > 0 ? ctx->cfg->learner.scattered.count : n;

    if (++st->stamp == 0) { /* wrapped: forget every old stamp */
        memset(st->mark, 0, (size_t)total * sizeof(uint32_t));
        st->stamp = 1;
    }
    return glia__sample_distinct(ctx->rng, total, k, st->mark, st->stamp, ctx->perturb->eligible);
}

static void scattered_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                           glia_step_info_t *info)
{
    scattered_state_t *st = state;

    glia_astro_step_with(&st->astro, ctx, pat, info, choose_scattered, st);
}

/* The section is the astrocytes' (the marks are scratch). */
static void scattered_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const scattered_state_t *st = state;

    glia_astrocyte_learner.save(&st->astro, ctx, w);
}

static int scattered_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    scattered_state_t *st = state;

    return glia_astrocyte_learner.load(&st->astro, ctx, r);
}

static void scattered_describe(const void *state, const glia_learner_ctx_t *ctx, int view,
                               glia_emit_t *e)
{
    const scattered_state_t *st = state;

    glia_astrocyte_learner.describe(&st->astro, ctx, view, e);
}

const glia_learner_ops_t glia_scattered_learner = {
    .name = "scattered",
    .state_size = sizeof(scattered_state_t),
    .init = scattered_init,
    .destroy = scattered_destroy,
    .step = scattered_step,
    .end_episode = NULL,
    .save = scattered_save,
    .load = scattered_load,
    .describe = scattered_describe,
};
