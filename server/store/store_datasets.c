/* store_datasets.c: datasets in the store (see store_datasets.h): the operations the
 * store thread applies (glia__store_apply_dataset, from store_write.c) and the reads.
 *
 * A content is written once: a put whose hash is already stored writes only the name's
 * row. The description is kept as JSON text; list reads it whole and keeps the summary
 * (the per-feature arrays of a 784-feature dataset stay out of the list).
 */
#include "server/store/store_datasets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "server/store/store_parts.h"

struct glia_store_dataset {
    char name[GLIA_NAME_MAX + 1];
    char hash[65];
    int is_delete;
    uint8_t *blob;
    size_t len;
    json_t *meta;
    int outcome; /* written by the store thread, read in the done callback */
};

static struct glia_store_dataset *attach(glia_store_op_t *op, const char *name)
{
    struct glia_store_dataset *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return NULL;
    snprintf(d->name, sizeof(d->name), "%s", name);
    op->dataset = d;
    return d;
}

int glia_store_op_put_dataset(glia_store_op_t *op, const char *name, const char *hash,
                              uint8_t *blob, size_t len, json_t *meta)
{
    struct glia_store_dataset *d = attach(op, name);

    if (d == NULL)
        return GLIA_ENOMEM;
    snprintf(d->hash, sizeof(d->hash), "%s", hash);
    d->blob = blob;
    d->len = len;
    d->meta = meta;
    return 0;
}

int glia_store_op_delete_dataset(glia_store_op_t *op, const char *name)
{
    struct glia_store_dataset *d = attach(op, name);

    if (d == NULL)
        return GLIA_ENOMEM;
    d->is_delete = 1;
    return 0;
}

int glia_store_op_dataset_outcome(const glia_store_op_t *op)
{
    return op->dataset != NULL ? op->dataset->outcome : 0;
}

void glia__store_dataset_free(struct glia_store_dataset *d)
{
    if (d == NULL)
        return;
    free(d->blob);
    json_decref(d->meta);
    free(d);
}

const char *glia_store_path(const glia_store_t *st)
{
    return st->path;
}

/* The first column of `sql` bound to `text` as a count (or -1 when it fails). */
static int64_t count_of(sqlite3 *db, const char *sql, const char *text)
{
    sqlite3_stmt *st;
    int64_t n = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int run1(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b != NULL)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int glia__store_apply_dataset(glia_store_t *s, glia_store_op_t *op)
{
    struct glia_store_dataset *d = op->dataset;
    sqlite3 *db = s->db;
    sqlite3_stmt *st;
    char hash[65] = "";
    char *meta;
    int64_t n;
    int rc;

    if (d->is_delete) {
        if (sqlite3_prepare_v2(db, "SELECT hash FROM datasets WHERE name = ?", -1, &st, NULL) !=
            SQLITE_OK)
            return sqlite3_errcode(db);
        sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW)
            snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return rc;
        if (hash[0] == '\0') {
            d->outcome = GLIA_ENOENT;
            return SQLITE_OK;
        }
        if ((rc = run1(db, "DELETE FROM datasets WHERE name = ?", d->name, NULL)) != SQLITE_OK)
            return rc;
        if ((n = count_of(db, "SELECT count(*) FROM datasets WHERE hash = ?", hash)) < 0)
            return sqlite3_errcode(db);
        if (n == 0 &&
            (rc = run1(db, "DELETE FROM dataset_contents WHERE hash = ?", hash, NULL)) != SQLITE_OK)
            return rc;
        s->vacuum_due = 1;
        return SQLITE_OK;
    }
    if ((n = count_of(db, "SELECT count(*) FROM datasets WHERE name = ?", d->name)) < 0)
        return sqlite3_errcode(db);
    if (n > 0) {
        d->outcome = GLIA_EEXIST;
        return SQLITE_OK;
    }
    if ((n = count_of(db, "SELECT count(*) FROM dataset_contents WHERE hash = ?", d->hash)) < 0)
        return sqlite3_errcode(db);
    if (n == 0) {
        rc = sqlite3_prepare_v2(
            db, "INSERT INTO dataset_contents(hash, bytes, data) VALUES(?, ?, ?)", -1, &st, NULL);
        if (rc != SQLITE_OK)
            return rc;
        sqlite3_bind_text(st, 1, d->hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)d->len);
        sqlite3_bind_blob64(st, 3, d->blob, d->len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return rc;
    }
    if ((meta = json_dumps(d->meta, JSON_COMPACT | JSON_REAL_PRECISION(17))) == NULL)
        return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(
        db, "INSERT INTO datasets(name, hash, meta, created_at) VALUES(?, ?, ?, ?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, d->hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, meta, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, json_real_value(json_object_get(d->meta, "created_at")));
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    free(meta);
    return rc;
}

/* A read-only connection to `path`: 0, GLIA_ENOENT (no such file), GLIA_EIO. */
static int open_read(const char *path, sqlite3 **db)
{
    struct stat sb;

    *db = NULL;
    if (stat(path, &sb) != 0)
        return GLIA_ENOENT;
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(*db);
        *db = NULL;
        return GLIA_EIO;
    }
    sqlite3_busy_timeout(*db, 2000);
    return 0;
}

/* A row's description with its name and created_at (new reference, NULL when not JSON). */
static json_t *row_meta(sqlite3_stmt *st)
{
    const char *text = (const char *)sqlite3_column_text(st, 2);
    json_t *m = text != NULL ? json_loads(text, 0, NULL) : NULL;

    if (m == NULL || !json_is_object(m)) {
        json_decref(m);
        return NULL;
    }
    json_object_set_new(m, "name", json_string((const char *)sqlite3_column_text(st, 0)));
    json_object_set_new(m, "created_at", json_real(sqlite3_column_double(st, 3)));
    return m;
}

int glia_store_datasets_list(const char *path, json_t **out)
{
    static const char *const summary[] = {"name",    "hash",  "samples", "features",  "classes",
                                          "storage", "bytes", "format",  "created_at"};
    sqlite3 *db;
    sqlite3_stmt *st;
    json_t *all = json_array();
    int rc;

    *out = NULL;
    if (all == NULL)
        return GLIA_ENOMEM;
    if ((rc = open_read(path, &db)) != 0) {
        if (rc == GLIA_ENOENT) {
            *out = all;
            return 0;
        }
        json_decref(all);
        return rc;
    }
    if (sqlite3_prepare_v2(db, "SELECT name, hash, meta, created_at FROM datasets ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        json_decref(all);
        return GLIA_EIO;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *m = row_meta(st), *s = json_object();
        if (m == NULL || s == NULL) {
            json_decref(m);
            json_decref(s);
            rc = SQLITE_CORRUPT;
            break;
        }
        for (size_t i = 0; i < sizeof(summary) / sizeof(summary[0]); i++) {
            json_t *v = json_object_get(m, summary[i]);
            if (v != NULL)
                json_object_set(s, summary[i], v);
        }
        json_decref(m);
        json_array_append_new(all, s);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != SQLITE_DONE) {
        json_decref(all);
        return GLIA_EIO;
    }
    *out = all;
    return 0;
}

int glia_store_dataset_get(const char *path, const char *name, json_t **out)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    if ((rc = open_read(path, &db)) != 0)
        return rc;
    if (sqlite3_prepare_v2(db, "SELECT name, hash, meta, created_at FROM datasets WHERE name = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return GLIA_EIO;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = (*out = row_meta(st)) != NULL ? 0 : GLIA_EIO;
    else
        rc = rc == SQLITE_DONE ? GLIA_ENOENT : GLIA_EIO;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int glia_store_dataset_content(const char *path, const char *name, uint8_t **blob, size_t *len,
                               char hash[65])
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int rc;

    *blob = NULL;
    *len = 0;
    if ((rc = open_read(path, &db)) != 0)
        return rc;
    if (sqlite3_prepare_v2(db,
                           "SELECT c.hash, c.data FROM datasets d JOIN dataset_contents c "
                           "ON c.hash = d.hash WHERE d.name = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return GLIA_EIO;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *data = sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 0));
        if ((*blob = malloc(n ? n : 1)) == NULL) {
            rc = GLIA_ENOMEM;
        } else {
            memcpy(*blob, data, n);
            *len = n;
            rc = 0;
        }
    } else {
        rc = rc == SQLITE_DONE ? GLIA_ENOENT : GLIA_EIO;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
