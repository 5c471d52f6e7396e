/* ui_assets.c: look up the embedded web UI files and read the two headers that decide
 * how one is sent (If-None-Match, Accept-Encoding). Pure string work. */
#include "server/routes/ui_assets.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const glia_ui_asset_t *find(const char *path)
{
    for (size_t i = 0; i < glia_ui_assets_count; i++) {
        if (strcmp(glia_ui_assets[i].path, path) == 0)
            return &glia_ui_assets[i];
    }
    return NULL;
}

const glia_ui_asset_t *glia_ui_asset_for_path(const char *path)
{
    const glia_ui_asset_t *a;

    if (strncmp(path, GLIA_UI_PREFIX, strlen(GLIA_UI_PREFIX)) != 0)
        return NULL;
    if ((a = find(path)) != NULL)
        return a;
    if (strncmp(path, GLIA_UI_PREFIX "assets/", strlen(GLIA_UI_PREFIX "assets/")) == 0)
        return NULL;
    return find(GLIA_UI_PREFIX "index.html");
}

/* The next comma-separated element of *s, trimmed: [*start, *start + *len). Returns 0
 * at the end. */
static int next_element(const char **s, const char **start, size_t *len)
{
    const char *p = *s, *end;

    while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
    if (*p == '\0')
        return 0;
    end = p + strcspn(p, ",");
    *s = end;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *start = p;
    *len = (size_t)(end - p);
    return 1;
}

int glia_ui_etag_matches(const char *if_none_match, const char *etag)
{
    const char *s = if_none_match, *el;
    size_t len, elen = strlen(etag);

    if (s == NULL)
        return 0;
    while (next_element(&s, &el, &len)) {
        if (len == 1 && el[0] == '*')
            return 1;
        if (len > 2 && el[0] == 'W' && el[1] == '/') { /* weak comparison for GET */
            el += 2;
            len -= 2;
        }
        if (len == elen && memcmp(el, etag, len) == 0)
            return 1;
    }
    return 0;
}

/* q of an Accept-Encoding element ("gzip;q=0.5"): 1 without a q parameter. */
static double element_q(const char *el, size_t len)
{
    const char *semi = memchr(el, ';', len);
    while (semi != NULL) {
        const char *p = semi + 1;
        while (p < el + len && (*p == ' ' || *p == '\t'))
            p++;
        if (p + 1 < el + len && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char num[16];
            size_t n = (size_t)(el + len - (p + 2));
            if (n >= sizeof(num))
                n = sizeof(num) - 1;
            memcpy(num, p + 2, n);
            num[n] = '\0';
            return strtod(num, NULL);
        }
        semi = memchr(p, ';', (size_t)(el + len - p));
    }
    return 1.0;
}

int glia_ui_accepts_gzip(const char *accept_encoding)
{
    const char *s = accept_encoding, *el;
    size_t len;
    int star = 0;

    if (s == NULL)
        return 0;
    while (next_element(&s, &el, &len)) {
        size_t name = strcspn(el, "; \t");
        if (name > len)
            name = len;
        if ((name == 4 && strncasecmp(el, "gzip", 4) == 0) ||
            (name == 6 && strncasecmp(el, "x-gzip", 6) == 0))
            return element_q(el, len) > 0.0; /* an explicit gzip decides */
        if (name == 1 && el[0] == '*')
            star = element_q(el, len) > 0.0;
    }
    return star;
}

int glia_ui_owns_path(const char *path)
{
    return strcmp(path, "/") == 0 || strcmp(path, "/ui") == 0 ||
           strncmp(path, GLIA_UI_PREFIX, strlen(GLIA_UI_PREFIX)) == 0;
}

void glia_ui_answer(const char *path, const char *if_none_match, const char *accept_encoding,
                    glia_ui_reply_t *out)
{
    const glia_ui_asset_t *a;

    memset(out, 0, sizeof(*out));
    if (strcmp(path, "/") == 0 || strcmp(path, "/ui") == 0) {
        out->status = path[1] == '\0' ? 302 : 301;
        out->location = GLIA_UI_PREFIX;
        return;
    }
    if ((a = glia_ui_asset_for_path(path)) == NULL) {
        out->status = 404;
        return;
    }
    out->asset = a;
    if (glia_ui_etag_matches(if_none_match, a->etag)) {
        out->status = 304;
        return;
    }
    out->status = 200;
    if (a->gz != NULL && glia_ui_accepts_gzip(accept_encoding)) {
        out->body = a->gz;
        out->len = a->gz_len;
        out->is_gzip = 1;
    } else {
        out->body = a->data;
        out->len = a->len;
    }
}
