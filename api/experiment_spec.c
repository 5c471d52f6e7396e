/* experiment_spec.c: a study body (POST /v1/experiments, an offline experiment file) or a
 * stored document into a glia_experiment_spec_t.
 *
 * Both paths check the same things the same way (name, seeds, episodes, conditions,
 * pruning, the reference condition, the bounds every study shares), so a document is never trusted
 * more than the request that made it. Sweeps are parsed in experiment_sweep.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/experiment_internal.h"
#include "api/requests.h"

static int label_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > GLIA_LABEL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '_' || c == '-'))))
            return 0;
    }
    return 1;
}

static int parse_seeds(const json_t *v, glia_experiment_spec_t *spec, glia_error_t *err)
{
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        if (n < 1 || n > GLIA_MAX_SEEDS)
            return glia_error_set(err, GLIA_EINVAL, "/seeds", "needs 1 to %d seeds",
                                  GLIA_MAX_SEEDS);
        for (size_t i = 0; i < n; i++) {
            json_t *s = json_array_get(v, i);
            char ptr[32];
            snprintf(ptr, sizeof(ptr), "/seeds/%zu", i);
            if (!json_is_integer(s) || json_integer_value(s) < 0 ||
                json_integer_value(s) > UINT32_MAX)
                return glia_error_set(err, GLIA_EINVAL, ptr,
                                      "must be an integer in [0, 4294967295]");
            spec->seeds[i] = (uint32_t)json_integer_value(s);
            for (size_t k = 0; k < i; k++) {
                if (spec->seeds[k] == spec->seeds[i])
                    return glia_error_set(err, GLIA_EINVAL, ptr, "seed %u is listed twice",
                                          spec->seeds[i]);
            }
        }
        spec->n_seeds = (int)n;
        return 0;
    }
    if (json_is_object(v)) {
        static const char *const known[] = {"count", "base", NULL};
        json_t *count = json_object_get(v, "count"), *base = json_object_get(v, "base");
        json_int_t b = 1;
        int rc;
        if ((rc = glia_json_only_known(v, known, "/seeds", err)) != 0)
            return rc;
        if (!json_is_integer(count) || json_integer_value(count) < 1 ||
            json_integer_value(count) > GLIA_MAX_SEEDS)
            return glia_error_set(err, GLIA_EINVAL, "/seeds/count", "must be an integer in [1, %d]",
                                  GLIA_MAX_SEEDS);
        if (base != NULL) {
            if (!json_is_integer(base) || json_integer_value(base) < 0 ||
                json_integer_value(base) > UINT32_MAX)
                return glia_error_set(err, GLIA_EINVAL, "/seeds/base",
                                      "must be an integer in [0, 4294967295]");
            b = json_integer_value(base);
        }
        if (b + json_integer_value(count) - 1 > UINT32_MAX)
            return glia_error_set(err, GLIA_EINVAL, "/seeds/base",
                                  "base + count - 1 exceeds 4294967295");
        spec->n_seeds = (int)json_integer_value(count);
        for (int i = 0; i < spec->n_seeds; i++)
            spec->seeds[i] = (uint32_t)(b + i);
        return 0;
    }
    return glia_error_set(err, GLIA_EINVAL, "/seeds",
                          "must be an array of seeds or {\"count\": n, \"base\": s}");
}

/* ---- conditions listed by hand ----------------------------------------------------------- */

static int parse_conditions(const json_t *conds, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known_cond[] = {"label", "preset", "config", NULL};
    int rc;

    if (!json_is_array(conds) || json_array_size(conds) < 1 ||
        json_array_size(conds) > GLIA_MAX_CONDITIONS)
        return glia_error_set(err, GLIA_EINVAL, "/conditions",
                              "required (or \"sweep\"): an array of 1 to %d conditions",
                              GLIA_MAX_CONDITIONS);
    for (size_t i = 0; i < json_array_size(conds); i++) {
        json_t *c = json_array_get(conds, i), *label, *preset, *cfg;
        glia_condition_t *cond = &spec->conditions[i];
        char base[48], pp[64], cp[64], lp[64];
        const glia_preset_info_t *info = NULL;

        snprintf(base, sizeof(base), "/conditions/%zu", i);
        snprintf(pp, sizeof(pp), "%s/preset", base);
        snprintf(cp, sizeof(cp), "%s/config", base);
        snprintf(lp, sizeof(lp), "%s/label", base);
        if (!json_is_object(c))
            return glia_error_set(err, GLIA_EINVAL, base,
                                  "must be {\"label\", \"preset\"?, \"config\"?}");
        if ((rc = glia_json_only_known(c, known_cond, base, err)) != 0)
            return rc;
        label = json_object_get(c, "label");
        if (!json_is_string(label) || !label_valid(json_string_value(label)))
            return glia_error_set(err, GLIA_EINVAL, lp,
                                  "required: a label matching [a-z0-9][a-z0-9_-]{0,23}");
        snprintf(cond->label, sizeof(cond->label), "%s", json_string_value(label));
        for (size_t k = 0; k < i; k++) {
            if (strcmp(spec->conditions[k].label, cond->label) == 0)
                return glia_error_set(err, GLIA_EINVAL, lp, "label \"%s\" is used twice",
                                      cond->label);
        }
        preset = json_object_get(c, "preset");
        if (preset != NULL) {
            if (!json_is_string(preset) ||
                (info = glia_preset_find(json_string_value(preset))) == NULL)
                return glia_error_set(err, GLIA_EINVAL, pp,
                                      json_is_string(preset)
                                          ? "unknown preset \"%.40s\"; GET /v1/presets lists them"
                                          : "must be a preset name, not %s",
                                      json_is_string(preset) ? json_string_value(preset)
                                                             : glia_json_type_name(preset));
            snprintf(cond->preset, sizeof(cond->preset), "%s", info->name);
        }
        cfg = json_object_get(c, "config");
        if (cfg != NULL && !json_is_object(cfg))
            return glia_error_set(err, GLIA_EINVAL, cp, "must be an object");
        if (glia_config_resolve(&cond->config, info ? info->name : NULL, pp, cfg, cp, err) != 0)
            return GLIA_EINVAL;
    }
    spec->n_conditions = (int)json_array_size(conds);
    return 0;
}

/* ---- pruning ----------------------------------------------------------------------------- */

static int parse_prune(const json_t *p, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known[] = {"rungs", "keep", NULL};
    json_t *rungs, *keep;
    int rc;

    if (!json_is_object(p))
        return glia_error_set(err, GLIA_EINVAL, "/prune",
                              "must be {\"rungs\": [episodes...], \"keep\": fraction}");
    if ((rc = glia_json_only_known(p, known, "/prune", err)) != 0)
        return rc;
    rungs = json_object_get(p, "rungs");
    keep = json_object_get(p, "keep");
    if (!json_is_array(rungs) || json_array_size(rungs) < 1 ||
        json_array_size(rungs) > GLIA_MAX_RUNGS)
        return glia_error_set(err, GLIA_EINVAL, "/prune/rungs",
                              "required: an array of 1 to %d episode counts", GLIA_MAX_RUNGS);
    for (size_t i = 0; i < json_array_size(rungs); i++) {
        json_t *r = json_array_get(rungs, i);
        char where[48];
        snprintf(where, sizeof(where), "/prune/rungs/%zu", i);
        if (!json_is_integer(r) || json_integer_value(r) < 1 ||
            (uint64_t)json_integer_value(r) >= spec->episodes)
            return glia_error_set(err, GLIA_EINVAL, where,
                                  "must be an integer in [1, episodes - 1] = [1, %llu]",
                                  (unsigned long long)spec->episodes - 1);
        spec->rungs[i] = (uint64_t)json_integer_value(r);
        if (i > 0 && spec->rungs[i] <= spec->rungs[i - 1])
            return glia_error_set(err, GLIA_EINVAL, where, "rungs must increase");
    }
    if (!json_is_number(keep) || !(json_number_value(keep) > 0.0) ||
        !(json_number_value(keep) < 1.0))
        return glia_error_set(err, GLIA_EINVAL, "/prune/keep",
                              "required: the fraction of conditions kept at each rung, in (0, 1)");
    if (spec->n_conditions < 2)
        return glia_error_set(err, GLIA_EINVAL, "/prune", "pruning needs at least 2 conditions");
    if (spec->budget_queries > 0)
        return glia_error_set(err, GLIA_EINVAL, "/prune",
                              "a study runs to a budget or prunes at episodes, not both");
    spec->n_rungs = (int)json_array_size(rungs);
    spec->keep = json_number_value(keep);
    return 0;
}

/* ---- a budget of reward queries ------------------------------------------------------- */

static int parse_budget(const json_t *b, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known[] = {"reward_queries", NULL};
    json_t *n;
    int rc;

    if (!json_is_object(b))
        return glia_error_set(err, GLIA_EINVAL, "/budget", "must be {\"reward_queries\": n}");
    if ((rc = glia_json_only_known(b, known, "/budget", err)) != 0)
        return rc;
    n = json_object_get(b, "reward_queries");
    if (!json_is_integer(n) || json_integer_value(n) < 1 ||
        json_integer_value(n) > GLIA_MAX_BUDGET_QUERIES)
        return glia_error_set(err, GLIA_EINVAL, "/budget/reward_queries",
                              "required: an integer in [1, %lld]", GLIA_MAX_BUDGET_QUERIES);
    spec->budget_queries = (uint64_t)json_integer_value(n);
    return 0;
}

/* A budget without "episodes": the cap is the episodes in which one reward query per
 * step would spend it (every learner that steps asks at least one), for the condition
 * with the shortest episodes. A condition that asks none would never stop. */
static int budget_cap(glia_experiment_spec_t *spec, glia_error_t *err)
{
    uint64_t cap = 1;

    for (int i = 0; i < spec->n_conditions; i++) {
        const glia_config_t *cfg = &spec->conditions[i].config;
        const uint64_t spe = (uint64_t)cfg->training.steps_per_episode;
        const uint64_t need = (spec->budget_queries + spe - 1) / spe;
        char where[48];
        snprintf(where, sizeof(where), "/conditions/%d", i);
        if (cfg->learner.kind == GLIA_LEARNER_CONTROL)
            return glia_error_set(err, GLIA_EINVAL, where,
                                  "control asks no reward queries: a budget never stops it "
                                  "(give \"episodes\" too, to cap the runs)");
        cap = need > cap ? need : cap;
    }
    if (cap > GLIA_MAX_EXPERIMENT_EPISODES)
        return glia_error_set(err, GLIA_EINVAL, "/budget/reward_queries",
                              "needs up to %llu episodes, more than a study runs (%d): give a "
                              "smaller budget, or \"episodes\" to cap the runs",
                              (unsigned long long)cap, GLIA_MAX_EXPERIMENT_EPISODES);
    spec->episodes = cap;
    return 0;
}

/* ---- the reference condition ------------------------------------------------------------ */

/* "reference" (may be NULL: none): the label of one of spec's conditions. */
static int parse_reference(const json_t *v, glia_experiment_spec_t *spec, glia_error_t *err)
{
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return glia_error_set(err, GLIA_EINVAL, "/reference",
                              "must be the label of one of the conditions, not %s",
                              glia_json_type_name(v));
    for (int i = 0; i < spec->n_conditions; i++) {
        if (strcmp(spec->conditions[i].label, json_string_value(v)) == 0) {
            snprintf(spec->reference, sizeof(spec->reference), "%s", spec->conditions[i].label);
            return 0;
        }
    }
    return glia_error_set(err, GLIA_EINVAL, "/reference",
                          "\"%.40s\" is not the label of one of the conditions",
                          json_string_value(v));
}

/* Bounds every study shares, however it was given: runs, and session names that fit. */
static int check_study(const glia_experiment_spec_t *spec, glia_error_t *err)
{
    long runs = (long)spec->n_conditions * spec->n_seeds;

    if (runs > GLIA_MAX_RUNS)
        return glia_error_set(err, GLIA_EINVAL, "",
                              "the study has %d conditions x %d seeds = %ld runs; a study holds at "
                              "most %d runs",
                              spec->n_conditions, spec->n_seeds, runs, GLIA_MAX_RUNS);
    for (int i = 0; i < spec->n_conditions; i++) {
        for (int k = 0; k < spec->n_seeds; k++) {
            char name[128];
            snprintf(name, sizeof(name), "%s.%s.%u", spec->name, spec->conditions[i].label,
                     spec->seeds[k]);
            if (strlen(name) > GLIA_NAME_MAX)
                return glia_error_set(err, GLIA_EINVAL, "/name",
                                      "too long: session name \"%s\" exceeds %d characters", name,
                                      GLIA_NAME_MAX);
        }
    }
    return 0;
}

/* name, description and episodes: the same members in a request and a document. */
static int parse_head(const json_t *body, glia_experiment_spec_t *spec, glia_error_t *err)
{
    const json_t *v = json_object_get(body, "name");

    if (!json_is_string(v) || !glia_name_valid(json_string_value(v)))
        return glia_error_set(err, GLIA_EINVAL, "/name",
                              "required: a name matching [a-z0-9][a-z0-9._-]{0,63}");
    snprintf(spec->name, sizeof(spec->name), "%s", json_string_value(v));
    if (strcmp(spec->name, "templates") == 0)
        return glia_error_set(err, GLIA_EINVAL, "/name",
                              "\"templates\" is reserved (GET /v1/experiments/templates)");
    v = json_object_get(body, "description");
    if (v != NULL && (!json_is_string(v) || json_string_length(v) > GLIA_DESCRIPTION_MAX ||
                      strlen(json_string_value(v)) != json_string_length(v)))
        return glia_error_set(err, GLIA_EINVAL, "/description",
                              "must be a string of at most %d bytes", GLIA_DESCRIPTION_MAX);
    if (v != NULL) {
        spec->has_description = 1;
        snprintf(spec->description, sizeof(spec->description), "%s", json_string_value(v));
    }
    v = json_object_get(body, "episodes");
    if (json_object_get(body, "budget") != NULL && v == NULL) {
        /* capped by budget_cap once the conditions are known */
    } else if (!json_is_integer(v) || json_integer_value(v) < 1 ||
               json_integer_value(v) > GLIA_MAX_EXPERIMENT_EPISODES)
        return glia_error_set(err, GLIA_EINVAL, "/episodes",
                              v == NULL ? "required: an integer in [1, %d]"
                                        : "must be an integer in [1, %d]",
                              GLIA_MAX_EXPERIMENT_EPISODES);
    else
        spec->episodes = (uint64_t)json_integer_value(v);
    if ((v = json_object_get(body, "budget")) != NULL) {
        int rc = parse_budget(v, spec, err);
        if (rc != 0)
            return rc;
    }
    if ((v = json_object_get(body, "seeds")) == NULL)
        return glia_error_set(err, GLIA_EINVAL, "/seeds", "required: [seeds] or {\"count\": n}");
    return parse_seeds(v, spec, err);
}

int glia_experiment_parse(const json_t *body, glia_experiment_spec_t *spec, glia_error_t *err)
{
    static const char *const known[] = {"name",   "description", "conditions", "base",
                                        "sweep",  "prune",       "seeds",      "episodes",
                                        "budget", "reference",   NULL};
    const json_t *sweep, *prune;
    int rc;

    memset(spec, 0, sizeof(*spec));
    if (!json_is_object(body))
        return glia_error_set(err, GLIA_EINVAL, "", "the body must be a JSON object");
    if ((rc = glia_json_only_known(body, known, "", err)) != 0)
        return rc;
    if ((rc = parse_head(body, spec, err)) != 0)
        return rc;
    sweep = json_object_get(body, "sweep");
    if (sweep != NULL) {
        if (json_object_get(body, "conditions") != NULL)
            return glia_error_set(err, GLIA_EINVAL, "/conditions",
                                  "a study lists its conditions or sweeps them, not both");
        rc = glia__experiment_parse_sweep(sweep, json_object_get(body, "base"), spec, err);
    } else if (json_object_get(body, "base") != NULL) {
        return glia_error_set(err, GLIA_EINVAL, "/base",
                              "\"base\" goes with \"sweep\"; conditions carry their own preset and "
                              "config");
    } else {
        rc = parse_conditions(json_object_get(body, "conditions"), spec, err);
    }
    if (rc != 0)
        return rc;
    if (spec->episodes == 0 && (rc = budget_cap(spec, err)) != 0)
        return rc;
    if ((prune = json_object_get(body, "prune")) != NULL &&
        (rc = parse_prune(prune, spec, err)) != 0)
        return rc;
    if ((rc = parse_reference(json_object_get(body, "reference"), spec, err)) != 0)
        return rc;
    return check_study(spec, err);
}

/* ---- stored documents -------------------------------------------------------------------- */

int glia_experiment_spec_from_doc(const json_t *doc, glia_experiment_spec_t *spec,
                                  glia_error_t *err)
{
    json_t *conds = json_object_get(doc, "conditions"), *sweep = json_object_get(doc, "sweep");
    json_t *prune = json_object_get(doc, "prune");
    int rc;

    memset(spec, 0, sizeof(*spec));
    if (!json_is_object(doc))
        return glia_error_set(err, GLIA_EINVAL, "", "not an experiment document");
    if ((rc = parse_head(doc, spec, err)) != 0)
        return rc;
    if (!json_is_array(conds) || json_array_size(conds) < 1 ||
        json_array_size(conds) > GLIA_MAX_CONDITIONS)
        return glia_error_set(err, GLIA_EINVAL, "/conditions",
                              "must be an array of 1 to %d conditions", GLIA_MAX_CONDITIONS);
    spec->n_conditions = (int)json_array_size(conds);
    for (int i = 0; i < spec->n_conditions; i++) {
        json_t *c = json_array_get(conds, (size_t)i), *label = json_object_get(c, "label");
        json_t *preset = json_object_get(c, "preset");
        glia_condition_t *cond = &spec->conditions[i];
        const glia_preset_info_t *info;
        char where[64];

        snprintf(where, sizeof(where), "/conditions/%d/label", i);
        if (!json_is_string(label) || !label_valid(json_string_value(label)))
            return glia_error_set(err, GLIA_EINVAL, where, "must be a label");
        snprintf(cond->label, sizeof(cond->label), "%s", json_string_value(label));
        for (int k = 0; k < i; k++) {
            if (strcmp(spec->conditions[k].label, cond->label) == 0)
                return glia_error_set(err, GLIA_EINVAL, where, "label \"%s\" is used twice",
                                      cond->label);
        }
        if (json_is_string(preset)) {
            snprintf(where, sizeof(where), "/conditions/%d/preset", i);
            if ((info = glia_preset_find(json_string_value(preset))) == NULL)
                return glia_error_set(err, GLIA_EINVAL, where, "unknown preset \"%.40s\"",
                                      json_string_value(preset));
            snprintf(cond->preset, sizeof(cond->preset), "%s", info->name);
        }
        snprintf(where, sizeof(where), "/conditions/%d/config", i);
        glia_config_default(&cond->config);
        if (!json_is_object(json_object_get(c, "config")))
            return glia_error_set(err, GLIA_EINVAL, where, "must be an object");
        if (glia_config_apply_json(&cond->config, json_object_get(c, "config"), where, err) != 0)
            return GLIA_EINVAL;
    }
    if (sweep != NULL) {
        const char *kind = json_string_value(json_object_get(sweep, "kind"));
        json_t *fields = json_object_get(sweep, "fields");
        if (kind == NULL || (strcmp(kind, "grid") != 0 && strcmp(kind, "random") != 0))
            return glia_error_set(err, GLIA_EINVAL, "/sweep/kind", "must be grid or random");
        spec->sweep_kind = strcmp(kind, "grid") == 0 ? GLIA_SWEEP_GRID : GLIA_SWEEP_RANDOM;
        if (!json_is_array(fields) || json_array_size(fields) < 1 ||
            json_array_size(fields) > GLIA_MAX_SWEPT)
            return glia_error_set(err, GLIA_EINVAL, "/sweep/fields", "must be 1 to %d pointers",
                                  GLIA_MAX_SWEPT);
        for (size_t f = 0; f < json_array_size(fields); f++) {
            const char *p = json_string_value(json_array_get(fields, f));
            if (p == NULL || glia__experiment_swept_field(spec, p, "/sweep/fields", err) == NULL)
                return glia_error_set(err, GLIA_EINVAL, "/sweep/fields", "must name config fields");
        }
        if (spec->sweep_kind == GLIA_SWEEP_RANDOM) {
            json_t *n = json_object_get(sweep, "samples"), *s = json_object_get(sweep, "seed");
            if (!json_is_integer(n) || json_integer_value(n) != spec->n_conditions ||
                !json_is_integer(s) || json_integer_value(s) < 0 ||
                json_integer_value(s) > UINT32_MAX)
                return glia_error_set(err, GLIA_EINVAL, "/sweep", "samples and seed do not fit");
            spec->samples = (int)json_integer_value(n);
            spec->sweep_seed = (uint32_t)json_integer_value(s);
        }
    }
    if (prune != NULL && (rc = parse_prune(prune, spec, err)) != 0)
        return rc;
    if ((rc = parse_reference(json_object_get(doc, "reference"), spec, err)) != 0)
        return rc;
    return check_study(spec, err);
}
