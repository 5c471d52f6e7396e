/* perturb.c: perturb / evaluate / keep or revert over (network, generator, scratch).
 *
 * Most steps are reverted, and of the synapses a step perturbs only those leaving a
 * neuron that can fire during the evaluation pass can change its outcome (with one pass:
 * the driven inputs that are on, the "live" synapses). So a step applies the samples of
 * the live synapses, evaluates, and applies the rest only if it keeps the change. The
 * set it perturbs is built by perturb_union.c, and each generator's samples are applied
 * by perturb_apply.c (whose header says how a sample is had without the ones before it).
 *
 * Beyond the paper (training.reward_scope, learner.perturb_thresholds, random search):
 * a step that scores several patterns evaluates them all with full passes, and "live"
 * means driven by an input that is on in any of them; thresholds are drawn after the
 * weights and applied before the evaluation; a redraw replaces every weight at once.
 * Bias units fire in every pass, so a network with them has every synapse live.
 */
#include "core/learners/perturb.h"

#include <stdlib.h>
#include <string.h>

#include "core/learners/perturb_parts.h"
#include "core/net_storage.h"

int glia_perturb_init(glia_perturb_t *p, const glia_net_t *net)
{
    const size_t nsyn = net->n_syn ? (size_t)net->n_syn : 1;
    const size_t n = (size_t)net->n;

    memset(p, 0, sizeof(*p));
    p->eligible = malloc(nsyn * sizeof(int));
    p->saved = malloc(nsyn * sizeof(double));
    p->applied = malloc(nsyn * sizeof(int));
    p->mark = calloc(nsyn, sizeof(uint32_t));
    p->live = calloc(n, 1);
    /* A batch of stream-2 pairs: at most a pair per synapse plus one per run (a run is a
     * neuron's outgoing synapses), two samples each; mulberry32-js: two draws a synapse. */
    p->draws = malloc((2 * nsyn + n + 2) * sizeof(uint32_t));
    p->g = malloc(2 * (nsyn + n + 2) * sizeof(double));
    p->batch = malloc(nsyn * sizeof(int));
    p->batch_k = malloc(2 * (nsyn + 1) * sizeof(int));
    p->in_u = calloc((size_t)net->id_space, 1);
    p->u_list = malloc((size_t)net->id_space * sizeof(int));
    p->in_start = calloc(n + 1, sizeof(int));
    p->in_syn = malloc(nsyn * sizeof(int));
    p->in_pre = malloc(nsyn * sizeof(int));
    p->drv_index = malloc(n * sizeof(int));
    if (p->drv_index != NULL) {
        for (size_t j = 0; j < n; j++)
            p->drv_index[j] = -1;
        for (int i = 0; i < net->n_driven; i++)
            p->drv_index[net->driven[i]] = i;
    }
    p->words = (int)((nsyn + 63) / 64);
    p->nwords = (int)((n + 63) / 64);
    p->neurons = malloc((n ? n : 1) * sizeof(int));
    p->saved_thr = malloc((n ? n : 1) * sizeof(double));
    p->nmark = calloc(n ? n : 1, sizeof(uint32_t));
    p->cur_rate = calloc(n ? n : 1, sizeof(double));
    p->cand_rate = calloc(n ? n : 1, sizeof(double));
    if (!p->eligible || !p->saved || !p->applied || !p->mark || !p->live || !p->draws || !p->g ||
        !p->batch || !p->batch_k || !p->in_u || !p->u_list || !p->in_start || !p->in_syn ||
        !p->in_pre || !p->drv_index || !p->neurons || !p->saved_thr || !p->nmark || !p->cur_rate ||
        !p->cand_rate)
        return GLIA_ENOMEM;
    /* Synapses by post position, ascending (a counting sort of the pre-major order). */
    for (int s = 0; s < net->n_syn; s++)
        p->in_start[net->post[s] + 1]++;
    for (int q = 0; q < net->n; q++)
        p->in_start[q + 1] += p->in_start[q];
    {
        int *at = p->neurons; /* n ints, free until the first step (n may exceed n_syn) */
        memcpy(at, p->in_start, n * sizeof(int));
        for (int s = 0; s < net->n_syn; s++)
            p->in_syn[at[net->post[s]]++] = s;
        for (int k = 0; k < net->n_syn; k++)
            p->in_pre[k] = net->pre[p->in_syn[k]];
    }
    return 0;
}

void glia_perturb_destroy(glia_perturb_t *p)
{
    free(p->eligible);
    free(p->saved);
    free(p->applied);
    free(p->mark);
    free(p->live);
    free(p->draws);
    free(p->g);
    free(p->batch);
    free(p->batch_k);
    free(p->in_u);
    free(p->u_list);
    free(p->in_start);
    free(p->in_syn);
    free(p->in_pre);
    free(p->drv_index);
    glia__perturb_union_destroy(p);
    free(p->neurons);
    free(p->saved_thr);
    free(p->nmark);
    free(p->cur_rate);
    free(p->cand_rate);
    memset(p, 0, sizeof(*p));
}

/* ---- beyond the paper: thresholds, several patterns -------------------------------------- */

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
        p->drawn[i] = t;
    }
    p->n_drawn = m;
}

void glia_perturb_invalidate(glia_perturb_t *p)
{
    p->cache_valid = 0;
    p->score_known = 0;
}

const double *glia_perturb_rates(const glia_perturb_t *p)
{
    return p->want_rates ? p->cur_rate : NULL;
}

/* The patterns an evaluation scores beyond the paper's one: the whole task, or this
 * step's minibatch. Returns how many; *idx is NULL for the task (pattern i is i). */
static int score_set(const glia_learner_ctx_t *ctx, const int **idx)
{
    if (ctx->cfg->training.reward_scope == GLIA_SCOPE_TASK) {
        *idx = NULL;
        return ctx->cfg->task.count;
    }
    *idx = ctx->perturb->drawn;
    return ctx->perturb->n_drawn;
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

/* The inputs a perturbation's evaluation drives: the pattern's, or those on in any
 * pattern scored (what makes a synapse live). */
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
    glia_perturb_t *p = ctx->perturb;

    if (ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN) {
        /* The task's score of the current weights is cached: every try either keeps its
         * own score or puts back the weights this one was taken on. */
        if (!p->cache_valid) {
            const int *idx;
            score_many(ctx, &p->cur_soft, &p->cur_reward, p->want_rates ? p->cur_rate : NULL);
            if (!p->score_known) /* else a run that never stopped had it cached */
                info->reward_queries += (uint64_t)score_set(ctx, &idx);
            p->score_known = 0;
            p->cache_valid = ctx->cfg->training.reward_scope == GLIA_SCOPE_TASK;
        }
        info->base_soft = info->after_soft = p->cur_soft;
        info->reward = p->cur_reward;
        info->output = 0;
        return;
    }
    glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    count_fires(ctx);
    ctx->perturb->has_base = 1;
    ctx->perturb->base_input = pat->input;
    info->base_soft = info->after_soft = glia_net_soft_reward(net, pat->target);
    info->reward_queries += 1;
    info->output = glia_net_output(net);
    info->reward = glia_reward_binary(info->output, pat->target, ctx->cfg->task.target_width);
}

int glia_perturb_score(glia_learner_ctx_t *ctx, const glia_pattern_t *pat, int with_fires,
                       double *soft, double *reward, uint64_t *output)
{
    glia_net_t *net = ctx->net;
    const int *idx;
    uint64_t out;

    if (ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN) {
        score_many(ctx, soft, reward, NULL);
        if (output != NULL)
            *output = 0;
        return score_set(ctx, &idx);
    }
    glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    if (with_fires)
        count_fires(ctx);
    out = glia_net_output(net);
    *soft = glia_net_soft_reward(net, pat->target);
    *reward = glia_reward_binary(out, pat->target, ctx->cfg->task.target_width);
    if (output != NULL)
        *output = out;
    return 1;
}

/* ---- thresholds and redraws (beyond the paper) ------------------------------------------ */

/* Without a list from the learner, the thresholds a step moves are those of the
 * non-source post neurons of its eligible synapses. */
static void neurons_from_eligible(step_t *st)
{
    glia_perturb_t *p = st->p;

    if (!p->has_list)
        glia__perturb_union_list(p, st->net, st->ctx->territories);
    glia_perturb_neurons_begin(p, st->net);
    for (int k = 0; k < st->n; k++)
        glia_perturb_neurons_add(p, st->net, &st->net->post[p->eligible[k]], 1);
}

/* Move the listed thresholds after the weights (their draws follow the weights'):
 * thr += gauss * threshold_std, clamped, or with a redraw a uniform value within the
 * clamp; saved for revert, and applied before the evaluation. */
static void perturb_thresholds(step_t *st)
{
    glia_perturb_t *p = st->p;
    double *thr = st->net->thr;
    const double std = p->sigma > 0 ? p->sigma : st->ctx->cfg->learner.threshold_std;
    const double clamp = st->ctx->cfg->learner.threshold_clamp;

    for (int k = 0; k < p->n_neurons; k++) {
        const int j = p->neurons[k];
        p->saved_thr[k] = thr[j];
        if (p->redraw)
            thr[j] = (2.0 * glia_rng_next(st->ctx->rng) - 1.0) * clamp;
        else
            thr[j] = clamped(thr[j] + glia_rng_gauss(st->ctx->rng) * std, clamp);
    }
    p->n_thr_applied = p->n_neurons;
}

/* Random search: every eligible weight redrawn uniformly within the clamp, in order. */
static void redraw_all(step_t *st)
{
    glia_perturb_t *p = st->p;
    double *w = st->net->w;

    if (!p->has_list)
        glia__perturb_union_list(p, st->net, st->ctx->territories);
    for (int k = 0; k < st->n; k++) {
        const int s = p->eligible[k];
        p->applied[p->n_applied] = s;
        p->saved[p->n_applied++] = w[s];
        w[s] = (2.0 * glia_rng_next(st->ctx->rng) - 1.0) * st->clamp;
    }
}

/* ---- the step --------------------------------------------------------------------------- */

static void revert(step_t *st)
{
    glia_perturb_t *p = st->p;

    for (int k = p->n_applied - 1; k >= 0; k--)
        st->net->w[p->applied[k]] = p->saved[k];
    for (int k = 0; k < p->n_thr_applied; k++)
        st->net->thr[p->neurons[k]] = p->saved_thr[k];
}

int glia_perturb_try(glia_learner_ctx_t *ctx, int n, const glia_pattern_t *pat,
                     glia_step_info_t *info)
{
    glia_perturb_t *p = ctx->perturb;
    glia_net_t *net = ctx->net;
    const int many = ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN;
    const int thresholds = ctx->cfg->learner.perturb_thresholds || p->redraw;
    const uint64_t input = scored_inputs(ctx, pat);
    glia_mulberry_plan_t plan;
    step_t st;
    uint64_t key = 0;
    int mode = p->redraw ? MODE_REDRAW : perturb_mode(ctx), kept;
    double reward = 0.0;

    st.ctx = ctx;
    st.p = p;
    st.net = net;
    st.std = p->sigma > 0 ? p->sigma : ctx->cfg->training.perturbation_std;
    st.clamp = ctx->cfg->training.weight_clamp;
    /* more than one pass, or bias units: any neuron can fire, every synapse is live */
    st.all_live = ctx->cfg->network.passes != 1 || net->n_bias > 0;
    st.n = p->n_terr > 0 ? p->n_set : n;
    if (p->n_terr == 0)
        p->has_list = 1;
    p->n_applied = 0;
    p->n_thr_applied = 0;
    for (int i = 0; i < net->n_driven; i++)
        p->live[net->driven[i]] = (uint8_t)((input >> i) & 1);
    if (thresholds && !p->neurons_listed)
        neurons_from_eligible(&st);

    if (mode == MODE_MULBERRY && glia_rng_mulberry_plan(ctx->rng, 2 * (uint64_t)st.n, &plan) != 0)
        mode = MODE_SEQUENTIAL; /* millions of draws in one step: take them one by one */
    if (mode == MODE_REDRAW) {
        redraw_all(&st);
    } else if (mode == MODE_SEQUENTIAL) {
        if (!p->has_list)
            glia__perturb_union_list(p, net, ctx->territories);
        glia__perturb_sequential_all(&st);
    } else if (mode == MODE_MULBERRY) {
        glia__perturb_mulberry_before(&st, &plan);
        ctx->rng->s = plan.s_after; /* as if every draw were taken; the thresholds draw next */
    } else {
        key = glia_rng_next_u64(ctx->rng);
        if (p->cur_set != NULL)
            glia__perturb_keyed_set_driven(&st, key, p->cur_set, input, 1);
        else
            glia__perturb_keyed_apply(&st, key, 1);
    }
    if (thresholds)
        perturb_thresholds(&st);

    /* The evaluation: over the patterns scored; or from the base pass, only what the
     * applied synapses reach (not when thresholds moved: their neurons may lie beyond). */
    if (many)
        score_many(ctx, &info->after_soft, &reward, p->want_rates ? p->cand_rate : NULL);
    else if (ctx->cfg->network.passes == 1 && p->has_base && p->base_input == pat->input &&
             p->n_thr_applied == 0)
        glia_net_forward_update(net, pat->input, p->applied, p->n_applied);
    else
        glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    if (!many)
        info->after_soft = glia_net_soft_reward(net, pat->target);
    {
        const int *idx;
        info->reward_queries += many ? (uint64_t)score_set(ctx, &idx) : 1;
    }
    info->decided = 1;
    kept = info->after_soft > info->base_soft; /* strict improvement only */
    if (kept) {
        if (mode == MODE_MULBERRY)
            glia__perturb_mulberry_keep(&st, &plan);
        else if (mode == MODE_KEYED && p->cur_set != NULL)
            glia__perturb_keyed_set_keep(&st, key, p->cur_set, input);
        else if (mode == MODE_KEYED)
            glia__perturb_keyed_apply(&st, key, 0);
        info->kept = 1;
        if (many) {
            /* the candidate's score is the current weights' now */
            p->cur_soft = info->after_soft;
            p->cur_reward = info->reward = reward;
            if (p->want_rates) {
                double *t = p->cur_rate;
                p->cur_rate = p->cand_rate;
                p->cand_rate = t;
            }
        } else {
            info->output = glia_net_output(net);
            info->reward =
                glia_reward_binary(info->output, pat->target, ctx->cfg->task.target_width);
        }
    } else {
        revert(&st);
    }

    for (int i = 0; i < net->n_driven; i++)
        p->live[net->driven[i]] = 0;
    glia__perturb_clear_u(p);
    p->cur_set = NULL;
    p->n_terr = 0;
    p->n_applied = 0;
    p->n_thr_applied = 0;
    p->has_base = 0;
    /* a neuron list, a redraw and a sigma are for one try */
    p->neurons_listed = 0;
    p->redraw = 0;
    p->sigma = 0;
    return kept;
}
