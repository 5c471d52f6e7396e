/* experiment_curves.h: an experiment's learning curves aggregated over its seeds.
 *
 * For each condition and each trajectory episode: the mean of each metric (accuracy,
 * avg_reward, accept_rate) over the seeds that have a point at that episode, its sample
 * SD and its 95% CI from the t distribution (core/stats, as in the report). The inputs
 * are the sessions' trajectory points, so the curves fill in while the study runs.
 */
#ifndef GLIA_EXPERIMENT_CURVES_H
#define GLIA_EXPERIMENT_CURVES_H

#include <jansson.h>
#include <stddef.h>

#define GLIA_CURVES_DEFAULT_POINTS 1000
#define GLIA_CURVES_MAX_POINTS     10000

/* `doc` is an experiment document (its "name", "seeds" and "conditions" are read);
 * `runs` is {"<label>": {"<seed>": [point, ...]}}, each list in episode order as
 * GET /v1/sessions/{name}/metrics gives it (seeds or labels may be missing). Returns
 *   {"name", "metrics": [...], "conditions": [{"label", "seeds", "episodes",
 *     "points": [{"episode", "<metric>": {"n", "mean", "sd", "ci95": {"low", "high"}}
 *                 | null, ...}]}]}
 * "seeds" counts the seeds with points, "episodes" the distinct episodes before thinning;
 * a metric no seed has a number for at an episode is null; "ci95" is null when n < 2.
 * At most max_points (>= 2) episodes per condition: evenly thinned, the first and the
 * last kept. Seeds are summed in the document's seed order (reproducible to the bit).
 * New reference; NULL when out of memory. */
json_t *glia_experiment_curves(const json_t *doc, const json_t *runs, size_t max_points);

/* The x axis of the curves. */
enum { GLIA_CURVES_X_EPISODES = 0, GLIA_CURVES_X_REWARD_QUERIES = 1 };

/* glia_experiment_curves along `x`. With GLIA_CURVES_X_REWARD_QUERIES the points are at
 * the reward queries (the points' "reward_queries") any seed has a point at, each
 * {"reward_queries", "<metric>": ...}, and a seed counts at x with its last point at or
 * before x while x lies within its first and last point (a run that stopped sooner, at
 * its budget, has none); a condition's "reward_queries" counts the distinct values
 * before thinning (in place of "episodes"), points without the member are left out, and
 * the object says "x": "reward_queries". */
json_t *glia_experiment_curves_x(const json_t *doc, const json_t *runs, size_t max_points, int x);

#endif
