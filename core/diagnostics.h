/* diagnostics.h: credit-assignment diagnostics of a session (training.diagnostics_interval).
 *
 * Two measures no learner keeps itself, both off by default (interval 0) and then costing
 * nothing and changing no output:
 *   - per territory, the steps decided with it selected (a keep/revert of a change that
 *     involved it, from the step's active[] agents), the ones kept, and the sum of
 *     (after_soft - base_soft) over the kept ones;
 *   - every `interval` steps, on networks of at most GLIA_DIAG_MAX_SYNAPSES synapses
 *     with carry_state off, the cosine between the step's weight update dw (weights after
 *     minus before) and the descent direction -g of the smooth surrogate's loss
 *     (core/learners/surrogate.h) at the weights before the step, over the patterns the
 *     step scored. +1: the update points straight down the surrogate loss (backprop with
 *     sgd, unclamped); -1: straight up. A step that moved no weight (reverted, or nothing
 *     decided) gives no sample.
 * The samples since the last trajectory point are averaged into each point. Measuring
 * reads the network and draws nothing: a run with diagnostics on takes exactly the
 * steps it takes with them off.
 */
#ifndef GLIA_DIAGNOSTICS_H
#define GLIA_DIAGNOSTICS_H

#include <stdint.h>

#include "core/config.h"
#include "core/emit.h"
#include "core/learners/learner.h"
#include "core/learners/surrogate.h"
#include "core/net.h"
#include "core/snapio.h"

/* The largest network the cosine is measured on: a sample costs a forward and a backward
 * pass per pattern scored and two copies of the weights (bounded work every N steps). */
#define GLIA_DIAG_MAX_SYNAPSES 20000

typedef struct glia_diag_territory {
    uint64_t decided, kept;
    double gain_sum; /* sum of after_soft - base_soft over the kept steps */
} glia_diag_territory_t;

typedef struct glia_diag {
    int interval; /* training.diagnostics_interval; 0: everything below is unused */
    int count;    /* territories */
    glia_diag_territory_t *t;
    double cos_sum; /* cosines sampled since the last trajectory point */
    uint64_t cos_n;
    /* the sample of the step in progress */
    int can_sample; /* the network is small enough and starts every pass silent */
    int sampling;   /* glia_diag_before took one for this step */
    double *w_before, *grad;
    glia_bptt_t sg;
} glia_diag_t;

/* Set up for `cfg` (interval 0: nothing allocated). 0 or GLIA_ENOMEM; call
 * glia_diag_destroy either way. */
int glia_diag_init(glia_diag_t *d, const glia_config_t *cfg, const glia_net_t *net,
                   int territories);
void glia_diag_destroy(glia_diag_t *d);

/* Before step `step`'s learner call: on a sampled step, copy the weights and take the
 * surrogate gradient over the patterns the step scores (`pat`, or pats[idx[0..m)] /
 * pats[0..m) when pat is NULL). */
void glia_diag_before(glia_diag_t *d, const glia_config_t *cfg, const glia_net_t *net,
                      uint64_t step, const glia_pattern_t *pat, const glia_pattern_t *pats,
                      const int *idx, int m);
/* After it: book the territories of a decided step and the cosine of a sampled one. */
void glia_diag_after(glia_diag_t *d, const glia_net_t *net, const glia_step_info_t *info);
/* A point's cosine: the mean and count of the samples since the last trajectory point
 * (mean 0 when none); `recorded`: the point is a trajectory point, so start anew. */
void glia_diag_point(glia_diag_t *d, double *mean, uint64_t *n, int recorded);

/* The cosine of a and b over n entries, or 0 when either is zero: a / |a| . b / |b|. */
double glia_diag_cosine(const double *a, const double *b, int n);

/* Snapshot section DIAG: the territory counts and the samples since the last point. */
void glia_diag_save(const glia_diag_t *d, glia_writer_t *w);
/* Read what glia_diag_save wrote; counts must fit `steps` taken. 0 or GLIA_EFORMAT. */
int glia_diag_load(glia_diag_t *d, glia_reader_t *r, uint64_t steps);

/* "territories": [{"id", "decided", "kept", "accept_rate", "mean_gain"}] (rate and gain
 * null before any decided / kept step). */
void glia_diag_describe(const glia_diag_t *d, glia_emit_t *e);

#endif
