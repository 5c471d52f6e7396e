/* test_store.c: the SQLite store on its own, in a temporary data dir: migrations (a fresh
 * database, reopening, an older schema migrated up, a newer schema and foreign files
 * refused untouched), a write that fails on a full store (the --max-db-bytes quota) while
 * what was committed stays, and loading everything back after a restart. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/event_json.h"
#include "core/error.h"
#include "server/store/store.h"

typedef struct fixture {
    char dir[64];
    char db[96];
    uv_loop_t loop;
    glia_store_t *st;
    char msg[1024];
} fixture_t;

static fixture_t fx;

static void setup(void)
{
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/glia-unit-XXXXXX");
    cr_assert_not_null(mkdtemp(fx.dir));
    snprintf(fx.db, sizeof(fx.db), "%s/glia.db", fx.dir);
    cr_assert_eq(uv_loop_init(&fx.loop), 0);
}

static void close_store(void)
{
    if (fx.st != NULL) {
        glia_store_close(fx.st);
        fx.st = NULL;
        uv_run(&fx.loop, UV_RUN_DEFAULT); /* runs the close callback that frees it */
    }
}

static void teardown(void)
{
    char path[160];
    static const char *const files[] = {"glia.db", "glia.db-wal", "glia.db-shm"};

    close_store();
    cr_expect_eq(uv_loop_close(&fx.loop), 0, "the store left no handle open");
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", fx.dir, files[i]);
        unlink(path);
    }
    rmdir(fx.dir);
}

TestSuite(store, .init = setup, .fini = teardown);

static int open_store(uint64_t max_bytes)
{
    fx.msg[0] = '\0';
    return glia_store_open(fx.dir, max_bytes, &fx.loop, &fx.st, fx.msg, sizeof(fx.msg));
}

/* ---- submitting and waiting ----------------------------------------------------------- */

typedef struct done {
    int called, status;
    char error[256];
} done_t;

static void done_cb(glia_store_op_t *op, int status, void *arg)
{
    done_t *d = arg;
    d->called++;
    d->status = status;
    snprintf(d->error, sizeof(d->error), "%s", op->error);
}

/* Submit and run the loop until the op is handed back. Returns its status. */
static int commit(glia_store_op_t *op, done_t *d)
{
    memset(d, 0, sizeof(*d));
    glia_store_submit(fx.st, op);
    cr_assert_not(glia_store_idle(fx.st), "a submitted op is outstanding");
    while (!d->called)
        uv_run(&fx.loop, UV_RUN_ONCE);
    cr_assert_eq(d->called, 1);
    cr_expect(glia_store_idle(fx.st), "every op was handed back");
    return d->status;
}

static glia_store_op_t *row_op(const char *name, int state, done_t *d)
{
    glia_store_op_t *op = glia_store_op_new(name, done_cb, d);
    glia_store_row_t *r;

    cr_assert_not_null(op);
    r = &op->row;
    op->has_row = 1;
    snprintf(r->name, sizeof(r->name), "%s", name);
    snprintf(r->preset, sizeof(r->preset), "cursor");
    r->seed = 314;
    r->config = strdup("{\"episodes\":5}");
    r->state = state;
    r->target_episodes = 40;
    r->is_exported = 1;
    snprintf(r->experiment, sizeof(r->experiment), "exp");
    snprintf(r->error, sizeof(r->error), "%s", state == 4 ? "disk full" : "");
    r->created_at = 1000.5;
    r->updated_at = 2000.25;
    return op;
}

static void set_ckpt(glia_store_op_t *op, size_t len, unsigned char fill)
{
    op->ckpt = malloc(len);
    cr_assert_not_null(op->ckpt);
    for (size_t i = 0; i < len; i++)
        op->ckpt[i] = (unsigned char)(fill + i * 131u);
    op->ckpt_len = len;
    op->ckpt_steps = 7;
    op->ckpt_episodes = 3;
}

static void add_event(glia_store_op_t *op, uint64_t id, int type, const char *data)
{
    cr_assert_eq(glia_store_op_add_event(op, id, type, strdup(data)), 0);
}

/* ---- reading the file behind the store's back ---------------------------------------- */

static int sql_int(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int v = -1;

    cr_assert_eq(sqlite3_open_v2(fx.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void sql_exec(const char *sql)
{
    sqlite3 *db;
    char *err = NULL;

    cr_assert_eq(sqlite3_open_v2(fx.db, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s: %s", sql, err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
}

/* The whole file, to see that a refused store was not touched. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void expect_file_unchanged(const char *before, size_t before_len)
{
    size_t len;
    char *now = slurp(fx.db, &len);
    struct stat sb;
    char wal[128];

    cr_expect_eq(len, before_len, "the file kept its size");
    cr_expect(len == before_len && memcmp(now, before, len) == 0,
              "the file is byte for byte as it was");
    snprintf(wal, sizeof(wal), "%s-wal", fx.db);
    cr_expect(stat(wal, &sb) != 0 || sb.st_size == 0, "nothing was written to a WAL");
    free(now);
}

/* ---- migrations ----------------------------------------------------------------------- */

Test(store, a_fresh_database_gets_every_migration)
{
    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    cr_assert_eq(glia_store_begin(fx.st, fx.msg, sizeof(fx.msg)), 0, "%s", fx.msg);
    close_store();
    cr_expect_eq(sql_int("PRAGMA user_version"), GLIA_STORE_SCHEMA);
    cr_expect_eq(sql_int("PRAGMA application_id"), 0x676c6961, "marked as glia's");
    cr_expect_eq(sql_int("SELECT count(*) FROM schema_migrations"), GLIA_STORE_SCHEMA);
    cr_expect_eq(sql_int("SELECT max(version) FROM schema_migrations"), GLIA_STORE_SCHEMA);
    cr_expect_eq(sql_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                         "('sessions', 'checkpoints', 'points', 'events', 'experiments', "
                         "'meta')"),
                 6);
    cr_expect_eq(sql_int("SELECT count(*) FROM meta WHERE key = 'last_started'"), 1,
                 "the write probe ran");
}

Test(store, reopening_migrates_nothing_and_keeps_the_sessions)
{
    done_t d;
    int applied;

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    cr_assert_eq(commit(row_op("a", 0, &d), &d), 0, "%s", d.error);
    close_store();
    applied = sql_int("SELECT CAST(sum(applied_at) AS INTEGER) FROM schema_migrations");

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    close_store();
    cr_expect_eq(sql_int("SELECT count(*) FROM schema_migrations"), GLIA_STORE_SCHEMA);
    cr_expect_eq(sql_int("SELECT CAST(sum(applied_at) AS INTEGER) FROM schema_migrations"), applied,
                 "no migration ran again");
    cr_expect_eq(sql_int("SELECT count(*) FROM sessions WHERE name = 'a'"), 1);
}

Test(store, an_older_schema_is_migrated_up_keeping_its_sessions)
{
    done_t d;
    glia_store_op_t *op;

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    cr_assert_eq(commit(row_op("kept", 3, &d), &d), 0, "%s", d.error);
    close_store();
    /* What schema 1 was: schema 2 added the experiments table. */
    sql_exec("DROP TABLE experiments; DELETE FROM schema_migrations WHERE version > 1; "
             "PRAGMA user_version = 1;");
    cr_assert_eq(sql_int("PRAGMA user_version"), 1);

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    op = glia_store_op_new(NULL, done_cb, &d);
    snprintf(op->experiment, sizeof(op->experiment), "study");
    op->experiment_doc = json_pack("{s:s}", "name", "study");
    cr_expect_eq(commit(op, &d), 0, "the new table takes experiments: %s", d.error);
    close_store();
    cr_expect_eq(sql_int("PRAGMA user_version"), GLIA_STORE_SCHEMA);
    cr_expect_eq(sql_int("SELECT count(*) FROM schema_migrations"), GLIA_STORE_SCHEMA);
    cr_expect_eq(sql_int("SELECT count(*) FROM sessions WHERE name = 'kept' AND state = 3"), 1,
                 "the session survived the migration");
    cr_expect_eq(sql_int("SELECT count(*) FROM experiments WHERE name = 'study'"), 1);
}

Test(store, a_newer_schema_is_refused_and_left_untouched)
{
    char sql[64], *before;
    size_t len;

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    close_store();
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;", GLIA_STORE_SCHEMA + 1);
    sql_exec(sql);
    before = slurp(fx.db, &len);

    cr_expect_eq(open_store(0), GLIA_EVERSION, "%s", fx.msg);
    cr_expect_null(fx.st);
    cr_expect_not_null(strstr(fx.msg, "newer than this gliad supports"), "%s", fx.msg);
    cr_expect_not_null(strstr(fx.msg, "nothing was changed"), "%s", fx.msg);
    expect_file_unchanged(before, len);
    free(before);
}

Test(store, a_foreign_database_is_refused_and_left_untouched)
{
    char *before;
    size_t len;

    sql_exec("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL);"
             "INSERT INTO invoices VALUES(1, 9.5);");
    before = slurp(fx.db, &len);
    cr_expect_eq(open_store(0), GLIA_EFORMAT, "%s", fx.msg);
    cr_expect_null(fx.st);
    cr_expect_not_null(strstr(fx.msg, "not a glia database"), "%s", fx.msg);
    expect_file_unchanged(before, len);
    free(before);
    cr_expect_eq(sql_int("SELECT count(*) FROM invoices"), 1);
}

Test(store, a_file_that_is_no_database_is_refused_and_left_untouched)
{
    char buf[8192], *before;
    size_t len;
    FILE *f = fopen(fx.db, "wb");

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)(i * 2654435761u >> 13);
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
    fclose(f);
    before = slurp(fx.db, &len);
    cr_expect_eq(open_store(0), GLIA_EFORMAT, "%s", fx.msg);
    cr_expect_not_null(strstr(fx.msg, "not a glia database"), "%s", fx.msg);
    expect_file_unchanged(before, len);
    free(before);
}

Test(store, a_data_dir_that_is_a_file_is_refused)
{
    char path[96];
    FILE *f;

    snprintf(path, sizeof(path), "%s/file", fx.dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    fx.msg[0] = '\0';
    cr_expect_eq(glia_store_open(path, 0, &fx.loop, &fx.st, fx.msg, sizeof(fx.msg)), GLIA_EIO);
    cr_expect_not_null(strstr(fx.msg, "not a directory"), "%s", fx.msg);
    unlink(path);
}

/* ---- a failed write ------------------------------------------------------------------- */

Test(store, a_full_store_fails_the_write_and_keeps_what_was_committed)
{
    done_t d;
    glia_store_op_t *op;
    unsigned char want[2048];

    /* 20 pages: a fresh store takes 16, so a small session fits and 64 KiB do not. */
    cr_assert_eq(open_store(81920), 0, "%s", fx.msg);
    op = row_op("small", 1, &d);
    set_ckpt(op, sizeof(want), 7);
    memcpy(want, op->ckpt, sizeof(want));
    cr_assert_eq(commit(op, &d), 0, "the first session fits: %s", d.error);

    op = glia_store_op_new("small", done_cb, &d);
    set_ckpt(op, 64 * 1024, 99);
    add_event(op, 1, GLIA_EV_PROGRESS, "{\"episode\":9}");
    cr_expect_eq(commit(op, &d), GLIA_EIO, "a checkpoint past the quota fails");
    cr_expect_not_null(strstr(d.error, "disk full"), "it fails as on a full disk: %s", d.error);

    op = row_op("other", 0, &d);
    cr_expect_eq(commit(op, &d), 0, "a small write still fits after the failure: %s", d.error);
    close_store();

    /* Without the quota: the first checkpoint is whole, nothing of the failed op exists. */
    cr_expect_eq(sql_int("SELECT length(data) FROM checkpoints c JOIN sessions s ON "
                         "s.id = c.session_id WHERE s.name = 'small'"),
                 (int)sizeof(want));
    cr_expect_eq(sql_int("SELECT count(*) FROM events"), 0, "the failed op's event is gone");
    cr_expect_eq(sql_int("SELECT count(*) FROM sessions"), 2);
}

Test(store, a_quota_below_the_database_is_refused_untouched)
{
    done_t d;
    glia_store_op_t *op;
    char *before;
    size_t len;

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    op = row_op("big", 0, &d);
    set_ckpt(op, 128 * 1024, 1);
    cr_assert_eq(commit(op, &d), 0, "%s", d.error);
    close_store();
    before = slurp(fx.db, &len);
    cr_assert_gt(len, 65536);
    cr_expect_eq(open_store(65536), GLIA_ELIMIT, "%s", fx.msg);
    cr_expect_not_null(strstr(fx.msg, "--max-db-bytes"), "%s", fx.msg);
    expect_file_unchanged(before, len);
    free(before);
}

Test(store, an_op_for_a_session_not_stored_fails_alone)
{
    done_t d;
    glia_store_op_t *op = glia_store_op_new("ghost", done_cb, &d);

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    add_event(op, 1, GLIA_EV_STATE, "{}");
    cr_expect_eq(commit(op, &d), GLIA_EIO);
    cr_expect_not_null(strstr(d.error, "not in the store"), "%s", d.error);
    cr_expect_eq(commit(row_op("real", 0, &d), &d), 0, "the next op is not affected");
}

/* ---- load after a restart ----------------------------------------------------------- */

typedef struct loaded {
    int n;
    char names[4][16];
    glia_store_row_t rows[4];
    unsigned char ckpt[4][4096];
    size_t ckpt_len[4];
    json_t *points[4];
    glia_event_t events[4][8];
    size_t n_events[4];
    uint64_t next_event_id[4];
} loaded_t;

static int load_cb(const glia_stored_session_t *s, void *arg)
{
    loaded_t *l = arg;
    int i = l->n++;

    cr_assert_lt(i, 4);
    l->rows[i] = s->row;
    l->rows[i].config = strdup(s->row.config);
    l->ckpt_len[i] = s->ckpt_len;
    if (s->ckpt_len > 0 && s->ckpt_len <= sizeof(l->ckpt[i]))
        memcpy(l->ckpt[i], s->ckpt, s->ckpt_len);
    l->points[i] = json_deep_copy(s->points);
    cr_assert_leq(s->n_events, 8);
    for (size_t k = 0; k < s->n_events; k++) {
        l->events[i][k] = s->events[k];
        l->events[i][k].data = strdup(s->events[k].data);
    }
    l->n_events[i] = s->n_events;
    l->next_event_id[i] = s->next_event_id;
    return 0;
}

static void loaded_free(loaded_t *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->rows[i].config);
        json_decref(l->points[i]);
        for (size_t k = 0; k < l->n_events[i]; k++)
            free(l->events[i][k].data);
    }
}

static void store_session(const char *name, int with_history)
{
    done_t d;
    glia_store_op_t *op = row_op(name, 2, &d);

    if (with_history) {
        set_ckpt(op, 1000, 42);
        op->points = json_array();
        for (int ep = 0; ep < 3; ep++)
            json_array_append_new(
                op->points, json_pack("{s:i, s:f}", "episode", ep * 10, "accuracy", 0.25 * ep));
        add_event(op, 1, GLIA_EV_STATE, "{\"state\":\"running\"}");
        add_event(op, 2, GLIA_EV_PROGRESS, "{\"episode\":10}");
        add_event(op, 3, GLIA_EV_METRICS, "{\"episode\":10}");
        add_event(op, 4, GLIA_EV_OUTPUTS, "{\"outputs\":[\"01\"]}");
        add_event(op, 5, GLIA_EV_STATE, "{\"state\":\"paused\"}");
    }
    cr_assert_eq(commit(op, &d), 0, "%s", d.error);
}

Test(store, load_after_a_restart_gives_back_rows_checkpoints_points_and_events)
{
    loaded_t l;
    static const int types[] = {GLIA_EV_STATE, GLIA_EV_PROGRESS, GLIA_EV_METRICS, GLIA_EV_OUTPUTS,
                                GLIA_EV_STATE};

    memset(&l, 0, sizeof(l));
    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    store_session("zeta", 0);
    store_session("alpha", 1);
    close_store();

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    cr_assert_eq(glia_store_load(fx.st, 4, load_cb, &l), 0);
    cr_assert_eq(l.n, 2);
    cr_expect_str_eq(l.rows[0].name, "alpha", "sessions come in name order");
    cr_expect_str_eq(l.rows[1].name, "zeta");
    cr_expect_str_eq(l.rows[0].preset, "cursor");
    cr_expect_eq(l.rows[0].seed, 314);
    cr_expect_str_eq(l.rows[0].config, "{\"episodes\":5}");
    cr_expect_eq(l.rows[0].state, 2);
    cr_expect_eq(l.rows[0].target_episodes, 40);
    cr_expect_eq(l.rows[0].is_exported, 1);
    cr_expect_str_eq(l.rows[0].experiment, "exp");
    cr_expect_eq(l.rows[0].created_at, 1000.5);
    cr_expect_eq(l.rows[0].updated_at, 2000.25);

    cr_expect_eq(l.ckpt_len[0], 1000);
    for (size_t i = 0; i < 1000; i++)
        cr_assert_eq(l.ckpt[0][i], (unsigned char)(42 + i * 131u), "checkpoint byte %zu", i);
    cr_expect_eq(l.ckpt_len[1], 0, "a session without a checkpoint has none");

    cr_assert_eq(json_array_size(l.points[0]), 3);
    for (int ep = 0; ep < 3; ep++) {
        json_t *p = json_array_get(l.points[0], (size_t)ep);
        cr_expect_eq(json_integer_value(json_object_get(p, "episode")), ep * 10);
        cr_expect_eq(json_real_value(json_object_get(p, "accuracy")), 0.25 * ep);
    }
    /* max_events 4: the newest four of five, typed as stored. */
    cr_assert_eq(l.n_events[0], 4);
    for (size_t k = 0; k < 4; k++) {
        cr_expect_eq(l.events[0][k].id, k + 2);
        cr_expect_eq(l.events[0][k].type, types[k + 1]);
    }
    cr_expect_str_eq(l.events[0][3].data, "{\"state\":\"paused\"}");
    cr_expect_eq(l.next_event_id[0], 6);
    cr_expect_eq(l.n_events[1], 0);
    cr_expect_eq(l.next_event_id[1], 1, "a session without events starts at id 1");
    loaded_free(&l);
}

Test(store, events_are_read_back_after_an_id)
{
    glia_event_t *evs;
    size_t n;

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    store_session("s", 1);
    cr_assert_eq(glia_store_read_events(fx.st, "s", 2, 2, &evs, &n), 0);
    cr_assert_eq(n, 2, "limit");
    cr_expect_eq(evs[0].id, 3);
    cr_expect_eq(evs[0].type, GLIA_EV_METRICS);
    cr_expect_eq(evs[1].id, 4);
    cr_expect_str_eq(evs[1].data, "{\"outputs\":[\"01\"]}");
    glia_event_array_free(evs, n);

    cr_assert_eq(glia_store_read_events(fx.st, "s", 5, 10, &evs, &n), 0);
    cr_expect_eq(n, 0, "nothing after the newest");
    glia_event_array_free(evs, n);
    cr_assert_eq(glia_store_read_events(fx.st, "nobody", 0, 10, &evs, &n), 0);
    cr_expect_eq(n, 0, "an unknown session has no events");
    glia_event_array_free(evs, n);
}

Test(store, a_delete_removes_the_session_and_all_of_its_history)
{
    done_t d;
    glia_store_op_t *op;

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    store_session("doomed", 1);
    store_session("kept", 1);
    op = glia_store_op_new("doomed", done_cb, &d);
    op->is_delete = 1;
    cr_assert_eq(commit(op, &d), 0, "%s", d.error);
    close_store();
    cr_expect_eq(sql_int("SELECT count(*) FROM sessions"), 1);
    cr_expect_eq(sql_int("SELECT count(*) FROM events"), 5, "only the kept session's");
    cr_expect_eq(sql_int("SELECT count(*) FROM points"), 3);
    cr_expect_eq(sql_int("SELECT count(*) FROM checkpoints"), 1);
}

static int experiment_cb(json_t *doc, void *arg)
{
    json_array_append(arg, doc);
    return 0;
}

Test(store, experiments_are_stored_replaced_loaded_and_deleted)
{
    done_t d;
    glia_store_op_t *op;
    json_t *docs = json_array();

    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    for (int v = 1; v <= 2; v++) {
        op = glia_store_op_new(NULL, done_cb, &d);
        snprintf(op->experiment, sizeof(op->experiment), "study");
        op->experiment_doc = json_pack("{s:s, s:i}", "name", "study", "version", v);
        cr_assert_eq(commit(op, &d), 0, "%s", d.error);
    }
    close_store();
    cr_assert_eq(open_store(0), 0, "%s", fx.msg);
    cr_assert_eq(glia_store_load_experiments(fx.st, experiment_cb, docs), 0);
    cr_assert_eq(json_array_size(docs), 1, "an upsert, not a second row");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(docs, 0), "version")), 2);
    op = glia_store_op_new(NULL, done_cb, &d);
    snprintf(op->experiment, sizeof(op->experiment), "study");
    op->is_experiment_delete = 1;
    cr_assert_eq(commit(op, &d), 0, "%s", d.error);
    json_array_clear(docs);
    cr_assert_eq(glia_store_load_experiments(fx.st, experiment_cb, docs), 0);
    cr_expect_eq(json_array_size(docs), 0);
    json_decref(docs);
}
