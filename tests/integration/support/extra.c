/* extra.c: more integration-test helpers (see extra.h). */
#include "extra.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

it_resp_t it_send(glia_daemon_t *d, const char *method, const char *path, const char *fmt, ...)
{
    va_list ap, ap2;
    char *body;
    int n;
    it_resp_t r;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0, "vsnprintf");
    body = malloc((size_t)n + 1);
    cr_assert_not_null(body);
    vsnprintf(body, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    r = it_request_h(d, method, path, body, (size_t)n, NULL);
    free(body);
    return r;
}

json_t *it_get_json(glia_daemon_t *d, long want_status, const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    it_resp_t r;
    json_t *j;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    r = it_request(d, "GET", path, NULL);
    cr_assert_eq(r.status, want_status, "GET %s: %ld %.500s", path, r.status, r.body);
    cr_assert_not_null(r.json, "GET %s: not JSON: %.200s", path, r.body);
    j = json_incref(r.json);
    it_resp_free(&r);
    return j;
}

void it_run(glia_daemon_t *d, const char *name, unsigned episodes)
{
    char path[256];
    it_resp_t r;

    snprintf(path, sizeof(path), "/v1/sessions/%s/run", name);
    r = it_send(d, "POST", path, "{\"episodes\":%u}", episodes);
    cr_assert_eq(r.status, 202, "run %s: %ld %.300s", name, r.status, r.body);
    it_resp_free(&r);
}

json_t *it_result(glia_daemon_t *d, const char *name)
{
    return it_get_json(d, 200, "/v1/sessions/%s/result", name);
}

json_t *it_wait_episode(glia_daemon_t *d, const char *name, unsigned episode, double timeout)
{
    double t0 = it_now();
    for (;;) {
        it_resp_t r = it_get(d, "/v1/sessions/%s", name);
        json_t *p = json_object_get(json_object_get(r.json, "progress"), "episode");
        if (r.status == 200 && json_integer_value(p) >= (json_int_t)episode) {
            json_t *j = json_incref(r.json);
            it_resp_free(&r);
            return j;
        }
        if (it_now() - t0 > timeout)
            cr_assert_fail("%s did not reach episode %u within %.0f s (last: %ld %.300s)", name,
                           episode, timeout, r.status, r.body);
        it_resp_free(&r);
        it_sleep(0.01);
    }
}

char *it_dump(const json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) : NULL;
    return s ? s : strdup("(missing)");
}

void it_expect_same_run(const json_t *got, const json_t *want, const char *what)
{
    static const char *const keys[] = {
        "episodes",   "steps",      "accepted",         "rejected",
        "inference",  "trajectory", "final_weight_sum", "final_first_weights",
        "astrocytes", NULL};

    cr_assert_not_null(got, "%s: no result", what);
    cr_assert_not_null(want, "%s: no reference result", what);
    for (int i = 0; keys[i]; i++) {
        json_t *g = json_object_get(got, keys[i]), *w = json_object_get(want, keys[i]);
        if (w == NULL || g == NULL || !json_equal(g, w)) {
            char *gs = it_dump(g), *ws = it_dump(w);
            cr_expect_fail("%s: \"%s\" differs:\n  got  %.400s\n  want %.400s", what, keys[i], gs,
                           ws);
            free(gs);
            free(ws);
        }
    }
}

void it_expect_healthy(glia_daemon_t *d, const char *after_what)
{
    it_resp_t r = it_get(d, "/healthz");
    cr_expect_eq(r.status, 200, "after %s, /healthz answered %ld (daemon down?)", after_what,
                 r.status);
    it_resp_free(&r);
}

json_t *it_events(glia_daemon_t *d, const char *name, unsigned long long after)
{
    char path[256];
    long status = 0;
    char *body, *line, *save = NULL;
    json_t *out = json_array();

    snprintf(path, sizeof(path), "/v1/sessions/%s/events?format=ndjson&follow=false&after=%llu",
             name, after);
    body = it_stream(d, path, NULL, 20, 0, &status);
    cr_assert_eq(status, 200, "GET %s: %ld %.300s", path, status, body);
    for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t err;
        json_t *ev;
        if (line[0] == '\0')
            continue; /* keepalive */
        ev = json_loads(line, 0, &err);
        cr_assert_not_null(ev, "event line is not JSON: %.200s (%s)", line, err.text);
        json_array_append_new(out, ev);
    }
    free(body);
    return out;
}

/* ---- chunked upload ---------------------------------------------------------------- */

typedef struct upload {
    const char *p;
    size_t left;
} upload_t;

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
    upload_t *u = arg;
    size_t n = size * nmemb;
    if (n > 16384)
        n = 16384; /* many chunks */
    if (n > u->left)
        n = u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

typedef struct sink {
    char *p;
    size_t len;
    double deadline;
    atomic_size_t *received; /* optional: published progress */
} sink_t;

static size_t sink_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    sink_t *s = arg;
    size_t n = size * nmemb;
    char *np = realloc(s->p, s->len + n + 1);
    if (np == NULL)
        return 0;
    s->p = np;
    memcpy(s->p + s->len, data, n);
    s->len += n;
    s->p[s->len] = '\0';
    if (s->received)
        atomic_store(s->received, s->len);
    return n;
}

it_resp_t it_upload_chunked(glia_daemon_t *d, const char *method, const char *path,
                            const char *body, size_t len)
{
    it_resp_t r;
    upload_t u = {body, len};
    sink_t s = {0};
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[1024];
    double t0 = it_now();

    memset(&r, 0, sizeof(r));
    cr_assert_not_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    h = curl_slist_append(h, "Transfer-Encoding: chunked");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = s.p ? s.p : strdup("");
    r.len = s.len;
    r.seconds = it_now() - t0;
    if (r.len > 0)
        r.json = json_loadb(r.body, r.len, 0, NULL);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

long it_get_status_long(glia_daemon_t *d, const char *path)
{
    size_t n = strlen(path) + 64;
    char *url = malloc(n);
    sink_t s = {0};
    CURL *c = curl_easy_init();
    long status = 0;

    cr_assert(url && c);
    snprintf(url, n, "http://127.0.0.1:%d%s", d->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    free(s.p);
    free(url);
    return status;
}

void it_parallel(glia_daemon_t *d, int n, const char *method, const char *const *paths,
                 const char *const *bodies, long *statuses)
{
    CURLM *m = curl_multi_init();
    CURL **easy = calloc((size_t)n, sizeof(*easy));
    sink_t *sinks = calloc((size_t)n, sizeof(*sinks));
    struct curl_slist *h = NULL;
    char auth[200];
    int running = 0;

    cr_assert(m && easy && sinks);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    if (d->token[0]) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", d->token);
        h = curl_slist_append(h, auth);
    }
    for (int i = 0; i < n; i++) {
        char url[1024];
        easy[i] = curl_easy_init();
        cr_assert_not_null(easy[i]);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, paths[i]);
        curl_easy_setopt(easy[i], CURLOPT_URL, url);
        curl_easy_setopt(easy[i], CURLOPT_CUSTOMREQUEST, method);
        if (bodies && bodies[i])
            curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS, bodies[i]);
        curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, sink_cb);
        curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, &sinks[i]);
        curl_easy_setopt(easy[i], CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(easy[i], CURLOPT_FORBID_REUSE, 1L); /* one connection each */
        curl_multi_add_handle(m, easy[i]);
    }
    do {
        curl_multi_perform(m, &running);
        if (running)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    } while (running);
    for (int i = 0; i < n; i++) {
        statuses[i] = 0;
        curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &statuses[i]);
        curl_multi_remove_handle(m, easy[i]);
        curl_easy_cleanup(easy[i]);
        free(sinks[i].p);
    }
    curl_slist_free_all(h);
    curl_multi_cleanup(m);
    free(sinks);
    free(easy);
}

/* ---- background stream ------------------------------------------------------------- */

static int bg_progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    sink_t *s = arg;
    (void)dt, (void)dn, (void)ut, (void)un;
    return it_now() > s->deadline;
}

static void *bg_main(void *arg)
{
    it_bg_stream_t *bs = arg;
    sink_t s = {0};
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    double t0 = it_now();
    CURLcode rc;

    if (c == NULL) {
        bs->curl_code = -1;
        return NULL;
    }
    s.deadline = t0 + bs->max_seconds;
    s.received = &bs->received;
    curl_easy_setopt(c, CURLOPT_URL, bs->url);
    if (bs->auth[0])
        h = curl_slist_append(h, bs->auth);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, bg_progress_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &bs->status);
    bs->curl_code = (int)rc;
    bs->timed_out = rc == CURLE_ABORTED_BY_CALLBACK;
    bs->body = s.p ? s.p : strdup("");
    bs->len = s.len;
    bs->seconds = it_now() - t0;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

void it_bg_stream_start(it_bg_stream_t *s, glia_daemon_t *d, const char *path, double max_seconds)
{
    memset(s, 0, sizeof(*s));
    atomic_init(&s->received, 0);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d%s", d->port, path);
    if (d->token[0])
        snprintf(s->auth, sizeof(s->auth), "Authorization: Bearer %s", d->token);
    s->max_seconds = max_seconds;
    cr_assert_eq(pthread_create(&s->thread, NULL, bg_main, s), 0, "pthread_create");
}

void it_bg_stream_wait(it_bg_stream_t *s, size_t bytes, double timeout)
{
    double t0 = it_now();
    while (atomic_load(&s->received) < bytes) {
        if (it_now() - t0 > timeout)
            cr_assert_fail("stream %s: %zu bytes after %.0f s", s->url,
                           (size_t)atomic_load(&s->received), timeout);
        it_sleep(0.01);
    }
}

void it_bg_stream_join(it_bg_stream_t *s)
{
    pthread_join(s->thread, NULL);
}

void it_bg_stream_free(it_bg_stream_t *s)
{
    free(s->body);
    s->body = NULL;
}

/* ---- files ------------------------------------------------------------------------- */

char *it_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;

    if (f == NULL)
        return NULL;
    do {
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, 4096, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int it_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int rc;
    if (f == NULL)
        return -1;
    rc = fwrite(data, 1, len, f) == len ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

int it_log_contains(const glia_daemon_t *d, const char *needle)
{
    char *log = it_read_file(d->log_path, NULL);
    int found = log != NULL && strstr(log, needle) != NULL;
    free(log);
    return found;
}

/* ---- orphaned daemons -------------------------------------------------------------- */

/* A test that fails an assertion before it_stop/it_kill leaves its gliad running (and
 * learning, if a run was going) after the test process ends. When a test process
 * exits, kill the gliad children it still has: only processes whose parent is this
 * process and whose program is GLIAD_PATH. The temp dir and log stay for inspection. */
__attribute__((destructor)) static void reap_orphaned_daemons(void)
{
    DIR *proc = opendir("/proc");
    struct dirent *ent;
    pid_t self = getpid();

    if (proc == NULL)
        return;
    while ((ent = readdir(proc)) != NULL) {
        char path[64], buf[512], *close_paren;
        pid_t pid = (pid_t)strtol(ent->d_name, NULL, 10);
        long ppid;
        FILE *f;
        size_t n;

        if (pid <= 0 || pid == self)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')' */
        close_paren = strrchr(buf, ')');
        if (close_paren == NULL || sscanf(close_paren + 1, " %*c %ld", &ppid) != 1 ||
            ppid != (long)self)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        if ((f = fopen(path, "r")) == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0'; /* argv[0] is the first NUL-terminated string */
        if (strcmp(buf, GLIAD_PATH) == 0) {
            int status;
            fprintf(stderr, "harness: killing gliad %d left running by a failed test\n", (int)pid);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
    }
    closedir(proc);
}

static void *bg_request_main(void *arg)
{
    it_bg_request_t *b = arg;

    b->resp = it_request(b->d, b->method, b->path, b->body);
    b->done_at = it_now();
    atomic_store(&b->is_done, 1);
    return NULL;
}

void it_bg_request_start(it_bg_request_t *b, glia_daemon_t *d, const char *method, const char *path,
                         const char *body)
{
    memset(b, 0, sizeof(*b));
    b->d = d;
    snprintf(b->method, sizeof(b->method), "%s", method);
    snprintf(b->path, sizeof(b->path), "%s", path);
    b->body = body ? strdup(body) : NULL;
    cr_assert(body == NULL || b->body != NULL, "out of memory");
    cr_assert_eq(pthread_create(&b->thread, NULL, bg_request_main, b), 0);
}

void it_bg_request_join(it_bg_request_t *b)
{
    pthread_join(b->thread, NULL);
    free(b->body);
    b->body = NULL;
}
