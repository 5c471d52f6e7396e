/* classify_json.h: a classification run's config <-> JSON, and its result as JSON.
 *
 * The config document (docs/classification.md):
 *
 *   {"dataset":  {"name": "digits", "hash": "<sha256, optional: checked when given>"},
 *    "encoding": {"kind": "feature"|"global"|"thermometer", "threshold": x, "levels": k},
 *    "split":    {"test_fraction": f, "seed": s},
 *    "network":  {"hidden": H, "territory_size": t, "p_in": p, "p_out": p,
 *                 "weight_init": w, "threshold_init": x},
 *    "learner":  {"kind": "astrocyte"|"global"|"random-search", "sigma": s,
 *                 "threshold_std": s, "clamp": c},
 *    "training": {"reward": "balanced"|"margin"|"soft", "margin_scale": m,
 *                 "steps": n, "eval_interval": n}}
 *
 * Parsing applies a document as overrides onto an existing config (a preset or the
 * defaults): present fields replace, absent ones keep, unknown ones are errors naming
 * their pointer.
 */
#ifndef GLIA_CLASSIFY_JSON_H
#define GLIA_CLASSIFY_JSON_H

#include <jansson.h>

#include "core/classify/classify.h"

#define GLIA_CLS_NAME_MAX 64

/* The dataset a config names: its name and, when given, its SHA-256 (hex). */
typedef struct glia_cls_dataset_ref {
    char name[GLIA_CLS_NAME_MAX + 1];
    char hash[65];
} glia_cls_dataset_ref_t;

/* Apply `doc` onto (*cfg, *ref) and validate. 0, or GLIA_EINVAL with err->field a pointer
 * under `base`. */
int glia_cls_config_apply_json(glia_cls_config_t *cfg, glia_cls_dataset_ref_t *ref,
                               const json_t *doc, const char *base, glia_error_t *err);
/* The whole config (and the dataset it names) as a new object; NULL on OOM. */
json_t *glia_cls_config_to_json(const glia_cls_config_t *cfg, const glia_cls_dataset_ref_t *ref);

/* The classification presets: "digits", "iris", "wine", "breast-cancer", "fashion-mnist"
 * (the best configurations measured, docs/classification.md). 0, or GLIA_ENOENT. */
int glia_cls_preset(const char *name, glia_cls_config_t *cfg, glia_cls_dataset_ref_t *ref);
extern const char *const glia_cls_preset_names[]; /* NULL-terminated */

/* A score as JSON: reward, train/test accuracy, balanced test accuracy, per-class test
 * accuracy and the confusion matrix (rows: label, columns: class read out). */
json_t *glia_cls_score_to_json(const glia_cls_score_t *s, int with_matrix);

#endif
