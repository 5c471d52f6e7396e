/* harness.c: spawn and drive a real gliad for integration tests. */
#include "harness.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double it_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void it_sleep(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static pid_t spawn(glia_daemon_t *d, const char *data_dir, const char *const *extra)
{
    const char *argv[64];
    char port_file[320];
    int n = 0;
    pid_t pid;

    snprintf(port_file, sizeof(port_file), "%s/port", d->dir);
    unlink(port_file);
    argv[n++] = GLIAD_PATH;
    argv[n++] = "serve";
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    argv[n++] = "--data-dir";
    argv[n++] = data_dir;
    argv[n++] = "--port-file";
    argv[n++] = port_file;
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;

    pid = fork();
    if (pid == 0) {
        int fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        /* The environment must not configure the daemon behind the test's back. */
        unsetenv("GLIA_TOKEN");
        unsetenv("GLIA_TOKEN_FILE");
        unsetenv("GLIA_LISTEN");
        unsetenv("GLIA_DATA_DIR");
        execv(GLIAD_PATH, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static void wait_port(glia_daemon_t *d)
{
    char port_file[320];
    double t0 = it_now();

    snprintf(port_file, sizeof(port_file), "%s/port", d->dir);
    for (;;) {
        FILE *f = fopen(port_file, "r");
        int status;
        if (f != NULL) {
            int ok = fscanf(f, "%d", &d->port) == 1;
            fclose(f);
            if (ok && d->port > 0)
                return;
        }
        if (waitpid(d->pid, &status, WNOHANG) == d->pid)
            cr_assert_fail("gliad exited during startup (see %s)", d->log_path);
        if (it_now() - t0 > 10)
            cr_assert_fail("gliad did not start within 10 s (see %s)", d->log_path);
        it_sleep(0.01);
    }
}

static void make_dir(glia_daemon_t *d)
{
    snprintf(d->dir, sizeof(d->dir), "/tmp/glia-it-XXXXXX");
    cr_assert_not_null(mkdtemp(d->dir), "mkdtemp");
    snprintf(d->data_dir, sizeof(d->data_dir), "%s/data", d->dir);
    snprintf(d->log_path, sizeof(d->log_path), "%s/gliad.log", d->dir);
}

void it_start(glia_daemon_t *d, const char *const *extra)
{
    static int curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = 1;
    }
    memset(d, 0, sizeof(*d));
    make_dir(d);
    d->pid = spawn(d, d->data_dir, extra);
    cr_assert(d->pid > 0, "fork");
    wait_port(d);
}

void it_restart(glia_daemon_t *d, const char *const *extra)
{
    d->pid = spawn(d, d->data_dir, extra);
    cr_assert(d->pid > 0, "fork");
    wait_port(d);
}

int it_start_expect_exit(glia_daemon_t *d, const char *data_dir, const char *const *extra,
                         double timeout_seconds)
{
    double t0 = it_now();
    int status;

    if (d->dir[0] == '\0')
        make_dir(d);
    d->pid = spawn(d, data_dir ? data_dir : d->data_dir, extra);
    while (it_now() - t0 < timeout_seconds) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        it_sleep(0.01);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &status, 0);
    d->pid = 0;
    return -1;
}

static int rm_cb(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    return system(cmd);
}

void it_cleanup(glia_daemon_t *d)
{
    if (d->dir[0] != '\0' && strncmp(d->dir, "/tmp/glia-it-", 13) == 0)
        (void)rm_cb(d->dir);
    d->dir[0] = '\0';
}

int it_stop(glia_daemon_t *d)
{
    int status = 0;
    double t0 = it_now();

    if (d->pid <= 0)
        return -1;
    kill(d->pid, SIGTERM);
    for (;;) {
        pid_t r = waitpid(d->pid, &status, WNOHANG);
        if (r == d->pid)
            break;
        if (it_now() - t0 > 20) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &status, 0);
            d->pid = 0;
            cr_assert_fail("gliad did not stop within 20 s of SIGTERM (see %s)", d->log_path);
        }
        it_sleep(0.01);
    }
    d->pid = 0;
    if (!d->keep_dir)
        it_cleanup(d);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void it_kill(glia_daemon_t *d)
{
    int status;
    if (d->pid <= 0)
        return;
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &status, 0);
    d->pid = 0;
}

typedef struct buf {
    char *p;
    size_t len;
    size_t max;
    double deadline;
} buf_t;

static size_t write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    buf_t *b = arg;
    size_t n = size * nmemb;
    char *np = realloc(b->p, b->len + n + 1);
    if (np == NULL)
        return 0;
    b->p = np;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    if (b->max && b->len >= b->max)
        return 0; /* enough: abort the transfer */
    return n;
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    buf_t *b = arg;
    (void)dt, (void)dn, (void)ut, (void)un;
    return b->deadline > 0 && it_now() > b->deadline;
}

typedef struct hdrs {
    it_resp_t *r;
} hdrs_t;

static void copy_header(char *dst, size_t size, const char *line, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n > nl && strncasecmp(line, name, nl) == 0) {
        const char *v = line + nl;
        size_t len = n - nl;
        while (len > 0 && (*v == ' ')) {
            v++;
            len--;
        }
        while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n'))
            len--;
        snprintf(dst, size, "%.*s", (int)len, v);
    }
}

static size_t header_cb(char *line, size_t size, size_t nmemb, void *arg)
{
    it_resp_t *r = arg;
    size_t n = size * nmemb;
    copy_header(r->content_type, sizeof(r->content_type), line, n, "Content-Type:");
    copy_header(r->location, sizeof(r->location), line, n, "Location:");
    copy_header(r->allow, sizeof(r->allow), line, n, "Allow:");
    copy_header(r->www_authenticate, sizeof(r->www_authenticate), line, n, "WWW-Authenticate:");
    return n;
}

static it_resp_t perform(glia_daemon_t *d, const char *method, const char *path,
                         const char *body, size_t body_len, const char *const *headers,
                         double seconds, size_t max_bytes)
{
    it_resp_t r;
    buf_t b = {0};
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[2048], auth[200];
    double t0 = it_now();

    memset(&r, 0, sizeof(r));
    cr_assert_not_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        h = curl_slist_append(h, "Content-Type: application/json");
    }
    if (d->token[0] != '\0') {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", d->token);
        h = curl_slist_append(h, auth);
    }
    for (int i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (seconds > 0) {
        b.deadline = it_now() + seconds;
        b.max = max_bytes;
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &b);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    } else {
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    }
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = b.p ? b.p : strdup("");
    r.len = b.len;
    r.seconds = it_now() - t0;
    if (r.len > 0 && seconds <= 0)
        r.json = json_loadb(r.body, r.len, 0, NULL);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

it_resp_t it_request_h(glia_daemon_t *d, const char *method, const char *path, const char *body,
                       size_t body_len, const char *const *headers)
{
    return perform(d, method, path, body, body_len, headers, 0, 0);
}

it_resp_t it_request(glia_daemon_t *d, const char *method, const char *path, const char *body)
{
    return perform(d, method, path, body, body ? strlen(body) : 0, NULL, 0, 0);
}

it_resp_t it_get(glia_daemon_t *d, const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return it_request(d, "GET", path, NULL);
}

void it_resp_free(it_resp_t *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

void it_create(glia_daemon_t *d, const char *name, const char *preset, unsigned seed)
{
    char body[256];
    it_resp_t r;
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"preset\":\"%s\",\"seed\":%u}", name, preset,
             seed);
    r = it_request(d, "POST", "/v1/sessions", body);
    cr_assert_eq(r.status, 201, "create %s: %ld %s", name, r.status, r.body);
    it_resp_free(&r);
}

json_t *it_wait_state(glia_daemon_t *d, const char *name, const char *state, double timeout)
{
    double t0 = it_now();
    for (;;) {
        it_resp_t r = it_get(d, "/v1/sessions/%s", name);
        const char *s = r.json ? json_string_value(json_object_get(r.json, "state")) : NULL;
        if (r.status == 200 && s && strcmp(s, state) == 0) {
            json_t *j = json_incref(r.json);
            it_resp_free(&r);
            return j;
        }
        if (it_now() - t0 > timeout)
            cr_assert_fail("%s did not reach state %s within %.0f s (last: %ld %s)", name, state,
                           timeout, r.status, r.body);
        it_resp_free(&r);
        it_sleep(0.02);
    }
}

/* `gliad run <source> --seed S --episodes E --compact`: its one JSON document. */
static json_t *batch_run(const char *source, unsigned seed, unsigned episodes)
{
    char cmd[1200];
    FILE *p;
    json_t *j;
    json_error_t err;

    snprintf(cmd, sizeof(cmd), "%s run %s --seed %u --episodes %u --compact", GLIAD_PATH, source,
             seed, episodes);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    j = json_loadf(p, 0, &err);
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
    cr_assert_not_null(j, "%s: %s", cmd, err.text);
    return j;
}

json_t *it_batch_run(const char *preset, unsigned seed, unsigned episodes)
{
    char source[128];

    snprintf(source, sizeof(source), "--preset %s", preset);
    return batch_run(source, seed, episodes);
}

json_t *it_batch_run_config(const char *path, unsigned seed, unsigned episodes)
{
    char source[1100];

    snprintf(source, sizeof(source), "--config %s", path);
    return batch_run(source, seed, episodes);
}

char *it_stream(glia_daemon_t *d, const char *path, const char *const *headers, double seconds,
                size_t max_bytes, long *status)
{
    it_resp_t r = perform(d, "GET", path, NULL, 0, headers, seconds, max_bytes);
    char *body = r.body;
    if (status)
        *status = r.status;
    r.body = NULL;
    it_resp_free(&r);
    return body;
}
