/* footprint.h: how much memory a session of a config holds, known before it is built.
 *
 * A pure function of the config (and of how many trajectory points it holds), so that a
 * server can refuse a session it has no room for without allocating any of it. The figures
 * follow what glia_session_new allocates: the network's arrays (synapses stored in a
 * capacity that doubles from 1024), the initial weights, the perturbation scratch, the
 * territories laid out for every learner, the learner's state and the trajectory. The
 * synapse count is its expected value plus four standard deviations (connections are drawn
 * independently with p_intra and p_inter); territories assume neurons spread evenly over
 * the cluster's square. tests/core/test_footprint.c holds the estimate against what the
 * allocator reports for real sessions of every learner kind: a change to what a session
 * allocates must come with a change here.
 */
#ifndef GLIA_FOOTPRINT_H
#define GLIA_FOOTPRINT_H

#include <stdint.h>

#include "core/config.h"

typedef struct glia_footprint {
    uint64_t synapses;    /* expected synapse count, with its margin */
    uint64_t network;     /* neurons, synapses (at capacity) and the initial weights */
    uint64_t scratch;     /* the perturbation scratch (per synapse) */
    uint64_t caches;      /* what the perturbation fills in as it runs, at its bounds (the
                             territories' bit sets, stream 2's listed sets) */
    uint64_t territories; /* the astrocyte grid's neuron and synapse lists */
    uint64_t learner;     /* the learner's own state */
    uint64_t trajectory;  /* `points` trajectory points and their output vectors */
    uint64_t total;       /* the session, all of the above */
    uint64_t snapshot;    /* bytes of the session saved (glia_session_save) with `points` */
} glia_footprint_t;

/* The bytes a session of `cfg` (valid: glia_config_validate) holds with `points`
 * trajectory points; `parts` (may be NULL) gets the breakdown. */
uint64_t glia_config_memory_estimate(const glia_config_t *cfg, uint64_t points,
                                     glia_footprint_t *parts);

/* Trajectory points a session of `cfg` has recorded once `episodes` episodes are done
 * (none for a learner that takes no steps). */
uint64_t glia_config_points(const glia_config_t *cfg, uint64_t episodes);

#endif
