/* store.h: durable state in one SQLite database (WAL) in the data dir.
 *
 * One store thread owns the writing connection. The loop submits operations (a session
 * row, a checkpoint, trajectory points, events, a delete, experiment rows); the thread
 * applies everything queued in one transaction (one savepoint per operation, so one
 * failing operation does not sink the others) and hands each operation back to the
 * loop with its status. Readers at startup and for event replay use their own
 * connections. Session names are keys; they never become file paths.
 */
#ifndef GLIA_STORE_H
#define GLIA_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "api/names.h"
#include "server/queue.h"
#include "server/store/event.h"

#define GLIA_STORE_SCHEMA 3 /* newest schema this build knows */

typedef struct glia_store glia_store_t;

/* A session row as stored. Strings are owned by the row. */
typedef struct glia_store_row {
    char name[GLIA_NAME_MAX + 1];
    char preset[32];
    uint32_t seed;
    char *config; /* JSON text */
    int state;    /* enum glia_state */
    uint64_t target_episodes;
    int is_exported;
    char experiment[GLIA_NAME_MAX + 1];
    char error[256];
    double created_at, updated_at;
} glia_store_row_t;

typedef struct glia_store_op glia_store_op_t;
/* Called on the loop thread with status 0 (committed) or GLIA_EIO (op->error says why);
 * the op is freed afterwards. */
typedef void (*glia_store_done_cb)(glia_store_op_t *op, int status, void *arg);

struct glia_store_op {
    glia_qnode_t node;               /* in the store's queues */
    char session[GLIA_NAME_MAX + 1]; /* the session this op is about ("" for experiment ops) */
    int has_row;
    glia_store_row_t row; /* upsert when has_row */
    uint8_t *ckpt;        /* replace the checkpoint when not NULL (owned) */
    size_t ckpt_len;
    uint64_t ckpt_steps, ckpt_episodes;
    json_t *points;       /* array of point objects with "episode" (owned) */
    glia_event_t *events; /* events to append, id order (owned) */
    size_t n_events, cap_events;
    int is_delete;                      /* delete the session and everything of it */
    char experiment[GLIA_NAME_MAX + 1]; /* experiment ops: upsert `experiment_doc` or delete */
    json_t *experiment_doc;             /* owned */
    int is_experiment_delete;
    struct glia_store_dataset *dataset; /* a dataset op (store_datasets.h; owned) */
    glia_store_done_cb done; /* called on the loop thread; then the op is freed */
    void *arg;
    char error[256]; /* why it failed, when status != 0 */
    double seconds;  /* with a checkpoint: how long its transaction took (store thread) */
};

typedef struct glia_store_options {
    uint64_t max_bytes; /* quota on the database size (0: none): past it writes fail as on a
                           full disk */
    int max_events;     /* events kept per session; older ones are deleted (0: all) */
    int salvage;        /* a damaged store is backed up and rebuilt from what reads */
} glia_store_options_t;

/* Open (creating if needed) the store in `dir` and attach its completion handle to `loop`.
 * Nothing is written before the file is known sound: the write-ahead log is read frame by
 * frame and the database checked (PRAGMA quick_check); damage is refused (or, with
 * `salvage`, the store is rebuilt first: glia_store_salvage_report). Returns 0, or on
 * failure a negative code with a plain message in `msg` (nothing is overwritten): GLIA_EIO
 * (not a directory, not writable, cannot open), GLIA_EFORMAT (not a glia database, or
 * damaged: the message names PRAGMA integrity_check and where --salvage would back it up),
 * GLIA_EVERSION (a newer schema), GLIA_ELIMIT (the database is already larger than
 * max_bytes), GLIA_ENOMEM. */
int glia_store_open_with(const char *dir, const glia_store_options_t *opt, uv_loop_t *loop,
                         glia_store_t **out, char *msg, size_t msg_size);
/* The same with only a quota (max_bytes; 0: none). */
int glia_store_open(const char *dir, uint64_t max_bytes, uv_loop_t *loop, glia_store_t **out,
                    char *msg, size_t msg_size);

/* After loading: the first write (an unwritable file or a full disk is found now, not
 * during a run). 0 or GLIA_EIO with `msg`. */
int glia_store_begin(glia_store_t *st, char *msg, size_t msg_size);

/* Why the last glia_store_load or glia_store_load_experiments failed: the damage found and
 * what to do (borrowed; "" when they did not fail for damage). */
const char *glia_store_error(const glia_store_t *st);

/* What --salvage kept and lost, and where it put the damaged files ("" when it did
 * nothing). Borrowed. */
const char *glia_store_salvage_report(const glia_store_t *st);
const char *glia_store_backup(const glia_store_t *st);

/* Refusing to start: stop the thread and close without a checkpoint, taking away only the
 * -wal and -shm files this open created (the data dir is left as found). Frees like
 * glia_store_close. */
void glia_store_close_untouched(glia_store_t *st);

/* Stop the thread after the queue drains and close. NULL is a no-op. The loop must keep
 * running until glia_store_idle() is true before calling this; the loop must run once
 * more afterwards to close the store's handle (which frees it). */
void glia_store_close(glia_store_t *st);

/* A new operation (NULL on out of memory); `session` may be NULL for experiment ops. */
glia_store_op_t *glia_store_op_new(const char *session, glia_store_done_cb done, void *arg);
/* Append an event to the op, taking `data` (freed on failure). 0 or GLIA_ENOMEM. */
int glia_store_op_add_event(glia_store_op_t *op, uint64_t id, int type, char *data);
/* Free an op that was never submitted. NULL is a no-op. */
void glia_store_op_free(glia_store_op_t *op);

void glia_store_submit(glia_store_t *st, glia_store_op_t *op); /* loop thread; steals op */
int glia_store_idle(glia_store_t *st);       /* loop: every submitted op has been handed back */
size_t glia_store_pending(glia_store_t *st); /* any thread: ops not yet committed */

/* Checkpoint transaction durations are reported here (store thread). */
void glia_store_set_timing_cb(glia_store_t *st, void (*cb)(double seconds, void *arg), void *arg);

/* Startup: every stored session, in name order, with its newest checkpoint, its points
 * and its newest `max_events` events. The callback owns nothing it is given and returns
 * 0 to go on or a negative code to stop (which glia_store_load returns). Every step is
 * checked and every JSON text parsed: a store that cannot be read whole is GLIA_EFORMAT
 * (glia_store_error says what and what to do), never a store that looks smaller. */
typedef struct glia_stored_session {
    glia_store_row_t row;
    const uint8_t *ckpt;
    size_t ckpt_len;
    json_t *points;       /* array, episode order */
    glia_event_t *events; /* id order */
    size_t n_events;
    uint64_t next_event_id;
} glia_stored_session_t;

int glia_store_load(glia_store_t *st, size_t max_events,
                    int (*cb)(const glia_stored_session_t *s, void *arg), void *arg);

/* Startup: every stored experiment document (borrowed by the callback). */
int glia_store_load_experiments(glia_store_t *st, int (*cb)(json_t *doc, void *arg), void *arg);

/* Events of `session` with id > after, at most `limit`, in id order, read on a fresh
 * connection (any thread). Returns 0 with a new array in *out (glia_event_array_free;
 * none for an unknown session), GLIA_EIO or GLIA_ENOMEM. */
int glia_store_read_events(glia_store_t *st, const char *session, uint64_t after, size_t limit,
                           glia_event_t **out, size_t *n);

#endif
