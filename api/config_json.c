/* config_json.c: the config document, walked with the core's field table. */
#include "api/config_json.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void glia_json_pointer_append(char *ptr, size_t size, const char *key)
{
    size_t len = strlen(ptr);

    if (len + 1 < size)
        ptr[len++] = '/';
    for (const char *k = key; *k && len + 2 < size; k++) {
        if (*k == '~') {
            ptr[len++] = '~';
            ptr[len++] = '0';
        } else if (*k == '/') {
            ptr[len++] = '~';
            ptr[len++] = '1';
        } else {
            ptr[len++] = *k;
        }
    }
    ptr[len < size ? len : size - 1] = '\0';
}

const char *glia_json_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Is `prefix` (a pointer) a proper prefix of some field's pointer, i.e. an object? */
static int is_object_path(const char *prefix)
{
    size_t n = strlen(prefix);
    for (const glia_config_field_t *f = glia_config_fields; f->pointer; f++) {
        if (strncmp(f->pointer, prefix, n) == 0 && f->pointer[n] == '/')
            return 1;
    }
    return 0;
}

const glia_config_field_t *glia_config_field_find(const char *pointer)
{
    for (const glia_config_field_t *f = glia_config_fields; f->pointer; f++) {
        if (strcmp(f->pointer, pointer) == 0)
            return f;
    }
    return NULL;
}

static int set_field(glia_config_t *cfg, const glia_config_field_t *f, const json_t *v,
                     const char *where, glia_error_t *err)
{
    char *p = (char *)cfg + f->offset;

    switch (f->type) {
    case GLIA_FIELD_INT: {
        json_int_t iv;
        int i;
        if (!json_is_integer(v))
            return glia_error_set(err, GLIA_EINVAL, where, "must be an integer, not %s",
                                  glia_json_type_name(v));
        iv = json_integer_value(v);
        if (iv < (json_int_t)f->min || iv > (json_int_t)f->max)
            return glia_error_set(err, GLIA_EINVAL, where, "must be an integer in [%.0f, %.0f]",
                                  f->min, f->max);
        i = (int)iv;
        memcpy(p, &i, sizeof(i));
        return 0;
    }
    case GLIA_FIELD_DOUBLE: {
        double d;
        if (!json_is_number(v))
            return glia_error_set(err, GLIA_EINVAL, where, "must be a number, not %s",
                                  glia_json_type_name(v));
        /* -0 is zero: written back it reads "-0", which JSON parsers take as the
         * integer 0, so a config holding -0.0 would not survive its own document. */
        d = json_number_value(v);
        if (d == 0.0)
            d = 0.0;
        memcpy(p, &d, sizeof(d));
        return 0;
    }
    case GLIA_FIELD_BOOL: {
        int b;
        if (!json_is_boolean(v))
            return glia_error_set(err, GLIA_EINVAL, where, "must be true or false, not %s",
                                  glia_json_type_name(v));
        b = json_is_true(v);
        memcpy(p, &b, sizeof(b));
        return 0;
    }
    case GLIA_FIELD_ENUM: {
        const char *s;
        if (!json_is_string(v))
            return glia_error_set(err, GLIA_EINVAL, where, "must be a string, not %s",
                                  glia_json_type_name(v));
        s = json_string_value(v);
        for (int i = 0; f->names[i]; i++) {
            if (strcmp(f->names[i], s) == 0) {
                memcpy(p, &i, sizeof(i));
                return 0;
            }
        }
        {
            char allowed[200] = "";
            for (int i = 0; f->names[i]; i++) {
                if (i)
                    strncat(allowed, ", ", sizeof(allowed) - strlen(allowed) - 1);
                strncat(allowed, f->names[i], sizeof(allowed) - strlen(allowed) - 1);
            }
            return glia_error_set(err, GLIA_EINVAL, where, "unknown value \"%.40s\"; one of: %s",
                                  s, allowed);
        }
    }
    }
    return 0;
}

int glia_config_set_field(glia_config_t *cfg, const glia_config_field_t *f, const json_t *value,
                          const char *where, glia_error_t *err)
{
    return set_field(cfg, f, value, where, err);
}

/* ptr := where + "/" + key (a pointer too long is cut, not wrong). */
static void child_pointer(char *ptr, size_t size, const char *where, const char *key)
{
    snprintf(ptr, size, "%s", where);
    glia_json_pointer_append(ptr, size, key);
}

/* One integer member of a generated task's spec; absent keeps *out. */
static int gen_int(const json_t *gen, const char *key, const char *where, int *out,
                   glia_error_t *err)
{
    json_t *v = json_object_get(gen, key);
    char ptr[GLIA_FIELD_MAX];

    if (v == NULL)
        return 0;
    child_pointer(ptr, sizeof(ptr), where, key);
    if (!json_is_integer(v))
        return glia_error_set(err, GLIA_EINVAL, ptr, "must be an integer, not %s",
                              glia_json_type_name(v));
    if (json_integer_value(v) < 0 ||
        json_integer_value(v) > (strcmp(key, "seed") == 0 ? UINT32_MAX : INT_MAX))
        return glia_error_set(err, GLIA_EINVAL, ptr, "must be an integer in [0, %lld]",
                              strcmp(key, "seed") == 0 ? (long long)UINT32_MAX
                                                       : (long long)INT_MAX);
    *out = (int)(uint32_t)json_integer_value(v);
    return 0;
}

/* task.generate: {"kind": "random", "patterns", "input_width", "target_width", "seed"},
 * {"kind": "parity", "bits"} or {"kind": "xor"}, resolved into explicit patterns. */
static int apply_generate(glia_config_t *cfg, const json_t *gen, const char *where,
                          const char *base, glia_error_t *err)
{
    static const char *const kinds[] = {"random", "parity", "xor", NULL};
    static const char *const members[][6] = {
        {"kind", "patterns", "input_width", "target_width", "seed", NULL},
        {"kind", "bits", NULL},
        {"kind", NULL},
    };
    glia_task_spec_t spec = {.kind = -1, .seed = 1};
    glia_error_t gerr = {0};
    const char *key;
    json_t *val, *kind = json_object_get(gen, "kind");
    char ptr[GLIA_FIELD_MAX];
    int seed = 1, rc;

    if (!json_is_object(gen))
        return glia_error_set(err, GLIA_EINVAL, where, "must be an object {\"kind\", ...}, not %s",
                              glia_json_type_name(gen));
    child_pointer(ptr, sizeof(ptr), where, "kind");
    for (int k = 0; json_is_string(kind) && kinds[k] != NULL; k++) {
        if (strcmp(json_string_value(kind), kinds[k]) == 0)
            spec.kind = k;
    }
    if (spec.kind < 0)
        return glia_error_set(err, GLIA_EINVAL, ptr,
                              "required: one of \"random\", \"parity\", \"xor\"");
    json_object_foreach((json_t *)gen, key, val)
    {
        int known = 0;
        for (int m = 0; members[spec.kind][m] != NULL; m++)
            known |= strcmp(key, members[spec.kind][m]) == 0;
        if (!known) {
            child_pointer(ptr, sizeof(ptr), where, key);
            return glia_error_set(err, GLIA_EINVAL, ptr, "unknown field for kind \"%s\"",
                                  kinds[spec.kind]);
        }
    }
    if (spec.kind == GLIA_TASK_RANDOM) {
        static const char *const required[] = {"patterns", "input_width", "target_width"};
        for (int m = 0; m < 3; m++) {
            if (json_object_get(gen, required[m]) == NULL) {
                child_pointer(ptr, sizeof(ptr), where, required[m]);
                return glia_error_set(err, GLIA_EINVAL, ptr, "required for kind \"random\"");
            }
        }
    } else if (spec.kind == GLIA_TASK_PARITY && json_object_get(gen, "bits") == NULL) {
        child_pointer(ptr, sizeof(ptr), where, "bits");
        return glia_error_set(err, GLIA_EINVAL, ptr, "required for kind \"parity\"");
    }
    if ((rc = gen_int(gen, "patterns", where, &spec.patterns, err)) != 0 ||
        (rc = gen_int(gen, "input_width", where, &spec.input_width, err)) != 0 ||
        (rc = gen_int(gen, "target_width", where, &spec.target_width, err)) != 0 ||
        (rc = gen_int(gen, "bits", where, &spec.bits, err)) != 0 ||
        (rc = gen_int(gen, "seed", where, &seed, err)) != 0)
        return rc;
    spec.seed = (uint32_t)seed;
    if ((rc = glia_task_generate(cfg, &spec, &gerr)) != 0) {
        snprintf(ptr, sizeof(ptr), "%s%s", base, gerr.field);
        return glia_error_set(err, rc, ptr, "%s", gerr.message);
    }
    return 0;
}

static int apply_task(glia_config_t *cfg, const json_t *task, const char *where, const char *base,
                      glia_error_t *err)
{
    const char *key;
    json_t *val;
    char ptr[GLIA_FIELD_MAX];

    if (!json_is_object(task))
        return glia_error_set(err, GLIA_EINVAL, where, "must be an object, not %s",
                              glia_json_type_name(task));
    if (json_object_get(task, "generate") != NULL) {
        child_pointer(ptr, sizeof(ptr), where, "generate");
        if (json_object_get(task, "patterns") != NULL)
            return glia_error_set(err, GLIA_EINVAL, ptr,
                                  "give either patterns or generate, not both");
        if (json_object_size(task) > 1) {
            json_object_foreach((json_t *)task, key, val)
            {
                if (strcmp(key, "generate") != 0) {
                    child_pointer(ptr, sizeof(ptr), where, key);
                    return glia_error_set(err, GLIA_EINVAL, ptr, "unknown field");
                }
            }
        }
        return apply_generate(cfg, json_object_get(task, "generate"), ptr, base, err);
    }
    json_object_foreach((json_t *)task, key, val) {
        size_t n;
        snprintf(ptr, sizeof(ptr), "%s", where);
        glia_json_pointer_append(ptr, sizeof(ptr), key);
        if (strcmp(key, "patterns") != 0)
            return glia_error_set(err, GLIA_EINVAL, ptr, "unknown field");
        if (!json_is_array(val))
            return glia_error_set(err, GLIA_EINVAL, ptr, "must be an array of {input, target}");
        n = json_array_size(val);
        if (n == 0)
            return glia_error_set(err, GLIA_EINVAL, ptr, "the task needs at least one pattern");
        if (n > GLIA_MAX_PATTERNS)
            return glia_error_set(err, GLIA_EINVAL, ptr, "at most %d patterns are allowed",
                                  GLIA_MAX_PATTERNS);
        for (size_t i = 0; i < n; i++) {
            json_t *pat = json_array_get(val, i);
            const char *pk;
            json_t *pv;
            int have_in = 0, have_out = 0;
            char pp[GLIA_FIELD_MAX], fp[GLIA_FIELD_MAX];
            if (snprintf(pp, sizeof(pp), "%s/%zu", ptr, i) >= (int)sizeof(pp))
                pp[sizeof(pp) - 1] = '\0'; /* a pointer this long is cut, not wrong */
            if (!json_is_object(pat))
                return glia_error_set(err, GLIA_EINVAL, pp, "must be an object {input, target}");
            json_object_foreach(pat, pk, pv) {
                uint64_t bits;
                int width, is_in = strcmp(pk, "input") == 0;
                snprintf(fp, sizeof(fp), "%s", pp);
                glia_json_pointer_append(fp, sizeof(fp), pk);
                if (!is_in && strcmp(pk, "target") != 0)
                    return glia_error_set(err, GLIA_EINVAL, fp, "unknown field");
                if (!json_is_string(pv) ||
                    glia_pattern_parse(json_string_value(pv), &bits, &width) != 0)
                    return glia_error_set(err, GLIA_EINVAL, fp,
                                          "must be a string of 1 to %d characters 0 and 1",
                                          GLIA_MAX_WIDTH);
                if (is_in) {
                    if (i > 0 && width != cfg->task.input_width)
                        return glia_error_set(err, GLIA_EINVAL, fp,
                                              "width %d differs from the first pattern's %d",
                                              width, cfg->task.input_width);
                    cfg->task.input_width = width;
                    cfg->task.patterns[i].input = bits;
                    have_in = 1;
                } else {
                    if (i > 0 && width != cfg->task.target_width)
                        return glia_error_set(err, GLIA_EINVAL, fp,
                                              "width %d differs from the first pattern's %d",
                                              width, cfg->task.target_width);
                    cfg->task.target_width = width;
                    cfg->task.patterns[i].target = bits;
                    have_out = 1;
                }
            }
            if (!have_in || !have_out)
                return glia_error_set(err, GLIA_EINVAL, pp, "needs both input and target");
        }
        cfg->task.count = (int)n;
    }
    return 0;
}

/* Walk one object of the document: `path` is its pointer within the config. */
static int apply_object(glia_config_t *cfg, const json_t *obj, const char *path,
                        const char *base, glia_error_t *err)
{
    const char *key;
    json_t *val;

    if (!json_is_object(obj)) {
        char where[GLIA_FIELD_MAX];
        snprintf(where, sizeof(where), "%s%s", base, path);
        return glia_error_set(err, GLIA_EINVAL, where, "must be an object, not %s",
                              glia_json_type_name(obj));
    }
    json_object_foreach((json_t *)obj, key, val) {
        char sub[GLIA_FIELD_MAX], where[GLIA_FIELD_MAX];
        const glia_config_field_t *f;
        int rc;

        snprintf(sub, sizeof(sub), "%s", path);
        glia_json_pointer_append(sub, sizeof(sub), key);
        snprintf(where, sizeof(where), "%s%s", base, sub);
        if (strcmp(sub, "/task") == 0)
            rc = apply_task(cfg, val, where, base, err);
        else if ((f = glia_config_field_find(sub)) != NULL)
            rc = set_field(cfg, f, val, where, err);
        else if (is_object_path(sub))
            rc = apply_object(cfg, val, sub, base, err);
        else
            rc = glia_error_set(err, GLIA_EINVAL, where, "unknown field");
        if (rc != 0)
            return rc;
    }
    return 0;
}

int glia_config_apply_json(glia_config_t *cfg, const json_t *overrides, const char *base,
                           glia_error_t *err)
{
    int rc;

    if (base == NULL)
        base = "";
    if ((rc = apply_object(cfg, overrides, "", base, err)) != 0)
        return rc;
    if ((rc = glia_config_validate(cfg, err)) != 0 && err != NULL) {
        char where[GLIA_FIELD_MAX];
        /* A generated task has no patterns in the document: name its spec instead. */
        if (strncmp(err->field, "/task/patterns", 14) == 0 &&
            json_object_get(json_object_get(overrides, "task"), "generate") != NULL)
            snprintf(err->field, sizeof(err->field), "/task/generate");
        snprintf(where, sizeof(where), "%s%s", base, err->field);
        snprintf(err->field, sizeof(err->field), "%s", where);
    }
    return rc;
}

int glia_config_resolve(glia_config_t *cfg, const char *preset, const char *preset_pointer,
                        const json_t *overrides, const char *overrides_pointer,
                        glia_error_t *err)
{
    if (preset != NULL) {
        if (glia_config_preset(cfg, preset) != 0)
            return glia_error_set(err, GLIA_ENOENT, preset_pointer,
                                  "unknown preset \"%.60s\"", preset);
    } else {
        glia_config_default(cfg);
    }
    if (overrides != NULL)
        return glia_config_apply_json(cfg, overrides, overrides_pointer, err);
    return glia_config_validate(cfg, err);
}

/* The object at `pointer`'s parent inside `root`, created on the way. */
static json_t *parent_object(json_t *root, const char *pointer, const char **leaf)
{
    json_t *obj = root;
    const char *seg = pointer + 1;
    const char *slash;

    while ((slash = strchr(seg, '/')) != NULL) {
        char key[64];
        json_t *next;
        snprintf(key, sizeof(key), "%.*s", (int)(slash - seg), seg);
        next = json_object_get(obj, key);
        if (next == NULL) {
            next = json_object();
            if (next == NULL || json_object_set_new(obj, key, next) != 0)
                return NULL;
        }
        obj = next;
        seg = slash + 1;
    }
    *leaf = seg;
    return obj;
}

json_t *glia_config_field_json(const glia_config_t *cfg, const glia_config_field_t *f)
{
    const char *p = (const char *)cfg + f->offset;
    int iv;
    double dv;

    switch (f->type) {
    case GLIA_FIELD_INT:
        memcpy(&iv, p, sizeof(iv));
        return json_integer(iv);
    case GLIA_FIELD_DOUBLE:
        memcpy(&dv, p, sizeof(dv));
        return json_real(dv);
    case GLIA_FIELD_BOOL:
        memcpy(&iv, p, sizeof(iv));
        return json_boolean(iv);
    case GLIA_FIELD_ENUM:
        memcpy(&iv, p, sizeof(iv));
        return json_string(f->names[iv]);
    }
    return NULL;
}

json_t *glia_config_to_json(const glia_config_t *cfg)
{
    json_t *root = json_object(), *task, *pats;

    if (root == NULL)
        return NULL;
    for (const glia_config_field_t *f = glia_config_fields; f->pointer; f++) {
        const char *leaf;
        json_t *obj = parent_object(root, f->pointer, &leaf), *v;
        if (obj == NULL)
            goto fail;
        v = glia_config_field_json(cfg, f);
        if (v == NULL || json_object_set_new(obj, leaf, v) != 0)
            goto fail;
    }
    task = json_object();
    pats = json_array();
    if (task == NULL || pats == NULL || json_object_set_new(root, "task", task) != 0 ||
        json_object_set_new(task, "patterns", pats) != 0)
        goto fail;
    for (int i = 0; i < cfg->task.count; i++) {
        char in[GLIA_MAX_WIDTH + 1], out[GLIA_MAX_WIDTH + 1];
        glia_pattern_format(cfg->task.patterns[i].input, cfg->task.input_width, in);
        glia_pattern_format(cfg->task.patterns[i].target, cfg->task.target_width, out);
        if (json_array_append_new(pats, json_pack("{ssss}", "input", in, "target", out)) != 0)
            goto fail;
    }
    return root;

fail:
    json_decref(root);
    return NULL;
}
