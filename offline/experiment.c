/* experiment.c: `gliad experiment`: a whole seeds x conditions study offline, one
 * run per (condition, seed) spread over worker threads, printed as the same report
 * GET /v1/experiments/{name}/report gives. Exit 0; 2 for a bad file or flag; 1 when a
 * run failed.
 *
 *   gliad experiment FILE.json [--format json|md|csv] [--threads N]
 *   gliad experiment FILE.json --shard K/N [--threads N]     a part: the K-th slice
 *   gliad experiment merge PART.json... [--format json|md|csv]
 *
 * With "budget" every run stops at the first episode end at which its session has asked
 * the budget's reward queries (or at "episodes"), as in the daemon. --timing adds
 * "cpu_seconds" ({label: {seed: seconds}}, the thread CPU time of each run) to the JSON
 * document; it is not part of the records, so the report stays the same text.
 *
 * A shard runs the runs glia_experiment_shards deals to it and prints a part: the
 * study's document, its "shard" and the records of its runs. Merging checks that every
 * part is a document of one study (the "study" hash, recomputed from the document, not
 * trusted) and that the parts hold every run exactly once, then prints the report built
 * exactly as the unsharded run builds it, so the two are the same text.
 *
 * With "prune" (successive halving), the runs go in stages: every surviving condition
 * runs to the next rung (sessions stay in memory between stages), the conditions are
 * ranked on their accuracy there (glia_experiment_prune_rung, as the daemon does), and
 * the runs of those that stop keep their record at the rung, marked "pruned_at". A
 * pruned study is not sharded: each rung needs every condition.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/experiment_json.h"
#include "api/requests.h"
#include "offline/cli.h"

#define PROG "gliad experiment"
#define USAGE                                                                                      \
    "usage: gliad experiment FILE.json [--format json|md|csv] [--threads N] [--shard K/N]\n"       \
    "       gliad experiment merge PART.json... [--format json|md|csv]\n"

typedef struct task {
    const glia_experiment_spec_t *spec;
    int condition;
    int seed_index;
    glia_session_t *session; /* kept between the stages of a pruned study */
    uint64_t target;         /* episodes finished at the end of this stage */
    int keep_session;
    json_t *record;     /* at the end of the latest stage */
    double cpu_seconds; /* thread CPU time of its stages */
    int rc;
} task_t;

typedef struct pool {
    task_t **tasks;
    int n;
    atomic_int next;
} pool_t;

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 ? (double)ts.tv_sec + ts.tv_nsec / 1e9
                                                            : 0.0;
}

/* Run t's session to its target, or to the study's budget of reward queries. */
static int run_task(task_t *t)
{
    const uint64_t budget = t->spec->budget_queries;
    glia_counters_t k;
    int64_t done;

    if (budget == 0)
        return glia_session_run_episodes(t->session, t->target);
    glia_session_counters(t->session, &k);
    if (k.episodes >= t->target)
        return 0;
    done = glia_session_advance_to(t->session, UINT64_MAX, t->target - 1, budget);
    return done < 0 ? (int)done : 0;
}

static void *worker(void *arg)
{
    pool_t *p = arg;
    for (;;) {
        int i = atomic_fetch_add(&p->next, 1);
        task_t *t;
        double t0 = thread_cpu_seconds();
        if (i >= p->n)
            return NULL;
        t = p->tasks[i];
        if (t->session == NULL)
            t->rc = glia_session_new(&t->spec->conditions[t->condition].config,
                                     t->spec->seeds[t->seed_index], &t->session, NULL);
        if (t->rc == 0)
            t->rc = run_task(t);
        t->cpu_seconds += thread_cpu_seconds() - t0;
        json_decref(t->record);
        t->record = t->rc == 0 ? glia_experiment_record(t->session) : NULL;
        if (t->record == NULL && t->rc == 0)
            t->rc = GLIA_ENOMEM;
        if (!t->keep_session || t->rc != 0) {
            glia_session_free(t->session);
            t->session = NULL;
        }
    }
}

/* Run tasks[0..n) to their targets on `threads` threads. */
static void run_stage(task_t **tasks, int n, int threads)
{
    pool_t pool = {tasks, n, 0};
    pthread_t *tids;
    int started = 0;

    atomic_init(&pool.next, 0);
    if (threads > n)
        threads = n > 0 ? n : 1;
    tids = calloc((size_t)threads, sizeof(pthread_t));
    for (int t = 0; tids != NULL && t < threads; t++)
        started += pthread_create(&tids[started], NULL, worker, &pool) == 0;
    if (started == 0)
        worker(&pool); /* no thread could start: run them here */
    for (int t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
}

/* found[label][seed] = record (steals the record). */
static int put_record(json_t *found, const char *label, uint32_t seed, json_t *record)
{
    json_t *by_seed = json_object_get(found, label);
    char key[16];

    if (by_seed == NULL) {
        by_seed = json_object();
        if (by_seed == NULL || json_object_set_new(found, label, by_seed) != 0) {
            json_decref(record);
            return -1;
        }
    }
    snprintf(key, sizeof(key), "%u", seed);
    return json_object_set_new(by_seed, key, record);
}

/* doc["cpu_seconds"][label][seed] = seconds (--timing). */
static int put_cpu(json_t *doc, const char *label, uint32_t seed, double seconds)
{
    json_t *cpu = json_object_get(doc, "cpu_seconds");

    if (cpu == NULL && json_object_set_new(doc, "cpu_seconds", cpu = json_object()) != 0)
        return -1;
    return put_record(cpu, label, seed, json_real(seconds));
}

/* Successive halving over tasks (all of a study's runs, seeds outermost): stages to
 * each rung; the runs of the conditions that stop are final at their rung. */
static void run_pruned(const glia_experiment_spec_t *spec, task_t *tasks, int threads)
{
    int nc = spec->n_conditions, ns = spec->n_seeds, alive_n = nc;
    int *alive = malloc((size_t)nc * sizeof(int)), *keep = malloc((size_t)nc * sizeof(int));
    long long *bits = calloc((size_t)nc, sizeof(long long));
    long long *total = calloc((size_t)nc, sizeof(long long));
    task_t **stage = malloc((size_t)nc * (size_t)ns * sizeof(task_t *));

    if (alive == NULL || keep == NULL || bits == NULL || total == NULL || stage == NULL) {
        for (int i = 0; i < nc * ns; i++)
            tasks[i].rc = GLIA_ENOMEM;
        goto done;
    }
    for (int c = 0; c < nc; c++)
        alive[c] = c;
    for (int r = 0; r <= spec->n_rungs; r++) {
        int last = r == spec->n_rungs, n = 0;
        for (int k = 0; k < ns; k++) {
            for (int a = 0; a < alive_n; a++) {
                task_t *t = &tasks[k * nc + alive[a]];
                if (t->rc != 0)
                    continue;
                t->target = last ? spec->episodes : spec->rungs[r];
                t->keep_session = !last;
                stage[n++] = t;
            }
        }
        run_stage(stage, n, threads);
        if (last)
            break;
        for (int a = 0; a < alive_n; a++) {
            bits[a] = total[a] = 0;
            for (int k = 0; k < ns; k++) {
                task_t *t = &tasks[k * nc + alive[a]];
                if (t->rc != 0 || t->record == NULL)
                    continue;
                bits[a] += json_integer_value(json_object_get(t->record, "correct_bits"));
                total[a] += json_integer_value(json_object_get(t->record, "total_bits"));
            }
        }
        if (glia_experiment_prune_rung(alive_n, bits, total, spec->keep, keep) < 0) {
            for (int i = 0; i < nc * ns; i++)
                tasks[i].rc = tasks[i].rc ? tasks[i].rc : GLIA_ENOMEM;
            goto done;
        }
        n = 0;
        for (int a = 0; a < alive_n; a++) {
            if (keep[a]) {
                alive[n++] = alive[a];
                continue;
            }
            for (int k = 0; k < ns; k++) { /* stopped here: the record at the rung is final */
                task_t *t = &tasks[k * nc + alive[a]];
                if (t->record != NULL)
                    json_object_set_new(t->record, "pruned_at",
                                        json_integer((json_int_t)spec->rungs[r]));
                glia_session_free(t->session);
                t->session = NULL;
            }
        }
        alive_n = n;
    }
done:
    free(alive);
    free(keep);
    free(bits);
    free(total);
    free(stage);
}

/* Print `doc` (with its results) in `format`. Returns 0 or 1. */
static int print_report(const json_t *doc, const char *format)
{
    size_t len;
    char *text;
    int rc;

    if (strcmp(format, "json") == 0)
        return glia_cli_print_json(doc, 0) == 0 ? 0 : 1;
    text = strcmp(format, "md") == 0 ? glia_experiment_report_md(doc, &len)
                                     : glia_experiment_report_csv(doc, &len);
    rc = text != NULL && fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
    free(text);
    return rc;
}

/* A complete document: records in canonical order, state, results; then printed. The
 * unsharded run and the merge both end here, so they print the same. */
static int finish(json_t *doc, const json_t *found, int complete, const char *format)
{
    if (glia_experiment_set_records(doc, found) != 0 ||
        json_object_set_new(doc, "state", json_string(complete ? "completed" : "failed")) != 0 ||
        json_object_set_new(doc, "results", glia_experiment_results(doc)) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    return print_report(doc, format);
}

static int parse_format(const char *v, const char **format)
{
    if (strcmp(v, "json") != 0 && strcmp(v, "md") != 0 && strcmp(v, "csv") != 0) {
        fprintf(stderr, PROG ": --format: json, md or csv, not \"%s\"\n", v);
        return -1;
    }
    *format = v;
    return 0;
}

/* "K/N" with 1 <= K <= N <= GLIA_MAX_RUNS. */
static int parse_shard(const char *v, int *k, int *n)
{
    const char *slash = strchr(v, '/');
    char left[24];
    uint64_t a, b;

    if (slash == NULL || (size_t)(slash - v) >= sizeof(left))
        return -1;
    memcpy(left, v, (size_t)(slash - v));
    left[slash - v] = '\0';
    if (glia_cli_parse_u64(left, 1, GLIA_MAX_RUNS, &a) != 0 ||
        glia_cli_parse_u64(slash + 1, 1, GLIA_MAX_RUNS, &b) != 0 || a > b)
        return -1;
    *k = (int)a;
    *n = (int)b;
    return 0;
}

/* ---- merge ------------------------------------------------------------------------------ */

typedef struct part {
    const char *path;
    json_t *doc;
    int index, count;
} part_t;

static int merge_error(const char *path, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, PROG " merge: %s: ", path);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 2;
}

/* Check one part's records and move them into found[label][seed]; filled[r] counts
 * the parts holding run r. */
static int take_records(const part_t *p, const glia_experiment_spec_t *spec, const int *shard_of,
                        int *filled, json_t *found)
{
    json_t *records = json_object_get(p->doc, "records"), *by_seed, *rec;
    const char *label, *key;

    if (!json_is_object(records))
        return merge_error(p->path, "no \"records\" object%s%s", "", "");
    json_object_foreach(records, label, by_seed) {
        int c = 0;
        while (c < spec->n_conditions && strcmp(spec->conditions[c].label, label) != 0)
            c++;
        if (c == spec->n_conditions || !json_is_object(by_seed))
            return merge_error(p->path, "/records/%s: not a condition of the study%s", label, "");
        json_object_foreach(by_seed, key, rec) {
            uint64_t seed;
            int k = 0, r;
            char where[96], shard[32];
            snprintf(where, sizeof(where), "/records/%s/%s", label, key);
            if (glia_cli_parse_u64(key, 0, UINT32_MAX, &seed) == 0)
                while (k < spec->n_seeds && spec->seeds[k] != seed)
                    k++;
            if (glia_cli_parse_u64(key, 0, UINT32_MAX, &seed) != 0 || k == spec->n_seeds)
                return merge_error(p->path, "%s: not a seed of the study%s", where, "");
            if (!json_is_object(rec) ||
                json_integer_value(json_object_get(rec, "seed")) != (json_int_t)seed ||
                !json_is_integer(json_object_get(rec, "correct_bits")) ||
                !json_is_integer(json_object_get(rec, "total_bits")) ||
                !json_is_number(json_object_get(rec, "accuracy")) ||
                !json_is_array(json_object_get(rec, "outputs")))
                return merge_error(p->path, "%s: not a record%s", where, "");
            r = k * spec->n_conditions + c;
            snprintf(shard, sizeof(shard), "%d/%d", shard_of[r] + 1, p->count);
            if (shard_of[r] != p->index - 1)
                return merge_error(p->path, "%s: this run belongs to shard %s", where, shard);
            if (filled[r]++ > 0)
                return merge_error(p->path, "%s: this run is in another part too%s", where, "");
            if (put_record(found, label, (uint32_t)seed, json_incref(rec)) != 0)
                return 1;
        }
    }
    return 0;
}

static int merge(int argc, char **argv)
{
    const char *format = "json";
    part_t *parts = calloc((size_t)argc, sizeof(part_t));
    glia_experiment_spec_t *spec = malloc(sizeof(*spec));
    json_t *doc = NULL, *found = json_object();
    int n = 0, rc = 2, runs, *shard_of = NULL, *filled = NULL, missing = 0;
    glia_error_t err;

    if (parts == NULL || spec == NULL || found == NULL) {
        rc = 1;
        goto done;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            if (parse_format(argv[++i], &format) != 0)
                goto done;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf(USAGE
                   "  merge checks that the parts (from --shard K/N) are of one study and hold\n"
                   "  every run exactly once, then prints the report of the whole study\n");
            rc = 0;
            goto done;
        } else if (argv[i][0] != '-') {
            parts[n++].path = argv[i];
        } else {
            fprintf(stderr, PROG " merge: unknown argument \"%s\"\n", argv[i]);
            goto done;
        }
    }
    if (n == 0) {
        fprintf(stderr, "usage: gliad experiment merge PART.json... [--format json|md|csv]\n");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        json_t *shard;
        if ((parts[i].doc = glia_cli_load_json(PROG " merge", parts[i].path)) == NULL)
            goto done;
        shard = json_object_get(parts[i].doc, "shard");
        parts[i].index = (int)json_integer_value(json_object_get(shard, "index"));
        parts[i].count = (int)json_integer_value(json_object_get(shard, "count"));
        if (!json_is_object(shard) || parts[i].count < 1 || parts[i].count > GLIA_MAX_RUNS ||
            parts[i].index < 1 || parts[i].index > parts[i].count) {
            rc = merge_error(parts[i].path,
                             "not a part: no \"shard\": {\"index\": K, \"count\": N} (write parts "
                             "with gliad experiment FILE --shard K/N)%s%s",
                             "", "");
            goto done;
        }
    }
    /* The study: rebuilt from the first part and hashed again; every part must name it. */
    glia_error_clear(&err);
    if (glia_experiment_spec_from_doc(parts[0].doc, spec, &err) != 0) {
        fprintf(stderr, PROG " merge: %s: not a study document: %s: %s\n", parts[0].path,
                err.field[0] ? err.field : "/", err.message);
        goto done;
    }
    if ((doc = glia_experiment_doc_new(spec)) == NULL) {
        rc = 1;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const char *want = json_string_value(json_object_get(doc, "study"));
        const char *got = json_string_value(json_object_get(parts[i].doc, "study"));
        if (got == NULL || strcmp(got, want) != 0) {
            rc = merge_error(parts[i].path,
                             i == 0 ? "the document does not match its \"study\" hash %s (it was "
                                      "changed, or written by another version of gliad)%s"
                                    : "a part of another study (%s, not %s)",
                             got ? got : "(none)", i == 0 ? "" : want);
            goto done;
        }
        if (parts[i].count != parts[0].count) {
            char a[16], b[16];
            snprintf(a, sizeof(a), "%d", parts[i].count);
            snprintf(b, sizeof(b), "%d", parts[0].count);
            rc = merge_error(parts[i].path, "cut into %s shards, the first part into %s", a, b);
            goto done;
        }
        for (int j = 0; j < i; j++) {
            if (parts[j].index == parts[i].index) {
                char s[32];
                snprintf(s, sizeof(s), "%d/%d", parts[i].index, parts[i].count);
                rc = merge_error(parts[i].path, "shard %s is also %s", s, parts[j].path);
                goto done;
            }
        }
    }
    if (spec->n_rungs > 0) {
        rc = merge_error(parts[0].path, "a pruned study is not run in shards%s%s", "", "");
        goto done;
    }
    runs = spec->n_conditions * spec->n_seeds;
    shard_of = malloc((size_t)runs * sizeof(int));
    filled = calloc((size_t)runs, sizeof(int));
    if (shard_of == NULL || filled == NULL ||
        glia_experiment_shards(runs, parts[0].count, shard_of) != 0) {
        rc = 1;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if ((rc = take_records(&parts[i], spec, shard_of, filled, found)) != 0)
            goto done;
    }
    /* Name the shards without a part first, then runs missing from a part given. */
    for (int k = 1; k <= parts[0].count; k++) {
        int given = 0, in_shard = 0;
        for (int i = 0; i < n; i++)
            given |= parts[i].index == k;
        for (int r = 0; r < runs; r++)
            in_shard += shard_of[r] == k - 1;
        if (!given && in_shard > 0) {
            fprintf(stderr, PROG " merge: missing: shard %d/%d (%d runs): no part given\n", k,
                    parts[0].count, in_shard);
            missing += in_shard;
        }
    }
    for (int r = 0; r < runs; r++) {
        int given = 0;
        for (int i = 0; i < n; i++)
            given |= parts[i].index == shard_of[r] + 1;
        if (filled[r] == 0 && given && missing++ < 5)
            fprintf(stderr,
                    PROG " merge: missing: condition %s seed %u, from the part of shard %d/%d\n",
                    spec->conditions[r % spec->n_conditions].label,
                    spec->seeds[r / spec->n_conditions], shard_of[r] + 1, parts[0].count);
    }
    if (missing > 0) {
        fprintf(stderr,
                PROG " merge: %d of %d runs are missing; the parts do not cover the study\n",
                missing, runs);
        rc = 2;
        goto done;
    }
    rc = finish(doc, found, 1, format);
done:
    for (int i = 0; parts != NULL && i < n; i++)
        json_decref(parts[i].doc);
    free(parts);
    free(spec);
    free(shard_of);
    free(filled);
    json_decref(doc);
    json_decref(found);
    return rc;
}

/* ---- a study, or one shard of it ------------------------------------------------------------ */

int glia_cli_experiment(int argc, char **argv)
{
    const char *path = NULL, *format = NULL;
    uint64_t threads = 0;
    int shard_k = 0, shard_n = 0, runs, n_tasks = 0, rc = 0, timing = 0;
    glia_experiment_spec_t *spec;
    glia_error_t err;
    json_t *body, *doc = NULL, *found = NULL;
    task_t *tasks = NULL, **mine = NULL;
    int *shard_of = NULL;

    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return merge(argc, argv);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            if (parse_format(argv[++i], &format) != 0)
                return 2;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (glia_cli_parse_u64(argv[++i], 1, 256, &threads) != 0) {
                fprintf(stderr, PROG ": --threads: an integer in [1, 256]\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--timing") == 0) {
            timing = 1;
        } else if (strcmp(argv[i], "--shard") == 0 && i + 1 < argc) {
            if (parse_shard(argv[++i], &shard_k, &shard_n) != 0) {
                fprintf(stderr, PROG ": --shard: K/N with 1 <= K <= N <= %d, not \"%s\"\n",
                        GLIA_MAX_RUNS, argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf(
                USAGE
                "  FILE.json is a POST /v1/experiments body (see GET /v1/experiments/templates\n"
                "  and examples/); its \"episodes\" are per run, 1..%d: a study runs up to\n"
                "  %d of them (gliad run and POST .../run take up to %d for one run)\n"
                "  --shard K/N runs the K-th of N slices of the runs and prints a part;\n"
                "  merge prints the whole study's report from all N parts\n"
                "  --timing adds each run's CPU seconds to the JSON document (\"cpu_seconds\")\n",
                GLIA_MAX_EXPERIMENT_EPISODES, GLIA_MAX_RUNS, GLIA_MAX_RUN_EPISODES);
            return 0;
        } else if (argv[i][0] != '-' && path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, PROG ": unknown argument \"%s\"\n", argv[i]);
            return 2;
        }
    }
    if (path == NULL) {
        fputs(USAGE, stderr);
        return 2;
    }
    if (shard_n > 0 && format != NULL && strcmp(format, "json") != 0) {
        fprintf(stderr, PROG ": --shard prints a part (JSON) for `gliad experiment merge`; "
                             "give --format to the merge\n");
        return 2;
    }
    if (format == NULL)
        format = "json";
    if ((body = glia_cli_load_json(PROG, path)) == NULL)
        return 2;
    spec = malloc(sizeof(*spec));
    if (spec == NULL) {
        json_decref(body);
        return 1;
    }
    glia_error_clear(&err);
    if (glia_experiment_parse(body, spec, &err) != 0) {
        fprintf(stderr, PROG ": %s: %s: %s\n", path, err.field[0] ? err.field : "/", err.message);
        json_decref(body);
        free(spec);
        return 2;
    }
    json_decref(body);
    if (shard_n > 0 && spec->n_rungs > 0) {
        fprintf(stderr,
                PROG ": --shard: %s: a study with \"prune\" runs whole (each rung compares "
                     "every condition); drop --shard or \"prune\"\n",
                path);
        free(spec);
        return 2;
    }
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (uint64_t)cores : 2;
    }
    runs = spec->n_conditions * spec->n_seeds;
    tasks = calloc((size_t)runs, sizeof(task_t));
    mine = calloc((size_t)runs, sizeof(task_t *));
    shard_of = calloc((size_t)runs, sizeof(int));
    found = json_object();
    doc = glia_experiment_doc_new(spec);
    if (tasks == NULL || mine == NULL || shard_of == NULL || found == NULL || doc == NULL ||
        (shard_n > 0 && glia_experiment_shards(runs, shard_n, shard_of) != 0)) {
        fprintf(stderr, PROG ": out of memory\n");
        rc = 1;
        goto done;
    }
    /* Seeds outermost (run r = seed index * conditions + condition): the first results
     * to finish cover every condition. */
    for (int r = 0; r < runs; r++) {
        tasks[r].spec = spec;
        tasks[r].condition = r % spec->n_conditions;
        tasks[r].seed_index = r / spec->n_conditions;
        tasks[r].target = spec->episodes;
        if (shard_n == 0 || shard_of[r] == shard_k - 1)
            mine[n_tasks++] = &tasks[r];
    }
    if (spec->n_rungs > 0)
        run_pruned(spec, tasks, (int)threads);
    else
        run_stage(mine, n_tasks, (int)threads);
    for (int i = 0; i < n_tasks; i++) {
        task_t *t = mine[i];
        const char *label = spec->conditions[t->condition].label;
        if (t->rc != 0 || t->record == NULL) {
            fprintf(stderr, PROG ": run %s seed %u failed: %s\n", label, spec->seeds[t->seed_index],
                    glia_strerror(t->rc ? t->rc : GLIA_ENOMEM));
            rc = 1;
            continue;
        }
        if (put_record(found, label, spec->seeds[t->seed_index], t->record) != 0)
            rc = 1;
        t->record = NULL;
        if (timing && put_cpu(doc, label, spec->seeds[t->seed_index], t->cpu_seconds) != 0)
            rc = 1;
    }
    if (shard_n > 0) {
        /* A part: the study's document, which slice it is, and the records of its runs. */
        if (glia_experiment_set_records(doc, found) != 0 ||
            json_object_set_new(doc, "shard",
                                json_pack("{s:i, s:i, s:i}", "index", shard_k, "count", shard_n,
                                          "runs", n_tasks)) != 0 ||
            json_object_set_new(doc, "state", json_string(rc == 0 ? "partial" : "failed")) != 0 ||
            glia_cli_print_json(doc, 0) != 0)
            rc = 1;
    } else if (finish(doc, found, rc == 0, format) != 0) {
        rc = 1;
    }
done:
    for (int r = 0; tasks != NULL && r < runs; r++) {
        json_decref(tasks[r].record);
        glia_session_free(tasks[r].session);
    }
    json_decref(doc);
    json_decref(found);
    free(tasks);
    free(mine);
    free(shard_of);
    free(spec);
    return rc;
}
