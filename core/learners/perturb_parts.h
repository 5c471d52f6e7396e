/* perturb_parts.h: what the perturbation step's three files share (core/ only).
 *
 * perturb.c runs the step (scratch, scoring, keep or revert), perturb_union.c builds the
 * set of synapses it perturbs (lists, territory unions, stream 2's listed sets), and
 * perturb_apply.c applies each generator's samples to them.
 */
#ifndef GLIA_PERTURB_PARTS_H
#define GLIA_PERTURB_PARTS_H

#include <stdint.h>

#include "core/learners/perturb.h"
#include "core/rng.h"

/* The synapses of a set of territories for stream 2 with one pass, grouped by what a
 * step does with them: the outgoing runs of the set's neurons and the synapses into the
 * set from outside it, each split by whether its pre is a driven input (live when that
 * input is on) or not (never live: perturbed only when a step keeps). */
typedef struct glia_keyed_set {
    uint64_t mask; /* territories */
    int n;         /* synapses */
    int n_runs;    /* run[3i..3i+2]: first synapse, length, place of its first pair */
    int n_single;  /* single[2i], single[2i+1]: synapse, place of its pair */
    int n_pairs;   /* the pairs of all of them, ascending, each once */
    int n_drun;    /* driven inputs in the set: drun[i] is the input's index */
    int n_dsingle;
    int *run, *single, *drun, *dsingle;
    uint32_t *pair;
} keyed_set_t;

/* How a step gets its samples (perturb_apply.c's header comment). */
enum { MODE_SEQUENTIAL, MODE_MULBERRY, MODE_KEYED, MODE_REDRAW };

/* MODE_MULBERRY, MODE_KEYED or MODE_SEQUENTIAL for the session's generator. */
static inline int perturb_mode(const glia_learner_ctx_t *ctx)
{
    if (ctx->rng->kind == GLIA_RNG_MULBERRY32_JS)
        return MODE_MULBERRY;
    if (ctx->rng->kind == GLIA_RNG_XOSHIRO256SS && ctx->cfg->rng_version >= 2)
        return MODE_KEYED;
    return MODE_SEQUENTIAL;
}

/* One try's view of its step, passed to the appliers. */
typedef struct step {
    glia_learner_ctx_t *ctx;
    glia_perturb_t *p;
    glia_net_t *net;
    double std, clamp;
    int all_live; /* more than one pass: any neuron can fire, every synapse is live */
    int n;        /* size of the set */
} step_t;

static inline int popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

static inline double clamped(double v, double clamp)
{
    if (v > clamp)
        v = clamp;
    if (v < -clamp)
        v = -clamp;
    return v;
}

/* perturb_union.c */

/* The union as a list in eligible[] (selected order, then id order, each once); sets
 * has_list and returns its size. */
int glia__perturb_union_list(glia_perturb_t *p, const glia_net_t *net,
                             const glia_territories_t *terr);
/* Unmark the territories' ids marked for the last union. */
void glia__perturb_clear_u(glia_perturb_t *p);
/* Free the union's lazily built scratch (bit sets, adjacency, stream 2's set cache). */
void glia__perturb_union_destroy(glia_perturb_t *p);

/* perturb_apply.c */

/* xoshiro256ss stream 1: every sample now, in order, saved for revert. */
void glia__perturb_sequential_all(step_t *st);
/* mulberry32-js: the live synapses' samples before the evaluation (saved for revert),
 * and a kept step's rest. */
void glia__perturb_mulberry_before(step_t *st, const glia_mulberry_plan_t *plan);
void glia__perturb_mulberry_keep(step_t *st, const glia_mulberry_plan_t *plan);
/* Stream 2: the live synapses of the set (live = 1: before the evaluation, saved for
 * revert), or the others (live = 0: a kept step's rest). */
void glia__perturb_keyed_apply(step_t *st, uint64_t key, int live);
/* Stream 2 from a listed set (one pass): its driven part, live or not, and a kept step's
 * rest. */
void glia__perturb_keyed_set_driven(step_t *st, uint64_t key, const keyed_set_t *ks, uint64_t input,
                                    int live);
void glia__perturb_keyed_set_keep(step_t *st, uint64_t key, const keyed_set_t *ks, uint64_t input);

#endif
