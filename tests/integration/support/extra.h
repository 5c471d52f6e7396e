/* extra.h: more integration-test helpers on top of harness.h: formatted bodies, run
 * comparisons against `gliad run`, event capture, chunked uploads, background streams
 * and small file utilities.
 *
 * Functions named it_expect_* report with cr_expect (the test goes on); the others
 * assert (cr_assert) on what they need to continue. The background stream (it_bg_*)
 * never calls Criterion from its thread.
 */
#ifndef GLIA_IT_EXTRA_H
#define GLIA_IT_EXTRA_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "harness.h"

/* POST (or any method) with a printf-formatted JSON body. */
it_resp_t it_send(glia_daemon_t *d, const char *method, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* GET and assert the status; returns the parsed body (new reference, caller decrefs). */
json_t *it_get_json(glia_daemon_t *d, long want_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* POST /v1/sessions/{name}/run {"episodes": n}; asserts 202. */
void it_run(glia_daemon_t *d, const char *name, unsigned episodes);

/* GET /v1/sessions/{name}/result; asserts 200; new reference. */
json_t *it_result(glia_daemon_t *d, const char *name);

/* Poll the summary until progress.episode >= episode (max `timeout` s); returns it (new
 * reference) or fails the test. */
json_t *it_wait_episode(glia_daemon_t *d, const char *name, unsigned episode, double timeout);

/* Expect two results (GET .../result or `gliad run`) to describe the same run:
 * episodes, steps, accepted, rejected, inference, trajectory, final weights and
 * astrocytes, compared exactly. `what` names the pair in failure messages. */
void it_expect_same_run(const json_t *got, const json_t *want, const char *what);

/* Expect GET /healthz to answer 200: the daemon is still serving. */
void it_expect_healthy(glia_daemon_t *d, const char *after_what);

/* Every stored event of a session after `after` as [{"id","event","data"}], read with
 * ?format=ndjson&follow=false (ends once the session is not running). */
json_t *it_events(glia_daemon_t *d, const char *name, unsigned long long after);

/* GET a path of any length (the harness bounds paths at 1 kB); returns the status. */
long it_get_status_long(glia_daemon_t *d, const char *path);

/* Send n requests at once (curl multi: all in flight together) and fill statuses[i].
 * bodies may be NULL, or hold NULL entries for requests without a body. */
void it_parallel(glia_daemon_t *d, int n, const char *method, const char *const *paths,
                 const char *const *bodies, long *statuses);

/* Upload `len` bytes of `body` with Transfer-Encoding: chunked (no Content-Length). */
it_resp_t it_upload_chunked(glia_daemon_t *d, const char *method, const char *path,
                            const char *body, size_t len);

/* A stream read on its own thread, so the test can act while it is open. */
typedef struct it_bg_stream {
    pthread_t thread;
    char url[512];
    char auth[200];
    double max_seconds;
    atomic_size_t received; /* bytes so far (any time) */
    /* results, valid after it_bg_stream_join */
    char *body;
    size_t len;
    long status;
    int curl_code; /* CURLcode of the transfer: 0 when the server ended the stream */
    int timed_out; /* 1 when max_seconds passed before the server ended it */
    double seconds;
} it_bg_stream_t;

void it_bg_stream_start(it_bg_stream_t *s, glia_daemon_t *d, const char *path, double max_seconds);
/* Wait until at least `bytes` arrived (the stream is open); fails the test after
 * `timeout` s. */
void it_bg_stream_wait(it_bg_stream_t *s, size_t bytes, double timeout);
void it_bg_stream_join(it_bg_stream_t *s);
void it_bg_stream_free(it_bg_stream_t *s);

/* A request on its own thread, so the test can act (and time others) while it is in
 * flight. `resp` and `done_at` are valid after it_bg_request_join; `is_done` any time. */
typedef struct it_bg_request {
    pthread_t thread;
    glia_daemon_t *d;
    char method[8], path[128], *body;
    it_resp_t resp;
    double done_at; /* it_now() when the answer arrived */
    atomic_int is_done;
} it_bg_request_t;

void it_bg_request_start(it_bg_request_t *b, glia_daemon_t *d, const char *method, const char *path,
                         const char *body);
void it_bg_request_join(it_bg_request_t *b); /* the caller frees b->resp */

/* The whole file, NUL-terminated (caller frees), or NULL; *len gets its size. */
char *it_read_file(const char *path, size_t *len);
int it_write_file(const char *path, const void *data, size_t len);
/* Does the daemon's log mention `needle`? */
int it_log_contains(const glia_daemon_t *d, const char *needle);

/* A JSON value as compact text for messages (caller frees). */
char *it_dump(const json_t *j);

#endif
