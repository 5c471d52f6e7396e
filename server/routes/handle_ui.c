/* handle_ui.c: the web UI's routes: GET / and GET /ui redirect to /ui/, and GET
 * /ui/{path...} answers with an embedded file (ui_assets.h decides which, and whether it
 * is a 304 or a gzip copy). HTTP threads; the files are static, nothing is locked. The UI
 * holds no data, so it needs no token: the app asks for one when /v1 answers 401. */
#include <stdio.h>
#include <string.h>

#include "api/problem.h"
#include "server/http/reply.h"
#include "server/routes/handlers.h"
#include "server/routes/ui_assets.h"

/* The UI's pages take any query: the app reads it in the browser (/ui/?state=running,
 * /ui/compare?s=a&s=b), the server never does. */
int glia_prepare_ui_query(glia_request_t *req, glia_error_t *err)
{
    (void)req;
    (void)err;
    return 0;
}

void glia_handle_ui_root(glia_server_t *srv, glia_request_t *req)
{
    (void)srv;
    /* "/" may mean something else one day: 302; "/ui" is "/ui/" for good: 301. */
    snprintf(req->location, sizeof(req->location), "%s", GLIA_UI_PREFIX);
    glia_reply_add_header(req, "Content-Security-Policy", GLIA_UI_CSP);
    glia_reply_static(req, strcmp(req->match.template, "/") == 0 ? 302 : 301, NULL, "", 0);
}

void glia_handle_ui(glia_server_t *srv, glia_request_t *req)
{
    char path[GLIA_ROUTE_TAIL_MAX + sizeof(GLIA_UI_PREFIX)];
    glia_ui_reply_t r;
    (void)srv;

    snprintf(path, sizeof(path), GLIA_UI_PREFIX "%s", req->match.tail);
    glia_ui_answer(path, req->if_none_match, req->accept_encoding, &r);
    if (r.status == 404) {
        glia_reply_problem(req, glia_problem(404, "not-found", "no such file: %s", req->path));
        return;
    }
    glia_reply_add_header(req, "ETag", r.asset->etag);
    /* Revalidate every time (a 304 is cheap): file names carry no version. */
    glia_reply_add_header(req, "Cache-Control", "no-cache");
    if (r.asset->gz != NULL)
        glia_reply_add_header(req, "Vary", "Accept-Encoding");
    if (r.is_gzip)
        glia_reply_add_header(req, "Content-Encoding", "gzip");
    glia_reply_add_header(req, "Content-Security-Policy", GLIA_UI_CSP);
    glia_reply_add_header(req, "X-Content-Type-Options", "nosniff");
    glia_reply_add_header(req, "Referrer-Policy", "no-referrer");
    glia_reply_static(req, r.status, r.status == 200 ? r.asset->type : NULL, r.body, r.len);
}
