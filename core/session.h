/* session.h: one learning run: network + learner + generator + counters + trajectory.
 *
 * A session is built from (config, seed) and advanced one step at a time or in slices;
 * episodes are steps_per_episode steps. Its complete state serialises to a byte buffer
 * (glia_session_save) and restores (glia_session_load) such that continuing gives
 * bit-identical results to never having stopped. Nothing here does I/O or keeps
 * globals; a session may be moved between threads but used by one at a time.
 */
#ifndef GLIA_SESSION_H
#define GLIA_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/emit.h"
#include "core/error.h"
#include "core/learners/learner.h"
#include "core/net.h"
#include "core/territory.h"

typedef struct glia_session glia_session_t;

/* One trajectory point: the finished episode's mean binary reward and accept rate, and
 * frozen-weight inference at its end. */
typedef struct glia_point {
    uint64_t episode;
    double avg_reward;
    double accept_rate;
    double accuracy;         /* inference mean accuracy */
    int distinct_outputs;    /* inference distinct output vectors */
    uint64_t reward_queries; /* the session's reward queries at the episode's end, or
                                GLIA_QUERIES_UNKNOWN */
    double grad_cosine;     /* with training.diagnostics_interval: the mean cosine of the
                               samples since the last trajectory point (0 when none) */
    uint64_t grad_cosine_n; /* ... and how many (core/diagnostics.h) */
} glia_point_t;

/* The reward queries of a session restored from a snapshot written before they were
 * counted: unknown, and they stay unknown (a count from the load on would be no total). */
#define GLIA_QUERIES_UNKNOWN UINT64_MAX

/* Frozen-weight inference over the task's patterns, in task order. */
typedef struct glia_inference {
    int count;
    int width; /* output bits */
    uint64_t outputs[GLIA_MAX_PATTERNS];
    double accuracy[GLIA_MAX_PATTERNS];
    double mean_accuracy;
    int distinct_outputs;
    int constant_output; /* every pattern gives the same vector */
} glia_inference_t;

typedef struct glia_counters {
    uint64_t steps;      /* steps taken */
    uint64_t episodes;   /* episodes finished */
    int step_in_episode; /* steps into the current episode */
    uint64_t accepted;
    uint64_t rejected;
    uint64_t reward_queries; /* evaluations of the scalar so far, one per sample scored
                                (learner.h); inference is not counted. GLIA_QUERIES_UNKNOWN
                                for a session restored from a snapshot without them */
} glia_counters_t;

/* Build a session. `cfg` is copied and validated first (err names the field). Returns
 * 0 and sets *out, or GLIA_EINVAL / GLIA_ENOMEM. Free with glia_session_free(). */
int glia_session_new(const glia_config_t *cfg, uint32_t seed, glia_session_t **out,
                     glia_error_t *err);
void glia_session_free(glia_session_t *s);

/* Take one step; `info` may be NULL. Returns 0 or GLIA_ENOMEM (state unchanged). */
int glia_session_step(glia_session_t *s, glia_step_info_t *info);

/* Take up to `max_steps` steps, stopping early at the end of episode `stop_episode`
 * (episodes are 0-based; pass UINT64_MAX for no stop). Returns the steps taken (>= 0)
 * or a negative error. */
int64_t glia_session_advance(glia_session_t *s, uint64_t max_steps, uint64_t stop_episode);

/* glia_session_advance that also stops at the first episode end at which the session
 * has asked `queries` reward queries or more (0: no such stop; a study's budget). */
int64_t glia_session_advance_to(glia_session_t *s, uint64_t max_steps, uint64_t stop_episode,
                                uint64_t queries);
/* The session stands at an episode boundary with `queries` (> 0) reward queries or more
 * asked: a budget of `queries` is spent. */
int glia_session_spent(const glia_session_t *s, uint64_t queries);

/* Run whole episodes until `episodes` have finished (a batch run). */
int glia_session_run_episodes(glia_session_t *s, uint64_t episodes);

const glia_config_t *glia_session_config(const glia_session_t *s); /* borrowed */
uint32_t glia_session_seed(const glia_session_t *s);
void glia_session_counters(const glia_session_t *s, glia_counters_t *c);
const glia_net_t *glia_session_net(const glia_session_t *s);     /* borrowed */

/* Trajectory: the points recorded every trajectory_interval episodes (borrowed, valid
 * until the next step), and the point of the most recently finished episode. The last
 * point's inference is computed when it is first asked for (a run does not pay for the
 * points nobody reads), hence the non-const session. */
const glia_point_t *glia_session_trajectory(const glia_session_t *s, size_t *count);
int glia_session_last_point(glia_session_t *s, glia_point_t *p); /* 0, or GLIA_ENOENT */

/* The inference output vectors (task.count of them, borrowed, valid until the next step)
 * at trajectory point `i`, or at the last finished episode. NULL when there is none. */
const uint64_t *glia_session_point_outputs(const glia_session_t *s, size_t i);
const uint64_t *glia_session_last_outputs(glia_session_t *s);

/* Inference on the current weights. Does not change the session. */
void glia_session_inference(glia_session_t *s, glia_inference_t *inf);

/* The learner: its kind's name (borrowed, static) and a description of its state for
 * `view` (enum glia_learner_view), emitted as members of the enclosing object. */
const char *glia_session_learner_name(const glia_session_t *s);
void glia_session_describe(const glia_session_t *s, int view, glia_emit_t *e);

/* The astrocyte territories laid out for this network (every learner has them; borrowed). */
const glia_territories_t *glia_session_territories(const glia_session_t *s);

/* Initial network facts: the mean |w| and the weight sum at build time, and the
 * initial weight of synapse `i`. */
double glia_session_initial_mean_abs_weight(const glia_session_t *s);
double glia_session_initial_weight_sum(const glia_session_t *s);
double glia_session_initial_weight(const glia_session_t *s, int i);
/* All initial weights (borrowed, synapse order), and the generator draws the build took
 * (-1 when the generator's state cannot tell, see glia_rng_draws). */
const double *glia_session_initial_weights(const glia_session_t *s);
int64_t glia_session_build_draws(const glia_session_t *s);

/* Serialise the complete state into a new buffer (*buf, *len; the caller frees *buf
 * with free()). Returns 0 or GLIA_ENOMEM. */
int glia_session_save(const glia_session_t *s, uint8_t **buf, size_t *len);

/* Rebuild a session from a buffer written by glia_session_save (this release or an
 * earlier format version). Every value is checked, so whatever loads also saves, restores
 * and runs. Returns 0 and sets *out, or GLIA_EFORMAT (corrupt, truncated, checksum, a
 * value no run can reach; err says which), GLIA_EVERSION (a newer format), GLIA_EINVAL
 * (the embedded config does not validate; err says why), GLIA_ENOMEM. */
int glia_session_load(const uint8_t *buf, size_t len, glia_session_t **out, glia_error_t *err);

/* What a snapshot would build, read without building it: its config (validated), seed and
 * number of trajectory points (bounded by what the buffer can hold). Returns 0, or the
 * errors of glia_session_load for its header and config (GLIA_EFORMAT, GLIA_EVERSION,
 * GLIA_EINVAL); the rest of it is checked only by glia_session_load. */
int glia_snapshot_peek(const uint8_t *buf, size_t len, glia_config_t *cfg, uint32_t *seed,
                       uint64_t *points, glia_error_t *err);

/* The snapshot format version glia_session_save writes. */
unsigned glia_snapshot_version(void);

#endif
