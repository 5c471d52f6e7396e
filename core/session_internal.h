/* session_internal.h: the session's struct layout and helpers, shared by session.c,
 * snapshot.c and objective.c (and white-box tests). It sits above the learners (a session
 * owns one and its perturbation scratch), where internal.h sits below them. Nothing
 * outside core/ and tests/ includes this. */
#ifndef GLIA_SESSION_INTERNAL_H
#define GLIA_SESSION_INTERNAL_H

#include "core/diagnostics.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"
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

    glia_diag_t diag; /* credit-assignment diagnostics (training.diagnostics_interval) */
};

/* Grow the trajectory (points and their outputs) to hold `cap` points. */
int glia__reserve_points(glia_session_t *s, size_t cap);

/* The point of the last finished episode and its inference outputs (task.count), as a
 * snapshot must store them: computed into scratch if still pending. 0 or GLIA_ENOMEM. */
int glia__last_point(const glia_session_t *s, glia_point_t *p, uint64_t *outputs);

#endif
