/* runner.c: see runner.h. Results never depend on where slices are cut: the core is
 * deterministic step by step. */
#include "runner.h"

#include <stdlib.h>

#include "../api/result_json.h"
#include "entry.h"
#include "log.h"

typedef struct glia_job {
    uv_work_t work;
    glia_server_t *srv;
    glia_entry_t *e;
    glia_job_spec_t spec;
    glia_job_result_t result;
    glia_job_done_cb cb;
    void *arg;
} glia_job_t;

static void work_cb(uv_work_t *w)
{
    glia_job_t *job = w->data;
    glia_session_t *s = job->e->session;
    const glia_job_spec_t *spec = &job->spec;
    glia_job_result_t *r = &job->result;
    double t0 = glia_now();
    glia_step_info_t info;
    glia_counters_t k;
    uint64_t chunk = 16;

    atomic_fetch_sub(&job->srv->stats.jobs_queued, 1);
    atomic_fetch_add(&job->srv->stats.jobs_running, 1);
    glia_session_counters(s, &k);
    while ((!spec->has_target || k.episodes < spec->target_episodes) &&
           (spec->max_steps == 0 || r->steps_done < (uint64_t)spec->max_steps)) {
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
             * nobody reads. Chunks start at 16 steps and double while one takes under a
             * millisecond, so the budget and the stop flag are still seen promptly. */
            uint64_t n = chunk;
            double c0 = glia_now();
            int64_t done;
            if (spec->max_steps > 0 && n > (uint64_t)spec->max_steps - r->steps_done)
                n = (uint64_t)spec->max_steps - r->steps_done;
            done = glia_session_advance(s, n,
                                        spec->has_target ? spec->target_episodes - 1 : UINT64_MAX);
            if (done < 0) {
                r->rc = (int)done;
                break;
            }
            r->steps_done += (uint64_t)done;
            glia_session_counters(s, &k);
            if (glia_now() - c0 < 1e-3 && chunk < 1024)
                chunk *= 2;
        }
        if (spec->budget > 0 && (spec->with_records ? (r->steps_done & 15) == 0 : 1) &&
            (glia_now() - t0 >= spec->budget || atomic_load(&job->e->stop_flag)))
            break;
    }
    r->elapsed = glia_now() - t0;
    atomic_fetch_sub(&job->srv->stats.jobs_running, 1);
}

static void job_free(glia_job_t *job)
{
    json_decref(job->result.records);
    free(job);
}

static void after_cb(uv_work_t *w, int status)
{
    glia_job_t *job = w->data;
    glia_server_t *srv = job->srv;
    glia_entry_t *e = job->e;

    e->in_worker = 0;
    e->queued = NULL;
    srv->jobs_in_flight--;
    if (status == UV_ECANCELED) {
        atomic_fetch_sub(&srv->stats.jobs_queued, 1); /* cancelled before it started */
        job->result.never_ran = 1;
    }
    job->cb(srv, e, &job->result, job->arg);
    glia_entry_unref(e);
    job_free(job);
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
    job->spec = *spec;
    job->cb = cb;
    job->arg = arg;
    job->work.data = job;
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
        return GLIA_ENOMEM;
    }
    e->queued = &job->work;
    return 0;
}

void glia_runner_stop(glia_server_t *srv, glia_entry_t *e)
{
    (void)srv;
    atomic_store(&e->stop_flag, 1);
    if (e->queued != NULL)
        uv_cancel((uv_req_t *)e->queued); /* fails harmlessly once the job has started */
}
