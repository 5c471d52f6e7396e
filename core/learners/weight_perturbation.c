/* weight_perturbation.c: weight perturbation, a gradient estimate from the global scalar
 * alone (Jabri & Flower 1992; simultaneous perturbation, Spall 1992).
 *
 * Each step draws a sign s_i = +-1 for every parameter in scope (one uniform draw each,
 * weights in synapse order, then thresholds in position order), scores the network with
 * every such parameter moved to theta_i + delta * s_i (R+) and then to theta_i - delta * s_i
 * (R-), both on what the step scores (training.reward_scope, soft reward), and moves each
 * parameter up the estimated gradient:
 *
 *     g_i = (R+ - R-) / (2 delta) * s_i,    theta_i <- clamp(theta_i + eta * g_i)
 *
 * This is ascent on the reward (the reference texts write descent on an error). The two
 * probes are not clamped: they measure the reward around theta and are undone within the
 * step; the update is clamped to weight_clamp (threshold_clamp). Scope `global` takes every
 * weight (and, with learner.perturb_thresholds, every non-source threshold); `territory`
 * one astrocyte territory, drawn uniformly per step, with its synapses and its neurons'
 * thresholds, so locality is a field and not another learner. There is no keep or revert:
 * a step decides nothing, and it costs two evaluations (its reward queries). The step's
 * binary reward and soft reward are the mean of the two probes'; its output the first's.
 */
#include <math.h>
#include <stdlib.h>

#include "core/learners/learner.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"

typedef struct wp_state {
    int *syn;        /* [n_syn] this step's synapses */
    int *neu;        /* [n] this step's non-source neurons (perturb_thresholds) */
    double *sign;    /* [n_syn + n] the probe signs: synapses, then neurons */
    double *w0, *t0; /* [n_syn], [n] the parameters before the probes */
    int territory;   /* the last step's territory (scope territory), or -1 */
    double diff;     /* the last step's R+ - R- */
} wp_state_t;

static int wp_init(void *state, const glia_learner_ctx_t *ctx)
{
    wp_state_t *s = state;
    const size_t nsyn = ctx->net->n_syn ? (size_t)ctx->net->n_syn : 1;
    const size_t n = (size_t)ctx->net->n;

    s->syn = malloc(nsyn * sizeof(int));
    s->neu = malloc(n * sizeof(int));
    s->sign = malloc((nsyn + n) * sizeof(double));
    s->w0 = malloc(nsyn * sizeof(double));
    s->t0 = malloc(n * sizeof(double));
    s->territory = -1;
    if (!s->syn || !s->neu || !s->sign || !s->w0 || !s->t0)
        return GLIA_ENOMEM;
    return 0;
}

static void wp_destroy(void *state)
{
    wp_state_t *s = state;

    free(s->syn);
    free(s->neu);
    free(s->sign);
    free(s->w0);
    free(s->t0);
}

/* The parameters in scope: their lists, counts into *ns and *nn. */
static void wp_scope(wp_state_t *s, glia_learner_ctx_t *ctx, int *ns, int *nn)
{
    const glia_net_t *net = ctx->net;
    const int thresholds = ctx->cfg->learner.perturb_thresholds;

    *ns = *nn = 0;
    if (ctx->cfg->learner.weight_perturbation.scope == GLIA_WP_TERRITORY) {
        const glia_territories_t *terr = ctx->territories;
        const glia_territory_t *t;
        int k = (int)(glia_rng_next(ctx->rng) * terr->count);
        if (k >= terr->count)
            k = terr->count - 1;
        t = &terr->t[k];
        s->territory = k;
        for (int i = 0; i < t->n_syn; i++)
            s->syn[(*ns)++] = t->syn[i];
        for (int i = 0; thresholds && i < t->n_ids; i++) {
            const int j = t->pos[i];
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                s->neu[(*nn)++] = j;
        }
        return;
    }
    s->territory = -1;
    for (int k = 0; k < net->n_syn; k++)
        s->syn[(*ns)++] = k;
    for (int j = 0; thresholds && j < net->n; j++) {
        if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
            s->neu[(*nn)++] = j;
    }
}

/* Move every parameter in scope to theta + d * sign. */
static void wp_apply(wp_state_t *s, glia_net_t *net, int ns, int nn, double d)
{
    for (int k = 0; k < ns; k++)
        net->w[s->syn[k]] = s->w0[k] + d * s->sign[k];
    for (int k = 0; k < nn; k++)
        net->thr[s->neu[k]] = s->t0[k] + d * s->sign[ns + k];
}

static double clamp_to(double v, double c)
{
    return v > c ? c : v < -c ? -c : v;
}

static void wp_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                    glia_step_info_t *info)
{
    wp_state_t *s = state;
    glia_net_t *net = ctx->net;
    const double delta = ctx->cfg->learner.weight_perturbation.delta;
    const double eta = ctx->cfg->learner.weight_perturbation.learning_rate;
    const double wc = ctx->cfg->training.weight_clamp, tc = ctx->cfg->learner.threshold_clamp;
    double rp, rm, bp, bm, g;
    uint64_t out;
    int ns, nn, m;

    wp_scope(s, ctx, &ns, &nn);
    info->n_eligible = ns;
    if (ns + nn == 0) {
        /* an empty territory: the step only scores the network as it is */
        m = glia_perturb_score(ctx, pat, 1, &info->base_soft, &info->reward, &info->output);
        info->after_soft = info->base_soft;
        info->reward_queries += (uint64_t)m;
        s->diff = 0.0;
        return;
    }
    for (int k = 0; k < ns + nn; k++)
        s->sign[k] = glia_rng_next(ctx->rng) < 0.5 ? -1.0 : 1.0;
    for (int k = 0; k < ns; k++)
        s->w0[k] = net->w[s->syn[k]];
    for (int k = 0; k < nn; k++)
        s->t0[k] = net->thr[s->neu[k]];

    wp_apply(s, net, ns, nn, delta);
    m = glia_perturb_score(ctx, pat, 1, &rp, &bp, &out);
    wp_apply(s, net, ns, nn, -delta);
    m += glia_perturb_score(ctx, pat, 0, &rm, &bm, NULL);

    g = (rp - rm) / (2.0 * delta);
    for (int k = 0; k < ns; k++)
        net->w[s->syn[k]] = clamp_to(s->w0[k] + eta * g * s->sign[k], wc);
    for (int k = 0; k < nn; k++)
        net->thr[s->neu[k]] = clamp_to(s->t0[k] + eta * g * s->sign[ns + k], tc);
    glia_perturb_invalidate(ctx->perturb);

    s->diff = rp - rm;
    info->base_soft = info->after_soft = (rp + rm) / 2.0;
    info->reward = (bp + bm) / 2.0;
    info->output = out;
    info->reward_queries += (uint64_t)m;
}

/* Section: the last step's territory (i32) and R+ - R- (f64), which describe shows. */
static void wp_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const wp_state_t *s = state;

    (void)ctx;
    glia_put_i32(w, s->territory);
    glia_put_f64(w, s->diff);
}

static int wp_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    wp_state_t *s = state;
    const int territorial = ctx->cfg->learner.weight_perturbation.scope == GLIA_WP_TERRITORY;

    /* a territory only under scope territory, and only once a step was taken */
    s->territory = glia_get_i32_in(r, -1, ctx->territories->count - 1);
    if ((s->territory >= 0) != (territorial && ctx->steps > 0))
        r->failed = 1;
    s->diff = glia_get_f64_in(r, -1.0, 1.0); /* soft rewards lie in [0, 1] */
    return r->failed ? GLIA_EFORMAT : 0;
}

/* The live view: "weight_perturbation": {"scope", "territory" (or null), "difference"}. */
static void wp_describe(const void *state, const glia_learner_ctx_t *ctx, int view, glia_emit_t *e)
{
    const wp_state_t *s = state;
    const int territorial = ctx->cfg->learner.weight_perturbation.scope == GLIA_WP_TERRITORY;

    if (view != GLIA_VIEW_STATE)
        return;
    glia_emit_object_begin(e, "weight_perturbation");
    glia_emit_string(e, "scope", territorial ? "territory" : "global");
    if (s->territory >= 0)
        glia_emit_int(e, "territory", s->territory);
    else
        glia_emit_null(e, "territory");
    glia_emit_number(e, "difference", s->diff);
    glia_emit_object_end(e);
}

const glia_learner_ops_t glia_weight_perturbation_learner = {
    .name = "weight-perturbation",
    .state_size = sizeof(wp_state_t),
    .init = wp_init,
    .destroy = wp_destroy,
    .step = wp_step,
    .end_episode = NULL,
    .save = wp_save,
    .load = wp_load,
    .describe = wp_describe,
};
