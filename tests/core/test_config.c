/* test_config.c: presets, the validator and the config <-> JSON mapping.
 *
 * The refusals are data-driven: tests/data/invalid-config/<case>/{input.json,error}
 * (see the README there). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/config_json.h"
#include "api/json_write.h"
#include "core/config.h"
#include "core/rng.h"

#define CASES GLIA_TEST_DATA "/invalid-config"

/* Read `path` into a new string with the trailing newline of each line removed into
 * line1/line2. Returns 0 on success. */
static int read_error_file(const char *path, char *line1, char *line2, size_t size)
{
    FILE *f = fopen(path, "r");
    int ok;

    if (f == NULL)
        return -1;
    ok = fgets(line1, (int)size, f) != NULL && fgets(line2, (int)size, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    line1[strcspn(line1, "\n")] = '\0';
    line2[strcspn(line2, "\n")] = '\0';
    return 0;
}

/* Resolve a case's input.json the way the API does. */
static int resolve_case(const json_t *input, glia_config_t *cfg, glia_error_t *err)
{
    const json_t *preset = json_object_get(input, "preset");
    const json_t *config = json_object_get(input, "config");

    glia_error_clear(err);
    return glia_config_resolve(cfg, json_is_string(preset) ? json_string_value(preset) : NULL,
                               "/preset", config, "/config", err);
}

Test(config, invalid_configs_name_the_field_and_the_reason)
{
    DIR *dir = opendir(CASES);
    struct dirent *de;
    int cases = 0, failures = 0;

    cr_assert_not_null(dir, "cannot open %s", CASES);
    while ((de = readdir(dir)) != NULL) {
        char path[1024], want_ptr[256], want_msg[256];
        struct stat st;
        json_error_t jerr;
        json_t *input;
        glia_config_t cfg;
        glia_error_t err;
        int rc, ok;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", CASES, de->d_name);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        cases++;
        snprintf(path, sizeof(path), "%s/%s/error", CASES, de->d_name);
        cr_assert_eq(read_error_file(path, want_ptr, want_msg, sizeof(want_ptr)), 0,
                     "%s: unreadable", path);
        snprintf(path, sizeof(path), "%s/%s/input.json", CASES, de->d_name);
        input = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        cr_assert_not_null(input, "%s: %s", path, jerr.text);

        rc = resolve_case(input, &cfg, &err);
        ok = rc != 0 && err.code == rc && strcmp(err.field, want_ptr) == 0 &&
             strstr(err.message, want_msg) != NULL;
        cr_expect(ok, "%s: rc %d, field \"%s\" (want \"%s\"), message \"%s\" (want \"%s\")",
                  de->d_name, rc, err.field, want_ptr, err.message, want_msg);
        cr_expect(rc == GLIA_EINVAL || rc == GLIA_ENOENT, "%s: rc %d", de->d_name, rc);
        failures += !ok;
        json_decref(input);
    }
    closedir(dir);
    cr_assert(cases >= 20, "only %d cases found in %s", cases, CASES);
    cr_assert_eq(failures, 0, "%d of %d cases failed", failures, cases);
}

Test(config, every_preset_and_alias_validates)
{
    int n = 0, n_phase1a = 0;

    for (const glia_preset_info_t *p = glia_presets; p->name != NULL; p++, n++) {
        glia_config_t a, b;
        glia_error_t err;
        glia_error_clear(&err);
        cr_assert_eq(glia_config_preset(&a, p->name), 0, "%s", p->name);
        cr_assert_eq(glia_config_validate(&a, &err), 0, "%s: %s %s", p->name, err.field,
                     err.message);
        if (strcmp(p->name, "reach") == 0) {
            /* Beyond the paper: glia's own generator and addressing. */
            cr_assert_eq(a.rng, GLIA_RNG_XOSHIRO256SS);
            cr_assert_eq(a.network.id_stride, 0);
            cr_assert_eq(glia_config_neurons(&a), 70);
        } else if (a.learner.kind == GLIA_LEARNER_NEUROMOD) {
            /* Phase 1a: its own generator, layout and task (spec phase 1a). */
            n_phase1a++;
            cr_assert_eq(a.rng, GLIA_RNG_MULBERRY32, "%s", p->name);
            cr_assert_eq(a.network.layout, GLIA_LAYOUT_PHASE1A, "%s", p->name);
            cr_assert_eq(a.network.id_stride, 0, "%s", p->name);
            cr_assert_eq(glia_config_neurons(&a), a.network.clusters == 3 ? 80 : 60, "%s",
                         p->name);
            cr_assert_eq(a.task.count, 4);
            cr_assert_eq(a.training.pattern_order, GLIA_ORDER_CYCLE);
            cr_assert_eq(a.training.steps_per_episode, 1);
        } else {
            cr_assert_eq(a.rng, GLIA_RNG_MULBERRY32_JS, "%s reproduces the reference generator",
                         p->name);
            cr_assert_eq(a.network.id_stride, 30, "%s reproduces the id collision", p->name);
            cr_assert_eq(glia_config_neurons(&a), 70);
            cr_assert_eq(a.network.layout, GLIA_LAYOUT_CLUSTERS);
        }
        cr_assert(p->episodes > 0);
        cr_assert_eq(glia_preset_find(p->name), p);
        if (p->alias != NULL) {
            cr_assert_eq(glia_config_preset(&b, p->alias), 0, "%s", p->alias);
            cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "%s and %s differ", p->name, p->alias);
            cr_assert_eq(glia_preset_find(p->alias), p);
        }
    }
    cr_assert_eq(n, 81); /* 6 reference, reach, 74 phase 1a */
    cr_assert_eq(n_phase1a, 74);
}

Test(config, phase1a_presets_keep_their_published_lengths)
{
    static const struct {
        const char *name;
        int episodes;
    } want[] = {{"exp001-full", 1000},  {"exp002-baseline", 1000}, {"exp007-full", 1000},
                {"exp010b-full", 1000}, {"exp012b-full", 1000},    {"exp016-ambient", 2000},
                {"exp017-full", 5000},  {"exp018-baseline", 10000}};
    glia_config_t c;

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        cr_assert_not_null(glia_preset_find(want[i].name), "%s", want[i].name);
        cr_assert_eq(glia_preset_find(want[i].name)->episodes, want[i].episodes, "%s",
                     want[i].name);
    }
    /* Only the experiments that ran the Full model alone lack the other conditions. */
    cr_assert_eq(glia_config_preset(&c, "exp007-baseline"), GLIA_ENOENT);
    cr_assert_eq(glia_config_preset(&c, "exp008-ambient"), GLIA_ENOENT);
    cr_assert_eq(glia_config_preset(&c, "exp004u-full"), GLIA_ENOENT);
    cr_assert_eq(glia_config_preset(&c, "exp012-full"), GLIA_ENOENT);
    /* exp 001 is exp 002's configuration. */
    cr_assert_eq(glia_preset_find("exp001-dampening"), glia_preset_find("exp002-dampening"));
}

Test(config, phase1a_presets_follow_the_published_code)
{
    glia_config_t c;

    /* Signed flags behind the published exp 004-008, unsigned from 009 on. */
    for (const char *const *n = (const char *const[]){"exp004-full", "exp005-baseline",
                                                      "exp006-ambient", "exp007-full",
                                                      "exp008-full", NULL};
         *n; n++) {
        cr_assert_eq(glia_config_preset(&c, *n), 0);
        cr_assert_eq(c.learner.neuromod.flags.mode, GLIA_FLAGS_SIGNED, "%s", *n);
    }
    cr_assert_eq(glia_config_preset(&c, "exp011-full"), 0);
    cr_assert_eq(c.learner.neuromod.flags.mode, GLIA_FLAGS_UNSIGNED);
    cr_assert_eq(c.learner.neuromod.frustration.window, 30);
    cr_assert_eq(glia_config_preset(&c, "exp011-baseline"), 0);
    cr_assert_eq(c.learner.neuromod.frustration.window, 0, "frustration is Full-model only");
    /* 010b: three cycles with homeostasis in the loop; 013: three cycles, once per step. */
    cr_assert_eq(glia_config_preset(&c, "exp010b-full"), 0);
    cr_assert(c.network.passes == 3 && c.learner.neuromod.homeostasis.in_loop);
    cr_assert_eq(glia_config_preset(&c, "exp013-full"), 0);
    cr_assert(c.network.passes == 3 && !c.learner.neuromod.homeostasis.in_loop);
    /* The episode clock: 001-005 and 009 pass no episode. */
    cr_assert_eq(glia_config_preset(&c, "exp009-full"), 0);
    cr_assert_eq(c.learner.neuromod.episode_clock, GLIA_CLOCK_ZERO);
    cr_assert_eq(c.learner.neuromod.flags.gate_warmup, 200);
    cr_assert_eq(glia_config_preset(&c, "exp006-full"), 0);
    cr_assert_eq(c.learner.neuromod.episode_clock, GLIA_CLOCK_EPISODE);
    /* 015: radius anneal in the Full model only; 018: fixed output thresholds. */
    cr_assert_eq(glia_config_preset(&c, "exp015-full"), 0);
    cr_assert(c.learner.neuromod.chemical.anneal && c.learner.neuromod.provisional &&
              c.learner.neuromod.chemical.cycling);
    cr_assert_eq(glia_config_preset(&c, "exp015-dampening"), 0);
    cr_assert(!c.learner.neuromod.chemical.anneal && c.learner.neuromod.provisional);
    cr_assert_eq(glia_config_preset(&c, "exp018-baseline"), 0);
    cr_assert(c.learner.neuromod.homeostasis.fixed_outputs &&
              c.learner.neuromod.chemical.scope == GLIA_CHEM_PER_BIT &&
              c.learner.neuromod.chemical.radius == 1000 && !c.learner.neuromod.dampening &&
              c.learner.neuromod.ambient_radius == 0);
    cr_assert_eq(glia_config_preset(&c, "exp014-full"), 0);
    cr_assert(c.network.clusters == 3 && c.network.hidden_cluster_size == 20);
}

Test(config, presets_select_the_published_learners)
{
    glia_config_t c;

    cr_assert_eq(glia_config_preset(&c, "control"), 0);
    cr_assert_eq(c.learner.kind, GLIA_LEARNER_CONTROL);
    cr_assert_eq(glia_config_preset(&c, "exp020"), 0);
    cr_assert_eq(c.learner.kind, GLIA_LEARNER_CURSOR);
    cr_assert_eq(glia_config_preset(&c, "exp021"), 0);
    cr_assert(c.learner.kind == GLIA_LEARNER_ASTROCYTE &&
              c.learner.astrocyte.sensing == GLIA_SENSE_FIRING &&
              c.learner.astrocyte.exploration == GLIA_EXPLORE_NONE);
    cr_assert_eq(glia_config_preset(&c, "exp022"), 0);
    cr_assert(c.learner.astrocyte.sensing == GLIA_SENSE_TRAFFIC &&
              c.learner.astrocyte.exploration == GLIA_EXPLORE_NONE);
    cr_assert_eq(glia_config_preset(&c, "exp023"), 0);
    cr_assert(c.learner.astrocyte.sensing == GLIA_SENSE_FIRING &&
              c.learner.astrocyte.exploration == GLIA_EXPLORE_FLAT);
    cr_assert_eq(glia_config_preset(&c, "exp024"), 0);
    cr_assert(c.learner.astrocyte.sensing == GLIA_SENSE_FIRING &&
              c.learner.astrocyte.exploration == GLIA_EXPLORE_MATURITY);
    cr_assert_eq(glia_preset_find("exp024")->episodes, 20000);
}

Test(config, defaults_are_the_corrected_network)
{
    glia_config_t c;

    glia_config_default(&c);
    cr_assert_eq(glia_config_validate(&c, NULL), 0);
    cr_assert_eq(c.rng, GLIA_RNG_XOSHIRO256SS);
    cr_assert_eq(c.network.id_stride, 0);
    cr_assert_eq(glia_config_id_stride(&c), glia_config_cluster_size(&c));
    cr_assert_eq(glia_config_cluster_size(&c), 35);
    cr_assert_eq(c.task.count, 8);
    cr_assert(c.task.input_width == 5 && c.task.target_width == 5);
    /* P2 10000 -> 01010: character i is bit i */
    cr_assert(c.task.patterns[1].input == 0x01 && c.task.patterns[1].target == 0x0a);
}

Test(config, unknown_preset_leaves_the_config_alone)
{
    glia_config_t c, before;

    glia_config_default(&c);
    c.network.threshold = 0.25;
    before = c;
    cr_assert_eq(glia_config_preset(&c, "exp099"), GLIA_ENOENT);
    cr_assert_eq(memcmp(&c, &before, sizeof(c)), 0);
    cr_assert_null(glia_preset_find("exp099"));
}

Test(config, validation_reports_the_first_error_only)
{
    glia_config_t c;
    glia_error_t err;

    glia_config_default(&c);
    c.network.clusters = 0; /* first in the field table */
    c.learner.astrocyte.per_cluster = 3;
    glia_error_clear(&err);
    cr_assert_eq(glia_config_validate(&c, &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/network/clusters");
    /* A second error does not overwrite the first. */
    cr_assert_eq(glia_error_set(&err, GLIA_EINVAL, "/x", "other"), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/network/clusters");
    cr_assert_eq(glia_config_validate(&c, NULL), GLIA_EINVAL);
}

/* Found by tests/fuzz (snapshot harness): a config read from bytes can hold any int,
 * and the validator summed the neuron counts before range-checking them (signed
 * overflow, caught by the sanitizer build). Every huge count is refused by name. */
Test(config, huge_counts_are_refused_before_sizes_are_derived)
{
    static const struct {
        size_t offset;
        const char *pointer;
    } f[] = {
        {offsetof(glia_config_t, network.inputs), "/network/inputs"},
        {offsetof(glia_config_t, network.outputs), "/network/outputs"},
        {offsetof(glia_config_t, network.modulatory), "/network/modulatory"},
        {offsetof(glia_config_t, network.regular), "/network/regular"},
        {offsetof(glia_config_t, network.id_stride), "/network/id_stride"},
    };
    static const int values[] = {INT_MAX, INT_MIN, INT_MAX / 2 + 1, -1};

    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
            glia_config_t c;
            glia_error_t err;
            glia_config_default(&c);
            c.network.regular = INT_MAX / 2 + 1; /* with any other count, the sum overflows */
            memcpy((char *)&c + f[i].offset, &values[k], sizeof(int));
            glia_error_clear(&err);
            cr_assert_eq(glia_config_validate(&c, &err), GLIA_EINVAL, "%s = %d", f[i].pointer,
                         values[k]);
            cr_assert_str_eq(err.field, f[i].offset < offsetof(glia_config_t, network.regular)
                                            ? f[i].pointer
                                            : "/network/regular");
        }
    }
}

/* The config as JSON, then applied onto a different starting point: the document
 * carries every field, so the result is the same struct. */
static void check_round_trip(const glia_config_t *cfg, const char *what)
{
    glia_config_t back;
    glia_error_t err;
    json_t *j = glia_config_to_json(cfg), *parsed;
    char *text;
    json_error_t jerr;

    cr_assert_not_null(j);
    cr_assert_eq(glia_config_preset(&back, "control"), 0);
    glia_error_clear(&err);
    cr_assert_eq(glia_config_apply_json(&back, j, "", &err), 0, "%s: %s %s", what, err.field,
                 err.message);
    cr_assert_eq(memcmp(&back, cfg, sizeof(back)), 0, "%s: JSON round trip differs", what);

    /* Through text, as a client would send it back. */
    text = glia_json_dumps(j, GLIA_JSON_COMPACT, NULL);
    cr_assert_not_null(text);
    parsed = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert_not_null(parsed, "%s: %s", what, jerr.text);
    glia_config_default(&back);
    cr_assert_eq(glia_config_apply_json(&back, parsed, "", &err), 0, "%s: %s", what, err.message);
    cr_assert_eq(memcmp(&back, cfg, sizeof(back)), 0, "%s: text round trip differs", what);
    free(text);
    json_decref(parsed);
    json_decref(j);
}

Test(config, json_round_trip_is_identical_for_every_preset)
{
    glia_config_t c;

    for (const glia_preset_info_t *p = glia_presets; p->name != NULL; p++) {
        cr_assert_eq(glia_config_preset(&c, p->name), 0);
        check_round_trip(&c, p->name);
    }
    glia_config_default(&c);
    check_round_trip(&c, "defaults");
}

Test(config, json_round_trip_keeps_unusual_values)
{
    glia_config_t c;

    glia_config_default(&c);
    c.network.threshold = 0.1 + 0.2; /* 0.30000000000000004 */
    c.network.spread = 1e-7;
    c.learner.astrocyte.maturity_scale = 1e12;
    c.learner.astrocyte.threshold_min = -0.5;
    c.training.homeostasis = 1;
    c.learner.kind = GLIA_LEARNER_CURSOR;
    c.task.count = 3;
    c.task.input_width = 3;
    c.task.target_width = 7;
    c.network.outputs = 7;
    c.task.patterns[0] = (glia_pattern_t){0x5, 0x7f};
    c.task.patterns[1] = (glia_pattern_t){0x0, 0x01};
    c.task.patterns[2] = (glia_pattern_t){0x3, 0x40};
    cr_assert_eq(glia_config_validate(&c, NULL), 0);
    check_round_trip(&c, "custom");
}

/* Found by tests/fuzz (config harness): -0.0 was kept, written back as "-0", and read
 * as the integer 0, so the config did not survive its own document. -0 is zero. */
Test(config, negative_zero_is_zero_and_survives_the_round_trip)
{
    static const char *const docs[] = {
        "{\"network\": {\"threshold\": -0.0, \"spread\": -0}}",
        "{\"network\": {\"threshold\": -0e5, \"spread\": 0.0}}",
    };

    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        glia_config_t c;
        glia_error_t err;
        json_t *j = json_loads(docs[i], 0, NULL);
        cr_assert_not_null(j);
        glia_config_default(&c);
        glia_error_clear(&err);
        cr_assert_eq(glia_config_apply_json(&c, j, "", &err), 0, "%s", err.message);
        cr_assert(c.network.threshold == 0.0 && !signbit(c.network.threshold), "%s", docs[i]);
        cr_assert(c.network.spread == 0.0 && !signbit(c.network.spread), "%s", docs[i]);
        check_round_trip(&c, docs[i]);
        json_decref(j);
    }
}

Test(config, json_has_every_field_at_its_pointer)
{
    glia_config_t c;
    json_t *j;

    glia_config_default(&c);
    j = glia_config_to_json(&c);
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        char buf[GLIA_FIELD_MAX], *seg, *save = NULL;
        json_t *v = j;
        cr_assert_eq(f->pointer[0], '/');
        for (const glia_config_field_t *g = glia_config_fields; g < f; g++)
            cr_assert_str_neq(g->pointer, f->pointer, "duplicate field");
        snprintf(buf, sizeof(buf), "%s", f->pointer + 1);
        for (seg = strtok_r(buf, "/", &save); seg && v; seg = strtok_r(NULL, "/", &save))
            v = json_object_get(v, seg);
        cr_assert_not_null(v, "%s missing from the JSON", f->pointer);
        cr_assert(f->type == GLIA_FIELD_ENUM   ? json_is_string(v)
                  : f->type == GLIA_FIELD_BOOL ? json_is_boolean(v)
                  : f->type == GLIA_FIELD_INT  ? json_is_integer(v)
                                               : json_is_real(v),
                  "%s has the wrong JSON type", f->pointer);
    }
    cr_assert_eq(json_array_size(json_object_get(json_object_get(j, "task"), "patterns")), 8);
    json_decref(j);
}

Test(config, overrides_keep_the_rest_of_the_preset)
{
    glia_config_t c;
    glia_error_t err;
    json_t *o = json_pack("{s:{s:i}, s:{s:{s:s}}}", "training", "steps_per_episode", 20, "learner",
                          "astrocyte", "sensing", "traffic");

    glia_error_clear(&err);
    cr_assert_eq(glia_config_resolve(&c, "exp024", "/preset", o, "/config", &err), 0, "%s",
                 err.message);
    cr_assert_eq(c.training.steps_per_episode, 20);
    cr_assert_eq(c.learner.astrocyte.sensing, GLIA_SENSE_TRAFFIC);
    cr_assert_eq(c.learner.astrocyte.exploration, GLIA_EXPLORE_MATURITY);
    cr_assert_eq(c.rng, GLIA_RNG_MULBERRY32_JS);
    cr_assert_eq(c.network.id_stride, 30);
    json_decref(o);

    /* No preset, no overrides: the defaults. */
    cr_assert_eq(glia_config_resolve(&c, NULL, "/preset", NULL, "/config", NULL), 0);
    cr_assert_eq(c.rng, GLIA_RNG_XOSHIRO256SS);

    /* Without a base the pointer is relative to the overrides document. */
    o = json_pack("{s:{s:i}}", "network", "clusters", 0);
    glia_config_default(&c);
    glia_error_clear(&err);
    cr_assert_eq(glia_config_apply_json(&c, o, NULL, &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "/network/clusters");
    json_decref(o);
}

Test(config, patterns_parse_and_format)
{
    uint64_t bits;
    int width;
    char out[GLIA_MAX_WIDTH + 1];
    char wide[GLIA_MAX_WIDTH + 2];

    cr_assert_eq(glia_pattern_parse("10110", &bits, &width), 0);
    cr_assert_eq(bits, 0x0d, "character i is bit i");
    cr_assert_eq(width, 5);
    glia_pattern_format(bits, width, out);
    cr_assert_str_eq(out, "10110");
    cr_assert_eq(glia_pattern_parse("", &bits, &width), GLIA_EINVAL);
    cr_assert_eq(glia_pattern_parse("10a", &bits, &width), GLIA_EINVAL);
    memset(wide, '1', sizeof(wide) - 1);
    wide[GLIA_MAX_WIDTH] = '\0';
    cr_assert_eq(glia_pattern_parse(wide, &bits, &width), 0);
    cr_assert(bits == UINT64_MAX && width == 64);
    glia_pattern_format(bits, width, out);
    cr_assert_str_eq(out, wide);
    wide[GLIA_MAX_WIDTH] = '1';
    wide[GLIA_MAX_WIDTH + 1] = '\0';
    cr_assert_eq(glia_pattern_parse(wide, &bits, &width), GLIA_EINVAL);
}

Test(config, json_pointer_escapes_keys)
{
    char p[64] = "/config";

    glia_json_pointer_append(p, sizeof(p), "a/b~c");
    cr_assert_str_eq(p, "/config/a~1b~0c");
    {
        char small[8] = "/ab";
        glia_json_pointer_append(small, sizeof(small), "cdefghij");
        cr_assert_str_eq(small, "/ab/cd", "cut, and still terminated");
    }
}
