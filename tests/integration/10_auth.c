/* 10_auth: bearer tokens on /v1 (--token, --token-file), open health endpoints,
 * ?access_token= for event streams, and the refusal to listen off loopback without a
 * token. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/extra.h"
#include "support/harness.h"

#define TOKEN "s3cret-Token_0123456789"

static long status_with(glia_daemon_t *d, const char *method, const char *path, const char *body,
                        const char *auth_header)
{
    const char *h[] = {auth_header, NULL};
    it_resp_t r =
        it_request_h(d, method, path, body, body ? strlen(body) : 0, auth_header ? h : NULL);
    long s = r.status;
    it_resp_free(&r);
    return s;
}

static void expect_401(glia_daemon_t *d, const char *method, const char *path, const char *body,
                       const char *auth_header)
{
    const char *h[] = {auth_header, NULL};
    it_resp_t r =
        it_request_h(d, method, path, body, body ? strlen(body) : 0, auth_header ? h : NULL);
    cr_expect_eq(r.status, 401, "%s %s with [%s]: %ld", method, path,
                 auth_header ? auth_header : "no Authorization", r.status);
    cr_expect_str_eq(r.content_type, "application/problem+json", "%s %s", method, path);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "status")), 401);
    cr_expect(strncmp(r.www_authenticate, "Bearer", 6) == 0, "WWW-Authenticate: \"%s\"",
              r.www_authenticate);
    it_resp_free(&r);
}

/* The checks shared by --token and --token-file: d->token is empty on entry. */
static void check_token_required(glia_daemon_t *d, const char *token)
{
    char right[256];
    long status;
    char *body;

    snprintf(right, sizeof(right), "Authorization: Bearer %s", token);

    expect_401(d, "GET", "/v1/sessions", NULL, NULL);
    expect_401(d, "GET", "/v1/version", NULL, NULL);
    expect_401(d, "GET", "/v1/sessions", NULL, "Authorization: Bearer wrong");
    expect_401(d, "GET", "/v1/sessions", NULL, "Authorization: Bearer ");
    {
        char shorter[256], longer[300], basic[300];
        snprintf(shorter, sizeof(shorter), "Authorization: Bearer %.*s", (int)strlen(token) - 1,
                 token);
        snprintf(longer, sizeof(longer), "Authorization: Bearer %sx", token);
        snprintf(basic, sizeof(basic), "Authorization: Basic %s", token);
        expect_401(d, "GET", "/v1/sessions", NULL, shorter);
        expect_401(d, "GET", "/v1/sessions", NULL, longer);
        expect_401(d, "GET", "/v1/sessions", NULL, basic);
    }
    /* Writes without the token change nothing. */
    expect_401(d, "POST", "/v1/sessions", "{\"name\":\"sneaky\",\"preset\":\"control\"}", NULL);
    /* A query token is for event streams only. */
    {
        char path[300];
        snprintf(path, sizeof(path), "/v1/sessions?access_token=%s", token);
        expect_401(d, "GET", path, NULL, NULL);
    }

    /* Health, readiness and Prometheus stay open. */
    cr_expect_eq(status_with(d, "GET", "/healthz", NULL, NULL), 200);
    cr_expect_eq(status_with(d, "GET", "/readyz", NULL, NULL), 200);
    cr_expect_eq(status_with(d, "GET", "/metrics", NULL, NULL), 200);

    /* The right token works. */
    cr_expect_eq(status_with(d, "GET", "/v1/sessions", NULL, right), 200);
    cr_expect_eq(status_with(d, "POST", "/v1/sessions",
                             "{\"name\":\"s\",\"preset\":\"control\",\"seed\":1}", right),
                 201);
    cr_expect_eq(status_with(d, "GET", "/v1/sessions/sneaky", NULL, right), 404,
                 "the unauthorised create did not happen");
    cr_expect_eq(status_with(d, "GET", "/v1/sessions/s", NULL, right), 200);

    /* EventSource cannot send headers: ?access_token= opens a stream. */
    {
        char path[300];
        snprintf(path, sizeof(path), "/v1/sessions/s/events?follow=false&after=0&access_token=%s",
                 token);
        body = it_stream(d, path, NULL, 10, 0, &status);
        cr_expect_eq(status, 200, "events with ?access_token=: %ld %.200s", status, body);
        cr_expect(strstr(body, "event: state") != NULL, "the stream has the state event: %.200s",
                  body);
        free(body);
        body = it_stream(d, "/v1/sessions/s/events?follow=false&after=0&access_token=wrong", NULL,
                         10, 0, &status);
        cr_expect_eq(status, 401, "events with a wrong ?access_token=: %ld", status);
        free(body);
        body = it_stream(d, "/v1/sessions/s/events?follow=false&after=0", NULL, 10, 0, &status);
        cr_expect_eq(status, 401, "events without any token: %ld", status);
        free(body);
    }
}

Test(auth, token_flag_guards_v1)
{
    glia_daemon_t d;

    it_start(&d, (const char *[]){"--token", TOKEN, NULL});
    check_token_required(&d, TOKEN);
    cr_expect_eq(it_stop(&d), 0);
}

Test(auth, token_file_guards_v1_and_ignores_the_trailing_newline)
{
    glia_daemon_t d;
    char path[] = "/tmp/glia-it-token-XXXXXX";
    int fd = mkstemp(path);
    static const char content[] = "from-a-file-7f3a\n";

    cr_assert(fd >= 0, "mkstemp");
    cr_assert_eq(write(fd, content, sizeof(content) - 1), (ssize_t)(sizeof(content) - 1));
    close(fd);
    it_start(&d, (const char *[]){"--token-file", path, NULL});
    check_token_required(&d, "from-a-file-7f3a");
    cr_expect_eq(it_stop(&d), 0);
    unlink(path);
}

Test(auth, unreadable_or_empty_token_file_stops_startup)
{
    glia_daemon_t d;
    char path[] = "/tmp/glia-it-token-XXXXXX";
    int fd = mkstemp(path), rc;

    cr_assert(fd >= 0, "mkstemp");
    close(fd); /* empty */
    memset(&d, 0, sizeof(d));
    rc = it_start_expect_exit(&d, NULL, (const char *[]){"--token-file", path, NULL}, 10);
    cr_expect(rc > 0, "empty token file: exit %d", rc);
    cr_expect(it_log_contains(&d, path), "the message names the file (see %s)", d.log_path);
    unlink(path);
    rc = it_start_expect_exit(&d, NULL, (const char *[]){"--token-file", path, NULL}, 10);
    cr_expect(rc > 0, "missing token file: exit %d", rc);
    it_cleanup(&d);
}

Test(auth, listening_off_loopback_needs_a_token)
{
    glia_daemon_t d;
    int rc;
    char *log;

    memset(&d, 0, sizeof(d));
    rc = it_start_expect_exit(&d, NULL, (const char *[]){"--listen", "0.0.0.0:0", NULL}, 10);
    cr_expect(rc > 0, "0.0.0.0 without a token must not start: exit %d", rc);
    log = it_read_file(d.log_path, NULL);
    cr_expect(log && strstr(log, "token"), "the message names the token: %s", log);
    cr_expect(log && strstr(log, "0.0.0.0"), "the message names the address: %s", log);
    free(log);
    /* Other spellings of "every interface". */
    {
        static const char *const anys[] = {":0", "[::]:0"};
        for (int i = 0; i < 2; i++) {
            rc = it_start_expect_exit(&d, NULL, (const char *[]){"--listen", anys[i], NULL}, 10);
            cr_expect(rc > 0, "--listen %s without a token must not start: exit %d", anys[i], rc);
        }
        cr_expect(it_log_contains(&d, "token"), "the message names the token");
    }
    /* An empty --token is no token. */
    rc = it_start_expect_exit(&d, NULL,
                              (const char *[]){"--listen", "0.0.0.0:0", "--token", "", NULL}, 10);
    cr_expect(rc > 0, "0.0.0.0 with an empty token must not start: exit %d", rc);
    it_cleanup(&d);

    /* With a token it starts, and the token is enforced. */
    it_start(&d, (const char *[]){"--listen", "0.0.0.0:0", "--token", TOKEN, NULL});
    expect_401(&d, "GET", "/v1/sessions", NULL, NULL);
    cr_expect_eq(status_with(&d, "GET", "/healthz", NULL, NULL), 200);
    snprintf(d.token, sizeof(d.token), "%s", TOKEN);
    cr_expect_eq(status_with(&d, "GET", "/v1/sessions", NULL, NULL), 200);
    cr_expect_eq(it_stop(&d), 0);
}
