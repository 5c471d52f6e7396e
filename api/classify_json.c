/* classify_json.c: classification configs and scores <-> JSON (classify_json.h). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "api/classify_json.h"
#include "api/config_json.h"

enum { F_INT, F_U32, F_U64, F_DOUBLE, F_ENUM };

typedef struct field {
    const char *section, *key;
    int type;
    size_t offset;
    const char *const *names;
} field_t;

#define FIELD(sec, key, type, member, names) \
    {sec, key, type, offsetof(glia_cls_config_t, member), names}
static const field_t fields[] = {
    FIELD("encoding", "kind", F_ENUM, encoding.kind, glia_cls_encoding_names),
    FIELD("encoding", "threshold", F_DOUBLE, encoding.threshold, NULL),
    FIELD("encoding", "levels", F_INT, encoding.levels, NULL),
    FIELD("split", "test_fraction", F_DOUBLE, split.test_fraction, NULL),
    FIELD("split", "seed", F_U32, split.seed, NULL),
    FIELD("network", "hidden", F_INT, network.hidden, NULL),
    FIELD("network", "territory_size", F_INT, network.territory_size, NULL),
    FIELD("network", "p_in", F_DOUBLE, network.p_in, NULL),
    FIELD("network", "p_out", F_DOUBLE, network.p_out, NULL),
    FIELD("network", "weight_init", F_DOUBLE, network.weight_init, NULL),
    FIELD("network", "threshold_init", F_DOUBLE, network.threshold_init, NULL),
    FIELD("learner", "kind", F_ENUM, learner.kind, glia_cls_learner_names),
    FIELD("learner", "sigma", F_DOUBLE, learner.sigma, NULL),
    FIELD("learner", "threshold_std", F_DOUBLE, learner.threshold_std, NULL),
    FIELD("learner", "clamp", F_DOUBLE, learner.clamp, NULL),
    FIELD("training", "reward", F_ENUM, training.reward, glia_cls_reward_names),
    FIELD("training", "margin_scale", F_DOUBLE, training.margin_scale, NULL),
    FIELD("training", "steps", F_U64, training.steps, NULL),
    FIELD("training", "eval_interval", F_U64, training.eval_interval, NULL),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *const sections[] = {"encoding", "split", "network", "learner", "training"};

static const field_t *find(const char *section, const char *key)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (!strcmp(fields[i].section, section) && !strcmp(fields[i].key, key))
            return &fields[i];
    return NULL;
}

static int set(glia_cls_config_t *cfg, const field_t *f, const json_t *v, const char *where,
               glia_error_t *err)
{
    char *p = (char *)cfg + f->offset;
    switch (f->type) {
    case F_ENUM: {
        const char *s = json_string_value(v);
        for (int i = 0; s && f->names[i]; i++)
            if (!strcmp(s, f->names[i])) {
                memcpy(p, &i, sizeof i);
                return 0;
            }
        char list[160] = "";
        for (int i = 0; f->names[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     f->names[i]);
        if (!s)
            return glia_error_set(err, GLIA_EINVAL, where, "must be a string (%s), not %s",
                                  list, glia_json_type_name(v));
        return glia_error_set(err, GLIA_EINVAL, where, "\"%.40s\" is not one of: %s", s, list);
    }
    case F_DOUBLE: {
        if (!json_is_number(v))
            return glia_error_set(err, GLIA_EINVAL, where, "must be a number, not %s",
                                  glia_json_type_name(v));
        double d = json_number_value(v);
        memcpy(p, &d, sizeof d);
        return 0;
    }
    default: {
        json_int_t hi = f->type == F_INT ? 2147483647 : f->type == F_U32 ? 4294967295ll
                                                                          : (json_int_t)1e15;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > hi)
            return glia_error_set(err, GLIA_EINVAL, where,
                                  "must be a non-negative integer up to %lld, not %s",
                                  (long long)hi,
                                  json_is_integer(v) ? "that" : glia_json_type_name(v));
        json_int_t iv = json_integer_value(v);
        if (f->type == F_INT) {
            int i = (int)iv;
            memcpy(p, &i, sizeof i);
        } else if (f->type == F_U32) {
            uint32_t u = (uint32_t)iv;
            memcpy(p, &u, sizeof u);
        } else {
            uint64_t u = (uint64_t)iv;
            memcpy(p, &u, sizeof u);
        }
        return 0;
    }
    }
}

static int is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static int apply_dataset(glia_cls_dataset_ref_t *ref, const json_t *v, const char *base,
                         glia_error_t *err)
{
    char where[GLIA_FIELD_MAX];
    const char *key;
    const json_t *x;
    snprintf(where, sizeof where, "%s/dataset", base);
    if (!json_is_object(v))
        return glia_error_set(err, GLIA_EINVAL, where, "must be an object {\"name\", \"hash\"}");
    json_object_foreach((json_t *)v, key, x) {
        snprintf(where, sizeof where, "%s/dataset", base);
        glia_json_pointer_append(where, sizeof where, key);
        const char *s = json_string_value(x);
        if (!strcmp(key, "name")) {
            if (!s || !*s || strlen(s) > GLIA_CLS_NAME_MAX)
                return glia_error_set(err, GLIA_EINVAL, where,
                                      "must be a dataset's name (1 to %d characters)",
                                      GLIA_CLS_NAME_MAX);
            snprintf(ref->name, sizeof ref->name, "%s", s);
        } else if (!strcmp(key, "hash")) {
            if (!s || !is_hex64(s))
                return glia_error_set(err, GLIA_EINVAL, where,
                                      "must be the dataset's SHA-256, 64 lowercase hex digits");
            snprintf(ref->hash, sizeof ref->hash, "%s", s);
        } else {
            return glia_error_set(err, GLIA_EINVAL, where, "is not a field (name, hash)");
        }
    }
    return 0;
}

int glia_cls_config_apply_json(glia_cls_config_t *cfg, glia_cls_dataset_ref_t *ref,
                               const json_t *doc, const char *base, glia_error_t *err)
{
    char where[GLIA_FIELD_MAX];
    const char *sk, *key;
    const json_t *sv, *v;
    if (!json_is_object(doc))
        return glia_error_set(err, GLIA_EINVAL, base, "must be an object, not %s",
                              glia_json_type_name(doc));
    json_object_foreach((json_t *)doc, sk, sv) {
        snprintf(where, sizeof where, "%s", base);
        glia_json_pointer_append(where, sizeof where, sk);
        if (!strcmp(sk, "dataset")) {
            if (apply_dataset(ref, sv, base, err))
                return GLIA_EINVAL;
            continue;
        }
        int known = 0;
        for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
            known |= !strcmp(sk, sections[i]);
        if (!known)
            return glia_error_set(err, GLIA_EINVAL, where,
                                  "is not a field (dataset, encoding, split, network, learner, "
                                  "training)");
        if (!json_is_object(sv))
            return glia_error_set(err, GLIA_EINVAL, where, "must be an object, not %s",
                                  glia_json_type_name(sv));
        json_object_foreach((json_t *)sv, key, v) {
            char at[GLIA_FIELD_MAX];
            snprintf(at, sizeof at, "%s", where);
            glia_json_pointer_append(at, sizeof at, key);
            const field_t *f = find(sk, key);
            if (!f)
                return glia_error_set(err, GLIA_EINVAL, at, "is not a field of %s", sk);
            if (set(cfg, f, v, at, err))
                return GLIA_EINVAL;
        }
    }
    glia_error_t inner;
    glia_error_clear(&inner);
    if (glia_cls_config_validate(cfg, &inner)) {
        snprintf(where, sizeof where, "%s%s", base, inner.field);
        return glia_error_set(err, GLIA_EINVAL, where, "%s", inner.message);
    }
    if (!ref->name[0])
        return glia_error_set(err, GLIA_EINVAL, *base ? base : "/dataset",
                              "names no dataset: add {\"dataset\": {\"name\": ...}}");
    return 0;
}

json_t *glia_cls_config_to_json(const glia_cls_config_t *cfg, const glia_cls_dataset_ref_t *ref)
{
    json_t *doc = json_object(), *ds = json_object();
    if (!doc || !ds)
        goto oom;
    json_object_set_new(ds, "name", json_string(ref->name));
    if (ref->hash[0])
        json_object_set_new(ds, "hash", json_string(ref->hash));
    json_object_set_new(doc, "dataset", ds);
    ds = NULL;
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        json_t *sec = json_object();
        if (!sec || json_object_set_new(doc, sections[s], sec))
            goto oom;
        for (size_t i = 0; i < NFIELDS; i++) {
            const field_t *f = &fields[i];
            const char *p = (const char *)cfg + f->offset;
            json_t *v;
            if (strcmp(f->section, sections[s]))
                continue;
            if (f->type == F_ENUM) {
                int e;
                memcpy(&e, p, sizeof e);
                v = json_string(f->names[e]);
            } else if (f->type == F_DOUBLE) {
                double d;
                memcpy(&d, p, sizeof d);
                v = json_real(d);
            } else if (f->type == F_INT) {
                int e;
                memcpy(&e, p, sizeof e);
                v = json_integer(e);
            } else if (f->type == F_U32) {
                uint32_t u;
                memcpy(&u, p, sizeof u);
                v = json_integer(u);
            } else {
                uint64_t u;
                memcpy(&u, p, sizeof u);
                v = json_integer((json_int_t)u);
            }
            if (!v || json_object_set_new(sec, f->key, v))
                goto oom;
        }
    }
    return doc;
oom:
    json_decref(ds);
    json_decref(doc);
    return NULL;
}

const char *const glia_cls_preset_names[] = {"digits",        "iris", "wine",
                                             "breast-cancer", "fashion-mnist", NULL};

int glia_cls_preset(const char *name, glia_cls_config_t *cfg, glia_cls_dataset_ref_t *ref)
{
    int i = 0;
    while (glia_cls_preset_names[i] && strcmp(glia_cls_preset_names[i], name))
        i++;
    if (!glia_cls_preset_names[i])
        return GLIA_ENOENT;
    glia_cls_config_default(cfg);
    memset(ref, 0, sizeof *ref);
    snprintf(ref->name, sizeof ref->name, "%s", name);
    switch (i) {
    case 0: /* digits: 0..16 grey levels */
        cfg->encoding.kind = GLIA_CLS_ENC_GLOBAL;
        cfg->encoding.threshold = 7.5;
        cfg->network.hidden = 1024;
        cfg->network.territory_size = 2;
        cfg->learner.sigma = 0.2;
        cfg->learner.threshold_std = 0.2;
        cfg->training.reward = GLIA_CLS_MARGIN;
        cfg->training.margin_scale = 30;
        cfg->training.steps = 100000;
        break;
    case 1: /* iris, wine, breast cancer: real-valued features */
    case 2:
    case 3:
        cfg->encoding.kind = GLIA_CLS_ENC_THERMOMETER;
        cfg->encoding.levels = 8;
        cfg->network.hidden = 64;
        cfg->network.p_in = 0.5;
        cfg->training.steps = 20000;
        cfg->training.eval_interval = 2000;
        break;
    default: /* fashion-mnist: 0..255 */
        cfg->encoding.kind = GLIA_CLS_ENC_GLOBAL;
        cfg->encoding.threshold = 127.5;
        cfg->split.test_fraction = 1.0 / 7.0;
        cfg->network.hidden = 1024;
        cfg->network.p_in = 0.05;
        cfg->training.steps = 200000;
        cfg->training.eval_interval = 10000;
        break;
    }
    return 0;
}

json_t *glia_cls_score_to_json(const glia_cls_score_t *s, int with_matrix)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "reward", json_real(s->reward));
    json_object_set_new(o, "train_accuracy", json_real(s->train_accuracy));
    json_object_set_new(o, "test_accuracy", json_real(s->test_accuracy));
    json_object_set_new(o, "test_balanced_accuracy", json_real(s->test_balanced));
    if (with_matrix) {
        json_t *per = json_array(), *m = json_array();
        for (uint32_t y = 0; y < s->classes; y++) {
            json_t *row = json_array();
            uint32_t n = 0;
            for (uint32_t k = 0; k < s->classes; k++) {
                n += s->confusion[y * s->classes + k];
                json_array_append_new(row, json_integer(s->confusion[y * s->classes + k]));
            }
            json_array_append_new(m, row);
            json_array_append_new(per, n ? json_real((double)s->confusion[y * s->classes + y] / n)
                                         : json_null());
        }
        json_object_set_new(o, "test_per_class", per);
        json_object_set_new(o, "confusion", m);
    }
    return o;
}
