/* config_json.h: glia_config_t <-> JSON.
 *
 * The document mirrors the field table in core/config.h: every scalar field sits at its
 * JSON pointer ("/learner/astrocyte/exploration"), and the task is
 * {"patterns": [{"input": "10000", "target": "01010"}, ...]}. In overrides the task may
 * instead be generated, {"generate": {"kind": "random" | "parity" | "xor", ...}}
 * (core/task.h): it is resolved into the explicit patterns, which is what the config
 * holds and serves. Parsing applies a JSON
 * object as overrides on an existing config (a preset or the defaults): fields present
 * replace, absent fields keep their value, unknown fields are errors.
 */
#ifndef GLIA_CONFIG_JSON_H
#define GLIA_CONFIG_JSON_H

#include <jansson.h>

#include "core/config.h"
#include "core/error.h"
#include "core/task.h"

/* Apply `overrides` (a JSON object) onto *cfg, then validate the result. On error *cfg
 * may be partly changed; err names the field with a JSON pointer prefixed by `base`
 * (e.g. "/config"), so the pointer is right for the caller's whole document. Returns 0
 * or GLIA_EINVAL. */
int glia_config_apply_json(glia_config_t *cfg, const json_t *overrides, const char *base,
                           glia_error_t *err);

/* The scalar field at `pointer` ("/training/perturbation_std"), or NULL when the
 * pointer names no field of the table (the task, an object, a typo). Borrowed. */
const glia_config_field_t *glia_config_field_find(const char *pointer);

/* Set one field from a JSON value: type and the field's own bounds are checked (err at
 * `where`), the whole config is not validated (call glia_config_validate). Returns 0 or
 * GLIA_EINVAL. */
int glia_config_set_field(glia_config_t *cfg, const glia_config_field_t *f, const json_t *value,
                          const char *where, glia_error_t *err);

/* One field's value as a new JSON value, or NULL on OOM. */
json_t *glia_config_field_json(const glia_config_t *cfg, const glia_config_field_t *f);

/* The full config as a new JSON object (caller owns the reference), or NULL on OOM. */
json_t *glia_config_to_json(const glia_config_t *cfg);

/* Build a config from an optional preset name and optional overrides, the way every
 * entry point does: no preset means the defaults. Unknown preset -> GLIA_ENOENT with
 * err->field = preset_pointer. */
int glia_config_resolve(glia_config_t *cfg, const char *preset, const char *preset_pointer,
                        const json_t *overrides, const char *overrides_pointer,
                        glia_error_t *err);

/* "an object", "a string", ... for messages about a value's type. */
const char *glia_json_type_name(const json_t *j);

/* Escape a JSON object key as a JSON pointer reference token ("a/b" -> "a~1b"). */
void glia_json_pointer_append(char *ptr, size_t size, const char *key);

#endif
