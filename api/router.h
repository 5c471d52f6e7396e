/* router.h: the HTTP surface as a table: (method, path template) -> route.
 *
 * Matching is pure string work: the server asks which route a request is for and
 * gets the route id, the {name} path parameter, and for a known path with a wrong
 * method the Allow list. HEAD is accepted wherever GET is.
 */
#ifndef GLIA_ROUTER_H
#define GLIA_ROUTER_H

#include <stddef.h>

enum glia_route {
    GLIA_ROUTE_HEALTHZ,
    GLIA_ROUTE_READYZ,
    GLIA_ROUTE_PROMETHEUS,
    GLIA_ROUTE_VERSION,
    GLIA_ROUTE_PRESETS,
    GLIA_ROUTE_PRESET,
    GLIA_ROUTE_SESSIONS_LIST,
    GLIA_ROUTE_SESSIONS_CREATE,
    GLIA_ROUTE_SESSION_GET,
    GLIA_ROUTE_SESSION_DELETE,
    GLIA_ROUTE_SESSION_CONFIG,
    GLIA_ROUTE_SESSION_STEP,
    GLIA_ROUTE_SESSION_RUN,
    GLIA_ROUTE_SESSION_PAUSE,
    GLIA_ROUTE_SESSION_RESUME,
    GLIA_ROUTE_SESSION_CANCEL,
    GLIA_ROUTE_SESSION_METRICS,
    GLIA_ROUTE_SESSION_EVENTS,
    GLIA_ROUTE_SESSION_INFERENCE,
    GLIA_ROUTE_SESSION_ASTROCYTES,
    GLIA_ROUTE_SESSION_NETWORK,
    GLIA_ROUTE_SESSION_RESULT,
    GLIA_ROUTE_SESSION_SNAPSHOT,
    GLIA_ROUTE_EXPERIMENTS_LIST,
    GLIA_ROUTE_EXPERIMENTS_CREATE,
    GLIA_ROUTE_EXPERIMENT_TEMPLATES,
    GLIA_ROUTE_EXPERIMENT_GET,
    GLIA_ROUTE_EXPERIMENT_DELETE,
    GLIA_ROUTE_EXPERIMENT_CANCEL,
    GLIA_ROUTE_EXPERIMENT_REPORT,
    GLIA_ROUTE_COUNT
};

#define GLIA_NAME_MAX 64

typedef struct glia_route_match {
    int route;                     /* enum glia_route */
    const char *template;          /* "/v1/sessions/{name}/run": a metrics label */
    char name[GLIA_NAME_MAX + 1];  /* the {name} parameter, "" when none */
    int name_valid;                /* {name} matches [a-z0-9][a-z0-9._-]{0,63} */
} glia_route_match_t;

enum { GLIA_MATCH_OK = 0, GLIA_MATCH_NOT_FOUND = 404, GLIA_MATCH_BAD_METHOD = 405 };

/* Match `method` and `path` (no query string). Returns GLIA_MATCH_OK and fills `m`,
 * GLIA_MATCH_NOT_FOUND, or GLIA_MATCH_BAD_METHOD with `allow` set to the methods the
 * path takes ("GET, HEAD, POST"). */
int glia_route_match(const char *method, const char *path, glia_route_match_t *m, char *allow,
                     size_t allow_size);

/* Route template and method by id (for logs and metrics labels). */
const char *glia_route_template(int route);
const char *glia_route_method(int route);

/* Is `name` a valid session/experiment name: [a-z0-9][a-z0-9._-]{0,63}? */
int glia_name_valid(const char *name);

#endif
