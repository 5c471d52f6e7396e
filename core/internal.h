/* internal.h: struct layouts shared by the core's .c files (and white-box tests).
 * Nothing outside core/ and tests/ includes this. */
#ifndef GLIA_INTERNAL_H
#define GLIA_INTERNAL_H

#include <stdint.h>

#include "config.h"
#include "net.h"
#include "rng.h"

struct glia_net {
    int n;        /* neurons */
    int id_space; /* length of arrays indexed by id: max(n, largest id + 1) */
    int n_syn;
    int *id;      /* [n] id of the neuron at each position */
    uint8_t *role;
    int *cluster;
    double *x, *y, *z;
    double *thr;  /* [n] firing threshold per position */
    int *pre;     /* [n_syn] positions; synapses are sorted by pre (creation order) */
    int *post;
    double *w;
    int *out_start; /* [n+1] synapses of pre j are out_start[j] .. out_start[j+1]-1 */
    int n_driven;
    int *driven;    /* positions driven by input bit i */
    int n_readout;
    int *readout;   /* positions read as output bit i */
    /* Last pass. `act` is written at post positions and read at ids (spec 3). */
    uint8_t *fired; /* [n] */
    double *act;    /* [id_space] */
};

/* One astrocyte: its place, territory and learning state. */
typedef struct glia_astro {
    int cluster;
    double x, y;
    int n_ids;
    int *ids;       /* territory: neuron ids */
    int n_syn;
    int *syn;       /* owned synapses, ascending */
    double threshold;
    uint8_t hist[GLIA_MAX_HISTORY];
    int hist_len, hist_pos, hist_sum;
    uint64_t activations, successes, epsilon_activations;
    uint64_t *by_pattern; /* [task.count] */
} glia_astro_t;

typedef struct glia_cursor {
    double pos[3];
    double min[3], max[3]; /* bounding box of all neurons */
    uint8_t *in_range;     /* [id_space] written by id, read at positions (spec 2) */
} glia_cursor_t;

#include "session.h"

struct glia_session {
    glia_config_t cfg;
    uint32_t seed;
    glia_rng_t rng;
    glia_net_t *net;

    double *w_init; /* [n_syn] weights at build time */
    double init_weight_sum, init_mean_abs;

    int n_astro;          /* territories laid out (every learner) */
    glia_astro_t *astro;
    uint8_t *prev_fired;  /* [id_space] by id: astrocyte sensing state */
    glia_cursor_t cursor;

    /* Counters. */
    uint64_t steps, episodes, accepted, rejected;
    int step_in_episode;
    double ep_reward_sum;
    int ep_accepted, ep_rejected;

    glia_point_t *traj;
    uint64_t *traj_outputs; /* [cap_traj * task.count]: inference outputs at each point */
    size_t n_traj, cap_traj;
    glia_point_t last;
    uint64_t *last_outputs; /* [task.count] */
    int has_last;

    uint32_t *fire_count; /* [n] base-pass firings this episode (homeostasis) */

    /* Scratch, reused every step. */
    int *eligible;        /* [n_syn] */
    double *saved;        /* [n_syn] weights before the perturbation, by eligible index */
    int n_applied;        /* eligible[0..n_applied) in flight: applied or pending */
    int n_pending;        /* deferred perturbations, see perturb() in session.c */
    int *pending;         /* [n_syn] synapse ids */
    double *pend_u;       /* [2*n_syn] their generator draws */
    uint8_t *live;        /* [n] neurons that can fire in an evaluation pass */
    uint32_t *mark;       /* [n_syn] generation stamps for the eligible union */
    uint32_t stamp;
    uint8_t *base_fired;  /* [n] */
    int *order;           /* [n_astro] */
    double *score;        /* [n_astro] */
    uint8_t *is_active;   /* [n_astro] */
    uint8_t *by_epsilon;  /* [n_astro] */
};

/* Grow the trajectory (points and their outputs) to hold `cap` points. */
int glia__reserve_points(glia_session_t *s, size_t cap);

/* Shared learner steps (session.c). */
/* The base pass of a step: sets info->base_soft, and info->output/reward/after_soft to
 * what the step scores if no perturbation is kept. */
void glia__base_pass(glia_session_t *s, const glia_pattern_t *pat, glia_step_info_t *info);
/* Perturb the first n eligible synapses, evaluate, and keep the change on a strict
 * soft-reward improvement (info->output and reward then follow the after pass) or
 * revert it. Returns kept. */
int glia__try_perturbation(glia_session_t *s, int n, const glia_pattern_t *pat,
                           glia_step_info_t *info);
void glia__write_by_id(glia_session_t *s, const uint8_t *fired);
int glia__cursor_init(glia_session_t *s);
void glia__cursor_step(glia_session_t *s, glia_step_info_t *info);
void glia__astro_step(glia_session_t *s, glia_step_info_t *info);
double glia__astro_rate(const glia_config_t *cfg, const glia_astro_t *a);

/* Place astrocytes and compute territories (spec 6, "Astrocytes"). `astros` has room
 * for per_cluster * clusters. Returns 0 or GLIA_ENOMEM. */
int glia__astro_layout(const glia_config_t *cfg, const glia_net_t *net, glia_astro_t *astros);
void glia__astro_destroy(glia_astro_t *a);

#endif
