/* store_parts.h: what the store's files share (store_sqlite.c opens and closes,
 * store_write.c applies operations on the store thread, store_read.c loads and replays,
 * store_sql.c holds the SQLite helpers they all use).
 * Internal to server/store/: nothing outside it includes this.
 */
#ifndef GLIA_STORE_PARTS_H
#define GLIA_STORE_PARTS_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "server/store/store.h"

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
    glia_queue_t submitted;    /* loop -> store thread */
    glia_queue_t finished;     /* store thread -> loop (then `async` is sent) */
    atomic_size_t uncommitted; /* submitted, not yet committed or failed */
    size_t outstanding;        /* loop thread: submitted, not yet handed back */
    atomic_int is_stopping;
    int vacuum_due; /* store thread */
    uv_async_t async;
    void (*timing_cb)(double, void *);
    void *timing_arg;
};

/* Wall-clock seconds (rows' timestamps). */
double glia__store_wall_now(void);
/* Run `sql`; on failure `msg` (may be NULL) says why. Returns an SQLite code. */
int glia__store_exec(sqlite3 *db, const char *sql, char *msg, size_t size);
/* The first column of the first row of `sql` into *out. Returns an SQLite code. */
int glia__store_pragma_int(sqlite3 *db, const char *sql, int *out);
/* An SQLite code in plain words (static). */
const char *glia__store_describe(int rc);
/* The message for a damaged store: nothing was changed, how to look, how to go on. */
void glia__store_damaged(const glia_store_t *st, const char *what, char *msg, size_t size);

/* The id of session `name`, or 0 when it is not stored (or cannot be read). */
int64_t glia__store_session_id(sqlite3 *db, const char *name);

/* A dataset op (store_datasets.c): apply it, returning an SQLite code; free its part. */
int glia__store_apply_dataset(glia_store_t *s, glia_store_op_t *op);
void glia__store_dataset_free(struct glia_store_dataset *d);

/* The store thread: applies what is submitted until the store stops and its queue drains. */
void *glia__store_main(void *arg);
/* Loop thread: hand every finished operation back (its done callback), then free it. */
void glia__store_async_cb(uv_async_t *h);

#endif
