/* 29_classify.c: `gliad classify` as a user runs it: iris from Debian's files (python3-
 * sklearn), the output's members, the same result on 1 and 2 threads, and bad input named
 * by its field with exit 1 or 2. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define IRIS "/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv"

/* stdout of `gliad classify ARGS` (parsed) and its exit code; stderr into err. */
static json_t *classify(const char *args, int *code, char *err, size_t err_size)
{
    char cmd[1024], path[] = "/tmp/glia-classify-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    snprintf(cmd, sizeof cmd, "%s classify --data-dir /nonexistent-glia %s 2>%s", GLIAD_PATH,
             args, path);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    json_error_t je;
    json_t *out = json_loadf(p, JSON_DISABLE_EOF_CHECK, &je);
    int st = pclose(p);
    *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    FILE *e = fdopen(fd, "r");
    size_t n = fread(err, 1, err_size - 1, e);
    err[n] = 0;
    fclose(e);
    unlink(path);
    return out;
}

Test(classify_cli, iris_trains_and_tests_on_held_out_samples)
{
    if (access(IRIS, R_OK) != 0)
        cr_skip_test("python3-sklearn's iris.csv is not installed");
    char err[1024];
    int code;
    json_t *one = classify("--preset iris --seed 1 --steps 3000 --compact", &code, err, sizeof err);
    cr_assert_eq(code, 0, "%s", err);
    cr_assert(one);
    json_t *ds = json_object_get(one, "dataset");
    cr_assert_str_eq(json_string_value(json_object_get(ds, "source")), "debian");
    cr_assert_eq(strlen(json_string_value(json_object_get(ds, "hash"))), 64);
    json_t *split = json_object_get(one, "split");
    cr_assert_eq(json_integer_value(json_object_get(split, "train")) +
                     json_integer_value(json_object_get(split, "test")),
                 150);
    cr_assert_eq(json_integer_value(json_object_get(split, "test")), 30);
    json_t *fin = json_object_get(one, "final");
    json_t *conf = json_object_get(fin, "confusion");
    cr_assert_eq(json_array_size(conf), 3);
    json_int_t total = 0, diag = 0;
    for (size_t y = 0; y < 3; y++)
        for (size_t k = 0; k < 3; k++) {
            json_int_t v = json_integer_value(json_array_get(json_array_get(conf, y), k));
            total += v;
            diag += y == k ? v : 0;
        }
    cr_assert_eq(total, 30);
    cr_assert_float_eq(json_number_value(json_object_get(fin, "test_accuracy")), diag / 30.0, 1e-12);
    cr_assert_eq(json_integer_value(json_object_get(one, "reward_queries")),
                 3000 * json_integer_value(json_object_get(split, "train")) +
                     2 * json_integer_value(json_object_get(split, "train"))); /* refreshes at 1000, 2000 */
    cr_assert_gt(json_array_size(json_object_get(one, "trajectory")), 1);

    json_t *two = classify("--preset iris --seed 1 --steps 3000 --compact --threads 2", &code, err,
                           sizeof err);
    cr_assert_eq(code, 0, "%s", err);
    for (const char *const *k = (const char *const[]){"cpu_seconds", "wall_seconds", "threads",
                                                      "synapse_updates_per_cpu_second", NULL};
         *k; k++) {
        json_object_del(one, *k);
        json_object_del(two, *k);
    }
    cr_assert(json_equal(one, two), "2 threads gave another result");
    json_decref(one);
    json_decref(two);
}

Test(classify_cli, bad_input_is_named)
{
    char err[1024];
    int code;
    json_t *o = classify("--preset nope", &code, err, sizeof err);
    cr_assert_eq(code, 2);
    cr_assert(strstr(err, "unknown preset \"nope\""), "%s", err);
    json_decref(o);
    o = classify("--threads 0", &code, err, sizeof err);
    cr_assert_eq(code, 2);
    cr_assert(strstr(err, "--threads"), "%s", err);
    json_decref(o);
    FILE *f = fopen("/tmp/glia-classify-bad.json", "w");
    fputs("{\"dataset\": {\"name\": \"iris\"}, \"network\": {\"hidden\": 0}}", f);
    fclose(f);
    o = classify("--config /tmp/glia-classify-bad.json", &code, err, sizeof err);
    cr_assert_eq(code, 1);
    cr_assert(strstr(err, "/network/hidden"), "%s", err);
    json_decref(o);
    f = fopen("/tmp/glia-classify-bad.json", "w");
    fputs("{\"dataset\": {\"name\": \"no-such-data\"}}", f);
    fclose(f);
    o = classify("--config /tmp/glia-classify-bad.json", &code, err, sizeof err);
    cr_assert_eq(code, 1);
    cr_assert(strstr(err, "/dataset/name"), "%s", err);
    json_decref(o);
    if (access(IRIS, R_OK) == 0) {
        f = fopen("/tmp/glia-classify-bad.json", "w");
        fputs("{\"dataset\": {\"name\": \"iris\", \"hash\": "
              "\"0000000000000000000000000000000000000000000000000000000000000000\"}}",
              f);
        fclose(f);
        o = classify("--config /tmp/glia-classify-bad.json", &code, err, sizeof err);
        cr_assert_eq(code, 1);
        cr_assert(strstr(err, "/dataset/hash"), "%s", err);
        json_decref(o);
    }
    unlink("/tmp/glia-classify-bad.json");
}
