/* experiment_runs.h: an experiment's runs as one table (GET /v1/experiments/{name}/runs). */
#ifndef GLIA_EXPERIMENT_RUNS_H
#define GLIA_EXPERIMENT_RUNS_H

#include <jansson.h>

/* From an experiment document (experiment_json.h), the runs recorded so far, conditions
 * outermost then seeds, in the document's order:
 *   {"name", "swept": ["<pointer>", ...],
 *    "runs": [{"condition", "session", "values": {"<pointer>": v} (a sweep only),
 *              <the record's members, as stored>}]}
 * A new reference, or NULL on out of memory. */
json_t *glia_experiment_runs(const json_t *doc);

#endif
