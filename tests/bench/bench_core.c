/* bench_core.c: single-thread speed of the core learning loop, per preset.
 *
 * For every reference preset and the default config (glia_config_default) this builds
 * a session, runs a few warm-up episodes, then times glia_session_advance over a fixed
 * number of episodes with CLOCK_MONOTONIC; each repeat rebuilds the session from the
 * same (config, seed), so every repeat does identical work and the spread between
 * repeats is the machine's noise, not the workload's. It also times session builds,
 * the snapshot round trip (glia_session_save + glia_session_load) and frozen-weight
 * inference on a trained session, and optionally the paper's Table 5 run.
 *
 * It measures one core: everything runs on the calling thread. Nothing is pinned; for
 * steadier numbers pin it yourself (`taskset -c 1 ./bench_core`) on an idle machine.
 * This is a benchmark, not a test: it never judges a time, and exits non-zero only when
 * the library reports an error or the flags are wrong.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../api/json_write.h"
#include "../../core/config.h"
#include "../../core/session.h"

#define DEFAULT_EPISODES 5000
#define DEFAULT_REPEAT   3
#define DEFAULT_SEED     42
#define DEFAULT_WARMUP   100
#define MAX_EPISODES     100000000ull /* keeps episodes * steps_per_episode far from overflow */
#define BUILD_SAMPLES    101          /* builds take microseconds: one sample would be noise */
#define SNAP_SAMPLES     201
#define INFER_CALLS      10000 /* inference calls per timed batch */

#define TABLE5_SEED     314
#define TABLE5_EPISODES 20000
#define TABLE5_ACCEPTED 71191
#define TABLE5_REJECTED 128809
#define TABLE5_JS_SEC   38.0 /* the reference JavaScript program on the same run */

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown"
#endif

typedef struct options {
    uint64_t episodes;
    uint64_t warmup;
    int repeat;
    uint32_t seed;
    const char *preset; /* NULL: all; "default" selects glia_config_default */
    int is_json;
    int has_table5;
} options_t;

/* One measured configuration. */
typedef struct bench_config {
    const char *name;
    glia_config_t cfg;
    uint64_t steps;    /* timed steps per repeat */
    double build_us;   /* median glia_session_new, BUILD_SAMPLES builds */
    double sps_median; /* steps per second over the repeats */
    double sps_min;
    double sps_max;
    double sec_median; /* seconds per timed run */
    int is_trivial;    /* control: the learner takes no steps */
} bench_config_t;

typedef struct snap_result {
    const char *name;
    size_t bytes;
    double save_us; /* medians over SNAP_SAMPLES */
    double load_us;
    double save_load_us;
    int is_identical; /* the loaded session saves to the same bytes */
} snap_result_t;

typedef struct infer_result {
    const char *name;
    int patterns;
    double us_median; /* per call, median over the repeats */
    double us_min;
    double us_max;
    double mean_accuracy;
} infer_result_t;

typedef struct table5_result {
    double build_run_sec; /* glia_session_new + glia_session_run_episodes */
    uint64_t accepted;
    uint64_t rejected;
    double mean_accuracy;
    int distinct_outputs;
    int is_match; /* the counts the paper (and the reference program) report */
} table5_result_t;

/* Keeps the compiler from treating timed calls' results as dead. */
static volatile double sink;

static double now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts `v` in place and returns its median (mean of the middle two when n is even). */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The name of value `v` of the enum field at JSON pointer `ptr` (borrowed). */
static const char *enum_name(const char *ptr, int v)
{
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        if (strcmp(f->pointer, ptr) == 0 && f->names != NULL) {
            for (int i = 0; f->names[i] != NULL; i++) {
                if (i == v)
                    return f->names[i];
            }
        }
    }
    return "?";
}

static void report_error(const char *what, const char *name, int rc, const glia_error_t *err)
{
    fprintf(stderr, "bench_core: %s (%s): %s", what, name, glia_strerror(rc));
    if (err != NULL && err->code != 0)
        fprintf(stderr, " at %s: %s", err->field, err->message);
    fputc('\n', stderr);
}

static int new_session(const char *name, const glia_config_t *cfg, uint32_t seed,
                       glia_session_t **out)
{
    glia_error_t err;
    int rc;

    glia_error_clear(&err);
    rc = glia_session_new(cfg, seed, out, &err);
    if (rc != 0)
        report_error("glia_session_new", name, rc, &err);
    return rc;
}

static int measure_build(bench_config_t *b, uint32_t seed)
{
    double t[BUILD_SAMPLES];

    for (int i = 0; i < BUILD_SAMPLES; i++) {
        glia_session_t *s;
        double t0 = now_sec();
        int rc = new_session(b->name, &b->cfg, seed, &s);
        double t1 = now_sec();
        if (rc != 0)
            return rc;
        glia_session_free(s);
        t[i] = (t1 - t0) * 1e6;
    }
    b->build_us = median(t, BUILD_SAMPLES);
    return 0;
}

static int measure_steps(bench_config_t *b, const options_t *o)
{
    const uint64_t spe = (uint64_t)b->cfg.training.steps_per_episode;
    double *sps = NULL, *sec = NULL;
    int rc = GLIA_ENOMEM;

    b->steps = o->episodes * spe;
    sps = malloc((size_t)o->repeat * sizeof(*sps));
    sec = malloc((size_t)o->repeat * sizeof(*sec));
    if (sps == NULL || sec == NULL) {
        report_error("malloc", b->name, rc, NULL);
        goto out;
    }
    for (int r = 0; r < o->repeat; r++) {
        glia_session_t *s;
        int64_t done;
        double t0, t1;

        rc = new_session(b->name, &b->cfg, o->seed, &s);
        if (rc != 0)
            goto out;
        rc = glia_session_run_episodes(s, o->warmup);
        if (rc != 0) {
            report_error("warm-up", b->name, rc, NULL);
            glia_session_free(s);
            goto out;
        }
        t0 = now_sec();
        done = glia_session_advance(s, b->steps, UINT64_MAX);
        t1 = now_sec();
        glia_session_free(s);
        if (done < 0) {
            rc = (int)done;
            report_error("glia_session_advance", b->name, rc, NULL);
            goto out;
        }
        sec[r] = t1 - t0;
        sps[r] = (double)done / sec[r];
    }
    b->sec_median = median(sec, o->repeat);
    b->sps_median = median(sps, o->repeat); /* sorted: min first, max last */
    b->sps_min = sps[0];
    b->sps_max = sps[o->repeat - 1];
    b->is_trivial = b->cfg.learner.kind == GLIA_LEARNER_CONTROL;
    rc = 0;
out:
    free(sec);
    free(sps);
    return rc;
}

/* Snapshot size and round-trip time of the trained session `s`. */
static int measure_snapshot(snap_result_t *r, glia_session_t *s)
{
    double save[SNAP_SAMPLES], load[SNAP_SAMPLES], both[SNAP_SAMPLES];
    uint8_t *first = NULL;
    int rc;

    r->is_identical = 1;
    for (int i = 0; i < SNAP_SAMPLES; i++) {
        glia_error_t err;
        glia_session_t *copy;
        uint8_t *buf, *again;
        size_t len, len2;
        double t0, t1, t2;

        t0 = now_sec();
        rc = glia_session_save(s, &buf, &len);
        t1 = now_sec();
        if (rc != 0) {
            report_error("glia_session_save", r->name, rc, NULL);
            goto out;
        }
        glia_error_clear(&err);
        t2 = now_sec();
        rc = glia_session_load(buf, len, &copy, &err);
        load[i] = (now_sec() - t2) * 1e6;
        save[i] = (t1 - t0) * 1e6;
        both[i] = save[i] + load[i];
        if (rc != 0) {
            report_error("glia_session_load", r->name, rc, &err);
            free(buf);
            goto out;
        }
        if (i == 0) {
            /* Once, untimed: a snapshot that does not round-trip is worth saying so. */
            rc = glia_session_save(copy, &again, &len2);
            if (rc != 0) {
                report_error("glia_session_save", r->name, rc, NULL);
                glia_session_free(copy);
                free(buf);
                goto out;
            }
            r->is_identical = len2 == len && memcmp(again, buf, len) == 0;
            free(again);
            r->bytes = len;
            first = buf;
        } else {
            free(buf);
        }
        glia_session_free(copy);
    }
    r->save_us = median(save, SNAP_SAMPLES);
    r->load_us = median(load, SNAP_SAMPLES);
    r->save_load_us = median(both, SNAP_SAMPLES);
    rc = 0;
out:
    free(first);
    return rc;
}

static int measure_inference(infer_result_t *r, glia_session_t *s, int repeat)
{
    double *us = malloc((size_t)repeat * sizeof(*us));
    glia_inference_t inf;

    if (us == NULL) {
        report_error("malloc", r->name, GLIA_ENOMEM, NULL);
        return GLIA_ENOMEM;
    }
    glia_session_inference(s, &inf); /* warm */
    r->patterns = inf.count;
    r->mean_accuracy = inf.mean_accuracy;
    for (int k = 0; k < repeat; k++) {
        double acc = 0.0;
        double t0 = now_sec();
        for (int i = 0; i < INFER_CALLS; i++) {
            glia_session_inference(s, &inf);
            acc += inf.mean_accuracy;
        }
        us[k] = (now_sec() - t0) * 1e6 / INFER_CALLS;
        sink = acc;
    }
    r->us_median = median(us, repeat);
    r->us_min = us[0];
    r->us_max = us[repeat - 1];
    free(us);
    return 0;
}

/* Train `b` for o->episodes from a fresh build, then time snapshots and inference. */
static int measure_trained(const bench_config_t *b, const options_t *o, snap_result_t *snap,
                           infer_result_t *inf)
{
    glia_session_t *s;
    int rc;

    rc = new_session(b->name, &b->cfg, o->seed, &s);
    if (rc != 0)
        return rc;
    rc = glia_session_run_episodes(s, o->episodes);
    if (rc != 0) {
        report_error("glia_session_run_episodes", b->name, rc, NULL);
        goto out;
    }
    snap->name = b->name;
    inf->name = b->name;
    rc = measure_snapshot(snap, s);
    if (rc == 0)
        rc = measure_inference(inf, s, o->repeat);
out:
    glia_session_free(s);
    return rc;
}

/* The paper's Table 5 run, timed from build to the last episode like the reference. */
static int measure_table5(table5_result_t *r)
{
    glia_config_t cfg;
    glia_session_t *s;
    glia_counters_t c;
    glia_inference_t inf;
    double t0, t1;
    int rc;

    rc = glia_config_preset(&cfg, "maturity");
    if (rc != 0) {
        report_error("glia_config_preset", "maturity", rc, NULL);
        return rc;
    }
    t0 = now_sec();
    rc = new_session("maturity", &cfg, TABLE5_SEED, &s);
    if (rc != 0)
        return rc;
    rc = glia_session_run_episodes(s, TABLE5_EPISODES);
    t1 = now_sec();
    if (rc != 0) {
        report_error("glia_session_run_episodes", "maturity", rc, NULL);
        glia_session_free(s);
        return rc;
    }
    glia_session_counters(s, &c);
    glia_session_inference(s, &inf);
    glia_session_free(s);
    r->build_run_sec = t1 - t0;
    r->accepted = c.accepted;
    r->rejected = c.rejected;
    r->mean_accuracy = inf.mean_accuracy;
    r->distinct_outputs = inf.distinct_outputs;
    r->is_match =
        c.accepted == TABLE5_ACCEPTED && c.rejected == TABLE5_REJECTED && inf.distinct_outputs == 8;
    return 0;
}

static void print_table(const options_t *o, const bench_config_t *b, int n,
                        const snap_result_t *snap, const infer_result_t *inf,
                        const table5_result_t *t5)
{
    printf("glia bench_core: one thread on one core (not pinned), seed %u\n", (unsigned)o->seed);
    printf("timed: %llu episodes per run after %llu warm-up episodes; %d repeats, each from a "
           "fresh build\n\n",
           (unsigned long long)o->episodes, (unsigned long long)o->warmup, o->repeat);
    /* "µs" is two bytes in UTF-8 but one column: its field is one byte wider. */
    printf("%-18s %-13s %11s %13s %13s %13s %10s\n", "config", "rng", "build µs", "steps/s med",
           "min", "max", "run ms");
    for (int i = 0; i < n; i++) {
        printf("%-18s %-13s %10.1f %13.0f %13.0f %13.0f %10.2f%s\n", b[i].name,
               enum_name("/rng", b[i].cfg.rng), b[i].build_us, b[i].sps_median, b[i].sps_min,
               b[i].sps_max, b[i].sec_median * 1e3, b[i].is_trivial ? "  (trivial)" : "");
    }
    for (int i = 0; i < n; i++) {
        if (b[i].is_trivial) {
            printf("\n(trivial): the control learner takes no real steps (no evaluation, no\n"
                   "draws); its figure only measures the step bookkeeping.\n");
            break;
        }
    }
    if (snap != NULL) {
        printf("\nsnapshot (%s, seed %u, after %llu episodes): %zu bytes; save %.1f µs, "
               "load %.1f µs, save+load %.1f µs (medians of %d); round trip %s\n",
               snap->name, (unsigned)o->seed, (unsigned long long)o->episodes, snap->bytes,
               snap->save_us, snap->load_us, snap->save_load_us, SNAP_SAMPLES,
               snap->is_identical ? "bit-identical" : "DIFFERS");
        printf("inference (%s, same session, %d patterns): %.3f µs per call "
               "(median of %d x %d calls; min %.3f, max %.3f); mean accuracy %.3f\n",
               inf->name, inf->patterns, inf->us_median, o->repeat, INFER_CALLS, inf->us_min,
               inf->us_max, inf->mean_accuracy);
    }
    if (t5 != NULL) {
        printf("\ntable 5 (maturity, seed %d, %d episodes): %.2f s wall, build + run "
               "(reference JS ~%.0f s)\n",
               TABLE5_SEED, TABLE5_EPISODES, t5->build_run_sec, TABLE5_JS_SEC);
        printf("  accepted %llu, rejected %llu, %d distinct outputs, mean accuracy %.3f: %s\n",
               (unsigned long long)t5->accepted, (unsigned long long)t5->rejected,
               t5->distinct_outputs, t5->mean_accuracy,
               t5->is_match ? "matches Table 5" : "does NOT match Table 5");
    }
}

static int set(json_t *obj, const char *key, json_t *v)
{
    return v == NULL || json_object_set_new(obj, key, v) != 0 ? -1 : 0;
}

static json_t *build_json(const options_t *o, const bench_config_t *b, int n,
                          const snap_result_t *snap, const infer_result_t *inf,
                          const table5_result_t *t5)
{
    json_t *root = json_object(), *arr = json_array();
    int bad = root == NULL || arr == NULL;

    bad |= set(root, "benchmark", json_string("bench_core"));
    bad |= set(root, "threads", json_integer(1));
    bad |= set(root, "pinned", json_false());
    bad |= set(root, "compiler", json_string(COMPILER));
    bad |= set(root, "seed", json_integer(o->seed));
    bad |= set(root, "episodes", json_integer((json_int_t)o->episodes));
    bad |= set(root, "warmup_episodes", json_integer((json_int_t)o->warmup));
    bad |= set(root, "repeat", json_integer(o->repeat));
    for (int i = 0; i < n && !bad; i++) {
        json_t *c = json_object();
        bad |= c == NULL || json_array_append_new(arr, c) != 0;
        if (bad)
            break;
        bad |= set(c, "name", json_string(b[i].name));
        bad |= set(c, "rng", json_string(enum_name("/rng", b[i].cfg.rng)));
        bad |= set(c, "learner", json_string(enum_name("/learner/kind", b[i].cfg.learner.kind)));
        bad |= set(c, "steps", json_integer((json_int_t)b[i].steps));
        bad |= set(c, "steps_per_second_median", json_real(b[i].sps_median));
        bad |= set(c, "steps_per_second_min", json_real(b[i].sps_min));
        bad |= set(c, "steps_per_second_max", json_real(b[i].sps_max));
        bad |= set(c, "run_seconds_median", json_real(b[i].sec_median));
        bad |= set(c, "build_us_median", json_real(b[i].build_us));
        bad |= set(c, "trivial", json_boolean(b[i].is_trivial));
    }
    bad |= set(root, "configs", arr);
    if (snap != NULL) {
        json_t *sj = json_object(), *ij = json_object();
        bad |= set(root, "snapshot", sj);
        bad |= set(root, "inference", ij);
        if (!bad) {
            bad |= set(sj, "config", json_string(snap->name));
            bad |= set(sj, "episodes", json_integer((json_int_t)o->episodes));
            bad |= set(sj, "bytes", json_integer((json_int_t)snap->bytes));
            bad |= set(sj, "save_us_median", json_real(snap->save_us));
            bad |= set(sj, "load_us_median", json_real(snap->load_us));
            bad |= set(sj, "save_load_us_median", json_real(snap->save_load_us));
            bad |= set(sj, "samples", json_integer(SNAP_SAMPLES));
            bad |= set(sj, "round_trip_identical", json_boolean(snap->is_identical));
            bad |= set(ij, "config", json_string(inf->name));
            bad |= set(ij, "patterns", json_integer(inf->patterns));
            bad |= set(ij, "us_per_call_median", json_real(inf->us_median));
            bad |= set(ij, "us_per_call_min", json_real(inf->us_min));
            bad |= set(ij, "us_per_call_max", json_real(inf->us_max));
            bad |= set(ij, "calls_per_sample", json_integer(INFER_CALLS));
            bad |= set(ij, "mean_accuracy", json_real(inf->mean_accuracy));
        }
    }
    if (t5 != NULL) {
        json_t *tj = json_object();
        bad |= set(root, "table5", tj);
        if (!bad) {
            bad |= set(tj, "config", json_string("maturity"));
            bad |= set(tj, "seed", json_integer(TABLE5_SEED));
            bad |= set(tj, "episodes", json_integer(TABLE5_EPISODES));
            bad |= set(tj, "wall_seconds", json_real(t5->build_run_sec));
            bad |= set(tj, "reference_js_seconds", json_real(TABLE5_JS_SEC));
            bad |= set(tj, "accepted", json_integer((json_int_t)t5->accepted));
            bad |= set(tj, "rejected", json_integer((json_int_t)t5->rejected));
            bad |= set(tj, "distinct_outputs", json_integer(t5->distinct_outputs));
            bad |= set(tj, "mean_accuracy", json_real(t5->mean_accuracy));
            bad |= set(tj, "matches_table5", json_boolean(t5->is_match));
        }
    }
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: bench_core [--episodes N] [--repeat R] [--seed S] [--warmup W]\n"
        "                  [--preset NAME] [--json] [--table5]\n"
        "\n"
        "Single-thread steps per second of every preset and the default config.\n"
        "  --episodes N   timed episodes per run, and training before the snapshot and\n"
        "                 inference figures (default %d; 10 steps per episode)\n"
        "  --repeat R     timed runs per config; median, min and max are reported (default %d)\n"
        "  --seed S       session seed (default %d)\n"
        "  --warmup W     untimed episodes before each timed run (default %d)\n"
        "  --preset NAME  only this config: a preset, its alias (exp020..) or 'default';\n"
        "                 snapshot and inference are then measured on it (otherwise on\n"
        "                 maturity)\n"
        "  --json         one JSON object on stdout instead of the table\n"
        "  --table5       also time the paper's Table 5 run (maturity, seed 314,\n"
        "                 20000 episodes)\n",
        DEFAULT_EPISODES, DEFAULT_REPEAT, DEFAULT_SEED, DEFAULT_WARMUP);
}

static int parse_u64(const char *flag, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL) {
        fprintf(stderr, "bench_core: %s needs a value\n", flag);
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "bench_core: %s: expected an integer in %llu..%llu, got '%s'\n", flag,
                (unsigned long long)lo, (unsigned long long)hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Returns 0, 1 for --help, or -1 after saying what is wrong with the flags. */
static int parse_args(int argc, char **argv, options_t *o)
{
    o->episodes = DEFAULT_EPISODES;
    o->warmup = DEFAULT_WARMUP;
    o->repeat = DEFAULT_REPEAT;
    o->seed = DEFAULT_SEED;
    o->preset = NULL;
    o->is_json = 0;
    o->has_table5 = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;

        if (strcmp(a, "--json") == 0) {
            o->is_json = 1;
        } else if (strcmp(a, "--table5") == 0) {
            o->has_table5 = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            return 1;
        } else if (strcmp(a, "--preset") == 0) {
            if (v == NULL) {
                fprintf(stderr, "bench_core: --preset needs a value\n");
                return -1;
            }
            if (strcmp(v, "default") != 0 && glia_preset_find(v) == NULL) {
                fprintf(stderr, "bench_core: unknown preset '%s'\n", v);
                return -1;
            }
            o->preset = v;
            i++;
        } else if (strcmp(a, "--episodes") == 0) {
            if (parse_u64(a, v, 1, MAX_EPISODES, &o->episodes) != 0)
                return -1;
            i++;
        } else if (strcmp(a, "--warmup") == 0) {
            if (parse_u64(a, v, 0, MAX_EPISODES, &o->warmup) != 0)
                return -1;
            i++;
        } else if (strcmp(a, "--repeat") == 0) {
            if (parse_u64(a, v, 1, 1000, &x) != 0)
                return -1;
            o->repeat = (int)x;
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(a, v, 0, UINT32_MAX, &x) != 0)
                return -1;
            o->seed = (uint32_t)x;
            i++;
        } else {
            fprintf(stderr, "bench_core: unknown argument '%s'\n", a);
            return -1;
        }
    }
    return 0;
}

/* Fills `b` with the selected configs in table order; returns how many. */
static int select_configs(const options_t *o, bench_config_t *b)
{
    int n = 0;

    for (const glia_preset_info_t *p = glia_presets; p->name != NULL; p++) {
        if (o->preset != NULL && glia_preset_find(o->preset) != p)
            continue;
        memset(&b[n], 0, sizeof(b[n]));
        b[n].name = p->name;
        glia_config_preset(&b[n].cfg, p->name); /* cannot fail: the name is from the table */
        n++;
    }
    if (o->preset == NULL || strcmp(o->preset, "default") == 0) {
        memset(&b[n], 0, sizeof(b[n]));
        b[n].name = "default";
        glia_config_default(&b[n].cfg);
        n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    options_t o;
    bench_config_t *b = NULL;
    const bench_config_t *trained = NULL;
    snap_result_t snap;
    infer_result_t inf;
    table5_result_t t5;
    size_t n_presets = 0;
    int n, status = 1;

    switch (parse_args(argc, argv, &o)) {
    case 0:
        break;
    case 1:
        usage(stdout);
        return 0;
    default:
        usage(stderr);
        return 2;
    }
    while (glia_presets[n_presets].name != NULL)
        n_presets++;
    b = calloc(n_presets + 1, sizeof(*b)); /* the presets and the default */
    if (b == NULL) {
        fprintf(stderr, "bench_core: out of memory\n");
        return 1;
    }
    n = select_configs(&o, b);

    for (int i = 0; i < n; i++) {
        if (!o.is_json)
            fprintf(stderr, "bench_core: %s...\n", b[i].name);
        if (measure_build(&b[i], o.seed) != 0 || measure_steps(&b[i], &o) != 0)
            goto out;
        if (o.preset != NULL || strcmp(b[i].name, "maturity") == 0)
            trained = &b[i];
    }
    if (trained != NULL) {
        if (!o.is_json)
            fprintf(stderr, "bench_core: snapshot and inference (%s)...\n", trained->name);
        if (measure_trained(trained, &o, &snap, &inf) != 0)
            goto out;
    }
    if (o.has_table5) {
        if (!o.is_json)
            fprintf(stderr, "bench_core: table 5 run...\n");
        if (measure_table5(&t5) != 0)
            goto out;
    }

    if (o.is_json) {
        json_t *root = build_json(&o, b, n, trained ? &snap : NULL, trained ? &inf : NULL,
                                  o.has_table5 ? &t5 : NULL);
        char *text = root ? glia_json_dumps(root, GLIA_JSON_PRETTY, NULL) : NULL;
        json_decref(root);
        if (text == NULL) {
            fprintf(stderr, "bench_core: out of memory writing JSON\n");
            goto out;
        }
        puts(text);
        free(text);
    } else {
        print_table(&o, b, n, trained ? &snap : NULL, trained ? &inf : NULL,
                    o.has_table5 ? &t5 : NULL);
    }
    status = 0;
out:
    free(b);
    return status;
}
