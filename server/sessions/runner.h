/* runner.h: work on libuv's pool, and nothing else.
 *
 * A job takes an entry's session to a worker thread and reports back on the loop thread
 * through its callback (uv_work_t's after_work_cb): a slice steps the session until its
 * spec says stop; a read renders something from it (a reply too big to build on the loop).
 * Jobs on one session run one at a time, in the order submitted: one submitted while
 * another holds the session waits for it. While a job is queued, running or waiting,
 * e->in_worker is set and nothing else may touch e->session. A call runs any function on
 * the pool without a session (building one). The runner neither decides states nor stores
 * anything; the caller (lifecycle.c) does that in the callback.
 */
#ifndef GLIA_RUNNER_H
#define GLIA_RUNNER_H

#include "server/server.h"

/* When a job ends: the first limit reached. */
typedef struct glia_job_spec {
    int has_target; /* stop once target_episodes episodes are done */
    uint64_t target_episodes;
    int max_steps;    /* stop after this many steps (0: no limit) */
    double budget;    /* seconds of work (0: none); with a budget, e->stop_flag also ends
                         the job (a slice). With records the clock is read every step while
                         steps are slow, every 16 while they are fast; without, after each
                         chunk of steps (1 to 1024, each about a millisecond at most) */
    int with_records; /* keep one JSON record per step (POST /step) */
    uint64_t query_budget; /* also stop at the first episode end with this many reward
                              queries (glia_session_advance_to; 0: none) */
} glia_job_spec_t;

typedef struct glia_job_result {
    int rc;        /* 0, or the core's error (GLIA_ENOMEM) */
    int never_ran; /* cancelled before a worker took it */
    uint64_t steps_done;
    double elapsed;  /* seconds on the worker */
    json_t *records; /* with_records: one object per step (borrowed) */
} glia_job_result_t;

/* Loop thread, once the job is over; e->in_worker is clear again unless another job waits
 * for the session. */
typedef void (*glia_job_done_cb)(glia_server_t *srv, glia_entry_t *e,
                                 const glia_job_result_t *result, void *arg);

/* Queue a slice on e's session (the entry is referenced until the callback returns).
 * 0, or GLIA_ENOMEM (nothing was queued; the callback will not be called). */
int glia_runner_submit(glia_server_t *srv, glia_entry_t *e, const glia_job_spec_t *spec,
                       glia_job_done_cb cb, void *arg);

/* Run fn(e, arg) on the pool with e's session held, after the jobs queued on it, then
 * done(srv, e, arg) on the loop; then the requests that waited for the session are
 * dispatched again (the server's hooks). 0 or GLIA_ENOMEM (nothing will be called). */
int glia_runner_read(glia_server_t *srv, glia_entry_t *e, void (*fn)(glia_entry_t *e, void *arg),
                     void (*done)(glia_server_t *srv, glia_entry_t *e, void *arg), void *arg);

/* Run fn(arg) on the pool, then done(srv, arg) on the loop. Shutdown waits for it. 0 or
 * GLIA_ENOMEM (nothing will be called). */
int glia_runner_call(glia_server_t *srv, void (*fn)(void *arg),
                     void (*done)(glia_server_t *srv, void *arg), void *arg);

/* Ask e's job to end: a queued job is cancelled, a running slice ends at its next check.
 * No-op without a job. */
void glia_runner_stop(glia_server_t *srv, glia_entry_t *e);

#endif
