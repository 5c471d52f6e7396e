/* test_experiment_json.c: experiment bodies, records, statistics and reports.
 *
 * Parsing: the templates are valid as they are, and each kind of bad body is refused
 * with the JSON pointer of the offending field. Results: a hand-made document with
 * known records (3 conditions x 4 seeds, 8 patterns of 5 bits = 40 bits) whose means,
 * wins/ties/losses, accept rates and constant-output counts are worked out below by
 * hand; the Markdown and CSV reports of that document.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/experiment_json.h"
#include "core/session.h"
#include "core/stats.h"

static const unsigned paper_seeds[10] = {42, 137, 271, 314, 500, 618, 777, 888, 999, 1234};

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert_not_null(j, "test JSON: %s: %s", jerr.text, text);
    return j;
}

/* Parse `text` and expect a refusal at `pointer`. */
static void expect_refused(const char *text, const char *pointer)
{
    static glia_experiment_spec_t spec; /* large: not on the stack */
    glia_error_t err;
    json_t *body = load(text);
    int rc;

    glia_error_clear(&err);
    rc = glia_experiment_parse(body, &spec, &err);
    cr_expect_eq(rc, GLIA_EINVAL, "%s: rc %d, want GLIA_EINVAL", text, rc);
    cr_expect_str_eq(err.field, pointer, "%s: pointer \"%s\" (%s), want \"%s\"", text, err.field,
                     err.message, pointer);
    cr_expect(err.message[0] != '\0', "%s: a message", text);
    json_decref(body);
}

static int parse_ok(const char *text, glia_experiment_spec_t *spec)
{
    glia_error_t err;
    json_t *body = load(text);
    int rc;

    glia_error_clear(&err);
    rc = glia_experiment_parse(body, spec, &err);
    cr_expect_eq(rc, 0, "%s: refused at \"%s\": %s", text, err.field, err.message);
    json_decref(body);
    return rc;
}

/* A valid body with one part replaced: `name`, `conds` and `seeds` are JSON text. */
static void body_with(char *out, size_t size, const char *name, const char *conds,
                      const char *seeds, const char *episodes)
{
    snprintf(out, size, "{\"name\": %s, \"conditions\": %s, \"seeds\": %s, \"episodes\": %s}", name,
             conds, seeds, episodes);
}

#define GOOD_CONDS                                                                                 \
    "[{\"label\": \"astro\", \"preset\": \"astrocyte-firing\"}, {\"label\": \"cur\", \"preset\": " \
    "\"cursor\"}]"

/* ---- parsing --------------------------------------------------------------------- */

Test(experiment_json, templates_parse_as_they_are)
{
    static glia_experiment_spec_t spec;
    json_t *items = glia_experiment_templates();
    static const char *const names[5] = {"exp020", "exp021", "exp022", "exp023", "exp024"};

    cr_assert(json_is_array(items));
    cr_assert_eq(json_array_size(items), 12,
                 "the paper's five studies, phase 1's three, reach, the three baselines");
    for (size_t i = 0; i < 5; i++) {
        json_t *t = json_array_get(items, i), *body = json_object_get(t, "body");
        glia_error_t err;
        int rc;

        cr_expect_str_eq(json_string_value(json_object_get(t, "name")), names[i]);
        cr_expect(json_is_string(json_object_get(t, "description")), "%s", names[i]);
        glia_error_clear(&err);
        rc = glia_experiment_parse(body, &spec, &err);
        cr_assert_eq(rc, 0, "%s: %s: %s", names[i], err.field, err.message);
        cr_expect_str_eq(spec.name, names[i]);
        cr_expect_eq(spec.n_seeds, 10, "%s", names[i]);
        for (int k = 0; k < 10; k++)
            cr_expect_eq(spec.seeds[k], paper_seeds[k], "%s seed %d", names[i], k);
        cr_expect_eq(spec.episodes, i == 4 ? 20000u : 5000u, "%s", names[i]);
        cr_expect_eq(spec.n_conditions, i == 0 ? 2 : 3, "%s", names[i]);
        for (int c = 0; c < spec.n_conditions; c++) {
            glia_config_t want;
            cr_expect(spec.conditions[c].preset[0] != '\0', "%s/%d has a preset", names[i], c);
            cr_assert_eq(glia_config_preset(&want, spec.conditions[c].preset), 0);
            {
                json_t *a = glia_config_to_json(&spec.conditions[c].config);
                json_t *b = glia_config_to_json(&want);
                cr_expect(json_equal(a, b), "%s/%s: the config is the preset's", names[i],
                          spec.conditions[c].label);
                json_decref(a);
                json_decref(b);
            }
        }
        /* every condition ends with a control (exp020: cursor vs control) */
        cr_expect_str_eq(spec.conditions[spec.n_conditions - 1].preset, "control", "%s", names[i]);
    }
    /* exp021 is Table 4: astrocyte-firing, cursor, control */
    cr_assert_eq(
        glia_experiment_parse(json_object_get(json_array_get(items, 1), "body"), &spec, NULL), 0);
    cr_expect_str_eq(spec.conditions[0].label, "astrocyte");
    cr_expect_str_eq(spec.conditions[0].preset, "astrocyte-firing");
    cr_expect_str_eq(spec.conditions[1].label, "cursor");
    cr_expect_str_eq(spec.conditions[2].label, "control");

    /* reach: the paper's best, reach, global perturbation and random search under reach's
     * reward and settings, paper seeds */
    {
        json_t *t = json_array_get(items, 8);
        glia_config_t want;
        glia_error_t err;
        glia_error_clear(&err);
        cr_expect_str_eq(json_string_value(json_object_get(t, "name")), "reach");
        cr_assert_eq(glia_experiment_parse(json_object_get(t, "body"), &spec, &err), 0, "%s: %s",
                     err.field, err.message);
        cr_expect_eq(spec.episodes, 20000u);
        cr_expect_eq(spec.n_seeds, 10);
        for (int k = 0; k < 10; k++)
            cr_expect_eq(spec.seeds[k], paper_seeds[k]);
        cr_assert_eq(spec.n_conditions, 4);
        cr_expect_str_eq(spec.conditions[0].label, "maturity");
        glia_config_preset(&want, "maturity");
        want.training.trajectory_interval = 10; /* only the points are denser */
        cr_expect(glia_config_equal(&spec.conditions[0].config, &want));
        cr_expect_str_eq(spec.conditions[1].label, "reach");
        glia_config_preset(&want, "reach");
        cr_expect(glia_config_equal(&spec.conditions[1].config, &want));
        cr_expect_str_eq(spec.conditions[2].label, "global");
        want.learner.kind = GLIA_LEARNER_GLOBAL;
        cr_expect(glia_config_equal(&spec.conditions[2].config, &want));
        cr_expect_str_eq(spec.conditions[3].label, "random-search");
        want.learner.kind = GLIA_LEARNER_RANDOM_SEARCH;
        cr_expect(glia_config_equal(&spec.conditions[3].config, &want));
        for (int c = 0; c < 4; c++)
            cr_expect_eq(spec.conditions[c].config.training.trajectory_interval, 10,
                         "time to accuracy is read every 10 episodes");
    }
    json_decref(items);
}

/* The phase 1 and update-scope templates: presets as published, the scope learners one
 * field away from the maturity preset. */
Test(experiment_json, phase1_and_scope_templates)
{
    static glia_experiment_spec_t spec;
    static const struct {
        const char *name;
        uint64_t episodes;
        int n;
        const char *labels[4];
        int kinds[4];
    } want[3] = {
        {"phase1-attractor",
         1000,
         3,
         {"exp012b-full", "exp002-full", "exp018-baseline"},
         {GLIA_LEARNER_NEUROMOD, GLIA_LEARNER_NEUROMOD, GLIA_LEARNER_NEUROMOD}},
        {"phase1-vs-phase1b",
         20000,
         2,
         {"phase1-012b", "phase1b-024"},
         {GLIA_LEARNER_NEUROMOD, GLIA_LEARNER_ASTROCYTE}},
        {"scope",
         20000,
         4,
         {"astrocyte", "cursor", "global", "scattered"},
         {GLIA_LEARNER_ASTROCYTE, GLIA_LEARNER_CURSOR, GLIA_LEARNER_GLOBAL,
          GLIA_LEARNER_SCATTERED}},
    };
    json_t *items = glia_experiment_templates();
    glia_config_t maturity;

    cr_assert_eq(glia_config_preset(&maturity, "maturity"), 0);
    for (size_t i = 0; i < 3; i++) {
        json_t *t = json_array_get(items, 5 + i);
        glia_error_t err;
        cr_assert_str_eq(json_string_value(json_object_get(t, "name")), want[i].name);
        glia_error_clear(&err);
        cr_assert_eq(glia_experiment_parse(json_object_get(t, "body"), &spec, &err), 0,
                     "%s: %s: %s", want[i].name, err.field, err.message);
        cr_expect_eq(spec.episodes, want[i].episodes, "%s", want[i].name);
        cr_assert_eq(spec.n_conditions, want[i].n, "%s", want[i].name);
        for (int k = 0; k < 10; k++)
            cr_expect_eq(spec.seeds[k], paper_seeds[k], "%s seed %d", want[i].name, k);
        for (int c = 0; c < want[i].n; c++) {
            const glia_config_t *got = &spec.conditions[c].config;
            cr_expect_str_eq(spec.conditions[c].label, want[i].labels[c]);
            cr_expect_eq(got->learner.kind, want[i].kinds[c], "%s/%s", want[i].name,
                         want[i].labels[c]);
            if (i == 2) {
                /* Everything but the learner kind is the maturity preset's. */
                glia_config_t same = *got;
                same.learner.kind = maturity.learner.kind;
                cr_expect(glia_config_equal(&same, &maturity), "scope/%s: maturity settings",
                          want[i].labels[c]);
            }
        }
    }
    json_decref(items);
}

Test(experiment_json, accepts_seed_ranges_configs_and_no_preset)
{
    static glia_experiment_spec_t spec;
    char b[1024];

    body_with(b, sizeof(b), "\"e1\"", GOOD_CONDS, "{\"count\": 3, \"base\": 100}", "20");
    cr_assert_eq(parse_ok(b, &spec), 0);
    cr_expect_eq(spec.n_seeds, 3);
    cr_expect(spec.seeds[0] == 100 && spec.seeds[1] == 101 && spec.seeds[2] == 102);
    cr_expect_eq(spec.episodes, 20);

    /* base defaults to 1 */
    body_with(b, sizeof(b), "\"e1\"", GOOD_CONDS, "{\"count\": 2}", "1");
    cr_assert_eq(parse_ok(b, &spec), 0);
    cr_expect(spec.n_seeds == 2 && spec.seeds[0] == 1 && spec.seeds[1] == 2);

    /* the largest seed range that fits: base + count - 1 = 4294967295 */
    body_with(b, sizeof(b), "\"e1\"", GOOD_CONDS, "{\"count\": 2, \"base\": 4294967294}", "1");
    cr_assert_eq(parse_ok(b, &spec), 0);
    cr_expect_eq(spec.seeds[1], 4294967295u);

    /* explicit seeds at both ends of the range */
    body_with(b, sizeof(b), "\"e1\"", GOOD_CONDS, "[0, 4294967295]", "10000000");
    cr_assert_eq(parse_ok(b, &spec), 0);
    cr_expect(spec.seeds[0] == 0 && spec.seeds[1] == 4294967295u);
    cr_expect_eq(spec.episodes, 10000000u);

    /* overrides on a preset, and a condition without a preset (the defaults) */
    body_with(
        b, sizeof(b), "\"e1\"",
        "[{\"label\": \"wide\", \"preset\": \"cursor\", \"config\": {\"learner\": {\"cursor\": "
        "{\"radius\": 2.5}}}}, {\"label\": \"plain\"}]",
        "[1]", "5");
    cr_assert_eq(parse_ok(b, &spec), 0);
    cr_expect_eq(spec.conditions[0].config.learner.cursor.radius, 2.5);
    cr_expect_str_eq(spec.conditions[0].preset, "cursor");
    cr_expect_str_eq(spec.conditions[1].preset, "");
    {
        glia_config_t def;
        json_t *a, *d;
        glia_config_default(&def);
        a = glia_config_to_json(&spec.conditions[1].config);
        d = glia_config_to_json(&def);
        cr_expect(json_equal(a, d), "no preset: the defaults");
        json_decref(a);
        json_decref(d);
    }

    /* a description is allowed; labels with digits, '_' and '-' after the first */
    cr_assert_eq(parse_ok("{\"name\": \"e.2-x_y\", \"description\": \"why\", \"conditions\": "
                          "[{\"label\": \"0a_b-c\"}], \"seeds\": [5], \"episodes\": 1}",
                          &spec),
                 0);
    cr_expect_str_eq(spec.name, "e.2-x_y");
    cr_expect_str_eq(spec.conditions[0].label, "0a_b-c");

    /* the longest session name that fits: 64 characters */
    {
        char name[80];
        memset(name, 'n', 58);
        name[58] = '\0';
        /* 58 + ".ab." + "99" = 64 */
        snprintf(b, sizeof(b),
                 "{\"name\": \"%s\", \"conditions\": [{\"label\": \"ab\"}], \"seeds\": [99], "
                 "\"episodes\": 1}",
                 name);
        cr_expect_eq(parse_ok(b, &spec), 0);
    }
}

Test(experiment_json, refuses_bad_names_and_fields)
{
    char b[1024];

    expect_refused("[1, 2]", "");
    expect_refused("{\"conditions\": " GOOD_CONDS ", \"seeds\": [1], \"episodes\": 5}", "/name");
    body_with(b, sizeof(b), "\"Exp\"", GOOD_CONDS, "[1]", "5");
    expect_refused(b, "/name");
    body_with(b, sizeof(b), "\"\"", GOOD_CONDS, "[1]", "5");
    expect_refused(b, "/name");
    body_with(b, sizeof(b), "42", GOOD_CONDS, "[1]", "5");
    expect_refused(b, "/name");
    /* unknown fields, at the top and inside a condition */
    expect_refused("{\"name\": \"e\", \"conditions\": " GOOD_CONDS
                   ", \"seeds\": [1], \"episodes\": 5, \"bogus\": 1}",
                   "/bogus");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"a\", \"seed\": 3}]", "[1]", "5");
    expect_refused(b, "/conditions/0/seed");
    expect_refused("{\"name\": \"e\", \"description\": 7, \"conditions\": " GOOD_CONDS
                   ", \"seeds\": [1], \"episodes\": 5}",
                   "/description");
}

Test(experiment_json, refuses_bad_conditions_with_their_index)
{
    char b[1024];
    char long_label[64];

    /* labels: uppercase, a leading '_', a dot, empty, 25 characters, not a string */
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"ok\"}, {\"label\": \"Astro\"}]", "[1]", "5");
    expect_refused(b, "/conditions/1/label");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"_a\"}]", "[1]", "5");
    expect_refused(b, "/conditions/0/label");
    body_with(b, sizeof(b), "\"e\"",
              "[{\"label\": \"a\"}, {\"label\": \"b\"}, {\"label\": \"c.d\"}]", "[1]", "5");
    expect_refused(b, "/conditions/2/label");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"\"}]", "[1]", "5");
    expect_refused(b, "/conditions/0/label");
    memset(long_label, 'l', 25);
    long_label[25] = '\0';
    snprintf(b, sizeof(b),
             "{\"name\": \"e\", \"conditions\": [{\"label\": \"%s\"}], \"seeds\": [1], "
             "\"episodes\": 5}",
             long_label);
    expect_refused(b, "/conditions/0/label");
    long_label[24] = '\0'; /* 24 is the most */
    {
        static glia_experiment_spec_t spec;
        snprintf(b, sizeof(b),
                 "{\"name\": \"e\", \"conditions\": [{\"label\": \"%s\"}], \"seeds\": "
                 "[1], \"episodes\": 5}",
                 long_label);
        cr_expect_eq(parse_ok(b, &spec), 0);
    }
    body_with(b, sizeof(b), "\"e\"", "[{\"preset\": \"cursor\"}]", "[1]", "5");
    expect_refused(b, "/conditions/0/label");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": 3}]", "[1]", "5");
    expect_refused(b, "/conditions/0/label");
    /* a duplicate label is reported at the second one */
    body_with(
        b, sizeof(b), "\"e\"",
        "[{\"label\": \"a\"}, {\"label\": \"b\"}, {\"label\": \"a\", \"preset\": \"cursor\"}]",
        "[1]", "5");
    expect_refused(b, "/conditions/2/label");
    /* unknown preset */
    body_with(b, sizeof(b), "\"e\"",
              "[{\"label\": \"a\"}, {\"label\": \"b\", \"preset\": \"nope\"}]", "[1]", "5");
    expect_refused(b, "/conditions/1/preset");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"a\", \"preset\": 3}]", "[1]", "5");
    expect_refused(b, "/conditions/0/preset");
    /* config errors carry the condition's prefix */
    body_with(b, sizeof(b), "\"e\"",
              "[{\"label\": \"a\"}, {\"label\": \"b\", \"preset\": \"cursor\", \"config\": "
              "{\"network\": {\"p_intra\": 2}}}]",
              "[1]", "5");
    expect_refused(b, "/conditions/1/config/network/p_intra");
    body_with(
        b, sizeof(b), "\"e\"",
        "[{\"label\": \"a\", \"config\": {\"learner\": {\"astrocyte\": {\"sensing\": \"x\"}}}}]",
        "[1]", "5");
    expect_refused(b, "/conditions/0/config/learner/astrocyte/sensing");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"a\", \"config\": {\"bogus\": 1}}]", "[1]",
              "5");
    expect_refused(b, "/conditions/0/config/bogus");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"a\", \"config\": [1]}]", "[1]", "5");
    expect_refused(b, "/conditions/0/config");
    body_with(b, sizeof(b), "\"e\"", "[{\"label\": \"a\"}, 7]", "[1]", "5");
    expect_refused(b, "/conditions/1");
    /* none, or more than GLIA_MAX_CONDITIONS (256) */
    body_with(b, sizeof(b), "\"e\"", "[]", "[1]", "5");
    expect_refused(b, "/conditions");
    {
        static char conds[(GLIA_MAX_CONDITIONS + 1) * 24 + 2], big[sizeof(conds) + 100];
        strcpy(conds, "[");
        for (int i = 0; i <= GLIA_MAX_CONDITIONS; i++) {
            char one[32];
            snprintf(one, sizeof(one), "%s{\"label\": \"c%d\"}", i ? ", " : "", i);
            strcat(conds, one);
        }
        strcat(conds, "]");
        body_with(big, sizeof(big), "\"e\"", conds, "[1]", "5");
        expect_refused(big, "/conditions");
    }
    expect_refused("{\"name\": \"e\", \"seeds\": [1], \"episodes\": 5}", "/conditions");
}

Test(experiment_json, refuses_bad_seeds_and_episodes)
{
    char b[1024];

    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[]", "5");
    expect_refused(b, "/seeds");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[1, 2, 1]", "5");
    expect_refused(b, "/seeds/2");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[-1]", "5");
    expect_refused(b, "/seeds/0");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[7, 4294967296]", "5");
    expect_refused(b, "/seeds/1");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[1, \"2\"]", "5");
    expect_refused(b, "/seeds/1");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[1.5]", "5");
    expect_refused(b, "/seeds/0");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "\"1\"", "5");
    expect_refused(b, "/seeds");
    expect_refused("{\"name\": \"e\", \"conditions\": " GOOD_CONDS ", \"episodes\": 5}", "/seeds");
    {
        char many[600] = "[";
        for (int i = 0; i < 101; i++) {
            char one[16];
            snprintf(one, sizeof(one), "%s%d", i ? "," : "", i);
            strcat(many, one);
        }
        strcat(many, "]");
        body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, many, "5");
        expect_refused(b, "/seeds");
    }
    /* {count, base} */
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "{\"count\": 2, \"base\": 4294967295}", "5");
    expect_refused(b, "/seeds/base");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "{\"count\": 100, \"base\": 4294967200}", "5");
    expect_refused(b, "/seeds/base");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "{\"count\": 1, \"base\": -1}", "5");
    expect_refused(b, "/seeds/base");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "{\"count\": 0}", "5");
    expect_refused(b, "/seeds/count");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "{\"count\": 101}", "5");
    expect_refused(b, "/seeds/count");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "{\"base\": 3}", "5");
    expect_refused(b, "/seeds/count");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "{\"count\": 2, \"step\": 3}", "5");
    expect_refused(b, "/seeds/step");
    /* episodes */
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[1]", "0");
    expect_refused(b, "/episodes");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[1]", "-5");
    expect_refused(b, "/episodes");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[1]", "10000001");
    expect_refused(b, "/episodes");
    body_with(b, sizeof(b), "\"e\"", GOOD_CONDS, "[1]", "\"5\"");
    expect_refused(b, "/episodes");
    expect_refused("{\"name\": \"e\", \"conditions\": " GOOD_CONDS ", \"seeds\": [1]}",
                   "/episodes");
}

Test(experiment_json, refuses_names_whose_sessions_would_not_fit_at_name)
{
    char b[1024], name[80];

    /* 58 + ".abc." + "99" = 65 > 64 */
    memset(name, 'n', 58);
    name[58] = '\0';
    snprintf(b, sizeof(b),
             "{\"name\": \"%s\", \"conditions\": [{\"label\": \"abc\"}], \"seeds\": [99], "
             "\"episodes\": 1}",
             name);
    expect_refused(b, "/name");
    /* only the longest seed overflows: 58 + ".ab." + "100" */
    snprintf(b, sizeof(b),
             "{\"name\": \"%s\", \"conditions\": [{\"label\": \"ab\"}], \"seeds\": [99, 100], "
             "\"episodes\": 1}",
             name);
    expect_refused(b, "/name");
    /* a 64-character name cannot have any session */
    memset(name, 'n', 64);
    name[64] = '\0';
    snprintf(
        b, sizeof(b),
        "{\"name\": \"%s\", \"conditions\": [{\"label\": \"a\"}], \"seeds\": [1], \"episodes\": 1}",
        name);
    expect_refused(b, "/name");
}

Test(experiment_json, session_names_and_the_document_round_trip)
{
    static glia_experiment_spec_t spec, back;
    char name[GLIA_NAME_MAX + 1], b[1024];
    json_t *doc;
    glia_error_t err;

    glia_experiment_session_name("exp021", "astrocyte", 1234, name, sizeof(name));
    cr_expect_str_eq(name, "exp021.astrocyte.1234");
    glia_experiment_session_name("e", "c", 4294967295u, name, sizeof(name));
    cr_expect_str_eq(name, "e.c.4294967295");

    body_with(b, sizeof(b), "\"rt\"",
              "[{\"label\": \"a\", \"preset\": \"maturity\"}, {\"label\": \"b\", \"config\": "
              "{\"network\": {\"regular\": 18}}}]",
              "[3, 1, 2]", "77");
    cr_assert_eq(parse_ok(b, &spec), 0);
    doc = glia_experiment_doc_new(&spec);
    cr_assert_not_null(doc);
    cr_expect_str_eq(json_string_value(json_object_get(doc, "name")), "rt");
    cr_expect_eq(json_integer_value(json_object_get(doc, "episodes")), 77);
    {
        json_t *want = load("[3, 1, 2]");
        cr_expect(json_equal(json_object_get(doc, "seeds"), want), "seeds in order");
        json_decref(want);
    }
    cr_expect(json_is_object(json_object_get(doc, "records")));
    cr_expect_eq(json_object_size(json_object_get(doc, "records")), 0);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(doc, "conditions"), 0), "preset")),
                     "maturity");
    cr_expect(!json_is_string(
                  json_object_get(json_array_get(json_object_get(doc, "conditions"), 1), "preset")),
              "no preset: absent or null");

    glia_error_clear(&err);
    cr_assert_eq(glia_experiment_spec_from_doc(doc, &back, &err), 0, "%s: %s", err.field,
                 err.message);
    cr_expect_str_eq(back.name, "rt");
    cr_expect_eq(back.episodes, 77);
    cr_expect_eq(back.n_seeds, 3);
    cr_expect(back.seeds[0] == 3 && back.seeds[1] == 1 && back.seeds[2] == 2);
    cr_expect_eq(back.n_conditions, 2);
    for (int c = 0; c < 2; c++) {
        json_t *x = glia_config_to_json(&spec.conditions[c].config);
        json_t *y = glia_config_to_json(&back.conditions[c].config);
        cr_expect_str_eq(back.conditions[c].label, spec.conditions[c].label);
        cr_expect_str_eq(back.conditions[c].preset, spec.conditions[c].preset);
        cr_expect(json_equal(x, y), "condition %d: the config survives the document", c);
        json_decref(x);
        json_decref(y);
    }
    cr_expect_eq(back.conditions[1].config.network.regular, 18);
    json_decref(doc);
}

/* An experiment's name is kept whole in its session names (up to 64 characters in all),
 * not cut: the daemon recognises its sessions by that prefix (17_experiments). */
Test(experiment_json, session_names_keep_the_whole_experiment_name)
{
    static glia_experiment_spec_t spec;
    char name[GLIA_NAME_MAX + 1], exp[64], want[80], b[512];
    json_t *body;

    memset(exp, 'a', 60);
    exp[60] = '\0';
    /* 60 + ".c." + "1" = 64: accepted, and the session name is all of it */
    snprintf(
        b, sizeof(b),
        "{\"name\": \"%s\", \"conditions\": [{\"label\": \"c\"}], \"seeds\": [1], \"episodes\": 1}",
        exp);
    body = load(b);
    cr_assert_eq(glia_experiment_parse(body, &spec, NULL), 0);
    json_decref(body);
    glia_experiment_session_name(exp, "c", 1, name, sizeof(name));
    snprintf(want, sizeof(want), "%s.c.1", exp);
    cr_expect_str_eq(name, want);
    cr_expect_eq(strlen(name), 64);
    /* two experiments that share their first 40 characters get different sessions */
    {
        char other[64], name2[GLIA_NAME_MAX + 1];
        memcpy(other, exp, sizeof(other));
        other[45] = 'b';
        glia_experiment_session_name(other, "c", 1, name2, sizeof(name2));
        cr_expect_str_neq(name, name2);
    }
}

Test(experiment_json, templates_is_not_an_experiment_name)
{
    expect_refused(
        "{\"name\": \"templates\", \"conditions\": [{\"label\": \"a\"}], \"seeds\": [1], "
        "\"episodes\": 1}",
        "/name");
}

/* ---- records of a real run --------------------------------------------------------- */

Test(experiment_json, record_of_a_run_matches_the_session)
{
    static const char *const presets[] = {"cursor", "control"};

    for (int p = 0; p < 2; p++) {
        glia_config_t cfg;
        glia_session_t *s = NULL;
        glia_counters_t k;
        glia_inference_t inf;
        json_t *r, *outs, *cfg_json, *pats;
        int correct = 0;

        cr_assert_eq(glia_config_preset(&cfg, presets[p]), 0);
        cfg_json = glia_config_to_json(&cfg);
        pats = json_object_get(json_object_get(cfg_json, "task"), "patterns");
        cr_assert_eq(glia_session_new(&cfg, 42, &s, NULL), 0);
        cr_assert_eq(glia_session_run_episodes(s, 30), 0);
        r = glia_experiment_record(s);
        cr_assert_not_null(r);
        glia_session_counters(s, &k);
        glia_session_inference(s, &inf);

        cr_expect_eq(json_integer_value(json_object_get(r, "seed")), 42);
        cr_expect_eq(json_integer_value(json_object_get(r, "episodes")), 30);
        cr_expect_eq(json_real_value(json_object_get(r, "accuracy")), inf.mean_accuracy, "%s",
                     presets[p]);
        cr_expect_eq(json_integer_value(json_object_get(r, "accepted")), (json_int_t)k.accepted);
        cr_expect_eq(json_integer_value(json_object_get(r, "rejected")), (json_int_t)k.rejected);
        if (k.accepted + k.rejected > 0)
            cr_expect_eq(json_real_value(json_object_get(r, "accept_rate")),
                         (double)k.accepted / (double)(k.accepted + k.rejected), "%s", presets[p]);
        else
            cr_expect(json_is_null(json_object_get(r, "accept_rate")), "%s: no decisions, null",
                      presets[p]);
        cr_expect_eq(json_integer_value(json_object_get(r, "distinct_outputs")),
                     inf.distinct_outputs);
        cr_expect_eq(json_is_true(json_object_get(r, "constant_output")), inf.constant_output != 0);
        cr_expect_eq(json_integer_value(json_object_get(r, "total_bits")), inf.count * inf.width);
        outs = json_object_get(r, "outputs");
        cr_assert_eq(json_array_size(outs), (size_t)inf.count);
        cr_assert_eq(json_array_size(json_object_get(r, "pattern_accuracy")), (size_t)inf.count);
        /* correct bits counted independently from the output strings and the targets */
        for (int i = 0; i < inf.count; i++) {
            const char *o = json_string_value(json_array_get(outs, (size_t)i));
            const char *t =
                json_string_value(json_object_get(json_array_get(pats, (size_t)i), "target"));
            cr_assert_not_null(o);
            cr_assert_eq(strlen(o), (size_t)inf.width);
            for (int bit = 0; bit < inf.width; bit++)
                correct += o[bit] == t[bit];
            cr_expect_eq(
                json_real_value(json_array_get(json_object_get(r, "pattern_accuracy"), (size_t)i)),
                inf.accuracy[i]);
        }
        cr_expect_eq(json_integer_value(json_object_get(r, "correct_bits")), correct, "%s",
                     presets[p]);
        cr_expect(fabs((double)correct / (inf.count * inf.width) - inf.mean_accuracy) < 1e-12,
                  "%s: correct bits / total bits is the mean accuracy", presets[p]);
        json_decref(r);
        json_decref(cfg_json);
        glia_session_free(s);
    }
}

/* ---- results from a hand-made document ------------------------------------------------ */

/*
 * 3 conditions x seeds 1..4, 40 bits per run (8 patterns x 5 bits).
 *
 *   seed    astro (bits, acc, rate)   cursor (bits, acc, rate)       control
 *   1       28  0.7    0.40           26  0.65     0.05              20  0.5  (none)
 *   2       27  0.675  0.35           27  0.675+1ulp 0.04            20  0.5
 *   3       26  0.65   0.30 const     27  0.675    0.03              20  0.5
 *   4       31  0.775  0.45           28  0.7      0.02              20  0.5
 *
 * astro vs cursor on bits: +2, 0, -1, +3 -> 2 wins, 1 tie (seed 2: the accuracies
 * differ in the last bit, the bits do not), 1 loss; mean difference (2+0-1+3)/4/40 =
 * 0.025. Wilcoxon: zeros dropped, |d| 2 1 3 -> ranks 2 1 3, W+ = 5, W- = 1; exact over
 * 8 sign patterns, P(W+ >= 5) = 2/8 (sums 5 and 6) -> two-sided 0.5. Sign test 2-1: 1.
 * astro vs control: 4 wins; Wilcoxon (8, 7, 6, 11 -> ranks 3 2 1 4) W+ = 10, p = 2/16;
 * sign test 4-0: 2/16. Means: astro 2.8/4 = 0.7, cursor 2.7/4 = 0.675, control 0.5.
 * Accept rates: astro 1.5/4 = 0.375, cursor 0.14/4 = 0.035, control null.
 */
static const char *const outs_of[3] = {"00101", "10101", "00000"};

static json_t *record(unsigned seed, int bits, double acc, double rate, int has_rate, int constant,
                      int distinct, int variant)
{
    json_t *outs = json_array(), *pacc = json_array();
    for (int p = 0; p < 8; p++) {
        json_array_append_new(outs, json_string(constant ? "00000" : outs_of[(p + variant) % 3]));
        json_array_append_new(pacc, json_real(acc));
    }
    return json_pack("{s:I, s:I, s:f, s:i, s:i, s:I, s:I, s:o, s:i, s:b, s:o, s:o}", "seed",
                     (json_int_t)seed, "episodes", (json_int_t)50, "accuracy", acc, "correct_bits",
                     bits, "total_bits", 40, "accepted",
                     (json_int_t)(has_rate ? lround(100 * rate) : 0), "rejected",
                     (json_int_t)(has_rate ? 100 - lround(100 * rate) : 0), "accept_rate",
                     has_rate ? json_real(rate) : json_null(), "distinct_outputs", distinct,
                     "constant_output", constant, "outputs", outs, "pattern_accuracy", pacc);
}

static void put(json_t *doc, const char *label, unsigned seed, json_t *r)
{
    json_t *records = json_object_get(doc, "records");
    char key[16];
    if (json_object_get(records, label) == NULL)
        json_object_set_new(records, label, json_object());
    snprintf(key, sizeof(key), "%u", seed);
    json_object_set_new(json_object_get(records, label), key, r);
}

/* The document above; with `partial`, cursor's seed 4 never finished. */
static json_t *hand_doc(int partial)
{
    static glia_experiment_spec_t spec;
    json_t *doc;
    const double tie_acc = nextafter(0.675, 1.0);

    cr_assert_eq(
        parse_ok("{\"name\": \"hand\", \"conditions\": [{\"label\": \"astro\", \"preset\": "
                 "\"astrocyte-firing\"}, {\"label\": \"cursor\", \"preset\": \"cursor\"}, "
                 "{\"label\": \"control\", \"preset\": \"control\"}], \"seeds\": [1, 2, 3, "
                 "4], \"episodes\": 50}",
                 &spec),
        0);
    doc = glia_experiment_doc_new(&spec);
    cr_assert_not_null(doc);
    cr_assert_neq(tie_acc, 0.675);
    put(doc, "astro", 1, record(1, 28, 0.7, 0.40, 1, 0, 3, 0));
    put(doc, "astro", 2, record(2, 27, 0.675, 0.35, 1, 0, 3, 1));
    put(doc, "astro", 3, record(3, 26, 0.65, 0.30, 1, 1, 1, 0));
    put(doc, "astro", 4, record(4, 31, 0.775, 0.45, 1, 0, 3, 2));
    put(doc, "cursor", 1, record(1, 26, 0.65, 0.05, 1, 0, 2, 1));
    put(doc, "cursor", 2, record(2, 27, tie_acc, 0.04, 1, 0, 2, 2));
    put(doc, "cursor", 3, record(3, 27, 0.675, 0.03, 1, 0, 2, 0));
    if (!partial)
        put(doc, "cursor", 4, record(4, 28, 0.7, 0.02, 1, 0, 2, 1));
    for (unsigned s = 1; s <= 4; s++)
        put(doc, "control", s, record(s, 20, 0.5, 0, 0, 1, 1, 0));
    json_object_set_new(doc, "state", json_string(partial ? "cancelled" : "completed"));
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    cr_assert_not_null(json_object_get(doc, "results"));
    return doc;
}

static json_t *cond_of(const json_t *doc, const char *label)
{
    json_t *cs = json_object_get(json_object_get(doc, "results"), "conditions");
    for (size_t i = 0; i < json_array_size(cs); i++) {
        json_t *c = json_array_get(cs, i);
        if (strcmp(json_string_value(json_object_get(c, "label")), label) == 0)
            return c;
    }
    cr_assert_fail("no condition %s in the results", label);
    return NULL;
}

static json_t *pair_of(const json_t *doc, const char *a, const char *b)
{
    json_t *ps = json_object_get(json_object_get(doc, "results"), "pairwise");
    for (size_t i = 0; i < json_array_size(ps); i++) {
        json_t *p = json_array_get(ps, i);
        if (strcmp(json_string_value(json_object_get(p, "a")), a) == 0 &&
            strcmp(json_string_value(json_object_get(p, "b")), b) == 0)
            return p;
    }
    cr_assert_fail("no pair %s vs %s", a, b);
    return NULL;
}

static double num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "\"%s\" is a number", key);
    return json_number_value(v);
}

static json_int_t inte(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_integer(v), "\"%s\" is an integer", key);
    return json_integer_value(v);
}

Test(experiment_json, results_per_condition)
{
    json_t *doc = hand_doc(0), *c;
    static const double astro[4] = {0.7, 0.675, 0.65, 0.775};
    double lo, hi;

    cr_assert_eq(json_array_size(json_object_get(json_object_get(doc, "results"), "conditions")),
                 3);
    c = cond_of(doc, "astro");
    cr_expect_eq(inte(c, "n"), 4);
    cr_expect(fabs(num(c, "mean_accuracy") - 0.7) < 1e-15, "astro mean %.17g",
              num(c, "mean_accuracy"));
    cr_expect_eq(num(c, "mean_accuracy"), glia_stats_mean(astro, 4));
    cr_expect_eq(num(c, "sd"), glia_stats_sd(astro, 4));
    cr_expect_eq(num(c, "min"), 0.65);
    cr_expect_eq(num(c, "max"), 0.775);
    cr_expect(fabs(num(c, "accept_rate") - 0.375) < 1e-15, "astro rate %.17g",
              num(c, "accept_rate"));
    cr_expect_eq(inte(c, "constant_output_seeds"), 1);
    cr_expect(fabs(num(c, "mean_distinct_outputs") - 2.5) < 1e-15);
    cr_expect_str_eq(json_string_value(json_object_get(c, "preset")), "astrocyte-firing");
    glia_stats_ci95_t(astro, 4, &lo, &hi);
    cr_expect_eq(num(json_object_get(c, "ci95"), "low"), lo);
    cr_expect_eq(num(json_object_get(c, "ci95"), "high"), hi);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(c, "ci95"), "method")), "t");
    cr_expect_eq(inte(json_object_get(c, "ci95_bootstrap"), "resamples"), GLIA_BOOTSTRAP_RESAMPLES);
    cr_expect_eq(inte(json_object_get(c, "ci95_bootstrap"), "seed"), GLIA_BOOTSTRAP_SEED);
    glia_stats_ci95_bootstrap(astro, 4, GLIA_BOOTSTRAP_RESAMPLES, GLIA_BOOTSTRAP_SEED, &lo, &hi);
    cr_expect_eq(num(json_object_get(c, "ci95_bootstrap"), "low"), lo);
    cr_expect_eq(num(json_object_get(c, "ci95_bootstrap"), "high"), hi);
    cr_expect_eq(json_array_size(json_object_get(c, "pattern_accuracy")), 8);
    cr_expect(fabs(json_number_value(json_array_get(json_object_get(c, "pattern_accuracy"), 0)) -
                   0.7) < 1e-15);

    c = cond_of(doc, "cursor");
    cr_expect(fabs(num(c, "mean_accuracy") - 0.675) < 1e-15, "cursor mean %.17g",
              num(c, "mean_accuracy"));
    cr_expect(fabs(num(c, "accept_rate") - 0.035) < 1e-15, "cursor rate %.17g",
              num(c, "accept_rate"));
    cr_expect_eq(inte(c, "constant_output_seeds"), 0);

    c = cond_of(doc, "control");
    cr_expect_eq(num(c, "mean_accuracy"), 0.5);
    cr_expect_eq(num(c, "sd"), 0.0);
    cr_expect(json_is_null(json_object_get(c, "accept_rate")), "control: accept_rate null");
    cr_expect_eq(inte(c, "constant_output_seeds"), 4);
    cr_expect_eq(num(json_object_get(c, "ci95"), "low"), 0.5);
    cr_expect_eq(num(json_object_get(c, "ci95"), "high"), 0.5);
    cr_expect_eq(num(json_object_get(c, "ci95_bootstrap"), "low"), 0.5);
    cr_expect_eq(num(json_object_get(c, "ci95_bootstrap"), "high"), 0.5);
    cr_expect_eq(num(c, "mean_distinct_outputs"), 1.0);
    json_decref(doc);
}

Test(experiment_json, pairwise_compares_correct_bits_so_a_last_bit_difference_is_a_tie)
{
    json_t *doc = hand_doc(0), *p, *w;

    cr_assert_eq(json_array_size(json_object_get(json_object_get(doc, "results"), "pairwise")), 3);
    p = pair_of(doc, "astro", "cursor");
    cr_expect_eq(inte(p, "n"), 4);
    cr_expect_eq(inte(p, "wins"), 2);
    cr_expect_eq(inte(p, "ties"), 1, "seed 2: equal correct_bits, accuracies 1 ulp apart");
    cr_expect_eq(inte(p, "losses"), 1);
    cr_expect(fabs(num(p, "mean_difference") - 0.025) < 1e-15, "%.17g", num(p, "mean_difference"));
    w = json_object_get(p, "wilcoxon");
    cr_expect_eq(num(w, "w_plus"), 5.0);
    cr_expect_eq(num(w, "w_minus"), 1.0);
    cr_expect_eq(inte(w, "n_used"), 3);
    cr_expect_eq(num(w, "p_value"), 0.5);
    cr_expect(json_is_true(json_object_get(w, "exact")));
    cr_expect_eq(num(json_object_get(p, "sign_test"), "p_value"), 1.0);

    p = pair_of(doc, "astro", "control");
    cr_expect_eq(inte(p, "wins"), 4);
    cr_expect_eq(inte(p, "ties"), 0);
    cr_expect_eq(inte(p, "losses"), 0);
    cr_expect(fabs(num(p, "mean_difference") - 0.2) < 1e-15);
    w = json_object_get(p, "wilcoxon");
    cr_expect_eq(num(w, "w_plus"), 10.0);
    cr_expect_eq(num(w, "p_value"), 0.125);
    cr_expect(fabs(num(json_object_get(p, "sign_test"), "p_value") - 0.125) < 1e-12);

    p = pair_of(doc, "cursor", "control");
    cr_expect_eq(inte(p, "wins"), 4);
    cr_expect(fabs(num(p, "mean_difference") - 0.175) < 1e-15);
    json_decref(doc);
}

/* Conditions on tasks of different sizes (phase1-vs-phase1b: 4 patterns beside 8) are
 * compared by accuracy, ca/ta against cb/tb, as the integers ca*tb and cb*ta:
 *   seed 1: 11/20 = 0.55 vs 28/40 = 0.7 (loss); seed 2: 14/20 = 0.7 vs 28/40 (tie);
 *   seed 3: 16/20 = 0.8 vs 26/40 = 0.65 (win). Mean difference (-0.15 + 0 + 0.15) / 3. */
Test(experiment_json, pairwise_across_task_sizes_compares_accuracies)
{
    static glia_experiment_spec_t spec;
    static const int a_bits[3] = {11, 14, 16}, b_bits[3] = {28, 28, 26};
    json_t *doc, *p;

    cr_assert_eq(parse_ok("{\"name\": \"sizes\", \"conditions\": [{\"label\": \"p1\", "
                          "\"preset\": \"exp012b-full\"}, {\"label\": \"p1b\", \"preset\": "
                          "\"maturity\"}], \"seeds\": [1, 2, 3], \"episodes\": 50}",
                          &spec),
                 0);
    doc = glia_experiment_doc_new(&spec);
    for (unsigned s = 1; s <= 3; s++) {
        json_t *ra = record(s, a_bits[s - 1], a_bits[s - 1] / 20.0, 0, 0, 1, 1, 0);
        json_t *rb = record(s, b_bits[s - 1], b_bits[s - 1] / 40.0, 0.3, 1, 0, 3, 0);
        json_object_set_new(ra, "total_bits", json_integer(20));
        put(doc, "p1", s, ra);
        put(doc, "p1b", s, rb);
    }
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    p = pair_of(doc, "p1", "p1b");
    cr_expect_eq(inte(p, "wins"), 1);
    cr_expect_eq(inte(p, "ties"), 1);
    cr_expect_eq(inte(p, "losses"), 1);
    cr_expect_eq(num(p, "mean_difference"),
                 ((0.55 - 0.7) + (0.7 - 0.7) + (0.8 - 0.65)) / 3.0);
    cr_expect_eq(inte(json_object_get(p, "wilcoxon"), "n_used"), 2);
    json_decref(doc);
}

Test(experiment_json, per_seed_rows_and_a_partial_document)
{
    json_t *doc = hand_doc(1), *ps, *row, *p;

    ps = json_object_get(json_object_get(doc, "results"), "per_seed");
    cr_assert_eq(json_array_size(ps), 4);
    for (size_t k = 0; k < 4; k++) {
        row = json_array_get(ps, k);
        cr_expect_eq(inte(row, "seed"), (json_int_t)k + 1);
        cr_expect(json_is_object(json_object_get(json_object_get(row, "records"), "astro")));
        cr_expect(json_is_object(json_object_get(json_object_get(row, "records"), "control")));
    }
    row = json_array_get(ps, 3);
    cr_expect(json_is_null(json_object_get(json_object_get(row, "records"), "cursor")),
              "cursor seed 4 never finished: null");
    cr_expect_eq(inte(json_object_get(json_object_get(json_array_get(ps, 1), "records"), "cursor"),
                      "correct_bits"),
                 27);
    cr_expect_eq(inte(cond_of(doc, "cursor"), "n"), 3);
    cr_expect(fabs(num(cond_of(doc, "cursor"), "mean_accuracy") - (0.65 + 0.675 + 0.675) / 3) <
              1e-15);
    /* pairs use the seeds both have: seeds 1..3 */
    p = pair_of(doc, "astro", "cursor");
    cr_expect_eq(inte(p, "n"), 3);
    cr_expect_eq(inte(p, "wins"), 1);
    cr_expect_eq(inte(p, "ties"), 1);
    cr_expect_eq(inte(p, "losses"), 1);
    json_decref(doc);
}

Test(experiment_json, results_without_any_record)
{
    static glia_experiment_spec_t spec;
    json_t *doc, *res, *c;

    cr_assert_eq(parse_ok("{\"name\": \"empty\", \"conditions\": [{\"label\": \"a\"}, {\"label\": "
                          "\"b\"}], \"seeds\": [1, 2], \"episodes\": 5}",
                          &spec),
                 0);
    doc = glia_experiment_doc_new(&spec);
    res = glia_experiment_results(doc);
    cr_assert_not_null(res);
    c = json_array_get(json_object_get(res, "conditions"), 0);
    cr_expect_eq(inte(c, "n"), 0);
    cr_expect(json_is_null(json_object_get(c, "accept_rate")));
    cr_expect_eq(inte(json_array_get(json_object_get(res, "pairwise"), 0), "n"), 0);
    cr_expect_eq(
        num(json_object_get(json_array_get(json_object_get(res, "pairwise"), 0), "wilcoxon"),
            "p_value"),
        1.0);
    json_decref(res);
    json_decref(doc);
}

/* ---- reports ---------------------------------------------------------------------------- */

static void expect_has(const char *text, const char *needle)
{
    cr_expect_not_null(strstr(text, needle), "the report lacks \"%s\":\n%s", needle, text);
}

Test(experiment_json, markdown_report_has_the_table_4_rows_and_every_output_vector)
{
    json_t *doc = hand_doc(0);
    size_t len = 0;
    char *md = glia_experiment_report_md(doc, &len);

    cr_assert_not_null(md);
    cr_expect_eq(len, strlen(md));
    expect_has(md, "# Experiment hand\n");
    expect_has(md, "3 conditions x 4 seeds, 50 episodes each");
    expect_has(md, "State: completed.");
    expect_has(md, "Seeds: 1 2 3 4.\n");
    expect_has(md, "| Metric | astro | cursor | control |\n|---|---|---|---|\n");
    expect_has(md, "| Mean accuracy | 70.0% | 67.5% | 50.0% |\n");
    expect_has(md, "| Min / max | 65.0% / 77.5% | 65.0% / 70.0% | 50.0% / 50.0% |\n");
    expect_has(md, "| Accept rate | 37.5% | 3.5% | N/A |\n");
    expect_has(md, "| Mean distinct outputs | 2.5 | 2.0 | 1.0 |\n");
    expect_has(md, "| Seeds with constant output | 1/4 | 0/4 | 4/4 |\n");
    expect_has(md, "| 95% CI (t) | [");
    expect_has(md, "| 95% CI (bootstrap) | [");
    /* astro: sd = sqrt(0.00875 / 3) = 0.0540062, t(0.975, 3) = 3.182446,
     * 0.7 +- 3.182446 * 0.0540062 / 2 = [0.614064, 0.785936] */
    expect_has(md, "| 95% CI (t) | [61.4%, 78.6%] | ");
    expect_has(md, "| astro vs cursor | 2 / 1 / 1 | +2.5% | 0.500 (exact) | 1.000 |\n");
    expect_has(md, "| astro vs control | 4 / 0 / 0 | +20.0% | 0.125 (exact) | 0.125 |\n");
    expect_has(md, "| cursor vs control | 4 / 0 / 0 | +17.5% | 0.125 (exact) | 0.125 |\n");
    /* per pattern: the preset task's patterns */
    expect_has(md, "| P1 | 00000 -> 10101 | 70.0% | 67.5% | 50.0% |\n");
    expect_has(md, "| P8 | 00110 -> 11010 |");
    /* per seed: accuracy, distinct outputs and the eight output vectors */
    expect_has(md, "| 1 | 70.0%, 3 distinct: 00101 10101 00000 00101 10101 00000 00101 10101 | "
                   "65.0%, 2 distinct: 10101 00000 00101 10101 00000 00101 10101 00000 | "
                   "50.0%, 1 distinct: 00000 00000 00000 00000 00000 00000 00000 00000 |\n");
    expect_has(md, "| 3 | 65.0%, 1 distinct: 00000 00000 00000 00000 00000 00000 00000 00000 | ");
    expect_has(md, "| 4 | 77.5%, 3 distinct: 00000 00101 10101 00000 00101 10101 00000 00101 | ");
    free(md);
    json_decref(doc);

    /* a partial document marks the missing run */
    doc = hand_doc(1);
    md = glia_experiment_report_md(doc, &len);
    cr_assert_not_null(md);
    expect_has(md, "State: cancelled.");
    expect_has(md, "| 4 | 77.5%, 3 distinct: 00000 00101 10101 00000 00101 10101 00000 00101 | "
                   "(not run) | 50.0%");
    expect_has(md, "| Seeds with constant output | 1/4 | 0/3 | 4/4 |\n");
    free(md);
    json_decref(doc);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(experiment_json, csv_report_has_a_header_and_one_row_per_condition_and_seed)
{
    json_t *doc = hand_doc(0);
    size_t len = 0;
    char *csv = glia_experiment_report_csv(doc, &len), *line, *save = NULL;
    int rows = 0;

    cr_assert_not_null(csv);
    cr_expect_eq(len, strlen(csv));
    cr_expect_eq(count_lines(csv), 1 + 12, "a header and 3 x 4 rows:\n%s", csv);
    cr_expect_eq(
        strncmp(csv,
                "experiment,condition,seed,episodes,accuracy,accept_rate,accepted,rejected,"
                "distinct_outputs,constant_output,P1_output,P2_output,P3_output,P4_output,"
                "P5_output,P6_output,P7_output,P8_output,P1_accuracy,P2_accuracy,"
                "P3_accuracy,P4_accuracy,P5_accuracy,P6_accuracy,P7_accuracy,P8_accuracy,"
                "episodes_to_90,episodes_to_95,episodes_to_100\n",
                strlen("experiment,condition,seed,episodes,accuracy,accept_rate,accepted,"
                       "rejected,distinct_outputs,constant_output,P1_output,P2_output,"
                       "P3_output,P4_output,P5_output,P6_output,P7_output,P8_output,"
                       "P1_accuracy,P2_accuracy,P3_accuracy,P4_accuracy,P5_accuracy,"
                       "P6_accuracy,P7_accuracy,P8_accuracy,episodes_to_90,episodes_to_95,"
                       "episodes_to_100\n")),
        0, "header:\n%.400s", csv);
    expect_has(csv, "\nhand,astro,1,50,0.7,0.4,40,60,3,false,00101,10101,00000,00101,10101,00000,"
                    "00101,10101,0.7,0.7,0.7,0.7,0.7,0.7,0.7,0.7,,,\n");
    expect_has(csv, "\nhand,control,2,50,0.5,,0,0,1,true,00000,");
    expect_has(csv, "\nhand,cursor,3,50,0.675,0.03,3,97,2,false,");
    /* the last-bit difference is kept in the CSV (shortest round trip) */
    expect_has(csv, "\nhand,cursor,2,50,0.6750000000000002,0.04,");
    /* every row has 29 fields */
    for (line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int commas = 0;
        for (const char *c = line; *c; c++)
            commas += *c == ',';
        cr_expect_eq(commas, 28, "fields in: %s", line);
        rows++;
    }
    cr_expect_eq(rows, 13);
    free(csv);
    json_decref(doc);

    /* partial: the missing run has no row */
    doc = hand_doc(1);
    csv = glia_experiment_report_csv(doc, &len);
    cr_expect_eq(count_lines(csv), 1 + 11);
    cr_expect_null(strstr(csv, "hand,cursor,4,"));
    free(csv);
    json_decref(doc);
}
