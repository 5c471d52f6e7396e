/* runner.c: see runner.h. Results never depend on where slices are cut: the core is
 * deterministic step by step. */
#include "server/sessions/runner.h"

#include <stdlib.h>

#include "api/result_json.h"
#include "server/log.h"
#include "server/sessions/entry.h"

enum { JOB_SLICE, JOB_READ, JOB_CALL };

typedef struct glia_job {
    uv_work_t work;
    glia_server_t *srv;
    glia_entry_t *e; /* NULL for a call */
    int kind;
    glia_job_spec_t spec;
    glia_job_result_t result;
    glia_job_done_cb cb;                         /* slice */
    void (*read_fn)(glia_entry_t *e, void *arg); /* read */
    void (*read_done)(glia_server_t *srv, glia_entry_t *e, void *arg);
    void (*call_fn)(void *arg); /* call */
    void (*call_done)(glia_server_t *srv, void *arg);
    void *arg;
    struct glia_job *next; /* waiting for the session (e->next_jobs) */
} glia_job_t;

static void slice(glia_job_t *job)
{
    glia_session_t *s = job->e->session;
    const glia_job_spec_t *spec = &job->spec;
    glia_job_result_t *r = &job->result;
    double t0 = glia_now(), last = t0;
    uint64_t check_at = 1, stride = 1;
    glia_step_info_t info;
    glia_counters_t k;
    uint64_t chunk = 1;

    glia_session_counters(s, &k);
    if (spec->budget > 0 && atomic_load(&job->e->stop_flag))
        return; /* stopped before it began */
    while ((!spec->has_target || k.episodes < spec->target_episodes) &&
           (spec->max_steps == 0 || r->steps_done < (uint64_t)spec->max_steps) &&
           !glia_session_spent(s, spec->query_budget)) {
        if (spec->with_records) {
            if ((r->rc = glia_session_step(s, &info)) != 0)
                break;
            r->steps_done++;
            json_array_append_new(r->records, glia_step_to_json(s, &info));
            if (info.episode_done)
                k.episodes = info.episode + 1;
        } else {
            /* Steps in chunks through glia_session_advance: a chunk that runs on to the
             * end of an episode spares the core the previous episode's inference, which
             * nobody reads. A chunk doubles (up to 1024 steps) while one takes under a
             * millisecond and halves (down to one step) when it takes longer, so on a big
             * network the budget and the stop flag are still seen after every step. */
            uint64_t n = chunk;
            double c0 = glia_now(), dt;
            int64_t done;
            if (spec->max_steps > 0 && n > (uint64_t)spec->max_steps - r->steps_done)
                n = (uint64_t)spec->max_steps - r->steps_done;
            done = glia_session_advance_to(
                s, n, spec->has_target ? spec->target_episodes - 1 : UINT64_MAX,
                spec->query_budget);
            if (done < 0) {
                r->rc = (int)done;
                break;
            }
            r->steps_done += (uint64_t)done;
            glia_session_counters(s, &k);
            dt = glia_now() - c0;
            if (dt < 1e-3 && chunk < 1024)
                chunk *= 2;
            else if (dt > 1e-3 && chunk > 1)
                chunk /= 2;
        }
        if (spec->budget <= 0)
            continue;
        if (atomic_load_explicit(&job->e->stop_flag, memory_order_relaxed))
            break;
        /* The clock every `stride` steps: 16 while steps are fast, down to every step when
         * they are slow (a big network), so a slice ends on time either way. */
        if (r->steps_done >= check_at) {
            double now = glia_now();
            if (now - t0 >= spec->budget)
                break;
            stride = now - last < spec->budget / 16 ? (stride < 16 ? 2 * stride : 16) : 1;
            last = now;
            check_at = r->steps_done + stride;
        }
    }
}

static void work_cb(uv_work_t *w)
{
    glia_job_t *job = w->data;
    double t0 = glia_now();

    atomic_fetch_sub(&job->srv->stats.jobs_queued, 1);
    atomic_fetch_add(&job->srv->stats.jobs_running, 1);
    switch (job->kind) {
    case JOB_SLICE:
        slice(job);
        break;
    case JOB_READ:
        job->read_fn(job->e, job->arg);
        break;
    default:
        job->call_fn(job->arg);
        break;
    }
    job->result.elapsed = glia_now() - t0;
    atomic_fetch_sub(&job->srv->stats.jobs_running, 1);
}

static void job_free(glia_job_t *job)
{
    json_decref(job->result.records);
    free(job);
}

static void after_cb(uv_work_t *w, int status);

/* Hand the job to the pool. 0 or GLIA_ENOMEM. */
static int start(glia_job_t *job)
{
    glia_server_t *srv = job->srv;

    atomic_fetch_add(&srv->stats.jobs_queued, 1);
    if (uv_queue_work(&srv->loop, &job->work, work_cb, after_cb) != 0) {
        atomic_fetch_sub(&srv->stats.jobs_queued, 1);
        return GLIA_ENOMEM;
    }
    if (job->e != NULL)
        job->e->queued = &job->work;
    return 0;
}

/* Start the next job waiting for e's session, if nothing holds it. A job that cannot be
 * started is reported as never ran. */
static void start_next(glia_entry_t *e)
{
    while (e->next_jobs != NULL && e->queued == NULL) {
        glia_job_t *job = e->next_jobs;
        e->next_jobs = job->next;
        job->next = NULL;
        if (start(job) == 0)
            return;
        after_cb(&job->work, UV_ECANCELED); /* never queued: reported as cancelled */
    }
}

static void after_cb(uv_work_t *w, int status)
{
    glia_job_t *job = w->data;
    glia_server_t *srv = job->srv;
    glia_entry_t *e = job->e;

    srv->jobs_in_flight--;
    if (status == UV_ECANCELED) {
        if (e == NULL || e->queued == w)
            atomic_fetch_sub(&srv->stats.jobs_queued, 1); /* cancelled before it started */
        job->result.never_ran = 1;
    }
    if (e == NULL) {
        job->call_done(srv, job->arg);
        job_free(job);
        return;
    }
    if (e->queued == w)
        e->queued = NULL;
    e->in_worker = e->next_jobs != NULL;
    /* While the callback runs, jobs it submits queue behind those already waiting. */
    e->in_job_cb = 1;
    if (job->kind == JOB_SLICE)
        job->cb(srv, e, &job->result, job->arg);
    else
        job->read_done(srv, e, job->arg);
    e->in_job_cb = 0;
    start_next(e);
    if (job->kind == JOB_READ) {
        /* The session is free again (or held by the next job): requests that waited for
         * it are dispatched again and see which. */
        if (srv->hooks.job_returned_cb != NULL)
            srv->hooks.job_returned_cb(srv, e);
        if (srv->hooks.job_committed_cb != NULL)
            srv->hooks.job_committed_cb(srv, e);
    }
    glia_entry_unref(e);
    job_free(job);
}

/* Queue `job` on its entry: at once when nothing holds the session, else behind. */
static int submit(glia_job_t *job)
{
    glia_server_t *srv = job->srv;
    glia_entry_t *e = job->e;

    glia_entry_ref(e);
    srv->jobs_in_flight++;
    if (e->queued != NULL || e->next_jobs != NULL || (e->in_worker && !e->in_job_cb)) {
        glia_job_t **tail = &e->next_jobs;
        while (*tail)
            tail = &(*tail)->next;
        *tail = job;
    } else if (start(job) != 0) {
        srv->jobs_in_flight--;
        glia_entry_unref(e);
        return GLIA_ENOMEM;
    }
    e->in_worker = 1;
    return 0;
}

int glia_runner_submit(glia_server_t *srv, glia_entry_t *e, const glia_job_spec_t *spec,
                       glia_job_done_cb cb, void *arg)
{
    glia_job_t *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return GLIA_ENOMEM;
    if (spec->with_records && (job->result.records = json_array()) == NULL) {
        job_free(job);
        return GLIA_ENOMEM;
    }
    job->srv = srv;
    job->e = e;
    job->kind = JOB_SLICE;
    job->spec = *spec;
    job->cb = cb;
    job->arg = arg;
    job->work.data = job;
    if (submit(job) != 0) {
        job_free(job);
        return GLIA_ENOMEM;
    }
    return 0;
}

int glia_runner_read(glia_server_t *srv, glia_entry_t *e, void (*fn)(glia_entry_t *e, void *arg),
                     void (*done)(glia_server_t *srv, glia_entry_t *e, void *arg), void *arg)
{
    glia_job_t *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return GLIA_ENOMEM;
    job->srv = srv;
    job->e = e;
    job->kind = JOB_READ;
    job->read_fn = fn;
    job->read_done = done;
    job->arg = arg;
    job->work.data = job;
    if (submit(job) != 0) {
        job_free(job);
        return GLIA_ENOMEM;
    }
    return 0;
}

int glia_runner_call(glia_server_t *srv, void (*fn)(void *arg),
                     void (*done)(glia_server_t *srv, void *arg), void *arg)
{
    glia_job_t *job = calloc(1, sizeof(*job));

    if (job == NULL)
        return GLIA_ENOMEM;
    job->srv = srv;
    job->kind = JOB_CALL;
    job->call_fn = fn;
    job->call_done = done;
    job->arg = arg;
    job->work.data = job;
    srv->jobs_in_flight++;
    if (start(job) != 0) {
        srv->jobs_in_flight--;
        job_free(job);
        return GLIA_ENOMEM;
    }
    return 0;
}

void glia_runner_stop(glia_server_t *srv, glia_entry_t *e)
{
    (void)srv;
    atomic_store(&e->stop_flag, 1);
    if (e->queued != NULL)
        uv_cancel((uv_req_t *)e->queued); /* fails harmlessly once the job has started */
}
