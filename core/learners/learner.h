/* learner.h: the interface every learner implements, and what a step reports.
 *
 * A learner is whatever changes the network between steps: the cursor, the astrocytes,
 * nothing at all (control), ... Each one lives in its own file (core/<name>.c), owns
 * its state, and is reached only through its ops table; core/learners/learners.c maps the
 * config's /learner/kind to that table. The session (session.c) owns the network, the
 * generator, the counters and the trajectory, draws the step's pattern, and calls the
 * learner with a context: learners never call back into the session.
 *
 * Adding a learner: a value in enum glia_learner_kind and its name in config.c, the
 * file with its ops, and one row in learners.c (CONTRIBUTING.md, "Adding a learner").
 */
#ifndef GLIA_LEARNER_H
#define GLIA_LEARNER_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/emit.h"
#include "core/net.h"
#include "core/rng.h"
#include "core/snapio.h"
#include "core/territory.h"

struct glia_perturb;

/* What one step did. */
typedef struct glia_step_info {
    uint64_t step;    /* 0-based index of this step since the session began */
    uint64_t episode; /* episode this step belongs to */
    int pattern;      /* task pattern index; -1 when the learner takes no steps, or the
                         step scored more than one pattern (training.reward_scope) */
    int scored;       /* patterns the step scored: 1, the task's, or the minibatch's */
    uint64_t target;
    uint64_t output;   /* the output vector the step scored (after if kept, else base);
                          0 when it scored more than one pattern */
    double reward;     /* binary reward scored (the mean over the patterns scored) */
    double base_soft;  /* soft reward before the perturbation */
    double after_soft; /* soft reward after it (equal to base_soft when none) */
    int decided;       /* a perturbation was evaluated (keep or revert) */
    int kept;
    int n_eligible; /* synapses perturbed */
    int n_active;   /* agents selected (astrocytes), in selection order */
    int active[GLIA_MAX_ACTIVE];
    uint64_t reward_queries; /* evaluations of the scalar this step, each counted once per
                                sample scored */
    int episode_done;   /* this step finished an episode */
    int point_recorded; /* ... and that episode is a trajectory point */
} glia_step_info_t;

/* What the session lends a learner for one call. Pointers are borrowed. */
typedef struct glia_learner_ctx {
    const glia_config_t *cfg;
    glia_rng_t *rng;
    glia_net_t *net;
    struct glia_perturb *perturb;          /* shared perturbation scratch (perturb.h) */
    const glia_territories_t *territories; /* laid out for every learner */
    uint32_t *fire_count;                  /* base-pass firings this episode, or NULL */
    uint64_t steps;                        /* steps taken before this one */
    int step_in_episode;                   /* steps into the current episode */
} glia_learner_ctx_t;

/* What a description is for (the `view` of describe). */
enum glia_learner_view {
    GLIA_VIEW_RESULT = 0, /* members of a result, as `gliad run` prints it */
    GLIA_VIEW_STATE = 1,  /* the learner's live state, for GET .../learner */
};

typedef struct glia_learner_ops {
    const char *name;  /* the /learner/kind value */
    size_t state_size; /* bytes of state; the session allocates them zeroed */

    /* Set up the state for a freshly built session. 0 or GLIA_ENOMEM; on failure
     * destroy() is still called. */
    int (*init)(void *state, const glia_learner_ctx_t *ctx);
    /* Free what init allocated (not the state block itself). */
    void (*destroy)(void *state);

    /* One learning step on `pat` (info->pattern is its index; info is zeroed but for
     * step, episode, pattern, scored and target). With a reward over more than one
     * pattern (training.reward_scope task or minibatch) `pat` is NULL and pattern -1:
     * glia_perturb_base/try score the patterns themselves. NULL: the learner takes no
     * steps and the session draws no pattern (control). */
    void (*step)(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                 glia_step_info_t *info);
    /* After each episode's last step, before the session's homeostasis. May be NULL. */
    void (*end_episode)(void *state, glia_learner_ctx_t *ctx);

    /* The learner's snapshot section: everything init does not rebuild. load reads
     * what save wrote and checks every value (ranges, sums that must agree), so that
     * whatever loads also runs; returns 0 or GLIA_EFORMAT. */
    void (*save)(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w);
    int (*load)(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r);

    /* Describe the state for `view` as members of the enclosing object. */
    void (*describe)(const void *state, const glia_learner_ctx_t *ctx, int view, glia_emit_t *e);
} glia_learner_ops_t;

/* The ops of a learner kind (enum glia_learner_kind), or NULL for an unknown kind. */
const glia_learner_ops_t *glia_learner_ops(int kind);

#endif
