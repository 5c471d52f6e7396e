/* bench_core.c: speed of the core learning loop, per preset, in both generator modes.
 *
 * For every reference preset it measures two configs: the preset as published (parity
 * mode: mulberry32-js, the reference's draws) and the same preset on xoshiro256ss (fast
 * mode: the latest stream, /rng_version). It adds the default config and the maturity
 * preset on a network 10x larger at the same territory sizes (20 clusters instead of 2:
 * 10x the neurons, ~100x the synapses, territories of the same radius). Each config is
 * built, run for a few warm-up episodes, then timed over a fixed number of episodes; each
 * repeat rebuilds the session from the same (config, seed), so every repeat does
 * identical work and the spread between repeats is the machine's noise. The figure is
 * steps per second of CPU time of the running thread (CLOCK_THREAD_CPUTIME_ID), with the
 * wall-clock rate beside it. It also times session builds, the snapshot round trip and
 * inference on a trained session, optionally the paper's Table 5 run, and, with
 * --scaling, throughput on 1 and N worker threads (one session each).
 *
 * Nothing is pinned; for steadier numbers pin it yourself (`taskset -c 1 ./bench_core`)
 * on an idle machine. This is a benchmark, not a test: it never judges a time, and exits
 * non-zero only when the library reports an error or the flags are wrong.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/json_write.h"
#include "core/config.h"
#include "core/net.h"
#include "core/rng.h"
#include "core/session.h"

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

#define MAX_CONFIGS    24
#define MAX_THREADS    64
#define SCALE_CLUSTERS 20 /* the 10x network: 20 clusters of 35 neurons */

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
    int modes;          /* MODE_PARITY | MODE_FAST */
    int is_json;
    int has_table5;
    int threads; /* --scaling: 1 thread against this many (0: no scaling run) */
} options_t;

enum { MODE_PARITY = 1, MODE_FAST = 2 };

/* One measured configuration. */
typedef struct bench_config {
    const char *name;
    const char *mode; /* "parity" or "fast" */
    glia_config_t cfg;
    int neurons, synapses;
    uint64_t steps;    /* timed steps per repeat */
    double build_us;   /* median glia_session_new, BUILD_SAMPLES builds */
    double sps_median; /* steps per CPU second over the repeats */
    double sps_min;
    double sps_max;
    double wall_sps_median; /* steps per wall-clock second */
    double sec_median;      /* CPU seconds per timed run */
    int is_trivial;         /* control: the learner takes no steps */
} bench_config_t;

/* Throughput of `threads` sessions on as many threads (--scaling). */
typedef struct scaling_result {
    const char *name;
    int threads;
    double wall_sps; /* all threads' steps per wall-clock second */
    double cpu_sps;  /* steps per CPU second, per thread, mean */
} scaling_result_t;

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

/* CPU time of the calling thread. */
static double cpu_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

static const char *stream_name(const glia_config_t *cfg)
{
    return glia_rng_stream_name(cfg->rng, cfg->rng_version);
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
    const int samples = b->cfg.network.clusters > 2 ? 5 : BUILD_SAMPLES; /* 10x: slow builds */

    for (int i = 0; i < samples; i++) {
        glia_session_t *s;
        double t0 = now_sec();
        int rc = new_session(b->name, &b->cfg, seed, &s);
        double t1 = now_sec();
        if (rc != 0)
            return rc;
        b->neurons = glia_net_neuron_count(glia_session_net(s));
        b->synapses = glia_net_synapse_count(glia_session_net(s));
        glia_session_free(s);
        t[i] = (t1 - t0) * 1e6;
    }
    b->build_us = median(t, samples);
    return 0;
}

/* Episodes to time for `b`: the 10x network runs a tenth as many. */
static uint64_t timed_episodes(const bench_config_t *b, const options_t *o)
{
    return b->cfg.network.clusters > 2 && o->episodes >= 10 ? o->episodes / 10 : o->episodes;
}

static int measure_steps(bench_config_t *b, const options_t *o)
{
    const uint64_t spe = (uint64_t)b->cfg.training.steps_per_episode;
    double *sps = NULL, *sec = NULL, *wall = NULL;
    int rc = GLIA_ENOMEM;

    b->steps = timed_episodes(b, o) * spe;
    sps = malloc((size_t)o->repeat * sizeof(*sps));
    sec = malloc((size_t)o->repeat * sizeof(*sec));
    wall = malloc((size_t)o->repeat * sizeof(*wall));
    if (sps == NULL || sec == NULL || wall == NULL) {
        report_error("malloc", b->name, rc, NULL);
        goto out;
    }
    for (int r = 0; r < o->repeat; r++) {
        glia_session_t *s;
        int64_t done;
        double t0, t1, c0, c1;

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
        c0 = cpu_sec();
        done = glia_session_advance(s, b->steps, UINT64_MAX);
        c1 = cpu_sec();
        t1 = now_sec();
        glia_session_free(s);
        if (done < 0) {
            rc = (int)done;
            report_error("glia_session_advance", b->name, rc, NULL);
            goto out;
        }
        sec[r] = c1 - c0;
        sps[r] = (double)done / sec[r];
        wall[r] = (double)done / (t1 - t0);
    }
    b->sec_median = median(sec, o->repeat);
    b->sps_median = median(sps, o->repeat); /* sorted: min first, max last */
    b->sps_min = sps[0];
    b->sps_max = sps[o->repeat - 1];
    b->wall_sps_median = median(wall, o->repeat);
    b->is_trivial = b->cfg.learner.kind == GLIA_LEARNER_CONTROL;
    rc = 0;
out:
    free(sec);
    free(sps);
    free(wall);
    return rc;
}

typedef struct worker {
    const glia_config_t *cfg;
    uint32_t seed;
    uint64_t warmup, steps;
    double cpu, start, end; /* CPU seconds of the timed part; its wall-clock span */
    int rc;
} worker_t;

static void *worker_run(void *arg)
{
    worker_t *w = arg;
    glia_session_t *s;
    int64_t done;
    double c0;

    w->rc = glia_session_new(w->cfg, w->seed, &s, NULL);
    if (w->rc != 0)
        return NULL;
    w->rc = glia_session_run_episodes(s, w->warmup);
    if (w->rc == 0) {
        w->start = now_sec();
        c0 = cpu_sec();
        done = glia_session_advance(s, w->steps, UINT64_MAX);
        w->cpu = cpu_sec() - c0;
        w->end = now_sec();
        if (done < 0)
            w->rc = (int)done;
    }
    glia_session_free(s);
    return NULL;
}

/* `threads` sessions (seeds seed, seed+1, ...) on as many threads, started together:
 * all their steps over the wall-clock span from the first start to the last end. */
static int measure_threads(scaling_result_t *r, const bench_config_t *b, const options_t *o,
                           int threads)
{
    pthread_t tid[MAX_THREADS];
    worker_t w[MAX_THREADS];
    double first = 0.0, last = 0.0, cpu_sps = 0.0;

    for (int i = 0; i < threads; i++) {
        w[i].cfg = &b->cfg;
        w[i].seed = o->seed + (uint32_t)i;
        w[i].warmup = o->warmup;
        w[i].steps = timed_episodes(b, o) * (uint64_t)b->cfg.training.steps_per_episode;
        w[i].rc = 0;
        if (pthread_create(&tid[i], NULL, worker_run, &w[i]) != 0) {
            fprintf(stderr, "bench_core: cannot start a thread\n");
            for (int k = 0; k < i; k++)
                pthread_join(tid[k], NULL);
            return -1;
        }
    }
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    for (int i = 0; i < threads; i++) {
        if (w[i].rc != 0) {
            report_error("worker", b->name, w[i].rc, NULL);
            return w[i].rc;
        }
        first = i == 0 || w[i].start < first ? w[i].start : first;
        last = i == 0 || w[i].end > last ? w[i].end : last;
        cpu_sps += (double)w[i].steps / w[i].cpu / threads;
    }
    r->name = b->name;
    r->threads = threads;
    r->wall_sps = (double)w[0].steps * threads / (last - first);
    r->cpu_sps = cpu_sps;
    return 0;
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
    t0 = cpu_sec();
    rc = new_session("maturity", &cfg, TABLE5_SEED, &s);
    if (rc != 0)
        return rc;
    rc = glia_session_run_episodes(s, TABLE5_EPISODES);
    t1 = cpu_sec();
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
                        const table5_result_t *t5, const scaling_result_t *sc, int n_sc)
{
    printf("glia bench_core: one thread (not pinned), seed %u\n", (unsigned)o->seed);
    printf("timed: %llu episodes per run (the 10x network: a tenth) after %llu warm-up "
           "episodes; %d repeats, each from a fresh build; steps per second of CPU time\n\n",
           (unsigned long long)o->episodes, (unsigned long long)o->warmup, o->repeat);
    /* "µs" is two bytes in UTF-8 but one column: its field is one byte wider. */
    printf("%-18s %-6s %-15s %7s %8s %12s %11s %11s %12s %11s\n", "config", "mode", "rng",
           "neurons", "synapses", "steps/s med", "min", "max", "wall steps/s", "build µs");
    for (int i = 0; i < n; i++) {
        printf("%-18s %-6s %-15s %7d %8d %12.0f %11.0f %11.0f %12.0f %10.1f%s\n", b[i].name,
               b[i].mode, stream_name(&b[i].cfg), b[i].neurons, b[i].synapses, b[i].sps_median,
               b[i].sps_min, b[i].sps_max, b[i].wall_sps_median, b[i].build_us,
               b[i].is_trivial ? "  (trivial)" : "");
    }
    for (int i = 0; i < n; i++) {
        if (b[i].is_trivial) {
            printf("\n(trivial): the control learner takes no real steps (no evaluation, no\n"
                   "draws); its figure only measures the step bookkeeping.\n");
            break;
        }
    }
    if (n_sc > 0) {
        printf("\nworkers (one session per thread, seeds %u..; steps per wall-clock second of all "
               "threads together):\n",
               (unsigned)o->seed);
        for (int i = 0; i + 1 < n_sc; i += 2) {
            printf("  maturity, %-6s 1 thread %10.0f steps/s, %d threads %10.0f: x%.2f "
                   "(CPU steps/s per thread: %.0f, %.0f)\n",
                   sc[i].name, sc[i].wall_sps, sc[i + 1].threads, sc[i + 1].wall_sps,
                   sc[i + 1].wall_sps / sc[i].wall_sps, sc[i].cpu_sps, sc[i + 1].cpu_sps);
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
        printf("\ntable 5 (maturity, seed %d, %d episodes): %.2f s CPU, build + run "
               "(the reference program: see vs_reference.sh)\n",
               TABLE5_SEED, TABLE5_EPISODES, t5->build_run_sec);
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
                          const table5_result_t *t5, const scaling_result_t *sc, int n_sc)
{
    json_t *root = json_object(), *arr = json_array(), *scj = json_array();
    int bad = root == NULL || arr == NULL || scj == NULL;

    bad |= set(root, "benchmark", json_string("bench_core"));
    bad |= set(root, "threads", json_integer(1));
    bad |= set(root, "pinned", json_false());
    bad |= set(root, "clock", json_string("CLOCK_THREAD_CPUTIME_ID"));
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
        bad |= set(c, "mode", json_string(b[i].mode));
        bad |= set(c, "rng", json_string(stream_name(&b[i].cfg)));
        bad |= set(c, "learner", json_string(enum_name("/learner/kind", b[i].cfg.learner.kind)));
        bad |= set(c, "neurons", json_integer(b[i].neurons));
        bad |= set(c, "synapses", json_integer(b[i].synapses));
        bad |= set(c, "steps", json_integer((json_int_t)b[i].steps));
        bad |= set(c, "steps_per_cpu_second_median", json_real(b[i].sps_median));
        bad |= set(c, "steps_per_cpu_second_min", json_real(b[i].sps_min));
        bad |= set(c, "steps_per_cpu_second_max", json_real(b[i].sps_max));
        bad |= set(c, "steps_per_wall_second_median", json_real(b[i].wall_sps_median));
        bad |= set(c, "cpu_seconds_median", json_real(b[i].sec_median));
        bad |= set(c, "build_us_median", json_real(b[i].build_us));
        bad |= set(c, "trivial", json_boolean(b[i].is_trivial));
    }
    bad |= set(root, "configs", arr);
    for (int i = 0; i < n_sc && !bad; i++) {
        json_t *c = json_object();
        bad |= c == NULL || json_array_append_new(scj, c) != 0;
        if (bad)
            break;
        bad |= set(c, "name", json_string(sc[i].name));
        bad |= set(c, "threads", json_integer(sc[i].threads));
        bad |= set(c, "steps_per_wall_second", json_real(sc[i].wall_sps));
        bad |= set(c, "steps_per_cpu_second_per_thread", json_real(sc[i].cpu_sps));
    }
    bad |= set(root, "workers", scj);
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
            bad |= set(tj, "cpu_seconds", json_real(t5->build_run_sec));
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
        "                  [--preset NAME] [--mode parity|fast|both] [--scaling [N]]\n"
        "                  [--json] [--table5]\n"
        "\n"
        "Steps per CPU second of every preset in both modes, the default config and the\n"
        "10x network.\n"
        "  --episodes N   timed episodes per run (the 10x network: N/10), and training\n"
        "                 before the snapshot and inference figures (default %d; 10 steps\n"
        "                 per episode)\n"
        "  --repeat R     timed runs per config; median, min and max are reported (default %d)\n"
        "  --seed S       session seed (default %d)\n"
        "  --warmup W     untimed episodes before each timed run (default %d)\n"
        "  --preset NAME  only this preset (or its alias exp020.., or 'default', or\n"
        "                 'maturity-10x'); snapshot and inference are then measured on it\n"
        "                 (otherwise on maturity)\n"
        "  --mode M       parity: the presets' own generator (mulberry32-js); fast: the same\n"
        "                 presets on xoshiro256ss; both (default)\n"
        "  --scaling [N]  also run maturity (each selected mode) as 1 session on 1 thread and\n"
        "                 N sessions on N threads (default 2) and report the throughput ratio\n"
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
    o->modes = MODE_PARITY | MODE_FAST;
    o->is_json = 0;
    o->has_table5 = 0;
    o->threads = 0;
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
            if (strcmp(v, "default") != 0 && strcmp(v, "maturity-10x") != 0 &&
                glia_preset_find(v) == NULL) {
                fprintf(stderr, "bench_core: unknown preset '%s'\n", v);
                return -1;
            }
            o->preset = v;
            i++;
        } else if (strcmp(a, "--mode") == 0) {
            if (v != NULL && strcmp(v, "parity") == 0)
                o->modes = MODE_PARITY;
            else if (v != NULL && strcmp(v, "fast") == 0)
                o->modes = MODE_FAST;
            else if (v != NULL && strcmp(v, "both") == 0)
                o->modes = MODE_PARITY | MODE_FAST;
            else {
                fprintf(stderr, "bench_core: --mode: expected parity, fast or both\n");
                return -1;
            }
            i++;
        } else if (strcmp(a, "--scaling") == 0) {
            o->threads = 2;
            if (v != NULL && v[0] != '-') {
                if (parse_u64(a, v, 2, MAX_THREADS, &x) != 0)
                    return -1;
                o->threads = (int)x;
                i++;
            }
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

/* One config in each selected mode: parity keeps the config's own (reference) generator,
 * fast puts it on the latest xoshiro256ss stream (a config already on it is listed once,
 * as fast). */
static int add_modes(const options_t *o, bench_config_t *b, int n, const char *name,
                     const glia_config_t *cfg)
{
    if ((o->modes & MODE_PARITY) && cfg->rng != GLIA_RNG_XOSHIRO256SS) {
        memset(&b[n], 0, sizeof(b[n]));
        b[n].name = name;
        b[n].mode = "parity";
        b[n].cfg = *cfg;
        n++;
    }
    if (o->modes & MODE_FAST) {
        memset(&b[n], 0, sizeof(b[n]));
        b[n].name = name;
        b[n].mode = "fast";
        b[n].cfg = *cfg;
        b[n].cfg.rng = GLIA_RNG_XOSHIRO256SS;
        b[n].cfg.rng_version = GLIA_RNG_STREAM_LATEST;
        n++;
    }
    return n;
}

/* Fills `b` with the selected configs in table order; returns how many. */
static int select_configs(const options_t *o, bench_config_t *b)
{
    glia_config_t cfg;
    int n = 0;

    for (const glia_preset_info_t *p = glia_presets; p->name != NULL; p++) {
        if (o->preset != NULL && glia_preset_find(o->preset) != p)
            continue;
        glia_config_preset(&cfg, p->name); /* cannot fail: the name is from the table */
        /* all: the phase 1b presets (the keep/revert learners this benchmark is about);
         * a phase 1a preset only when named */
        if (o->preset == NULL && cfg.rng != GLIA_RNG_MULBERRY32_JS)
            continue;
        if (n + 2 > MAX_CONFIGS - 4)
            break;
        n = add_modes(o, b, n, p->name, &cfg);
    }
    if (o->preset == NULL || strcmp(o->preset, "default") == 0) {
        glia_config_default(&cfg);
        n = add_modes(o, b, n, "default", &cfg);
    }
    if (o->preset == NULL || strcmp(o->preset, "maturity-10x") == 0) {
        /* 10x the neurons (20 clusters of 35), territories of the same radius */
        glia_config_preset(&cfg, "maturity");
        cfg.network.clusters = SCALE_CLUSTERS;
        n = add_modes(o, b, n, "maturity-10x", &cfg);
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
    scaling_result_t sc[4];
    int n, n_sc = 0, status = 1;

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
    b = calloc(MAX_CONFIGS, sizeof(*b));
    if (b == NULL) {
        fprintf(stderr, "bench_core: out of memory\n");
        return 1;
    }
    n = select_configs(&o, b);

    for (int i = 0; i < n; i++) {
        if (!o.is_json)
            fprintf(stderr, "bench_core: %s (%s)...\n", b[i].name, b[i].mode);
        if (measure_build(&b[i], o.seed) != 0 || measure_steps(&b[i], &o) != 0)
            goto out;
        if (trained == NULL && (o.preset != NULL || strcmp(b[i].name, "maturity") == 0))
            trained = &b[i];
    }
    if (o.threads > 0) {
        for (int i = 0; i < n; i++) {
            if (strcmp(b[i].name, "maturity") != 0)
                continue;
            if (!o.is_json)
                fprintf(stderr, "bench_core: %s (%s) on 1 and %d threads...\n", b[i].name,
                        b[i].mode, o.threads);
            if (measure_threads(&sc[n_sc], &b[i], &o, 1) != 0 ||
                measure_threads(&sc[n_sc + 1], &b[i], &o, o.threads) != 0)
                goto out;
            sc[n_sc].name = sc[n_sc + 1].name = b[i].mode;
            n_sc += 2;
        }
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
                                  o.has_table5 ? &t5 : NULL, sc, n_sc);
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
                    o.has_table5 ? &t5 : NULL, sc, n_sc);
    }
    status = 0;
out:
    free(b);
    return status;
}
