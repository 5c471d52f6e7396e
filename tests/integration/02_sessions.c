/* 02_sessions: the session collection: create, names, list with cursor paging and state
 * filter, get, delete, and replacing the config before the first step. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* A problem+json answer with `status`; when `pointer` is set, errors[0] names it. */
static void expect_problem(const it_resp_t *r, long status, const char *pointer, const char *what)
{
    cr_expect_eq(r->status, status, "%s: status %ld, want %ld: %.300s", what, r->status, status,
                 r->body);
    cr_expect_str_eq(r->content_type, "application/problem+json", "%s", what);
    cr_expect_eq(json_integer_value(json_object_get(r->json, "status")), status, "%s", what);
    if (pointer != NULL) {
        /* "?limit" names a query parameter: errors[0].parameter, not a JSON pointer */
        json_t *e0 = json_array_get(json_object_get(r->json, "errors"), 0);
        const char *got = pointer[0] == '?' ? json_string_value(json_object_get(e0, "parameter"))
                                            : json_string_value(json_object_get(e0, "pointer"));
        if (pointer[0] == '?')
            pointer++;
        cr_expect(got != NULL && strcmp(got, pointer) == 0, "%s: pointer %s, want %s (%.300s)",
                  what, got ? got : "(none)", pointer, r->body);
    }
}

static json_int_t progress_of(const json_t *summary, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(summary, "progress"), key));
}

static json_int_t network_count(glia_daemon_t *d, const char *name, const char *key)
{
    json_t *net = it_get_json(d, 200, "/v1/sessions/%s/network", name);
    json_int_t n = json_integer_value(json_object_get(net, key));
    json_decref(net);
    return n;
}

Test(sessions, create_answers_201_with_location_and_a_full_summary)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *got;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"alpha\",\"preset\":\"maturity\",\"seed\":7}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_str_eq(r.content_type, "application/json");
    cr_expect_str_eq(r.location, "/v1/sessions/alpha");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "name")), "alpha");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "idle");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "preset")), "maturity");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "seed")), 7);
    cr_expect_eq(progress_of(r.json, "episode"), 0);
    cr_expect_eq(progress_of(r.json, "steps"), 0);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "accepted")), 0);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "rejected")), 0);
    cr_expect(json_is_null(json_object_get(r.json, "latest_point")), "latest_point is null");
    cr_expect(json_is_string(json_object_get(r.json, "created_at")), "created_at");
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(r.json, "config"), "rng")),
                     "mulberry32-js");

    /* what the Location points at is the session just created */
    got = it_get_json(&d, 200, "%s", r.location);
    cr_expect_str_eq(json_string_value(json_object_get(got, "name")), "alpha");
    cr_expect_eq(json_integer_value(json_object_get(got, "seed")), 7);
    cr_expect(json_equal(json_object_get(got, "config"), json_object_get(r.json, "config")),
              "GET shows the config the create answered with");
    json_decref(got);
    it_resp_free(&r);

    /* without a seed the session still gets one, and a name-only body uses the defaults */
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"beta\"}");
    cr_expect_eq(r.status, 201, "%.300s", r.body);
    cr_expect(json_is_integer(json_object_get(r.json, "seed")), "seed");
    cr_expect(json_is_null(json_object_get(r.json, "preset")), "no preset");
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, duplicate_name_is_409_and_keeps_the_first_session)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *s;

    it_start(&d, NULL);
    it_create(&d, "twin", "maturity", 1);
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"twin\",\"preset\":\"cursor\",\"seed\":2}");
    expect_problem(&r, 409, NULL, "duplicate");
    it_resp_free(&r);
    s = it_get_json(&d, 200, "/v1/sessions/twin");
    cr_expect_str_eq(json_string_value(json_object_get(s, "preset")), "maturity");
    cr_expect_eq(json_integer_value(json_object_get(s, "seed")), 1);
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, invalid_names_are_422_in_the_body_and_in_the_path)
{
    glia_daemon_t d;
    it_resp_t r;
    char long_name[80], body[160];
    static const char *const bad_bodies[] = {
        "{\"name\":\"Bad_Name\"}",   "{\"name\":\"\"}",
        "{\"name\":\"-lead\"}",      "{\"name\":\"has space\"}",
        "{\"name\":\"a/b\"}",        "{\"name\":42}",
        "{\"preset\":\"maturity\"}", NULL};
    static const char *const bad_paths[][2] = {
        {"GET", "/v1/sessions/Bad_Name"},
        {"DELETE", "/v1/sessions/Bad_Name"},
        {"POST", "/v1/sessions/Bad_Name/step"},
        {"POST", "/v1/sessions/_x/run"},
        {"GET", "/v1/sessions/UPPER/metrics"},
        {"GET", "/v1/sessions/UPPER/events"},
        {NULL, NULL},
    };

    it_start(&d, NULL);
    for (int i = 0; bad_bodies[i]; i++) {
        r = it_request(&d, "POST", "/v1/sessions", bad_bodies[i]);
        expect_problem(&r, 422, "/name", bad_bodies[i]);
        it_resp_free(&r);
    }
    /* 64 characters are allowed, 65 are not */
    memset(long_name, 'n', 65);
    long_name[65] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", long_name);
    r = it_request(&d, "POST", "/v1/sessions", body);
    expect_problem(&r, 422, "/name", "65 characters");
    it_resp_free(&r);
    long_name[64] = '\0';
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", long_name);
    r = it_request(&d, "POST", "/v1/sessions", body);
    cr_expect_eq(r.status, 201, "64 characters: %ld %.200s", r.status, r.body);
    it_resp_free(&r);

    for (int i = 0; bad_paths[i][0]; i++) {
        r = it_request(&d, bad_paths[i][0], bad_paths[i][1], NULL);
        expect_problem(&r, 422, NULL, bad_paths[i][1]);
        it_resp_free(&r);
    }
    /* nothing was created by the refused requests: only the 64-character one exists */
    {
        json_t *list = it_get_json(&d, 200, "/v1/sessions");
        cr_expect_eq(json_array_size(json_object_get(list, "items")), 1);
        json_decref(list);
    }
    cr_expect_eq(it_stop(&d), 0);
}

/* Regression: a 65-character {name} was cut to 64 and then accepted, acting on the
 * session named by its first 64 characters. It must be 422 and touch nothing. */
Test(sessions, a_65_character_name_in_the_path_is_422_not_the_64_character_session)
{
    glia_daemon_t d;
    it_resp_t r;
    char name64[65], path[128];
    json_t *s;

    memset(name64, 'n', 64);
    name64[64] = '\0';
    it_start(&d, NULL);
    it_create(&d, name64, "control", 1);
    snprintf(path, sizeof(path), "/v1/sessions/%sn", name64);
    r = it_request(&d, "GET", path, NULL);
    expect_problem(&r, 422, NULL, "GET with a 65-character name");
    it_resp_free(&r);
    r = it_request(&d, "DELETE", path, NULL);
    expect_problem(&r, 422, NULL, "DELETE with a 65-character name");
    it_resp_free(&r);
    s = it_get_json(&d, 200, "/v1/sessions/%s", name64);
    cr_expect_str_eq(json_string_value(json_object_get(s, "name")), name64,
                     "the 64-character session is untouched");
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, list_pages_with_the_cursor_through_every_session_once_in_name_order)
{
    glia_daemon_t d;
    /* created out of order: the list is in name order */
    static const char *const created[] = {"s-delta",   "s-alpha", "s-golf", "s-charlie",
                                          "s-foxtrot", "s-bravo", "s-echo"};
    static const char *const sorted[] = {"s-alpha", "s-bravo",   "s-charlie", "s-delta",
                                         "s-echo",  "s-foxtrot", "s-golf"};
    char cursor[80] = "";
    size_t seen = 0;
    int pages = 0;

    it_start(&d, NULL);
    for (int i = 0; i < 7; i++)
        it_create(&d, created[i], "control", (unsigned)i);
    for (;;) {
        json_t *page, *items, *next;
        page = cursor[0] ? it_get_json(&d, 200, "/v1/sessions?limit=3&cursor=%s", cursor)
                         : it_get_json(&d, 200, "/v1/sessions?limit=3");
        items = json_object_get(page, "items");
        next = json_object_get(page, "next_cursor");
        pages++;
        cr_assert(pages <= 3, "more than 3 pages of 3 for 7 sessions");
        cr_expect(json_array_size(items) <= 3, "page %d has %zu items", pages,
                  json_array_size(items));
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            const char *name = json_string_value(json_object_get(it, "name"));
            cr_assert(seen < 7, "more than 7 items in all");
            cr_expect_str_eq(name, sorted[seen], "item %zu", seen);
            /* list items are summaries without the config */
            cr_expect(json_object_get(it, "state") != NULL, "%s has a state", name);
            cr_expect_null(json_object_get(it, "config"), "%s carries no config", name);
            seen++;
        }
        if (json_is_null(next)) {
            json_decref(page);
            break;
        }
        cr_assert(json_is_string(next), "next_cursor is a string or null");
        snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
        json_decref(page);
    }
    cr_expect_eq(seen, 7);
    cr_expect_eq(pages, 3);

    /* one page holding everything has no next cursor */
    {
        json_t *all = it_get_json(&d, 200, "/v1/sessions?limit=7");
        cr_expect_eq(json_array_size(json_object_get(all, "items")), 7);
        cr_expect(json_is_null(json_object_get(all, "next_cursor")), "no next page");
        json_decref(all);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, list_filters_by_state_and_refuses_bad_state_and_limit)
{
    glia_daemon_t d;
    json_t *list, *s;
    it_resp_t r;
    static const char *const bad_queries[][2] = {
        {"/v1/sessions?state=bogus", "?state"}, {"/v1/sessions?state=", "?state"},
        {"/v1/sessions?limit=0", "?limit"},     {"/v1/sessions?limit=1001", "?limit"},
        {"/v1/sessions?limit=-1", "?limit"},    {"/v1/sessions?limit=ten", "?limit"},
        {"/v1/sessions?limit=", "?limit"},      {NULL, NULL},
    };

    it_start(&d, NULL);
    it_create(&d, "idle-a", "maturity", 1);
    it_create(&d, "done-b", "maturity", 2);
    it_create(&d, "idle-c", "maturity", 3);
    it_run(&d, "done-b", 20);
    s = it_wait_state(&d, "done-b", "completed", 30);
    json_decref(s);

    list = it_get_json(&d, 200, "/v1/sessions?state=completed");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 1);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(list, "items"), 0), "name")),
                     "done-b");
    json_decref(list);

    list = it_get_json(&d, 200, "/v1/sessions?state=idle");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 2);
    for (size_t i = 0; i < json_array_size(json_object_get(list, "items")); i++)
        cr_expect_str_eq(json_string_value(json_object_get(
                             json_array_get(json_object_get(list, "items"), i), "state")),
                         "idle");
    json_decref(list);

    list = it_get_json(&d, 200, "/v1/sessions?state=running");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 0);
    cr_expect(json_is_null(json_object_get(list, "next_cursor")), "no next page");
    json_decref(list);

    /* the filter and the cursor combine: one idle session per page */
    list = it_get_json(&d, 200, "/v1/sessions?state=idle&limit=1");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(list, "items"), 0), "name")),
                     "idle-a");
    cr_expect_str_eq(json_string_value(json_object_get(list, "next_cursor")), "idle-a");
    json_decref(list);
    list = it_get_json(&d, 200, "/v1/sessions?state=idle&limit=1&cursor=idle-a");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(list, "items"), 0), "name")),
                     "idle-c");
    cr_expect(json_is_null(json_object_get(list, "next_cursor")), "idle-c is the last idle one");
    json_decref(list);

    for (int i = 0; bad_queries[i][0]; i++) {
        r = it_request(&d, "GET", bad_queries[i][0], NULL);
        expect_problem(&r, 400, bad_queries[i][1], bad_queries[i][0]);
        it_resp_free(&r);
    }
    /* the bounds themselves are fine */
    r = it_request(&d, "GET", "/v1/sessions?limit=1000", NULL);
    cr_expect_eq(r.status, 200);
    it_resp_free(&r);
    r = it_request(&d, "GET", "/v1/sessions?limit=1", NULL);
    cr_expect_eq(r.status, 200);
    cr_expect_eq(json_array_size(json_object_get(r.json, "items")), 1);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, unknown_session_is_404_on_every_route)
{
    glia_daemon_t d;
    it_resp_t r;
    static const char *const routes[][2] = {
        {"GET", "/v1/sessions/ghost"},
        {"DELETE", "/v1/sessions/ghost"},
        {"POST", "/v1/sessions/ghost/step"},
        {"POST", "/v1/sessions/ghost/pause"},
        {"GET", "/v1/sessions/ghost/metrics"},
        {"GET", "/v1/sessions/ghost/events"},
        {"GET", "/v1/sessions/ghost/result"},
        {"GET", "/v1/sessions/ghost/network"},
        {NULL, NULL},
    };

    it_start(&d, NULL);
    for (int i = 0; routes[i][0]; i++) {
        r = it_request(&d, routes[i][0], routes[i][1], NULL);
        expect_problem(&r, 404, NULL, routes[i][1]);
        it_resp_free(&r);
    }
    r = it_request(&d, "PUT", "/v1/sessions/ghost/config", "{\"preset\":\"maturity\"}");
    expect_problem(&r, 404, NULL, "PUT config");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/ghost/run", "{\"episodes\":5}");
    expect_problem(&r, 404, NULL, "run");
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, delete_answers_204_then_404_and_the_name_is_free_again)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *s;

    it_start(&d, NULL);
    it_create(&d, "gone", "maturity", 1);
    it_run(&d, "gone", 20);
    json_decref(it_wait_state(&d, "gone", "completed", 30));

    r = it_request(&d, "DELETE", "/v1/sessions/gone", NULL);
    cr_expect_eq(r.status, 204, "%.300s", r.body);
    cr_expect_eq(r.len, 0, "204 has no body");
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/gone");
    expect_problem(&r, 404, NULL, "GET after delete");
    it_resp_free(&r);
    r = it_request(&d, "DELETE", "/v1/sessions/gone", NULL);
    expect_problem(&r, 404, NULL, "second delete");
    it_resp_free(&r);
    s = it_get_json(&d, 200, "/v1/sessions");
    cr_expect_eq(json_array_size(json_object_get(s, "items")), 0, "the list no longer has it");
    json_decref(s);

    /* the name can be used again, for a fresh session with nothing of the old one */
    it_create(&d, "gone", "cursor", 9);
    s = it_get_json(&d, 200, "/v1/sessions/gone");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "idle");
    cr_expect_str_eq(json_string_value(json_object_get(s, "preset")), "cursor");
    cr_expect_eq(json_integer_value(json_object_get(s, "seed")), 9);
    cr_expect_eq(progress_of(s, "steps"), 0);
    cr_expect(json_is_null(json_object_get(s, "latest_point")), "no trajectory carried over");
    json_decref(s);
    s = it_get_json(&d, 200, "/v1/sessions/gone/metrics");
    cr_expect_eq(json_array_size(json_object_get(s, "points")), 0, "no points carried over");
    json_decref(s);
    r = it_get(&d, "/v1/sessions/gone/result");
    expect_problem(&r, 409, NULL, "no result carried over");
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, delete_while_running_stops_the_run)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "busy", "maturity", 1);
    it_run(&d, "busy", 10000000);
    json_decref(it_wait_episode(&d, "busy", 1, 30));
    r = it_request(&d, "DELETE", "/v1/sessions/busy", NULL);
    cr_expect_eq(r.status, 204, "%.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/busy");
    expect_problem(&r, 404, NULL, "GET after delete");
    it_resp_free(&r);
    /* a new session of that name starts from nothing and is not driven by the old run */
    it_create(&d, "busy", "maturity", 1);
    it_sleep(0.2);
    {
        json_t *s = it_get_json(&d, 200, "/v1/sessions/busy");
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "idle");
        cr_expect_eq(progress_of(s, "steps"), 0);
        json_decref(s);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, put_config_before_the_first_step_replaces_it_and_rebuilds_the_network)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *s;
    json_int_t syn_before, syn_after;

    it_start(&d, NULL);
    it_create(&d, "cfg", "maturity", 5);
    syn_before = network_count(&d, "cfg", "synapses_count");
    cr_expect_eq(network_count(&d, "cfg", "neurons_count"), 70);

    r = it_request(&d, "PUT", "/v1/sessions/cfg/config",
                   "{\"preset\":\"maturity\",\"config\":{\"network\":{\"p_intra\":0.3}}}");
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    cr_expect_eq(json_real_value(json_object_get(
                     json_object_get(json_object_get(r.json, "config"), "network"), "p_intra")),
                 0.3);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "seed")), 5, "the seed is kept");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "idle");
    it_resp_free(&r);

    s = it_get_json(&d, 200, "/v1/sessions/cfg");
    cr_expect_eq(json_real_value(json_object_get(
                     json_object_get(json_object_get(s, "config"), "network"), "p_intra")),
                 0.3, "GET shows the new config");
    json_decref(s);
    syn_after = network_count(&d, "cfg", "synapses_count");
    /* half the intra-cluster connection probability: clearly fewer synapses */
    cr_expect(syn_after < syn_before - 200, "synapses %lld -> %lld after p_intra 0.6 -> 0.3",
              (long long)syn_before, (long long)syn_after);

    /* a config can also resize the network, and a new seed can come with it */
    r = it_request(
        &d, "PUT", "/v1/sessions/cfg/config",
        "{\"preset\":\"maturity\",\"seed\":6,\"config\":{\"network\":{\"regular\":18}}}");
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "seed")), 6);
    it_resp_free(&r);
    cr_expect_eq(network_count(&d, "cfg", "neurons_count"), 60);

    /* a bad config is refused with the field named, and the session keeps its config */
    r = it_request(&d, "PUT", "/v1/sessions/cfg/config",
                   "{\"config\":{\"network\":{\"p_intra\":2}}}");
    expect_problem(&r, 422, "/config/network/p_intra", "PUT with p_intra 2");
    it_resp_free(&r);
    r = it_request(&d, "PUT", "/v1/sessions/cfg/config", "{\"name\":\"other\"}");
    expect_problem(&r, 422, "/name", "PUT cannot rename");
    it_resp_free(&r);
    cr_expect_eq(network_count(&d, "cfg", "neurons_count"), 60);

    /* after one step the config is fixed */
    r = it_request(&d, "POST", "/v1/sessions/cfg/step", NULL);
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "PUT", "/v1/sessions/cfg/config", "{\"preset\":\"maturity\"}");
    expect_problem(&r, 409, NULL, "PUT after a step");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "idle");
    it_resp_free(&r);
    cr_expect_eq(network_count(&d, "cfg", "neurons_count"), 60, "the 409 changed nothing");
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, put_config_while_running_is_409)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "run", "maturity", 1);
    it_run(&d, "run", 10000000);
    r = it_request(&d, "PUT", "/v1/sessions/run/config", "{\"preset\":\"maturity\"}");
    expect_problem(&r, 409, NULL, "PUT while running");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "running");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/run/cancel", NULL);
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, unknown_preset_is_422_at_preset_and_aliases_work)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"x\",\"preset\":\"nope\"}");
    expect_problem(&r, 422, "/preset", "unknown preset");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"x\",\"preset\":7}");
    expect_problem(&r, 422, "/preset", "preset not a string");
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/x");
    cr_expect_eq(r.status, 404, "a refused create leaves nothing behind");
    it_resp_free(&r);
    /* an alias names its preset */
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"x\",\"preset\":\"exp024\"}");
    cr_expect_eq(r.status, 201, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "preset")), "maturity");
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(sessions, config_overrides_apply_on_top_of_the_preset)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *cfg, *net;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"small\",\"preset\":\"epsilon\",\"seed\":3,"
                   "\"config\":{\"network\":{\"regular\":18},"
                   "\"training\":{\"steps_per_episode\":4}}}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cfg = json_object_get(r.json, "config");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(cfg, "network"), "regular")),
                 18);
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(cfg, "training"), "steps_per_episode")),
        4);
    /* the rest is the preset's */
    cr_expect_str_eq(json_string_value(json_object_get(cfg, "rng")), "mulberry32-js");
    cr_expect_str_eq(
        json_string_value(json_object_get(
            json_object_get(json_object_get(cfg, "learner"), "astrocyte"), "exploration")),
        "flat");
    it_resp_free(&r);

    net = it_get_json(&d, 200, "/v1/sessions/small/network");
    cr_expect_eq(json_integer_value(json_object_get(net, "neurons_count")), 60);
    cr_expect_eq(json_array_size(json_object_get(net, "neurons")), 60);
    json_decref(net);

    /* 4 steps per episode: one episode after 4 steps */
    r = it_request(&d, "POST", "/v1/sessions/small/step", "{\"steps\":4}");
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "episode")), 1);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}
