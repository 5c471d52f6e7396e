/* classify_command.c: `gliad classify`, a classification run (core/classify) from the
 * command line.
 *
 * The config names its dataset; the data is the one stored under that name in the data
 * dir's store (read-only: safe beside a live daemon), or else, for a preset's name, the
 * files Debian installs (read as `gliad dataset import --preset` reads them, so the hash is
 * the same). A hash in the config must be the data's. The run prints one JSON document:
 * the config, the dataset's name and hash, the split, the network's size, a trajectory of
 * train and test accuracy against reward queries, the final score with its confusion
 * matrix, and what the run cost (CPU seconds, synapse updates).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/classify_json.h"
#include "api/dataset.h"
#include "offline/cli.h"
#include "server/datasets/classify_command.h"
#include "server/datasets/command.h"
#include "server/store/store_datasets.h"
#include "server/team.h"

#define MAX_THREADS 64

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gliad classify [--preset NAME] [--config FILE|-] [--seed N] [--steps N]\n"
            "                      [--learner astrocyte|global|random-search] [--threads N]\n"
            "                      [--data-dir D] [--compact]\n\n"
            "Train a layered binary network on a dataset with a keep-or-revert learner and\n"
            "score it on a held-out test set (docs/classification.md). The config (--config,\n"
            "applied onto --preset or the defaults) names the dataset: {\"dataset\": {\"name\":\n"
            "...}}. The data is the dataset stored under that name in --data-dir (default\n"
            "$GLIA_DATA_DIR, else ./data), or else, for a preset's name, Debian's files.\n\n"
            "presets: digits, iris, wine, breast-cancer, fashion-mnist\n\n"
            "--threads N evaluates the training set on N threads; the result is the same\n"
            "for every N. Prints JSON; exit 0, 1 on failure, 2 on bad usage.\n");
}

static int bad(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gliad classify: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (gliad help classify)\n");
    return 2;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The dataset `ref` names, decoded into *ds, its hash into hash, where it came from into
 * *source. 0, or 1 after saying why. */
static int fetch(const char *dir, const glia_cls_dataset_ref_t *ref, glia_dataset_t **ds,
                 char hash[65], const char **source)
{
    char path[1100];
    uint8_t *blob = NULL;
    size_t len = 0;
    int rc;

    snprintf(path, sizeof path, "%s/glia.db", dir);
    rc = glia_store_dataset_content(path, ref->name, &blob, &len, hash);
    if (rc == 0) {
        *source = "store";
    } else if (rc == GLIA_ENOENT || rc == GLIA_EIO) {
        glia_dataset_loaded_t l;
        int prc = glia_dataset_preset_load(ref->name, &l);
        if (prc == GLIA_ENOENT) {
            fprintf(stderr,
                    "gliad classify: /dataset/name: no dataset \"%s\" in %s, and no preset of "
                    "that name (digits, iris, wine, breast-cancer, fashion-mnist)\n",
                    ref->name, path);
            return 1;
        }
        if (prc != 0)
            return 1;
        blob = l.blob;
        len = l.blob_len;
        l.blob = NULL;
        memcpy(hash, l.hash, 65);
        glia_dataset_loaded_destroy(&l);
        *source = "debian";
    } else {
        fprintf(stderr, "gliad classify: cannot read %s (%s)\n", path, glia_strerror(rc));
        return 1;
    }
    if (ref->hash[0] && strcmp(ref->hash, hash) != 0) {
        fprintf(stderr,
                "gliad classify: /dataset/hash: the config names %s, but dataset \"%s\" (%s) is "
                "%s\n",
                ref->hash, ref->name, *source, hash);
        free(blob);
        return 1;
    }
    rc = glia_dataset_decode(blob, len, ds);
    free(blob);
    if (rc != 0) {
        fprintf(stderr, "gliad classify: dataset \"%s\": %s\n", ref->name, glia_strerror(rc));
        return 1;
    }
    return 0;
}

static json_t *point(glia_cls_t *c, uint64_t step)
{
    glia_cls_score_t s;
    glia_cls_counts_t n;
    glia_cls_score(c, &s);
    glia_cls_counts(c, &n);
    json_t *p = glia_cls_score_to_json(&s, 0);
    if (p) {
        json_object_set_new(p, "step", json_integer((json_int_t)step));
        json_object_set_new(p, "reward_queries", json_integer((json_int_t)n.reward_queries));
        json_object_set_new(p, "kept", json_integer((json_int_t)n.kept));
    }
    return p;
}

static int run(const glia_cls_config_t *cfg, const glia_cls_dataset_ref_t *ref, const char *dir,
               uint32_t seed, int threads, int compact)
{
    glia_dataset_t *ds = NULL;
    glia_cls_data_t *data = NULL;
    glia_cls_t *c = NULL;
    glia_team_t *team = NULL;
    glia_error_t err;
    char hash[65];
    const char *source;
    json_t *out = NULL, *traj = NULL;
    int rc = 1;

    if (fetch(dir, ref, &ds, hash, &source) != 0)
        return 1;
    glia_cls_source_t src = {ds->samples, ds->features, ds->classes, ds->is_u8 ? ds->x8 : NULL,
                             ds->is_u8 ? NULL : ds->xf, ds->labels};
    glia_error_clear(&err);
    if (glia_cls_data_new(cfg, &src, &data, &err) != 0) {
        fprintf(stderr, "gliad classify: %s: %s\n", err.field, err.message);
        goto done;
    }
    if (threads > 1 && glia_team_new(threads, &team) != 0) {
        fprintf(stderr, "gliad classify: cannot start %d threads\n", threads);
        goto done;
    }
    glia_cls_exec_t exec = {team ? glia_team_run : NULL, team};
    double cpu0 = cpu_now(), wall0 = wall_now();
    if (glia_cls_new(cfg, data, seed, &exec, &c, &err) != 0) {
        fprintf(stderr, "gliad classify: %s: %s\n", err.field[0] ? err.field : "/network",
                err.message[0] ? err.message : "out of memory");
        goto done;
    }
    traj = json_array();
    json_array_append_new(traj, point(c, 0));
    for (uint64_t step = 1; step <= cfg->training.steps; step++) {
        glia_cls_step(c, NULL);
        if (step % cfg->training.eval_interval == 0 || step == cfg->training.steps)
            json_array_append_new(traj, point(c, step));
    }
    double cpu = cpu_now() - cpu0, wall = wall_now() - wall0;

    glia_cls_score_t s;
    glia_cls_counts_t n;
    glia_cls_shape_t shape;
    glia_cls_score(c, &s);
    glia_cls_counts(c, &n);
    glia_cls_shape(c, &shape);
    glia_cls_dataset_ref_t named = *ref;
    memcpy(named.hash, hash, sizeof named.hash);
    out = json_object();
    json_object_set_new(out, "config", glia_cls_config_to_json(cfg, &named));
    json_object_set_new(out, "seed", json_integer(seed));
    json_object_set_new(out, "threads", json_integer(threads));
    json_object_set_new(out, "dataset",
                        json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "name", ref->name, "hash",
                                  hash, "source", source, "samples", (json_int_t)ds->samples,
                                  "features", (json_int_t)ds->features, "classes",
                                  (json_int_t)ds->classes));
    json_object_set_new(out, "split",
                        json_pack("{s:i, s:i, s:I}", "train",
                                  (json_int_t)glia_cls_data_train(data), "test",
                                  (json_int_t)glia_cls_data_test(data), "seed",
                                  (json_int_t)cfg->split.seed));
    json_object_set_new(out, "network",
                        json_pack("{s:i, s:i, s:i, s:i, s:I, s:I}", "input_bits",
                                  (json_int_t)shape.bits, "hidden", (json_int_t)shape.hidden,
                                  "outputs", (json_int_t)shape.outputs, "territories",
                                  (json_int_t)shape.territories, "input_synapses",
                                  (json_int_t)shape.in_synapses, "output_synapses",
                                  (json_int_t)shape.out_synapses));
    json_object_set_new(out, "final", glia_cls_score_to_json(&s, 1));
    json_object_set_new(out, "steps", json_integer((json_int_t)n.steps));
    json_object_set_new(out, "kept", json_integer((json_int_t)n.kept));
    json_object_set_new(out, "reward_queries", json_integer((json_int_t)n.reward_queries));
    json_object_set_new(out, "synapse_updates", json_integer((json_int_t)n.synapse_updates));
    json_object_set_new(out, "cpu_seconds", json_real(cpu));
    json_object_set_new(out, "wall_seconds", json_real(wall));
    json_object_set_new(out, "synapse_updates_per_cpu_second",
                        json_real(cpu > 0 ? (double)n.synapse_updates / cpu : 0));
    json_object_set_new(out, "trajectory", traj);
    traj = NULL;
    rc = glia_cli_print_json(out, compact) != 0;
done:
    json_decref(traj);
    json_decref(out);
    glia_cls_free(c);
    glia_team_free(team);
    glia_cls_data_free(data);
    glia_dataset_free(ds);
    return rc;
}

int glia_cli_classify(int argc, char **argv)
{
    const char *dir = getenv("GLIA_DATA_DIR"), *preset = NULL, *config = NULL;
    const char *learner = NULL;
    uint64_t seed = 0, threads = 1, steps = 0;
    int compact = 0;

    if (dir == NULL || dir[0] == '\0')
        dir = "./data";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--compact")) {
            compact = 1;
            continue;
        }
        if (i + 1 >= argc)
            return bad(a[0] == '-' ? "%s needs a value" : "unexpected argument \"%s\"", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--preset"))
            preset = v;
        else if (!strcmp(a, "--config"))
            config = v;
        else if (!strcmp(a, "--data-dir"))
            dir = v;
        else if (!strcmp(a, "--learner"))
            learner = v;
        else if (!strcmp(a, "--seed")) {
            if (glia_cli_parse_u64(v, 0, UINT32_MAX, &seed))
                return bad("--seed \"%s\": an integer in [0, 4294967295]", v);
        } else if (!strcmp(a, "--threads")) {
            if (glia_cli_parse_u64(v, 1, MAX_THREADS, &threads))
                return bad("--threads \"%s\": an integer in [1, %d]", v, MAX_THREADS);
        } else if (!strcmp(a, "--steps")) {
            if (glia_cli_parse_u64(v, 1, 1000000000, &steps))
                return bad("--steps \"%s\": an integer in [1, 1e9]", v);
        } else
            return bad("unknown option \"%s\"", a);
    }
    glia_cls_config_t cfg;
    glia_cls_dataset_ref_t ref;
    glia_cls_config_default(&cfg);
    memset(&ref, 0, sizeof ref);
    if (preset && glia_cls_preset(preset, &cfg, &ref) != 0)
        return bad("unknown preset \"%s\": digits, iris, wine, breast-cancer or fashion-mnist",
                   preset);
    json_t *doc = config ? glia_cli_load_json("gliad classify", config) : json_object();
    if (!doc)
        return config ? 1 : bad("out of memory");
    glia_error_t err;
    glia_error_clear(&err);
    int rc = glia_cls_config_apply_json(&cfg, &ref, doc, "", &err);
    json_decref(doc);
    if (rc != 0) {
        fprintf(stderr, "gliad classify: %s: %s\n", err.field[0] ? err.field : "config",
                err.message);
        return 1;
    }
    if (learner) {
        int k = 0;
        while (glia_cls_learner_names[k] && strcmp(glia_cls_learner_names[k], learner))
            k++;
        if (!glia_cls_learner_names[k])
            return bad("--learner \"%s\": astrocyte, global or random-search", learner);
        cfg.learner.kind = k;
    }
    if (steps)
        cfg.training.steps = steps;
    return run(&cfg, &ref, dir, (uint32_t)seed, (int)threads, compact);
}
