/* serve.c: the daemon's life: start, recover, serve, shut down.
 *
 * Start: options, store (refusing bad data dirs), every stored session back into the
 * registry (sessions that were running continue from their last checkpoint), then the
 * HTTP listener. This is the top of the house: it wires the layers together (the route
 * table for the transport, the hooks by which the lifecycle reports upward). Shutdown on
 * SIGTERM/SIGINT: stop accepting, let running slices finish and checkpoint (they stay
 * "running" in the store, so a restart resumes them), answer what is waiting, end
 * streams, wait for connections to drain, stop. Exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/flags.h"
#include "server/http/dispatch.h"
#include "server/http/http.h"
#include "server/http/streams.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/routes/routes.h"
#include "server/serve.h"
#include "server/sessions/lifecycle.h"
#include "server/sessions/registry.h"
#include "server/sessions/study.h"
#include "server/store/datadir_lock.h"
#include "server/store/store.h"

#define DRAIN_SECONDS 5.0

static void keepalive_cb(uv_timer_t *t)
{
    glia_streams_keepalive(t->data);
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
        glia_dispatch_drain(srv);
        if (srv->jobs_in_flight > 0 || !glia_store_idle(srv->store))
            return;
        glia_streams_close_all(srv);
        drain_phase = 1;
        drain_started = glia_now();
        return;
    }
    /* Phase 1: streams end and connections drain (bounded). */
    glia_dispatch_drain(srv);
    glia_streams_close_all(srv);
    info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (info != NULL && info->num_connections > 0 && glia_now() - drain_started < DRAIN_SECONDS)
        return;
    uv_timer_stop(t);
    glia_http_stop(srv);
    glia_study_stop(srv);
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
    glia_lifecycle_stop_all(srv);
    uv_timer_start(&srv->shutdown_timer, shutdown_tick, 0, 20);
}

static int restore_cb(const glia_stored_session_t *ss, void *arg)
{
    return glia_lifecycle_restore(arg, ss);
}

/* Refuse to start: say why, and leave the data dir as it was found. Returns 1. */
static int refuse(glia_server_t *srv, const char *msg)
{
    glia_log("error", NULL, "%s", msg);
    fprintf(stderr, "gliad: %s\n", msg);
    if (srv->store != NULL) {
        glia_store_close_untouched(srv->store);
        srv->store = NULL;
        uv_run(&srv->loop, UV_RUN_NOWAIT); /* the store's handle closes */
    }
    return 1;
}

/* Open the store and bring back what it holds. 0, or 1 after saying why. */
static int recover(glia_server_t *srv)
{
    glia_store_options_t so = {srv->opt.max_db_bytes, srv->opt.max_events, srv->opt.salvage};
    char msg[4096];
    double t0;
    int rc;

    if (glia_store_open_with(srv->opt.data_dir, &so, &srv->loop, &srv->store, msg, sizeof(msg)) !=
        0)
        return refuse(srv, msg);
    if (glia_store_salvage_report(srv->store)[0] != '\0')
        glia_log("warn", NULL, "--salvage: %s", glia_store_salvage_report(srv->store));
    else if (srv->opt.salvage)
        glia_log("info", NULL, "--salvage: the store is not damaged; nothing was changed");
    glia_store_set_timing_cb(srv->store, checkpoint_timing_cb, srv);
    t0 = glia_now();
    if ((rc = glia_store_load(srv->store, GLIA_EVENT_RING, restore_cb, srv)) != 0) {
        snprintf(msg, sizeof(msg), "%s",
                 rc == GLIA_EFORMAT ? glia_store_error(srv->store) : glia_strerror(rc));
        return refuse(srv, msg);
    }
    if ((rc = glia_study_start(srv)) != 0) {
        snprintf(msg, sizeof(msg), "%s",
                 rc == GLIA_EFORMAT ? glia_store_error(srv->store) : "cannot read the experiments");
        return refuse(srv, msg);
    }
    if (glia_store_begin(srv->store, msg, sizeof(msg)) != 0)
        return refuse(srv, msg);
    if (atomic_load(&srv->budget.used) > srv->budget.limit) {
        char used[32], limit[32];
        glia_format_bytes(atomic_load(&srv->budget.used), used, sizeof(used));
        glia_format_bytes(srv->budget.limit, limit, sizeof(limit));
        glia_log("warn", NULL,
                 "the stored sessions are counted for %s, more than --max-memory %s: new "
                 "sessions, runs and large replies are refused (507) until some are deleted",
                 used, limit);
    }
    glia_log("info", NULL, "recovered %zu sessions from %s in %.3f s",
             glia_registry_count(&srv->registry), srv->opt.data_dir, glia_now() - t0);
    return 0;
}

/* Written whole, then renamed: a reader never sees half a number. */
static void write_port_file(const glia_server_t *srv)
{
    char tmp[1100];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%.1000s.tmp", srv->opt.port_file);
    if ((f = fopen(tmp, "w")) != NULL) {
        fprintf(f, "%d\n", srv->port);
        fclose(f);
        rename(tmp, srv->opt.port_file);
    }
}

int glia_serve(int argc, char **argv)
{
    static glia_server_t server; /* one per process; lives until exit */
    glia_server_t *srv = &server;
    glia_datadir_lock_t *lock; /* held for the daemon's life */
    char env[32], msg[1400];
    int rc;

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
    srv->budget.limit = srv->opt.max_memory;
    atomic_init(&srv->budget.used, 0);
    srv->routes = glia_routes;
    srv->n_routes = glia_n_routes;
    srv->hooks.job_returned_cb = glia_dispatch_job_returned;
    srv->hooks.job_committed_cb = glia_dispatch_job_committed;
    srv->hooks.session_settled_cb = glia_study_session_settled;
    srv->hooks.events_published_cb = glia_streams_events_published;
    pthread_mutex_init(&srv->sse_mu, NULL);
    if (glia_registry_init(&srv->registry) != 0 || uv_loop_init(&srv->loop) != 0 ||
        glia_dispatch_start(srv) != 0) {
        fprintf(stderr, "gliad: out of memory\n");
        return 1;
    }
    /* One daemon per data dir: a second one stops here, before the store is touched. */
    if (glia_datadir_lock_take(srv->opt.data_dir, &lock, msg, sizeof(msg)) != 0)
        return refuse(srv, msg);
    if (recover(srv) != 0) {
        glia_datadir_lock_release_untouched(lock);
        return 1;
    }

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
        glia_datadir_lock_release(lock);
        return 2;
    }
    {
        char limit[32], used[32];
        glia_format_bytes(srv->budget.limit, limit, sizeof(limit));
        glia_format_bytes(atomic_load(&srv->budget.used), used, sizeof(used));
        glia_log("info", NULL,
                 "listening on %s (port %d), %d workers, data dir %s, memory budget %s (%s "
                 "held by the sessions)",
                 srv->opt.listen, srv->port, srv->opt.workers, srv->opt.data_dir, limit, used);
    }
    if (srv->opt.port_file[0])
        write_port_file(srv);
    glia_lifecycle_resume_running(srv);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    uv_loop_close(&srv->loop);
    glia_datadir_lock_release(lock);
    return 0;
}
