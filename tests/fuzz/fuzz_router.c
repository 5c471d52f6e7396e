/* fuzz_router.c: the route table on arbitrary method and path.
 *
 * The input is "METHOD PATH" (split at the first space; bytes after a NUL are what a
 * C string would drop anyway). Properties: the answer is 200/404/405; a 405 lists the
 * methods that do match the path; a match agrees with the table (method, template),
 * HEAD matches like GET, the {name} parameter is present exactly for templated routes,
 * is at most GLIA_NAME_MAX characters and is only called valid when it is a valid name;
 * and a valid match rebuilt from its template and name matches again, identically.
 */
#include <string.h>

#include "api/router.h"
#include "fuzz_common.h"

#define MAX_PATH 4096

/* `tpl` with {name} replaced by `name`. */
static void fill_template(const char *tpl, const char *name, char *out, size_t size)
{
    const char *p = strstr(tpl, "{name}");
    if (p == NULL)
        snprintf(out, size, "%s", tpl);
    else
        snprintf(out, size, "%.*s%s%s", (int)(p - tpl), tpl, name, p + 6);
}

static void check_match(const char *method, const char *path, const glia_route_match_t *m)
{
    const char *tpl = glia_route_template(m->route);
    const char *want = glia_route_method(m->route);
    int has_param = strstr(tpl, "{name}") != NULL;
    size_t n = strlen(m->name);

    FUZZ_CHECK(m->route >= 0 && m->route < GLIA_ROUTE_COUNT, "route %d", m->route);
    FUZZ_CHECK(strcmp(tpl, m->template) == 0, "template %s vs %s", tpl, m->template);
    FUZZ_CHECK(strcmp(method, want) == 0 ||
                   (strcmp(method, "HEAD") == 0 && strcmp(want, "GET") == 0),
               "%s matched a %s route", method, want);
    FUZZ_CHECK(n <= GLIA_NAME_MAX, "name of %zu characters", n);
    FUZZ_CHECK(has_param == (n > 0), "%s: name \"%s\" for %s", path, m->name, tpl);
    FUZZ_CHECK(!m->name_valid || n == 0 || glia_name_valid(m->name), "\"%s\" called valid",
               m->name);
    FUZZ_CHECK(!has_param || !m->name_valid || strstr(path, m->name) != NULL,
               "name \"%s\" is not in the path %s", m->name, path);
    if (m->name_valid) {
        char again[MAX_PATH];
        glia_route_match_t m2;
        char allow[128];
        fill_template(tpl, m->name, again, sizeof(again));
        FUZZ_CHECK(glia_route_match(method, again, &m2, allow, sizeof(allow)) == GLIA_MATCH_OK,
                   "%s %s matched %s but %s does not match", method, path, tpl, again);
        FUZZ_CHECK(m2.route == m->route && strcmp(m2.name, m->name) == 0 && m2.name_valid,
                   "%s rebuilt as %s matches another route", path, again);
        FUZZ_CHECK(strcmp(again, path) == 0, "a valid match of %s rebuilds as %s", path, again);
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

    memset(&m, 0xa5, sizeof(m)); /* nothing may be read before it is written */
    rc = glia_route_match(method, path, &m, allow, sizeof(allow));
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
            FUZZ_CHECK(glia_route_match(tok, path, &m2, allow2, sizeof(allow2)) == GLIA_MATCH_OK,
                       "Allow lists %s but %s %s does not match", tok, tok, path);
            FUZZ_CHECK(strcmp(allow, allow2) == 0, "Allow differs: %s / %s", allow, allow2);
            listed++;
        }
        FUZZ_CHECK(listed > 0, "405 with an empty Allow for %s %s", method, path);
    }
    if (strcmp(method, "GET") == 0) {
        glia_route_match_t h;
        char allow_h[256];
        int rc_h = glia_route_match("HEAD", path, &h, allow_h, sizeof(allow_h));
        FUZZ_CHECK(rc_h == rc, "HEAD %d, GET %d", rc_h, rc);
        FUZZ_CHECK(rc != GLIA_MATCH_OK || (h.route == m.route && strcmp(h.name, m.name) == 0 &&
                                           h.name_valid == m.name_valid),
                   "HEAD and GET %s differ", path);
    }
    return 0;
}
