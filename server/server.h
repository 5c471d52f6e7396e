/* server.h: gliad's shared types: the server, session entries, requests, jobs.
 *
 * Threads and who owns what (the design in one place):
 *
 *   loop thread     one libuv loop. Owns the registry's membership, every entry's
 *                   loop-only fields (the glia_session_t when no job holds it, state,
 *                   targets, waiters) and the order of store operations. Handles every
 *                   request that changes or reads learning state.
 *   worker pool     libuv's pool runs jobs (glia_job_t): a slice of a run or a step
 *                   request. While a job runs, it alone touches its entry's session.
 *   HTTP threads    libmicrohttpd. They never touch a session. They answer from
 *                   published data (summary, trajectory, event ring; guarded by the
 *                   entry's mutex) or suspend the connection and post the request to
 *                   the loop's inbox (uv_async_send); the loop resumes it when the
 *                   response is stored.
 *   store thread    the only SQLite writer (store_sqlite.c). The loop queues
 *                   operations; each completes back on the loop, and only then is what
 *                   it wrote published (so nothing a client has seen can be lost).
 *
 * Lock order: registry lock -> entry mu; entry clients_mu (or the server's sse_mu) ->
 * SSE client mu -> entry mu. No lock is held while calling into the store or MHD,
 * except an SSE client's own mutex around MHD_suspend_connection and
 * MHD_resume_connection (see events.c).
 */
#ifndef GLIA_SERVER_H
#define GLIA_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "../api/requests.h"
#include "../api/router.h"
#include "../core/session.h"

struct glia_store;
struct glia_sse_client;

enum glia_state {
    GLIA_STATE_IDLE = 0,
    GLIA_STATE_RUNNING,
    GLIA_STATE_PAUSED,
    GLIA_STATE_COMPLETED,
    GLIA_STATE_FAILED,
    GLIA_STATE_CANCELLED,
    GLIA_STATE_COUNT
};

const char *glia_state_name(int state);
int glia_state_from_name(const char *name); /* -1 if unknown */

enum glia_event_type {
    GLIA_EV_STATE = 0,
    GLIA_EV_PROGRESS,
    GLIA_EV_METRICS,
    GLIA_EV_OUTPUTS,
    GLIA_EV_COUNT
};

const char *glia_event_name(int type);
int glia_event_from_name(const char *name);

/* One published event: `data` is its JSON text (owned). */
typedef struct glia_event {
    uint64_t id;
    int type;
    char *data;
} glia_event_t;

#define GLIA_EVENT_RING 2048 /* events kept in memory per session; older come from the store */

typedef struct glia_options {
    char listen[256];
    int workers;
    int http_threads;
    char data_dir[1024];
    char token[512];
    int max_sessions;
    size_t max_body_bytes;
    int log_json;
    double checkpoint_seconds;
    int slice_ms;
    int max_connections;
    int max_exported;
    uint64_t max_db_bytes;  /* 0: no quota */
    char port_file[1024];
} glia_options_t;

typedef struct glia_entry glia_entry_t;
typedef struct glia_server glia_server_t;

/* A session hosted by the daemon. */
struct glia_entry {
    char name[GLIA_NAME_MAX + 1];
    atomic_int refs;

    /* Published: read by any thread under `mu`; written by the loop thread. */
    pthread_mutex_t mu;
    json_t *summary;       /* immutable once published; replaced whole */
    json_t **points;       /* published trajectory points (immutable JSON), episode order */
    size_t n_points, cap_points;
    glia_event_t ring[GLIA_EVENT_RING];
    uint64_t next_event_id; /* ids in the ring: [max(1, next - RING), next) */
    uint64_t last_state_event;
    pthread_mutex_t clients_mu; /* guards `clients` (see events.c for the lock order) */
    struct glia_sse_client *clients;
    int is_closed;         /* deleted or the server is stopping: streams end */
    int is_running;        /* published state == running */
    int is_deleting;       /* a delete is being stored: treat as gone */
    atomic_int pub_state;  /* published state, for list filters and gauges */

    /* Loop thread only. */
    uint64_t next_assign_id;  /* next event id to hand out (published on commit) */
    glia_session_t *session;
    json_t *config_json;   /* the resolved config, as served */
    char preset[32];
    uint32_t seed;
    int state;
    int is_exported;
    char experiment[GLIA_NAME_MAX + 1];
    char error[256];
    uint64_t target_episodes;
    int in_worker;         /* a job holds the session */
    uv_work_t *queued;     /* the job's work request while it may still be cancelled */
    int pause_requested, cancel_requested, is_deleted;
    int is_broken;         /* could not be restored: nothing may run or read it */
    atomic_int stop_flag;  /* read by the job: end the slice now */
    struct glia_request *waiters; /* requests to re-dispatch when the job returns */
    glia_counters_t counters;
    double steps_per_second;
    json_t *latest_point;     /* newest point committed or being committed */
    uint64_t published_upto;  /* points up to this episode are stored (dedupe on recovery) */
    int has_published_points;
    double last_checkpoint;   /* monotonic seconds */
    double last_progress;     /* monotonic seconds of the last progress event */
    double created_at, updated_at; /* wall clock, seconds */
    uint64_t flushed_steps, flushed_accepted, flushed_rejected; /* counted into totals */
};

/* An HTTP request on its way through the server. */
typedef struct glia_request {
    glia_server_t *srv;
    struct MHD_Connection *conn;
    char method[8];
    char path[256];
    glia_route_match_t match;
    int match_status;      /* GLIA_MATCH_* */
    char allow[64];
    int is_authorized;

    char *body;
    size_t body_len, body_cap;
    int is_too_big;
    json_t *json;          /* parsed body, NULL when empty */

    int n_query;
    char *query_keys[16], *query_values[16];
    int query_overflow;
    char last_event_id[32];

    /* Response, filled by whichever thread answers. */
    int status;
    char *resp_body;
    size_t resp_len;
    const char *resp_type;
    char location[160];
    int is_ready;
    int is_suspended;
    int is_stream;         /* answered with a stream (events) */

    /* Parsed and validated once, on the loop's first dispatch (handlers.c). */
    int is_parsed;
    int steps;                  /* step */
    uint64_t episodes;          /* run */
    int with_synapses;          /* network */
    glia_session_spec_t *spec;  /* create, PUT config */
    glia_session_t *loaded;     /* create from a snapshot */

    uint64_t start_ns;
    struct glia_request *next; /* inbox or an entry's waiters */
} glia_request_t;

/* Server-wide counters for /metrics (all atomics; any thread). */
#define GLIA_LATENCY_BUCKETS 12
#define GLIA_CKPT_BUCKETS    10
typedef struct glia_stats {
    atomic_uint_fast64_t requests[GLIA_ROUTE_COUNT + 1][5]; /* [route][status class 1xx..5xx] */
    atomic_uint_fast64_t latency_bucket[GLIA_LATENCY_BUCKETS + 1];
    atomic_uint_fast64_t latency_count;
    atomic_uint_fast64_t latency_sum_us;
    atomic_int sse_streams;
    atomic_int jobs_queued;
    atomic_int jobs_running;
    atomic_uint_fast64_t ckpt_bucket[GLIA_CKPT_BUCKETS + 1];
    atomic_uint_fast64_t ckpt_count;
    atomic_uint_fast64_t ckpt_sum_us;
    atomic_uint_fast64_t store_errors;
    atomic_uint_fast64_t steps_total, accepted_total, rejected_total;
} glia_stats_t;

struct glia_server {
    glia_options_t opt;
    uv_loop_t loop;
    uv_async_t inbox_async;
    uv_signal_t sigterm, sigint;
    uv_timer_t keepalive_timer;
    uv_timer_t shutdown_timer;
    struct MHD_Daemon *mhd;
    int listen_fd;
    int port;

    pthread_mutex_t inbox_mu;
    glia_request_t *inbox, *inbox_tail;

    /* Registry: entries sorted by name. Written by the loop under the write lock. */
    pthread_rwlock_t reg_lock;
    glia_entry_t **entries;
    size_t n_entries, cap_entries;

    struct glia_store *store;

    pthread_mutex_t sse_mu; /* guards the list of all stream clients (keepalive) */
    struct glia_sse_client *all_clients;

    atomic_int is_shutting_down;
    int jobs_in_flight;     /* loop thread */
    double started_at;
    glia_stats_t stats;
    void *experiments;      /* experiments.c state */
};

/* flags.c */
int glia_options_parse(int argc, char **argv, glia_options_t *opt);

/* time */
double glia_now(void);       /* monotonic seconds */
double glia_wall(void);      /* wall clock seconds since the epoch */
uint64_t glia_now_ns(void);
void glia_format_time(double wall, char *out, size_t size); /* RFC 3339 UTC */

/* registry.c */
glia_entry_t *glia_entry_new(const char *name);
void glia_entry_ref(glia_entry_t *e);
void glia_entry_unref(glia_entry_t *e);
/* Append a published point (takes a reference). Caller holds e->mu. 0 or GLIA_ENOMEM. */
int glia_entry_add_point(glia_entry_t *e, json_t *point);
glia_entry_t *glia_registry_get(glia_server_t *srv, const char *name); /* new ref or NULL */
int glia_registry_add(glia_server_t *srv, glia_entry_t *e);            /* loop; takes a ref */
void glia_registry_remove(glia_server_t *srv, glia_entry_t *e);        /* loop; drops it */
size_t glia_registry_count(glia_server_t *srv);
/* Up to `limit` entries with name > after (NULL: from the start) matching state (-1: any),
 * as new references into `out`. Sets *more when entries remain. */
size_t glia_registry_page(glia_server_t *srv, const char *after, int state, size_t limit,
                          glia_entry_t **out, int *more);

/* http.c */
int glia_http_start(glia_server_t *srv);
void glia_http_stop(glia_server_t *srv);
void glia_request_reply_json(glia_request_t *req, int status, json_t *body); /* steals body */
void glia_request_reply_problem(glia_request_t *req, json_t *problem);     /* steals */
void glia_request_reply_text(glia_request_t *req, int status, const char *type, char *text,
                             size_t len); /* steals text */
void glia_request_finish(glia_request_t *req); /* loop: resume the suspended connection */
const char *glia_request_query(const glia_request_t *req, const char *key);

/* handlers.c (loop thread) */
void glia_handle(glia_server_t *srv, glia_request_t *req);
void glia_handle_all(glia_server_t *srv, glia_request_t *list); /* each of a linked list */
void glia_handle_direct(glia_server_t *srv, glia_request_t *req); /* HTTP thread: published data only */
int glia_is_direct_route(int route);
int glia_is_read_route(int route); /* loop routes that only read the session */
/* Create a session (and, with episodes > 0, start running it) without a request: used
 * by experiments. Returns the entry (borrowed: the registry holds it) or NULL with a
 * reason. */
glia_entry_t *glia_session_create_run(glia_server_t *srv, const char *name, const char *preset,
                                      const glia_config_t *cfg, uint32_t seed,
                                      const char *experiment, uint64_t episodes, char *why,
                                      size_t why_size);
void glia_session_cancel(glia_server_t *srv, glia_entry_t *e);
/* Delete a session; answers `req` (may be NULL) with 204 once stored. */
void glia_session_delete(glia_server_t *srv, glia_entry_t *e, glia_request_t *req);
json_t *glia_entry_summary(glia_server_t *srv, glia_entry_t *e, int with_config);

/* runner.c (loop thread) */
void glia_runner_schedule(glia_server_t *srv, glia_entry_t *e);
int glia_runner_step(glia_server_t *srv, glia_entry_t *e, glia_request_t *req, int steps);
void glia_runner_stop(glia_server_t *srv, glia_entry_t *e); /* cancel a queued slice */

/* events.c */
/* Publish events as stored: an array of {"id", "type", "data"}. Caller holds e->mu. */
void glia_events_push(glia_entry_t *e, const json_t *events);
void glia_events_wake(glia_server_t *srv, glia_entry_t *e);
int glia_events_serve(glia_server_t *srv, glia_request_t *req, glia_entry_t *e);
void glia_events_keepalive(glia_server_t *srv);
void glia_events_close_all(glia_server_t *srv);

/* metrics.c */
void glia_stats_request(glia_server_t *srv, int route, int status, uint64_t duration_ns,
                        int is_stream);
void glia_stats_checkpoint(glia_server_t *srv, double seconds);
char *glia_metrics_render(glia_server_t *srv, size_t *len);

/* log.c */
void glia_log_init(int json);
void glia_log(const char *level, const char *session, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void glia_log_request(const char *method, const char *path, const char *route, int status,
                      double seconds);

/* serve.c */
int glia_serve(int argc, char **argv);

#endif
