/* router.c: the route table and a segment-by-segment matcher. */
#include "router.h"

#include <stdio.h>
#include <string.h>

typedef struct route_def {
    const char *method;
    const char *template;
    int route;
} route_def_t;

static const route_def_t routes[] = {
    {"GET", "/healthz", GLIA_ROUTE_HEALTHZ},
    {"GET", "/readyz", GLIA_ROUTE_READYZ},
    {"GET", "/metrics", GLIA_ROUTE_PROMETHEUS},
    {"GET", "/v1/version", GLIA_ROUTE_VERSION},
    {"GET", "/v1/presets", GLIA_ROUTE_PRESETS},
    {"GET", "/v1/presets/{name}", GLIA_ROUTE_PRESET},
    {"GET", "/v1/sessions", GLIA_ROUTE_SESSIONS_LIST},
    {"POST", "/v1/sessions", GLIA_ROUTE_SESSIONS_CREATE},
    {"GET", "/v1/sessions/{name}", GLIA_ROUTE_SESSION_GET},
    {"DELETE", "/v1/sessions/{name}", GLIA_ROUTE_SESSION_DELETE},
    {"PUT", "/v1/sessions/{name}/config", GLIA_ROUTE_SESSION_CONFIG},
    {"POST", "/v1/sessions/{name}/step", GLIA_ROUTE_SESSION_STEP},
    {"POST", "/v1/sessions/{name}/run", GLIA_ROUTE_SESSION_RUN},
    {"POST", "/v1/sessions/{name}/pause", GLIA_ROUTE_SESSION_PAUSE},
    {"POST", "/v1/sessions/{name}/resume", GLIA_ROUTE_SESSION_RESUME},
    {"POST", "/v1/sessions/{name}/cancel", GLIA_ROUTE_SESSION_CANCEL},
    {"GET", "/v1/sessions/{name}/metrics", GLIA_ROUTE_SESSION_METRICS},
    {"GET", "/v1/sessions/{name}/events", GLIA_ROUTE_SESSION_EVENTS},
    {"GET", "/v1/sessions/{name}/inference", GLIA_ROUTE_SESSION_INFERENCE},
    {"GET", "/v1/sessions/{name}/astrocytes", GLIA_ROUTE_SESSION_ASTROCYTES},
    {"GET", "/v1/sessions/{name}/network", GLIA_ROUTE_SESSION_NETWORK},
    {"GET", "/v1/sessions/{name}/result", GLIA_ROUTE_SESSION_RESULT},
    {"GET", "/v1/sessions/{name}/snapshot", GLIA_ROUTE_SESSION_SNAPSHOT},
    {"GET", "/v1/experiments", GLIA_ROUTE_EXPERIMENTS_LIST},
    {"POST", "/v1/experiments", GLIA_ROUTE_EXPERIMENTS_CREATE},
    {"GET", "/v1/experiments/templates", GLIA_ROUTE_EXPERIMENT_TEMPLATES},
    {"GET", "/v1/experiments/{name}", GLIA_ROUTE_EXPERIMENT_GET},
    {"DELETE", "/v1/experiments/{name}", GLIA_ROUTE_EXPERIMENT_DELETE},
    {"POST", "/v1/experiments/{name}/cancel", GLIA_ROUTE_EXPERIMENT_CANCEL},
    {"GET", "/v1/experiments/{name}/report", GLIA_ROUTE_EXPERIMENT_REPORT},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

int glia_name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n < 1 || n > GLIA_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return 0;
    }
    return 1;
}

/* Match one template against a path; a {name} segment captures into name (which may be
 * any non-empty segment: validity is reported separately, so a bad name gets 422). */
static int match_template(const char *tpl, const char *path, char *name, size_t name_size,
                          int *truncated)
{
    while (*tpl && *path) {
        if (*tpl != '/' || *path != '/')
            return 0;
        tpl++;
        path++;
        if (strncmp(tpl, "{name}", 6) == 0) {
            size_t n = strcspn(path, "/");
            if (n == 0)
                return 0;
            *truncated = n >= name_size;
            snprintf(name, name_size, "%.*s", (int)(*truncated ? name_size - 1 : n), path);
            tpl += 6;
            path += n;
        } else {
            size_t n = strcspn(tpl, "/");
            if (strncmp(tpl, path, n) != 0 || (path[n] != '/' && path[n] != '\0'))
                return 0;
            tpl += n;
            path += n;
        }
    }
    return *tpl == '\0' && *path == '\0';
}

int glia_route_match(const char *method, const char *path, glia_route_match_t *m, char *allow,
                     size_t allow_size)
{
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    int found_path = 0, best = -1, truncated = 0;
    char name[GLIA_NAME_MAX + 2];

    if (allow_size > 0)
        allow[0] = '\0';
    /* Literal templates first, then those with {name}: "/v1/experiments/templates" is
     * not an experiment called "templates". */
    for (int with_param = 0; with_param < 2 && !found_path; with_param++) {
        for (size_t i = 0; i < NROUTES; i++) {
            char seg[GLIA_NAME_MAX + 2] = "";
            int trunc = 0;
            if ((strstr(routes[i].template, "{name}") != NULL) != with_param ||
                !match_template(routes[i].template, path, seg, sizeof(seg), &trunc))
                continue;
            found_path = 1;
            if (allow_size > 0) {
                size_t len = strlen(allow);
                snprintf(allow + len, allow_size - len, "%s%s%s", len ? ", " : "",
                         routes[i].method, strcmp(routes[i].method, "GET") == 0 ? ", HEAD" : "");
            }
            if (strcmp(routes[i].method, want) == 0) {
                best = (int)i;
                memcpy(name, seg, sizeof(name));
                truncated = trunc;
            }
        }
    }
    if (best < 0)
        return found_path ? GLIA_MATCH_BAD_METHOD : GLIA_MATCH_NOT_FOUND;
    m->route = routes[best].route;
    m->template = routes[best].template;
    /* Judge the whole segment, then keep at most GLIA_NAME_MAX of it (for messages): a
     * 65-character name is invalid, never its 64-character prefix. */
    m->name_valid = name[0] == '\0' || (!truncated && glia_name_valid(name));
    {
        size_t n = strnlen(name, GLIA_NAME_MAX);
        memcpy(m->name, name, n);
        m->name[n] = '\0';
    }
    return GLIA_MATCH_OK;
}

const char *glia_route_template(int route)
{
    for (size_t i = 0; i < NROUTES; i++) {
        if (routes[i].route == route)
            return routes[i].template;
    }
    return "unknown";
}

const char *glia_route_method(int route)
{
    for (size_t i = 0; i < NROUTES; i++) {
        if (routes[i].route == route)
            return routes[i].method;
    }
    return "unknown";
}
