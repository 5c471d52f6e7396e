/* store_write.c: the store thread, and the operations it applies (see store.h).
 *
 * The thread takes everything the loop has submitted as one batch and applies it in one
 * transaction, one savepoint per operation, so one failing operation does not sink the
 * others; each operation then goes back to the loop (glia__store_async_cb) with its
 * status. When idle with space to give back, it compacts a little at a time.
 */
#include "server/store/store_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/event_json.h"
#include "core/error.h"

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if ((rc = (x)) != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)                      \
            goto fail;                                                                             \
    } while (0)

/* Step and finalize `st`; the statement is gone afterwards, success or not. */
#define RUN(st)                                                                                    \
    do {                                                                                           \
        rc = run_stmt(st);                                                                         \
        (st) = NULL;                                                                               \
        if (rc != SQLITE_OK)                                                                       \
            goto fail;                                                                             \
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

    if (op->dataset != NULL)
        return glia__store_apply_dataset(s, op);
    if (op->experiment[0] != '\0') {
        if (op->is_experiment_delete) {
            CHECK(sqlite3_prepare_v2(db, "DELETE FROM experiments WHERE name = ?", -1, &st, NULL));
            sqlite3_bind_text(st, 1, op->experiment, -1, SQLITE_STATIC);
        } else {
            char *doc = json_dumps(op->experiment_doc, JSON_COMPACT);
            if (doc == NULL)
                return SQLITE_NOMEM;
            rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO experiments VALUES(?, ?, ?)", -1,
                                    &st, NULL);
            if (rc != SQLITE_OK) {
                free(doc);
                goto fail;
            }
            sqlite3_bind_text(st, 1, op->experiment, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, doc, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(st, 3, glia__store_wall_now());
            free(doc);
        }
        RUN(st);
    }
    if (op->session[0] == '\0')
        return SQLITE_OK;

    if (op->is_delete) {
        id = glia__store_session_id(db, op->session);
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
    id = glia__store_session_id(db, op->session);
    if (id == 0) {
        snprintf(op->error, sizeof(op->error), "session %s is not in the store", op->session);
        return SQLITE_NOTFOUND;
    }
    if (op->ckpt != NULL) {
        CHECK(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO checkpoints VALUES(?, ?, ?, ?, ?)", -1,
                                 &st, NULL));
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)op->ckpt_steps);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)op->ckpt_episodes);
        sqlite3_bind_blob(st, 4, op->ckpt, (int)op->ckpt_len, SQLITE_STATIC);
        sqlite3_bind_double(st, 5, glia__store_wall_now());
        RUN(st);
    }
    for (size_t i = 0; i < json_array_size(op->points); i++) {
        json_t *p = json_array_get(op->points, i);
        char *text = json_dumps(p, JSON_COMPACT | JSON_REAL_PRECISION(17));
        if (text == NULL)
            return SQLITE_NOMEM;
        rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO points VALUES(?, ?, ?)", -1, &st, NULL);
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
        CHECK(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO events VALUES(?, ?, ?, ?)", -1, &st,
                                 NULL));
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->id);
        sqlite3_bind_text(st, 3, glia_event_name(ev->type), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ev->data, -1, SQLITE_STATIC);
        RUN(st);
    }
    if (s->max_events > 0 && op->n_events > 0 &&
        op->events[op->n_events - 1].id > (uint64_t)s->max_events) {
        /* Keep the newest max_events: the oldest go (--max-events). */
        CHECK(sqlite3_prepare_v2(db, "DELETE FROM events WHERE session_id = ? AND id <= ?", -1, &st,
                                 NULL));
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(
            st, 2, (sqlite3_int64)(op->events[op->n_events - 1].id - (uint64_t)s->max_events));
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

    rc = glia__store_exec(s->db, "BEGIN IMMEDIATE", NULL, 0);
    for (n = batch; n; n = n->next) {
        glia_store_op_t *op = GLIA_QUEUE_ITEM(n, glia_store_op_t, node);
        int orc;
        has_ckpt |= op->ckpt != NULL;
        if (rc != SQLITE_OK) {
            snprintf(op->error, sizeof(op->error), "store transaction failed: %s",
                     glia__store_describe(rc));
            continue;
        }
        glia__store_exec(s->db, "SAVEPOINT op", NULL, 0);
        orc = apply_op(s, op);
        if (orc != SQLITE_OK) {
            if (op->error[0] == '\0')
                snprintf(op->error, sizeof(op->error), "store write failed: %s (%s)",
                         glia__store_describe(orc), sqlite3_errmsg(s->db));
            glia__store_exec(s->db, "ROLLBACK TO op", NULL, 0);
        }
        glia__store_exec(s->db, "RELEASE op", NULL, 0);
    }
    if (rc == SQLITE_OK && (rc = glia__store_exec(s->db, "COMMIT", NULL, 0)) != SQLITE_OK)
        glia__store_exec(s->db, "ROLLBACK", NULL, 0);
    if (has_ckpt && s->timing_cb != NULL)
        s->timing_cb(mono_now() - t0, s->timing_arg);
    t0 = mono_now() - t0;
    while (batch) {
        glia_store_op_t *op = GLIA_QUEUE_ITEM(batch, glia_store_op_t, node);
        batch = batch->next;
        if (op->ckpt != NULL)
            op->seconds = t0;
        if (rc != SQLITE_OK && op->error[0] == '\0')
            snprintf(op->error, sizeof(op->error), "store commit failed: %s",
                     glia__store_describe(rc));
        /* Handed back before it stops counting as uncommitted: glia_store_idle never sees
         * an op in neither place. */
        glia_queue_push(&s->finished, &op->node);
        atomic_fetch_sub(&s->uncommitted, 1);
    }
    uv_async_send(&s->async);
}

void *glia__store_main(void *arg)
{
    glia_store_t *s = arg;

    for (;;) {
        /* Idle with space to give back: compact a little at a time between batches. */
        glia_qnode_t *batch =
            s->vacuum_due ? glia_queue_take_all(&s->submitted) : glia_queue_wait_all(&s->submitted);
        if (batch != NULL) {
            apply_batch(s, batch);
        } else if (s->vacuum_due && !atomic_load(&s->is_stopping)) {
            int freelist = 0;
            glia__store_exec(s->db, "PRAGMA incremental_vacuum(64)", NULL, 0);
            glia__store_pragma_int(s->db, "PRAGMA freelist_count", &freelist);
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
    glia__store_dataset_free(op->dataset);
    free(op);
}

void glia_store_op_free(glia_store_op_t *op)
{
    if (op != NULL)
        op_free(op);
}

void glia__store_async_cb(uv_async_t *h)
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
