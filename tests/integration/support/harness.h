/* harness.h: integration-test support: a real gliad on an ephemeral port with a temp
 * data dir, and libcurl helpers to talk to it.
 *
 *   glia_daemon_t d;
 *   it_start(&d, NULL);                    // or extra flags: (const char *[]){"--workers", "1", NULL}
 *   it_resp_t r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"a\"}");
 *   cr_assert_eq(r.status, 201);
 *   json_t *j = r.json;                    // parsed body (NULL when not JSON)
 *   it_resp_free(&r);
 *   it_stop(&d);                           // SIGTERM, waits, checks exit status 0
 *
 * Every test starts its own daemon; nothing depends on another test or the network.
 */
#ifndef GLIA_IT_HARNESS_H
#define GLIA_IT_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct glia_daemon {
    pid_t pid;
    int port;
    char dir[256];      /* temp dir: holds data/, the port file and gliad.log */
    char data_dir[300];
    char log_path[300];
    char token[128];    /* sent as Bearer when set */
    int keep_dir;       /* it_stop leaves the dir (for restarts); it_cleanup removes it */
} glia_daemon_t;

typedef struct it_resp {
    long status;
    char *body;
    size_t len;
    json_t *json;
    char content_type[128];
    char location[256];
    char allow[128];
    char www_authenticate[128];
    double seconds;
} it_resp_t;

/* Start gliad serve with --listen 127.0.0.1:0 --data-dir <tmp>/data and `extra` flags
 * (NULL-terminated, may be NULL). Fails the test if it does not come up in 10 s. */
void it_start(glia_daemon_t *d, const char *const *extra);

/* Start again on the same data dir (after it_stop or it_kill). */
void it_restart(glia_daemon_t *d, const char *const *extra);

/* Start and return the exit status instead of failing (for bad-startup tests); the
 * daemon's stderr is in d->log_path. Returns the exit code, or -1 if it kept running
 * (then it is killed). */
int it_start_expect_exit(glia_daemon_t *d, const char *data_dir, const char *const *extra,
                         double timeout_seconds);

/* SIGTERM and wait (max 20 s); returns the exit status (0 expected). */
int it_stop(glia_daemon_t *d);
/* SIGKILL and wait. */
void it_kill(glia_daemon_t *d);
/* Remove the temp dir. it_stop calls it unless keep_dir is set. */
void it_cleanup(glia_daemon_t *d);

/* One request; `body` may be NULL. Extra headers: NULL-terminated "Name: value". */
it_resp_t it_request(glia_daemon_t *d, const char *method, const char *path, const char *body);
it_resp_t it_request_h(glia_daemon_t *d, const char *method, const char *path, const char *body,
                       size_t body_len, const char *const *headers);
void it_resp_free(it_resp_t *r);

/* printf-style path helpers */
it_resp_t it_get(glia_daemon_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Create a session {"name", "preset", "seed"}; asserts 201. */
void it_create(glia_daemon_t *d, const char *name, const char *preset, unsigned seed);
/* Poll GET /v1/sessions/{name} until its state is `state` (max `timeout` s). Returns
 * the final summary (caller decrefs) or fails the test. */
json_t *it_wait_state(glia_daemon_t *d, const char *name, const char *state, double timeout);

/* Run `gliad run --preset P --seed S --episodes E --compact` and parse its stdout. */
json_t *it_batch_run(const char *preset, unsigned seed, unsigned episodes);
/* The same with `--config FILE` (a whole config) instead of a preset. */
json_t *it_batch_run_config(const char *path, unsigned seed, unsigned episodes);

/* Read a stream (events) for at most `seconds` or until it ends or `max_bytes` arrive;
 * returns what was received (caller frees). Extra headers as in it_request_h. */
char *it_stream(glia_daemon_t *d, const char *path, const char *const *headers, double seconds,
                size_t max_bytes, long *status);

double it_now(void);
void it_sleep(double seconds);

#endif
