/* experiment_json.h: seeds x conditions studies as JSON, Markdown and CSV.
 *
 * An experiment document is what the daemon stores and serves:
 *   {"name", "episodes", "seeds": [...], "conditions": [{"label", "preset", "config"}],
 *    "study": "sha256:...", "records": {"<label>": {"<seed>": record}}, ...}
 * A record is one finished session's outcome (glia_experiment_record); results are
 * computed from the records alone (glia_experiment_results), so the offline
 * `gliad experiment` and the daemon produce the same report from the same runs.
 *
 * A study runs every condition for "episodes", or to the same budget of reward queries
 * ("budget": {"reward_queries": N}, core/session.h): each run stops at the first episode
 * end at which its session has asked N, so conditions are compared at equal cost.
 *
 * Conditions are listed by hand, or produced by a sweep over config fields: a grid
 * ({"<pointer>": [values...]}, the cartesian product, the first field outermost) or
 * reproducible random samples; each sweep condition carries the swept values and the
 * complete resolved config like any other. "prune" stops the worse conditions at given
 * episodes (successive halving); the runs it stops keep their record, marked
 * "pruned_at". "reference" names the condition the others are compared with (each one
 * against it, Holm-corrected, in the results' "vs_reference"). "study" is the SHA-256 of
 * the canonical document (everything that decides the runs and the report): the parts of
 * a study run in shards name it, and merging checks it.
 *
 * Implemented by a family of files, one concern each (experiment_spec.c, _sweep.c, _doc.c,
 * _stats.c, _report.c, _templates.c); experiment_internal.h is what they share.
 */
#ifndef GLIA_EXPERIMENT_JSON_H
#define GLIA_EXPERIMENT_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "api/router.h"
#include "core/config.h"
#include "core/error.h"
#include "core/session.h"

#define GLIA_MAX_CONDITIONS          256   /* conditions per study, listed or swept */
#define GLIA_MAX_RUNS                10000 /* conditions x seeds per study */
#define GLIA_MAX_SEEDS               100
#define GLIA_MAX_SWEPT               8     /* fields one sweep varies */
#define GLIA_MAX_RUNGS               8     /* pruning rungs */
#define GLIA_PAIRWISE_MAX            16    /* every pair is compared up to this many conditions */
#define GLIA_LABEL_MAX               24
#define GLIA_DESCRIPTION_MAX         1000
#define GLIA_MAX_EXPERIMENT_EPISODES 10000000 /* per run, x up to GLIA_MAX_RUNS runs */
#define GLIA_MAX_BUDGET_QUERIES      1000000000000LL /* "budget": {"reward_queries"} */
#define GLIA_BOOTSTRAP_RESAMPLES     10000
#define GLIA_BOOTSTRAP_SEED          20260227u /* fixed: reports are reproducible */
#define GLIA_SIGNIFICANCE            0.05      /* family-wise: vs the best, vs the reference */

typedef struct glia_condition {
    char label[GLIA_LABEL_MAX + 1];
    char preset[32];     /* "" when none */
    glia_config_t config; /* resolved and validated */
} glia_condition_t;

enum glia_sweep_kind {
    GLIA_SWEEP_NONE = 0,
    GLIA_SWEEP_GRID = 1,
    GLIA_SWEEP_RANDOM = 2,
};

typedef struct glia_experiment_spec {
    char name[GLIA_NAME_MAX + 1];
    int has_description;
    char description[GLIA_DESCRIPTION_MAX + 1];
    int n_conditions;
    glia_condition_t conditions[GLIA_MAX_CONDITIONS];
    int n_seeds;
    uint32_t seeds[GLIA_MAX_SEEDS];
    uint64_t episodes; /* with a budget: the most any run takes */
    /* "budget": {"reward_queries": N}: every run stops at the first episode end at which
     * its session has asked N reward queries (0: no budget). Without "episodes" the runs
     * are capped at the episodes in which one query per step would spend it. */
    uint64_t budget_queries;
    /* sweep: the fields it varies (their values are in each condition's config) */
    int sweep_kind; /* enum glia_sweep_kind */
    int n_swept;
    char swept[GLIA_MAX_SWEPT][GLIA_FIELD_MAX];
    int samples;         /* random */
    uint32_t sweep_seed; /* random */
    /* successive halving: n_rungs == 0 without pruning */
    int n_rungs;
    uint64_t rungs[GLIA_MAX_RUNGS];
    double keep;
    /* "reference": the label of the condition every other one is compared with in the
     * results' "vs_reference" ("" without one) */
    char reference[GLIA_LABEL_MAX + 1];
} glia_experiment_spec_t;

/* Parse POST /v1/experiments (or an offline experiment file) into *spec (caller
 * storage; it is large). Returns 0 or GLIA_EINVAL with a JSON pointer in err. */
int glia_experiment_parse(const json_t *body, glia_experiment_spec_t *spec, glia_error_t *err);

/* The canonical document (no records yet): name, description, episodes, seeds,
 * conditions with full configs (and the swept values), sweep, prune, "study" and an
 * empty "records". New reference, NULL on OOM. */
json_t *glia_experiment_doc_new(const glia_experiment_spec_t *spec);

/* Rebuild a spec from a document (stored, or a part read from a file): everything is
 * checked, so a damaged document is refused, not trusted. Callers that need the very
 * study compare glia_experiment_doc_new(spec)'s "study" with the document's. Returns 0
 * or GLIA_EINVAL (err names the member). */
int glia_experiment_spec_from_doc(const json_t *doc, glia_experiment_spec_t *spec,
                                  glia_error_t *err);

/* Runs of a study are numbered seeds outermost: run r is condition r % n_conditions,
 * seed index r / n_conditions. glia_experiment_shard_of gives the 0-based shard of run
 * r when the study's n_runs runs are cut into n_shards deterministic, balanced slices:
 * a fixed shuffle dealt round-robin, so every shard gets floor or ceil of
 * n_runs / n_shards runs, of every kind. Fills shard_of[n_runs]; returns 0 or
 * GLIA_ENOMEM. */
int glia_experiment_shards(int n_runs, int n_shards, int *shard_of);

/* "<experiment>.<label>.<seed>" */
void glia_experiment_session_name(const char *experiment, const char *label, uint32_t seed,
                                  char *out, size_t size);

/* One finished run: accuracy, accept rate, counts, output vectors, per-pattern
 * accuracy. Runs inference on `s`. New reference. */
json_t *glia_experiment_record(glia_session_t *s);

/* Statistics over doc["records"]: per condition, pairwise, per seed, and with
 * doc["reference"] every condition against it ("vs_reference"). New reference. */
json_t *glia_experiment_results(const json_t *doc);

/* One rung of successive halving. Conditions i < n reached the rung with bits[i]
 * correct output bits out of total[i] (summed over their seeds); keep[i] is set to 1
 * for the ceil(keep_fraction * n) (at least 1) with the highest fraction bits/total, ties
 * in index order, and to 0 for the rest, which stop. Returns how many are kept, or
 * GLIA_ENOMEM. The daemon and `gliad experiment` decide with this one function. */
int glia_experiment_prune_rung(int n, const long long *bits, const long long *total,
                               double keep_fraction, int *keep);

/* Put records into doc["records"] in canonical order (conditions, then seeds) from
 * `found` ({label: {seed: record}}, borrowed), so documents built from the same runs
 * print the same. Returns 0 or GLIA_ENOMEM. */
int glia_experiment_set_records(json_t *doc, const json_t *found);

/* Reports from a document with "results". Caller frees. */
char *glia_experiment_report_md(const json_t *doc, size_t *len);
char *glia_experiment_report_csv(const json_t *doc, size_t *len);

/* The paper's studies (exp 020-024) ready to post: [{"name", "description", "body"}]. */
json_t *glia_experiment_templates(void);

#endif
