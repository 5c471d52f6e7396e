/* 19_cli: gliad's command line: `gliad run` and `gliad experiment` exit codes and
 * messages (0 and one JSON document on success; 2 naming the flag, the file position or
 * the JSON pointer of what is wrong), reports in json/md/csv whose records equal
 * `gliad run`, and the daemon's own flag errors (`gliad serve`), all without a server. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/cli.h"
#include "support/extra.h"
#include "support/harness.h"

TestSuite(cli, .init = it_cli_dir_make, .fini = it_cli_dir_remove);

/* Expect exit 2 with every needle in stderr and nothing on stdout. */
static void expect_usage_error(const char *const *args, const char *const *needles,
                               const char *what)
{
    it_cli_t c = it_cli(args);
    cr_expect_eq(c.status, 2, "%s: exit %d, want 2 (stderr: %s)", what, c.status, c.err);
    for (int i = 0; needles && needles[i]; i++)
        cr_expect_not_null(strstr(c.err, needles[i]), "%s: stderr should name \"%s\": %s", what,
                           needles[i], c.err);
    cr_expect_str_eq(c.out, "", "%s: nothing on stdout", what);
    it_cli_free(&c);
}

/* The whole stdout as exactly one JSON object. */
static json_t *one_object(const it_cli_t *c, const char *what)
{
    json_error_t jerr;
    json_t *j = json_loads(c->out, 0, &jerr); /* the whole text: trailing data is an error */
    cr_assert_not_null(j, "%s: stdout is not one JSON document: %s: %.300s", what, jerr.text,
                       c->out);
    cr_assert(json_is_object(j), "%s: stdout is not an object", what);
    return j;
}

/* ---- gliad run ----------------------------------------------------------------------- */

Test(cli, run_succeeds_with_one_json_object)
{
    it_cli_t c = it_cli(
        (const char *[]){"run", "--preset", "cursor", "--seed", "3", "--episodes", "50", NULL});
    json_t *j, *k;
    it_cli_t c2;

    cr_expect_eq(c.status, 0, "stderr: %s", c.err);
    cr_expect_str_eq(c.err, "", "nothing on stderr");
    j = one_object(&c, "run");
    cr_expect_eq(json_integer_value(json_object_get(j, "seed")), 3);
    cr_expect_eq(json_integer_value(json_object_get(j, "episodes")), 50);
    cr_expect_eq(json_integer_value(json_object_get(j, "steps")), 500);
    cr_expect(json_is_object(json_object_get(j, "inference")));

    /* --compact: the same document on one line; --flag=value is the same flag */
    c2 = it_cli(
        (const char *[]){"run", "--preset=cursor", "--seed=3", "--episodes=50", "--compact", NULL});
    cr_expect_eq(c2.status, 0, "stderr: %s", c2.err);
    k = one_object(&c2, "run --compact");
    cr_expect(json_equal(j, k), "--compact and --flag=value give the same result");
    cr_expect_eq(strchr(c2.out, '\n'), c2.out + strlen(c2.out) - 1, "one line");
    json_decref(j);
    json_decref(k);
    it_cli_free(&c);
    it_cli_free(&c2);

    /* defaults: seed 42 and the preset's episodes are used when not given */
    c = it_cli((const char *[]){"run", "--preset", "control", "--episodes", "5", "--compact", NULL});
    cr_expect_eq(c.status, 0, "stderr: %s", c.err);
    j = one_object(&c, "run without --seed");
    cr_expect_eq(json_integer_value(json_object_get(j, "seed")), 42);
    json_decref(j);
    it_cli_free(&c);
}

Test(cli, run_config_overrides_apply_on_the_preset)
{
    const char *path = it_cli_put_file("radius.json", "{\"learner\": {\"cursor\": {\"radius\": 2.5}}}\n");
    it_cli_t c = it_cli((const char *[]){"run", "--preset", "cursor", "--seed", "1", "--episodes", "20",
                                     "--config", path, "--compact", NULL});
    json_t *j;

    cr_expect_eq(c.status, 0, "stderr: %s", c.err);
    j = one_object(&c, "run --config");
    cr_expect_eq(
        json_number_value(json_object_get(
            json_object_get(json_object_get(json_object_get(j, "config"), "learner"), "cursor"),
            "radius")),
        2.5, "the result carries the config with the override: %.300s", c.out);
    json_decref(j);
    it_cli_free(&c);
}

Test(cli, run_bad_flags_exit_2_naming_the_flag)
{
    expect_usage_error((const char *[]){"run", "--preset", "nope", NULL},
                       (const char *[]){"--preset", "nope", NULL}, "unknown preset");
    expect_usage_error((const char *[]){"run", "--seed", "abc", NULL},
                       (const char *[]){"--seed", "abc", NULL}, "seed not a number");
    expect_usage_error((const char *[]){"run", "--seed", "-1", NULL},
                       (const char *[]){"--seed", NULL}, "negative seed");
    expect_usage_error((const char *[]){"run", "--seed", "4294967296", NULL},
                       (const char *[]){"--seed", NULL}, "seed above 2^32 - 1");
    expect_usage_error((const char *[]){"run", "--seed", "7x", NULL},
                       (const char *[]){"--seed", NULL}, "seed with trailing text");
    expect_usage_error((const char *[]){"run", "--episodes", "0", NULL},
                       (const char *[]){"--episodes", NULL}, "zero episodes");
    expect_usage_error((const char *[]){"run", "--episodes", "100000001", NULL},
                       (const char *[]){"--episodes", NULL}, "too many episodes");
    expect_usage_error((const char *[]){"run", "--episodes", "", NULL},
                       (const char *[]){"--episodes", NULL}, "empty episodes");
    expect_usage_error((const char *[]){"run", "--seed", NULL},
                       (const char *[]){"--seed", "needs a value", NULL}, "seed without a value");
    expect_usage_error((const char *[]){"run", "--preset", NULL},
                       (const char *[]){"--preset", NULL}, "preset without a value");
    expect_usage_error((const char *[]){"run", "--bogus", NULL}, (const char *[]){"--bogus", NULL},
                       "unknown flag");
    expect_usage_error((const char *[]){"run", "extra", NULL}, (const char *[]){"extra", NULL},
                       "stray argument");
}

Test(cli, run_config_file_errors_exit_2_with_position_or_pointer)
{
    const char *bad = it_cli_put_file("bad.json", "{\n  \"network\": {\n    \"p_intra\": 0.5,,\n  }\n}\n");
    const char *inv = it_cli_put_file("inv.json", "{\"network\": {\"p_intra\": 2}}");
    const char *unk = it_cli_put_file("unk.json", "{\"learner\": {\"cursor\": {\"bogus\": 1}}}");
    const char *typ = it_cli_put_file("typ.json", "{\"network\": {\"clusters\": \"two\"}}");
    const char *dup =
        it_cli_put_file("dup.json", "{\"rng\": \"xoshiro256ss\", \"rng\": \"mulberry32-js\"}");
    char where[200];

    /* malformed: path:line:col */
    snprintf(where, sizeof(where), "%s:3:", bad);
    expect_usage_error((const char *[]){"run", "--preset", "cursor", "--config", bad, NULL},
                       (const char *[]){where, NULL}, "malformed config");
    snprintf(where, sizeof(where), "%s:1:", dup);
    expect_usage_error((const char *[]){"run", "--config", dup, NULL},
                       (const char *[]){where, NULL}, "duplicate key");
    /* invalid fields: the JSON pointer (and the file) */
    expect_usage_error((const char *[]){"run", "--preset", "cursor", "--config", inv, NULL},
                       (const char *[]){inv, "/network/p_intra", NULL}, "p_intra out of range");
    expect_usage_error((const char *[]){"run", "--config", unk, NULL},
                       (const char *[]){"/learner/cursor/bogus", NULL}, "unknown config field");
    expect_usage_error((const char *[]){"run", "--preset", "maturity", "--config", typ, NULL},
                       (const char *[]){"/network/clusters", NULL}, "wrong type");
    /* a missing file is named */
    expect_usage_error((const char *[]){"run", "--config", "/nonexistent/x.json", NULL},
                       (const char *[]){"/nonexistent/x.json", NULL}, "missing config file");
}

/* A file that cannot be read is named without a (meaningless) line and column. */
Test(cli, a_missing_file_has_no_bogus_position)
{
    it_cli_t c = it_cli((const char *[]){"run", "--config", "/nonexistent/x.json", NULL});
    cr_expect_eq(c.status, 2);
    cr_expect_null(strstr(c.err, ":-1:-1"), "stderr: %s", c.err);
    it_cli_free(&c);
    c = it_cli((const char *[]){"experiment", "/nonexistent/x.json", NULL});
    cr_expect_eq(c.status, 2);
    cr_expect_null(strstr(c.err, ":-1:-1"), "stderr: %s", c.err);
    it_cli_free(&c);
}

/* ---- gliad experiment ------------------------------------------------------------------- */

#define STUDY                                                                                      \
    "{\"name\": \"cli\", \"description\": \"offline\", \"conditions\": [{\"label\": \"astro\", "   \
    "\"preset\": \"astrocyte-firing\"}, {\"label\": \"cur\", \"preset\": \"cursor\"}], "           \
    "\"seeds\": [8, 9], \"episodes\": 60}"

static const struct {
    const char *label, *preset;
    unsigned seed;
} study_runs[4] = {{"astro", "astrocyte-firing", 8},
                   {"astro", "astrocyte-firing", 9},
                   {"cur", "cursor", 8},
                   {"cur", "cursor", 9}};

Test(cli, experiment_report_records_equal_gliad_run)
{
    const char *study = it_cli_put_file("study.json", STUDY);
    it_cli_t c = it_cli((const char *[]){"experiment", study, "--threads", "2", NULL});
    json_t *doc, *res;

    cr_expect_eq(c.status, 0, "stderr: %s", c.err);
    doc = one_object(&c, "experiment");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "name")), "cli");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "state")), "completed");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "description")), "offline");
    for (int i = 0; i < 4; i++) {
        char key[16];
        json_t *rec, *batch = it_batch_run(study_runs[i].preset, study_runs[i].seed, 60);
        json_t *inf = json_object_get(batch, "inference"), *pats = json_object_get(inf, "patterns");
        snprintf(key, sizeof(key), "%u", study_runs[i].seed);
        rec = json_object_get(json_object_get(json_object_get(doc, "records"), study_runs[i].label),
                              key);
        cr_assert(json_is_object(rec), "a record for %s seed %u", study_runs[i].label,
                  study_runs[i].seed);
        cr_expect_eq(json_integer_value(json_object_get(rec, "episodes")), 60);
        cr_expect_eq(json_number_value(json_object_get(rec, "accuracy")),
                     json_number_value(json_object_get(inf, "mean_accuracy")), "%s %u accuracy",
                     study_runs[i].label, study_runs[i].seed);
        cr_expect_eq(json_integer_value(json_object_get(rec, "accepted")),
                     json_integer_value(json_object_get(batch, "accepted")), "%s %u accepted",
                     study_runs[i].label, study_runs[i].seed);
        cr_expect_eq(json_integer_value(json_object_get(rec, "rejected")),
                     json_integer_value(json_object_get(batch, "rejected")), "%s %u rejected",
                     study_runs[i].label, study_runs[i].seed);
        cr_assert_eq(json_array_size(json_object_get(rec, "outputs")), json_array_size(pats));
        for (size_t p = 0; p < json_array_size(pats); p++)
            cr_expect_str_eq(json_string_value(json_array_get(json_object_get(rec, "outputs"), p)),
                             json_string_value(json_object_get(json_array_get(pats, p), "output")),
                             "%s %u P%zu", study_runs[i].label, study_runs[i].seed, p + 1);
        json_decref(batch);
    }
    res = json_object_get(doc, "results");
    cr_expect_eq(json_array_size(json_object_get(res, "conditions")), 2);
    cr_expect_eq(json_array_size(json_object_get(res, "pairwise")), 1);
    json_decref(doc);
    it_cli_free(&c);

    /* one thread: the same report */
    {
        it_cli_t a = it_cli((const char *[]){"experiment", study, "--threads", "1", NULL});
        it_cli_t b = it_cli((const char *[]){"experiment", study, NULL});
        cr_expect_eq(a.status, 0);
        cr_expect_eq(b.status, 0);
        cr_expect_str_eq(a.out, b.out, "the report does not depend on --threads");
        it_cli_free(&a);
        it_cli_free(&b);
    }
}

Test(cli, experiment_formats_md_and_csv)
{
    const char *study = it_cli_put_file("study.json", STUDY);
    it_cli_t c = it_cli((const char *[]){"experiment", study, "--format", "md", NULL});
    int lines = 0;

    cr_expect_eq(c.status, 0, "stderr: %s", c.err);
    cr_expect_eq(strncmp(c.out, "# Experiment cli\n", 17), 0, "%.200s", c.out);
    cr_expect_not_null(strstr(c.out, "| Metric | astro | cur |"), "%.500s", c.out);
    cr_expect_not_null(strstr(c.out, "| Mean accuracy |"));
    cr_expect_not_null(strstr(c.out, "| astro vs cur |"));
    cr_expect_not_null(strstr(c.out, "\n| 8 | "), "a per-seed row for seed 8");
    it_cli_free(&c);

    c = it_cli((const char *[]){"experiment", "--format", "csv", study, NULL});
    cr_expect_eq(c.status, 0, "stderr: %s", c.err);
    cr_expect_eq(strncmp(c.out,
                         "experiment,condition,seed,episodes,accuracy,accept_rate,accepted,"
                         "rejected,distinct_outputs,constant_output,P1_output",
                         strlen("experiment,condition,seed,episodes,accuracy,accept_rate,accepted,"
                                "rejected,distinct_outputs,constant_output,P1_output")),
                 0, "%.300s", c.out);
    for (const char *p = c.out; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, 1 + 4, "a header and one row per (condition, seed): %s", c.out);
    cr_expect_not_null(strstr(c.out, "\ncli,cur,9,60,"), "%s", c.out);
    it_cli_free(&c);

    c = it_cli((const char *[]){"experiment", study, "--format", "json", NULL});
    cr_expect_eq(c.status, 0);
    json_decref(one_object(&c, "--format json"));
    it_cli_free(&c);
}

Test(cli, experiment_errors_exit_2)
{
    const char *bad_label = it_cli_put_file(
        "label.json", "{\"name\": \"x\", \"conditions\": [{\"label\": \"ok\"}, {\"label\": "
                      "\"Bad\"}], \"seeds\": [1], \"episodes\": 5}");
    const char *bad_seeds = it_cli_put_file("seeds.json", "{\"name\": \"x\", \"conditions\": [{\"label\": "
                                                   "\"a\"}], \"seeds\": [1, 1], \"episodes\": 5}");
    const char *bad_cfg =
        it_cli_put_file("cfg.json",
                 "{\"name\": \"x\", \"conditions\": [{\"label\": \"a\", \"preset\": \"cursor\", "
                 "\"config\": {\"network\": {\"p_inter\": 9}}}], \"seeds\": [1], \"episodes\": 5}");
    const char *malformed = it_cli_put_file("mal.json", "{\"name\": \"x\",\n \"seeds\": [1,]}\n");
    const char *study = it_cli_put_file("study.json", STUDY);
    char where[200];

    expect_usage_error((const char *[]){"experiment", bad_label, NULL},
                       (const char *[]){bad_label, "/conditions/1/label", NULL}, "bad label");
    expect_usage_error((const char *[]){"experiment", bad_seeds, NULL},
                       (const char *[]){"/seeds/1", NULL}, "duplicate seed");
    expect_usage_error((const char *[]){"experiment", bad_cfg, NULL},
                       (const char *[]){"/conditions/0/config/network/p_inter", NULL},
                       "config error");
    snprintf(where, sizeof(where), "%s:2:", malformed);
    expect_usage_error((const char *[]){"experiment", malformed, NULL},
                       (const char *[]){where, NULL}, "malformed study");
    expect_usage_error((const char *[]){"experiment", NULL}, (const char *[]){"usage", NULL},
                       "no file");
    expect_usage_error((const char *[]){"experiment", "/nonexistent/s.json", NULL},
                       (const char *[]){"/nonexistent/s.json", NULL}, "missing file");
    expect_usage_error((const char *[]){"experiment", study, "--format", "pdf", NULL},
                       (const char *[]){"--format", "pdf", NULL}, "bad format");
    expect_usage_error((const char *[]){"experiment", study, "--threads", "0", NULL},
                       (const char *[]){"--threads", NULL}, "zero threads");
    expect_usage_error((const char *[]){"experiment", study, "--bogus", NULL},
                       (const char *[]){"--bogus", NULL}, "unknown flag");
    expect_usage_error((const char *[]){"experiment", study, study, NULL},
                       (const char *[]){"unknown argument", NULL}, "two files");
}

/* ---- gliad itself ------------------------------------------------------------------------ */

Test(cli, help_version_and_serve_flag_errors)
{
    it_cli_t c = it_cli((const char *[]){"--help", NULL});
    cr_expect_eq(c.status, 0, "gliad --help: %d %s", c.status, c.err);
    cr_expect_not_null(strstr(c.out, "usage: gliad"), "%s", c.out);
    cr_expect_not_null(strstr(c.out, "--max-db-bytes"), "--help lists the flags: %s", c.out);
    it_cli_free(&c);
    c = it_cli((const char *[]){"serve", "--help", NULL});
    cr_expect_eq(c.status, 0);
    it_cli_free(&c);
    c = it_cli((const char *[]){"run", "--help", NULL});
    cr_expect_eq(c.status, 0);
    cr_expect_not_null(strstr(c.out, "usage: gliad run"), "%s", c.out);
    it_cli_free(&c);
    c = it_cli((const char *[]){"experiment", "--help", NULL});
    cr_expect_eq(c.status, 0);
    cr_expect_not_null(strstr(c.out, "usage: gliad experiment"), "%s", c.out);
    it_cli_free(&c);
    c = it_cli((const char *[]){"version", NULL});
    cr_expect_eq(c.status, 0);
    cr_expect_eq(strncmp(c.out, "gliad ", 6), 0, "%s", c.out);
    it_cli_free(&c);

    expect_usage_error((const char *[]){"serve", "--bogus", NULL},
                       (const char *[]){"--bogus", NULL}, "serve --bogus");
    expect_usage_error((const char *[]){"--bogus", NULL}, (const char *[]){"--bogus", NULL},
                       "gliad --bogus");
    expect_usage_error((const char *[]){"serve", "--workers", "0", NULL},
                       (const char *[]){"--workers", NULL}, "serve --workers 0");
    expect_usage_error((const char *[]){"serve", "--workers", NULL},
                       (const char *[]){"--workers", NULL}, "serve --workers without a value");
    expect_usage_error((const char *[]){"serve", "--max-db-bytes", "1000", NULL},
                       (const char *[]){"--max-db-bytes", NULL}, "a quota below 64 KiB");
    expect_usage_error((const char *[]){"serve", "--slice-ms=0", NULL},
                       (const char *[]){"--slice-ms", NULL}, "serve --slice-ms=0");
    expect_usage_error((const char *[]){"frobnicate", NULL}, (const char *[]){"frobnicate", NULL},
                       "unknown command");
}
