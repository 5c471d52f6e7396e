/* ui_assets.h: the web UI's files (server/ui/), built into gliad.
 *
 * server/ui/embed.cmake turns every file under server/ui/ (index.html, assets/...) into
 * a byte array in the generated ui_assets_data.c, with its content type, ETag and an
 * optional gzip copy. This module only looks them up; serving them is the HTTP layer's.
 */
#ifndef GLIA_UI_ASSETS_H
#define GLIA_UI_ASSETS_H

#include <stddef.h>

typedef struct glia_ui_asset {
    const char *path;          /* "/ui/assets/app.js" */
    const char *type;          /* Content-Type */
    const char *etag;          /* quoted: "\"0123456789abcdef\"" (SHA-256 prefix) */
    const unsigned char *data; /* the file's bytes */
    size_t len;
    const unsigned char *gz; /* gzip copy when it is smaller, else NULL */
    size_t gz_len;
} glia_ui_asset_t;

extern const glia_ui_asset_t glia_ui_assets[];
extern const size_t glia_ui_assets_count;

#define GLIA_UI_PREFIX "/ui/"

/* The asset answering a GET of `path` (no query string), or NULL (404):
 * - a path naming an embedded file gets that file;
 * - any other path under /ui/ gets index.html (the app routes deep links itself),
 *   except under /ui/assets/, where a missing file is a 404 rather than an HTML page
 *   in place of a script.
 * Paths outside /ui/ get NULL. Borrowed, static storage. */
const glia_ui_asset_t *glia_ui_asset_for_path(const char *path);

/* Does an If-None-Match header value ("*", or a list of possibly weak ETags) match
 * `etag`? NULL matches nothing. */
int glia_ui_etag_matches(const char *if_none_match, const char *etag);

/* Does an Accept-Encoding header value accept gzip (listed, or "*", without q=0)? */
int glia_ui_accepts_gzip(const char *accept_encoding);

/* What to answer a request for the UI (a path outside /v1 that the UI owns). */
typedef struct glia_ui_reply {
    int status;                   /* 200, 304, 301, 302 or 404 */
    const glia_ui_asset_t *asset; /* 200 and 304: the asset (its type and ETag) */
    const unsigned char *body;    /* 200: the bytes to send (maybe the gzip copy) */
    size_t len;
    int is_gzip;          /* body is the gzip copy: Content-Encoding: gzip */
    const char *location; /* 301/302: where to */
} glia_ui_reply_t;

/* Does the UI own `path`: "/", "/ui" or anything under "/ui/"? */
int glia_ui_owns_path(const char *path);

/* Decide the answer to a GET (or HEAD) of a path the UI owns: "/" redirects (302) to
 * "/ui/", "/ui" (301) to "/ui/"; under /ui/ the asset (glia_ui_asset_for_path) is 200,
 * or 304 when If-None-Match matches its ETag, or 404. The gzip copy is chosen when
 * there is one and Accept-Encoding allows it. The header values may be NULL. */
void glia_ui_answer(const char *path, const char *if_none_match, const char *accept_encoding,
                    glia_ui_reply_t *out);

/* Headers every UI answer carries: the app loads only from this origin. */
#define GLIA_UI_CSP                                                                                \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "                    \
    "form-action 'self'; frame-ancestors 'none'"

#endif
