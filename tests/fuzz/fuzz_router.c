/* fuzz_router.c: gliad's route table (server/routes/routes.c) on arbitrary method and path.
 *
 * The input is "METHOD PATH" (split at the first space; bytes after a NUL are what a
 * C string would drop anyway). Properties: the answer is 200/404/405; a 405 lists the
 * methods that do match the path, and not the one asked for; a match is the table's
 * row (index, template, method; HEAD matches like GET); the {name} parameter is present
 * exactly for {name} templates, is at most GLIA_NAME_MAX characters and is only called
 * valid when it is a valid name; a {path...} tail only for prefix templates; and a
 * valid match rebuilt from its template, name and tail is the same path and matches
 * the same row again.
 */
#include <string.h>

#include "api/router.h"
#include "fuzz_common.h"
#include "server/routes/routes.h"

#define MAX_PATH 4096

static int match(const char *method, const char *path, glia_route_match_t *m, char *allow,
                 size_t allow_size)
{
    memset(m, 0xa5, sizeof(*m)); /* nothing may be read before it is written */
    return glia_route_match(glia_routes, glia_n_routes, method, path, m, allow, allow_size);
}

/* `tpl` with {name} and {path...} filled in. */
static void fill_template(const char *tpl, const char *name, const char *tail, char *out,
                          size_t size)
{
    size_t o = 0;

    while (*tpl && o + 1 < size) {
        const char *v = NULL;
        if (strncmp(tpl, "{name}", 6) == 0)
            v = name, tpl += 6;
        else if (strncmp(tpl, "{path...}", 9) == 0)
            v = tail, tpl += 9;
        if (v != NULL)
            o += (size_t)snprintf(out + o, size - o, "%s", v);
        else
            out[o++] = *tpl++;
        if (o >= size)
            o = size - 1;
    }
    out[o] = '\0';
}

static void check_match(const char *method, const char *path, const glia_route_match_t *m)
{
    const char *tpl, *want;
    int has_name, has_tail;
    size_t n;

    FUZZ_CHECK(m->index >= 0 && (size_t)m->index < glia_n_routes, "index %d", m->index);
    FUZZ_CHECK(m->route == &glia_routes[m->index], "row and index disagree");
    tpl = m->route->template;
    want = m->route->method;
    has_name = strstr(tpl, "{name}") != NULL;
    has_tail = strstr(tpl, "{path...}") != NULL;
    n = strnlen(m->name, sizeof(m->name));
    FUZZ_CHECK(m->template == tpl, "template %s vs %s", m->template, tpl);
    FUZZ_CHECK(strcmp(method, want) == 0 ||
                   (strcmp(method, "HEAD") == 0 && strcmp(want, "GET") == 0),
               "%s matched a %s route", method, want);
    FUZZ_CHECK(n <= GLIA_NAME_MAX, "name of %zu characters", n);
    FUZZ_CHECK(has_name == (n > 0), "%s: name \"%s\" for %s", path, m->name, tpl);
    FUZZ_CHECK(!m->name_valid || n == 0 || glia_name_valid(m->name), "\"%s\" called valid",
               m->name);
    FUZZ_CHECK(strnlen(m->tail, sizeof(m->tail)) < sizeof(m->tail), "tail not terminated");
    FUZZ_CHECK(has_tail || (m->tail[0] == '\0' && !m->tail_truncated), "%s: tail \"%s\" for %s",
               path, m->tail, tpl);
    if (m->name_valid && !m->tail_truncated) {
        char again[MAX_PATH + 64], allow[256];
        glia_route_match_t m2;
        fill_template(tpl, m->name, m->tail, again, sizeof(again));
        FUZZ_CHECK(strcmp(again, path) == 0, "a valid match of %s rebuilds as %s", path, again);
        FUZZ_CHECK(match(method, again, &m2, allow, sizeof(allow)) == GLIA_MATCH_OK &&
                       m2.index == m->index && strcmp(m2.name, m->name) == 0 && m2.name_valid,
                   "%s rebuilt as %s matches another route", path, again);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[MAX_PATH + 32], allow[256];
    const char *method, *path;
    char *sp;
    glia_route_match_t m;
    int rc;

    if (size >= sizeof(buf))
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    if ((sp = strchr(buf, ' ')) == NULL)
        return 0;
    *sp = '\0';
    method = buf;
    path = sp + 1;

    rc = match(method, path, &m, allow, sizeof(allow));
    FUZZ_CHECK(rc == GLIA_MATCH_OK || rc == GLIA_MATCH_NOT_FOUND || rc == GLIA_MATCH_BAD_METHOD,
               "rc %d", rc);
    if (rc == GLIA_MATCH_OK) {
        check_match(method, path, &m);
    } else if (rc == GLIA_MATCH_BAD_METHOD) {
        /* Every listed method matches; the method asked for is not among them. */
        char list[256], *save = NULL;
        int listed = 0;
        snprintf(list, sizeof(list), "%s", allow);
        for (char *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            glia_route_match_t m2;
            char allow2[256];
            FUZZ_CHECK(strcmp(tok, method) != 0, "405 for %s %s, which Allow lists", method, path);
            FUZZ_CHECK(match(tok, path, &m2, allow2, sizeof(allow2)) == GLIA_MATCH_OK,
                       "Allow lists %s but %s %s does not match", tok, tok, path);
            FUZZ_CHECK(strcmp(allow, allow2) == 0, "Allow differs: %s / %s", allow, allow2);
            listed++;
        }
        FUZZ_CHECK(listed > 0, "405 with an empty Allow for %s %s", method, path);
    }
    if (strcmp(method, "GET") == 0) {
        glia_route_match_t h;
        char allow_h[256];
        int rc_h = match("HEAD", path, &h, allow_h, sizeof(allow_h));
        FUZZ_CHECK(rc_h == rc, "HEAD %d, GET %d", rc_h, rc);
        FUZZ_CHECK(rc != GLIA_MATCH_OK || (h.index == m.index && strcmp(h.name, m.name) == 0 &&
                                           h.name_valid == m.name_valid),
                   "HEAD and GET %s differ", path);
    }
    return 0;
}
