/* server.h: gliad's shared types: the server, session entries, requests.
 *
 * Threads and who owns what (the design in one place):
 *
 *   loop thread     one libuv loop. Owns the registry's membership, every entry's
 *                   loop-only fields (the glia_session_t when no job holds it, state,
 *                   targets, waiters) and the order of store operations. Handles every
 *                   request that changes or reads learning state.
 *   worker pool     libuv's pool runs jobs (runner.c): a slice of a run or a step
 *                   request. While a job runs, it alone touches its entry's session.
 *   HTTP threads    libmicrohttpd. They never touch a session. They answer from
 *                   published data (summary, trajectory, event ring; guarded by the
 *                   entry's mutex) or suspend the connection and post the request to
 *                   the loop's inbox (uv_async_send); the loop resumes it when the
 *                   response is stored.
 *   store thread    the only SQLite writer (store_write.c). The loop queues
 *                   operations; each completes back on the loop, and only then is what
 *                   it wrote published (so nothing a client has seen can be lost).
 *
 * Data flows down, answers come back through callbacks (like libuv's uv_work_t and its
 * after_work_cb):
 *
 *   http.c (transport) -> dispatch.c -> a route's handler (routes.c: one table)
 *   handlers -> lifecycle.c (the only writer of a session's state)
 *   lifecycle.c -> runner.c (slices on the pool)  -> job done callback
 *               -> commit.c (store, then publish) -> commit done callback
 *   lifecycle.c -> glia_hooks_t (set by serve.c): the dispatcher serves requests that
 *                  waited for a job; study.c records finished runs.
 *   commit.c -> glia_hooks_t: an entry's streams read on what was published.
 *
 * Lock order: registry lock -> entry mu; entry clients_mu (or the server's sse_mu) ->
 * stream mu -> entry mu. No lock is held while calling into the store or MHD, except a
 * stream's own mutex around MHD_suspend_connection and MHD_resume_connection (see
 * streams.c).
 */
#ifndef GLIA_SERVER_H
#define GLIA_SERVER_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "api/experiment_json.h"
#include "api/requests.h"
#include "api/router.h"
#include "core/session.h"
#include "server/budget.h"
#include "server/event_ring.h"
#include "server/queue.h"

struct glia_store;
struct glia_stream;
struct glia_conns;
struct glia_job;
struct glia_build;

enum glia_state {
    GLIA_STATE_IDLE = 0,
    GLIA_STATE_RUNNING,
    GLIA_STATE_PAUSED,
    GLIA_STATE_COMPLETED,
    GLIA_STATE_FAILED,
    GLIA_STATE_CANCELLED,
    GLIA_STATE_COUNT
};

typedef struct glia_options {
    char listen[256];
    int workers;
    int http_threads;
    char data_dir[1024];
    char token[512];
    int max_sessions;
    size_t max_body_bytes;
    size_t max_dataset_bytes; /* POST /v1/datasets: the body, and the body decompressed */
    int log_json;
    double checkpoint_seconds;
    int slice_ms;
    int max_connections;
    int max_exported;
    uint64_t max_db_bytes; /* 0: no quota */
    char port_file[1024];
    uint64_t max_memory;    /* the memory budget in bytes (see budget.h) */
    int max_points;         /* trajectory points a session may hold */
    int max_events;         /* events a session keeps stored (the oldest go first) */
    int max_conns_per_ip;   /* open connections from one client address (0: no limit) */
    double request_timeout; /* seconds for a request's line and headers, and for its body */
    int salvage;            /* start from a damaged store with what can be read */
} glia_options_t;

typedef struct glia_entry glia_entry_t;
typedef struct glia_server glia_server_t;
typedef struct glia_request glia_request_t;

/* A session hosted by the daemon (entry.c). */
struct glia_entry {
    char name[GLIA_NAME_MAX + 1];
    atomic_int refs;

    /* Published: read by any thread under `mu`; written by the loop thread (commit.c). */
    pthread_mutex_t mu;
    json_t *summary; /* immutable once published; replaced whole */
    json_t **points; /* published trajectory points (immutable JSON), episode order */
    size_t n_points, cap_points;
    glia_event_ring_t ring;
    pthread_mutex_t clients_mu; /* guards `clients` (see streams.c for the lock order) */
    struct glia_stream *clients;
    int is_closed;        /* deleted or the server is stopping: streams end */
    int is_running;       /* published state == running */
    int is_deleting;      /* a delete is being stored: treat as gone */
    atomic_int pub_state; /* published state, for list filters and gauges */

    /* Loop thread only. `state`, `error` and the requests to stop are written by
     * lifecycle.c alone. */
    int state;
    char error[256];
    int pause_requested, cancel_requested;
    uint64_t target_episodes;
    uint64_t query_budget; /* a study's budget: the run completes at the first episode end
                              with this many reward queries (0: none) */
    int is_deleted;
    int is_broken; /* could not be restored: nothing may run or read it */
    glia_session_t *session;
    json_t *config_json; /* the resolved config, as served */
    char preset[32];
    uint32_t seed;
    int is_exported;
    char experiment[GLIA_NAME_MAX + 1];
    glia_counters_t counters;
    double steps_per_second;
    double created_at, updated_at; /* wall clock, seconds */

    uint64_t next_assign_id; /* next event id to hand out (commit.c) */
    json_t *latest_point;    /* newest point committed or being committed */
    uint64_t published_upto; /* points up to this episode are stored (dedupe on recovery) */
    int has_published_points;
    double last_checkpoint; /* monotonic seconds */
    double ckpt_seconds;    /* how long its last checkpoint took to store (commit.c) */
    int ckpts_in_flight;    /* checkpoints submitted, not yet stored (commit.c) */
    double last_progress;   /* monotonic seconds of the last progress event */

    int in_worker;        /* runner.c: a job holds the session (or waits for it) */
    uv_work_t *queued;    /* runner.c: the job while it may still be cancelled */
    atomic_int stop_flag; /* read by the job: end the slice now */
    struct glia_job *next_jobs; /* runner.c: jobs waiting for the one that holds it */
    int in_job_cb;              /* runner.c: a job's callback is running */

    /* The memory budget (budget.h): what this session is counted for, given back when the
     * entry is freed. Written on the loop (lifecycle.c). */
    glia_budget_t *budget;
    uint64_t mem_reserved;

    glia_request_t *waiters;      /* dispatch.c: requests waiting for the job to return */
    glia_request_t *after_commit; /* dispatch.c: writes waiting for the job's commit */
};

#define GLIA_REPLY_HEADERS 8 /* headers a reply may add (reply.h) */

/* How GET .../metrics?max_points thins points (handle_sessions.c). */
enum { GLIA_DOWNSAMPLE_EVEN, GLIA_DOWNSAMPLE_MINMAX };

/* An HTTP request on its way through the server (request.c builds its reply). */
struct glia_request {
    glia_server_t *srv;
    struct MHD_Connection *conn;
    char method[8];
    char path[256];      /* for logs and problems: printable, cut to fit */
    char *route_path;    /* the decoded path that is routed (transport: http.c) */
    size_t uri_len;      /* the request target as sent, query included */
    char nul_param[64];  /* a query parameter whose key or value holds %00 ("" if none) */
    int is_started;      /* the transport has read its headers */
    int transport_error; /* 414, 431 or 400 (no Host): refused before anything else */
    glia_route_match_t match;
    const glia_route_t *route; /* the matched row (NULL: unmatched) */
    int match_status;          /* GLIA_MATCH_* */
    char allow[64];
    int is_authorized;
    int accepts_ndjson; /* the Accept header asks for application/x-ndjson */

    char *body;
    size_t body_len, body_cap;
    int is_too_big;
    json_t *json; /* parsed body, NULL when empty */

    int n_query;
    char *query_keys[16], *query_values[16];
    int query_overflow;
    char last_event_id[32];
    char if_none_match[160];   /* the header, cut at 159 bytes (a cut list matches less) */
    char accept_encoding[128]; /* the header, cut at 127 bytes */

    /* Response, filled by whichever thread answers (request.c). */
    int status;
    char *resp_body;
    size_t resp_len;
    const char *resp_type;
    const void *resp_static; /* a static body (an embedded UI file): sent, never freed */
    const char *resp_headers[GLIA_REPLY_HEADERS][2]; /* more headers: static strings */
    int n_resp_headers;
    char location[160];
    int is_ready;
    int is_suspended;
    int is_stream; /* answered with a stream (events) */
    /* Set by the transport: resumes a suspended connection once the reply is ready. */
    void (*resume_cb)(glia_request_t *req);

    /* Parsed and validated once by the route's prepare function. */
    int is_prepared;
    int steps;                               /* step */
    uint64_t episodes;                       /* run */
    int with_synapses;                       /* network */
    int64_t limit, after, max_points;        /* sessions list, metrics (-1 after: from the start) */
    int state_filter;                        /* sessions list: a state, or -1 for any */
    const char *experiment_filter;           /* sessions list: an experiment, or NULL for any */
    int downsample;                          /* metrics: GLIA_DOWNSAMPLE_* */
    int64_t syn_after, syn_limit;            /* network: a page of synapses */
    glia_session_spec_t *spec;               /* create, PUT config */
    uint8_t *snapshot;                       /* create from a snapshot: its bytes */
    size_t snapshot_len;
    uint64_t snapshot_points;                /* ... and the trajectory points it holds */
    uint64_t mem_reserved; /* budget taken for this request's reply, given back when freed */
    char spec_preset[32];    /* result, snapshot: the session's preset, copied on the loop */
    json_t *snapshot_config; /* snapshot: the session's config as served */
    glia_experiment_spec_t *experiment_spec; /* experiment create */
    int format;                              /* ?format: its index in the route's list */
    glia_objective_body_t *objective;        /* POST objective: the vectors to score */

    glia_entry_t *entry; /* the session of a GLIA_ROUTE_SESSION route, during its handler */

    uint64_t start_ns;
    glia_qnode_t node;         /* in the loop's inbox */
    struct glia_request *next; /* in an entry's waiters */
};

/* Server-wide counters for /metrics (all atomics; any thread). Requests are counted by
 * route row; row GLIA_ROUTES_MAX counts the unmatched. */
#define GLIA_ROUTES_MAX      64
#define GLIA_LATENCY_BUCKETS 12
#define GLIA_CKPT_BUCKETS    10
typedef struct glia_stats {
    atomic_uint_fast64_t requests[GLIA_ROUTES_MAX + 1][5]; /* [route][status class 1xx..5xx] */
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

/* The session index (registry.c): entries sorted by name. */
typedef struct glia_registry {
    pthread_rwlock_t lock; /* read: any thread; write: the loop */
    glia_entry_t **entries;
    size_t n, cap;
} glia_registry_t;

/* What lower layers report upwards, as function pointers filled in by serve.c, so that
 * no lower file calls a higher one. All run on the loop thread. */
typedef struct glia_hooks {
    /* A job on `e` returned: the loop holds the session again (requests that only read it
     * are served now, between two slices). */
    void (*job_returned_cb)(glia_server_t *srv, glia_entry_t *e);
    /* What that job changed is stored, or could not be: requests that waited to change
     * the session are dispatched again. */
    void (*job_committed_cb)(glia_server_t *srv, glia_entry_t *e);
    /* A job on a session of an experiment returned and no slice follows: the session has
     * settled (completed, paused, cancelled, failed, or a step was taken). Experiments
     * record finished runs here. */
    void (*session_settled_cb)(glia_server_t *srv, glia_entry_t *e);
    /* New events or a new state of `e` are published (commit.c): its streams read on. */
    void (*events_published_cb)(glia_server_t *srv, glia_entry_t *e);
} glia_hooks_t;

struct glia_server {
    glia_options_t opt;
    uv_loop_t loop;
    uv_async_t inbox_async;
    glia_queue_t inbox; /* HTTP threads -> loop: requests for loop routes */
    uv_signal_t sigterm, sigint;
    uv_timer_t keepalive_timer;
    uv_timer_t shutdown_timer;
    struct MHD_Daemon *mhd;
    struct glia_conns *conns; /* http.c: open connections and their deadlines */
    uv_timer_t deadline_timer;
    int listen_fd;
    int port;

    const glia_route_t *routes; /* the route table (routes.c) */
    size_t n_routes;
    glia_hooks_t hooks;

    glia_registry_t registry;
    struct glia_build *builds; /* lifecycle.c: sessions being built on the pool (loop) */
    struct glia_store *store;

    pthread_mutex_t sse_mu; /* guards the list of all streams (keepalive) */
    struct glia_stream *all_clients;

    atomic_int is_shutting_down;
    int jobs_in_flight; /* loop thread */
    double started_at;
    glia_stats_t stats;
    glia_budget_t budget; /* --max-memory (budget.h) */
    void *experiments;    /* study.c state */
};

#endif
