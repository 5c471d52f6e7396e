/* runner.c: learning work on the pool: run slices and step requests.
 *
 * A run is cut into slices of about --slice-ms. A slice's job owns the session while it
 * runs; its after-callback (loop thread) books counters, commits the slice's points
 * and events (publish.c), decides the next state (completed, paused, cancelled, or
 * another slice) and re-dispatches the requests that waited for the session. Results
 * never depend on where slices are cut: the core is deterministic step by step.
 */
#include <stdlib.h>
#include <string.h>

#include "../api/problem.h"
#include "../api/result_json.h"
#include "experiments.h"
#include "publish.h"
#include "server.h"

typedef struct glia_job {
    uv_work_t work;
    glia_server_t *srv;
    glia_entry_t *e;
    int is_step;
    glia_request_t *req;  /* step: the request to answer */
    int steps_requested;
    uint64_t target;      /* slice: run until this many episodes are done */
    double budget;        /* slice: seconds of work */
    int rc;
    double elapsed;
    uint64_t steps_done;
    json_t *records;      /* step: one object per step */
} glia_job_t;

static void work_cb(uv_work_t *w)
{
    glia_job_t *job = w->data;
    glia_session_t *s = job->e->session;
    double t0 = glia_now();
    glia_step_info_t info;
    glia_counters_t k;

    atomic_fetch_sub(&job->srv->stats.jobs_queued, 1);
    atomic_fetch_add(&job->srv->stats.jobs_running, 1);
    if (job->is_step) {
        for (int i = 0; i < job->steps_requested; i++) {
            if ((job->rc = glia_session_step(s, &info)) != 0)
                break;
            job->steps_done++;
            json_array_append_new(job->records, glia_step_to_json(s, &info));
        }
    } else {
        glia_session_counters(s, &k);
        while (k.episodes < job->target) {
            if ((job->rc = glia_session_step(s, &info)) != 0)
                break;
            job->steps_done++;
            if (info.episode_done)
                k.episodes = info.episode + 1;
            if ((job->steps_done & 15) == 0 &&
                (glia_now() - t0 >= job->budget || atomic_load(&job->e->stop_flag)))
                break;
        }
    }
    job->elapsed = glia_now() - t0;
    atomic_fetch_sub(&job->srv->stats.jobs_running, 1);
}

static void book_counters(glia_server_t *srv, glia_entry_t *e, glia_job_t *job)
{
    glia_counters_t old = e->counters;

    glia_session_counters(e->session, &e->counters);
    if (job->elapsed > 0 && job->steps_done > 0)
        e->steps_per_second = (double)job->steps_done / job->elapsed;
    atomic_fetch_add(&srv->stats.steps_total, e->counters.steps - old.steps);
    atomic_fetch_add(&srv->stats.accepted_total, e->counters.accepted - old.accepted);
    atomic_fetch_add(&srv->stats.rejected_total, e->counters.rejected - old.rejected);
}

static void job_free(glia_job_t *job)
{
    json_decref(job->records);
    free(job);
}

static void after_cb(uv_work_t *w, int status)
{
    glia_job_t *job = w->data;
    glia_server_t *srv = job->srv;
    glia_entry_t *e = job->e;
    glia_request_t *waiters = e->waiters;
    glia_commit_t *c;
    int again = 0;

    e->waiters = NULL;
    e->in_worker = 0;
    e->queued = NULL;
    srv->jobs_in_flight--;
    if (status == UV_ECANCELED)
        atomic_fetch_sub(&srv->stats.jobs_queued, 1); /* cancelled before it started */

    if (e->is_deleted || e->is_deleting) {
        if (job->req)
            glia_handle(srv, job->req); /* answers 404: the session is gone */
        glia_handle_all(srv, waiters);
        glia_entry_unref(e);
        job_free(job);
        return;
    }
    book_counters(srv, e, job);
    atomic_store(&e->stop_flag, 0);
    if (e->state == GLIA_STATE_FAILED && !job->is_step) {
        /* The store failed while this slice ran (publish.c): the session stays failed,
         * with its reason, and nothing more is written for it. */
        e->pause_requested = e->cancel_requested = 0;
        glia_handle_all(srv, waiters);
        glia_entry_unref(e);
        job_free(job);
        return;
    }

    c = glia_commit_begin(srv, e);
    if (c == NULL) {
        /* Out of memory: nothing can be published; stop the run. */
        e->state = GLIA_STATE_FAILED;
        snprintf(e->error, sizeof(e->error), "out of memory");
        if (job->req) {
            glia_request_reply_problem(job->req, glia_problem(500, "internal", "out of memory"));
            glia_request_finish(job->req);
        }
        glia_handle_all(srv, waiters); /* they see the failed state */
        glia_entry_unref(e);
        job_free(job);
        return;
    }
    glia_commit_trajectory(c, 0); /* the points the core recorded during the job */

    if (job->rc != 0) {
        glia_commit_state(c, GLIA_STATE_FAILED, "out of memory while learning");
        glia_commit_checkpoint(c);
        if (job->req != NULL) {
            glia_commit_reply(c, job->req, 500,
                              glia_problem(500, "internal", "out of memory while stepping"));
            job->req = NULL;
        }
    } else if (job->is_step) {
        glia_commit_row(c);
        glia_commit_progress(c);
        glia_commit_checkpoint(c);
        glia_commit_reply(c, job->req,
                          200, json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "name", e->name,
                                         "episode", (json_int_t)e->counters.episodes, "steps_total",
                                         (json_int_t)e->counters.steps, "accepted",
                                         (json_int_t)e->counters.accepted, "rejected",
                                         (json_int_t)e->counters.rejected, "steps",
                                         json_incref(job->records)));
        job->req = NULL;
    } else if (e->counters.episodes >= e->target_episodes) {
        glia_commit_trajectory(c, 1); /* and the run's last episode */
        glia_commit_progress(c);
        glia_commit_state(c, GLIA_STATE_COMPLETED, NULL);
        glia_commit_checkpoint(c);
    } else if (e->cancel_requested) {
        glia_commit_trajectory(c, 1);
        glia_commit_progress(c);
        glia_commit_state(c, GLIA_STATE_CANCELLED, NULL);
        glia_commit_checkpoint(c);
    } else if (e->pause_requested) {
        glia_commit_progress(c);
        glia_commit_state(c, GLIA_STATE_PAUSED, NULL);
        glia_commit_checkpoint(c);
    } else if (atomic_load(&srv->is_shutting_down)) {
        /* Stays "running" in the store: a restart resumes from this checkpoint. */
        glia_commit_progress(c);
        glia_commit_row(c);
        glia_commit_checkpoint(c);
    } else {
        if (glia_now() - e->last_progress >= 0.5)
            glia_commit_progress(c);
        if (glia_now() - e->last_checkpoint >= srv->opt.checkpoint_seconds) {
            glia_commit_row(c);
            glia_commit_checkpoint(c);
        }
        again = 1;
    }
    e->pause_requested = e->cancel_requested = 0;
    /* Between slices the loop owns the session: reads waiting for it are served now,
     * before the next slice takes it. Requests that change state (pause, cancel, ...)
     * are dispatched again once this commit is stored, so they see its state. */
    {
        glia_request_t *changes = NULL, **tail = &changes;
        while (waiters) {
            glia_request_t *r = waiters;
            waiters = r->next;
            r->next = NULL;
            if (glia_is_read_route(r->match.route)) {
                glia_handle(srv, r);
            } else {
                *tail = r;
                tail = &r->next;
            }
        }
        glia_commit_redispatch(c, changes);
    }
    glia_commit_submit(c);
    if (again)
        glia_runner_schedule(srv, e);
    else if (e->experiment[0] != '\0')
        glia_experiments_session_changed(srv, e);
    glia_entry_unref(e);
    job_free(job);
}

static glia_job_t *job_new(glia_server_t *srv, glia_entry_t *e)
{
    glia_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return NULL;
    job->records = json_array();
    if (job->records == NULL) {
        job_free(job);
        return NULL;
    }
    job->srv = srv;
    job->e = e;
    job->work.data = job;
    return job;
}

static int submit(glia_server_t *srv, glia_entry_t *e, glia_job_t *job)
{
    glia_entry_ref(e);
    e->in_worker = 1;
    srv->jobs_in_flight++;
    atomic_fetch_add(&srv->stats.jobs_queued, 1);
    if (uv_queue_work(&srv->loop, &job->work, work_cb, after_cb) != 0) {
        atomic_fetch_sub(&srv->stats.jobs_queued, 1);
        srv->jobs_in_flight--;
        e->in_worker = 0;
        glia_entry_unref(e);
        job_free(job);
        return -1;
    }
    e->queued = &job->work;
    return 0;
}

void glia_runner_schedule(glia_server_t *srv, glia_entry_t *e)
{
    glia_job_t *job = job_new(srv, e);

    if (job != NULL) {
        job->target = e->target_episodes;
        job->budget = srv->opt.slice_ms / 1000.0;
        if (submit(srv, e, job) == 0)
            return;
    }
    {
        glia_commit_t *c = glia_commit_begin(srv, e);
        if (c != NULL) {
            glia_commit_state(c, GLIA_STATE_FAILED, "cannot schedule work: out of memory");
            glia_commit_submit(c);
        }
    }
}

int glia_runner_step(glia_server_t *srv, glia_entry_t *e, glia_request_t *req, int steps)
{
    glia_job_t *job = job_new(srv, e);

    if (job == NULL)
        return -1;
    job->is_step = 1;
    job->req = req;
    job->steps_requested = steps;
    return submit(srv, e, job);
}

void glia_runner_stop(glia_server_t *srv, glia_entry_t *e)
{
    (void)srv;
    atomic_store(&e->stop_flag, 1);
    if (e->queued != NULL)
        uv_cancel((uv_req_t *)e->queued); /* fails harmlessly once the job has started */
}
