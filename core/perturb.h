/* perturb.h: evaluate, perturb, keep or revert: the step every keep/revert learner shares.
 *
 * A learner lists the synapses it wants to perturb in `eligible` (glia_perturb_union
 * helps it merge several lists without repeats), runs the base pass, and asks
 * glia_perturb_try to perturb them, evaluate again and keep the change on a strict
 * soft-reward improvement or put the weights back. The scratch is sized for every
 * synapse once and reused by every step.
 */
#ifndef GLIA_PERTURB_H
#define GLIA_PERTURB_H

#include <stdint.h>

#include "learner.h"

typedef struct glia_perturb {
    int *eligible;  /* [n_syn] synapses to perturb, filled by the learner */
    double *saved;  /* [n_syn] weights before the perturbation, by eligible index */
    int n_applied;  /* eligible[0..n_applied) applied, saved for revert */
    int n_pending;  /* deferred samples (see perturb.c) */
    int *pending;   /* [n_syn] their synapses */
    double *pend_u; /* [2*n_syn] their generator draws */
    uint8_t *live;  /* [n] neurons that can fire in an evaluation pass */
    uint32_t *mark; /* [n_syn] generation stamps for glia_perturb_union */
    uint32_t stamp;
} glia_perturb_t;

/* Size the scratch for `net`. 0 or GLIA_ENOMEM (destroy is still safe). */
int glia_perturb_init(glia_perturb_t *p, const glia_net_t *net);
void glia_perturb_destroy(glia_perturb_t *p);

/* Merge lists of synapses into eligible[] in the order given, each synapse once:
 * begin, then add each list; returns the count so far. */
void glia_perturb_union_begin(glia_perturb_t *p, const glia_net_t *net);
int glia_perturb_union_add(glia_perturb_t *p, int n_eligible, const int *syn, int n);

/* The base pass of a step: forward on `pat`, count firings for homeostasis, and set
 * info->base_soft, and info->output/reward/after_soft to what the step scores if no
 * perturbation is kept. */
void glia_perturb_base(glia_learner_ctx_t *ctx, const glia_pattern_t *pat, glia_step_info_t *info);

/* Perturb eligible[0..n) (w += gauss * perturbation_std, clamped), evaluate `pat` and
 * keep the change on a strict soft-reward improvement over info->base_soft (info's
 * output and reward then follow the new pass), else revert it. Sets info->decided and
 * info->kept; returns kept. */
int glia_perturb_try(glia_learner_ctx_t *ctx, int n, const glia_pattern_t *pat,
                     glia_step_info_t *info);

#endif
