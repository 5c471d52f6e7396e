/* neuromod.h: the phase 1a learner's state (private to core/ and white-box tests).
 *
 * The neuron-centric learner of the paper's experiments 001-018: eligibility traces,
 * an ambient field, dampening, flags, a chemical reward broadcast and homeostatic
 * thresholds, all updated every step from the network's own activity. It draws no
 * random numbers: a step is a deterministic function of the network and the pattern.
 */
#ifndef GLIA_NEUROMOD_H
#define GLIA_NEUROMOD_H

#include <stdint.h>

#include "core/config.h"
#include "core/net.h"

/* The last step's facts, shown by the live view. */
typedef struct glia_neuromod_step_last {
    int fired, trace_nonzero, changed, reverted;
    double reward;
} glia_neuromod_step_last_t;

typedef struct glia_neuromod {
    int n, n_syn;

    /* Static, derived from (config, network): rebuilt, never saved. */
    int *nb_start; /* [n+1] neighbour lists (ambient field), position order */
    int *nb;
    double *nb_d; /* distance to each neighbour */
    int n_mod;    /* modulatory neurons, position order */
    int *mod;
    double *mod_d;         /* [n_mod * n] distance from modulatory neuron i to neuron j */
    double *out_d;         /* [n_readout * n] distance from output neuron i to neuron j */
    double *mod_f, *out_f; /* their falloff F(d) (NULL when it depends on the radius) */

    /* Neurons. */
    uint64_t *fire_count, *cycle_count;
    double *fire_rate;
    double *ambient;

    /* Synapses. */
    double *trace, *history, *chem, *flag, *adj_reward;
    int8_t *last_sign, *adj_dir;
    int32_t *streak, *adj_count, *flips;

    /* Provisional weights: the weights before the last update, kept or restored next step. */
    int has_record;
    double record_accuracy;
    double *record_w;

    uint64_t mod_cursor; /* round-robin source (chemical cycling) */
    double radius;       /* the chemical radius used by the last step */

    /* Counters over the run. */
    uint64_t steps_by_correct[GLIA_MAX_WIDTH + 1];
    uint64_t changed_total, trace_nonzero_total, provisional_reverts;

    double *w_before;               /* scratch: weights at the start of a step */
    glia_neuromod_step_last_t last; /* the last step, for the live view */
} glia_neuromod_t;

/* What one step did. */
typedef struct glia_neuromod_step {
    uint64_t output;   /* training-time output vector */
    int correct;       /* matching bits */
    double accuracy;   /* correct / width */
    double reward;     /* the shaped global reward R */
    int fired;         /* firing non-input, non-modulatory neurons after the step */
    int trace_nonzero; /* damped traces != 0 */
    int changed;       /* weights != w_before * (1 - weight_decay) */
    int reverted;      /* the provisional record was restored */
} glia_neuromod_step_t;

/* Facts about the state, with the reference harness's names. */
typedef struct glia_neuromod_summary {
    double flag_sum;
    int flags_latched; /* |flag| >= flags.threshold; -1 when flags are off */
    uint64_t frustration_flips;
    int frustration_flipped_synapses;
    double chemical_sum, activity_history_sum, chemical_radius;
    uint64_t fire_counts_sum;
    int output_bound_n, output_bound_latched, output_bound_building;
    double output_bound_mean_abs;
} glia_neuromod_summary_t;

/* Allocate the state for `net` (built from `cfg`). Returns 0 or GLIA_ENOMEM (then
 * destroy). */
int glia__neuromod_init(glia_neuromod_t *m, const glia_config_t *cfg, const glia_net_t *net);
void glia__neuromod_destroy(glia_neuromod_t *m);

/* One training step on `pat` in the 1-based episode `episode` (the learner applies its
 * episode clock). Updates the network's outputs, thresholds and weights. */
void glia__neuromod_step(glia_neuromod_t *m, const glia_config_t *cfg, glia_net_t *net,
                         const glia_pattern_t *pat, uint64_t episode, glia_neuromod_step_t *out);

void glia__neuromod_summary(const glia_neuromod_t *m, const glia_config_t *cfg,
                            const glia_net_t *net, glia_neuromod_summary_t *sum);

#endif
