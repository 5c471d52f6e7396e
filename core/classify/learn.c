/* learn.c: the learners of a classification run (classify.h).
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
