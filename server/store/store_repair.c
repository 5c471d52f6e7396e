/* store_repair.c: is a stopped store damaged, and --salvage (see store.h).
 *
 * Damage is looked for in three places, each of which SQLite alone would pass over
 * silently: the write-ahead log (a frame whose checksum fails ends SQLite's reading of the
 * log, so everything committed after it would vanish, and the next checkpoint would make
 * that final), the database's b-trees (PRAGMA quick_check), and the rows themselves (every
 * step of every read is checked, every stored JSON text must parse).
 *
 * The WAL check reads the file as the format describes it (sqlite.org/fileformat2.html,
 * "The Write-Ahead Log"): a 32-byte header, then frames of a 24-byte header and one page,
 * each carrying the log's two salts and a checksum running over every frame before it. A
 * frame that fails is damage when a later frame of the same log (same salts) ends a
 * transaction: that transaction was committed and would be lost. Frames after a torn,
 * never-committed write do not end one, and frames of an earlier log generation carry
 * other salts, so neither counts. (A damaged frame in the very last transaction cannot be
 * told from a torn write; that transaction is the one at risk.)
 *
 * Salvage copies the damaged files aside first (<db>.damaged, .damaged.1, ...), then copies
 * what can be read, row by row, into a fresh database of the current schema, and puts it
 * in place of the damaged one. What could not be read is reported: in the log, and in
 * /v1/version.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "server/store/store.h"
#include "server/store/store_repair.h"

#define WAL_HEADER       32
#define WAL_FRAME_HEADER 24

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | (uint32_t)p[0];
}

/* The WAL checksum of `n` bytes (a multiple of 8), continuing from s[0], s[1]. */
static void wal_checksum(int big_endian, const uint8_t *p, size_t n, uint32_t s[2])
{
    uint32_t s0 = s[0], s1 = s[1];

    for (size_t i = 0; i + 8 <= n; i += 8) {
        s0 += (big_endian ? be32(p + i) : le32(p + i)) + s1;
        s1 += (big_endian ? be32(p + i + 4) : le32(p + i + 4)) + s0;
    }
    s[0] = s0;
    s[1] = s1;
}

int glia__wal_check(const char *wal_path, char *why, size_t size)
{
    FILE *f = fopen(wal_path, "rb");
    uint8_t hdr[WAL_HEADER], fh[WAL_FRAME_HEADER], *page = NULL;
    uint32_t magic, page_size, salt1, salt2, s[2] = {0, 0};
    long long first_bad = -1, frame;
    struct stat sb;
    int big_endian, rc = 0;

    why[0] = '\0';
    if (f == NULL)
        return errno == ENOENT ? 0 : GLIA_EIO;
    if (fstat(fileno(f), &sb) != 0) {
        fclose(f);
        return GLIA_EIO;
    }
    if (sb.st_size < WAL_HEADER || fread(hdr, 1, WAL_HEADER, f) != WAL_HEADER) {
        fclose(f); /* empty (or shorter than a header): SQLite starts a new log */
        return 0;
    }
    magic = be32(hdr);
    page_size = be32(hdr + 8);
    big_endian = magic == 0x377f0683u;
    if ((magic != 0x377f0682u && magic != 0x377f0683u) || be32(hdr + 4) != 3007000u ||
        page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
        /* A header SQLite does not recognise: the log is ignored whole. Damage when it
         * could hold a frame. */
        if (sb.st_size >= WAL_HEADER + WAL_FRAME_HEADER + 512)
            snprintf(why, size, "the header of %s is damaged (%lld bytes of log would be ignored)",
                     wal_path, (long long)sb.st_size);
        fclose(f);
        return why[0] ? 1 : 0;
    }
    wal_checksum(big_endian, hdr, 24, s);
    if (s[0] != be32(hdr + 24) || s[1] != be32(hdr + 28)) {
        if (sb.st_size >= WAL_HEADER + WAL_FRAME_HEADER + (long long)page_size)
            snprintf(why, size,
                     "the header of %s fails its checksum (%lld bytes of log would be ignored)",
                     wal_path, (long long)sb.st_size);
        fclose(f);
        return why[0] ? 1 : 0;
    }
    salt1 = be32(hdr + 16);
    salt2 = be32(hdr + 20);
    if ((page = malloc(page_size)) == NULL) {
        fclose(f);
        return GLIA_ENOMEM;
    }
    for (frame = 0; fread(fh, 1, WAL_FRAME_HEADER, f) == WAL_FRAME_HEADER &&
                    fread(page, 1, page_size, f) == page_size;
         frame++) {
        int same_log = be32(fh + 8) == salt1 && be32(fh + 12) == salt2;
        if (first_bad < 0) {
            /* The log ends at the first frame that is not its own or fails its checksum:
             * an older generation follows, or damage does (see below). */
            if (same_log) {
                wal_checksum(big_endian, fh, 8, s);
                wal_checksum(big_endian, page, page_size, s);
            }
            if (!same_log || be32(fh) == 0 || s[0] != be32(fh + 16) || s[1] != be32(fh + 20))
                first_bad = frame;
        } else if (same_log && be32(fh + 4) != 0) {
            snprintf(why, size,
                     "frame %lld of %s is damaged, and frame %lld after it commits a "
                     "transaction: SQLite would drop every frame from %lld on",
                     first_bad + 1, wal_path, frame + 1, first_bad + 1);
            rc = 1;
            break;
        }
    }
    free(page);
    fclose(f);
    return rc;
}

/* ---- salvage ------------------------------------------------------------------------ */

typedef struct salvage {
    sqlite3 *src, *dst; /* dst NULL: only read (a dry run finds out whether anything is lost) */
    char *text;         /* the report, growing */
    size_t len, cap;
    long long sessions, checkpoints_lost, points, points_lost, events, events_lost, experiments,
        experiments_lost, datasets, datasets_lost;
    int is_damaged;
} salvage_t;

static void note(salvage_t *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(salvage_t *v, const char *fmt, ...)
{
    va_list ap;
    char line[512];
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    v->is_damaged = 1;
    if (n < 0 || v->len > 64 * 1024) /* the report is bounded too */
        return;
    if (v->len + (size_t)n + 3 > v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        char *t;
        while (cap < v->len + (size_t)n + 3)
            cap *= 2;
        if ((t = realloc(v->text, cap)) == NULL)
            return;
        v->text = t;
        v->cap = cap;
    }
    v->len += (size_t)snprintf(v->text + v->len, v->cap - v->len, "%s%s", v->len ? "; " : "", line);
}

/* Copy the current row of `from` (columns 0..n-1) into `insert`, which has n parameters. */
static int copy_row(sqlite3_stmt *from, sqlite3_stmt *insert, int n)
{
    int rc;

    if (insert == NULL)
        return SQLITE_OK;
    sqlite3_reset(insert);
    for (int i = 0; i < n; i++)
        sqlite3_bind_value(insert, i + 1, sqlite3_column_value(from, i));
    rc = sqlite3_step(insert);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Is column `col` of the current row JSON that parses? */
static int json_column_ok(sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    json_decref(j);
    return j != NULL;
}

/* Copy the rows of one session's child table, in key order, stopping at the first step
 * that fails; rows whose JSON does not parse are left out. */
static int copy_children(salvage_t *v, const char *name, int64_t id, const char *select,
                         const char *insert_sql, int ncols, int json_col, long long *kept,
                         long long *lost, const char *what)
{
    sqlite3_stmt *st = NULL, *ins = NULL;
    long long bad = 0, n = 0;
    int rc;

    if (sqlite3_prepare_v2(v->src, select, -1, &st, NULL) != SQLITE_OK ||
        (v->dst && sqlite3_prepare_v2(v->dst, insert_sql, -1, &ins, NULL) != SQLITE_OK)) {
        note(v, "session %s: its %s cannot be read: %s", name, what, sqlite3_errmsg(v->src));
        sqlite3_finalize(st);
        sqlite3_finalize(ins);
        return 0;
    }
    sqlite3_bind_int64(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (json_col >= 0 && !json_column_ok(st, json_col)) {
            bad++;
            continue;
        }
        if (copy_row(st, ins, ncols) != SQLITE_OK) {
            rc = SQLITE_ERROR;
            break;
        }
        n++;
    }
    if (rc != SQLITE_DONE)
        note(v, "session %s: %s after the first %lld could not be read (%s)", name, what, n,
             sqlite3_errstr(rc));
    if (bad > 0)
        note(v, "session %s: %lld %s held unreadable JSON and were left out", name, bad, what);
    *kept += n;
    *lost += bad;
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    return 0;
}

/* One session row (the current row of `st`: id, name, ...; 12 columns) and its children. */
static void copy_session(salvage_t *v, sqlite3_stmt *st, sqlite3_stmt *ins)
{
    int64_t id = sqlite3_column_int64(st, 0);
    char name[GLIA_NAME_MAX + 1];
    sqlite3_stmt *ck = NULL, *ckins = NULL;
    int rc;

    /* A config or checkpoint that does not load is no loss of rows: the session restarts
     * failed, as it would without salvage (it is visible, with the reason). */
    snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 1));
    if (copy_row(st, ins, 12) != SQLITE_OK) {
        note(v, "session %s could not be written to the new store", name);
        return;
    }
    v->sessions++;
    if (sqlite3_prepare_v2(v->src,
                           "SELECT session_id, steps, episodes, data, written_at FROM checkpoints "
                           "WHERE session_id = ?",
                           -1, &ck, NULL) == SQLITE_OK &&
        (v->dst == NULL ||
         sqlite3_prepare_v2(v->dst, "INSERT INTO checkpoints VALUES(?, ?, ?, ?, ?)", -1, &ckins,
                            NULL) == SQLITE_OK)) {
        sqlite3_bind_int64(ck, 1, id);
        rc = sqlite3_step(ck);
        if (rc == SQLITE_ROW)
            rc = copy_row(ck, ckins, 5) == SQLITE_OK ? SQLITE_DONE : SQLITE_ERROR;
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            v->checkpoints_lost++;
            note(v, "session %s: its checkpoint could not be read (it restarts failed)", name);
        }
    }
    sqlite3_finalize(ck);
    sqlite3_finalize(ckins);
    copy_children(v, name, id,
                  "SELECT session_id, episode, data FROM points WHERE session_id = ? "
                  "ORDER BY episode",
                  "INSERT INTO points VALUES(?, ?, ?)", 3, 2, &v->points, &v->points_lost,
                  "points");
    copy_children(v, name, id,
                  "SELECT session_id, id, type, data FROM events WHERE session_id = ? "
                  "ORDER BY id",
                  "INSERT INTO events VALUES(?, ?, ?, ?)", 4, 3, &v->events, &v->events_lost,
                  "events");
}

#define SESSION_COLS                                                                               \
    "id, name, preset, seed, config, state, target_episodes, export_metrics, experiment, "         \
    "error, created_at, updated_at"

/* Every session row that can be read: in id order; past a row that cannot be read, probe
 * further ids (a damaged page hides the rows below it, not the ones after). */
static void copy_sessions(salvage_t *v)
{
    sqlite3_stmt *st = NULL, *ins = NULL;
    int64_t last = 0, gap_from = -1;
    int misses = 0, rc;

    if (v->dst != NULL && sqlite3_prepare_v2(v->dst,
                                             "INSERT INTO sessions(" SESSION_COLS
                                             ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                             -1, &ins, NULL) != SQLITE_OK) {
        note(v, "cannot write sessions to the new store: %s", sqlite3_errmsg(v->dst));
        return;
    }
    if (sqlite3_prepare_v2(v->src,
                           "SELECT " SESSION_COLS " FROM sessions WHERE id > ? ORDER BY id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        note(v, "the sessions cannot be read: %s", sqlite3_errmsg(v->src));
        sqlite3_finalize(ins);
        return;
    }
    /* 4096 failed probes in a row end the search. */
    while (misses < 4096) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, last);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(st, 0);
            if (gap_from >= 0)
                note(v, "session rows with ids %lld..%lld could not be read", (long long)gap_from,
                     (long long)id - 1);
            gap_from = -1;
            misses = 0;
            copy_session(v, st, ins);
            last = id;
        } else if (rc == SQLITE_DONE) {
            break;
        } else {
            if (gap_from < 0)
                gap_from = last + 1;
            misses++;
            last++;
        }
    }
    if (gap_from >= 0)
        note(v, "session rows from id %lld on could not be read", (long long)gap_from);
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
}

/* Does the source store have table `name`? (A store of an older schema has no datasets.) */
static int has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    int found = 0;

    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 1; /* then the copy's own SELECT says what is wrong */
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* Copy every row of a table that does not belong to a session (experiments, datasets),
 * in key order; rows whose column `json_col` does not parse (-1: none is JSON) are left
 * out and counted in *lost. */
static void copy_table(salvage_t *v, const char *what, const char *select, const char *insert,
                       int n, int json_col, long long *copied, long long *lost)
{
    sqlite3_stmt *st = NULL, *ins = NULL;
    long long bad = 0;
    int rc;

    if (sqlite3_prepare_v2(v->src, select, -1, &st, NULL) != SQLITE_OK ||
        (v->dst && sqlite3_prepare_v2(v->dst, insert, -1, &ins, NULL) != SQLITE_OK)) {
        note(v, "the %s cannot be read: %s", what, sqlite3_errmsg(v->src));
        sqlite3_finalize(st);
        sqlite3_finalize(ins);
        return;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (json_col >= 0 && !json_column_ok(st, json_col)) {
            bad++;
            continue;
        }
        if (copy_row(st, ins, n) == SQLITE_OK)
            (*copied)++;
    }
    if (rc != SQLITE_DONE)
        note(v, "%s after the first %lld could not be read (%s)", what, *copied,
             sqlite3_errstr(rc));
    if (bad > 0)
        note(v, "%lld %s held unreadable JSON and were left out", bad, what);
    *lost += bad;
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
}

static void copy_experiments(salvage_t *v)
{
    copy_table(v, "experiments", "SELECT name, doc, updated_at FROM experiments ORDER BY name",
               "INSERT INTO experiments VALUES(?, ?, ?)", 3, 1, &v->experiments,
               &v->experiments_lost);
}

/* A dataset's content before the names that point at it. */
static void copy_datasets(salvage_t *v)
{
    long long contents = 0;

    if (!has_table(v->src, "dataset_contents") || !has_table(v->src, "datasets"))
        return;
    copy_table(v, "dataset contents",
               "SELECT hash, bytes, data FROM dataset_contents ORDER BY hash",
               "INSERT INTO dataset_contents VALUES(?, ?, ?)", 3, -1, &contents,
               &v->datasets_lost);
    copy_table(v, "datasets",
               "SELECT name, hash, meta, created_at FROM datasets ORDER BY name",
               "INSERT INTO datasets VALUES(?, ?, ?, ?)", 4, 2, &v->datasets, &v->datasets_lost);
}

static int copy_file(const char *from, const char *to)
{
    char buf[1 << 16];
    FILE *in = fopen(from, "rb"), *out;
    size_t n;
    int rc = 0;

    if (in == NULL)
        return GLIA_EIO;
    if ((out = fopen(to, "wbx")) == NULL) {
        fclose(in);
        return GLIA_EIO;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        if (fwrite(buf, 1, n, out) != n) {
            rc = GLIA_EIO;
            break;
        }
    }
    if (ferror(in))
        rc = GLIA_EIO;
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = GLIA_EIO;
    fclose(in);
    if (fclose(out) != 0)
        rc = GLIA_EIO;
    return rc;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

void glia__store_backup_path(const char *db_path, char *out, size_t size)
{
    snprintf(out, size, "%s.damaged", db_path);
    for (int i = 1; exists(out) && i < 1000; i++)
        snprintf(out, size, "%s.damaged.%d", db_path, i);
}

int glia__store_salvage(const char *db_path, const char *wal_damage, int is_db_damaged,
                        glia_store_create_fn create, char *report, size_t size, char *backup,
                        size_t backup_size)
{
    char wal[1100], tmp[1100], bwal[1200], msg[256];
    salvage_t v;
    int rc;

    memset(&v, 0, sizeof(v));
    report[0] = backup[0] = '\0';
    snprintf(wal, sizeof(wal), "%s-wal", db_path);
    snprintf(tmp, sizeof(tmp), "%s.salvage", db_path);
    if (wal_damage != NULL && wal_damage[0] != '\0')
        note(&v, "%s", wal_damage);
    if (is_db_damaged)
        note(&v, "PRAGMA quick_check found damage in %s", db_path);
    if (sqlite3_open_v2(db_path, &v.src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(report, size, "cannot open %s: %s", db_path, sqlite3_errmsg(v.src));
        sqlite3_close(v.src);
        return GLIA_EIO;
    }
    sqlite3_db_config(v.src, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    /* A dry run first: is anything lost at all? */
    copy_sessions(&v);
    copy_experiments(&v);
    copy_datasets(&v);
    if (!v.is_damaged) {
        sqlite3_close(v.src);
        snprintf(report, size, "nothing to salvage: every row of %s reads", db_path);
        return 0;
    }

    /* Damaged. Keep the files as they are, then copy what reads into a new store. */
    glia__store_backup_path(db_path, backup, backup_size);
    snprintf(bwal, sizeof(bwal), "%s-wal", backup);
    if (copy_file(db_path, backup) != 0 || (exists(wal) && copy_file(wal, bwal) != 0)) {
        snprintf(report, size, "cannot back up %s to %s: %s; nothing was changed", db_path, backup,
                 strerror(errno));
        unlink(backup);
        unlink(bwal);
        sqlite3_close(v.src);
        return GLIA_EIO;
    }
    free(v.text);
    {
        sqlite3 *src = v.src;
        memset(&v, 0, sizeof(v));
        v.src = src;
    }
    if (wal_damage != NULL && wal_damage[0] != '\0')
        note(&v, "%s", wal_damage);
    if (is_db_damaged)
        note(&v, "PRAGMA quick_check found damage");
    unlink(tmp);
    if ((rc = create(tmp, &v.dst, msg, sizeof(msg))) != 0) {
        snprintf(report, size, "cannot create %s: %s", tmp, msg);
        sqlite3_close(v.src);
        return rc;
    }
    sqlite3_exec(v.dst, "BEGIN", NULL, NULL, NULL);
    copy_sessions(&v);
    copy_experiments(&v);
    copy_datasets(&v);
    rc = sqlite3_exec(v.dst, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(v.dst, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(v.dst);
    sqlite3_close(v.src);
    if (rc != SQLITE_OK) {
        snprintf(report, size, "cannot write the salvaged store %s: %s", tmp, sqlite3_errstr(rc));
        return GLIA_EIO;
    }
    /* The damaged files are backed up: the new store takes their place. */
    {
        char shm[1200], twal[1200], tshm[1200];
        snprintf(shm, sizeof(shm), "%s-shm", db_path);
        snprintf(twal, sizeof(twal), "%s-wal", tmp);
        snprintf(tshm, sizeof(tshm), "%s-shm", tmp);
        unlink(twal);
        unlink(tshm);
        unlink(wal);
        unlink(shm);
        if (rename(tmp, db_path) != 0) {
            snprintf(report, size, "cannot put %s in place of %s: %s (the damaged files are in %s)",
                     tmp, db_path, strerror(errno), backup);
            return GLIA_EIO;
        }
    }
    snprintf(report, size,
             "salvaged %lld sessions (%lld points, %lld events), %lld experiments, %lld "
             "datasets; the damaged files are kept as %s; lost: %s",
             v.sessions, v.points, v.events, v.experiments, v.datasets, backup,
             v.text ? v.text : "");
    free(v.text);
    return 1;
}
