/* fuzz_experiment.c: the experiment document: POST /v1/experiments body -> spec, the
 * stored document, its results and its reports.
 *
 * Properties: an error names a field with a message; a spec that parses becomes a
 * document that survives the store (glia_json_dumps, json_loads, spec_from_doc) to an
 * equal spec; and its results (with records made up from the input when the study is
 * small enough for the bootstrap to be cheap, some (condition, seed) pairs left out as
 * in a running study) have one entry per condition, ranking row, pair (up to
 * GLIA_PAIRWISE_MAX conditions) and seed, and its Markdown and CSV reports name every
 * condition and hold one CSV row per record.
 */
#include <string.h>

#include "api/experiment_json.h"
#include "api/json_write.h"
#include "fuzz_common.h"

#define CHEAP_RECORDS 8 /* bootstrap: 10,000 resamples per condition */

static int spec_equal(const glia_experiment_spec_t *a, const glia_experiment_spec_t *b)
{
    if (strcmp(a->name, b->name) != 0 || a->episodes != b->episodes || a->n_seeds != b->n_seeds ||
        a->n_conditions != b->n_conditions ||
        memcmp(a->seeds, b->seeds, (size_t)a->n_seeds * sizeof(a->seeds[0])) != 0)
        return 0;
    for (int i = 0; i < a->n_conditions; i++) {
        const glia_condition_t *x = &a->conditions[i], *y = &b->conditions[i];
        if (strcmp(x->label, y->label) != 0 || strcmp(x->preset, y->preset) != 0 ||
            !glia_config_equal(&x->config, &y->config))
            return 0;
    }
    return 1;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

/* A record shaped like glia_experiment_record's, with values drawn from `h`. */
static json_t *made_up_record(const glia_config_t *cfg, uint32_t seed, uint64_t h)
{
    int count = cfg->task.count, width = cfg->task.target_width, correct = 0;
    json_t *outs = json_array(), *pacc = json_array();
    int64_t accepted = (int64_t)(h % 1000), rejected = (int64_t)((h >> 10) % 1000);
    int distinct = 0;

    for (int p = 0; p < count; p++) {
        char out[GLIA_MAX_WIDTH + 1];
        uint64_t bits = mix(h, (uint64_t)p);
        int same = 0;
        glia_pattern_format(bits, width, out);
        for (int b = 0; b < width; b++)
            same += (int)(((~(bits ^ cfg->task.patterns[p].target)) >> b) & 1);
        correct += same;
        distinct += p == 0 || (h >> (p % 64)) & 1;
        json_array_append_new(outs, json_string(out));
        json_array_append_new(pacc, json_real((double)same / width));
    }
    return json_pack(
        "{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:o, s:i, s:b, s:o, s:o}", "seed", (json_int_t)seed,
        "episodes", (json_int_t)(h % 100000), "accuracy", (double)correct / (count * width),
        "correct_bits", correct, "total_bits", count * width, "accepted", (json_int_t)accepted,
        "rejected", (json_int_t)rejected, "accept_rate",
        accepted + rejected ? json_real((double)accepted / (accepted + rejected)) : json_null(),
        "distinct_outputs", distinct, "constant_output", distinct == 1, "outputs", outs,
        "pattern_accuracy", pacc);
}

static void results_and_reports(json_t *doc, const glia_experiment_spec_t *spec, uint64_t h,
                                int with_records)
{
    json_t *records = json_object_get(doc, "records"), *res;
    size_t n_records = 0, nc = (size_t)spec->n_conditions, len;
    char *md, *csv;

    for (int i = 0; i < spec->n_conditions; i++) {
        json_t *by_seed = json_object();
        for (int k = 0; k < spec->n_seeds; k++) {
            char key[16];
            h = mix(h, (uint64_t)(i * 131 + k));
            if (!with_records || h % 5 == 0)
                continue; /* not run (yet) */
            snprintf(key, sizeof(key), "%u", spec->seeds[k]);
            json_object_set_new(by_seed, key,
                                made_up_record(&spec->conditions[i].config, spec->seeds[k], h));
            n_records++;
        }
        json_object_set_new(records, spec->conditions[i].label, by_seed);
    }
    res = glia_experiment_results(doc);
    FUZZ_CHECK(res != NULL, "results");
    FUZZ_CHECK(json_array_size(json_object_get(res, "conditions")) == nc,
               "%zu condition entries for %zu conditions",
               json_array_size(json_object_get(res, "conditions")), nc);
    /* Every pair up to GLIA_PAIRWISE_MAX conditions (a sweep's ranking compares each with
     * the best instead). */
    FUZZ_CHECK(json_array_size(json_object_get(res, "pairwise")) ==
                   (nc <= GLIA_PAIRWISE_MAX ? nc * (nc - 1) / 2 : 0),
               "%zu pairs for %zu conditions", json_array_size(json_object_get(res, "pairwise")),
               nc);
    FUZZ_CHECK(json_array_size(json_object_get(res, "ranking")) == nc,
               "%zu ranking rows for %zu conditions",
               json_array_size(json_object_get(res, "ranking")), nc);
    FUZZ_CHECK(json_array_size(json_object_get(res, "per_seed")) == (size_t)spec->n_seeds,
               "per_seed");
    json_object_set_new(doc, "results", res);

    md = glia_experiment_report_md(doc, &len);
    FUZZ_CHECK(md != NULL && strlen(md) == len, "markdown report");
    for (int i = 0; i < spec->n_conditions; i++)
        FUZZ_CHECK(strstr(md, spec->conditions[i].label) != NULL, "md lacks condition %s",
                   spec->conditions[i].label);
    csv = glia_experiment_report_csv(doc, &len);
    FUZZ_CHECK(csv != NULL && strlen(csv) == len, "csv report");
    {
        size_t lines = 0;
        for (const char *p = csv; *p; p++)
            lines += *p == '\n';
        FUZZ_CHECK(lines == 1 + n_records, "csv: %zu lines for %zu records", lines, n_records);
    }
    free(md);
    free(csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static glia_experiment_spec_t spec, back; /* large: not on the stack */
    json_t *body, *doc, *stored;
    glia_error_t err;
    char *text;
    int rc;

    if (size > FUZZ_MAX_INPUT || (body = fuzz_json(data, size)) == NULL)
        return 0;
    glia_error_clear(&err);
    rc = glia_experiment_parse(body, &spec, &err);
    json_decref(body);
    if (rc != 0) {
        FUZZ_CHECK(rc == GLIA_EINVAL, "parse returned %d", rc);
        FUZZ_CHECK_ERROR(err, rc);
        return 0;
    }
    FUZZ_CHECK(glia_name_valid(spec.name), "name \"%s\"", spec.name);
    for (int i = 0; i < spec.n_conditions; i++) {
        for (int k = 0; k < spec.n_seeds; k++) {
            char name[GLIA_NAME_MAX + 1];
            glia_experiment_session_name(spec.name, spec.conditions[i].label, spec.seeds[k], name,
                                         sizeof(name));
            FUZZ_CHECK(glia_name_valid(name), "session name \"%s\"", name);
        }
    }

    /* The store keeps the document as text and reads it back with json_loads. */
    doc = glia_experiment_doc_new(&spec);
    FUZZ_CHECK(doc != NULL, "doc_new");
    text = glia_json_dumps(doc, GLIA_JSON_COMPACT, NULL);
    FUZZ_CHECK(text != NULL, "dumps");
    stored = json_loads(text, 0, NULL);
    FUZZ_CHECK(stored != NULL, "the stored document does not parse:\n%s", text);
    glia_error_clear(&err);
    rc = glia_experiment_spec_from_doc(stored, &back, &err);
    FUZZ_CHECK(rc == 0, "stored document refused: %s: %s", err.field, err.message);
    FUZZ_CHECK(spec_equal(&spec, &back), "the stored document gives another spec:\n%s", text);
    free(text);

    {
        uint64_t h = 0;
        for (size_t i = 0; i < size; i++)
            h = mix(h, data[i]);
        results_and_reports(stored, &spec, h, spec.n_conditions * spec.n_seeds <= CHEAP_RECORDS);
    }
    json_decref(stored);
    json_decref(doc);
    return 0;
}
