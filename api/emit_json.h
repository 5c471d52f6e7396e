/* emit_json.h: a glia_emit_t (core/emit.h) that builds jansson values.
 *
 * Point it at an object; whatever a core describe call emits becomes members of that
 * object (nested objects and arrays included). Depth is bounded; anything deeper, or
 * an allocation failure, marks the emitter failed and the rest is ignored.
 */
#ifndef GLIA_EMIT_JSON_H
#define GLIA_EMIT_JSON_H

#include <jansson.h>

#include "core/emit.h"

#define GLIA_EMIT_JSON_DEPTH 16

typedef struct glia_emit_json {
    glia_emit_t emit; /* pass &this->emit to the core */
    json_t *stack[GLIA_EMIT_JSON_DEPTH];
    int depth;
    int failed;
} glia_emit_json_t;

/* Start emitting into `root` (borrowed; must be a JSON object). */
void glia_emit_json_init(glia_emit_json_t *ej, json_t *root);

/* 0 when everything emitted landed, else GLIA_ENOMEM. */
int glia_emit_json_status(const glia_emit_json_t *ej);

#endif
