/* es.c: evolution strategies: (1+1)-ES with the 1/5th success rule (Rechenberg 1973,
 * Schwefel 1981) when es.population is 1, and a population ES with antithetic pairs and
 * rank-based fitness shaping (OpenAI-ES, Salimans, Ho, Chen, Sidor & Sutskever 2017)
 * for an even population n >= 2.
 *
 * The parameters are every weight and, with learner.perturb_thresholds, every
 * non-source threshold; one sigma serves them all.
 *
 * (1+1)-ES: the offspring is theta + sigma * N(0, I), made, scored and kept on a strict
 * soft-reward improvement (else undone) by the keep/revert step every perturbation learner
 * shares (perturb.c, with its sigma in place of perturbation_std and threshold_std, and
 * so its samplers and every reward scope); sigma then multiplies by sigma_adapt after a
 * kept step and by sigma_adapt^(-1/4) after a reverted one, which holds it steady at a
 * success rate of 1/5 (Kern et al. 2004's form of the rule), within [sigma_min,
 * sigma_max]. A step costs the base evaluation (none when the task's score is cached) and
 * the offspring's.
 *
 * Population ES: n/2 keys are drawn from the session's generator (two uniforms each), and
 * the noise of pair k on parameter i is glia__gauss_keyed(key_k, i) (sample.c), so it is
 * regenerated instead of stored. Copy 2k is theta + sigma * eps_k, copy 2k+1 theta - sigma *
 * eps_k (the probes are not clamped). Their soft rewards on what the step scores are
 * replaced by centred ranks, u = rank / (n - 1) - 1/2 (tied rewards share their mean rank),
 * and theta moves up the estimate:
 *
 *     theta_i <- clamp(theta_i + learning_rate / (n * sigma) * sum_k (u_2k - u_2k+1) eps_k,i)
 *
 * A step costs n evaluations, decides nothing, and reports the mean of the copies'
 * rewards (its output: the first copy's).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/learner.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"
#include "core/sample.h"

#define ES_MAX_POPULATION 256 /* the field's bound (config.c) */

typedef struct es_state {
    double sigma; /* (1+1): the current sigma */
    int *idx;     /* [n_syn + n] 0, 1, 2, ...: the parameters' sample indices */
    double *eps;  /* [n_syn + n] one pair's noise */
    double *grad; /* [n_syn + n] */
    double *w0;   /* [n_syn] the weights before the copies */
    double *t0;   /* [n] the thresholds before the copies */
    uint64_t key[ES_MAX_POPULATION / 2];
    double fit[ES_MAX_POPULATION];
    double util[ES_MAX_POPULATION];
    int order[ES_MAX_POPULATION];
} es_state_t;

static int es_init(void *state, const glia_learner_ctx_t *ctx)
{
    es_state_t *s = state;
    const glia_net_t *net = ctx->net;
    const size_t np = (size_t)net->n_syn + (size_t)net->n;

    s->sigma = ctx->cfg->learner.es.sigma;
    if (ctx->cfg->learner.es.population == 1)
        return 0; /* the keep/revert step's scratch is all it needs */
    s->idx = malloc(np * sizeof(int));
    s->eps = malloc(np * sizeof(double));
    s->grad = malloc(np * sizeof(double));
    s->w0 = malloc((net->n_syn ? (size_t)net->n_syn : 1) * sizeof(double));
    s->t0 = malloc((size_t)net->n * sizeof(double));
    if (!s->idx || !s->eps || !s->grad || !s->w0 || !s->t0)
        return GLIA_ENOMEM;
    for (size_t i = 0; i < np; i++)
        s->idx[i] = (int)i;
    return 0;
}

static void es_destroy(void *state)
{
    es_state_t *s = state;

    free(s->idx);
    free(s->eps);
    free(s->grad);
    free(s->w0);
    free(s->t0);
}

static void one_plus_one(es_state_t *s, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                         glia_step_info_t *info)
{
    glia_perturb_t *p = ctx->perturb;
    glia_net_t *net = ctx->net;
    const glia_config_t *cfg = ctx->cfg;
    const double a = cfg->learner.es.sigma_adapt;

    for (int k = 0; k < net->n_syn; k++)
        p->eligible[k] = k;
    info->n_eligible = net->n_syn;
    if (cfg->learner.perturb_thresholds) {
        glia_perturb_neurons_begin(p, net);
        for (int j = 0; j < net->n; j++)
            glia_perturb_neurons_add(p, net, &j, 1);
    }
    glia_perturb_base(ctx, pat, info);
    p->sigma = s->sigma;
    glia_perturb_try(ctx, net->n_syn, pat, info); /* both count their reward queries */

    s->sigma *= info->kept ? a : pow(a, -0.25);
    if (s->sigma < cfg->learner.es.sigma_min)
        s->sigma = cfg->learner.es.sigma_min;
    if (s->sigma > cfg->learner.es.sigma_max)
        s->sigma = cfg->learner.es.sigma_max;
}

/* Pair k's noise on every parameter. */
static void pair_noise(es_state_t *s, const glia_net_t *net, int k)
{
    glia__gauss_keyed_n(s->key[k], s->idx, net->n_syn + net->n, s->eps);
}

/* Set the parameters to theta0 + d * eps (thresholds only when they are trained). */
static void set_copy(es_state_t *s, glia_net_t *net, int thresholds, double d)
{
    for (int i = 0; i < net->n_syn; i++)
        net->w[i] = s->w0[i] + d * s->eps[i];
    for (int j = 0; thresholds && j < net->n; j++) {
        if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
            net->thr[j] = s->t0[j] + d * s->eps[net->n_syn + j];
    }
}

/* Centred ranks of fit[0..n): ascending fitness, ties by index then sharing their mean. */
static void centred_ranks(es_state_t *s, int n)
{
    for (int i = 0; i < n; i++) {
        int k = i;
        while (k > 0 && s->fit[s->order[k - 1]] > s->fit[i]) {
            s->order[k] = s->order[k - 1];
            k--;
        }
        s->order[k] = i;
    }
    for (int lo = 0; lo < n;) {
        int hi = lo;
        while (hi + 1 < n && s->fit[s->order[hi + 1]] == s->fit[s->order[lo]])
            hi++;
        for (int r = lo; r <= hi; r++)
            s->util[s->order[r]] = (lo + hi) / 2.0 / (n - 1) - 0.5;
        lo = hi + 1;
    }
}

static double clamp_to(double v, double c)
{
    return v > c ? c : v < -c ? -c : v;
}

static uint64_t draw_key(glia_rng_t *rng)
{
    const uint64_t hi = (uint64_t)(glia_rng_next(rng) * 4294967296.0);
    const uint64_t lo = (uint64_t)(glia_rng_next(rng) * 4294967296.0);
    return hi << 32 | lo;
}

static void population(es_state_t *s, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                       glia_step_info_t *info)
{
    glia_net_t *net = ctx->net;
    const glia_config_t *cfg = ctx->cfg;
    const int n = cfg->learner.es.population, thresholds = cfg->learner.perturb_thresholds;
    const double sigma = cfg->learner.es.sigma;
    const double step = cfg->learner.es.learning_rate / (n * sigma);
    const int np = net->n_syn + net->n;
    double soft = 0.0, reward = 0.0;
    uint64_t queries = 0;

    memcpy(s->w0, net->w, (size_t)net->n_syn * sizeof(double));
    memcpy(s->t0, net->thr, (size_t)net->n * sizeof(double));
    for (int k = 0; k < n / 2; k++)
        s->key[k] = draw_key(ctx->rng);
    for (int k = 0; k < n / 2; k++) {
        pair_noise(s, net, k);
        for (int m = 0; m < 2; m++) {
            double b;
            uint64_t out;
            set_copy(s, net, thresholds, m == 0 ? sigma : -sigma);
            queries += (uint64_t)glia_perturb_score(ctx, pat, k == 0 && m == 0, &s->fit[2 * k + m],
                                                    &b, &out);
            if (k == 0 && m == 0)
                info->output = out;
            soft += s->fit[2 * k + m];
            reward += b;
        }
    }
    centred_ranks(s, n);
    memset(s->grad, 0, (size_t)np * sizeof(double));
    for (int k = 0; k < n / 2; k++) {
        const double u = s->util[2 * k] - s->util[2 * k + 1];
        pair_noise(s, net, k);
        for (int i = 0; i < np; i++)
            s->grad[i] += u * s->eps[i];
    }
    for (int i = 0; i < net->n_syn; i++)
        net->w[i] = clamp_to(s->w0[i] + step * s->grad[i], cfg->training.weight_clamp);
    for (int j = 0; j < net->n; j++) {
        net->thr[j] = s->t0[j];
        if (thresholds && !GLIA_ROLE_IS_SOURCE(net->role[j]))
            net->thr[j] =
                clamp_to(s->t0[j] + step * s->grad[net->n_syn + j], cfg->learner.threshold_clamp);
    }
    glia_perturb_invalidate(ctx->perturb);
    info->n_eligible = net->n_syn;
    info->base_soft = info->after_soft = soft / n;
    info->reward = reward / n;
    info->reward_queries += queries;
}

static void es_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                    glia_step_info_t *info)
{
    if (ctx->cfg->learner.es.population == 1)
        one_plus_one(state, ctx, pat, info);
    else
        population(state, ctx, pat, info);
}

/* Section: sigma (f64), the (1+1)-ES's current one (the population's is the config's). */
static void es_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const es_state_t *s = state;

    (void)ctx;
    glia_put_f64(w, s->sigma);
}

static int es_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    es_state_t *s = state;
    const glia_config_t *cfg = ctx->cfg;

    s->sigma = glia_get_f64_in(r, cfg->learner.es.sigma_min, cfg->learner.es.sigma_max);
    if (cfg->learner.es.population > 1 && s->sigma != cfg->learner.es.sigma)
        r->failed = 1;
    return r->failed ? GLIA_EFORMAT : 0;
}

/* The live view: "es": {"population", "sigma"}. */
static void es_describe(const void *state, const glia_learner_ctx_t *ctx, int view, glia_emit_t *e)
{
    const es_state_t *s = state;

    if (view != GLIA_VIEW_STATE)
        return;
    glia_emit_object_begin(e, "es");
    glia_emit_int(e, "population", ctx->cfg->learner.es.population);
    glia_emit_number(e, "sigma", s->sigma);
    glia_emit_object_end(e);
}

const glia_learner_ops_t glia_es_learner = {
    .name = "es",
    .state_size = sizeof(es_state_t),
    .init = es_init,
    .destroy = es_destroy,
    .step = es_step,
    .end_episode = NULL,
    .save = es_save,
    .load = es_load,
    .describe = es_describe,
};
