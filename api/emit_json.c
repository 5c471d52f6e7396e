/* emit_json.c: core descriptions rendered as JSON. */
#include "api/emit_json.h"

#include "core/error.h"

static glia_emit_json_t *self(glia_emit_t *e)
{
    return (glia_emit_json_t *)e->data;
}

/* Attach v (stolen) to the innermost container under key, or append it. */
static int attach(glia_emit_json_t *ej, const char *key, json_t *v)
{
    json_t *top;
    int rc;

    if (ej->failed || v == NULL) {
        json_decref(v);
        ej->failed = 1;
        return -1;
    }
    top = ej->stack[ej->depth - 1];
    rc = json_is_array(top) ? json_array_append_new(top, v)
                            : json_object_set_new(top, key != NULL ? key : "", v);
    if (rc != 0)
        ej->failed = 1;
    return rc;
}

static void push(glia_emit_t *e, const char *key, json_t *container)
{
    glia_emit_json_t *ej = self(e);

    if (ej->failed || ej->depth == GLIA_EMIT_JSON_DEPTH) {
        json_decref(container);
        ej->failed = 1;
        return;
    }
    json_incref(container);
    if (attach(ej, key, container) != 0) {
        json_decref(container);
        return;
    }
    ej->stack[ej->depth++] = container;
    json_decref(container); /* the parent holds it */
}

static void pop(glia_emit_t *e)
{
    glia_emit_json_t *ej = self(e);
    if (!ej->failed && ej->depth > 1)
        ej->depth--;
}

static void object_begin(glia_emit_t *e, const char *key)
{
    push(e, key, json_object());
}

static void array_begin(glia_emit_t *e, const char *key)
{
    push(e, key, json_array());
}

static void integer(glia_emit_t *e, const char *key, int64_t v)
{
    attach(self(e), key, json_integer((json_int_t)v));
}

static void number(glia_emit_t *e, const char *key, double v)
{
    attach(self(e), key, json_real(v));
}

static void boolean(glia_emit_t *e, const char *key, int v)
{
    attach(self(e), key, json_boolean(v));
}

static void string(glia_emit_t *e, const char *key, const char *v)
{
    attach(self(e), key, json_string(v));
}

static void null(glia_emit_t *e, const char *key)
{
    attach(self(e), key, json_null());
}

static const glia_emit_ops_t json_ops = {
    .object_begin_cb = object_begin,
    .object_end_cb = pop,
    .array_begin_cb = array_begin,
    .array_end_cb = pop,
    .integer_cb = integer,
    .number_cb = number,
    .boolean_cb = boolean,
    .string_cb = string,
    .null_cb = null,
};

void glia_emit_json_init(glia_emit_json_t *ej, json_t *root)
{
    ej->emit.ops = &json_ops;
    ej->emit.data = ej;
    ej->stack[0] = root;
    ej->depth = 1;
    ej->failed = root == NULL || !json_is_object(root);
}

int glia_emit_json_status(const glia_emit_json_t *ej)
{
    return ej->failed ? GLIA_ENOMEM : 0;
}
