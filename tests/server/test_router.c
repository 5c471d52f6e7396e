/* test_router.c: the route table and the matcher: every row of gliad's table is reached by
 * its own method and path (HEAD as GET), its flags agree with what it is, unknown paths
 * are 404 and known paths with another method 405 with the Allow list, literal segments
 * win over {name}, names are judged whole, and a {path...} prefix row serves everything
 * below its prefix. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "server/routes/routes.h"

/* A concrete path for a template: {name} -> "x1", {path...} -> "a/b". */
static void instantiate(const char *tpl, char *out, size_t size)
{
    size_t o = 0;

    while (*tpl && o + 1 < size) {
        if (strncmp(tpl, "{name}", 6) == 0) {
            o += (size_t)snprintf(out + o, size - o, "x1");
            tpl += 6;
        } else if (strncmp(tpl, "{path...}", 9) == 0) {
            o += (size_t)snprintf(out + o, size - o, "a/b");
            tpl += 9;
        } else {
            out[o++] = *tpl++;
        }
    }
    out[o] = '\0';
}

static int match(const char *method, const char *path, glia_route_match_t *m, char *allow)
{
    memset(m, 0, sizeof(*m));
    return glia_route_match(glia_routes, glia_n_routes, method, path, m, allow, 64);
}

Test(router, every_row_is_reached_by_its_method_and_path)
{
    cr_assert_gt(glia_n_routes, 20);
    cr_assert_leq(glia_n_routes, GLIA_ROUTES_MAX, "stats keep a slot per row");
    for (size_t i = 0; i < glia_n_routes; i++) {
        const glia_route_t *r = &glia_routes[i];
        glia_route_match_t m;
        char path[256], allow[64];

        instantiate(r->template, path, sizeof(path));
        cr_assert_eq(match(r->method, path, &m, allow), GLIA_MATCH_OK, "%s %s", r->method, path);
        cr_expect_eq(m.route, r, "%s %s reaches its own row", r->method, path);
        cr_expect_eq(m.index, (int)i);
        cr_expect_str_eq(m.template, r->template);
        cr_expect_eq(m.name_valid, 1);
        cr_expect_str_eq(m.name, strstr(r->template, "{name}") ? "x1" : "");
        if (strcmp(r->method, "GET") == 0) {
            cr_assert_eq(match("HEAD", path, &m, allow), GLIA_MATCH_OK);
            cr_expect_eq(m.route, r, "HEAD %s is GET's row", path);
        }
    }
}

Test(router, every_row_says_what_it_is)
{
    for (size_t i = 0; i < glia_n_routes; i++) {
        const glia_route_t *r = &glia_routes[i];
        int is_get = strcmp(r->method, "GET") == 0;
        int is_session = strncmp(r->template, "/v1/sessions/{name}", 19) == 0;

        cr_expect_not_null(r->handler, "%s %s has a handler", r->method, r->template);
        cr_expect_eq(!is_get, (r->flags & GLIA_ROUTE_WRITE) != 0,
                     "%s %s: what is not GET writes, and GET only reads", r->method, r->template);
        cr_expect(!(r->flags & GLIA_ROUTE_WRITE) || (r->flags & GLIA_ROUTE_LOOP),
                  "%s %s: writes are served on the loop", r->method, r->template);
        cr_expect_eq(is_session, (r->flags & GLIA_ROUTE_SESSION) != 0,
                     "%s %s: {name} under /v1/sessions is a session", r->method, r->template);
        cr_expect(!(r->flags & GLIA_ROUTE_ON_BROKEN) || (r->flags & GLIA_ROUTE_SESSION));
        for (size_t k = 0; k < i; k++)
            cr_expect(strcmp(glia_routes[k].method, r->method) != 0 ||
                          strcmp(glia_routes[k].template, r->template) != 0,
                      "%s %s appears once", r->method, r->template);
    }
}

static const glia_route_t *row(const char *method, const char *tpl)
{
    for (size_t i = 0; i < glia_n_routes; i++) {
        if (strcmp(glia_routes[i].method, method) == 0 && strcmp(glia_routes[i].template, tpl) == 0)
            return &glia_routes[i];
    }
    cr_assert_fail("no row %s %s", method, tpl);
    return NULL;
}

Test(router, the_rows_that_read_published_data_run_on_http_threads)
{
    cr_expect_eq(row("GET", "/v1/sessions/{name}")->flags & GLIA_ROUTE_LOOP, 0);
    cr_expect_eq(row("GET", "/v1/sessions/{name}/metrics")->flags & GLIA_ROUTE_LOOP, 0);
    cr_expect_eq(row("GET", "/v1/sessions/{name}/events")->flags & GLIA_ROUTE_LOOP, 0);
    cr_expect_neq(row("GET", "/v1/sessions/{name}/events")->flags & GLIA_ROUTE_QUERY_TOKEN, 0,
                  "EventSource may send the token in the query");
    cr_expect_neq(row("GET", "/v1/sessions/{name}/inference")->flags & GLIA_ROUTE_LOOP, 0,
                  "inference reads the learning state itself");
    cr_expect_neq(row("DELETE", "/v1/sessions/{name}")->flags & GLIA_ROUTE_ON_BROKEN, 0,
                  "a session that could not be restored can be deleted");
    for (size_t i = 0; i < glia_n_routes; i++)
        cr_expect(!(glia_routes[i].flags & GLIA_ROUTE_QUERY_TOKEN) ||
                      &glia_routes[i] == row("GET", "/v1/sessions/{name}/events"),
                  "only the stream takes a token from the query");
}

Test(router, unknown_paths_are_404)
{
    static const char *const paths[] = {"/nope",
                                        "/uix",
                                        "//",
                                        "/v1",
                                        "/v1/",
                                        "/v1/sessions/",
                                        "/v1/sessions/x/nope",
                                        "/v1/sessions/x/run/more",
                                        "/healthz/",
                                        "//healthz",
                                        "/V1/version"};
    glia_route_match_t m;
    char allow[64];

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        cr_expect_eq(match("GET", paths[i], &m, allow), GLIA_MATCH_NOT_FOUND, "%s", paths[i]);
}

Test(router, the_web_ui_owns_the_root_and_everything_below_ui)
{
    glia_route_match_t m;
    char allow[64];

    cr_assert_eq(match("GET", "/", &m, allow), GLIA_MATCH_OK);
    cr_expect_str_eq(m.template, "/");
    cr_assert_eq(match("HEAD", "/ui", &m, allow), GLIA_MATCH_OK);
    cr_expect_str_eq(m.template, "/ui");
    cr_assert_eq(match("GET", "/ui/", &m, allow), GLIA_MATCH_OK);
    cr_expect_str_eq(m.template, "/ui/{path...}");
    cr_expect_str_eq(m.tail, "");
    cr_assert_eq(match("GET", "/ui/sessions/exp021.astrocyte.42", &m, allow), GLIA_MATCH_OK);
    cr_expect_str_eq(m.tail, "sessions/exp021.astrocyte.42", "a deep link is the tail");
    cr_expect(m.name_valid, "no {name} to judge");
    cr_expect_eq(m.route->flags, 0, "served on HTTP threads, nothing to parse or lock");
    cr_expect_eq(match("POST", "/ui/x", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD");
    cr_expect_eq(match("DELETE", "/", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD");
    cr_expect_eq(match("GET", "/v1/ui/x", &m, allow), GLIA_MATCH_NOT_FOUND, "only /ui/");
}

Test(router, another_method_is_405_with_the_allowed_ones)
{
    glia_route_match_t m;
    char allow[64];

    cr_expect_eq(match("PUT", "/v1/sessions", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD, POST");
    cr_expect_eq(match("POST", "/v1/sessions/x", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD, DELETE");
    cr_expect_eq(match("GET", "/v1/sessions/x/run", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "POST");
    cr_expect_eq(match("DELETE", "/healthz", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD");
    cr_expect_eq(match("PATCH", "/v1/experiments/x", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD, DELETE");
}

Test(router, literal_segments_win_over_names)
{
    glia_route_match_t m;
    char allow[64];

    cr_assert_eq(match("GET", "/v1/experiments/templates", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.route, row("GET", "/v1/experiments/templates"));
    cr_expect_str_eq(m.name, "");
    /* the literal path is known: other methods are 405, not an experiment's DELETE */
    cr_expect_eq(match("DELETE", "/v1/experiments/templates", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD");
    cr_assert_eq(match("GET", "/v1/experiments/template", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.route, row("GET", "/v1/experiments/{name}"));
    cr_expect_str_eq(m.name, "template");
}

Test(router, names_are_judged_whole)
{
    glia_route_match_t m;
    char allow[64], path[128], name[80];

    memset(name, 'a', 64);
    name[64] = '\0';
    snprintf(path, sizeof(path), "/v1/sessions/%s", name);
    cr_assert_eq(match("GET", path, &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.name_valid, 1, "64 characters");
    cr_expect_str_eq(m.name, name);

    name[64] = 'a';
    name[65] = '\0';
    snprintf(path, sizeof(path), "/v1/sessions/%s", name);
    cr_assert_eq(match("GET", path, &m, allow), GLIA_MATCH_OK, "still routed (422 later)");
    cr_expect_eq(m.name_valid, 0, "65 characters are not a valid name");
    cr_expect_eq(strlen(m.name), GLIA_NAME_MAX, "kept to 64 for messages");

    cr_assert_eq(match("GET", "/v1/sessions/Upper", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.name_valid, 0);
    cr_assert_eq(match("GET", "/v1/sessions/-lead", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.name_valid, 0);
    cr_assert_eq(match("GET", "/v1/sessions/a.b_c-d9", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.name_valid, 1);
    cr_expect_eq(glia_name_valid(""), 0);
    cr_expect_eq(glia_name_valid("0"), 1);
}

/* ---- prefix routes (a table of their own) ------------------------------------------- */

static void h_root(struct glia_server *srv, struct glia_request *req)
{
    (void)srv;
    (void)req;
}

static void h_ui(struct glia_server *srv, struct glia_request *req)
{
    (void)srv;
    (void)req;
}

static void h_index(struct glia_server *srv, struct glia_request *req)
{
    (void)srv;
    (void)req;
}

static const glia_route_t ui_table[] = {
    {"GET", "/", h_root, NULL, 0},
    {"GET", "/ui/{path...}", h_ui, NULL, 0},
    {"GET", "/ui/index.html", h_index, NULL, 0},
    {"GET", "/v1/{name}", h_root, NULL, 0},
};

static int ui_match(const char *method, const char *path, glia_route_match_t *m, char *allow)
{
    memset(m, 0, sizeof(*m));
    return glia_route_match(ui_table, 4, method, path, m, allow, 64);
}

Test(router, a_prefix_row_serves_everything_below_it)
{
    glia_route_match_t m;
    char allow[64], longpath[400];

    cr_assert_eq(ui_match("GET", "/", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.route, &ui_table[0], "GET / is a row of its own");
    cr_assert_eq(ui_match("GET", "/ui/", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.route, &ui_table[1]);
    cr_expect_str_eq(m.tail, "", "the prefix itself: an empty tail");
    cr_assert_eq(ui_match("GET", "/ui/app.js", &m, allow), GLIA_MATCH_OK);
    cr_expect_str_eq(m.tail, "app.js");
    cr_assert_eq(ui_match("HEAD", "/ui/css/site.css", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.route, &ui_table[1]);
    cr_expect_str_eq(m.tail, "css/site.css", "slashes included");
    cr_expect_eq(m.name_valid, 1, "no {name}: nothing to judge");
    cr_assert_eq(ui_match("GET", "/ui/index.html", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.route, &ui_table[2], "a literal row wins over the prefix");
    cr_expect_eq(ui_match("GET", "/ui", &m, allow), GLIA_MATCH_NOT_FOUND,
                 "the prefix needs its slash");
    cr_expect_eq(ui_match("GET", "/uix/a", &m, allow), GLIA_MATCH_NOT_FOUND);
    cr_expect_eq(ui_match("POST", "/ui/a", &m, allow), GLIA_MATCH_BAD_METHOD);
    cr_expect_str_eq(allow, "GET, HEAD");
    cr_assert_eq(ui_match("GET", "/v1/abc", &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.route, &ui_table[3], "a {name} row wins over a prefix");

    snprintf(longpath, sizeof(longpath), "/ui/");
    memset(longpath + 4, 'f', 300);
    longpath[304] = '\0';
    cr_assert_eq(ui_match("GET", longpath, &m, allow), GLIA_MATCH_OK);
    cr_expect_eq(m.tail_truncated, 1, "a tail too long to keep is said to be cut");
    cr_expect_eq(strlen(m.tail), GLIA_ROUTE_TAIL_MAX - 1);
}
