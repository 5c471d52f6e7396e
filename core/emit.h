/* emit.h: a visitor through which core code shows structured state to a renderer.
 *
 * The core has no JSON. Where the API needs to show something only a learner knows
 * (its agents, its position, its counters), the learner walks its state and calls the
 * emitter's callbacks; api/ supplies callbacks that build JSON. Data goes down as the
 * call, the description comes back through the callbacks, and no core file knows who
 * renders it.
 *
 * `key` names the member inside an object and is NULL inside an array. Every
 * *_begin is matched by its *_end.
 */
#ifndef GLIA_EMIT_H
#define GLIA_EMIT_H

#include <stdint.h>

typedef struct glia_emit glia_emit_t;

typedef struct glia_emit_ops {
    void (*object_begin_cb)(glia_emit_t *e, const char *key);
    void (*object_end_cb)(glia_emit_t *e);
    void (*array_begin_cb)(glia_emit_t *e, const char *key);
    void (*array_end_cb)(glia_emit_t *e);
    void (*integer_cb)(glia_emit_t *e, const char *key, int64_t v);
    void (*number_cb)(glia_emit_t *e, const char *key, double v);
    void (*boolean_cb)(glia_emit_t *e, const char *key, int v);
    void (*string_cb)(glia_emit_t *e, const char *key, const char *v);
    void (*null_cb)(glia_emit_t *e, const char *key);
} glia_emit_ops_t;

struct glia_emit {
    const glia_emit_ops_t *ops;
    void *data; /* the renderer's own */
};

static inline void glia_emit_object_begin(glia_emit_t *e, const char *key)
{
    e->ops->object_begin_cb(e, key);
}

static inline void glia_emit_object_end(glia_emit_t *e)
{
    e->ops->object_end_cb(e);
}

static inline void glia_emit_array_begin(glia_emit_t *e, const char *key)
{
    e->ops->array_begin_cb(e, key);
}

static inline void glia_emit_array_end(glia_emit_t *e)
{
    e->ops->array_end_cb(e);
}

static inline void glia_emit_int(glia_emit_t *e, const char *key, int64_t v)
{
    e->ops->integer_cb(e, key, v);
}

static inline void glia_emit_number(glia_emit_t *e, const char *key, double v)
{
    e->ops->number_cb(e, key, v);
}

static inline void glia_emit_bool(glia_emit_t *e, const char *key, int v)
{
    e->ops->boolean_cb(e, key, v);
}

static inline void glia_emit_string(glia_emit_t *e, const char *key, const char *v)
{
    e->ops->string_cb(e, key, v);
}

static inline void glia_emit_null(glia_emit_t *e, const char *key)
{
    e->ops->null_cb(e, key);
}

#endif
