/* experiment_json.h: seeds x conditions studies as JSON, Markdown and CSV.
 *
 * An experiment document is what the daemon stores and serves:
 *   {"name", "episodes", "seeds": [...], "conditions": [{"label", "preset", "config"}],
 *    "records": {"<label>": {"<seed>": record}}, ...}
 * A record is one finished session's outcome (glia_experiment_record); results are
 * computed from the records alone (glia_experiment_results), so the offline
 * `gliad experiment` and the daemon produce the same report from the same runs.
 */
#ifndef GLIA_EXPERIMENT_JSON_H
#define GLIA_EXPERIMENT_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "../core/config.h"
#include "../core/error.h"
#include "../core/session.h"
#include "router.h"

#define GLIA_MAX_CONDITIONS 16
#define GLIA_MAX_SEEDS      100
#define GLIA_LABEL_MAX      24
#define GLIA_MAX_EXPERIMENT_EPISODES 10000000
#define GLIA_BOOTSTRAP_RESAMPLES 10000
#define GLIA_BOOTSTRAP_SEED      20260227u /* fixed: reports are reproducible */

typedef struct glia_condition {
    char label[GLIA_LABEL_MAX + 1];
    char preset[32];     /* "" when none */
    glia_config_t config; /* resolved and validated */
} glia_condition_t;

typedef struct glia_experiment_spec {
    char name[GLIA_NAME_MAX + 1];
    int n_conditions;
    glia_condition_t conditions[GLIA_MAX_CONDITIONS];
    int n_seeds;
    uint32_t seeds[GLIA_MAX_SEEDS];
    uint64_t episodes;
} glia_experiment_spec_t;

/* Parse POST /v1/experiments (or an offline experiment file) into *spec (caller
 * storage; it is large). Returns 0 or GLIA_EINVAL with a JSON pointer in err. */
int glia_experiment_parse(const json_t *body, glia_experiment_spec_t *spec, glia_error_t *err);

/* The canonical document (no records yet): name, episodes, seeds, conditions with full
 * configs. New reference. */
json_t *glia_experiment_doc_new(const glia_experiment_spec_t *spec);

/* Rebuild a spec from a stored document. Returns 0 or GLIA_EINVAL. */
int glia_experiment_spec_from_doc(const json_t *doc, glia_experiment_spec_t *spec,
                                  glia_error_t *err);

/* "<experiment>.<label>.<seed>" */
void glia_experiment_session_name(const char *experiment, const char *label, uint32_t seed,
                                  char *out, size_t size);

/* One finished run: accuracy, accept rate, counts, output vectors, per-pattern
 * accuracy. Runs inference on `s`. New reference. */
json_t *glia_experiment_record(glia_session_t *s);

/* Statistics over doc["records"]: per condition, pairwise, per seed. New reference. */
json_t *glia_experiment_results(const json_t *doc);

/* Reports from a document with "results". Caller frees. */
char *glia_experiment_report_md(const json_t *doc, size_t *len);
char *glia_experiment_report_csv(const json_t *doc, size_t *len);

/* The paper's studies (exp 020-024) ready to post: [{"name", "description", "body"}]. */
json_t *glia_experiment_templates(void);

#endif
