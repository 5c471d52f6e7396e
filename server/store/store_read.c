/* store_read.c: reading the store back (see store.h): sessions and experiments at
 * startup, events for replay.
 *
 * Every step is checked and every JSON text parsed: a store that cannot be read whole is
 * refused with the damage named (glia_store_error), never loaded as a smaller store.
 * Startup loads use the store's own connection before the thread writes anything; event
 * replay opens a fresh read-only connection per call, from any thread.
 */
#include "server/store/store_parts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/event_json.h"
#include "core/error.h"

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
        snprintf(why, size, "%s", glia__store_describe(rc));
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
            snprintf(why, size, "after row %zu: %s", json_array_size(arr),
                     glia__store_describe(rc));
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
    glia__store_damaged(s, what, s->error, sizeof(s->error));
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
        return load_failed(s, "the sessions cannot be read (%s)", glia__store_describe(step));
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
        snprintf(ss.row.experiment, sizeof(ss.row.experiment), "%s", sqlite3_column_text(st, 8));
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
        rc = read_json_rows(s->db, "SELECT data FROM points WHERE session_id = ?1 ORDER BY episode",
                            id, &ss.points, why, sizeof(why));
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
                         glia__store_describe(step));
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
        return load_failed(s, "the experiments cannot be read (%s)", glia__store_describe(step));
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
                         glia__store_describe(step));
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
    id = glia__store_session_id(db, session);
    if (id != 0)
        rc = read_events(db, id, (int64_t)after, (int64_t)limit, 0, out, n);
    sqlite3_close(db);
    return rc;
}
