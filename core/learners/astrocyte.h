/* astrocyte.h: the astrocyte learner's state (astrocyte.c owns it; white-box tests read
 * it). Nothing but astrocyte.c and tests includes this. */
#ifndef GLIA_ASTROCYTE_H
#define GLIA_ASTROCYTE_H

#include <stdint.h>

#include "core/learners/learner.h"

/* One astrocyte's learning state; its place and territory are territories->t[i]. */
typedef struct glia_astro {
    double threshold;
    uint8_t hist[GLIA_MAX_HISTORY];
    int hist_len, hist_pos, hist_sum;
    uint64_t activations, successes, epsilon_activations;
    uint64_t *by_pattern; /* [task.count] */
} glia_astro_t;

typedef struct glia_astro_state {
    int n;
    glia_astro_t *astro; /* [n] */
    int id_space;
    uint8_t *prev_fired; /* [id_space] by id: the sensing state */
    double *rate;        /* [id_space] by id: the sensing state when a step scores more than
                            one pattern (mean firing of the current weights over them) */
    uint8_t *base_fired; /* [net n] scratch: the base pass's firing */
    int *order;          /* [n] scratch */
    double *score;       /* [n] last step's sensing scores */
    uint8_t *is_active;  /* [n] scratch */
    uint8_t *by_epsilon; /* [n] scratch */
} glia_astro_state_t;

extern const glia_learner_ops_t glia_astrocyte_learner;

/* Which synapses a step perturbs: called with the selected territories' union in
 * ctx->perturb->eligible[0..n), it may rewrite the list and returns its new length
 * (the update-scope learners, global.c and scattered.c). */
typedef int (*glia_astro_choose_cb)(void *arg, glia_learner_ctx_t *ctx, int n);

/* The astrocyte step (sense, select, perturb, keep or revert, adapt) with the perturbed
 * synapses chosen by `choose_cb` (NULL: the selected territories). */
void glia_astro_step_with(glia_astro_state_t *st, glia_learner_ctx_t *ctx,
                          const glia_pattern_t *pat, glia_step_info_t *info,
                          glia_astro_choose_cb choose_cb, void *arg);

/* The current exploration rate of astrocyte `a` (0 with exploration none). */
double glia_astro_rate(const glia_config_t *cfg, const glia_astro_t *a);

#endif
