/* 20_sweeps: sweeps, shards and pruning, end to end with the real gliad.
 *
 * A two-field grid sweep, offline and over the API: every record equals `gliad run` with
 * that condition's complete config (written to a file and passed as --config), and the
 * API's records, results and study hash equal the offline ones. A study cut into 3
 * shards and merged prints exactly what the unsharded study prints (json, md and csv),
 * whatever the order of the parts; merge refuses parts that are missing, doubled, of
 * another study, edited, or holding a run of another shard. A pruned study: the runs
 * that stop keep a record equal to `gliad run` to their rung, and at each rung the
 * conditions kept are the best by `gliad run`'s own results there. Bad sweeps are
 * refused before anything runs: exit 2 naming the pointer offline, 422 with the pointer
 * over HTTP (and nothing created).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/cli.h"
#include "support/extra.h"
#include "support/harness.h"

TestSuite(sweeps, .init = it_cli_dir_make, .fini = it_cli_dir_remove);

static const char *put_json(const char *name, const json_t *j)
{
    char *text = json_dumps(j, JSON_REAL_PRECISION(17));
    const char *p;
    cr_assert_not_null(text);
    p = it_cli_put_file(name, text);
    free(text);
    return p;
}

static json_t *parse_out(const it_cli_t *c, const char *what)
{
    json_error_t jerr;
    json_t *j = json_loads(c->out, 0, &jerr);
    cr_assert_not_null(j, "%s: stdout is not one JSON document: %s: %.300s (stderr %s)", what,
                       jerr.text, c->out, c->err);
    return j;
}

/* `gliad run` with a condition's whole config as --config (no preset: the defaults,
 * every field overridden), `seed` and `episodes`. */
static json_t *run_config(const json_t *config, unsigned seed, unsigned episodes)
{
    char s[16], e[16], path[160], *text = json_dumps(config, JSON_REAL_PRECISION(17));
    it_cli_t c;
    json_t *j;

    /* its own file name: the paths put_file hands out stay valid */
    cr_assert_not_null(text);
    snprintf(path, sizeof(path), "%s/condition.json", it_cli_dir());
    cr_assert_eq(it_write_file(path, text, strlen(text)), 0);
    free(text);

    snprintf(s, sizeof(s), "%u", seed);
    snprintf(e, sizeof(e), "%u", episodes);
    c = it_cli(
        (const char *[]){"run", "--config", path, "--seed", s, "--episodes", e, "--compact", NULL});
    cr_assert_eq(c.status, 0, "gliad run --config: %s", c.err);
    j = parse_out(&c, "gliad run");
    it_cli_free(&c);
    return j;
}

static json_t *record_of(const json_t *doc, const char *label, unsigned seed)
{
    char key[16];
    snprintf(key, sizeof(key), "%u", seed);
    return json_object_get(json_object_get(json_object_get(doc, "records"), label), key);
}

/* An experiment record describes the same run as `gliad run` (`batch`). */
static void expect_record_is_batch(const json_t *rec, const json_t *batch, const char *what)
{
    json_t *inf = json_object_get(batch, "inference"), *pats = json_object_get(inf, "patterns");
    json_t *outs = json_object_get(rec, "outputs");

    cr_assert(json_is_object(rec), "%s: no record", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "seed")),
                 json_integer_value(json_object_get(batch, "seed")), "%s: seed", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "episodes")),
                 json_integer_value(json_object_get(batch, "episodes")), "%s: episodes", what);
    cr_expect_eq(json_number_value(json_object_get(rec, "accuracy")),
                 json_number_value(json_object_get(inf, "mean_accuracy")), "%s: accuracy", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "accepted")),
                 json_integer_value(json_object_get(batch, "accepted")), "%s: accepted", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "rejected")),
                 json_integer_value(json_object_get(batch, "rejected")), "%s: rejected", what);
    cr_expect_eq(json_integer_value(json_object_get(rec, "distinct_outputs")),
                 json_integer_value(json_object_get(inf, "distinct_outputs")), "%s: distinct",
                 what);
    cr_assert_eq(json_array_size(outs), json_array_size(pats), "%s: outputs", what);
    for (size_t i = 0; i < json_array_size(pats); i++)
        cr_expect_str_eq(json_string_value(json_array_get(outs, i)),
                         json_string_value(json_object_get(json_array_get(pats, i), "output")),
                         "%s: P%zu output", what, i + 1);
}

/* Correct output bits of a `gliad run` result. */
static int batch_bits(const json_t *batch)
{
    json_t *pats = json_object_get(json_object_get(batch, "inference"), "patterns");
    int bits = 0;
    for (size_t i = 0; i < json_array_size(pats); i++) {
        const char *o = json_string_value(json_object_get(json_array_get(pats, i), "output"));
        const char *t = json_string_value(json_object_get(json_array_get(pats, i), "target"));
        for (size_t b = 0; o && t && o[b] && t[b]; b++)
            bits += o[b] == t[b];
    }
    return bits;
}

/* Every record of a study document equals `gliad run` with its condition's config. */
static void expect_records_are_gliad_run(const json_t *doc, const char *what)
{
    json_t *conds = json_object_get(doc, "conditions"), *seeds = json_object_get(doc, "seeds");
    int checked = 0;

    for (size_t c = 0; c < json_array_size(conds); c++) {
        json_t *cond = json_array_get(conds, c);
        const char *label = json_string_value(json_object_get(cond, "label"));
        for (size_t k = 0; k < json_array_size(seeds); k++) {
            unsigned seed = (unsigned)json_integer_value(json_array_get(seeds, k));
            json_t *rec = record_of(doc, label, seed), *batch;
            char w[96];
            cr_assert(json_is_object(rec), "%s: a record for %s seed %u", what, label, seed);
            batch = run_config(json_object_get(cond, "config"), seed,
                               (unsigned)json_integer_value(json_object_get(rec, "episodes")));
            snprintf(w, sizeof(w), "%s: %s seed %u", what, label, seed);
            expect_record_is_batch(rec, batch, w);
            json_decref(batch);
            checked++;
        }
    }
    cr_expect_gt(checked, 0, "%s: records checked", what);
}

/* Two fields, 2 x 2 points, on the cursor preset (quick), 2 seeds. */
#define GRID_STUDY(name)                                                                           \
    "{\"name\": \"" name "\", \"description\": \"a grid\", \"base\": {\"preset\": \"cursor\"}, "   \
    "\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.05, 0.2], "                         \
    "\"/learner/cursor/radius\": [1.5, 3]}}, \"seeds\": [1, 2], \"episodes\": 150}"

/* ---- offline ------------------------------------------------------------------------------ */

Test(sweeps, an_offline_grid_sweep_runs_each_condition_as_gliad_run)
{
    const char *path = it_cli_put_file("grid.json", GRID_STUDY("grid"));
    it_cli_t c = it_cli((const char *[]){"experiment", path, "--threads", "2", NULL});
    json_t *doc, *conds, *rank;
    static const double stds[2] = {0.05, 0.2}, radii[2] = {1.5, 3};

    cr_assert_eq(c.status, 0, "stderr: %s", c.err);
    doc = parse_out(&c, "gliad experiment");
    conds = json_object_get(doc, "conditions");
    cr_assert_eq(json_array_size(conds), 4);
    for (int p = 0; p < 4; p++) {
        json_t *cond = json_array_get(conds, (size_t)p);
        json_t *cfg = json_object_get(cond, "config");
        cr_expect_eq(json_number_value(
                         json_object_get(json_object_get(cfg, "training"), "perturbation_std")),
                     stds[p / 2]);
        cr_expect_eq(json_number_value(json_object_get(
                         json_object_get(json_object_get(cfg, "learner"), "cursor"), "radius")),
                     radii[p % 2]);
        cr_expect_str_eq(json_string_value(json_object_get(cfg, "rng")), "mulberry32-js",
                         "the rest is the cursor preset");
    }
    expect_records_are_gliad_run(doc, "offline grid");
    rank = json_object_get(json_object_get(doc, "results"), "ranking");
    cr_expect_eq(json_array_size(rank), 4);
    cr_expect(json_is_object(json_object_get(json_array_get(rank, 0), "values")),
              "the ranking shows the swept values");
    json_decref(doc);
    it_cli_free(&c);
}

static const char *const formats[3] = {"json", "md", "csv"};

Test(sweeps, three_shards_merged_equal_the_unsharded_study)
{
    const char *path = it_cli_put_file(
        "study.json",
        "{\"name\": \"sharded\", \"base\": {\"preset\": \"cursor\"}, \"sweep\": {\"grid\": "
        "{\"/training/perturbation_std\": [0.05, 0.1, 0.2], \"/learner/cursor/radius\": [1.5, "
        "3]}}, "
        "\"seeds\": {\"count\": 4, \"base\": 11}, \"episodes\": 100}");
    char part_paths[3][160];
    int total = 0;

    for (int k = 1; k <= 3; k++) {
        char shard[8], name[32];
        it_cli_t c;
        json_t *part, *records, *by_seed;
        const char *label;
        snprintf(shard, sizeof(shard), "%d/3", k);
        c = it_cli((const char *[]){"experiment", path, "--shard", shard, "--threads", "1", NULL});
        cr_assert_eq(c.status, 0, "shard %s: %s", shard, c.err);
        part = parse_out(&c, shard);
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(part, "shard"), "index")),
                     k);
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(part, "shard"), "count")),
                     3);
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(part, "shard"), "runs")), 8,
                     "24 runs in 3 balanced shards");
        cr_expect_null(json_object_get(part, "results"), "a part has no results");
        records = json_object_get(part, "records");
        json_object_foreach(records, label, by_seed) total += (int)json_object_size(by_seed);
        snprintf(name, sizeof(name), "part-%d.json", k);
        snprintf(part_paths[k - 1], sizeof(part_paths[k - 1]), "%s", it_cli_put_file(name, c.out));
        json_decref(part);
        it_cli_free(&c);
    }
    cr_expect_eq(total, 24, "the parts hold 24 records together");

    for (int f = 0; f < 3; f++) {
        it_cli_t whole = it_cli((const char *[]){"experiment", path, "--format", formats[f], NULL});
        it_cli_t merged = it_cli((const char *[]){"experiment", "merge", part_paths[0], part_paths[1],
                                              part_paths[2], "--format", formats[f], NULL});
        it_cli_t shuffled = it_cli((const char *[]){"experiment", "merge", "--format", formats[f],
                                                part_paths[2], part_paths[0], part_paths[1], NULL});
        cr_expect_eq(whole.status, 0, "%s", whole.err);
        cr_expect_eq(merged.status, 0, "%s", merged.err);
        cr_expect_eq(shuffled.status, 0, "%s", shuffled.err);
        cr_expect_gt(strlen(whole.out), 1000);
        cr_expect_str_eq(merged.out, whole.out,
                         "--format %s: the merged report is the unsharded one", formats[f]);
        cr_expect_str_eq(shuffled.out, whole.out, "--format %s: whatever the order of the parts",
                         formats[f]);
        if (f == 0) {
            json_t *a = parse_out(&whole, "whole"), *b = parse_out(&merged, "merged");
            cr_expect(json_equal(json_object_get(a, "records"), json_object_get(b, "records")));
            cr_expect(json_equal(json_object_get(a, "results"), json_object_get(b, "results")));
            cr_expect_str_eq(json_string_value(json_object_get(a, "state")), "completed");
            json_decref(a);
            json_decref(b);
        }
        it_cli_free(&whole);
        it_cli_free(&merged);
        it_cli_free(&shuffled);
    }
}

/* Expect `gliad experiment merge` with these arguments to exit 2 naming `needle`. */
static void expect_merge_refused(const char *const *args, const char *needle, const char *what)
{
    it_cli_t c = it_cli(args);
    cr_expect_eq(c.status, 2, "%s: exit %d (stderr %s)", what, c.status, c.err);
    cr_expect_not_null(strstr(c.err, needle), "%s: stderr should say \"%s\": %s", what, needle,
                       c.err);
    cr_expect_str_eq(c.out, "", "%s: nothing on stdout", what);
    it_cli_free(&c);
}

Test(sweeps, merge_refuses_parts_that_do_not_make_the_study)
{
    const char *path = it_cli_put_file("study.json", GRID_STUDY("m"));
    const char *other =
        it_cli_put_file("other.json", "{\"name\": \"m\", \"description\": \"a grid\", \"base\": "
                               "{\"preset\": \"cursor\"}, \"sweep\": {\"grid\": "
                               "{\"/training/perturbation_std\": [0.05, 0.2], "
                               "\"/learner/cursor/radius\": [1.5, 3]}}, \"seeds\": [1, 3], "
                               "\"episodes\": 150}");
    char p[4][160], o[160], w[160];
    json_t *part;

    for (int k = 1; k <= 3; k++) {
        char shard[8], name[32];
        it_cli_t c;
        snprintf(shard, sizeof(shard), "%d/3", k);
        c = it_cli((const char *[]){"experiment", path, "--shard", shard, NULL});
        cr_assert_eq(c.status, 0, "%s", c.err);
        snprintf(name, sizeof(name), "p%d.json", k);
        snprintf(p[k], sizeof(p[k]), "%s", it_cli_put_file(name, c.out));
        it_cli_free(&c);
    }
    {
        it_cli_t c = it_cli((const char *[]){"experiment", other, "--shard", "3/3", NULL});
        cr_assert_eq(c.status, 0, "%s", c.err);
        snprintf(o, sizeof(o), "%s", it_cli_put_file("other3.json", c.out));
        it_cli_free(&c);
    }
    expect_merge_refused((const char *[]){"experiment", "merge", p[1], p[2], NULL}, "shard 3/3",
                         "a missing part");
    expect_merge_refused((const char *[]){"experiment", "merge", p[1], p[2], p[2], NULL}, "is also",
                         "a part given twice");
    expect_merge_refused((const char *[]){"experiment", "merge", p[1], p[2], o, NULL},
                         "another study", "a part of another study");
    expect_merge_refused((const char *[]){"experiment", "merge", path, NULL}, "not a part",
                         "a study file is not a part");

    /* an edited part: one condition's config changed (the hash no longer fits) */
    part = json_load_file(p[1], 0, NULL);
    cr_assert_not_null(part);
    json_object_set_new(
        json_object_get(
            json_object_get(json_array_get(json_object_get(part, "conditions"), 1), "config"),
            "training"),
        "perturbation_std", json_real(0.3));
    snprintf(w, sizeof(w), "%s", put_json("edited.json", part));
    json_decref(part);
    expect_merge_refused((const char *[]){"experiment", "merge", w, p[2], p[3], NULL},
                         "does not match its \"study\" hash", "an edited part");

    /* a run moved into another shard's part */
    {
        json_t *a = json_load_file(p[1], 0, NULL), *b = json_load_file(p[2], 0, NULL);
        const char *label, *key;
        json_t *by_seed, *rec, *moved = NULL;
        char moved_label[32] = "", moved_key[16] = "";
        cr_assert(a && b);
        json_object_foreach(json_object_get(a, "records"), label, by_seed) {
            json_object_foreach(by_seed, key, rec) {
                moved = json_incref(rec);
                snprintf(moved_label, sizeof(moved_label), "%s", label);
                snprintf(moved_key, sizeof(moved_key), "%s", key);
                break;
            }
            break;
        }
        cr_assert_not_null(moved);
        json_object_del(json_object_get(json_object_get(a, "records"), moved_label), moved_key);
        if (json_object_get(json_object_get(b, "records"), moved_label) == NULL)
            json_object_set_new(json_object_get(b, "records"), moved_label, json_object());
        json_object_set_new(json_object_get(json_object_get(b, "records"), moved_label), moved_key,
                            moved);
        snprintf(w, sizeof(w), "%s", put_json("a.json", a));
        {
            char bpath[160];
            snprintf(bpath, sizeof(bpath), "%s", put_json("b.json", b));
            expect_merge_refused((const char *[]){"experiment", "merge", w, bpath, p[3], NULL},
                                 "belongs to shard 1/3", "a run in the wrong part");
            expect_merge_refused((const char *[]){"experiment", "merge", w, p[2], p[3], NULL},
                                 "missing", "a run dropped from a part");
        }
        json_decref(a);
        json_decref(b);
    }
    expect_merge_refused((const char *[]){"experiment", "merge", NULL}, "usage", "no parts");
    expect_merge_refused((const char *[]){"experiment", "merge", p[1], "--format", "pdf", NULL},
                         "--format", "a bad format");
}

Test(sweeps, pruned_runs_are_recorded_and_the_best_continue)
{
    /* 4 conditions; rungs 60 and 120 keeping half: 4 -> 2 -> 1 runs to 200 */
    const char *path = it_cli_put_file(
        "prune.json",
        "{\"name\": \"halving\", \"base\": {\"preset\": \"cursor\"}, \"sweep\": {\"grid\": "
        "{\"/training/perturbation_std\": [0.02, 0.1, 0.2, 0.4]}}, \"prune\": {\"rungs\": [60, "
        "120], \"keep\": 0.5}, \"seeds\": [5, 6, 7], \"episodes\": 200}");
    it_cli_t c = it_cli((const char *[]){"experiment", path, NULL});
    json_t *doc, *conds;
    int at60 = 0, at120 = 0, full = 0, bits60[4] = {0}, stopped60[4] = {0};

    cr_assert_eq(c.status, 0, "%s", c.err);
    doc = parse_out(&c, "pruned study");
    conds = json_object_get(doc, "conditions");
    cr_assert_eq(json_array_size(conds), 4);
    expect_records_are_gliad_run(doc, "pruned study"); /* each to its own episodes */
    for (int i = 0; i < 4; i++) {
        json_t *cond = json_array_get(conds, (size_t)i);
        const char *label = json_string_value(json_object_get(cond, "label"));
        json_int_t pruned =
            json_integer_value(json_object_get(record_of(doc, label, 5), "pruned_at"));
        for (unsigned s = 5; s <= 7; s++) {
            json_t *rec = record_of(doc, label, s), *b60;
            cr_assert(json_is_object(rec), "every run has a record, pruned or not");
            cr_expect_eq(json_integer_value(json_object_get(rec, "pruned_at")), pruned,
                         "a condition stops with all its seeds");
            cr_expect_eq(json_integer_value(json_object_get(rec, "episodes")),
                         pruned ? pruned : 200);
            b60 = run_config(json_object_get(cond, "config"), s, 60);
            bits60[i] += batch_bits(b60);
            json_decref(b60);
        }
        stopped60[i] = pruned == 60;
        at60 += pruned == 60;
        at120 += pruned == 120;
        full += pruned == 0;
    }
    cr_expect_eq(at60, 2, "half of 4 stop at 60");
    cr_expect_eq(at120, 1, "half of 2 stop at 120");
    cr_expect_eq(full, 1, "one runs to the end");
    /* the two kept at 60 have at least the correct bits of the two stopped there */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            if (!stopped60[i] && stopped60[j])
                cr_expect_geq(bits60[i], bits60[j], "kept %d (%d bits) vs stopped %d (%d bits)", i,
                              bits60[i], j, bits60[j]);
    {
        json_t *rank = json_object_get(json_object_get(doc, "results"), "ranking");
        cr_expect_eq(json_integer_value(json_object_get(json_array_get(rank, 1), "pruned_at")), 120,
                     "the ranking lists the one stopped last right after the finished one");
        cr_expect(json_is_null(json_object_get(json_array_get(rank, 1), "vs_best")),
                  "a pruned condition is not compared with the best");
    }
    json_decref(doc);
    it_cli_free(&c);

    /* csv marks every row; a pruned study does not shard */
    c = it_cli((const char *[]){"experiment", path, "--format", "csv", NULL});
    cr_expect_eq(c.status, 0);
    cr_expect_not_null(strstr(c.out, ",pruned_at\n"), "%.400s", c.out);
    cr_expect_not_null(strstr(c.out, ",60\n"), "%.400s", c.out);
    it_cli_free(&c);
    c = it_cli((const char *[]){"experiment", path, "--shard", "1/2", NULL});
    cr_expect_eq(c.status, 2);
    cr_expect_not_null(strstr(c.err, "prune"), "%s", c.err);
    it_cli_free(&c);
}

Test(sweeps, bad_sweeps_and_shard_flags_exit_2_before_anything_runs)
{
    const char *bad = it_cli_put_file("bad.json", "{\"name\": \"b\", \"sweep\": {\"grid\": "
                                           "{\"/training/bogus\": [1]}}, \"seeds\": [1], "
                                           "\"episodes\": 5}");
    const char *val = it_cli_put_file("val.json", "{\"name\": \"b\", \"sweep\": {\"grid\": "
                                           "{\"/training/perturbation_std\": [0.1, -2]}}, "
                                           "\"seeds\": [1], \"episodes\": 5}");
    const char *path = it_cli_put_file("study.json", GRID_STUDY("s"));
    static const struct {
        const char *flag, *needle;
    } shards[] = {{"0/3", "--shard"}, {"4/3", "--shard"}, {"3", "--shard"},
                  {"1/0", "--shard"}, {"a/3", "--shard"}, {"1/10001", "--shard"}};
    it_cli_t c;

    c = it_cli((const char *[]){"experiment", bad, NULL});
    cr_expect_eq(c.status, 2);
    cr_expect_not_null(strstr(c.err, "/sweep/grid/~1training~1bogus"), "%s", c.err);
    cr_expect_str_eq(c.out, "");
    it_cli_free(&c);
    c = it_cli((const char *[]){"experiment", val, NULL});
    cr_expect_eq(c.status, 2);
    cr_expect_not_null(strstr(c.err, "/sweep/grid/~1training~1perturbation_std/1"), "%s", c.err);
    it_cli_free(&c);
    for (size_t i = 0; i < sizeof(shards) / sizeof(shards[0]); i++) {
        c = it_cli((const char *[]){"experiment", path, "--shard", shards[i].flag, NULL});
        cr_expect_eq(c.status, 2, "--shard %s", shards[i].flag);
        cr_expect_not_null(strstr(c.err, shards[i].needle), "--shard %s: %s", shards[i].flag,
                           c.err);
        cr_expect_str_eq(c.out, "");
        it_cli_free(&c);
    }
    c = it_cli((const char *[]){"experiment", path, "--shard", "1/2", "--format", "md", NULL});
    cr_expect_eq(c.status, 2);
    cr_expect_not_null(strstr(c.err, "merge"), "%s", c.err);
    it_cli_free(&c);
    /* more shards than runs: empty parts, still a whole study when merged */
    {
        char parts[10][160];
        const char *args[16] = {"experiment", "merge"};
        it_cli_t whole;
        for (int k = 1; k <= 10; k++) {
            char shard[8], name[32];
            snprintf(shard, sizeof(shard), "%d/10", k);
            c = it_cli((const char *[]){"experiment", path, "--shard", shard, NULL});
            cr_assert_eq(c.status, 0, "%s", c.err);
            snprintf(name, sizeof(name), "q%d.json", k);
            snprintf(parts[k - 1], sizeof(parts[k - 1]), "%s", it_cli_put_file(name, c.out));
            args[1 + k] = parts[k - 1];
            it_cli_free(&c);
        }
        args[12] = NULL;
        c = it_cli(args);
        whole = it_cli((const char *[]){"experiment", path, NULL});
        cr_expect_eq(c.status, 0, "%s", c.err);
        cr_expect_str_eq(c.out, whole.out, "8 runs in 10 shards merge to the study");
        it_cli_free(&c);
        it_cli_free(&whole);
    }
}

/* ---- over the API -------------------------------------------------------------------------- */

/* Poll GET /v1/experiments/{name} until its state is `state`; returns the document. */
static json_t *wait_experiment(glia_daemon_t *d, const char *name, const char *state,
                               double timeout)
{
    double t0 = it_now();
    for (;;) {
        it_resp_t r = it_get(d, "/v1/experiments/%s", name);
        const char *s = json_string_value(json_object_get(r.json, "state"));
        if (r.status == 200 && s != NULL && strcmp(s, state) == 0) {
            json_t *j = json_incref(r.json);
            it_resp_free(&r);
            return j;
        }
        cr_assert(it_now() - t0 < timeout, "experiment %s did not reach %s in %.0f s (%ld, %s)",
                  name, state, timeout, r.status, s ? s : "-");
        it_resp_free(&r);
        it_sleep(0.05);
    }
}

Test(sweeps, a_grid_sweep_over_the_api_equals_gliad_run_and_the_offline_study)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *doc, *offline;
    const char *path = it_cli_put_file("grid.json", GRID_STUDY("api"));
    it_cli_t c;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/experiments", GRID_STUDY("api"));
    cr_assert_eq(r.status, 202, "%.500s", r.body);
    cr_expect_eq(json_array_size(json_object_get(r.json, "conditions")), 4, "expanded at once");
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(r.json, "progress"), "sessions")), 8);
    it_resp_free(&r);
    doc = wait_experiment(&d, "api", "completed", 120);
    expect_records_are_gliad_run(doc, "API grid");
    {
        /* the sessions are named by the short labels */
        json_t *s = it_get_json(&d, 200, "/v1/sessions/api.g3.2");
        cr_expect_str_eq(json_string_value(json_object_get(s, "experiment")), "api");
        json_decref(s);
    }
    r = it_get(&d, "/v1/experiments/api/report?format=md");
    cr_expect_eq(r.status, 200);
    cr_expect_not_null(strstr(r.body, "| Rank | Condition | perturbation_std | radius |"), "%.800s",
                       r.body);
    it_resp_free(&r);

    /* the same study offline: the same hash, records and results */
    c = it_cli((const char *[]){"experiment", path, NULL});
    cr_assert_eq(c.status, 0, "%s", c.err);
    offline = parse_out(&c, "offline");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "study")),
                     json_string_value(json_object_get(offline, "study")));
    cr_expect(json_equal(json_object_get(doc, "records"), json_object_get(offline, "records")),
              "the API's records are the offline ones");
    cr_expect(json_equal(json_object_get(doc, "results"), json_object_get(offline, "results")),
              "and so are the results");
    json_decref(offline);
    it_cli_free(&c);
    json_decref(doc);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sweeps, bad_sweeps_over_the_api_are_422_at_the_pointer_and_create_nothing)
{
    static const struct {
        const char *members, *pointer;
    } bad[] = {
        {"\"sweep\": {\"grid\": {\"/training/bogus\": [1]}}", "/sweep/grid/~1training~1bogus"},
        {"\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.1, -2]}}",
         "/sweep/grid/~1training~1perturbation_std/1"},
        {"\"sweep\": {\"random\": {\"samples\": 4, \"seed\": 1, \"space\": "
         "{\"/network/clusters\": {\"uniform\": [1, 3]}}}}",
         "/sweep/random/space/~1network~1clusters/uniform"},
        {"\"base\": {\"preset\": \"nope\"}, \"sweep\": {\"grid\": {\"/training/perturbation_std\": "
         "[0.1]}}",
         "/base/preset"},
        {"\"sweep\": {\"grid\": {\"/training/perturbation_std\": [0.1, 0.2]}}, \"prune\": "
         "{\"rungs\": [5000], \"keep\": 0.5}",
         "/prune/rungs/0"},
    };
    glia_daemon_t d;

    it_start(&d, NULL);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        it_resp_t r =
            it_send(&d, "POST", "/v1/experiments",
                    "{\"name\": \"x\", \"seeds\": [1], \"episodes\": 100, %s}", bad[i].members);
        json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);
        cr_expect_eq(r.status, 422, "%s: %ld %.300s", bad[i].members, r.status, r.body);
        cr_expect_str_eq(r.content_type, "application/problem+json");
        cr_expect_str_eq(json_string_value(json_object_get(e, "pointer")), bad[i].pointer, "%s",
                         r.body);
        it_resp_free(&r);
    }
    {
        /* 256 conditions x 40 seeds: over the bound on runs */
        char b[2048] = "{\"name\": \"big\", \"seeds\": {\"count\": 40}, \"episodes\": 10, "
                       "\"sweep\": {\"grid\": {\"/network/p_intra\": [";
        it_resp_t r;
        for (int k = 0; k < 16; k++)
            snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s0.%02d", k ? ", " : "", k + 1);
        strcat(b, "], \"/network/p_inter\": [");
        for (int k = 0; k < 16; k++)
            snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s0.%02d", k ? ", " : "", k + 1);
        strcat(b, "]}}}");
        r = it_request(&d, "POST", "/v1/experiments", b);
        cr_expect_eq(r.status, 422, "%.300s", r.body);
        cr_expect_not_null(strstr(r.body, "10240 runs"), "%.300s", r.body);
        it_resp_free(&r);
    }
    {
        json_t *x = it_get_json(&d, 200, "/v1/experiments");
        json_t *s = it_get_json(&d, 200, "/v1/sessions");
        cr_expect_eq(json_array_size(json_object_get(x, "items")), 0, "no experiment was created");
        cr_expect_eq(json_array_size(json_object_get(s, "items")), 0, "no session was created");
        json_decref(x);
        json_decref(s);
    }
    cr_expect_eq(it_stop(&d), 0);
}

/* Compare an API experiment document with `gliad experiment` on the same file. */
static void expect_same_as_offline(const json_t *doc, const char *path)
{
    it_cli_t c = it_cli((const char *[]){"experiment", path, NULL});
    json_t *offline;

    cr_assert_eq(c.status, 0, "%s", c.err);
    offline = parse_out(&c, "offline");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "study")),
                     json_string_value(json_object_get(offline, "study")));
    cr_expect(json_equal(json_object_get(doc, "records"), json_object_get(offline, "records")),
              "the API's records are the offline ones");
    cr_expect(json_equal(json_object_get(doc, "results"), json_object_get(offline, "results")),
              "and so are the results");
    json_decref(offline);
    it_cli_free(&c);
}

#define PRUNED_STUDY(name, base, episodes, rungs)                                                  \
    "{\"name\": \"" name "\", \"base\": " base ", \"sweep\": {\"grid\": "                          \
    "{\"/training/perturbation_std\": [0.02, 0.1, 0.2, 0.4]}}, \"prune\": {\"rungs\": " rungs      \
    ", \"keep\": 0.5}, \"seeds\": [5, 6, 7], \"episodes\": " episodes "}"

Test(sweeps, a_pruned_study_over_the_api_equals_the_offline_one)
{
    const char *body = PRUNED_STUDY("halving", "{\"preset\": \"cursor\"}", "200", "[60, 120]");
    const char *path = it_cli_put_file("prune.json", body);
    glia_daemon_t d;
    it_resp_t r;
    json_t *doc, *conds;
    int stopped = 0;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/experiments", body);
    cr_assert_eq(r.status, 202, "%.500s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(r.json, "pruning"), "target")),
                 60, "the first stage runs to the first rung");
    it_resp_free(&r);
    doc = wait_experiment(&d, "halving", "completed", 120);
    expect_same_as_offline(doc, path);
    expect_records_are_gliad_run(doc, "API pruned study");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "progress"), "completed")),
                 12, "every run has a record, the pruned ones too");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(doc, "pruning"), "target")),
                 200);
    /* a pruned condition's sessions stopped at its rung: completed there */
    conds = json_object_get(doc, "conditions");
    for (size_t i = 0; i < json_array_size(conds); i++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        json_t *rec = record_of(doc, label, 6), *s;
        json_int_t at = json_integer_value(json_object_get(rec, "pruned_at"));
        s = it_get_json(&d, 200, "/v1/sessions/halving.%s.6", label);
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "completed", "%s", label);
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "episode")),
                     at ? at : 200, "%s: the session stopped where its record says", label);
        json_decref(s);
        stopped += at > 0;
    }
    cr_expect_eq(stopped, 3, "4 -> 2 -> 1");
    json_decref(doc);
    cr_expect_eq(it_stop(&d), 0);
}

/* Killed and stopped in the middle (wherever that falls: during a stage, at a rung, between
 * a decision and its runs), a pruned study still ends as the offline one. */
Test(sweeps, a_pruned_study_survives_a_crash_and_a_restart)
{
    const char *body = PRUNED_STUDY(
        "restarted", "{\"config\": {\"learner\": {\"astrocyte\": {\"per_cluster\": 4}}}}", "9000",
        "[3000, 6000]");
    const char *path = it_cli_put_file("restarted.json", body);
    glia_daemon_t d;
    it_resp_t r;
    json_t *doc;

    it_start(&d, (const char *[]){"--workers", "1", NULL});
    d.keep_dir = 1;
    r = it_request(&d, "POST", "/v1/experiments", body);
    cr_assert_eq(r.status, 202, "%.500s", r.body);
    it_resp_free(&r);
    /* Kill once the first run has begun: the study is then surely in its first stage,
     * however fast this machine learns. */
    json_decref(it_wait_episode(&d, "restarted.g0.5", 100, 60));
    it_kill(&d);
    it_restart(&d, (const char *[]){"--workers", "1", NULL});
    {
        /* the kill fell in the middle: the test is about going on from there */
        json_t *x = it_get_json(&d, 200, "/v1/experiments/restarted");
        cr_expect_str_eq(json_string_value(json_object_get(x, "state")), "running");
        json_decref(x);
    }
    it_sleep(1.0);
    cr_expect_eq(it_stop(&d), 0);
    it_restart(&d, NULL);
    doc = wait_experiment(&d, "restarted", "completed", 300);
    expect_same_as_offline(doc, path);
    cr_expect(it_log_contains(&d, "experiment restarted: at episode 3000, 2 of 4 conditions go on"),
              "the first rung was decided");
    cr_expect(it_log_contains(&d, "experiment restarted: at episode 6000, 1 of 2 conditions go on"),
              "and the second");
    json_decref(doc);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}
