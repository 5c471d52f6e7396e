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
 * (backpropagation through time; core/learners/surrogate.c, which the session's
 * diagnostics share). The step function has no derivative; the backward
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
#include "core/learners/surrogate.h"
#include "core/net_storage.h"
#include "core/sample.h"

#define ADAM_EPSILON 1e-8

typedef struct bp_state {
    uint64_t t;     /* updates made (Adam's bias correction) */
    double *grad;   /* [n_syn + n] weights, then thresholds by position */
    double *m, *v;  /* [n_syn + n] Adam's moments (NULL with sgd) */
    glia_bptt_t sg; /* the passes' scratch (surrogate.h) */
} bp_state_t;

static int bp_init(void *state, const glia_learner_ctx_t *ctx)
{
    bp_state_t *s = state;
    const glia_net_t *net = ctx->net;
    const size_t np = (size_t)net->n_syn + (size_t)net->n;

    s->grad = malloc(np * sizeof(double));
    if (glia_surrogate_init(&s->sg, net, ctx->cfg->network.passes) != 0 || !s->grad)
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
    glia_surrogate_destroy(&s->sg);
}

/* Forward (surrogate.c) and the homeostasis counts of its last pass. */
static double bp_forward(bp_state_t *s, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                         double *reward, uint64_t *output)
{
    const double soft = glia_surrogate_forward(&s->sg, ctx->cfg, ctx->net, pat, reward, output);

    if (ctx->fire_count != NULL) {
        const uint8_t *last = glia_surrogate_fired(&s->sg, ctx->net);
        for (int j = 0; j < ctx->net->n; j++)
            ctx->fire_count[j] += last[j];
    }
    return soft;
}

static void bp_backward(bp_state_t *s, glia_learner_ctx_t *ctx, const glia_pattern_t *pat)
{
    glia_surrogate_backward(&s->sg, ctx->cfg, ctx->net, pat, s->grad);
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
