/* backprop.c: the ceiling: gradient descent through the same network with a surrogate
 * for the threshold units, scored as the binary network.
 *
 * This is the only learner that uses a per-output error instead of the one scalar: each
 * output bit's error is sigmoid(act - threshold) - target (the gradient of its
 * cross-entropy with respect to its net input, the soft reward's sigmoid), so what it is
 * told per evaluation is more than every other learner is told.
 *
 * The network is recurrent: every pass reads the firing of the one before. A step runs
 * the session's passes exactly as net.c does (binary units, the same additions in the
 * same order, from a silent start: the learner needs network.carry_state off), keeps the
 * net inputs and firings of every pass, and backpropagates through the passes unrolled
 * (backpropagation through time). The step function has no derivative; the backward
 * pass gives it the surrogate's: `sigmoid`, slope * s * (1 - s) with s = sigmoid(slope *
 * (act - threshold)), or `straight-through`, 1 (Bengio, Leonard & Courville 2013; the
 * surrogate-gradient view: Neftci, Mostafa & Zenke 2019). The loss is the sum of the
 * output bits' cross-entropies at the last pass, averaged over the patterns the step
 * scores (training.reward_scope: one pattern, the task, or the minibatch). Weights (and,
 * with learner.perturb_thresholds, non-source thresholds) move by SGD (theta -= lr * g)
 * or Adam (Kingma & Ba 2015; epsilon 1e-8), and are clamped to weight_clamp
 * (threshold_clamp). Reward queries: one per pattern scored (each an error per output).
 * The step reports the binary network's rewards and output before its update; it draws
 * nothing from the generator and decides nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/learner.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"
#include "core/sample.h"

#define ADAM_EPSILON 1e-8

typedef struct bp_state {
    uint64_t t;           /* updates made (Adam's bias correction) */
    double *grad;         /* [n_syn + n] weights, then thresholds by position */
    double *m, *v;        /* [n_syn + n] Adam's moments (NULL with sgd) */
    uint8_t *fired;       /* [(passes + 1) * n] the firing after each pass; 0: the clamp */
    double *act;          /* [passes * id_space] each pass's net input by slot */
    double *ga;           /* [id_space] dL/d act of the pass being unrolled */
    double *gy, *gy_prev; /* [n] dL/d firing of that pass, and of the one before */
} bp_state_t;

static int bp_init(void *state, const glia_learner_ctx_t *ctx)
{
    bp_state_t *s = state;
    const glia_net_t *net = ctx->net;
    const size_t np = (size_t)net->n_syn + (size_t)net->n, n = (size_t)net->n;
    const size_t ids = (size_t)net->id_space, passes = (size_t)ctx->cfg->network.passes;

    s->grad = malloc(np * sizeof(double));
    s->fired = malloc((passes + 1) * n);
    s->act = malloc(passes * ids * sizeof(double));
    s->ga = malloc(ids * sizeof(double));
    s->gy = malloc(n * sizeof(double));
    s->gy_prev = malloc(n * sizeof(double));
    if (!s->grad || !s->fired || !s->act || !s->ga || !s->gy || !s->gy_prev)
        return GLIA_ENOMEM;
    if (ctx->cfg->learner.backprop.optimizer == GLIA_OPT_ADAM) {
        s->m = calloc(np, sizeof(double));
        s->v = calloc(np, sizeof(double));
        if (!s->m || !s->v)
            return GLIA_ENOMEM;
    }
    return 0;
}

static void bp_destroy(void *state)
{
    bp_state_t *s = state;

    free(s->grad);
    free(s->m);
    free(s->v);
    free(s->fired);
    free(s->act);
    free(s->ga);
    free(s->gy);
    free(s->gy_prev);
}

static double sigmoid(const glia_net_t *net, double x)
{
    return 1.0 / (1.0 + (net->v8_exp ? glia__fd_exp(-x) : exp(-x)));
}

/* The surrogate's derivative of the step at u = act - threshold. */
static double surrogate(const glia_config_t *cfg, const glia_net_t *net, double u)
{
    double sg;

    if (cfg->learner.backprop.surrogate == GLIA_SURROGATE_STRAIGHT_THROUGH)
        return 1.0;
    sg = sigmoid(net, cfg->learner.backprop.slope * u);
    return cfg->learner.backprop.slope * sg * (1.0 - sg);
}

/* Forward: the passes of net.c into fired/act; the soft reward, and the binary reward
 * and output through the pointers. */
static double bp_forward(bp_state_t *s, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                         double *reward, uint64_t *output)
{
    const glia_net_t *net = ctx->net;
    const int passes = ctx->cfg->network.passes, n = net->n;
    const uint8_t *last = s->fired + (size_t)passes * n;
    double soft = 0.0;
    uint64_t out = 0;

    memset(s->fired, 0, (size_t)n);
    for (int i = 0; i < net->n_driven; i++)
        s->fired[net->driven[i]] = (uint8_t)((pat->input >> i) & 1);
    for (int i = 0; i < net->n_bias; i++)
        s->fired[net->bias[i]] = 1;
    for (int p = 1; p <= passes; p++) {
        const uint8_t *prev = s->fired + (size_t)(p - 1) * n;
        uint8_t *cur = s->fired + (size_t)p * n;
        double *act = s->act + (size_t)(p - 1) * net->id_space;
        memcpy(cur, prev, (size_t)n); /* sources keep their state */
        memset(act, 0, (size_t)net->id_space * sizeof(double));
        for (int j = 0; j < n; j++) {
            if (!prev[j])
                continue;
            for (int k = net->out_start[j]; k < net->out_start[j + 1]; k++)
                act[net->post[k]] += net->w[k];
        }
        for (int j = 0; j < n; j++) {
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                cur[j] =
                    net->fire_ge ? act[net->id[j]] >= net->thr[j] : act[net->id[j]] > net->thr[j];
        }
    }
    for (int i = 0; i < net->n_readout; i++) {
        const int j = net->readout[i];
        const double a = s->act[(size_t)(passes - 1) * net->id_space + net->id[j]] - net->thr[j];
        soft += 1.0 / (1.0 + (net->v8_exp ? glia__fd_exp(((pat->target >> i) & 1) ? -a : a)
                                          : exp(((pat->target >> i) & 1) ? -a : a)));
        out |= (uint64_t)last[j] << i;
    }
    if (ctx->fire_count != NULL) {
        for (int j = 0; j < n; j++)
            ctx->fire_count[j] += last[j];
    }
    *reward = glia_reward_binary(out, pat->target, ctx->cfg->task.target_width);
    *output = out;
    return soft / net->n_readout;
}

/* Backward through the unrolled passes of the last forward, adding to grad. */
static void bp_backward(bp_state_t *s, glia_learner_ctx_t *ctx, const glia_pattern_t *pat)
{
    const glia_net_t *net = ctx->net;
    const glia_config_t *cfg = ctx->cfg;
    const int passes = cfg->network.passes, n = net->n, ids = net->id_space;
    double *gw = s->grad, *gt = s->grad + net->n_syn;

    memset(s->gy, 0, (size_t)n * sizeof(double)); /* the last firing feeds nothing */
    for (int p = passes; p >= 1; p--) {
        const double *act = s->act + (size_t)(p - 1) * ids;
        const uint8_t *prev = s->fired + (size_t)(p - 1) * n;
        double *t;

        memset(s->ga, 0, (size_t)ids * sizeof(double));
        if (p == passes) {
            /* each output's error at its net input: sigmoid(act - thr) - target */
            for (int i = 0; i < net->n_readout; i++) {
                const int j = net->readout[i];
                double err;
                if (GLIA_ROLE_IS_SOURCE(net->role[j]))
                    continue;
                err =
                    sigmoid(net, act[net->id[j]] - net->thr[j]) - (double)((pat->target >> i) & 1);
                s->ga[net->id[j]] += err;
                gt[j] -= err;
            }
        }
        for (int j = 0; j < n; j++) {
            double d;
            if (GLIA_ROLE_IS_SOURCE(net->role[j]) || s->gy[j] == 0.0)
                continue;
            d = s->gy[j] * surrogate(cfg, net, act[net->id[j]] - net->thr[j]);
            s->ga[net->id[j]] += d;
            gt[j] -= d;
        }
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = net->out_start[j]; k < net->out_start[j + 1]; k++) {
                const double g = s->ga[net->post[k]];
                if (prev[j])
                    gw[k] += g;
                sum += net->w[k] * g;
            }
            /* the pass before's firing: a parameter's function unless a source or the clamp */
            s->gy_prev[j] = p > 1 && !GLIA_ROLE_IS_SOURCE(net->role[j]) ? sum : 0.0;
        }
        t = s->gy;
        s->gy = s->gy_prev;
        s->gy_prev = t;
    }
}

static double clamp_to(double v, double c)
{
    return v > c ? c : v < -c ? -c : v;
}

/* theta -= the optimizer's step for gradient g of parameter i. */
static double bp_update(bp_state_t *s, const glia_config_t *cfg, int i, double theta, double g)
{
    const double lr = cfg->learner.backprop.learning_rate;
    const double b1 = cfg->learner.backprop.beta1, b2 = cfg->learner.backprop.beta2;
    double mh, vh;

    if (cfg->learner.backprop.optimizer == GLIA_OPT_SGD)
        return theta - lr * g;
    s->m[i] = b1 * s->m[i] + (1.0 - b1) * g;
    s->v[i] = b2 * s->v[i] + (1.0 - b2) * g * g;
    mh = s->m[i] / (1.0 - pow(b1, (double)s->t));
    vh = s->v[i] / (1.0 - pow(b2, (double)s->t));
    return theta - lr * mh / (sqrt(vh) + ADAM_EPSILON);
}

static void bp_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                    glia_step_info_t *info)
{
    bp_state_t *s = state;
    glia_net_t *net = ctx->net;
    const glia_config_t *cfg = ctx->cfg;
    const size_t np = (size_t)net->n_syn + (size_t)net->n;
    double soft = 0.0, reward = 0.0;
    uint64_t out = 0;
    int m;

    memset(s->grad, 0, np * sizeof(double));
    if (cfg->training.reward_scope == GLIA_SCOPE_PATTERN) {
        m = 1;
        soft = bp_forward(s, ctx, pat, &reward, &out);
        bp_backward(s, ctx, pat);
    } else {
        const int task = cfg->training.reward_scope == GLIA_SCOPE_TASK;
        m = task ? cfg->task.count : ctx->perturb->n_drawn;
        for (int i = 0; i < m; i++) {
            const glia_pattern_t *q = &cfg->task.patterns[task ? i : ctx->perturb->drawn[i]];
            double r;
            uint64_t o;
            soft += bp_forward(s, ctx, q, &r, &o);
            bp_backward(s, ctx, q);
            reward += r;
        }
        soft /= m;
        reward /= m;
    }
    info->base_soft = info->after_soft = soft;
    info->reward = reward;
    info->output = out;
    info->reward_queries += (uint64_t)m;
    info->n_eligible = net->n_syn;

    s->t++;
    for (int k = 0; k < net->n_syn; k++)
        net->w[k] =
            clamp_to(bp_update(s, cfg, k, net->w[k], s->grad[k] / m), cfg->training.weight_clamp);
    if (cfg->learner.perturb_thresholds) {
        for (int j = 0; j < net->n; j++) {
            const int i = net->n_syn + j;
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                net->thr[j] = clamp_to(bp_update(s, cfg, i, net->thr[j], s->grad[i] / m),
                                       cfg->learner.threshold_clamp);
        }
    }
    glia_perturb_invalidate(ctx->perturb);
}

/* Section: the updates made (u64), then with adam every parameter's two moments (f64),
 * weights then thresholds. */
static void bp_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const bp_state_t *s = state;
    const size_t np = (size_t)ctx->net->n_syn + (size_t)ctx->net->n;

    glia_put_u64(w, s->t);
    for (size_t i = 0; s->m != NULL && i < np; i++) {
        glia_put_f64(w, s->m[i]);
        glia_put_f64(w, s->v[i]);
    }
}

static int bp_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    bp_state_t *s = state;
    const glia_net_t *net = ctx->net;
    const size_t np = (size_t)net->n_syn + (size_t)net->n;

    /* one update per step */
    s->t = glia_get_u64(r);
    if (s->t != ctx->steps)
        r->failed = 1;
    for (size_t i = 0; s->m != NULL && i < np && !r->failed; i++) {
        /* a threshold nothing trains (a source's, or all without perturb_thresholds)
         * keeps its zero moments */
        const int still =
            i >= (size_t)net->n_syn && (!ctx->cfg->learner.perturb_thresholds ||
                                        GLIA_ROLE_IS_SOURCE(net->role[i - (size_t)net->n_syn]));
        s->m[i] = glia_get_f64_in(r, -1e300, 1e300);
        s->v[i] = glia_get_f64_in(r, 0.0, 1e300);
        if (still && (s->m[i] != 0.0 || s->v[i] != 0.0))
            r->failed = 1;
    }
    return r->failed ? GLIA_EFORMAT : 0;
}

/* The live view: "backprop": {"optimizer", "surrogate", "updates"}. */
static void bp_describe(const void *state, const glia_learner_ctx_t *ctx, int view, glia_emit_t *e)
{
    const bp_state_t *s = state;
    const glia_config_t *cfg = ctx->cfg;

    if (view != GLIA_VIEW_STATE)
        return;
    glia_emit_object_begin(e, "backprop");
    glia_emit_string(e, "optimizer",
                     cfg->learner.backprop.optimizer == GLIA_OPT_ADAM ? "adam" : "sgd");
    glia_emit_string(
        e, "surrogate",
        cfg->learner.backprop.surrogate == GLIA_SURROGATE_SIGMOID ? "sigmoid" : "straight-through");
    glia_emit_int(e, "updates", (int64_t)s->t);
    glia_emit_object_end(e);
}

const glia_learner_ops_t glia_backprop_learner = {
    .name = "backprop",
    .state_size = sizeof(bp_state_t),
    .init = bp_init,
    .destroy = bp_destroy,
    .step = bp_step,
    .end_episode = NULL,
    .save = bp_save,
    .load = bp_load,
    .describe = bp_describe,
};
