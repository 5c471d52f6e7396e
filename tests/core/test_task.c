/* test_task.c: generated tasks (core/task.c) and their JSON form (api/config_json.c):
 * random mappings are a function of their seed, parity and XOR are the truth tables,
 * and a generated task is stored as explicit patterns: the config served shows them and
 * reads back as the same config. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/config_json.h"
#include "core/config.h"
#include "core/task.h"

static void generate_ok(glia_config_t *cfg, const glia_task_spec_t *spec)
{
    glia_error_t err;

    glia_config_default(cfg);
    glia_error_clear(&err);
    cr_assert_eq(glia_task_generate(cfg, spec, &err), 0, "%s: %s", err.field, err.message);
}

Test(task, random_tasks_are_a_function_of_their_seed)
{
    glia_task_spec_t spec = {
        .kind = GLIA_TASK_RANDOM, .patterns = 32, .input_width = 8, .target_width = 8, .seed = 7};
    glia_config_t a, b, c;

    generate_ok(&a, &spec);
    generate_ok(&b, &spec);
    cr_assert(glia_config_equal(&a, &b), "same spec, same patterns");
    spec.seed = 8;
    generate_ok(&c, &spec);
    cr_assert_not(glia_config_equal(&a, &c), "another seed, another task");

    cr_assert_eq(a.task.count, 32);
    cr_assert_eq(a.task.input_width, 8);
    cr_assert_eq(a.task.target_width, 8);
    for (int i = 0; i < 32; i++) {
        cr_assert_eq(a.task.patterns[i].input >> 8, 0, "input %d has bits beyond its width", i);
        cr_assert_eq(a.task.patterns[i].target >> 8, 0);
        for (int k = 0; k < i; k++)
            cr_assert_neq(a.task.patterns[i].input, a.task.patterns[k].input,
                          "inputs %d and %d are the same", k, i);
    }
    /* Every input of a width, when asked for all of them; and 64-bit patterns. */
    spec.patterns = 16;
    spec.input_width = 4;
    spec.target_width = 64;
    generate_ok(&a, &spec);
    {
        unsigned seen = 0;
        for (int i = 0; i < 16; i++)
            seen |= 1u << a.task.patterns[i].input;
        cr_assert_eq(seen, 0xffffu);
    }
}

Test(task, parity_and_xor_are_their_truth_tables)
{
    glia_task_spec_t spec = {.kind = GLIA_TASK_PARITY, .bits = 4};
    glia_config_t cfg;

    generate_ok(&cfg, &spec);
    cr_assert_eq(cfg.task.count, 16);
    cr_assert_eq(cfg.task.input_width, 4);
    cr_assert_eq(cfg.task.target_width, 1);
    for (int i = 0; i < 16; i++) {
        cr_assert_eq(cfg.task.patterns[i].input, (uint64_t)i);
        cr_assert_eq(cfg.task.patterns[i].target, (uint64_t)__builtin_parity((unsigned)i));
    }
    spec.kind = GLIA_TASK_XOR;
    generate_ok(&cfg, &spec);
    {
        /* "00"->0, "10"->1, "01"->1, "11"->0 */
        static const uint64_t in[4] = {0, 1, 2, 3}, out[4] = {0, 1, 1, 0};
        cr_assert_eq(cfg.task.count, 4);
        cr_assert_eq(cfg.task.input_width, 2);
        for (int i = 0; i < 4; i++) {
            cr_assert_eq(cfg.task.patterns[i].input, in[i]);
            cr_assert_eq(cfg.task.patterns[i].target, out[i]);
        }
    }
}

Test(task, impossible_specs_are_refused_by_field)
{
    static const struct {
        glia_task_spec_t spec;
        const char *field, *message;
    } bad[] = {
        {{.kind = GLIA_TASK_PARITY, .bits = 0}, "/task/generate/bits", "[1, 8]"},
        {{.kind = GLIA_TASK_PARITY, .bits = 9}, "/task/generate/bits", "[1, 8]"},
        {{.kind = GLIA_TASK_RANDOM, .patterns = 9, .input_width = 3, .target_width = 1},
         "/task/generate/patterns",
         "3-bit inputs allow only 8 distinct patterns"},
        {{.kind = GLIA_TASK_RANDOM, .patterns = 257, .input_width = 9, .target_width = 1},
         "/task/generate/patterns",
         "[1, 256]"},
        {{.kind = GLIA_TASK_RANDOM, .patterns = 4, .input_width = 65, .target_width = 1},
         "/task/generate/input_width",
         "[1, 64]"},
        {{.kind = GLIA_TASK_RANDOM, .patterns = 4, .input_width = 5, .target_width = 0},
         "/task/generate/target_width",
         "[1, 64]"},
        {{.kind = 7}, "/task/generate/kind", "unknown"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        glia_config_t cfg, before;
        glia_error_t err;
        glia_config_default(&cfg);
        before = cfg;
        glia_error_clear(&err);
        cr_assert_eq(glia_task_generate(&cfg, &bad[i].spec, &err), GLIA_EINVAL, "case %zu", i);
        cr_expect_str_eq(err.field, bad[i].field, "case %zu", i);
        cr_expect(strstr(err.message, bad[i].message) != NULL, "case %zu: %s", i, err.message);
        cr_expect(glia_config_equal(&cfg, &before), "case %zu: the config is untouched", i);
    }
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    cr_assert_not_null(j, "%s", jerr.text);
    return j;
}

Test(task, a_generated_task_is_stored_as_its_patterns)
{
    json_t *over = parse("{\"network\": {\"inputs\": 8, \"outputs\": 8},"
                         " \"task\": {\"generate\": {\"kind\": \"random\", \"patterns\": 16,"
                         " \"input_width\": 8, \"target_width\": 8, \"seed\": 3}}}");
    glia_config_t cfg, again;
    glia_task_spec_t spec = {
        .kind = GLIA_TASK_RANDOM, .patterns = 16, .input_width = 8, .target_width = 8, .seed = 3};
    glia_error_t err;
    json_t *doc, *task;

    glia_config_default(&cfg);
    glia_error_clear(&err);
    cr_assert_eq(glia_config_apply_json(&cfg, over, "/config", &err), 0, "%s: %s", err.field,
                 err.message);
    /* The JSON spec generates what the core generates. */
    generate_ok(&again, &spec);
    cr_assert_eq(memcmp(&cfg.task, &again.task, sizeof(cfg.task)), 0);

    /* Served: explicit patterns, no recipe; read back, the same config. */
    doc = glia_config_to_json(&cfg);
    task = json_object_get(doc, "task");
    cr_assert_null(json_object_get(task, "generate"));
    cr_assert_eq(json_array_size(json_object_get(task, "patterns")), 16);
    cr_assert_eq(strlen(json_string_value(json_object_get(
                     json_array_get(json_object_get(task, "patterns"), 0), "input"))),
                 8);
    glia_config_default(&again);
    cr_assert_eq(glia_config_apply_json(&again, doc, "", &err), 0, "%s", err.message);
    cr_assert(glia_config_equal(&cfg, &again));
    json_decref(doc);
    json_decref(over);

    /* Parity and XOR from JSON. */
    over = parse("{\"task\": {\"generate\": {\"kind\": \"parity\", \"bits\": 4}}}");
    glia_config_default(&cfg);
    cr_assert_eq(glia_config_apply_json(&cfg, over, "", &err), 0, "%s", err.message);
    cr_assert_eq(cfg.task.count, 16);
    json_decref(over);
    over = parse("{\"task\": {\"generate\": {\"kind\": \"xor\"}}}");
    glia_config_default(&cfg);
    cr_assert_eq(glia_config_apply_json(&cfg, over, "", &err), 0, "%s", err.message);
    cr_assert_eq(cfg.task.count, 4);
    json_decref(over);
}

Test(task, bad_generate_documents_name_the_member)
{
    static const char *const cases[][3] = {
        {"{\"task\": {\"generate\": {\"kind\": \"parity\", \"bits\": 9}}}",
         "/config/task/generate/bits", "[1, 8]"},
        {"{\"task\": {\"generate\": {\"kind\": \"majority\"}}}", "/config/task/generate/kind",
         "one of"},
        {"{\"task\": {\"generate\": {\"bits\": 3}}}", "/config/task/generate/kind", "required"},
        {"{\"task\": {\"generate\": {\"kind\": \"xor\", \"bits\": 3}}}",
         "/config/task/generate/bits", "unknown field for kind \"xor\""},
        {"{\"task\": {\"generate\": {\"kind\": \"parity\"}}}", "/config/task/generate/bits",
         "required"},
        {"{\"task\": {\"generate\": {\"kind\": \"random\", \"patterns\": 4, \"input_width\": 5}}}",
         "/config/task/generate/target_width", "required"},
        {"{\"task\": {\"generate\": {\"kind\": \"random\", \"patterns\": \"4\", \"input_width\": "
         "5, "
         "\"target_width\": 5}}}",
         "/config/task/generate/patterns", "must be an integer"},
        {"{\"task\": {\"generate\": {\"kind\": \"random\", \"patterns\": 4, \"input_width\": 5, "
         "\"target_width\": 5, \"seed\": -1}}}",
         "/config/task/generate/seed", "[0, 4294967295]"},
        {"{\"task\": {\"generate\": {\"kind\": \"xor\"}, \"patterns\": []}}",
         "/config/task/generate", "either patterns or generate"},
        {"{\"task\": {\"generate\": {\"kind\": \"xor\"}, \"size\": 3}}", "/config/task/size",
         "unknown field"},
        {"{\"task\": {\"generate\": 3}}", "/config/task/generate", "must be an object"},
        /* The task fits the network or not, whatever made it. */
        {"{\"task\": {\"generate\": {\"kind\": \"random\", \"patterns\": 4, \"input_width\": 8, "
         "\"target_width\": 5}}}",
         "/config/task/generate", "the task drives 8 inputs but a cluster has only 5"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *over = parse(cases[i][0]);
        glia_config_t cfg;
        glia_error_t err;
        glia_config_default(&cfg);
        glia_error_clear(&err);
        cr_expect_eq(glia_config_apply_json(&cfg, over, "/config", &err), GLIA_EINVAL, "%s",
                     cases[i][0]);
        cr_expect_str_eq(err.field, cases[i][1], "%s", cases[i][0]);
        cr_expect(strstr(err.message, cases[i][2]) != NULL, "%s: %s", cases[i][0], err.message);
        json_decref(over);
    }
}
