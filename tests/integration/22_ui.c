/* 22_ui: the web UI's files as gliad serves them.
 *
 * Every file under server/ui/ (index.html, assets/...) is served at /ui/<path> with the
 * bytes of the source file, its content type, an ETag (304 on If-None-Match), no-cache,
 * a same-origin Content-Security-Policy, and a gzip copy when the client accepts it; HEAD
 * gives the same headers without a body. GET / and /ui redirect to /ui/; any other path
 * under /ui/ is the app (deep links), except under /ui/assets/, where a missing file is a
 * 404 problem; other methods are 405 with Allow. The UI needs no token, /v1 still does.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "support/extra.h"
#include "support/harness.h"

#define UI_DIR GLIA_TEST_DATA "/../../server/ui"

typedef struct reply {
    long status;
    char *body;
    size_t len;
    char headers[8192];
    size_t hlen;
} reply_t;

static size_t body_cb(char *p, size_t size, size_t n, void *arg)
{
    reply_t *r = arg;
    char *nb = realloc(r->body, r->len + size * n + 1);
    cr_assert_not_null(nb);
    memcpy(nb + r->len, p, size * n);
    r->body = nb;
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

static size_t head_cb(char *p, size_t size, size_t n, void *arg)
{
    reply_t *r = arg;
    size_t k = size * n;
    if (r->hlen + k < sizeof(r->headers)) {
        memcpy(r->headers + r->hlen, p, k);
        r->hlen += k;
        r->headers[r->hlen] = '\0';
    }
    return k;
}

/* One request; `extra` is a NULL-terminated list of header lines; decode: let curl
 * undo a gzip Content-Encoding (as a browser does). */
static reply_t fetch(glia_daemon_t *d, const char *method, const char *path,
                     const char *const *extra, int decode)
{
    reply_t r;
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[1024];

    memset(&r, 0, sizeof(r));
    cr_assert_not_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    for (int i = 0; extra && extra[i]; i++)
        h = curl_slist_append(h, extra[i]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (decode)
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, head_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK, "%s %s", method, path);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r.body == NULL)
        r.body = calloc(1, 1);
    return r;
}

/* The value of header `name` (case-insensitive), or "" when absent. */
static const char *header(const reply_t *r, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    out[0] = '\0';
    for (const char *line = r->headers; *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            size_t len = strcspn(v, "\r\n");
            while (*v == ' ' && len > 0) {
                v++;
                len--;
            }
            snprintf(out, size, "%.*s", (int)len, v);
            break;
        }
    }
    return out;
}

static void reply_free(reply_t *r)
{
    free(r->body);
}

/* The content type a file must be served with (by extension, as embed.cmake decides). */
static const char *type_for(const char *rel)
{
    const char *dot = strrchr(rel, '.'), *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (strcmp(base, "LICENSE") == 0)
        return "text/plain; charset=utf-8";
    cr_assert_not_null(dot, "%s: no extension", rel);
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    if (strcmp(dot, ".png") == 0)
        return "image/png";
    cr_assert_fail("%s: an extension this test does not know", rel);
    return NULL;
}

/* Every file below UI_DIR/<sub> as paths relative to UI_DIR. */
static void walk(const char *sub, char list[][256], int *n, int max)
{
    char dir[1024];
    DIR *dp;
    struct dirent *de;

    snprintf(dir, sizeof(dir), "%s/%s", UI_DIR, sub);
    dp = opendir(dir);
    cr_assert_not_null(dp, "%s", dir);
    while ((de = readdir(dp)) != NULL) {
        char rel[512], full[1600];
        struct stat st;
        if (de->d_name[0] == '.')
            continue;
        snprintf(rel, sizeof(rel), "%s/%s", sub, de->d_name);
        snprintf(full, sizeof(full), "%s/%s", UI_DIR, rel);
        cr_assert_eq(stat(full, &st), 0, "%s", full);
        if (S_ISDIR(st.st_mode)) {
            walk(rel, list, n, max);
        } else {
            cr_assert_lt(*n, max);
            snprintf(list[(*n)++], 256, "%.255s", rel);
        }
    }
    closedir(dp);
}

Test(ui, root_and_ui_redirect_to_the_app)
{
    glia_daemon_t d;
    reply_t r;
    char v[256];

    it_start(&d, NULL);
    r = fetch(&d, "GET", "/", NULL, 0);
    cr_expect_eq(r.status, 302);
    cr_expect_str_eq(header(&r, "Location", v, sizeof(v)), "/ui/");
    reply_free(&r);
    r = fetch(&d, "GET", "/ui", NULL, 0);
    cr_expect_eq(r.status, 301);
    cr_expect_str_eq(header(&r, "Location", v, sizeof(v)), "/ui/");
    reply_free(&r);
    r = fetch(&d, "HEAD", "/", NULL, 0);
    cr_expect_eq(r.status, 302, "HEAD / redirects too");
    reply_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(ui, every_file_is_served_as_built)
{
    static char files[128][256];
    int n = 0;
    glia_daemon_t d;

    snprintf(files[n++], 256, "index.html");
    walk("assets", files, &n, 128);
    cr_assert_gt(n, 5, "the UI has its files");
    it_start(&d, NULL);
    for (int i = 0; i < n; i++) {
        char path[300], full[1300], type[128], etag[128], v[512], inm[200];
        size_t len = 0;
        char *want;
        reply_t r, head, again;

        snprintf(path, sizeof(path), "/ui/%.255s", files[i]);
        snprintf(full, sizeof(full), "%s/%.255s", UI_DIR, files[i]);
        want = it_read_file(full, &len);
        cr_assert_not_null(want, "%s", full);
        r = fetch(&d, "GET", path, NULL, 0);
        cr_expect_eq(r.status, 200, "%s", path);
        cr_expect(r.len == len && memcmp(r.body, want, len) == 0,
                  "%s: the served bytes (%zu) are the file's (%zu)", path, r.len, len);
        cr_expect_str_eq(header(&r, "Content-Type", type, sizeof(type)), type_for(files[i]), "%s",
                         path);
        header(&r, "ETag", etag, sizeof(etag));
        cr_expect(strlen(etag) == 18 && etag[0] == '"' && etag[17] == '"', "%s: ETag %s", path,
                  etag);
        cr_expect_str_eq(header(&r, "Cache-Control", v, sizeof(v)), "no-cache", "%s", path);
        cr_expect(strstr(header(&r, "Content-Security-Policy", v, sizeof(v)),
                         "default-src 'self'") != NULL,
                  "%s: CSP %s", path, v);
        cr_expect_str_eq(header(&r, "X-Content-Type-Options", v, sizeof(v)), "nosniff");
        cr_expect_str_eq(header(&r, "Content-Encoding", v, sizeof(v)), "", "%s: identity", path);

        head = fetch(&d, "HEAD", path, NULL, 0);
        cr_expect_eq(head.status, 200);
        cr_expect_eq(head.len, 0, "%s: HEAD has no body", path);
        snprintf(inm, sizeof(inm), "%zu", len);
        cr_expect_str_eq(header(&head, "Content-Length", v, sizeof(v)), inm, "%s: HEAD length",
                         path);
        reply_free(&head);

        snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
        again = fetch(&d, "GET", path, (const char *const[]){inm, NULL}, 0);
        cr_expect_eq(again.status, 304, "%s: If-None-Match", path);
        cr_expect_eq(again.len, 0);
        cr_expect_str_eq(header(&again, "ETag", v, sizeof(v)), etag);
        reply_free(&again);
        again = fetch(&d, "GET", path,
                      (const char *const[]){"If-None-Match: \"0000\", W/\"1\"", NULL}, 0);
        cr_expect_eq(again.status, 200, "%s: another ETag is not a match", path);
        reply_free(&again);
        reply_free(&r);
        free(want);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(ui, gzip_when_the_client_accepts_it)
{
    glia_daemon_t d;
    reply_t raw, dec, no;
    char v[128], full[1300];
    size_t len;
    char *want;
    const char *path = "/ui/assets/vendor/uplot/uPlot.iife.min.js";

    snprintf(full, sizeof(full), "%s/assets/vendor/uplot/uPlot.iife.min.js", UI_DIR);
    want = it_read_file(full, &len);
    cr_assert_not_null(want);
    it_start(&d, NULL);
    raw = fetch(&d, "GET", path, (const char *const[]){"Accept-Encoding: gzip", NULL}, 0);
    cr_expect_eq(raw.status, 200);
    cr_expect_str_eq(header(&raw, "Content-Encoding", v, sizeof(v)), "gzip");
    cr_expect_str_eq(header(&raw, "Vary", v, sizeof(v)), "Accept-Encoding");
    cr_expect(raw.len < len / 2, "gzip: %zu bytes for %zu", raw.len, len);
    cr_expect(raw.len > 10 && (unsigned char)raw.body[0] == 0x1f &&
                  (unsigned char)raw.body[1] == 0x8b,
              "a gzip stream");
    dec = fetch(&d, "GET", path, NULL, 1);
    cr_expect(dec.len == len && memcmp(dec.body, want, len) == 0, "it decodes to the file");
    no = fetch(&d, "GET", path, (const char *const[]){"Accept-Encoding: br, gzip;q=0", NULL}, 0);
    cr_expect_str_eq(header(&no, "Content-Encoding", v, sizeof(v)), "", "gzip;q=0: identity");
    cr_expect_eq(no.len, len);
    reply_free(&no);
    no = fetch(&d, "GET", path, (const char *const[]){"Accept-Encoding: *", NULL}, 0);
    cr_expect_str_eq(header(&no, "Content-Encoding", v, sizeof(v)), "gzip", "*: gzip");
    reply_free(&no);
    reply_free(&raw);
    reply_free(&dec);
    free(want);
    cr_expect_eq(it_stop(&d), 0);
}

Test(ui, deep_links_are_the_app_and_missing_assets_are_404)
{
    static const char *const deep[] = {"/ui/",
                                       "/ui/sessions/m314",
                                       "/ui/experiments/exp021",
                                       "/ui/compare?s=a&s=b",
                                       "/ui/no/such/page",
                                       "/ui/sessions/NOT-A-NAME"};
    glia_daemon_t d;
    reply_t index, r;
    char v[256];

    it_start(&d, NULL);
    index = fetch(&d, "GET", "/ui/index.html", NULL, 0);
    cr_assert_eq(index.status, 200);
    for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
        r = fetch(&d, "GET", deep[i], NULL, 0);
        cr_expect_eq(r.status, 200, "%s", deep[i]);
        cr_expect(r.len == index.len && memcmp(r.body, index.body, r.len) == 0, "%s is index.html",
                  deep[i]);
        cr_expect_str_eq(header(&r, "Content-Type", v, sizeof(v)), "text/html; charset=utf-8");
        reply_free(&r);
    }
    r = fetch(&d, "GET", "/ui/assets/missing.js", NULL, 0);
    cr_expect_eq(r.status, 404, "a missing script is not the app");
    cr_expect_str_eq(header(&r, "Content-Type", v, sizeof(v)), "application/problem+json");
    reply_free(&r);
    r = fetch(&d, "GET", "/ui/assets/", NULL, 0);
    cr_expect_eq(r.status, 404);
    reply_free(&r);
    r = fetch(&d, "GET", "/uix", NULL, 0);
    cr_expect_eq(r.status, 404, "/uix is not the UI");
    reply_free(&r);
    reply_free(&index);
    cr_expect_eq(it_stop(&d), 0);
}

Test(ui, other_methods_are_405)
{
    glia_daemon_t d;
    reply_t r;
    char v[256];

    it_start(&d, NULL);
    r = fetch(&d, "POST", "/ui/sessions/x", NULL, 0);
    cr_expect_eq(r.status, 405);
    cr_expect_str_eq(header(&r, "Allow", v, sizeof(v)), "GET, HEAD");
    reply_free(&r);
    r = fetch(&d, "DELETE", "/", NULL, 0);
    cr_expect_eq(r.status, 405);
    cr_expect_str_eq(header(&r, "Allow", v, sizeof(v)), "GET, HEAD");
    reply_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(ui, the_ui_needs_no_token_but_v1_does)
{
    glia_daemon_t d;
    reply_t r;

    it_start(&d, (const char *[]){"--token", "ui-secret", NULL});
    r = fetch(&d, "GET", "/ui/", NULL, 0);
    cr_expect_eq(r.status, 200, "the app's files hold no data");
    reply_free(&r);
    r = fetch(&d, "GET", "/", NULL, 0);
    cr_expect_eq(r.status, 302);
    reply_free(&r);
    r = fetch(&d, "GET", "/v1/sessions", NULL, 0);
    cr_expect_eq(r.status, 401, "the API still needs the token");
    reply_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}
