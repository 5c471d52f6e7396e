/* 22_hardening_clients: slow and malformed clients cannot starve others. Over raw sockets:
 * a request without Host on HTTP/1.1 is 400, an over-long target 414 and over-large headers
 * 431, each a problem+json (not the HTTP library's HTML page); a request whose headers or
 * body trickle in is closed at --request-timeout with a 408 problem (the library's timeout
 * counts idle time, which a byte every second never reaches); with --max-connections 100,
 * 150 connections sending one header line a second no longer keep /healthz or a session's
 * GET away; and --max-connections-per-ip caps one client address. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/extra.h"
#include "support/harness.h"
#include "support/raw.h"

/* The status line and body of a raw answer: a problem of `status` and `type`. */
static void expect_raw_problem(const char *got, int status, const char *type, const char *what)
{
    char line[64];
    const char *body;
    json_t *j;

    cr_assert_not_null(got, "%s: no answer", what);
    snprintf(line, sizeof(line), "HTTP/1.1 %d ", status);
    cr_expect(strncmp(got, line, strlen(line)) == 0, "%s: want %d, got: %.200s", what, status, got);
    cr_expect(strstr(got, "Content-Type: application/problem+json") != NULL,
              "%s: a problem+json body: %.300s", what, got);
    body = strstr(got, "\r\n\r\n");
    j = body ? json_loads(body + 4, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    cr_expect_str_eq(json_string_value(json_object_get(j, "type")), type, "%s: %.300s", what,
                     body ? body : got);
    cr_expect_eq(json_integer_value(json_object_get(j, "status")), status, "%s", what);
    json_decref(j);
}

Test(clients, transport_refusals_are_problems)
{
    glia_daemon_t d;
    size_t big = 10000, huge = 20000;
    char *req = malloc(huge + 256), *got;

    cr_assert_not_null(req);
    it_start(&d, NULL);

    got = it_raw_exchange(d.port, "GET /healthz HTTP/1.1\r\n\r\n", 25, 10);
    expect_raw_problem(got, 400, "urn:glia:problem:missing-host", "HTTP/1.1 without Host");
    free(got);

    /* HTTP/1.0 has no Host requirement. */
    got = it_raw_exchange(d.port, "GET /healthz HTTP/1.0\r\n\r\n", 25, 10);
    cr_expect(got && strncmp(got, "HTTP/1.1 200 ", 13) == 0, "HTTP/1.0 without Host: %.200s", got);
    free(got);

    memcpy(req, "GET /healthz?", 13);
    memset(req + 13, 'a', big);
    strcpy(req + 13 + big, " HTTP/1.1\r\nHost: x\r\n\r\n");
    got = it_raw_exchange(d.port, req, strlen(req), 10);
    expect_raw_problem(got, 414, "urn:glia:problem:uri-too-long", "a 10 kB request target");
    free(got);

    strcpy(req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + strlen(req), 'b', huge);
    strcpy(req + 39 + huge, "\r\n\r\n");
    got = it_raw_exchange(d.port, req, strlen(req), 10);
    expect_raw_problem(got, 431, "urn:glia:problem:headers-too-large", "a 20 kB header");
    free(got);

    free(req);
    it_expect_healthy(&d, "transport refusals");
    cr_expect_eq(it_stop(&d), 0);
}

/* Send `head` now, then `drip` every `every` seconds until the server closes the
 * connection or `limit` seconds pass. Returns what the server sent; *seconds is how long
 * the connection lasted, *closed whether the server closed it. */
static char *trickle(int port, const char *head, const char *drip, double every, double limit,
                     double *seconds, int *closed)
{
    int fd = it_raw_connect(port, NULL);
    double t0 = it_now();
    char *got = NULL;

    cr_assert(fd >= 0, "connect");
    it_raw_send(fd, head, strlen(head));
    *closed = 0;
    while (it_now() - t0 < limit) {
        size_t n;
        free(got);
        got = it_raw_read(fd, every, &n, closed);
        if (*closed || n > 0)
            break;
        if (it_raw_send(fd, drip, strlen(drip)) != 0) {
            *closed = 1;
            break;
        }
    }
    if (!*closed && got != NULL && got[0] != '\0') { /* an answer came: read to the end */
        char *rest = it_raw_read(fd, 5, NULL, closed);
        char *all = malloc(strlen(got) + strlen(rest) + 1);
        strcpy(all, got);
        strcat(all, rest);
        free(got);
        free(rest);
        got = all;
    }
    *seconds = it_now() - t0;
    close(fd);
    return got;
}

Test(clients, headers_that_trickle_in_are_closed_at_the_deadline_with_408)
{
    glia_daemon_t d;
    double seconds;
    int closed;
    char *got;

    it_start(&d, (const char *[]){"--request-timeout", "2", NULL});
    /* One header line every half second: never idle long enough for an idle timeout. */
    got = trickle(d.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n", "X-Slow: 1\r\n", 0.5, 40,
                  &seconds, &closed);
    cr_log_info("trickled headers: closed by the server after %.1f s (--request-timeout 2)",
                seconds);
    cr_expect(closed, "the server closed the connection (after %.1f s)", seconds);
    expect_raw_problem(got, 408, "urn:glia:problem:request-timeout", "trickled headers");
    free(got);

    /* A body that trickles in is held to the same deadline, counted from its headers. */
    got = trickle(d.port, "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{",
                  " ", 0.5, 40, &seconds, &closed);
    cr_log_info("trickled body: closed by the server after %.1f s", seconds);
    cr_expect(closed, "the server closed the connection (after %.1f s)", seconds);
    expect_raw_problem(got, 408, "urn:glia:problem:request-timeout", "trickled body");
    free(got);

    /* Waiting for a request says nothing: an idle connection is closed quietly. */
    {
        int fd = it_raw_connect(d.port, NULL);
        char *idle = it_raw_read(fd, 30, NULL, &closed);
        cr_expect(closed, "an idle connection is closed");
        cr_expect_str_eq(idle, "", "nothing is sent on an idle connection");
        free(idle);
        close(fd);
    }
    it_expect_healthy(&d, "slow requests");
    cr_expect_eq(it_stop(&d), 0);
}

/* Slow clients from another loopback address, each sending one header line a second and
 * reconnecting when closed. */
typedef struct slowloris {
    pthread_t thread;
    int port, n;
    const char *source;
    int fds[256];
    atomic_int stop;
    atomic_int closed_by_server; /* connections the server closed */
    atomic_int refused;          /* connects that failed */
} slowloris_t;

static void *slowloris_main(void *arg)
{
    slowloris_t *s = arg;
    static const char line[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n";

    for (int i = 0; i < s->n; i++) {
        s->fds[i] = it_raw_connect(s->port, s->source);
        if (s->fds[i] < 0)
            atomic_fetch_add(&s->refused, 1);
        else
            it_raw_send(s->fds[i], line, sizeof(line) - 1);
    }
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < s->n && !atomic_load(&s->stop); i++) {
            if (s->fds[i] >= 0 &&
                (it_raw_is_closed(s->fds[i]) || it_raw_send(s->fds[i], "X-A: b\r\n", 8) != 0)) {
                close(s->fds[i]);
                s->fds[i] = -1;
                atomic_fetch_add(&s->closed_by_server, 1);
            }
            if (s->fds[i] < 0 && (s->fds[i] = it_raw_connect(s->port, s->source)) >= 0)
                it_raw_send(s->fds[i], line, sizeof(line) - 1);
        }
        it_sleep(1.0);
    }
    for (int i = 0; i < s->n; i++) {
        if (s->fds[i] >= 0)
            close(s->fds[i]);
    }
    return NULL;
}

static void slowloris_start(slowloris_t *s, int port, const char *source, int n)
{
    memset(s, 0, sizeof(*s));
    s->port = port;
    s->source = source;
    s->n = n;
    cr_assert_eq(pthread_create(&s->thread, NULL, slowloris_main, s), 0);
}

static void slowloris_stop(slowloris_t *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
}

/* GET `path` from 127.0.0.1 while slow clients hold connections: answered with 200. */
static void expect_answered(glia_daemon_t *d, const char *path, double *worst)
{
    it_resp_t r = it_request(d, "GET", path, NULL);
    cr_expect_eq(r.status, 200, "%s during the attack: %ld", path, r.status);
    if (r.seconds > *worst)
        *worst = r.seconds;
    it_resp_free(&r);
}

Test(clients, slow_clients_on_every_slot_do_not_keep_health_away, .timeout = 300)
{
    glia_daemon_t d;
    slowloris_t s;
    double worst = 0;

    /* No per-address limit here: room is made for whole requests by closing the slowest. */
    it_start(&d,
             (const char *[]){"--max-connections", "100", "--max-connections-per-ip", "0", NULL});
    it_create(&d, "s", "control", 1);
    slowloris_start(&s, d.port, "127.0.0.2", 150);
    it_sleep(3); /* every slot taken, reconnecting */
    for (int i = 0; i < 5; i++) {
        expect_answered(&d, "/healthz", &worst);
        expect_answered(&d, "/readyz", &worst);
        expect_answered(&d, "/v1/sessions/s", &worst);
        it_sleep(0.5);
    }
    slowloris_stop(&s);
    cr_log_info("150 slow connections on --max-connections 100: worst answer %.3f s; the "
                "server closed %d slow connections to make room",
                worst, atomic_load(&s.closed_by_server));
    cr_expect(atomic_load(&s.closed_by_server) > 0, "slow connections were closed for room");
    cr_expect_eq(it_stop(&d), 0);
}

Test(clients, one_address_is_capped_by_max_connections_per_ip)
{
    glia_daemon_t d;
    int fds[40], open_now = 0, other;

    it_start(&d, (const char *[]){"--max-connections-per-ip", "8", NULL});
    for (int i = 0; i < 40; i++)
        fds[i] = it_raw_connect(d.port, "127.0.0.2");
    it_sleep(1);
    for (int i = 0; i < 40; i++)
        open_now += fds[i] >= 0 && !it_raw_is_closed(fds[i]);
    cr_log_info("40 connections from 127.0.0.2 with --max-connections-per-ip 8: %d stay open",
                open_now);
    cr_expect(open_now <= 8, "at most 8 connections from one address stay open, not %d", open_now);
    cr_expect(open_now >= 1, "the first ones are served");
    /* Other addresses are not affected. */
    other = it_raw_connect(d.port, "127.0.0.3");
    cr_assert(other >= 0);
    it_sleep(0.5);
    cr_expect(!it_raw_is_closed(other), "127.0.0.3 is not limited by 127.0.0.2's connections");
    close(other);
    it_expect_healthy(&d, "one address over its limit");
    for (int i = 0; i < 40; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    cr_expect_eq(it_stop(&d), 0);
}

/* A token on the command line shows in ps: --help says so, and names the alternatives. */
Test(clients, help_recommends_a_token_file_over_token)
{
    FILE *p = popen(GLIAD_PATH " --help", "r");
    char line[512];
    int seen = 0;

    cr_assert_not_null(p);
    while (fgets(line, sizeof(line), p) != NULL) {
        if (strncmp(line, "  --token ", 10) == 0) {
            seen = 1;
            cr_expect(strstr(line, "ps") != NULL, "--token warns it shows in ps: %s", line);
            cr_expect(strstr(line, "--token-file") != NULL && strstr(line, "GLIA_TOKEN") != NULL,
                      "--token points at --token-file and GLIA_TOKEN: %s", line);
        }
    }
    cr_expect_eq(pclose(p), 0, "gliad --help exits 0");
    cr_expect(seen, "--help lists --token");
}
