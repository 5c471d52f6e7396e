/* runner.h: learning work on libuv's pool, and nothing else.
 *
 * A job takes an entry's session to a worker thread, steps it until its spec says stop,
 * and reports back on the loop thread through its callback (uv_work_t's after_work_cb):
 * what ran, how long, and any error. It neither decides states nor stores anything; the
 * caller (lifecycle.c) does that in the callback. While a job is queued or running,
 * e->in_worker is set and nothing else may touch e->session.
 */
#ifndef GLIA_RUNNER_H
#define GLIA_RUNNER_H

#include "server.h"

/* When a job ends: the first limit reached. */
typedef struct glia_job_spec {
    int has_target; /* stop once target_episodes episodes are done */
    uint64_t target_episodes;
    int max_steps;    /* stop after this many steps (0: no limit) */
    double budget;    /* seconds of work (0: none), checked every 16 steps with records,
                         else after each chunk of steps (16 to 1024, each under ~1 ms);
                         with a budget, e->stop_flag also ends the job (a slice) */
    int with_records; /* keep one JSON record per step (POST /step) */
} glia_job_spec_t;

typedef struct glia_job_result {
    int rc;        /* 0, or the core's error (GLIA_ENOMEM) */
    int never_ran; /* cancelled before a worker took it */
    uint64_t steps_done;
    double elapsed;  /* seconds on the worker */
    json_t *records; /* with_records: one object per step (borrowed) */
} glia_job_result_t;

/* Loop thread, once the job is over; e->in_worker is clear again. */
typedef void (*glia_job_done_cb)(glia_server_t *srv, glia_entry_t *e,
                                 const glia_job_result_t *result, void *arg);

/* Queue a job on e's session (the entry is referenced until the callback returns).
 * 0, or GLIA_ENOMEM (nothing was queued; the callback will not be called). */
int glia_runner_submit(glia_server_t *srv, glia_entry_t *e, const glia_job_spec_t *spec,
                       glia_job_done_cb cb, void *arg);

/* Ask e's job to end: a queued job is cancelled, a running slice ends at its next check.
 * No-op without a job. */
void glia_runner_stop(glia_server_t *srv, glia_entry_t *e);

#endif
