/* experiment_doc.c: the experiment document, its study hash, shards, session names and
 * records.
 *
 * The document holds everything that decides the runs in a fixed member order; "study" is
 * the SHA-256 of its compact text, so two documents of the same study hash the same and
 * shards can be merged safely. Records go in canonical order (conditions, then seeds) so
 * documents built from the same runs print the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/experiment_internal.h"
#include "api/json_write.h"
#include "api/result_json.h"
#include "api/sha256.h"
#include "core/rng.h"

#define GLIA_SHARD_SEED 0x5eed5u /* the shuffle that deals runs to shards; fixed */

/* ---- the document ------------------------------------------------------------------------ */

/* Everything that decides the runs, in a fixed member order: what "study" hashes. */
static json_t *study_json(const glia_experiment_spec_t *spec)
{
    json_t *doc = json_object(), *seeds = json_array(), *conds = json_array();

    if (doc == NULL || seeds == NULL || conds == NULL) {
        json_decref(doc);
        json_decref(seeds);
        json_decref(conds);
        return NULL;
    }
    json_object_set_new(doc, "name", json_string(spec->name));
    if (spec->has_description)
        json_object_set_new(doc, "description", json_string(spec->description));
    json_object_set_new(doc, "episodes", json_integer((json_int_t)spec->episodes));
    if (spec->budget_queries > 0) /* only then: the hashes of other studies stay */
        json_object_set_new(doc, "budget",
                            json_pack("{s:I}", "reward_queries", (json_int_t)spec->budget_queries));
    for (int k = 0; k < spec->n_seeds; k++)
        json_array_append_new(seeds, json_integer(spec->seeds[k]));
    json_object_set_new(doc, "seeds", seeds);
    for (int i = 0; i < spec->n_conditions; i++) {
        const glia_condition_t *c = &spec->conditions[i];
        json_t *o = json_pack("{s:s}", "label", c->label);
        if (o == NULL)
            continue;
        if (c->preset[0])
            json_object_set_new(o, "preset", json_string(c->preset));
        if (spec->n_swept > 0) {
            json_t *values = json_object();
            char title[256];
            for (int f = 0; f < spec->n_swept; f++)
                json_object_set_new(
                    values, spec->swept[f],
                    glia_config_field_json(&c->config, glia_config_field_find(spec->swept[f])));
            glia__experiment_point_title((const char(*)[GLIA_FIELD_MAX])spec->swept, spec->n_swept,
                                         &c->config, title, sizeof(title));
            json_object_set_new(o, "title", json_string(title));
            json_object_set_new(o, "values", values);
        }
        json_object_set_new(o, "config", glia_config_to_json(&c->config));
        json_array_append_new(conds, o);
    }
    json_object_set_new(doc, "conditions", conds);
    if (spec->sweep_kind != GLIA_SWEEP_NONE) {
        json_t *fields = json_array();
        for (int f = 0; f < spec->n_swept; f++)
            json_array_append_new(fields, json_string(spec->swept[f]));
        if (spec->sweep_kind == GLIA_SWEEP_GRID)
            json_object_set_new(doc, "sweep",
                                json_pack("{s:s, s:o}", "kind", "grid", "fields", fields));
        else
            json_object_set_new(doc, "sweep",
                                json_pack("{s:s, s:o, s:i, s:I}", "kind", "random", "fields",
                                          fields, "samples", spec->samples, "seed",
                                          (json_int_t)spec->sweep_seed));
    }
    if (spec->n_rungs > 0) {
        json_t *rungs = json_array();
        for (int r = 0; r < spec->n_rungs; r++)
            json_array_append_new(rungs, json_integer((json_int_t)spec->rungs[r]));
        json_object_set_new(doc, "prune",
                            json_pack("{s:o, s:f}", "rungs", rungs, "keep", spec->keep));
    }
    if (spec->reference[0]) /* only then, like the budget: other studies keep their hash */
        json_object_set_new(doc, "reference", json_string(spec->reference));
    return doc;
}

json_t *glia_experiment_doc_new(const glia_experiment_spec_t *spec)
{
    json_t *doc = study_json(spec);
    char *text, hex[GLIA_SHA256_HEX], study[80];
    size_t len;

    if (doc == NULL || (text = glia_json_dumps(doc, GLIA_JSON_COMPACT, &len)) == NULL) {
        json_decref(doc);
        return NULL;
    }
    glia_sha256_hex(text, len, hex);
    free(text);
    snprintf(study, sizeof(study), "sha256:%s", hex);
    if (json_object_set_new(doc, "study", json_string(study)) != 0 ||
        json_object_set_new(doc, "records", json_object()) != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- shards and session names ------------------------------------------------------------ */

int glia_experiment_shards(int n_runs, int n_shards, int *shard_of)
{
    int *perm = malloc((size_t)(n_runs > 0 ? n_runs : 1) * sizeof(int));
    glia_rng_t rng;

    if (perm == NULL)
        return GLIA_ENOMEM;
    for (int i = 0; i < n_runs; i++)
        perm[i] = i;
    /* A fixed shuffle (Fisher-Yates), so no shard holds one condition's runs only. */
    glia_rng_seed(&rng, GLIA_RNG_XOSHIRO256SS, GLIA_SHARD_SEED);
    for (int i = n_runs - 1; i > 0; i--) {
        int j = (int)(glia_rng_next(&rng) * (i + 1)), t;
        if (j > i)
            j = i;
        t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int pos = 0; pos < n_runs; pos++)
        shard_of[perm[pos]] = pos % n_shards;
    free(perm);
    return 0;
}

void glia_experiment_session_name(const char *experiment, const char *label, uint32_t seed,
                                  char *out, size_t size)
{
    /* glia_experiment_parse checked that every such name fits GLIA_NAME_MAX. */
    if (snprintf(out, size, "%s.%s.%u", experiment, label, seed) >= (int)size)
        out[size - 1] = '\0';
}

/* ---- records ----------------------------------------------------------------------------- */

int glia_experiment_set_records(json_t *doc, const json_t *found)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    json_t *records = json_object();

    if (records == NULL)
        return GLIA_ENOMEM;
    for (size_t i = 0; i < json_array_size(conds); i++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        json_t *src = json_object_get(found, label), *dst;
        if (label == NULL || !json_is_object(src) || json_object_size(src) == 0)
            continue;
        if ((dst = json_object()) == NULL || json_object_set_new(records, label, dst) != 0)
            goto fail;
        for (size_t k = 0; k < json_array_size(seeds); k++) {
            char key[24];
            json_t *r;
            snprintf(key, sizeof(key), "%lld",
                     (long long)json_integer_value(json_array_get(seeds, k)));
            if ((r = json_object_get(src, key)) != NULL && json_object_set(dst, key, r) != 0)
                goto fail;
        }
    }
    if (json_object_set_new(doc, "records", records) != 0)
        return GLIA_ENOMEM;
    return 0;
fail:
    json_decref(records);
    return GLIA_ENOMEM;
}

/* The accuracy levels a record times (time to 90%, 95% and 100%). */
const glia__experiment_level_t glia__experiment_levels[GLIA__EXPERIMENT_N_LEVELS] = {
    {"90", 0.9}, {"95", 0.95}, {"100", 1.0}};

/* The first trajectory point (or the last episode's point) whose inference accuracy
 * reached `level`: its episode, or with `queries` its reward queries; null when none
 * did. Accuracies are sums of fractions of bits: a level is reached within 1e-9. */
static json_t *first_at(glia_session_t *s, double level, int queries)
{
    size_t n;
    const glia_point_t *pts = glia_session_trajectory(s, &n);
    const glia_point_t *hit = NULL;
    glia_point_t last;

    for (size_t i = 0; i < n && hit == NULL; i++) {
        if (pts[i].accuracy + 1e-9 >= level)
            hit = &pts[i];
    }
    if (hit == NULL && glia_session_last_point(s, &last) == 0 && last.accuracy + 1e-9 >= level)
        hit = &last;
    if (hit == NULL)
        return json_null();
    return queries ? glia_queries_to_json(hit->reward_queries)
                   : json_integer((json_int_t)hit->episode);
}

static json_t *episodes_to(glia_session_t *s, double level)
{
    return first_at(s, level, 0);
}

json_t *glia_experiment_record(glia_session_t *s)
{
    glia_inference_t inf;
    glia_counters_t k;
    uint64_t decisions;
    json_t *pacc = json_array(), *rec;

    const glia_config_t *cfg = glia_session_config(s);
    int correct = 0;

    glia_session_inference(s, &inf);
    glia_session_counters(s, &k);
    decisions = k.accepted + k.rejected;
    for (int i = 0; i < inf.count; i++) {
        uint64_t same = ~(inf.outputs[i] ^ cfg->task.patterns[i].target);
        json_array_append_new(pacc, json_real(inf.accuracy[i]));
        for (int b = 0; b < inf.width; b++)
            correct += (int)((same >> b) & 1);
    }
    /* correct_bits is what comparisons use: two runs with the same number of correct
     * bits can have mean accuracies that differ in the last bit (summation order). The
     * reward queries (in total, and when each level was first reached) follow. */
    rec = json_pack(
        "{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:o, s:i, s:b, s:o, s:o, s:o, s:o, "
        "s:o}",
        "seed", (json_int_t)glia_session_seed(s), "episodes", (json_int_t)k.episodes, "accuracy",
        inf.mean_accuracy, "correct_bits", correct, "total_bits", inf.count * inf.width, "accepted",
        (json_int_t)k.accepted, "rejected", (json_int_t)k.rejected, "accept_rate",
        decisions ? json_real((double)k.accepted / (double)decisions) : json_null(),
        "distinct_outputs", inf.distinct_outputs, "constant_output", inf.constant_output, "outputs",
        glia_outputs_to_json(&inf), "pattern_accuracy", pacc, "episodes_to_90", episodes_to(s, 0.9),
        "episodes_to_95", episodes_to(s, 0.95), "episodes_to_100", episodes_to(s, 1.0));
    if (rec != NULL &&
        (json_object_set_new(rec, "reward_queries", glia_queries_to_json(k.reward_queries)) != 0 ||
         json_object_set_new(rec, "reward_queries_to_90", first_at(s, 0.9, 1)) != 0 ||
         json_object_set_new(rec, "reward_queries_to_95", first_at(s, 0.95, 1)) != 0 ||
         json_object_set_new(rec, "reward_queries_to_100", first_at(s, 1.0, 1)) != 0)) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}
