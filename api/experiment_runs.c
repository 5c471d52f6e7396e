/* experiment_runs.c: an experiment's runs as one table (experiment_runs.h). */
#include "api/experiment_runs.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/experiment_json.h"

/* One run: what names it, then its record's members as stored. */
static json_t *run_row(const json_t *doc, const json_t *cond, const char *seed, const json_t *rec)
{
    const char *label = json_string_value(json_object_get(cond, "label"));
    const json_t *values = json_object_get(cond, "values");
    char session[3 * GLIA_NAME_MAX];
    unsigned long s = strtoul(seed, NULL, 10);
    json_t *row;

    glia_experiment_session_name(json_string_value(json_object_get(doc, "name")), label,
                                 (uint32_t)s, session, sizeof(session));
    row = json_pack("{s:s, s:s}", "condition", label, "session", session);
    if (row != NULL && json_is_object(values))
        json_object_set(row, "values", (json_t *)values);
    if (row != NULL && json_object_update(row, (json_t *)rec) != 0) {
        json_decref(row);
        row = NULL;
    }
    return row;
}

json_t *glia_experiment_runs(const json_t *doc)
{
    const json_t *conds = json_object_get(doc, "conditions");
    const json_t *seeds = json_object_get(doc, "seeds");
    const json_t *records = json_object_get(doc, "records");
    const json_t *fields = json_object_get(json_object_get(doc, "sweep"), "fields");
    json_t *runs = json_array(), *swept = json_array(), *out;

    if (runs == NULL || swept == NULL)
        goto fail;
    for (size_t i = 0; i < json_array_size(fields); i++) {
        const json_t *f = json_array_get(fields, i);
        if (json_is_string(f) && json_array_append(swept, (json_t *)f) != 0)
            goto fail;
    }
    for (size_t c = 0; c < json_array_size(conds); c++) {
        const json_t *cond = json_array_get(conds, c);
        const json_t *by_seed =
            json_object_get(records, json_string_value(json_object_get(cond, "label")));
        for (size_t k = 0; k < json_array_size(seeds); k++) {
            char seed[24];
            const json_t *rec;
            snprintf(seed, sizeof(seed), "%lld",
                     (long long)json_integer_value(json_array_get(seeds, k)));
            rec = json_object_get(by_seed, seed);
            if (json_is_object(rec) &&
                json_array_append_new(runs, run_row(doc, cond, seed, rec)) != 0)
                goto fail;
        }
    }
    out = json_pack("{s:O?, s:o, s:o}", "name", json_object_get(doc, "name"), "swept", swept,
                    "runs", runs);
    return out;

fail:
    json_decref(runs);
    json_decref(swept);
    return NULL;
}
