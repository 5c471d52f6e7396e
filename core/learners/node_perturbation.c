/* node_perturbation.c: node perturbation, noise on the units' net input and an update
 * from reward times noise (REINFORCE, Williams 1992; node perturbation, Werfel, Xie &
 * Seung 2005).
 *
 * A step runs the forward pass of the patterns it scores (training.reward_scope) with
 * Gaussian noise xi ~ N(0, sigma^2) added to every unit's net input in every pass: a
 * neuron fires when act + xi is above its threshold (at or above with fire_rule ge), and
 * the soft reward of the outputs reads act + xi too. Each synapse j -> i remembers its
 * eligibility, the noise on i's input times j's firing in the pass before, summed over
 * the passes (a threshold's is minus the noise on its neuron's input). With R the
 * step's mean soft reward and Rb the running baseline:
 *
 *     w_ij <- clamp(w_ij + eta * (R - Rb) * e_ij / (sigma^2 m))
 *     Rb   <- Rb + baseline_rate * (R - Rb)
 *
 * (m the patterns scored; e / sigma^2 is the eligibility of a Gaussian unit in REINFORCE,
 * so eta is a step on the gradient of the noise-smoothed reward whatever sigma is; Rb
 * starts at the first step's reward, so that step moves nothing, and with sigma 0 no
 * step does). The noise is drawn per act slot: the network sums a synapse into its post
 * neuron's position and a neuron reads the slot of its id (net.h), so every neuron that
 * reads a slot sees the same noisy input, and with ids equal to positions (every preset
 * but the reference's colliding ids) a slot is a neuron. Draws: per pattern, per pass, one
 * Gaussian for each slot some neuron reads, in slot order. A step costs one evaluation
 * (its reward queries) and decides nothing; its output and rewards are the noisy pass's.
 * The passes are this file's own (the same additions in the same order as net.c's), from
 * a silent start: the learner needs network.carry_state off (config.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/learner.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"
#include "core/sample.h"

typedef struct np_state {
    double baseline;
    int has_baseline;
    double *elig;   /* [n_syn + n] eligibilities: synapses, then thresholds by position */
    uint8_t *fired; /* [n] the firing of the pass so far */
    uint8_t *prev;  /* [n] the firing of the pass before */
    double *act;    /* [id_space] */
    double *xi;     /* [id_space] this pass's noise by slot */
} np_state_t;

static int np_init(void *state, const glia_learner_ctx_t *ctx)
{
    np_state_t *s = state;
    const glia_net_t *net = ctx->net;
    const size_t n = (size_t)net->n, ids = (size_t)net->id_space;

    s->elig = malloc(((size_t)net->n_syn + n) * sizeof(double));
    s->fired = malloc(n);
    s->prev = malloc(n);
    s->act = malloc(ids * sizeof(double));
    s->xi = malloc(ids * sizeof(double));
    if (!s->elig || !s->fired || !s->prev || !s->act || !s->xi)
        return GLIA_ENOMEM;
    return 0;
}

static void np_destroy(void *state)
{
    np_state_t *s = state;

    free(s->elig);
    free(s->fired);
    free(s->prev);
    free(s->act);
    free(s->xi);
}

static double soft_term(const glia_net_t *net, double e)
{
    return 1.0 / (1.0 + (net->v8_exp ? glia__fd_exp(e) : exp(e)));
}

/* One noisy evaluation of `pat`, adding to the eligibilities; its soft reward, and its
 * binary reward and output through the pointers. */
static double np_pass(np_state_t *s, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                      double *reward, uint64_t *output)
{
    const glia_net_t *net = ctx->net;
    const double sigma = ctx->cfg->learner.node_perturbation.sigma;
    const int passes = ctx->cfg->network.passes;
    double soft = 0.0;
    uint64_t out = 0;

    memset(s->fired, 0, (size_t)net->n);
    for (int i = 0; i < net->n_driven; i++)
        s->fired[net->driven[i]] = (uint8_t)((pat->input >> i) & 1);
    for (int i = 0; i < net->n_bias; i++)
        s->fired[net->bias[i]] = 1;
    for (int p = 0; p < passes; p++) {
        memcpy(s->prev, s->fired, (size_t)net->n);
        memset(s->act, 0, (size_t)net->id_space * sizeof(double));
        for (int j = 0; j < net->n; j++) {
            if (!s->prev[j])
                continue;
            for (int k = net->out_start[j]; k < net->out_start[j + 1]; k++)
                s->act[net->post[k]] += net->w[k];
        }
        for (int x = 0; x < net->id_space; x++) {
            s->xi[x] = 0.0;
            if (net->reader_start[x + 1] > net->reader_start[x])
                s->xi[x] = sigma * glia_rng_gauss(ctx->rng);
        }
        for (int j = 0; j < net->n; j++) {
            double a;
            if (GLIA_ROLE_IS_SOURCE(net->role[j]))
                continue;
            a = s->act[net->id[j]] + s->xi[net->id[j]];
            s->fired[j] = net->fire_ge ? a >= net->thr[j] : a > net->thr[j];
            s->elig[net->n_syn + j] -= s->xi[net->id[j]];
        }
        for (int j = 0; j < net->n; j++) {
            if (!s->prev[j])
                continue;
            for (int k = net->out_start[j]; k < net->out_start[j + 1]; k++)
                s->elig[k] += s->xi[net->post[k]];
        }
    }
    for (int i = 0; i < net->n_readout; i++) {
        const int j = net->readout[i];
        const double a = s->act[net->id[j]] + s->xi[net->id[j]] - net->thr[j];
        soft += soft_term(net, ((pat->target >> i) & 1) ? -a : a);
        out |= (uint64_t)s->fired[j] << i;
    }
    if (ctx->fire_count != NULL) {
        for (int j = 0; j < net->n; j++)
            ctx->fire_count[j] += s->fired[j];
    }
    *reward = glia_reward_binary(out, pat->target, ctx->cfg->task.target_width);
    *output = out;
    return soft / net->n_readout;
}

static double clamp_to(double v, double c)
{
    return v > c ? c : v < -c ? -c : v;
}

static void np_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                    glia_step_info_t *info)
{
    np_state_t *s = state;
    glia_net_t *net = ctx->net;
    const glia_config_t *cfg = ctx->cfg;
    const double eta = cfg->learner.node_perturbation.learning_rate;
    const double sigma2 =
        cfg->learner.node_perturbation.sigma * cfg->learner.node_perturbation.sigma;
    const double wc = cfg->training.weight_clamp, tc = cfg->learner.threshold_clamp;
    double soft = 0.0, reward = 0.0, gain;
    uint64_t out = 0;
    int m;

    memset(s->elig, 0, ((size_t)net->n_syn + (size_t)net->n) * sizeof(double));
    if (cfg->training.reward_scope == GLIA_SCOPE_PATTERN) {
        m = 1;
        soft = np_pass(s, ctx, pat, &reward, &out);
    } else {
        const int task = cfg->training.reward_scope == GLIA_SCOPE_TASK;
        m = task ? cfg->task.count : ctx->perturb->n_drawn;
        for (int i = 0; i < m; i++) {
            double r;
            uint64_t o;
            soft += np_pass(s, ctx, &cfg->task.patterns[task ? i : ctx->perturb->drawn[i]], &r, &o);
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

    if (!s->has_baseline || sigma2 == 0.0) { /* no noise: nothing to learn from */
        s->baseline = soft;
        s->has_baseline = 1;
        return;
    }
    gain = eta * (soft - s->baseline) / (sigma2 * m);
    for (int k = 0; k < net->n_syn; k++)
        net->w[k] = clamp_to(net->w[k] + gain * s->elig[k], wc);
    if (cfg->learner.perturb_thresholds) {
        for (int j = 0; j < net->n; j++) {
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                net->thr[j] = clamp_to(net->thr[j] + gain * s->elig[net->n_syn + j], tc);
        }
    }
    glia_perturb_invalidate(ctx->perturb);
    s->baseline += cfg->learner.node_perturbation.baseline_rate * (soft - s->baseline);
}

/* Section: has_baseline (i32) and the baseline (f64). */
static void np_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const np_state_t *s = state;

    (void)ctx;
    glia_put_i32(w, s->has_baseline);
    glia_put_f64(w, s->baseline);
}

static int np_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    np_state_t *s = state;

    /* the first step sets the baseline; a soft reward (and so a mean of them) is in [0, 1] */
    s->has_baseline = glia_get_i32_in(r, 0, 1);
    s->baseline = glia_get_f64_in(r, 0.0, 1.0);
    if (s->has_baseline != (ctx->steps > 0) || (!s->has_baseline && s->baseline != 0.0))
        r->failed = 1;
    return r->failed ? GLIA_EFORMAT : 0;
}

/* The live view: "node_perturbation": {"baseline" (null before the first step)}. */
static void np_describe(const void *state, const glia_learner_ctx_t *ctx, int view, glia_emit_t *e)
{
    const np_state_t *s = state;

    (void)ctx;
    if (view != GLIA_VIEW_STATE)
        return;
    glia_emit_object_begin(e, "node_perturbation");
    if (s->has_baseline)
        glia_emit_number(e, "baseline", s->baseline);
    else
        glia_emit_null(e, "baseline");
    glia_emit_object_end(e);
}

const glia_learner_ops_t glia_node_perturbation_learner = {
    .name = "node-perturbation",
    .state_size = sizeof(np_state_t),
    .init = np_init,
    .destroy = np_destroy,
    .step = np_step,
    .end_episode = NULL,
    .save = np_save,
    .load = np_load,
    .describe = np_describe,
};
