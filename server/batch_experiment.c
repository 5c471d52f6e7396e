/* batch_experiment.c: `gliad experiment FILE.json`: a whole seeds x conditions study
 * offline, one run per (condition, seed) spread over worker threads, printed as the same
 * report GET /v1/experiments/{name}/report gives. Exit 0; 2 for a bad file or flag. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/experiment_json.h"
#include "cli.h"

#define PROG "gliad experiment"

typedef struct task {
    const glia_experiment_spec_t *spec;
    int condition;
    int seed_index;
    json_t *record;
    int rc;
} task_t;

typedef struct pool {
    task_t *tasks;
    int n;
    atomic_int next;
} pool_t;

static void *worker(void *arg)
{
    pool_t *p = arg;
    for (;;) {
        int i = atomic_fetch_add(&p->next, 1);
        task_t *t;
        glia_session_t *s = NULL;
        if (i >= p->n)
            return NULL;
        t = &p->tasks[i];
        t->rc = glia_session_new(&t->spec->conditions[t->condition].config,
                                 t->spec->seeds[t->seed_index], &s, NULL);
        if (t->rc == 0)
            t->rc = glia_session_run_episodes(s, t->spec->episodes);
        if (t->rc == 0)
            t->record = glia_experiment_record(s);
        glia_session_free(s);
    }
}

int glia_cli_experiment(int argc, char **argv)
{
    const char *path = NULL, *format = "json";
    uint64_t threads = 0;
    glia_experiment_spec_t *spec;
    glia_error_t err;
    json_t *body, *doc, *records;
    pool_t pool;
    pthread_t *tids;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
            if (strcmp(format, "json") != 0 && strcmp(format, "md") != 0 && strcmp(format, "csv") != 0) {
                fprintf(stderr, PROG ": --format: json, md or csv, not \"%s\"\n", format);
                return 2;
            }
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (glia_cli_parse_u64(argv[++i], 1, 256, &threads) != 0) {
                fprintf(stderr, PROG ": --threads: an integer in [1, 256]\n");
                return 2;
            }
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: gliad experiment FILE.json [--format json|md|csv] [--threads N]\n"
                   "  FILE.json is a POST /v1/experiments body (see GET /v1/experiments/templates)\n");
            return 0;
        } else if (argv[i][0] != '-' && path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, PROG ": unknown argument \"%s\"\n", argv[i]);
            return 2;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "usage: gliad experiment FILE.json [--format json|md|csv] [--threads N]\n");
        return 2;
    }
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
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (uint64_t)cores : 2;
    }
    pool.n = spec->n_conditions * spec->n_seeds;
    pool.tasks = calloc((size_t)pool.n, sizeof(task_t));
    tids = calloc(threads, sizeof(pthread_t));
    atomic_init(&pool.next, 0);
    /* Seeds outermost: the first results to finish cover every condition. */
    for (int k = 0, i = 0; k < spec->n_seeds; k++) {
        for (int c = 0; c < spec->n_conditions; c++, i++) {
            pool.tasks[i].spec = spec;
            pool.tasks[i].condition = c;
            pool.tasks[i].seed_index = k;
        }
    }
    for (uint64_t t = 0; t < threads; t++)
        pthread_create(&tids[t], NULL, worker, &pool);
    for (uint64_t t = 0; t < threads; t++)
        pthread_join(tids[t], NULL);

    doc = glia_experiment_doc_new(spec);
    if (json_is_string(json_object_get(body, "description")))
        json_object_set(doc, "description", json_object_get(body, "description"));
    records = json_object_get(doc, "records");
    for (int i = 0; i < pool.n; i++) {
        task_t *t = &pool.tasks[i];
        const char *label = spec->conditions[t->condition].label;
        char key[16];
        if (t->rc != 0 || t->record == NULL) {
            fprintf(stderr, PROG ": run %s seed %u failed: out of memory\n", label,
                    spec->seeds[t->seed_index]);
            rc = 1;
            continue;
        }
        if (json_object_get(records, label) == NULL)
            json_object_set_new(records, label, json_object());
        snprintf(key, sizeof(key), "%u", spec->seeds[t->seed_index]);
        json_object_set_new(json_object_get(records, label), key, t->record);
    }
    json_object_set_new(doc, "state", json_string(rc == 0 ? "completed" : "failed"));
    json_object_set_new(doc, "results", glia_experiment_results(doc));
    if (strcmp(format, "json") == 0) {
        if (glia_cli_print_json(doc, 0) != 0)
            rc = 1;
    } else {
        size_t len;
        char *text = strcmp(format, "md") == 0 ? glia_experiment_report_md(doc, &len)
                                               : glia_experiment_report_csv(doc, &len);
        if (text == NULL || fwrite(text, 1, len, stdout) != len)
            rc = 1;
        free(text);
    }
    json_decref(doc);
    json_decref(body);
    free(pool.tasks);
    free(tids);
    free(spec);
    return rc;
}
