/* objective.h: score a weight vector on a session's task without changing the session.
 *
 * What an outside optimizer (scipy, CMA-ES, ...) calls to compete with the session's own
 * learner on the same network: the given weights replace the session's for one evaluation
 * of every pattern of the task, on a scratch view of the network (its own weights and pass
 * state; topology and thresholds are the session's, read only). The session itself is
 * never written: not its weights, its pass state, its caches or its generator.
 */
#ifndef GLIA_OBJECTIVE_H
#define GLIA_OBJECTIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/session.h"

/* The score of one vector over every pattern of the task, in task order. */
typedef struct glia_score {
    double score;    /* mean soft reward: the scalar the perturbation learners compare */
    double accuracy; /* mean fraction of correct output bits (inference's mean_accuracy) */
} glia_score_t;

typedef struct glia_objective glia_objective_t;

/* Scratch to score vectors on `s` (borrowed: it must outlive the objective and must not be
 * stepped while the objective is used). Returns 0 and sets *out, or GLIA_ENOMEM. Free with
 * glia_objective_free (NULL is a no-op). */
int glia_objective_new(const glia_session_t *s, glia_objective_t **out);
void glia_objective_free(glia_objective_t *o);

/* Score `weights` (glia_net_synapse_count of the session's network, in synapse id order;
 * NULL: the session's own current weights). Each pattern is evaluated as inference does
 * (from silence, or from the state training left with network.carry_state). The numbers
 * are computed in the same order as the session's own, so its current weights score
 * exactly its inference accuracy and the task's mean soft reward. Never fails. */
void glia_objective_score(glia_objective_t *o, const double *weights, glia_score_t *out);

/* What scoring one vector on `s` costs, in synapse and neuron visits (patterns x passes x
 * (synapses + neurons + id space)): the unit a caller bounds a request's work in. */
uint64_t glia_objective_work(const glia_session_t *s);

/* The bytes glia_objective_new allocates for `s`. */
uint64_t glia_objective_scratch_bytes(const glia_session_t *s);

#endif
