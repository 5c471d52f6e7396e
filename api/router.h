/* router.h: routes as rows of one table, and a segment-by-segment matcher.
 *
 * A route row says everything the server needs to know about a route: method, path
 * template, the handler that answers it, the function that parses and validates its
 * request once (optional) and flags (where it is served, whether it writes, whether
 * {name} is a session). The table itself lives with the handlers (server/routes/routes.c); this
 * file only matches paths against it, which is pure string work. HEAD is accepted
 * wherever GET is.
 *
 * Templates are literal segments, "{name}" (one segment: a session, experiment or preset
 * name) and, as the last segment only, "{path...}" (everything below the prefix, slashes
 * included, possibly empty): "GET /ui/{path...}" serves /ui/, /ui/app.js, /ui/css/a.css.
 * Literal templates win over {name} templates, which win over prefix templates.
 */
#ifndef GLIA_ROUTER_H
#define GLIA_ROUTER_H

#include <stddef.h>

#include "api/names.h"
#include "core/error.h"

#define GLIA_ROUTE_TAIL_MAX 256

struct glia_server;
struct glia_request;

/* Answers the request (on the thread the flags say). */
typedef void (*glia_route_handler_fn)(struct glia_server *srv, struct glia_request *req);
/* Parses and validates the request's body and query into the request, once, before
 * anything else is looked at. Returns 0, or GLIA_EINVAL with err set (err->field is a
 * JSON pointer into the body, or "?name" for a query parameter, or a header name), or
 * GLIA_ENOMEM. */
typedef int (*glia_route_prepare_fn)(struct glia_request *req, glia_error_t *err);

enum glia_route_flags {
    GLIA_ROUTE_LOOP = 1 << 0,        /* served on the loop thread (else on the HTTP thread, from
                                        published data only) */
    GLIA_ROUTE_WRITE = 1 << 1,       /* changes something (refused once shutting down) */
    GLIA_ROUTE_SESSION = 1 << 2,     /* {name} is a session that must exist (404 otherwise) */
    GLIA_ROUTE_ON_BROKEN = 1 << 3,   /* also for a session that could not be restored */
    GLIA_ROUTE_QUERY_TOKEN = 1 << 4, /* the token may come as ?access_token= (EventSource) */
    GLIA_ROUTE_UPLOAD = 1 << 5,      /* the body is a file's bytes: bounded by
                                        --max-dataset-bytes, never parsed as JSON */
};

typedef struct glia_route {
    const char *method;
    const char *template; /* "/v1/sessions/{name}/run": also the metrics label */
    glia_route_handler_fn handler;
    glia_route_prepare_fn prepare; /* NULL: nothing to parse */
    unsigned flags;                /* enum glia_route_flags */
} glia_route_t;

typedef struct glia_route_match {
    const glia_route_t *route;      /* the matched row */
    int index;                      /* its index in the table */
    const char *template;           /* route->template */
    char name[GLIA_NAME_MAX + 1];   /* the {name} parameter, "" when none */
    int name_valid;                 /* {name} matches [a-z0-9][a-z0-9._-]{0,63} */
    char tail[GLIA_ROUTE_TAIL_MAX]; /* the {path...} parameter, "" when none */
    int tail_truncated;             /* the tail was longer than GLIA_ROUTE_TAIL_MAX - 1 */
} glia_route_match_t;

enum { GLIA_MATCH_OK = 0, GLIA_MATCH_NOT_FOUND = 404, GLIA_MATCH_BAD_METHOD = 405 };

/* Match `method` and `path` (no query string) against the `n` rows of `table`. Returns
 * GLIA_MATCH_OK and fills `m`, GLIA_MATCH_NOT_FOUND, or GLIA_MATCH_BAD_METHOD with `allow`
 * set to the methods the path takes ("GET, HEAD, POST"). */
int glia_route_match(const glia_route_t *table, size_t n, const char *method, const char *path,
                     glia_route_match_t *m, char *allow, size_t allow_size);

/* Is `name` a valid session/experiment name: [a-z0-9][a-z0-9._-]{0,63}? */
int glia_name_valid(const char *name);

#endif
