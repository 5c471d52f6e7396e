/* store_sql.c: the small SQLite helpers every file of the store uses (store_parts.h):
 * clock, exec, a pragma's value, error codes in words, the damaged-store message, a
 * session's row id. They call nothing else of the store but its repair's backup path. */
#include "server/store/store_parts.h"

#include <stdio.h>
#include <time.h>

#include "server/store/store_repair.h"

double glia__store_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int glia__store_exec(sqlite3 *db, const char *sql, char *msg, size_t size)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK && msg != NULL)
        snprintf(msg, size, "%s", err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    return rc;
}

int glia__store_pragma_int(sqlite3 *db, const char *sql, int *out)
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

const char *glia__store_describe(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return "disk full";
    case SQLITE_READONLY:
        return "read-only (is the data dir writable?)";
    case SQLITE_CANTOPEN:
        return "cannot open the database file";
    case SQLITE_NOTADB:
        return "not a database";
    case SQLITE_CORRUPT:
        return "database is corrupt";
    case SQLITE_IOERR:
        return "I/O error";
    case SQLITE_BUSY:
        return "database is locked by another process";
    default:
        return sqlite3_errstr(rc);
    }
}

void glia__store_damaged(const glia_store_t *st, const char *what, char *msg, size_t size)
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

int64_t glia__store_session_id(sqlite3 *db, const char *name)
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
