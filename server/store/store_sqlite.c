/* store_sqlite.c: the SQLite store (see store.h).
 *
 * Schema changes are numbered migrations, applied in order inside a transaction each
 * and recorded in schema_migrations; PRAGMA user_version mirrors the newest one and
 * PRAGMA application_id marks the file as glia's. A database whose user_version is
 * newer than GLIA_STORE_SCHEMA is refused, never migrated down or overwritten.
 *
 * Durability: WAL with synchronous=FULL, so a committed operation survives kill -9 and
 * power loss; a commit happens before the loop publishes anything the operation wrote.
 */
#include "server/store/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/event_json.h"
#include "core/error.h"
#include "server/store/store_repair.h"

#define GLIA_APPLICATION_ID 0x676c6961 /* "glia" */

static const char *const migrations[] = {
    /* 1: sessions and their history */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE sessions("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  preset TEXT NOT NULL DEFAULT '',"
    "  seed INTEGER NOT NULL,"
    "  config TEXT NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  target_episodes INTEGER NOT NULL DEFAULT 0,"
    "  export_metrics INTEGER NOT NULL DEFAULT 0,"
    "  experiment TEXT NOT NULL DEFAULT '',"
    "  error TEXT NOT NULL DEFAULT '',"
    "  created_at REAL NOT NULL,"
    "  updated_at REAL NOT NULL);"
    "CREATE TABLE checkpoints("
    "  session_id INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,"
    "  steps INTEGER NOT NULL, episodes INTEGER NOT NULL,"
    "  data BLOB NOT NULL, written_at REAL NOT NULL);"
    "CREATE TABLE points("
    "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  episode INTEGER NOT NULL, data TEXT NOT NULL,"
    "  PRIMARY KEY(session_id, episode)) WITHOUT ROWID;"
    "CREATE TABLE events("
    "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  id INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,"
    "  PRIMARY KEY(session_id, id)) WITHOUT ROWID;",
    /* 2: experiments (seeds x conditions studies) */
    "CREATE TABLE experiments("
    "  name TEXT PRIMARY KEY, doc TEXT NOT NULL, updated_at REAL NOT NULL);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

struct glia_store {
    char path[1100];
    char dir[1024];
    sqlite3 *db;
    int had_wal, had_shm; /* the files existed before this open (close_untouched keeps them) */
    int max_events;       /* events kept per session (0: all) */
    char error[4096];     /* why the last load failed */
    char salvage[4096];   /* what --salvage kept and lost ("" if it did nothing) */
    char backup[1100];    /* where --salvage kept the damaged files */
    pthread_t thread;
    glia_queue_t submitted; /* loop -> store thread */
    glia_queue_t finished;  /* store thread -> loop (then `async` is sent) */
    atomic_size_t uncommitted; /* submitted, not yet committed or failed */
    size_t outstanding;        /* loop thread: submitted, not yet handed back */
    atomic_int is_stopping;
    int vacuum_due; /* store thread */
    uv_async_t async;
    void (*timing_cb)(double, void *);
    void *timing_arg;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec(sqlite3 *db, const char *sql, char *msg, size_t size)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK && msg != NULL)
        snprintf(msg, size, "%s", err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    return rc;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static const char *describe(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL: return "disk full";
    case SQLITE_READONLY: return "read-only (is the data dir writable?)";
    case SQLITE_CANTOPEN: return "cannot open the database file";
    case SQLITE_NOTADB: return "not a database";
    case SQLITE_CORRUPT: return "database is corrupt";
    case SQLITE_IOERR: return "I/O error";
    case SQLITE_BUSY: return "database is locked by another process";
    default: return sqlite3_errstr(rc);
    }
}

/* The message for a damaged store: nothing was changed, how to look, how to go on. */
static void damaged(const glia_store_t *st, const char *what, char *msg, size_t size)
{
    char backup[1100];

    glia__store_backup_path(st->path, backup, sizeof(backup));
    snprintf(msg, size,
             "%.500s is damaged: %.400s. gliad did not start and changed nothing. Check the "
             "file with `sqlite3 %.500s 'PRAGMA integrity_check'`. To start with what can still "
             "be read, run gliad with --salvage: it first copies the damaged files to %.500s "
             "(and %.500s-wal), then keeps every row it can read and reports what it could not",
             st->path, what, st->path, backup, backup);
}

/* PRAGMA quick_check: 0 when "ok", 1 (with the first finding in `what`) when not, or an
 * SQLite error code. */
static int quick_check(sqlite3 *db, char *what, size_t size)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(8)", -1, &st, NULL), bad = 0;

    if (rc != SQLITE_OK)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line != NULL && strcmp(line, "ok") != 0 && !bad) {
            snprintf(what, size, "PRAGMA quick_check: %.200s", line);
            for (char *c = what; *c; c++)
                *c = *c == '\n' ? ' ' : *c;
            bad = 1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && !bad) {
        snprintf(what, size, "PRAGMA quick_check failed: %s", describe(rc));
        bad = 1;
    }
    return bad;
}

/* Checks and migrations, on a connection nobody else uses yet. Nothing is written before
 * the file is known to be a sound glia database. */
static int prepare_db(glia_store_t *st, int *is_damaged, char *msg, size_t size)
{
    sqlite3 *db = st->db;
    int app_id = 0, version = 0, tables = 0, rc;
    char detail[256];

    /* Reading the schema is the first touch of the file: random bytes fail here. */
    rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc != SQLITE_OK) {
        snprintf(msg, size, "%s is not a glia database (%s); nothing was changed", st->path,
                 describe(rc));
        return GLIA_EFORMAT;
    }
    if ((rc = pragma_int(db, "PRAGMA application_id", &app_id)) != SQLITE_OK ||
        (rc = pragma_int(db, "PRAGMA user_version", &version)) != SQLITE_OK) {
        snprintf(msg, size, "%s: %s", st->path, describe(rc));
        return GLIA_EIO;
    }
    if (tables > 0 && app_id != GLIA_APPLICATION_ID) {
        snprintf(msg, size,
                 "%s is not a glia database (it holds other tables); nothing was changed",
                 st->path);
        return GLIA_EFORMAT;
    }
    if (version > GLIA_STORE_SCHEMA) {
        snprintf(msg, size,
                 "%s has schema version %d, newer than this gliad supports (%d); upgrade gliad "
                 "or use another --data-dir; nothing was changed",
                 st->path, version, GLIA_STORE_SCHEMA);
        return GLIA_EVERSION;
    }
    if (tables > 0 && quick_check(db, detail, sizeof(detail)) != 0) {
        if (is_damaged != NULL) {
            *is_damaged = 1;
            return 0;
        }
        damaged(st, detail, msg, size);
        return GLIA_EFORMAT;
    }
    if (tables == 0 && (rc = exec(db, "PRAGMA auto_vacuum=INCREMENTAL", msg, size)) != SQLITE_OK)
        goto fail;
    if ((rc = exec(db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                   "PRAGMA foreign_keys=ON;",
                   msg, size)) != SQLITE_OK)
        goto fail;
    for (int v = version + 1; v <= NMIGRATIONS; v++) {
        char sql[256];
        if ((rc = exec(db, "BEGIN IMMEDIATE", msg, size)) != SQLITE_OK)
            goto fail;
        if (v == 1)
            rc = exec(db,
                      "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, "
                      "applied_at REAL NOT NULL);",
                      msg, size);
        if (rc == SQLITE_OK)
            rc = exec(db, migrations[v - 1], msg, size);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO schema_migrations VALUES(%d, %.3f); PRAGMA user_version=%d; "
                 "PRAGMA application_id=%d;",
                 v, wall_now(), v, GLIA_APPLICATION_ID);
        if (rc == SQLITE_OK)
            rc = exec(db, sql, msg, size);
        if (rc == SQLITE_OK)
            rc = exec(db, "COMMIT", msg, size);
        if (rc != SQLITE_OK) {
            exec(db, "ROLLBACK", NULL, 0);
            goto fail;
        }
    }
    return 0;
fail:
    snprintf(detail, sizeof(detail), "%s", msg);
    snprintf(msg, size, "%s: %s (%s)", st->path, describe(sqlite3_extended_errcode(db)), detail);
    return GLIA_EIO;
}

/* A new, empty store for --salvage to fill (store_repair.c). */
static int create_schema(const char *path, sqlite3 **db, char *msg, size_t size)
{
    glia_store_t tmp;
    int rc;

    memset(&tmp, 0, sizeof(tmp));
    snprintf(tmp.path, sizeof(tmp.path), "%s", path);
    if (sqlite3_open_v2(path, &tmp.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(msg, size, "%s", sqlite3_errmsg(tmp.db));
        sqlite3_close(tmp.db);
        return GLIA_EIO;
    }
    if ((rc = prepare_db(&tmp, NULL, msg, size)) != 0) {
        sqlite3_close(tmp.db);
        return rc;
    }
    *db = tmp.db;
    return 0;
}

/* ---- operations (store thread) ---------------------------------------------------- */

static int64_t session_id(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db, "SELECT id FROM sessions WHERE name = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

#define CHECK(x)                                                                               \
    do {                                                                                       \
        if ((rc = (x)) != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)                  \
            goto fail;                                                                         \
    } while (0)

/* Step and finalize `st`; the statement is gone afterwards, success or not. */
#define RUN(st)                                                                                \
    do {                                                                                       \
        rc = run_stmt(st);                                                                     \
        (st) = NULL;                                                                           \
        if (rc != SQLITE_OK)                                                                   \
            goto fail;                                                                         \
    } while (0)

static int run_stmt(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Apply one operation; returns an SQLite code. */
static int apply_op(glia_store_t *s, glia_store_op_t *op)
{
    sqlite3 *db = s->db;
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    int rc = SQLITE_OK;

    if (op->experiment[0] != '\0') {
        if (op->is_experiment_delete) {
            CHECK(sqlite3_prepare_v2(db, "DELETE FROM experiments WHERE name = ?", -1, &st,
                                     NULL));
            sqlite3_bind_text(st, 1, op->experiment, -1, SQLITE_STATIC);
        } else {
            char *doc = json_dumps(op->experiment_doc, JSON_COMPACT);
            if (doc == NULL)
                return SQLITE_NOMEM;
            rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO experiments VALUES(?, ?, ?)",
                                    -1, &st, NULL);
            if (rc != SQLITE_OK) {
                free(doc);
                goto fail;
            }
            sqlite3_bind_text(st, 1, op->experiment, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, doc, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(st, 3, wall_now());
            free(doc);
        }
        RUN(st);
    }
    if (op->session[0] == '\0')
        return SQLITE_OK;

    if (op->is_delete) {
        id = session_id(db, op->session);
        if (id != 0) {
            static const char *const dels[] = {"DELETE FROM events WHERE session_id = ?",
                                               "DELETE FROM points WHERE session_id = ?",
                                               "DELETE FROM checkpoints WHERE session_id = ?",
                                               "DELETE FROM sessions WHERE id = ?"};
            for (int i = 0; i < 4; i++) {
                CHECK(sqlite3_prepare_v2(db, dels[i], -1, &st, NULL));
                sqlite3_bind_int64(st, 1, id);
                RUN(st);
            }
            s->vacuum_due = 1;
        }
        return SQLITE_OK;
    }
    if (op->has_row) {
        const glia_store_row_t *r = &op->row;
        CHECK(sqlite3_prepare_v2(
            db,
            "INSERT INTO sessions(name, preset, seed, config, state, target_episodes, "
            "export_metrics, experiment, error, created_at, updated_at) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
            "ON CONFLICT(name) DO UPDATE SET preset=?2, seed=?3, config=?4, state=?5, "
            "target_episodes=?6, export_metrics=?7, experiment=?8, error=?9, updated_at=?11",
            -1, &st, NULL));
        sqlite3_bind_text(st, 1, op->session, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->preset, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, r->seed);
        sqlite3_bind_text(st, 4, r->config ? r->config : "{}", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, r->state);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)r->target_episodes);
        sqlite3_bind_int(st, 7, r->is_exported);
        sqlite3_bind_text(st, 8, r->experiment, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, r->error, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 10, r->created_at);
        sqlite3_bind_double(st, 11, r->updated_at);
        RUN(st);
    }
    id = session_id(db, op->session);
    if (id == 0) {
        snprintf(op->error, sizeof(op->error), "session %s is not in the store", op->session);
        return SQLITE_NOTFOUND;
    }
    if (op->ckpt != NULL) {
        CHECK(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO checkpoints VALUES(?, ?, ?, ?, ?)",
                                 -1, &st, NULL));
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)op->ckpt_steps);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)op->ckpt_episodes);
        sqlite3_bind_blob(st, 4, op->ckpt, (int)op->ckpt_len, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, wall_now());
        RUN(st);
    }
    for (size_t i = 0; i < json_array_size(op->points); i++) {
        json_t *p = json_array_get(op->points, i);
        char *text = json_dumps(p, JSON_COMPACT | JSON_REAL_PRECISION(17));
        if (text == NULL)
            return SQLITE_NOMEM;
        rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO points VALUES(?, ?, ?)", -1, &st,
                                NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(p, "episode")));
            sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
            rc = run_stmt(st);
        }
        free(text);
        st = NULL;
        if (rc != SQLITE_OK)
            goto fail;
    }
    for (size_t i = 0; i < op->n_events; i++) {
        const glia_event_t *ev = &op->events[i];
        CHECK(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO events VALUES(?, ?, ?, ?)", -1,
                                 &st, NULL));
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->id);
        sqlite3_bind_text(st, 3, glia_event_name(ev->type), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ev->data, -1, SQLITE_STATIC);
        RUN(st);
    }
    if (s->max_events > 0 && op->n_events > 0 &&
        op->events[op->n_events - 1].id > (uint64_t)s->max_events) {
        /* Keep the newest max_events: the oldest go (--max-events). */
        CHECK(sqlite3_prepare_v2(db, "DELETE FROM events WHERE session_id = ? AND id <= ?", -1,
                                 &st, NULL));
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2,
                           (sqlite3_int64)(op->events[op->n_events - 1].id - (uint64_t)s->max_events));
        RUN(st);
        if (sqlite3_changes(db) > 0)
            s->vacuum_due = 1;
    }
    return SQLITE_OK;
fail:
    if (st != NULL)
        sqlite3_finalize(st);
    return rc;
}

/* Apply a batch in one transaction, one savepoint per op. */
static void apply_batch(glia_store_t *s, glia_qnode_t *batch)
{
    int rc, has_ckpt = 0;
    double t0 = mono_now();
    glia_qnode_t *n;

    rc = exec(s->db, "BEGIN IMMEDIATE", NULL, 0);
    for (n = batch; n; n = n->next) {
        glia_store_op_t *op = GLIA_QUEUE_ITEM(n, glia_store_op_t, node);
        int orc;
        has_ckpt |= op->ckpt != NULL;
        if (rc != SQLITE_OK) {
            snprintf(op->error, sizeof(op->error), "store transaction failed: %s",
                     describe(rc));
            continue;
        }
        exec(s->db, "SAVEPOINT op", NULL, 0);
        orc = apply_op(s, op);
        if (orc != SQLITE_OK) {
            if (op->error[0] == '\0')
                snprintf(op->error, sizeof(op->error), "store write failed: %s (%s)",
                         describe(orc), sqlite3_errmsg(s->db));
            exec(s->db, "ROLLBACK TO op", NULL, 0);
        }
        exec(s->db, "RELEASE op", NULL, 0);
    }
    if (rc == SQLITE_OK && (rc = exec(s->db, "COMMIT", NULL, 0)) != SQLITE_OK)
        exec(s->db, "ROLLBACK", NULL, 0);
    if (has_ckpt && s->timing_cb != NULL)
        s->timing_cb(mono_now() - t0, s->timing_arg);
    t0 = mono_now() - t0;
    while (batch) {
        glia_store_op_t *op = GLIA_QUEUE_ITEM(batch, glia_store_op_t, node);
        batch = batch->next;
        if (op->ckpt != NULL)
            op->seconds = t0;
        if (rc != SQLITE_OK && op->error[0] == '\0')
            snprintf(op->error, sizeof(op->error), "store commit failed: %s", describe(rc));
        /* Handed back before it stops counting as uncommitted: glia_store_idle never sees
         * an op in neither place. */
        glia_queue_push(&s->finished, &op->node);
        atomic_fetch_sub(&s->uncommitted, 1);
    }
    uv_async_send(&s->async);
}

static void *store_main(void *arg)
{
    glia_store_t *s = arg;

    for (;;) {
        /* Idle with space to give back: compact a little at a time between batches. */
        glia_qnode_t *batch = s->vacuum_due ? glia_queue_take_all(&s->submitted)
                                            : glia_queue_wait_all(&s->submitted);
        if (batch != NULL) {
            apply_batch(s, batch);
        } else if (s->vacuum_due && !atomic_load(&s->is_stopping)) {
            int freelist = 0;
            exec(s->db, "PRAGMA incremental_vacuum(64)", NULL, 0);
            pragma_int(s->db, "PRAGMA freelist_count", &freelist);
            s->vacuum_due = freelist > 0;
        } else if (atomic_load(&s->is_stopping)) {
            break; /* closed and drained */
        }
    }
    return NULL;
}

static void op_free(glia_store_op_t *op)
{
    free(op->row.config);
    free(op->ckpt);
    json_decref(op->points);
    glia_event_array_free(op->events, op->n_events);
    json_decref(op->experiment_doc);
    free(op);
}

void glia_store_op_free(glia_store_op_t *op)
{
    if (op != NULL)
        op_free(op);
}

static void async_cb(uv_async_t *h)
{
    glia_store_t *s = h->data;
    glia_qnode_t *list = glia_queue_take_all(&s->finished);

    while (list) {
        glia_store_op_t *op = GLIA_QUEUE_ITEM(list, glia_store_op_t, node);
        list = list->next;
        if (op->done)
            op->done(op, op->error[0] ? GLIA_EIO : 0, op->arg);
        op_free(op);
        s->outstanding--;
    }
}

/* Refuse a database already over the quota (SQLite cannot shrink max_page_count below the
 * file), then cap it: past the cap SQLite answers SQLITE_FULL, exactly as on a full disk. On
 * an unreadable file page_count fails and prepare_db reports that instead. */
static int apply_quota(glia_store_t *s, uint64_t max_bytes, char *msg, size_t msg_size)
{
    char sql[96];
    int page = 4096, pages = 0;

    pragma_int(s->db, "PRAGMA page_size", &page);
    pragma_int(s->db, "PRAGMA page_count", &pages);
    if (page <= 0)
        page = 4096;
    if ((uint64_t)pages * (uint64_t)page > max_bytes) {
        snprintf(msg, msg_size,
                 "%s: disk full: the database holds %llu bytes, more than --max-db-bytes "
                 "%llu; nothing was changed",
                 s->path, (unsigned long long)pages * (unsigned long long)page,
                 (unsigned long long)max_bytes);
        return GLIA_ELIMIT;
    }
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%llu",
             (unsigned long long)(max_bytes / (uint64_t)page));
    exec(s->db, sql, NULL, 0);
    return 0;
}

static int check_dir(const char *dir, char *msg, size_t msg_size)
{
    struct stat sb;

    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(msg, msg_size, "cannot create data dir %s: %s", dir, strerror(errno));
        return GLIA_EIO;
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(msg, msg_size, "data dir %s is not a directory", dir);
        return GLIA_EIO;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(msg, msg_size, "data dir %s is not writable: %s", dir, strerror(errno));
        return GLIA_EIO;
    }
    return 0;
}

static void async_closed(uv_handle_t *h)
{
    glia_store_t *s = h->data;
    glia_queue_destroy(&s->submitted);
    glia_queue_destroy(&s->finished);
    free(s);
}

/* Open the connection and check the file (prepare_db). With `is_damaged`, damage found by
 * quick_check is reported there instead of refused. */
static int open_connection(glia_store_t *s, uint64_t max_bytes, int *is_damaged, char *msg,
                           size_t msg_size)
{
    int rc;

    if ((rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              NULL)) != SQLITE_OK) {
        snprintf(msg, msg_size, "cannot open %s: %s", s->path, describe(rc));
        return rc == SQLITE_NOMEM ? GLIA_ENOMEM : GLIA_EIO;
    }
    /* Closing must never checkpoint by itself: a store refused as damaged is left exactly
     * as found (glia_store_close checkpoints explicitly). */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_busy_timeout(s->db, 5000);
    if (max_bytes > 0 && (rc = apply_quota(s, max_bytes, msg, msg_size)) != 0)
        return rc;
    return prepare_db(s, is_damaged, msg, msg_size);
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Close without a checkpoint and take away the -wal and -shm files this open created: the
 * data dir is as it was found. */
static void close_untouched(glia_store_t *s)
{
    char path[1200];

    sqlite3_close(s->db);
    s->db = NULL;
    snprintf(path, sizeof(path), "%s-wal", s->path);
    if (!s->had_wal)
        unlink(path);
    snprintf(path, sizeof(path), "%s-shm", s->path);
    if (!s->had_shm)
        unlink(path);
}

/* --salvage: find damage (the WAL, quick_check, then every row), and if there is any,
 * rebuild the store from what reads. The connection is closed afterwards. */
static int salvage(glia_store_t *s, const glia_store_options_t *o, const char *wal_why,
                   char *msg, size_t msg_size)
{
    int is_damaged = 0, rc;
    char report[sizeof(s->salvage)];

    rc = open_connection(s, o->max_bytes, &is_damaged, msg, msg_size);
    close_untouched(s);
    if (rc != 0)
        return rc;
    rc = glia__store_salvage(s->path, wal_why, is_damaged, create_schema, report, sizeof(report),
                             s->backup, sizeof(s->backup));
    if (rc < 0) {
        snprintf(msg, msg_size, "--salvage: %s", report);
        return rc;
    }
    if (rc == 1) {
        snprintf(s->salvage, sizeof(s->salvage), "%s", report);
        s->had_wal = s->had_shm = 0; /* a new store: its log was taken away */
    }
    return 0;
}

int glia_store_open(const char *dir, uint64_t max_bytes, uv_loop_t *loop, glia_store_t **out,
                    char *msg, size_t msg_size)
{
    glia_store_options_t o = {max_bytes, 0, 0};
    return glia_store_open_with(dir, &o, loop, out, msg, msg_size);
}

int glia_store_open_with(const char *dir, const glia_store_options_t *o, uv_loop_t *loop,
                         glia_store_t **out, char *msg, size_t msg_size)
{
    glia_store_t *s;
    char wal[1200], why[512];
    int rc;

    *out = NULL;
    if ((rc = check_dir(dir, msg, msg_size)) != 0)
        return rc;
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        rc = GLIA_ENOMEM;
        snprintf(msg, msg_size, "out of memory");
        goto fail_alloc;
    }
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    snprintf(s->path, sizeof(s->path), "%s/glia.db", dir);
    s->max_events = o->max_events;
    snprintf(wal, sizeof(wal), "%s-wal", s->path);
    s->had_wal = file_exists(wal);
    snprintf(wal, sizeof(wal), "%s-shm", s->path);
    s->had_shm = file_exists(wal);
    snprintf(wal, sizeof(wal), "%s-wal", s->path);

    /* The log first: opening the database would read past its damage silently. */
    if ((rc = glia__wal_check(wal, why, sizeof(why))) < 0) {
        snprintf(msg, msg_size, "cannot read %s: %s", wal, strerror(errno));
        goto fail_free;
    }
    if (rc == 1 && !o->salvage) {
        damaged(s, why, msg, msg_size);
        rc = GLIA_EFORMAT;
        goto fail_free;
    }
    if (o->salvage && (rc = salvage(s, o, rc == 1 ? why : NULL, msg, msg_size)) != 0)
        goto fail_free;
    if ((rc = open_connection(s, o->max_bytes, NULL, msg, msg_size)) != 0)
        goto fail_db;
    if ((rc = glia_queue_init(&s->submitted)) != 0) {
        snprintf(msg, msg_size, "out of memory");
        goto fail_db;
    }
    if ((rc = glia_queue_init(&s->finished)) != 0) {
        snprintf(msg, msg_size, "out of memory");
        goto fail_submitted;
    }
    atomic_init(&s->uncommitted, 0);
    atomic_init(&s->is_stopping, 0);
    if (uv_async_init(loop, &s->async, async_cb) != 0) {
        rc = GLIA_ENOMEM;
        snprintf(msg, msg_size, "cannot attach the store to the loop");
        goto fail_finished;
    }
    s->async.data = s;
    if (pthread_create(&s->thread, NULL, store_main, s) != 0) {
        rc = GLIA_ENOMEM;
        snprintf(msg, msg_size, "cannot start the store thread");
        goto fail_async;
    }
    *out = s;
    return 0;

fail_async:
    /* The handle stays registered until the loop runs its close callback, which frees the
     * store (and its queues): nothing else may free it. */
    sqlite3_close(s->db);
    s->db = NULL;
    uv_close((uv_handle_t *)&s->async, async_closed);
    return rc;
fail_finished:
    glia_queue_destroy(&s->finished);
fail_submitted:
    glia_queue_destroy(&s->submitted);
fail_db:
    close_untouched(s);
fail_free:
    free(s);
fail_alloc:
    return rc;
}

int glia_store_begin(glia_store_t *s, char *msg, size_t msg_size)
{
    char sql[160], detail[256];

    /* A write probe: an unwritable or full disk is found now, not during a run. */
    snprintf(sql, sizeof(sql),
             "INSERT OR REPLACE INTO meta(key, value) VALUES('last_started', '%.3f')", wall_now());
    if (exec(s->db, sql, detail, sizeof(detail)) != SQLITE_OK) {
        snprintf(msg, msg_size, "%s: %s (%s)", s->path, describe(sqlite3_extended_errcode(s->db)),
                 detail);
        return GLIA_EIO;
    }
    return 0;
}

void glia_store_close_untouched(glia_store_t *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->is_stopping, 1);
    glia_queue_close(&s->submitted);
    pthread_join(s->thread, NULL);
    async_cb(&s->async);
    close_untouched(s);
    uv_close((uv_handle_t *)&s->async, async_closed);
}

const char *glia_store_error(const glia_store_t *s)
{
    return s->error;
}

const char *glia_store_salvage_report(const glia_store_t *s)
{
    return s->salvage;
}

const char *glia_store_backup(const glia_store_t *s)
{
    return s->backup;
}

void glia_store_close(glia_store_t *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->is_stopping, 1);
    glia_queue_close(&s->submitted);
    pthread_join(s->thread, NULL);
    async_cb(&s->async); /* deliver anything left */
    exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, 0);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL); /* and remove the WAL */
    sqlite3_close(s->db);
    s->db = NULL;
    uv_close((uv_handle_t *)&s->async, async_closed);
}

glia_store_op_t *glia_store_op_new(const char *session, glia_store_done_cb done, void *arg)
{
    glia_store_op_t *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    snprintf(op->session, sizeof(op->session), "%s", session ? session : "");
    op->done = done;
    op->arg = arg;
    return op;
}

int glia_store_op_add_event(glia_store_op_t *op, uint64_t id, int type, char *data)
{
    if (op->n_events == op->cap_events) {
        size_t cap = op->cap_events ? 2 * op->cap_events : 8;
        glia_event_t *ne = realloc(op->events, cap * sizeof(*ne));
        if (ne == NULL) {
            free(data);
            return GLIA_ENOMEM;
        }
        op->events = ne;
        op->cap_events = cap;
    }
    op->events[op->n_events].id = id;
    op->events[op->n_events].type = type;
    op->events[op->n_events].data = data;
    op->n_events++;
    return 0;
}

void glia_store_submit(glia_store_t *s, glia_store_op_t *op)
{
    s->outstanding++;
    atomic_fetch_add(&s->uncommitted, 1);
    glia_queue_push(&s->submitted, &op->node);
}

int glia_store_idle(glia_store_t *s)
{
    return s->outstanding == 0;
}

size_t glia_store_pending(glia_store_t *s)
{
    return atomic_load(&s->uncommitted);
}

void glia_store_set_timing_cb(glia_store_t *s, void (*cb)(double, void *), void *arg)
{
    s->timing_cb = cb;
    s->timing_arg = arg;
}

/* ---- reads ---------------------------------------------------------------------- */

/* Rows of one JSON text column, as an array. 0, or GLIA_EFORMAT (a step failed or a row
 * is not JSON: `why` says which) or GLIA_ENOMEM. */
static int read_json_rows(sqlite3 *db, const char *sql, int64_t id, json_t **out, char *why,
                          size_t size)
{
    sqlite3_stmt *st;
    json_t *arr = json_array();
    int rc;

    *out = NULL;
    if (arr == NULL)
        return GLIA_ENOMEM;
    if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK) {
        snprintf(why, size, "%s", describe(rc));
        json_decref(arr);
        return GLIA_EFORMAT;
    }
    sqlite3_bind_int64(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        json_t *v = text ? json_loads(text, 0, NULL) : NULL;
        if (v == NULL) {
            snprintf(why, size, "row %zu holds no readable JSON", json_array_size(arr) + 1);
            rc = SQLITE_CORRUPT;
            break;
        }
        json_array_append_new(arr, v);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        if (rc != SQLITE_CORRUPT || why[0] == '\0')
            snprintf(why, size, "after row %zu: %s", json_array_size(arr), describe(rc));
        json_decref(arr);
        return GLIA_EFORMAT;
    }
    *out = arr;
    return 0;
}

/* Events of session `id` with id > after (at most limit), id order. A step that fails is
 * GLIA_EIO; with `check_json`, an event whose data is not JSON is GLIA_EFORMAT. */
static int read_events(sqlite3 *db, int64_t id, int64_t after, int64_t limit, int check_json,
                       glia_event_t **out, size_t *n)
{
    sqlite3_stmt *st;
    glia_event_t *evs = NULL;
    size_t count = 0, cap = 0;
    int rc = 0, step;

    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, type, data FROM events WHERE session_id = ?1 AND id > ?2 "
                           "ORDER BY id LIMIT ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return GLIA_EIO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *data = (const char *)sqlite3_column_text(st, 2);
        if (check_json) {
            json_t *j = data ? json_loads(data, JSON_DECODE_ANY, NULL) : NULL;
            json_decref(j);
            if (j == NULL) {
                rc = GLIA_EFORMAT;
                break;
            }
        }
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            glia_event_t *ne = realloc(evs, ncap * sizeof(*ne));
            if (ne == NULL) {
                rc = GLIA_ENOMEM;
                break;
            }
            evs = ne;
            cap = ncap;
        }
        evs[count].id = (uint64_t)sqlite3_column_int64(st, 0);
        evs[count].type = glia_event_from_name((const char *)sqlite3_column_text(st, 1));
        if ((evs[count].data = strdup(data ? data : "null")) == NULL) {
            rc = GLIA_ENOMEM;
            break;
        }
        count++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = GLIA_EIO;
    sqlite3_finalize(st);
    if (rc != 0) {
        glia_event_array_free(evs, count);
        return rc;
    }
    *out = evs;
    *n = count;
    return 0;
}

/* A load found damage: say so with the advice (glia_store_error). */
static int load_failed(glia_store_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int load_failed(glia_store_t *s, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    damaged(s, what, s->error, sizeof(s->error));
    return GLIA_EFORMAT;
}

int glia_store_load(glia_store_t *s, size_t max_events,
                    int (*cb)(const glia_stored_session_t *ss, void *arg), void *arg)
{
    sqlite3_stmt *st;
    size_t loaded = 0;
    int rc = 0, step;

    s->error[0] = '\0';
    if ((step = sqlite3_prepare_v2(s->db,
                                   "SELECT s.id, s.name, s.preset, s.seed, s.config, s.state, "
                                   "s.target_episodes, s.export_metrics, s.experiment, s.error, "
                                   "s.created_at, s.updated_at, c.data, "
                                   "(SELECT max(id) FROM events e WHERE e.session_id = s.id) "
                                   "FROM sessions s LEFT JOIN checkpoints c ON c.session_id = s.id "
                                   "ORDER BY s.name",
                                   -1, &st, NULL)) != SQLITE_OK)
        return load_failed(s, "the sessions cannot be read (%s)", describe(step));
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        glia_stored_session_t ss;
        int64_t id = sqlite3_column_int64(st, 0);
        int64_t max_id = sqlite3_column_int64(st, 13);
        char why[256] = "";

        memset(&ss, 0, sizeof(ss));
        snprintf(ss.row.name, sizeof(ss.row.name), "%s", sqlite3_column_text(st, 1));
        snprintf(ss.row.preset, sizeof(ss.row.preset), "%s", sqlite3_column_text(st, 2));
        ss.row.seed = (uint32_t)sqlite3_column_int64(st, 3);
        ss.row.config = (char *)sqlite3_column_text(st, 4);
        ss.row.state = sqlite3_column_int(st, 5);
        ss.row.target_episodes = (uint64_t)sqlite3_column_int64(st, 6);
        ss.row.is_exported = sqlite3_column_int(st, 7);
        snprintf(ss.row.experiment, sizeof(ss.row.experiment), "%s",
                 sqlite3_column_text(st, 8));
        snprintf(ss.row.error, sizeof(ss.row.error), "%s", sqlite3_column_text(st, 9));
        ss.row.created_at = sqlite3_column_double(st, 10);
        ss.row.updated_at = sqlite3_column_double(st, 11);
        ss.ckpt = sqlite3_column_blob(st, 12);
        ss.ckpt_len = (size_t)sqlite3_column_bytes(st, 12);
        ss.next_event_id = (uint64_t)max_id + 1;
        if (ss.row.config == NULL) {
            rc = load_failed(s, "session %s has no config", ss.row.name);
            break;
        }
        rc = read_json_rows(s->db,
                            "SELECT data FROM points WHERE session_id = ?1 ORDER BY episode", id,
                            &ss.points, why, sizeof(why));
        if (rc == GLIA_EFORMAT)
            rc = load_failed(s, "the points of session %s cannot be read (%s)", ss.row.name, why);
        if (rc == 0) {
            rc = read_events(s->db, id, max_id - (int64_t)max_events, (int64_t)max_events, 1,
                             &ss.events, &ss.n_events);
            if (rc == GLIA_EFORMAT || rc == GLIA_EIO)
                rc = load_failed(s, "the events of session %s cannot be read", ss.row.name);
        }
        if (rc == 0)
            rc = cb(&ss, arg);
        json_decref(ss.points);
        glia_event_array_free(ss.events, ss.n_events);
        loaded++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = load_failed(s, "the sessions after the first %zu cannot be read (%s)", loaded,
                         describe(step));
    sqlite3_finalize(st);
    return rc;
}

int glia_store_load_experiments(glia_store_t *s, int (*cb)(json_t *doc, void *arg), void *arg)
{
    sqlite3_stmt *st;
    size_t loaded = 0;
    int rc = 0, step;

    s->error[0] = '\0';
    if ((step = sqlite3_prepare_v2(s->db, "SELECT name, doc FROM experiments ORDER BY name", -1,
                                   &st, NULL)) != SQLITE_OK)
        return load_failed(s, "the experiments cannot be read (%s)", describe(step));
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 1);
        json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
        if (doc == NULL) {
            rc = load_failed(s, "experiment %s holds no readable JSON",
                             (const char *)sqlite3_column_text(st, 0));
            break;
        }
        rc = cb(doc, arg);
        json_decref(doc);
        loaded++;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = load_failed(s, "the experiments after the first %zu cannot be read (%s)", loaded,
                         describe(step));
    sqlite3_finalize(st);
    return rc;
}

int glia_store_read_events(glia_store_t *s, const char *session, uint64_t after, size_t limit,
                           glia_event_t **out, size_t *n)
{
    sqlite3 *db;
    int64_t id;
    int rc = 0;

    *out = NULL;
    *n = 0;
    if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return GLIA_EIO;
    }
    sqlite3_busy_timeout(db, 2000);
    id = session_id(db, session);
    if (id != 0)
        rc = read_events(db, id, (int64_t)after, (int64_t)limit, 0, out, n);
    sqlite3_close(db);
    return rc;
}
