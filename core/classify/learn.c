/* learn.c: the config of a classification run and its learners (classify.h).
 *
 * The three learners are one mechanism with three scopes: draw a trial set of parameters
 * (one territory perturbed, all perturbed, all drawn afresh), score it on the training
 * set, keep it iff the reward rises. Draws are taken on the caller's thread in parameter
 * order before any chunk runs, so threads change nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify/classify_internal.h"

const char *const glia_cls_learner_names[] = {"astrocyte", "global", "random-search", NULL};
const char *const glia_cls_reward_names[] = {"balanced", "margin", "soft", NULL};

void glia_cls_config_default(glia_cls_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->encoding.kind = GLIA_CLS_ENC_FEATURE;
    cfg->encoding.threshold = 0.5;
    cfg->encoding.levels = 4;
    cfg->split.test_fraction = 0.2;
    cfg->split.seed = 0;
    cfg->network.hidden = 256;
    cfg->network.territory_size = 8;
    cfg->network.p_in = 0.25;
    cfg->network.p_out = 1.0;
    cfg->network.weight_init = 1.0;
    cfg->network.threshold_init = 0.0;
    cfg->learner.kind = GLIA_CLS_ASTROCYTE;
    cfg->learner.sigma = 0.05;
    cfg->learner.threshold_std = 0.05;
    cfg->learner.clamp = 4.0;
    cfg->training.reward = GLIA_CLS_BALANCED;
    cfg->training.margin_scale = 1.0;
    cfg->training.steps = 100000;
    cfg->training.eval_interval = 10000;
}

static int in(double v, double lo, double hi) { return isfinite(v) && v >= lo && v <= hi; }

int glia_cls_config_validate(const glia_cls_config_t *cfg, glia_error_t *err)
{
#define CHECK(ok, field, ...)                                                                 \
    do {                                                                                      \
        if (!(ok))                                                                            \
            return glia_error_set(err, GLIA_EINVAL, field, __VA_ARGS__);                     \
    } while (0)
    CHECK(cfg->encoding.kind >= 0 && cfg->encoding.kind <= GLIA_CLS_ENC_THERMOMETER,
          "/encoding/kind", "must be feature, global or thermometer");
    CHECK(isfinite(cfg->encoding.threshold), "/encoding/threshold", "must be a number");
    CHECK(cfg->encoding.levels >= 1 && cfg->encoding.levels <= GLIA_CLS_MAX_LEVELS,
          "/encoding/levels", "must be an integer in [1, %d]", GLIA_CLS_MAX_LEVELS);
    CHECK(in(cfg->split.test_fraction, 0, 0.9), "/split/test_fraction", "must be in [0, 0.9]");
    CHECK(cfg->network.hidden >= 1 && cfg->network.hidden <= GLIA_CLS_MAX_HIDDEN,
          "/network/hidden", "must be an integer in [1, %d]", GLIA_CLS_MAX_HIDDEN);
    CHECK(cfg->network.territory_size >= 1 && cfg->network.territory_size <= cfg->network.hidden,
          "/network/territory_size", "must be an integer in [1, hidden = %d]",
          cfg->network.hidden);
    CHECK(in(cfg->network.p_in, 1e-6, 1), "/network/p_in", "must be in (0, 1]");
    CHECK(in(cfg->network.p_out, 1e-6, 1), "/network/p_out", "must be in (0, 1]");
    CHECK(in(cfg->network.weight_init, 0, 100), "/network/weight_init", "must be in [0, 100]");
    CHECK(in(cfg->network.threshold_init, -100, 100), "/network/threshold_init",
          "must be in [-100, 100]");
    CHECK(cfg->learner.kind >= 0 && cfg->learner.kind <= GLIA_CLS_RANDOM, "/learner/kind",
          "must be astrocyte, global or random-search");
    CHECK(in(cfg->learner.sigma, 0, 10), "/learner/sigma", "must be in [0, 10]");
    CHECK(in(cfg->learner.threshold_std, 0, 10), "/learner/threshold_std", "must be in [0, 10]");
    CHECK(in(cfg->learner.clamp, 1e-6, 1000), "/learner/clamp", "must be in (0, 1000]");
    CHECK(cfg->training.reward >= 0 && cfg->training.reward <= GLIA_CLS_SOFT,
          "/training/reward", "must be balanced, margin or soft");
    CHECK(in(cfg->training.margin_scale, 1e-9, 1e6), "/training/margin_scale",
          "must be in (0, 1e6]");
    CHECK(cfg->training.steps >= 1 && cfg->training.steps <= 1000000000ull, "/training/steps",
          "must be an integer in [1, 1e9]");
    CHECK(cfg->training.eval_interval >= 1 && cfg->training.eval_interval <= 1000000000ull,
          "/training/eval_interval", "must be an integer in [1, 1e9]");
#undef CHECK
    return 0;
}

static double clampd(double v, double lim) { return v < -lim ? -lim : v > lim ? lim : v; }

/* Unit j's parameters in `to`: from `from` plus noise. */
static void perturb_unit(glia_cls_t *c, uint32_t j)
{
    double sigma = c->cfg.learner.sigma, tstd = c->cfg.learner.threshold_std;
    double lim = c->cfg.learner.clamp;
    for (uint32_t k = c->in_start[j]; k < c->in_start[j + 1]; k++)
        c->try_.in_w[k] = clampd(c->cur.in_w[k] + sigma * glia_rng_gauss(&c->rng), lim);
    c->try_.th[j] = clampd(c->cur.th[j] + tstd * glia_rng_gauss(&c->rng), lim);
    for (uint32_t k = c->out_start[j]; k < c->out_start[j + 1]; k++)
        c->try_.out_w[k] = clampd(c->cur.out_w[k] + sigma * glia_rng_gauss(&c->rng), lim);
}

static void perturb_readout(glia_cls_t *c)
{
    for (uint32_t k = 0; k < c->C; k++)
        c->try_.oth[k] = clampd(c->cur.oth[k] + c->cfg.learner.threshold_std *
                                                    glia_rng_gauss(&c->rng),
                                c->cfg.learner.clamp);
}

/* Every parameter drawn as at the build (weights), or around threshold_init (thresholds). */
static void redraw_all(glia_cls_t *c)
{
    double wi = c->cfg.network.weight_init, lim = c->cfg.learner.clamp;
    double t0 = c->cfg.network.threshold_init, tstd = c->cfg.learner.threshold_std;
    for (uint64_t k = 0; k < c->n_in; k++)
        c->try_.in_w[k] = clampd((glia_rng_next(&c->rng) - 0.5) * wi, lim);
    for (uint64_t k = 0; k < c->n_out; k++)
        c->try_.out_w[k] = clampd((glia_rng_next(&c->rng) - 0.5) * wi, lim);
    for (uint32_t j = 0; j < c->H; j++)
        c->try_.th[j] = clampd(t0 + tstd * glia_rng_gauss(&c->rng), lim);
    for (uint32_t k = 0; k < c->C; k++)
        c->try_.oth[k] = clampd(t0 + tstd * glia_rng_gauss(&c->rng), lim);
}

static void swap_all(glia_cls_t *c)
{
    glia_cls_params_t p = c->cur;
    c->cur = c->try_;
    c->try_ = p;
    uint8_t *h = c->h;
    c->h = c->h_try;
    c->h_try = h;
    double *o = c->o;
    c->o = c->o_try;
    c->o_try = o;
}

/* Keep territory t's trial (t == T: the readout's thresholds). */
static void keep_territory(glia_cls_t *c, int t)
{
    if (t < (int)c->T) {
        uint32_t first, end;
        glia__cls_territory(c, t, &first, &end);
        uint32_t a = c->in_start[first], b = c->in_start[end];
        memcpy(c->cur.in_w + a, c->try_.in_w + a, (b - a) * sizeof *c->cur.in_w);
        a = c->out_start[first], b = c->out_start[end];
        memcpy(c->cur.out_w + a, c->try_.out_w + a, (b - a) * sizeof *c->cur.out_w);
        memcpy(c->cur.th + first, c->try_.th + first, (end - first) * sizeof *c->cur.th);
        memcpy(c->h + (size_t)first * c->n, c->h_try + (size_t)first * c->n,
               (size_t)(end - first) * c->n);
    }
    memcpy(c->cur.oth, c->try_.oth, c->C * sizeof *c->cur.oth);
    double *o = c->o;
    c->o = c->o_try;
    c->o_try = o;
}

void glia_cls_step(glia_cls_t *c, glia_cls_step_t *info)
{
    uint64_t n = c->n, work;
    double after;
    uint32_t correct;
    int t = -1;
    if (c->cfg.learner.kind == GLIA_CLS_ASTROCYTE && c->counts.steps > 0 &&
        c->counts.steps % GLIA_CLS_REFRESH == 0) {
        glia__cls_run(c, JOB_FORWARD_TRAIN, -1); /* the cache from the weights alone */
        glia__cls_reduce(c, &c->reward, &c->correct);
        c->counts.reward_queries += n;
        c->counts.synapse_updates += (c->n_in + c->n_out) * n;
    }
    memcpy(c->try_.oth, c->cur.oth, c->C * sizeof *c->cur.oth);
    if (c->cfg.learner.kind == GLIA_CLS_ASTROCYTE) {
        t = (int)(glia_rng_next(&c->rng) * (double)(c->T + 1));
        work = 0;
        if (t < (int)c->T) {
            uint32_t first, end;
            glia__cls_territory(c, t, &first, &end);
            for (uint32_t j = first; j < end; j++)
                perturb_unit(c, j);
            work = (uint64_t)(c->in_start[end] - c->in_start[first]) +
                   (c->out_start[end] - c->out_start[first]);
        } else {
            perturb_readout(c);
        }
        glia__cls_run(c, JOB_TRIAL_TERRITORY, t);
    } else {
        if (c->cfg.learner.kind == GLIA_CLS_GLOBAL)
            for (uint32_t j = 0; j < c->H; j++)
                perturb_unit(c, j);
        else
            redraw_all(c);
        if (c->cfg.learner.kind == GLIA_CLS_GLOBAL)
            perturb_readout(c);
        work = c->n_in + c->n_out;
        glia__cls_run(c, JOB_TRIAL_ALL, -1);
    }
    glia__cls_reduce(c, &after, &correct);
    int kept = after > c->reward;
    if (info) {
        info->territory = t;
        info->base = c->reward;
        info->after = after;
        info->kept = kept;
    }
    if (kept) {
        if (t >= 0)
            keep_territory(c, t);
        else
            swap_all(c);
        c->reward = after;
        c->correct = correct;
        c->counts.kept++;
    }
    c->counts.steps++;
    c->counts.reward_queries += n;
    c->counts.synapse_updates += work * n;
}
