/* store_sqlite.c: the SQLite store (see store.h): its schema, opening and closing.
 *
 * The operations are applied in store_write.c (the store thread), loads and event replay
 * are read in store_read.c; store_parts.h holds what the three share.
 *
 * Schema changes are numbered migrations, applied in order inside a transaction each
 * and recorded in schema_migrations; PRAGMA user_version mirrors the newest one and
 * PRAGMA application_id marks the file as glia's. A database whose user_version is
 * newer than GLIA_STORE_SCHEMA is refused, never migrated down or overwritten.
 *
 * Durability: WAL with synchronous=FULL, so a committed operation survives kill -9 and
 * power loss; a commit happens before the loop publishes anything the operation wrote.
 */
#include "server/store/store_parts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
    /* 3: datasets, content-addressed (store_datasets.c): each content once, by SHA-256.
     * IF NOT EXISTS: a store rolled back to an older user_version by hand (the tests of
     * migrations do) may hold them already. */
    "CREATE TABLE IF NOT EXISTS dataset_contents("
    "  hash TEXT PRIMARY KEY, bytes INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS datasets("
    "  name TEXT PRIMARY KEY,"
    "  hash TEXT NOT NULL REFERENCES dataset_contents(hash),"
    "  meta TEXT NOT NULL, created_at REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS datasets_hash ON datasets(hash);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

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
        snprintf(what, size, "PRAGMA quick_check failed: %s", glia__store_describe(rc));
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
    rc = glia__store_pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc != SQLITE_OK) {
        snprintf(msg, size, "%s is not a glia database (%s); nothing was changed", st->path,
                 glia__store_describe(rc));
        return GLIA_EFORMAT;
    }
    if ((rc = glia__store_pragma_int(db, "PRAGMA application_id", &app_id)) != SQLITE_OK ||
        (rc = glia__store_pragma_int(db, "PRAGMA user_version", &version)) != SQLITE_OK) {
        snprintf(msg, size, "%s: %s", st->path, glia__store_describe(rc));
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
        glia__store_damaged(st, detail, msg, size);
        return GLIA_EFORMAT;
    }
    if (tables == 0 &&
        (rc = glia__store_exec(db, "PRAGMA auto_vacuum=INCREMENTAL", msg, size)) != SQLITE_OK)
        goto fail;
    if ((rc = glia__store_exec(db,
                               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                               "PRAGMA foreign_keys=ON;",
                               msg, size)) != SQLITE_OK)
        goto fail;
    for (int v = version + 1; v <= NMIGRATIONS; v++) {
        char sql[256];
        if ((rc = glia__store_exec(db, "BEGIN IMMEDIATE", msg, size)) != SQLITE_OK)
            goto fail;
        if (v == 1)
            rc = glia__store_exec(db,
                                  "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, "
                                  "applied_at REAL NOT NULL);",
                                  msg, size);
        if (rc == SQLITE_OK)
            rc = glia__store_exec(db, migrations[v - 1], msg, size);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO schema_migrations VALUES(%d, %.3f); PRAGMA user_version=%d; "
                 "PRAGMA application_id=%d;",
                 v, glia__store_wall_now(), v, GLIA_APPLICATION_ID);
        if (rc == SQLITE_OK)
            rc = glia__store_exec(db, sql, msg, size);
        if (rc == SQLITE_OK)
            rc = glia__store_exec(db, "COMMIT", msg, size);
        if (rc != SQLITE_OK) {
            glia__store_exec(db, "ROLLBACK", NULL, 0);
            goto fail;
        }
    }
    return 0;
fail:
    snprintf(detail, sizeof(detail), "%s", msg);
    snprintf(msg, size, "%s: %s (%s)", st->path, glia__store_describe(sqlite3_extended_errcode(db)),
             detail);
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

/* Refuse a database already over the quota (SQLite cannot shrink max_page_count below the
 * file), then cap it: past the cap SQLite answers SQLITE_FULL, exactly as on a full disk. On
 * an unreadable file page_count fails and prepare_db reports that instead. */
static int apply_quota(glia_store_t *s, uint64_t max_bytes, char *msg, size_t msg_size)
{
    char sql[96];
    int page = 4096, pages = 0;

    glia__store_pragma_int(s->db, "PRAGMA page_size", &page);
    glia__store_pragma_int(s->db, "PRAGMA page_count", &pages);
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
    glia__store_exec(s->db, sql, NULL, 0);
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

    if ((rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) !=
        SQLITE_OK) {
        snprintf(msg, msg_size, "cannot open %s: %s", s->path, glia__store_describe(rc));
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
static int salvage(glia_store_t *s, const glia_store_options_t *o, const char *wal_why, char *msg,
                   size_t msg_size)
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
        glia__store_damaged(s, why, msg, msg_size);
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
    if (uv_async_init(loop, &s->async, glia__store_async_cb) != 0) {
        rc = GLIA_ENOMEM;
        snprintf(msg, msg_size, "cannot attach the store to the loop");
        goto fail_finished;
    }
    s->async.data = s;
    if (pthread_create(&s->thread, NULL, glia__store_main, s) != 0) {
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
             "INSERT OR REPLACE INTO meta(key, value) VALUES('last_started', '%.3f')",
             glia__store_wall_now());
    if (glia__store_exec(s->db, sql, detail, sizeof(detail)) != SQLITE_OK) {
        snprintf(msg, msg_size, "%s: %s (%s)", s->path,
                 glia__store_describe(sqlite3_extended_errcode(s->db)), detail);
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
    glia__store_async_cb(&s->async);
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
    glia__store_async_cb(&s->async); /* deliver anything left */
    glia__store_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, 0);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL); /* and remove the WAL */
    sqlite3_close(s->db);
    s->db = NULL;
    uv_close((uv_handle_t *)&s->async, async_closed);
}
