/* experiment_internal.h: what the api/experiment_*.c files share; not part of the API.
 *
 * The family behind experiment_json.h, one concern a file:
 *   experiment_spec.c       a study body or a stored document -> glia_experiment_spec_t
 *   experiment_sweep.c      sweeps (grid, random): their conditions, swept values, titles
 *   experiment_doc.c        the canonical document, shards, session names, records
 *   experiment_stats.c      statistics over the records, the ranking, pruning rungs
 *   experiment_report.c     the Markdown and CSV reports
 *   experiment_templates.c  the paper's studies ready to post
 */
#ifndef GLIA_EXPERIMENT_INTERNAL_H
#define GLIA_EXPERIMENT_INTERNAL_H

#include <stddef.h>

#include "api/config_json.h"
#include "api/experiment_json.h"

/* ---- experiment_sweep.c ------------------------------------------------------------------ */

/* Parse body["sweep"] with body["base"] (may be NULL) into spec's conditions and swept
 * fields. Returns 0, GLIA_EINVAL or GLIA_ENOMEM with err set. */
int glia__experiment_parse_sweep(const json_t *sweep, const json_t *base_json,
                                 glia_experiment_spec_t *spec, glia_error_t *err);

/* Record `pointer` (named at `where` in the request) as a swept field of spec. Returns
 * the field, or NULL with err set (no such field, the task, too many fields). */
const glia_config_field_t *glia__experiment_swept_field(glia_experiment_spec_t *spec,
                                                        const char *pointer, const char *where,
                                                        glia_error_t *err);

/* The name of swept field i of n in titles and report columns: its last pointer segment,
 * or the whole pointer when another swept field ends the same way. Borrowed from swept. */
const char *glia__experiment_swept_name(const char (*swept)[GLIA_FIELD_MAX], int n, int i);

/* A swept value as report text: 3, 0.05, "flat" -> flat, true; "?" for anything else. */
void glia__experiment_value_text(const json_t *v, char *out, size_t size);

/* "perturbation_std=0.05,radius=1.5": the swept values of one config, cut at size. */
void glia__experiment_point_title(const char (*swept)[GLIA_FIELD_MAX], int n,
                                  const glia_config_t *cfg, char *out, size_t size);

/* ---- experiment_stats.c: the display text of a statistic --------------------------------- */

/* Every statistic the daemon serves is formatted here once: the results' "text" members
 * (what the web UI shows) and the Markdown report print these same strings, so the page
 * and the report cannot round one number two ways. */

/* 0.6675 -> "66.8%" ("%.1f%%" of 100 v); "N/A" when v is not a number. */
void glia__experiment_pct_text(const json_t *v, char *out, size_t size);

/* A difference in percentage points with its sign: "+1.9%", "-32.2%". */
void glia__experiment_signed_pct_text(double v, char *out, size_t size);

/* "[62.2%, 71.3%]" of an interval object {low, high}. */
void glia__experiment_interval_text(const json_t *ci, char *out, size_t size);

/* A p-value: "< 0.001", else three decimals. */
void glia__experiment_p_text(double p, char *out, size_t size);

/* A median of reward queries: 12340, or 12340.5 between two seeds; "-" when v is not a
 * number (no seed reached the level). */
void glia__experiment_queries_text(const json_t *v, char *out, size_t size);

/* ---- experiment_doc.c -------------------------------------------------------------------- */

/* The accuracy levels a record times: record member "episodes_to_<key>" (90%, 95% and
 * 100%), in that order. */
typedef struct glia__experiment_level {
    const char *key;
    double level;
} glia__experiment_level_t;

#define GLIA__EXPERIMENT_N_LEVELS 3
extern const glia__experiment_level_t glia__experiment_levels[GLIA__EXPERIMENT_N_LEVELS];

#endif
