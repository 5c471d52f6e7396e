/* command.c: `gliad dataset import|list|show|delete`: datasets in a data dir's store,
 * without a daemon.
 *
 * Writes take the data dir's lock (server/store/datadir_lock.h) for their whole length,
 * so a dir a live gliad serves is refused, and go through the store's own thread and
 * operations (store_datasets.h), so a file imported here has the same hash, rows and
 * description as the same file posted to POST /v1/datasets. Reads (list, show) open the
 * database read-only, which is safe beside a live daemon (WAL).
 *
 * Presets know where Debian puts the datasets it ships (python3-sklearn,
 * dataset-fashion-mnist) and their formats; gliad reads the files, never Python.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "api/dataset.h"
#include "api/router.h"
#include "offline/cli.h"
#include "server/datasets/command.h"
#include "server/datasets/load.h"
#include "server/log.h"
#include "server/store/datadir_lock.h"
#include "server/store/store.h"
#include "server/store/store_datasets.h"

#define SKLEARN_DIR "/usr/lib/python3/dist-packages/sklearn/datasets/data"
#define FASHION_DIR "/usr/share/datasets/fashion-mnist"
#define MAX_FILES   (2 * GLIA_DATASET_MAX_PARTS)

typedef struct preset {
    const char *name;
    int format, header;
    const char *files[5];
} preset_t;

static const preset_t presets[] = {
    {"digits", GLIA_DATASET_CSV, 0, {SKLEARN_DIR "/digits.csv.gz"}},
    {"iris", GLIA_DATASET_SKLEARN, -1, {SKLEARN_DIR "/iris.csv"}},
    {"wine", GLIA_DATASET_SKLEARN, -1, {SKLEARN_DIR "/wine_data.csv"}},
    {"breast-cancer", GLIA_DATASET_SKLEARN, -1, {SKLEARN_DIR "/breast_cancer.csv"}},
    {"fashion-mnist",
     GLIA_DATASET_IDX,
     -1,
     {FASHION_DIR "/train-images-idx3-ubyte.gz", FASHION_DIR "/train-labels-idx1-ubyte.gz",
      FASHION_DIR "/t10k-images-idx3-ubyte.gz", FASHION_DIR "/t10k-labels-idx1-ubyte.gz"}},
};
#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gliad dataset import FILE [FILE2 ...] --name NAME --format csv|sklearn|idx\n"
            "                            [--label COLUMN] [--header auto|yes|no] [--data-dir D]\n"
            "       gliad dataset import --preset NAME [--name NAME] [--data-dir D]\n"
            "       gliad dataset list [--data-dir D]\n"
            "       gliad dataset show NAME [--data-dir D]\n"
            "       gliad dataset delete NAME [--data-dir D]\n\n"
            "Datasets in the store of --data-dir (default $GLIA_DATA_DIR, else ./data), as\n"
            "POST/GET/DELETE /v1/datasets keep them (docs/datasets.md). import, delete take the\n"
            "data dir's lock: a dir a running gliad serves is refused. Files may be gzip'd.\n\n"
            "formats:\n"
            "  csv      numbers, one sample a line, label last (or --label: its header name\n"
            "           or 0-based index); a header line or not (--header, default auto)\n"
            "  sklearn  scikit-learn's CSV: a first line \"samples,features,class names...\"\n"
            "  idx      MNIST-style: the images file, then its labels file (more pairs follow\n"
            "           as parts: train, then test)\n\n"
            "presets (Debian's files; the dataset is named after the preset):\n"
            "  digits         python3-sklearn  digits.csv.gz (1,797 x 64, 10 classes)\n"
            "  iris           python3-sklearn  iris.csv (150 x 4, 3 classes)\n"
            "  wine           python3-sklearn  wine_data.csv (178 x 13, 3 classes)\n"
            "  breast-cancer  python3-sklearn  breast_cancer.csv (569 x 30, 2 classes)\n"
            "  fashion-mnist  dataset-fashion-mnist  train then t10k (70,000 x 784, 10 classes)\n"
            "\nimport prints the dataset's summary (with its SHA-256), show its description,\n"
            "list every one; all as JSON on stdout. Exit 0, 1 on failure, 2 on bad usage.\n");
}

/* A whole file, gunzipped when it is gzip, appended to *buf. 0, or 1 after saying why. */
static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *raw = NULL, *plain = NULL, *nb;
    size_t n = 0, cap = 0, plain_len = 0;
    uint64_t held = 0, need = 0;
    int too_large = 0, rc = 1;
    char msg[256];

    if (f == NULL) {
        fprintf(stderr, "gliad dataset: %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            cap = cap ? 2 * cap : (1u << 20);
            if ((nb = realloc(raw, cap)) == NULL)
                goto oom;
            raw = nb;
        }
        got = fread(raw + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "gliad dataset: %s: %s\n", path, strerror(errno));
        goto done;
    }
    if (glia_is_gzip(raw, n)) {
        int grc = glia_gunzip(raw, n, (uint64_t)4 << 30, NULL, &plain, &plain_len, &held, &need,
                              &too_large, msg, sizeof(msg));
        if (grc == GLIA_ENOMEM)
            goto oom;
        if (grc != 0) {
            fprintf(stderr, "gliad dataset: %s: %s\n", path, msg);
            goto done;
        }
        free(raw);
        raw = plain;
        n = plain_len;
    }
    if ((nb = realloc(*buf, *len + n + 1)) == NULL)
        goto oom;
    *buf = nb;
    if (n > 0)
        memcpy(*buf + *len, raw, n);
    *len += n;
    rc = 0;
    goto done;
oom:
    fprintf(stderr, "gliad dataset: %s: out of memory\n", path);
done:
    free(raw);
    fclose(f);
    return rc;
}

int glia_dataset_preset_load(const char *name, glia_dataset_loaded_t *out)
{
    const preset_t *p = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    glia_error_t err;
    int rc;

    for (size_t k = 0; k < NPRESETS; k++)
        if (strcmp(presets[k].name, name) == 0)
            p = &presets[k];
    if (p == NULL)
        return GLIA_ENOENT;
    for (int i = 0; i < 5 && p->files[i] != NULL; i++)
        if (read_file(p->files[i], &bytes, &len) != 0) {
            free(bytes);
            return 1;
        }
    glia_dataset_options_t o = {p->format, p->header, NULL, NULL, NULL};
    glia_error_clear(&err);
    rc = glia_dataset_load(bytes ? bytes : (const uint8_t *)"", len, &o, (uint64_t)4 << 30, NULL,
                           out, &err, NULL);
    free(bytes);
    if (rc != 0) {
        fprintf(stderr, "gliad: preset dataset %s: %s\n", name,
                err.message[0] ? err.message : glia_strerror(rc));
        return 1;
    }
    return 0;
}


typedef struct outcome {
    int status, result;
    char error[256];
} outcome_t;

static void done_cb(glia_store_op_t *op, int status, void *arg)
{
    outcome_t *o = arg;
    o->status = status;
    o->result = glia_store_op_dataset_outcome(op);
    snprintf(o->error, sizeof(o->error), "%s", op->error);
}

/* Apply one dataset op to dir's store under its lock. 0, or 1 after saying why. */
static int apply(const char *dir, glia_store_op_t *op, outcome_t *out)
{
    glia_datadir_lock_t *lock;
    glia_store_t *st;
    uv_loop_t loop;
    char msg[4096];
    int rc = 1;

    if (glia_datadir_lock_take(dir, &lock, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "gliad dataset: %s\n", msg);
        glia_store_op_free(op);
        return 1;
    }
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "gliad dataset: cannot start an event loop\n");
        glia_store_op_free(op);
        glia_datadir_lock_release(lock);
        return 1;
    }
    if (glia_store_open(dir, 0, &loop, &st, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "gliad dataset: %s\n", msg);
        glia_store_op_free(op);
        goto close_loop;
    }
    glia_store_submit(st, op);
    while (!glia_store_idle(st))
        uv_run(&loop, UV_RUN_ONCE);
    glia_store_close(st);
    rc = 0;
close_loop:
    uv_run(&loop, UV_RUN_DEFAULT); /* the store's handle closes */
    uv_loop_close(&loop);
    glia_datadir_lock_release(lock);
    if (rc == 0 && out->status != 0) {
        fprintf(stderr, "gliad dataset: %s\n", out->error);
        rc = 1;
    }
    return rc;
}

static void db_path(const char *dir, char *out, size_t size)
{
    snprintf(out, size, "%s/glia.db", dir);
}

static json_t *summary_of(const json_t *meta)
{
    static const char *const keep[] = {"name",    "hash",  "samples", "features",  "classes",
                                       "storage", "bytes", "format",  "created_at"};
    json_t *s = json_object();

    for (size_t i = 0; s != NULL && i < sizeof(keep) / sizeof(keep[0]); i++) {
        json_t *v = json_object_get(meta, keep[i]);
        if (v != NULL)
            json_object_set(s, keep[i], v);
    }
    return s;
}

static int import(const char *dir, const char *name, int format, int header, const char *label,
                  const char **files, int n_files)
{
    glia_dataset_options_t o = {format, header, label, NULL, NULL};
    glia_dataset_loaded_t l;
    glia_dataset_where_t where;
    glia_error_t err;
    glia_store_op_t *op;
    outcome_t out = {0, 0, ""};
    uint8_t *bytes = NULL;
    size_t len = 0;
    json_t *copy;
    int rc;

    for (int i = 0; i < n_files; i++)
        if (read_file(files[i], &bytes, &len) != 0) {
            free(bytes);
            return 1;
        }
    glia_error_clear(&err);
    rc = glia_dataset_load(bytes ? bytes : (const uint8_t *)"", len, &o, (uint64_t)4 << 30, NULL,
                           &l, &err, &where);
    free(bytes);
    if (rc != 0) {
        fprintf(stderr, "gliad dataset import: %s%s%s\n", n_files == 1 ? files[0] : "",
                n_files == 1 ? ": " : "", err.message[0] ? err.message : glia_strerror(rc));
        return 1;
    }
    json_object_set_new(l.meta, "name", json_string(name));
    json_object_set_new(l.meta, "format", json_string(glia_dataset_formats[format]));
    json_object_set_new(l.meta, "created_at", json_real(glia_wall()));
    copy = json_deep_copy(l.meta);
    op = glia_store_op_new(NULL, done_cb, &out);
    if (copy == NULL || op == NULL ||
        glia_store_op_put_dataset(op, name, l.hash, l.blob, l.blob_len, copy) != 0) {
        fprintf(stderr, "gliad dataset import: out of memory\n");
        json_decref(copy);
        glia_store_op_free(op);
        glia_dataset_loaded_destroy(&l);
        return 1;
    }
    l.blob = NULL;
    if ((rc = apply(dir, op, &out)) == 0 && out.result == GLIA_EEXIST) {
        fprintf(stderr,
                "gliad dataset import: dataset \"%s\" exists in %s; delete it first or choose "
                "another --name\n",
                name, dir);
        rc = 1;
    }
    if (rc == 0) {
        json_t *s = summary_of(l.meta);
        rc = s == NULL || glia_cli_print_json(s, 0) != 0;
        json_decref(s);
    }
    glia_dataset_loaded_destroy(&l);
    return rc;
}

static int list(const char *dir)
{
    char path[1100];
    json_t *all;
    int rc;

    db_path(dir, path, sizeof(path));
    if ((rc = glia_store_datasets_list(path, &all)) != 0) {
        fprintf(stderr, "gliad dataset list: cannot read %s (%s)\n", path, glia_strerror(rc));
        return 1;
    }
    rc = glia_cli_print_json(all, 0) != 0;
    json_decref(all);
    return rc;
}

static int show(const char *dir, const char *name)
{
    char path[1100];
    json_t *meta;
    int rc;

    db_path(dir, path, sizeof(path));
    if ((rc = glia_store_dataset_get(path, name, &meta)) == GLIA_ENOENT) {
        fprintf(stderr, "gliad dataset show: no dataset named \"%s\" in %s\n", name, dir);
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "gliad dataset show: cannot read %s (%s)\n", path, glia_strerror(rc));
        return 1;
    }
    rc = glia_cli_print_json(meta, 0) != 0;
    json_decref(meta);
    return rc;
}

static int remove_dataset(const char *dir, const char *name)
{
    outcome_t out = {0, 0, ""};
    glia_store_op_t *op = glia_store_op_new(NULL, done_cb, &out);

    if (op == NULL || glia_store_op_delete_dataset(op, name) != 0) {
        fprintf(stderr, "gliad dataset delete: out of memory\n");
        glia_store_op_free(op);
        return 1;
    }
    if (apply(dir, op, &out) != 0)
        return 1;
    if (out.result == GLIA_ENOENT) {
        fprintf(stderr, "gliad dataset delete: no dataset named \"%s\" in %s\n", name, dir);
        return 1;
    }
    return 0;
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
    fprintf(stderr, "gliad dataset: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (gliad help dataset)\n");
    return 2;
}

static int index_of(const char *const *list, const char *v)
{
    for (int i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], v) == 0)
            return i;
    return -1;
}

int glia_cli_dataset(int argc, char **argv)
{
    static const char *const header_modes[] = {"auto", "no", "yes", NULL};
    const char *dir = getenv("GLIA_DATA_DIR"), *name = NULL, *label = NULL, *preset = NULL;
    const char *format = NULL, *header = NULL, *files[MAX_FILES], *cmd;
    int n_files = 0, fmt, hdr;

    if (dir == NULL || dir[0] == '\0')
        dir = "./data";
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--name") == 0)
            slot = &name;
        else if (strcmp(a, "--format") == 0)
            slot = &format;
        else if (strcmp(a, "--label") == 0)
            slot = &label;
        else if (strcmp(a, "--header") == 0)
            slot = &header;
        else if (strcmp(a, "--preset") == 0)
            slot = &preset;
        else if (strcmp(a, "--data-dir") == 0)
            slot = &dir;
        else if (a[0] == '-' && a[1] != '\0')
            return bad("unknown option \"%s\"", a);
        if (slot != NULL) {
            if (i + 1 >= argc)
                return bad("%s needs a value", a);
            *slot = argv[++i];
        } else if (n_files == MAX_FILES) {
            return bad("too many files (at most %d)", MAX_FILES);
        } else {
            files[n_files++] = a;
        }
    }
    if (strcmp(cmd, "list") == 0) {
        if (n_files > 0)
            return bad("list takes no argument (\"%s\")", files[0]);
        return list(dir);
    }
    if (strcmp(cmd, "show") == 0 || strcmp(cmd, "delete") == 0) {
        if (n_files != 1)
            return bad("%s takes one dataset name", cmd);
        if (!glia_name_valid(files[0]))
            return bad("\"%s\" is not a valid name: names match [a-z0-9][a-z0-9._-]{0,63}",
                       files[0]);
        return strcmp(cmd, "show") == 0 ? show(dir, files[0]) : remove_dataset(dir, files[0]);
    }
    if (strcmp(cmd, "import") != 0)
        return bad("unknown command \"%s\": import, list, show or delete", cmd);
    if (preset != NULL) {
        const preset_t *p = NULL;
        for (size_t k = 0; k < NPRESETS; k++)
            if (strcmp(presets[k].name, preset) == 0 ||
                (strcmp(preset, "breast_cancer") == 0 && k == 3))
                p = &presets[k];
        if (p == NULL)
            return bad("unknown preset \"%s\": digits, iris, wine, breast-cancer or "
                       "fashion-mnist",
                       preset);
        if (n_files > 0 || format != NULL || label != NULL || header != NULL)
            return bad("--preset knows its files and format (\"%s\" is extra)",
                       n_files > 0 ? files[0] : "--format/--label/--header");
        for (n_files = 0; n_files < 5 && p->files[n_files] != NULL; n_files++)
            files[n_files] = p->files[n_files];
        name = name != NULL ? name : p->name;
        if (!glia_name_valid(name))
            return bad("--name \"%s\" is not a valid name: names match "
                       "[a-z0-9][a-z0-9._-]{0,63}",
                       name);
        return import(dir, name, p->format, p->header, NULL, files, n_files);
    }
    if (n_files == 0)
        return bad("import needs a FILE (or --preset)");
    if (name == NULL)
        return bad("import needs --name");
    if (!glia_name_valid(name))
        return bad("--name \"%s\" is not a valid name: names match [a-z0-9][a-z0-9._-]{0,63}",
                   name);
    if (format == NULL)
        return bad("import needs --format csv, sklearn or idx");
    if ((fmt = index_of(glia_dataset_formats, format)) < 0)
        return bad("--format \"%s\": csv, sklearn or idx", format);
    if (header != NULL && (hdr = index_of(header_modes, header)) < 0)
        return bad("--header \"%s\": auto, yes or no", header);
    if (fmt != GLIA_DATASET_CSV && (label != NULL || header != NULL))
        return bad("--label and --header are for --format csv only");
    if (fmt != GLIA_DATASET_IDX && n_files > 1)
        return bad("one FILE for this format (\"%s\" is extra)", files[1]);
    hdr = header != NULL ? index_of(header_modes, header) - 1 : -1;
    return import(dir, name, fmt, hdr, label, files, n_files);
}
