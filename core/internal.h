/* internal.h: struct layouts shared by the core's .c files (and white-box tests).
 * Nothing outside core/ and tests/ includes this. */
#ifndef GLIA_INTERNAL_H
#define GLIA_INTERNAL_H

#include <stdint.h>

#include "core/config.h"
#include "core/net.h"
#include "core/rng.h"

struct glia_net {
    int n;        /* neurons */
    int id_space; /* length of arrays indexed by id: max(n, largest id + 1) */
    int n_syn;
    int *id; /* [n] id of the neuron at each position */
    uint8_t *role;
    int *cluster;
    double *x, *y, *z;
    double *thr; /* [n] firing threshold per position */
    int *pre;    /* [n_syn] positions; synapses are sorted by pre (creation order) */
    int *post;
    double *w;
    int *out_start; /* [n+1] synapses of pre j are out_start[j] .. out_start[j+1]-1 */
    int n_driven;
    int *driven; /* positions driven by input bit i */
    int n_readout;
    int *readout; /* positions read as output bit i */
    int n_bias;
    int *bias;    /* positions of the bias units (network.bias), fired in every pass */
    int v8_exp;   /* soft reward with V8's exp (sample.c), not the platform's: every
                     generator but xoshiro256ss stream 1, whose results predate it */
    /* Last pass. `act` is written at post positions and read at ids (spec 3). */
    uint8_t *fired; /* [n] */
    double *act;    /* [id_space] */
    uint8_t fire_ge; /* fire on act >= thr (else >) */
    uint8_t carry;   /* a forward pass starts from the last outputs, not from silence */

    /* For glia_net_forward_update: the non-input positions that read act[x] are
     * reader[reader_start[x] .. reader_start[x+1]); driven_syn[i*n + x] is the synapse
     * from driven input i to position x (-1: none); driven_rank lists the driven inputs
     * by position. can_update is 0 when a driven input has two synapses to one post or
     * two inputs share a position (then every pass is a full one). */
    int *reader_start, *reader;
    int *driven_syn;
    int *driven_rank;
    int can_update;
    uint32_t *touched; /* [id_space] stamps of the positions an update recomputed */
    uint32_t stamp;
    /* The soft reward's terms of its last call, reused for readouts whose -sign*(act -
     * threshold) did not change. */
    double *soft_e, *soft_term; /* [n_readout] */
    int has_soft;
};

/* A network's arrays (net_storage.c), shared by the layouts (net.c, net_phase1a.c): 0 or
 * GLIA_ENOMEM. */
int glia__net_alloc_neurons(glia_net_t *net, int n, int id_space);
int glia__net_alloc_synapses(glia_net_t *net, int cap);
/* Append synapse (pre, post, w), growing the arrays geometrically. */
int glia__net_push_synapse(glia_net_t *net, int *cap, int pre, int post, double w);
void glia__net_index_synapses(glia_net_t *net);
/* The phase1a layout (spec phase 1a, 2): NULL on out of memory. */
glia_net_t *glia__net_new_phase1a(const glia_config_t *cfg, glia_rng_t *rng);

/* The phase 1a presets "exp<NNN>[a|b|c]-<condition>" (presets_phase1a.c): fill cfg, or
 * GLIA_ENOENT for another name. _check: every parent and field pointer of the table
 * exists (1) or not (0). */
int glia__preset_phase1a(glia_config_t *cfg, const char *name);
int glia__preset_phase1a_check(void);

/* k distinct indices of [0, total) drawn uniformly (Floyd's algorithm, one draw each),
 * marked with `stamp` in mark[] (which must hold no `stamp` yet) and listed ascending
 * into out. Returns min(k, total). (scattered.c) */
int glia__sample_distinct(glia_rng_t *rng, int total, int k, uint32_t *mark, uint32_t stamp,
                          int *out);

#include "core/perturb.h"
#include "core/session.h"
#include "core/territory.h"

struct glia_session {
    glia_config_t cfg;
    uint32_t seed;
    glia_rng_t rng;
    glia_net_t *net;

    double *w_init; /* [n_syn] weights at build time */
    double init_weight_sum, init_mean_abs;
    int64_t build_draws; /* generator draws the build took, -1 when the state cannot tell */

    glia_territories_t territories; /* laid out for every learner */

    const glia_learner_ops_t *learner;
    void *learner_state; /* learner->state_size bytes, owned by the learner */
    glia_perturb_t perturb;
    glia_learner_ctx_t ctx; /* lent to the learner; steps refreshed every step */

    /* Counters. */
    uint64_t steps, episodes, accepted, rejected;
    uint64_t reward_queries; /* the sum of every step's info.reward_queries */
    int step_in_episode;
    double ep_reward_sum;
    int ep_accepted, ep_rejected;

    glia_point_t *traj;
    uint64_t *traj_outputs; /* [cap_traj * task.count]: inference outputs at each point */
    size_t n_traj, cap_traj;
    glia_point_t last;
    uint64_t *last_outputs; /* [task.count] */
    int has_last;
    /* The last point's inference (accuracy, distinct outputs, last_outputs) is not
     * computed yet: nothing has moved since its episode ended (session.c). */
    int last_pending;

    uint32_t *fire_count; /* [n] base-pass firings this episode (homeostasis) */
};

/* Grow the trajectory (points and their outputs) to hold `cap` points. */
int glia__reserve_points(glia_session_t *s, size_t cap);

/* The point of the last finished episode and its inference outputs (task.count), as a
 * snapshot must store them: computed into scratch if still pending. 0 or GLIA_ENOMEM. */
int glia__last_point(const glia_session_t *s, glia_point_t *p, uint64_t *outputs);

#endif
