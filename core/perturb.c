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
    p->neurons = malloc((size_t)net->n * sizeof(int));
    p->saved_thr = malloc((size_t)net->n * sizeof(double));
    p->nmark = calloc((size_t)net->n, sizeof(uint32_t));
    p->cur_rate = calloc((size_t)net->n, sizeof(double));
    p->cand_rate = calloc((size_t)net->n, sizeof(double));
    if (!p->neurons || !p->saved_thr || !p->nmark || !p->cur_rate || !p->cand_rate)
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
    free(p->neurons);
    free(p->saved_thr);
    free(p->nmark);
    free(p->cur_rate);
    free(p->cand_rate);
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

void glia_perturb_neurons_begin(glia_perturb_t *p, const glia_net_t *net)
{
    if (++p->nstamp == 0) {
        memset(p->nmark, 0, (size_t)net->n * sizeof(uint32_t));
        p->nstamp = 1;
    }
    p->n_neurons = 0;
    p->neurons_listed = 1;
}

void glia_perturb_neurons_add(glia_perturb_t *p, const glia_net_t *net, const int *pos, int n)
{
    for (int i = 0; i < n; i++) {
        int j = pos[i];
        if (!GLIA_ROLE_IS_SOURCE(net->role[j]) && p->nmark[j] != p->nstamp) {
            p->nmark[j] = p->nstamp;
            p->neurons[p->n_neurons++] = j;
        }
    }
}

void glia_perturb_draw_batch(glia_perturb_t *p, glia_rng_t *rng, int count, int m)
{
    /* A partial Fisher-Yates shuffle of 0..count-1: m draws, no repeats. */
    for (int i = 0; i < count; i++)
        p->perm[i] = i;
    for (int i = 0; i < m; i++) {
        int k = i + (int)(glia_rng_next(rng) * (count - i));
        int t = p->perm[k];
        p->perm[k] = p->perm[i];
        p->perm[i] = t;
        p->batch[i] = t;
    }
    p->n_batch = m;
}

void glia_perturb_invalidate(glia_perturb_t *p)
{
    p->cache_valid = 0;
}

const double *glia_perturb_rates(const glia_perturb_t *p)
{
    return p->want_rates ? p->cur_rate : NULL;
}

static void count_fires(glia_learner_ctx_t *ctx)
{
    const glia_net_t *net = ctx->net;

    if (ctx->fire_count == NULL)
        return;
    for (int j = 0; j < net->n; j++)
        ctx->fire_count[j] += net->fired[j];
}

/* The patterns an evaluation scores beyond the paper's one: the whole task, or this
 * step's minibatch. Returns how many; *idx is NULL for the task (pattern i is i). */
static int score_set(const glia_learner_ctx_t *ctx, const int **idx)
{
    if (ctx->cfg->training.reward_scope == GLIA_SCOPE_TASK) {
        *idx = NULL;
        return ctx->cfg->task.count;
    }
    *idx = ctx->perturb->batch;
    return ctx->perturb->n_batch;
}

/* Score the network over several patterns: the mean soft and binary rewards, in pattern
 * order, and with `rate`, the mean firing per position. */
static void score_many(glia_learner_ctx_t *ctx, double *soft, double *reward, double *rate)
{
    const glia_config_t *cfg = ctx->cfg;
    glia_net_t *net = ctx->net;
    const int *idx;
    const int m = score_set(ctx, &idx);
    double s = 0.0, r = 0.0;

    if (rate != NULL)
        memset(rate, 0, (size_t)net->n * sizeof(double));
    for (int i = 0; i < m; i++) {
        const glia_pattern_t *pat = &cfg->task.patterns[idx ? idx[i] : i];
        glia_net_forward(net, pat->input, cfg->network.passes);
        s += glia_net_soft_reward(net, pat->target);
        r += glia_reward_binary(glia_net_output(net), pat->target, cfg->task.target_width);
        for (int j = 0; rate != NULL && j < net->n; j++)
            rate[j] += net->fired[j];
    }
    for (int j = 0; rate != NULL && j < net->n; j++)
        rate[j] /= m;
    *soft = s / m;
    *reward = r / m;
}

/* The inputs a perturbation's evaluation drives: the pattern's, or those of every
 * pattern scored. */
static uint64_t scored_inputs(const glia_learner_ctx_t *ctx, const glia_pattern_t *pat)
{
    const int *idx;
    uint64_t any = 0;
    int m;

    if (ctx->cfg->training.reward_scope == GLIA_SCOPE_PATTERN)
        return pat->input;
    m = score_set(ctx, &idx);
    for (int i = 0; i < m; i++)
        any |= ctx->cfg->task.patterns[idx ? idx[i] : i].input;
    return any;
}

void glia_perturb_base(glia_learner_ctx_t *ctx, const glia_pattern_t *pat, glia_step_info_t *info)
{
    glia_net_t *net = ctx->net;
    glia_perturb_t *p = ctx->perturb;

    if (ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN) {
        /* The task's score of the current weights is cached: every try either keeps its
         * own score or puts back the weights this one was taken on. */
        if (!p->cache_valid) {
            score_many(ctx, &p->cur_soft, &p->cur_reward, p->want_rates ? p->cur_rate : NULL);
            p->cache_valid = ctx->cfg->training.reward_scope == GLIA_SCOPE_TASK;
        }
        info->base_soft = info->after_soft = p->cur_soft;
        info->reward = p->cur_reward;
        info->output = 0;
        return;
    }
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

/* Move the listed thresholds after the weights (their draws follow the weights'):
 * thr += gauss * threshold_std, clamped, or with redraw a uniform value within the
 * clamp. Saved for revert; never deferred, since the readout's thresholds are in every
 * evaluation. */
static void perturb_thresholds(glia_learner_ctx_t *ctx)
{
    glia_perturb_t *p = ctx->perturb;
    double *thr = ctx->net->thr;
    const double std = ctx->cfg->learner.threshold_std;
    const double clamp = ctx->cfg->learner.threshold_clamp;

    p->n_thr_applied = 0;
    if (!ctx->cfg->learner.perturb_thresholds && !p->redraw)
        return;
    for (int k = 0; k < p->n_neurons; k++) {
        int j = p->neurons[k];
        p->saved_thr[k] = thr[j];
        if (p->redraw)
            thr[j] = (2.0 * glia_rng_next(ctx->rng) - 1.0) * clamp;
        else
            thr[j] = clamped(thr[j] + glia_rng_gauss(ctx->rng) * std, clamp);
    }
    p->n_thr_applied = p->n_neurons;
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
    const int defer =
        ctx->rng->kind == GLIA_RNG_MULBERRY32_JS && ctx->cfg->network.passes == 1 && !p->redraw;

    if (defer) {
        memset(p->live, 0, (size_t)net->n);
        for (int i = 0; i < net->n_driven; i++)
            p->live[net->driven[i]] = (uint8_t)((input >> i) & 1);
        for (int i = 0; i < net->n_bias; i++)
            p->live[net->bias[i]] = 1;
    }
    if ((ctx->cfg->learner.perturb_thresholds || p->redraw) && !p->neurons_listed) {
        /* Before the loop below reorders eligible[]. */
        glia_perturb_neurons_begin(p, net);
        for (int k = 0; k < n; k++)
            glia_perturb_neurons_add(p, net, &net->post[p->eligible[k]], 1);
    }
    p->n_applied = 0;
    p->n_pending = 0;
    for (int k = 0; k < n; k++) {
        int syn = p->eligible[k];
        double g;
        if (p->redraw) {
            p->eligible[p->n_applied] = syn;
            p->saved[p->n_applied++] = w[syn];
            w[syn] = (2.0 * glia_rng_next(ctx->rng) - 1.0) * clamp;
            continue;
        }
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
    perturb_thresholds(ctx);
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
    p->n_applied = p->n_pending = p->n_thr_applied = 0;
}

/* Revert the perturbation: restore what was applied, drop what was deferred. */
static void revert(glia_learner_ctx_t *ctx)
{
    glia_perturb_t *p = ctx->perturb;

    for (int k = 0; k < p->n_applied; k++)
        ctx->net->w[p->eligible[k]] = p->saved[k];
    for (int k = 0; k < p->n_thr_applied; k++)
        ctx->net->thr[p->neurons[k]] = p->saved_thr[k];
    p->n_applied = p->n_pending = p->n_thr_applied = 0;
}

/* A try over several patterns: the candidate's score replaces the cached one if kept. */
static int try_many(glia_learner_ctx_t *ctx, int n, glia_step_info_t *info)
{
    glia_perturb_t *p = ctx->perturb;
    double reward, *rate = p->want_rates ? p->cand_rate : NULL;

    perturb(ctx, n, scored_inputs(ctx, NULL));
    score_many(ctx, &info->after_soft, &reward, rate);
    info->decided = 1;
    if (!(info->after_soft > info->base_soft)) { /* strict improvement only */
        revert(ctx);
        return 0;
    }
    info->kept = 1;
    keep(ctx);
    p->cur_soft = info->after_soft;
    p->cur_reward = info->reward = reward;
    if (rate != NULL) {
        p->cand_rate = p->cur_rate;
        p->cur_rate = rate;
    }
    return 1;
}

int glia_perturb_try(glia_learner_ctx_t *ctx, int n, const glia_pattern_t *pat,
                     glia_step_info_t *info)
{
    glia_net_t *net = ctx->net;
    int kept;

    if (ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN) {
        kept = try_many(ctx, n, info);
        goto done;
    }
    perturb(ctx, n, scored_inputs(ctx, pat));
    glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    info->after_soft = glia_net_soft_reward(net, pat->target);
    info->decided = 1;
    if (!(info->after_soft > info->base_soft)) { /* strict improvement only */
        revert(ctx);
        kept = 0;
        goto done;
    }
    info->kept = kept = 1;
    keep(ctx);
    info->output = glia_net_output(net);
    info->reward = glia_reward_binary(info->output, pat->target, ctx->cfg->task.target_width);
done:
    /* A neuron list and a redraw are for one try. */
    ctx->perturb->neurons_listed = 0;
    ctx->perturb->redraw = 0;
    return kept;
}
