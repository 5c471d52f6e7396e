/* 25_cli_help: the command line says what it does. `gliad --help` lists the commands and
 * `gliad help COMMAND` prints each one's usage (an unknown one exits 2 naming it); the
 * episode bounds of runs and studies are stated with their reason; `gliad run --preset`
 * includes the config it ran with; the study and sweep files of examples/ run; a bad
 * preset name is echoed wherever it is refused; a present but bad "episodes" says "must
 * be", not "required". And the log: a stream's reader hanging up is logged at info. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/cli.h"
#include "support/extra.h"
#include "support/harness.h"

TestSuite(cli_help, .init = it_cli_dir_make, .fini = it_cli_dir_remove);

#define EXAMPLES GLIA_TEST_DATA "/../../examples"

static const char *const commands[] = {"serve", "run", "experiment", "version", "help", NULL};

static json_t *one_object(const it_cli_t *c, const char *what)
{
    json_error_t jerr;
    json_t *j = json_loads(c->out, 0, &jerr);
    cr_assert(json_is_object(j), "%s: stdout is not one JSON object: %s: %.300s", what, jerr.text,
              c->out);
    return j;
}

/* Expect exit 2, nothing on stdout and each needle in stderr; `absent` (if any) not. */
static void expect_refused(const char *const *args, const char *const *needles, const char *absent,
                           const char *what)
{
    it_cli_t c = it_cli(args);
    cr_expect_eq(c.status, 2, "%s: exit %d, want 2 (stderr: %s)", what, c.status, c.err);
    cr_expect_str_eq(c.out, "", "%s: nothing on stdout", what);
    for (int i = 0; needles[i]; i++)
        cr_expect_not_null(strstr(c.err, needles[i]), "%s: stderr should say \"%s\": %s", what,
                           needles[i], c.err);
    if (absent != NULL)
        cr_expect_null(strstr(c.err, absent), "%s: stderr should not say \"%s\": %s", what, absent,
                       c.err);
    it_cli_free(&c);
}

/* ---- help ------------------------------------------------------------------------------ */

Test(cli_help, gliad_help_lists_the_commands)
{
    const char *const *const ways[] = {(const char *[]){"--help", NULL},
                                       (const char *[]){"-h", NULL}, (const char *[]){"help", NULL},
                                       (const char *[]){"help", "help", NULL}};
    char *first = NULL;

    for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
        it_cli_t c = it_cli(ways[w]);
        cr_expect_eq(c.status, 0, "gliad %s: exit %d (%s)", ways[w][0], c.status, c.err);
        cr_expect_not_null(strstr(c.out, "usage: gliad"), "%s", c.out);
        for (int i = 0; commands[i]; i++) {
            char line[32];
            snprintf(line, sizeof(line), "\n  %s ", commands[i]);
            cr_expect_not_null(strstr(c.out, line), "gliad %s lists the command %s:\n%s",
                               ways[w][0], commands[i], c.out);
        }
        cr_expect_not_null(strstr(c.out, "--data-dir"), "and the daemon's options: %s", c.out);
        if (first == NULL)
            first = strdup(c.out);
        else
            cr_expect_str_eq(c.out, first, "gliad %s prints the same as gliad --help", ways[w][0]);
        it_cli_free(&c);
    }
    free(first);
}

Test(cli_help, gliad_help_command_prints_its_usage)
{
    static const struct {
        const char *command, *usage;
    } topics[] = {{"run", "usage: gliad run"},
                  {"experiment", "usage: gliad experiment"},
                  {"serve", "usage: gliad [serve]"},
                  {"version", "usage: gliad version"}};

    for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
        it_cli_t c = it_cli((const char *[]){"help", topics[i].command, NULL});
        cr_expect_eq(c.status, 0, "gliad help %s: exit %d (%s)", topics[i].command, c.status,
                     c.err);
        cr_expect_eq(strncmp(c.out, topics[i].usage, strlen(topics[i].usage)), 0,
                     "gliad help %s starts with \"%s\":\n%s", topics[i].command, topics[i].usage,
                     c.out);
        if (strcmp(topics[i].command, "version") != 0) {
            it_cli_t d = it_cli((const char *[]){topics[i].command, "--help", NULL});
            cr_expect_str_eq(c.out, d.out, "gliad help %s is gliad %s --help", topics[i].command,
                             topics[i].command);
            it_cli_free(&d);
        }
        it_cli_free(&c);
    }
}

Test(cli_help, an_unknown_help_topic_exits_2_naming_it)
{
    expect_refused((const char *[]){"help", "frobnicate", NULL},
                   (const char *[]){"\"frobnicate\"", "run", "experiment", NULL}, NULL,
                   "gliad help frobnicate");
    expect_refused((const char *[]){"help", "run", "extra", NULL},
                   (const char *[]){"\"extra\"", NULL}, NULL, "gliad help run extra");
}

/* One bound per kind of run, each stated where it applies, with its reason. */
Test(cli_help, the_episode_bounds_are_stated_with_their_reason)
{
    it_cli_t c = it_cli((const char *[]){"help", "run", NULL});
    cr_expect_not_null(strstr(c.out, "1..100000000"), "gliad run's bound: %s", c.out);
    cr_expect_not_null(strstr(c.out, "10000000 each"), "a study's bound: %s", c.out);
    cr_expect_not_null(strstr(c.out, "10000 runs"), "and why it is lower: %s", c.out);
    it_cli_free(&c);
    c = it_cli((const char *[]){"help", "experiment", NULL});
    cr_expect_not_null(strstr(c.out, "1..10000000"), "a study's bound: %s", c.out);
    cr_expect_not_null(strstr(c.out, "10000 of them"), "and why: %s", c.out);
    it_cli_free(&c);
}

/* ---- gliad run ------------------------------------------------------------------------- */

Test(cli_help, run_with_a_preset_includes_the_config_it_ran_with)
{
    const char *empty = it_cli_put_file("empty.json", "{}\n");
    it_cli_t a =
        it_cli((const char *[]){"run", "--preset", "cursor", "--episodes", "5", "--compact", NULL});
    it_cli_t b = it_cli((const char *[]){"run", "--preset", "cursor", "--episodes", "5", "--config",
                                         empty, "--compact", NULL});
    json_t *ja, *jb, *cfg;

    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    ja = one_object(&a, "run --preset cursor");
    jb = one_object(&b, "run --preset cursor --config {}");
    cfg = json_object_get(ja, "config");
    cr_assert(json_is_object(cfg), "gliad run --preset includes \"config\": %.300s", a.out);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(cfg, "learner"), "kind")),
                     "cursor");
    cr_expect(json_equal(cfg, json_object_get(jb, "config")),
              "the same config as a --config run of the preset");
    cr_expect(json_equal(ja, jb), "and the same result");
    json_decref(ja);
    json_decref(jb);
    it_cli_free(&a);
    it_cli_free(&b);
}

/* ---- examples/ ------------------------------------------------------------------------- */

Test(cli_help, the_example_study_runs)
{
    it_cli_t c = it_cli((const char *[]){"experiment", EXAMPLES "/study.json", NULL});
    json_t *doc;

    cr_assert_eq(c.status, 0, "examples/study.json: exit %d: %s", c.status, c.err);
    doc = one_object(&c, "examples/study.json");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "state")), "completed");
    cr_expect_eq(json_array_size(json_object_get(json_object_get(doc, "results"), "conditions")),
                 3);
    json_decref(doc);
    it_cli_free(&c);
    c = it_cli((const char *[]){"experiment", EXAMPLES "/study.json", "--format", "md", NULL});
    cr_expect_eq(c.status, 0, "%s", c.err);
    cr_expect_not_null(strstr(c.out, "| astrocyte |"), "%.400s", c.out);
    it_cli_free(&c);
}

Test(cli_help, the_example_sweep_runs)
{
    it_cli_t c = it_cli((const char *[]){"experiment", EXAMPLES "/sweep.json", NULL});
    json_t *doc;

    cr_assert_eq(c.status, 0, "examples/sweep.json: exit %d: %s", c.status, c.err);
    doc = one_object(&c, "examples/sweep.json");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "state")), "completed");
    cr_expect(json_is_object(json_object_get(doc, "sweep")), "a sweep: %.300s", c.out);
    cr_expect_eq(json_array_size(json_object_get(json_object_get(doc, "results"), "conditions")), 4,
                 "a 2 x 2 grid");
    json_decref(doc);
    it_cli_free(&c);
}

/* ---- errors say what they refused -------------------------------------------------------- */

Test(cli_help, a_bad_preset_name_is_echoed)
{
    const char *cond = it_cli_put_file(
        "cond.json", "{\"name\": \"x\", \"conditions\": [{\"label\": \"a\", \"preset\": "
                     "\"no-such-cond\"}], \"seeds\": [1], \"episodes\": 5}");
    const char *base = it_cli_put_file(
        "base.json", "{\"name\": \"x\", \"base\": {\"preset\": \"no-such-base\"}, \"sweep\": "
                     "{\"grid\": {\"/learner/cursor/radius\": [1, 2]}}, \"seeds\": [1], "
                     "\"episodes\": 5}");
    const char *typ = it_cli_put_file(
        "typ.json", "{\"name\": \"x\", \"conditions\": [{\"label\": \"a\", \"preset\": 7}], "
                    "\"seeds\": [1], \"episodes\": 5}");

    expect_refused((const char *[]){"experiment", cond, NULL},
                   (const char *[]){"/conditions/0/preset", "\"no-such-cond\"", NULL}, NULL,
                   "a condition's bad preset");
    expect_refused((const char *[]){"experiment", base, NULL},
                   (const char *[]){"/base/preset", "\"no-such-base\"", NULL}, NULL,
                   "a sweep base's bad preset");
    expect_refused((const char *[]){"experiment", typ, NULL},
                   (const char *[]){"/conditions/0/preset", "not an integer", NULL},
                   "unknown preset", "a preset that is not a name");
    expect_refused((const char *[]){"run", "--preset", "no-such-run", NULL},
                   (const char *[]){"--preset", "\"no-such-run\"", NULL}, NULL,
                   "gliad run's bad preset");
    expect_refused((const char *[]){"no-such-command", NULL},
                   (const char *[]){"\"no-such-command\"", NULL}, NULL, "a bad command");
}

Test(cli_help, a_present_bad_episodes_says_must_be_not_required)
{
    static const char *const bad[] = {"-1", "0", "10000001", "2.5", "\"5\"", NULL};
    const char *missing = it_cli_put_file(
        "missing.json", "{\"name\": \"x\", \"conditions\": [{\"label\": \"a\"}], \"seeds\": [1]}");

    for (int i = 0; bad[i]; i++) {
        char body[256], name[32], what[64];
        snprintf(body, sizeof(body),
                 "{\"name\": \"x\", \"conditions\": [{\"label\": \"a\"}], \"seeds\": [1], "
                 "\"episodes\": %s}",
                 bad[i]);
        snprintf(name, sizeof(name), "bad%d.json", i);
        snprintf(what, sizeof(what), "\"episodes\": %s", bad[i]);
        expect_refused((const char *[]){"experiment", it_cli_put_file(name, body), NULL},
                       (const char *[]){"/episodes", "must be an integer in [1, 10000000]", NULL},
                       "required", what);
    }
    expect_refused((const char *[]){"experiment", missing, NULL},
                   (const char *[]){"/episodes", "required", NULL}, NULL, "no \"episodes\"");
}

/* ---- the log ------------------------------------------------------------------------------ */

/* Each line of the log that is a warning from the HTTP layer, joined (caller frees). */
static char *http_warnings(const char *log)
{
    char *out = calloc(1, strlen(log) + 1);
    const char *p = log;

    cr_assert_not_null(out);
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char line[1024];
        snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
        if (strstr(line, " warn ") && strstr(line, "http: "))
            strcat(strcat(out, line), "\n");
        p += n + (end != NULL);
    }
    return out;
}

Test(cli_help, a_stream_reader_hanging_up_is_logged_at_info)
{
    static const char *const ndjson[] = {"Accept: application/x-ndjson", NULL};
    glia_daemon_t d;
    char *log, *warnings;
    long status;
    double t0;

    it_start(&d, NULL);
    d.keep_dir = 1;
    it_create(&d, "s", "cursor", 1);
    it_run(&d, "s", 10000000);
    json_decref(it_wait_episode(&d, "s", 5, 30));
    free(it_stream(&d, "/v1/sessions/s/events", NULL, 1.0, 1 << 20, &status));
    cr_expect_eq(status, 200);
    free(it_stream(&d, "/v1/sessions/s/events", ndjson, 1.0, 1 << 20, &status));
    cr_expect_eq(status, 200);
    /* both streams' ends are logged once the daemon notices the reader is gone */
    t0 = it_now();
    for (;;) {
        int ended = 0;
        log = it_read_file(d.log_path, NULL);
        for (const char *p = log; p && (p = strstr(p, "path=/v1/sessions/s/events")); p++)
            ended++;
        if (ended >= 2 || it_now() - t0 > 10)
            break;
        free(log);
        it_sleep(0.05);
    }
    warnings = http_warnings(log ? log : "");
    cr_expect_str_eq(warnings, "", "a reader closing its stream is not a warning:\n%s", warnings);
    free(warnings);
    free(log);
    d.keep_dir = 0;
    cr_expect_eq(it_stop(&d), 0);
}
