/* result_json.h: a session's results as JSON.
 *
 * The run result uses the field names of the reference fixtures
 * (tests/data/reference-500/, one file per preset and seed) and adds more: a superset, so a fixture can be
 * compared key by key. Every function returns a new reference (caller owns it) or NULL
 * on out of memory. Functions taking a non-const session run frozen-weight inference,
 * which uses the network's scratch state but changes nothing a later step reads.
 */
#ifndef GLIA_RESULT_JSON_H
#define GLIA_RESULT_JSON_H

#include <jansson.h>

#include "core/session.h"

/* A count of reward queries: an integer, or null when it is unknown (GLIA_QUERIES_UNKNOWN:
 * a session restored from a snapshot written before they were counted). New reference. */
json_t *glia_queries_to_json(uint64_t queries);

/* The full result, as `gliad run` prints it. `condition` names the preset (or NULL for
 * "custom"); `with_config` adds the resolved config under "config". "reward_queries" is
 * the session's count (core/session.h). */
json_t *glia_result_to_json(glia_session_t *s, const char *condition, int with_config);

/* {"mean_accuracy", "distinct_outputs", "constant_output", "patterns": [...]} */
json_t *glia_inference_to_json(const glia_session_t *s, const glia_inference_t *inf);

/* Output vectors only: ["00000", "00100", ...] */
json_t *glia_outputs_to_json(const glia_inference_t *inf);

/* One trajectory point {"episode", "avg_reward", "accept_rate", "accuracy",
 * "distinct_outputs", "constant_output", "reward_queries", "outputs": [...]} (reward
 * queries: the session's count at the episode's end); `outputs` (task.count
 * vectors, from glia_session_point_outputs) may be NULL to leave them out. */
json_t *glia_point_to_json(const glia_session_t *s, const glia_point_t *p,
                           const uint64_t *outputs);

/* The trajectory as a result reports it: the recorded points, plus the most recent
 * finished episode when it is not one of them, each with its output vectors. */
json_t *glia_trajectory_to_json(glia_session_t *s); /* may compute the last point */

/* The learner's description for `view` (enum glia_learner_view) as one object, e.g.
 * {"astrocytes": [...]} or {"cursor": {...}} or {} for control. */
json_t *glia_learner_to_json(const glia_session_t *s, int view);

/* The live "astrocytes" member of the learner's description, or null when the learner
 * has none. */
json_t *glia_astrocytes_to_json(const glia_session_t *s);

/* One step as POST /step reports it. */
json_t *glia_step_to_json(const glia_session_t *s, const glia_step_info_t *st);

/* Neurons and territories; with_synapses adds every synapse (see glia_synapses_to_json for
 * a page of them). */
json_t *glia_network_to_json(const glia_session_t *s, int with_synapses);

/* A page of synapses: those with id > after (-1: from the first), at most `limit`, as
 * [{"id", "pre", "post", "weight"}]; *next_after is the last id returned when more follow,
 * else -1. */
json_t *glia_synapses_to_json(const glia_session_t *s, int64_t after, int64_t limit,
                              int64_t *next_after);

/* Role name ("input", ...). */
const char *glia_role_name(int role);

#endif
