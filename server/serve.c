/* serve.c: the daemon's life: start, recover, serve, shut down.
 *
 * Start: options, store (refusing bad data dirs), every stored session back into the
 * registry (sessions that were running continue from their last checkpoint), then the
 * HTTP listener. Shutdown on SIGTERM/SIGINT: stop accepting, let running slices finish
 * and checkpoint (they stay "running" in the store, so a restart resumes them), answer
 * what is waiting, end streams, wait for connections to drain, stop. Exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/config_json.h"
#include "experiments.h"
#include "publish.h"
#include "server.h"
#include "store.h"

#define DRAIN_SECONDS 5.0

static void inbox_cb(uv_async_t *h)
{
    glia_server_t *srv = h->data;
    glia_request_t *list;

    pthread_mutex_lock(&srv->inbox_mu);
    list = srv->inbox;
    srv->inbox = srv->inbox_tail = NULL;
    pthread_mutex_unlock(&srv->inbox_mu);
    glia_handle_all(srv, list);
}

static void keepalive_cb(uv_timer_t *t)
{
    glia_events_keepalive(t->data);
}

static void checkpoint_timing_cb(double seconds, void *arg)
{
    glia_stats_checkpoint(arg, seconds);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static double drain_started;
static int drain_phase;

static void shutdown_tick(uv_timer_t *t)
{
    glia_server_t *srv = t->data;
    const union MHD_DaemonInfo *info;

    if (drain_phase == 0) {
        /* Phase 0: learning work and store writes finish. */
        inbox_cb(&srv->inbox_async);
        if (srv->jobs_in_flight > 0 || !glia_store_idle(srv->store))
            return;
        glia_events_close_all(srv);
        drain_phase = 1;
        drain_started = glia_now();
        return;
    }
    /* Phase 1: streams end and connections drain (bounded). */
    inbox_cb(&srv->inbox_async);
    glia_events_close_all(srv);
    info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (info != NULL && info->num_connections > 0 && glia_now() - drain_started < DRAIN_SECONDS)
        return;
    uv_timer_stop(t);
    glia_http_stop(srv);
    glia_experiments_stop(srv);
    glia_store_close(srv->store);
    srv->store = NULL;
    uv_walk(&srv->loop, close_walk_cb, NULL);
    glia_log("info", NULL, "stopped");
}

static void signal_cb(uv_signal_t *h, int signum)
{
    glia_server_t *srv = h->data;

    if (atomic_exchange(&srv->is_shutting_down, 1)) {
        glia_log("warn", NULL, "second signal: exiting now");
        _exit(1);
    }
    glia_log("info", NULL, "%s: shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    srv->listen_fd = MHD_quiesce_daemon(srv->mhd); /* stop accepting; we close it at the end */
    pthread_rwlock_rdlock(&srv->reg_lock);
    for (size_t i = 0; i < srv->n_entries; i++) {
        glia_entry_t *e = srv->entries[i];
        if (e->in_worker)
            glia_runner_stop(srv, e);
    }
    pthread_rwlock_unlock(&srv->reg_lock);
    uv_timer_start(&srv->shutdown_timer, shutdown_tick, 0, 20);
}

/* ---- recovery --------------------------------------------------------------------- */

static int restore_cb(const glia_stored_session_t *ss, void *arg)
{
    glia_server_t *srv = arg;
    glia_entry_t *e = glia_entry_new(ss->row.name);
    glia_error_t err;
    json_error_t jerr;
    json_t *cfg_json;
    glia_config_t cfg;
    int rc;

    if (e == NULL)
        return -1;
    glia_error_clear(&err);
    snprintf(e->preset, sizeof(e->preset), "%s", ss->row.preset);
    snprintf(e->experiment, sizeof(e->experiment), "%s", ss->row.experiment);
    snprintf(e->error, sizeof(e->error), "%s", ss->row.error);
    e->seed = ss->row.seed;
    e->state = ss->row.state;
    e->target_episodes = ss->row.target_episodes;
    e->is_exported = ss->row.is_exported;
    e->created_at = ss->row.created_at;
    e->updated_at = ss->row.updated_at;

    cfg_json = json_loads(ss->row.config, JSON_REJECT_DUPLICATES, &jerr);
    if (ss->ckpt != NULL && ss->ckpt_len > 0)
        rc = glia_session_load(ss->ckpt, ss->ckpt_len, &e->session, &err);
    else {
        glia_config_default(&cfg);
        rc = cfg_json ? glia_config_apply_json(&cfg, cfg_json, "", &err) : GLIA_EFORMAT;
        if (rc == 0)
            rc = glia_session_new(&cfg, e->seed, &e->session, &err);
    }
    if (rc != 0) {
        /* Keep the session visible, marked failed and broken, rather than refuse to
         * start: it serves its summary, points and events but never runs, and its rows
         * stay as they are until it is deleted. */
        e->is_broken = 1;
        e->state = GLIA_STATE_FAILED;
        snprintf(e->error, sizeof(e->error), "could not be restored: %.200s",
                 err.message[0] ? err.message
                 : cfg_json == NULL ? "its stored config is not readable JSON"
                                    : "unreadable checkpoint");
        glia_log("error", e->name, "%s", e->error);
    }
    e->config_json = cfg_json ? cfg_json : json_object();
    if (e->session != NULL)
        glia_session_counters(e->session, &e->counters);

    for (size_t i = 0; i < json_array_size(ss->points); i++) {
        json_t *p = json_array_get(ss->points, i);
        if (glia_entry_add_point(e, p) != 0)
            break;
        json_decref(e->latest_point);
        e->latest_point = json_incref(p);
        e->published_upto = (uint64_t)json_integer_value(json_object_get(p, "episode"));
        e->has_published_points = 1;
    }
    glia_events_push(e, ss->events); /* not yet visible to any thread: no lock needed */
    e->next_event_id = e->next_assign_id = ss->next_event_id;
    e->summary = glia_entry_summary(srv, e, 1);
    atomic_store(&e->pub_state, e->state);
    e->is_running = e->state == GLIA_STATE_RUNNING;
    e->last_checkpoint = glia_now();
    if (glia_registry_add(srv, e) != 0) {
        glia_entry_unref(e);
        return -1;
    }
    glia_entry_unref(e);
    return 0;
}

static void resume_running(glia_server_t *srv)
{
    size_t resumed = 0;
    for (size_t i = 0; i < srv->n_entries; i++) {
        glia_entry_t *e = srv->entries[i];
        if (e->state == GLIA_STATE_RUNNING && !e->is_broken) {
            glia_log("info", e->name, "resuming at episode %llu of %llu",
                     (unsigned long long)e->counters.episodes,
                     (unsigned long long)e->target_episodes);
            glia_runner_schedule(srv, e);
            resumed++;
        }
    }
    if (resumed > 0)
        glia_log("info", NULL, "resumed %zu running sessions", resumed);
}

int glia_serve(int argc, char **argv)
{
    static glia_server_t server; /* one per process; lives until exit */
    glia_server_t *srv = &server;
    char msg[1024], env[32];
    int rc;
    double t0;

    rc = glia_options_parse(argc, argv, &srv->opt);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    glia_log_init(srv->opt.log_json);
    signal(SIGPIPE, SIG_IGN);
    json_object_seed(0);
    snprintf(env, sizeof(env), "%d", srv->opt.workers);
    setenv("UV_THREADPOOL_SIZE", env, 1); /* read once, at the pool's first use */
    srv->started_at = glia_now();
    srv->listen_fd = -1;
    pthread_mutex_init(&srv->inbox_mu, NULL);
    pthread_mutex_init(&srv->sse_mu, NULL);
    pthread_rwlock_init(&srv->reg_lock, NULL);
    uv_loop_init(&srv->loop);

    if (glia_store_open(srv->opt.data_dir, srv->opt.max_db_bytes, &srv->loop, &srv->store, msg,
                        sizeof(msg)) != 0) {
        glia_log("error", NULL, "%s", msg);
        fprintf(stderr, "gliad: %s\n", msg);
        return 1;
    }
    glia_store_set_timing_cb(srv->store, checkpoint_timing_cb, srv);
    t0 = glia_now();
    if (glia_store_load(srv->store, GLIA_EVENT_RING, restore_cb, srv) != 0) {
        glia_log("error", NULL, "cannot read the sessions in %s", srv->opt.data_dir);
        fprintf(stderr, "gliad: cannot read the sessions in %s\n", srv->opt.data_dir);
        return 1;
    }
    if (glia_experiments_start(srv) != 0) {
        fprintf(stderr, "gliad: cannot read the experiments in %s\n", srv->opt.data_dir);
        return 1;
    }
    glia_log("info", NULL, "recovered %zu sessions from %s in %.3f s", srv->n_entries,
             srv->opt.data_dir, glia_now() - t0);

    uv_async_init(&srv->loop, &srv->inbox_async, inbox_cb);
    srv->inbox_async.data = srv;
    uv_timer_init(&srv->loop, &srv->keepalive_timer);
    srv->keepalive_timer.data = srv;
    uv_timer_start(&srv->keepalive_timer, keepalive_cb, 15000, 15000);
    uv_timer_init(&srv->loop, &srv->shutdown_timer);
    srv->shutdown_timer.data = srv;
    uv_signal_init(&srv->loop, &srv->sigterm);
    uv_signal_init(&srv->loop, &srv->sigint);
    srv->sigterm.data = srv->sigint.data = srv;
    uv_signal_start(&srv->sigterm, signal_cb, SIGTERM);
    uv_signal_start(&srv->sigint, signal_cb, SIGINT);

    if (glia_http_start(srv) != 0) {
        fprintf(stderr, "gliad: cannot listen on %s (see the log above)\n", srv->opt.listen);
        return 2;
    }
    glia_log("info", NULL, "listening on %s (port %d), %d workers, data dir %s",
             srv->opt.listen, srv->port, srv->opt.workers, srv->opt.data_dir);
    if (srv->opt.port_file[0]) {
        /* Written whole, then renamed: a reader never sees half a number. */
        char tmp[1100];
        FILE *f;
        snprintf(tmp, sizeof(tmp), "%.1000s.tmp", srv->opt.port_file);
        f = fopen(tmp, "w");
        if (f != NULL) {
            fprintf(f, "%d\n", srv->port);
            fclose(f);
            rename(tmp, srv->opt.port_file);
        }
    }
    resume_running(srv);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    uv_loop_close(&srv->loop);
    return 0;
}
