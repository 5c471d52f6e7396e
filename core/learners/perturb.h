/* perturb.h: evaluate, perturb, keep or revert: the step every keep/revert learner shares.
 *
 * A learner names the synapses it wants to perturb, runs the base pass, and asks
 * glia_perturb_try to perturb them, evaluate again and keep the change on a strict
 * soft-reward improvement or put the weights back. It names them either as a list in
 * `eligible` (glia_perturb_union helps it merge several lists without repeats) or, when
 * they are the union of astrocyte territories, with glia_perturb_union_territories,
 * which lets the step skip building the list for the steps it reverts. The scratch is
 * sized for every synapse once and reused by every step.
 *
 * What an evaluation scores is the session's training.reward_scope, handled here so
 * every keep/revert learner has it: the step's pattern (the paper), every pattern of the
 * task (mean soft reward; the score of the current weights is cached, so a step costs
 * one evaluation of the task, not two), or the minibatch the session drew for the step
 * (glia_perturb_draw_batch). With learner.perturb_thresholds a perturbation also moves
 * the thresholds of the non-source neurons in the learner's scope (listed by the learner
 * with glia_perturb_neurons_*, else the post neurons of the eligible synapses), and they
 * are kept or reverted with the weights.
 */
#ifndef GLIA_PERTURB_H
#define GLIA_PERTURB_H

#include <stdint.h>

#include "core/learners/learner.h"

typedef struct glia_perturb {
    int *eligible; /* [n_syn] synapses to perturb, filled by the learner */
    double *saved; /* [n_syn] weights before the evaluation pass, for revert */
    int *applied;  /* [n_syn] their synapses */
    int n_applied;
    int has_base; /* glia_perturb_base ran on base_input and nothing moved since */
    uint64_t base_input;
    uint8_t *live;  /* [n] neurons that can fire in an evaluation pass (this step) */
    uint32_t *mark; /* [n_syn] generation stamps for glia_perturb_union */
    uint32_t stamp;

    /* The set of glia_perturb_union_territories: territories, in selection order. */
    int n_terr;
    int terr_ids[GLIA_MAX_ACTIVE];
    int has_list; /* eligible[] holds the set */
    int n_set;

    /* Scratch of the samplers and the set (perturb_apply.c, perturb_union.c). */
    uint32_t *draws; /* [2*n_syn] generator states */
    double *g;       /* [n_syn] samples */
    int *batch;      /* [n_syn] synapses or positions of a batch */
    int *batch_k;    /* [n_syn] their places in the eligible order */
    uint8_t *in_u;   /* [id_space] the territories' neuron ids (read at positions) */
    int *u_list;     /* [id_space] the same ids as a list */
    int n_u;
    int *in_start;  /* [n+1] synapses into position q: in_syn[in_start[q] .. in_start[q+1]) */
    int *in_syn;    /* [n_syn] */
    int *in_pre;    /* [n_syn] pre of in_syn[k] */
    int words;      /* 64-bit words of a synapse bit set */
    int bits_state; /* territory bit sets: 0 not built, 1 built, -1 not available */
    uint64_t *bits; /* [territories][words] each territory's synapses */
    uint64_t *part; /* [GLIA_MAX_ACTIVE][words] what each selected territory adds */
    int *part_rank; /* [GLIA_MAX_ACTIVE][words] set bits of part before each word */
    int part_count[GLIA_MAX_ACTIVE];
    uint64_t *seen;   /* [words] the union */
    int nwords;       /* 64-bit words of a neuron bit set */
    int adj_state;    /* adjacency bit matrix: 0 not built, 1 built, -1 not available */
    uint64_t *adj;    /* [n][nwords] posts of each pre */
    uint64_t *u_bits; /* [nwords] in_u below n, as bits */
    /* Stream 2, one pass: each set of territories' synapses, listed once (perturb_union.c). */
    struct glia_keyed_set **sets; /* hash table by territory mask */
    struct glia_keyed_set *scratch_set, *cur_set;
    size_t sets_bytes;
    int *drv_index; /* [n] input index of a driven position, else -1 */

    /* Thresholds moved by the next try (learner.perturb_thresholds, or redraw). */
    int *neurons; /* [n] positions, non-source, each once */
    int n_neurons;
    int neurons_listed; /* the learner listed them since the last try */
    double *saved_thr;  /* [n] thresholds before the perturbation, by neurons index */
    int n_thr_applied;
    uint32_t *nmark; /* [n] stamps for glia_perturb_neurons_add */
    uint32_t nstamp;
    int redraw; /* the next try redraws its weights and thresholds uniformly within
                   their clamps instead of adding noise (random search) */
    double sigma; /* > 0: the next try's standard deviation for weights and thresholds
                     alike, instead of perturbation_std and threshold_std ((1+1)-ES) */

    /* Scoring more than one pattern (reward_scope task or minibatch). */
    int n_drawn; /* minibatch: this step's patterns */
    int drawn[GLIA_MAX_PATTERNS];
    int perm[GLIA_MAX_PATTERNS];  /* scratch of the draw */
    int cache_valid;              /* task: cur_* are the current weights' score */
    int score_known;              /* the score was cached when the session was saved: the
                                     rescore after its load asks no reward query */
    double cur_soft, cur_reward;  /* mean soft / binary reward of the current weights */
    int want_rates;               /* a learner reads glia_perturb_rates (set at init) */
    double *cur_rate, *cand_rate; /* [n] mean firing per position over the patterns */
} glia_perturb_t;

/* Size the scratch for `net`. 0 or GLIA_ENOMEM (destroy is still safe). */
int glia_perturb_init(glia_perturb_t *p, const glia_net_t *net);
void glia_perturb_destroy(glia_perturb_t *p);

/* Merge lists of synapses into eligible[] in the order given, each synapse once:
 * begin, then add each list; returns the count so far. */
void glia_perturb_union_begin(glia_perturb_t *p, const glia_net_t *net);
int glia_perturb_union_add(glia_perturb_t *p, int n_eligible, const int *syn, int n);

/* List the neurons whose thresholds the next try moves (with perturb_thresholds):
 * begin, then add positions; sources are skipped and each neuron is kept once. Without
 * a list, the try takes the non-source post neurons of its eligible synapses. */
void glia_perturb_neurons_begin(glia_perturb_t *p, const glia_net_t *net);
void glia_perturb_neurons_add(glia_perturb_t *p, const glia_net_t *net, const int *pos, int n);

/* The union of the synapses of territories t[0..k) of ctx->territories, in that order
 * and each synapse once (what union_begin/union_add over their lists would build), as
 * the set the next glia_perturb_try perturbs. Returns its size. */
int glia_perturb_union_territories(glia_learner_ctx_t *ctx, const int *t, int k);

/* The base pass of a step: score the current network (on `pat` with reward_scope
 * pattern, where `pat` must not be NULL and firings are counted for homeostasis; over
 * the task or the drawn minibatch otherwise, where `pat` is ignored and may be NULL),
 * and set info->base_soft, and info->output/reward/after_soft to what the step scores
 * if no perturbation is kept (over several patterns: reward is the mean binary reward
 * and output 0). On one pattern, when it is the last pass before glia_perturb_try and no
 * weight moves in between, the evaluation pass only recomputes what the perturbation
 * reaches. */
void glia_perturb_base(glia_learner_ctx_t *ctx, const glia_pattern_t *pat, glia_step_info_t *info);

/* Perturb the eligible synapses (w += gauss * perturbation_std, clamped): the n of
 * eligible[], or the set of the last glia_perturb_union_territories (n its size), and
 * the listed thresholds. Score again as glia_perturb_base did, and keep the change on a
 * strict soft-reward improvement over info->base_soft (info's output and reward then
 * follow the new score), else revert weights and thresholds. Sets info->decided and
 * info->kept; returns kept. */
int glia_perturb_try(glia_learner_ctx_t *ctx, int n, const glia_pattern_t *pat,
                     glia_step_info_t *info);

/* Score the network as it stands on what this step scores (`pat` with reward_scope
 * pattern, else the task or the drawn minibatch), uncached: the mean soft and binary
 * rewards into *soft and *reward, and the output into *output (0 over several patterns;
 * output may be NULL). With `with_fires`, a one-pattern pass counts its firings for
 * homeostasis as a base pass does. Returns the patterns scored (the reward queries). For
 * the learners that estimate instead of keeping or reverting; they call
 * glia_perturb_invalidate once they have moved the weights. */
int glia_perturb_score(glia_learner_ctx_t *ctx, const glia_pattern_t *pat, int with_fires,
                       double *soft, double *reward, uint64_t *output);

/* reward_scope minibatch: draw this step's m patterns of `count`, without repeats (m
 * draws from `rng`). The session calls it before the learner's step. */
void glia_perturb_draw_batch(glia_perturb_t *p, glia_rng_t *rng, int count, int m);

/* Reward queries (learner.h): glia_perturb_base and glia_perturb_try add to
 * info->reward_queries the samples they score, one per pattern an evaluation scores; a
 * cached base score asks none. */

/* Forget the cached score (the weights or thresholds changed outside a try). */
void glia_perturb_invalidate(glia_perturb_t *p);

/* With more than one pattern scored and want_rates set: the mean firing per position of
 * the current network over the patterns of the last base or kept try (borrowed; NULL
 * otherwise). */
const double *glia_perturb_rates(const glia_perturb_t *p);

#endif
