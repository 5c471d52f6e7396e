/* router.c: a segment-by-segment matcher over a table of route rows (see router.h). */
#include "api/router.h"

#include <stdio.h>
#include <string.h>

#define PARAM "{name}"
#define TAIL  "{path...}"

enum { KIND_LITERAL, KIND_PARAM, KIND_PREFIX, KIND_COUNT };

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

static int kind_of(const char *tpl)
{
    if (strstr(tpl, TAIL) != NULL)
        return KIND_PREFIX;
    return strstr(tpl, PARAM) != NULL ? KIND_PARAM : KIND_LITERAL;
}

/* What one template captured from a path. */
typedef struct capture {
    char name[GLIA_NAME_MAX + 2];
    int name_truncated;
    const char *tail;
} capture_t;

/* Match one template against a path; a {name} segment captures into c->name (which may be
 * any non-empty segment: validity is reported separately, so a bad name gets 422), and a
 * final {path...} takes the rest of the path. */
static int match_template(const char *tpl, const char *path, capture_t *c)
{
    while (*tpl && *path) {
        if (*tpl != '/' || *path != '/')
            return 0;
        tpl++;
        path++;
        if (strcmp(tpl, TAIL) == 0) {
            c->tail = path;
            return 1;
        }
        if (strncmp(tpl, PARAM, strlen(PARAM)) == 0) {
            size_t n = strcspn(path, "/");
            if (n == 0)
                return 0;
            c->name_truncated = n >= sizeof(c->name);
            snprintf(c->name, sizeof(c->name), "%.*s",
                     (int)(c->name_truncated ? sizeof(c->name) - 1 : n), path);
            tpl += strlen(PARAM);
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

static void allow_add(char *allow, size_t allow_size, const char *method)
{
    size_t len;

    if (allow_size == 0)
        return;
    len = strlen(allow);
    snprintf(allow + len, allow_size - len, "%s%s%s", len ? ", " : "", method,
             strcmp(method, "GET") == 0 ? ", HEAD" : "");
}

int glia_route_match(const glia_route_t *table, size_t n, const char *method, const char *path,
                     glia_route_match_t *m, char *allow, size_t allow_size)
{
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    int found_path = 0, best = -1;
    capture_t got;

    memset(&got, 0, sizeof(got));
    if (allow_size > 0)
        allow[0] = '\0';
    /* The most specific kind of template that matches the path decides: the literal
     * "/v1/experiments/templates" is not an experiment called "templates". */
    for (int kind = 0; kind < KIND_COUNT && !found_path; kind++) {
        for (size_t i = 0; i < n; i++) {
            capture_t c;
            memset(&c, 0, sizeof(c));
            if (kind_of(table[i].template) != kind || !match_template(table[i].template, path, &c))
                continue;
            found_path = 1;
            allow_add(allow, allow_size, table[i].method);
            if (strcmp(table[i].method, want) == 0) {
                best = (int)i;
                got = c;
            }
        }
    }
    if (best < 0)
        return found_path ? GLIA_MATCH_BAD_METHOD : GLIA_MATCH_NOT_FOUND;
    m->route = &table[best];
    m->index = best;
    m->template = table[best].template;
    /* Judge the whole segment, then keep at most GLIA_NAME_MAX of it (for messages): a
     * 65-character name is invalid, never its 64-character prefix. */
    m->name_valid = got.name[0] == '\0' || (!got.name_truncated && glia_name_valid(got.name));
    {
        size_t len = strnlen(got.name, GLIA_NAME_MAX);
        memcpy(m->name, got.name, len);
        m->name[len] = '\0';
    }
    m->tail_truncated = got.tail != NULL && strlen(got.tail) >= sizeof(m->tail);
    snprintf(m->tail, sizeof(m->tail), "%s", got.tail ? got.tail : "");
    return GLIA_MATCH_OK;
}
