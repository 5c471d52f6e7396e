/* perturb.c: perturb / evaluate / keep or revert over (network, generator, scratch). */
#include "perturb.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

int glia_perturb_init(glia_perturb_t *p, const glia_net_t *net)
{
    const size_t nsyn = net->n_syn ? (size_t)net->n_syn : 1;

    memset(p, 0, sizeof(*p));
    p->eligible = malloc(nsyn * sizeof(int));
    p->saved = malloc(nsyn * sizeof(double));
    p->pending = malloc(nsyn * sizeof(int));
    p->pend_u = malloc(2 * nsyn * sizeof(double));
    p->mark = calloc(nsyn, sizeof(uint32_t));
    p->live = calloc((size_t)net->n, 1);
    if (!p->eligible || !p->saved || !p->pending || !p->pend_u || !p->mark || !p->live)
        return GLIA_ENOMEM;
    return 0;
}

void glia_perturb_destroy(glia_perturb_t *p)
{
    free(p->eligible);
    free(p->saved);
    free(p->pending);
    free(p->pend_u);
    free(p->mark);
    free(p->live);
    memset(p, 0, sizeof(*p));
}

void glia_perturb_union_begin(glia_perturb_t *p, const glia_net_t *net)
{
    if (++p->stamp == 0) { /* wrapped: clear the stamps once every 2^32 unions */
        memset(p->mark, 0, (size_t)net->n_syn * sizeof(uint32_t));
        p->stamp = 1;
    }
}

int glia_perturb_union_add(glia_perturb_t *p, int n_eligible, const int *syn, int n)
{
    for (int i = 0; i < n; i++) {
        int k = syn[i];
        if (p->mark[k] != p->stamp) {
            p->mark[k] = p->stamp;
            p->eligible[n_eligible++] = k;
        }
    }
    return n_eligible;
}

static void count_fires(glia_learner_ctx_t *ctx)
{
    const glia_net_t *net = ctx->net;

    if (ctx->fire_count == NULL)
        return;
    for (int j = 0; j < net->n; j++)
        ctx->fire_count[j] += net->fired[j];
}

void glia_perturb_base(glia_learner_ctx_t *ctx, const glia_pattern_t *pat, glia_step_info_t *info)
{
    glia_net_t *net = ctx->net;

    glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    count_fires(ctx);
    info->base_soft = info->after_soft = glia_net_soft_reward(net, pat->target);
    info->output = glia_net_output(net);
    info->reward = glia_reward_binary(info->output, pat->target, ctx->cfg->task.target_width);
}

static double clamped(double v, double clamp)
{
    if (v > clamp)
        v = clamp;
    if (v < -clamp)
        v = -clamp;
    return v;
}

/* Perturb the first n eligible synapses: w += gauss * std, then clamp (spec 7), and
 * save the old weights for revert.
 *
 * Only synapses whose pre neuron can fire during the evaluation pass can change its
 * outcome. With one pass those are the driven inputs that are on; their samples are
 * computed and applied now. For every other synapse the generator's uniforms are drawn
 * now, in order, but the log/cos is deferred to keep: a reverted step (most of
 * them) never pays for it. The resulting weights are the same doubles either way. */
static void perturb(glia_learner_ctx_t *ctx, int n, uint64_t input)
{
    glia_perturb_t *p = ctx->perturb;
    glia_net_t *net = ctx->net;
    double *w = net->w;
    const double std = ctx->cfg->training.perturbation_std;
    const double clamp = ctx->cfg->training.weight_clamp;
    const int defer = ctx->rng->kind == GLIA_RNG_MULBERRY32_JS && ctx->cfg->network.passes == 1;

    if (defer) {
        memset(p->live, 0, (size_t)net->n);
        for (int i = 0; i < net->n_driven; i++)
            p->live[net->driven[i]] = (uint8_t)((input >> i) & 1);
    }
    p->n_applied = 0;
    p->n_pending = 0;
    for (int k = 0; k < n; k++) {
        int syn = p->eligible[k];
        double g;
        if (defer) {
            double u1, u2;
            glia_rng_gauss_draw(ctx->rng, &u1, &u2);
            if (!p->live[net->pre[syn]]) {
                p->pend_u[2 * p->n_pending] = u1;
                p->pend_u[2 * p->n_pending + 1] = u2;
                p->pending[p->n_pending++] = syn;
                continue;
            }
            g = glia_rng_gauss_from(u1, u2);
        } else {
            g = glia_rng_gauss(ctx->rng);
        }
        p->eligible[p->n_applied] = syn; /* compacts in place: n_applied <= k */
        p->saved[p->n_applied++] = w[syn];
        w[syn] = clamped(w[syn] + g * std, clamp);
    }
}

/* Keep the perturbation: apply the deferred samples. */
static void keep(glia_learner_ctx_t *ctx)
{
    glia_perturb_t *p = ctx->perturb;
    double *w = ctx->net->w;
    const double std = ctx->cfg->training.perturbation_std;
    const double clamp = ctx->cfg->training.weight_clamp;

    for (int k = 0; k < p->n_pending; k++) {
        int syn = p->pending[k];
        double g = glia_rng_gauss_from(p->pend_u[2 * k], p->pend_u[2 * k + 1]);
        w[syn] = clamped(w[syn] + g * std, clamp);
    }
    p->n_applied = p->n_pending = 0;
}

/* Revert the perturbation: restore what was applied, drop what was deferred. */
static void revert(glia_learner_ctx_t *ctx)
{
    glia_perturb_t *p = ctx->perturb;

    for (int k = 0; k < p->n_applied; k++)
        ctx->net->w[p->eligible[k]] = p->saved[k];
    p->n_applied = p->n_pending = 0;
}

int glia_perturb_try(glia_learner_ctx_t *ctx, int n, const glia_pattern_t *pat,
                     glia_step_info_t *info)
{
    glia_net_t *net = ctx->net;

    perturb(ctx, n, pat->input);
    glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    info->after_soft = glia_net_soft_reward(net, pat->target);
    info->decided = 1;
    if (!(info->after_soft > info->base_soft)) { /* strict improvement only */
        revert(ctx);
        return 0;
    }
    info->kept = 1;
    keep(ctx);
    info->output = glia_net_output(net);
    info->reward = glia_reward_binary(info->output, pat->target, ctx->cfg->task.target_width);
    return 1;
}
