/* 07_metrics: GET /v1/sessions/{name}/metrics, the session's trajectory points: paging
 * with ?after and ?limit, thinning with ?max_points, query bounds, the output vectors
 * each point carries, and agreement with the result's trajectory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* A maturity session with a trajectory point every `interval` episodes, run for
 * `episodes` and completed. */
static void run_session(glia_daemon_t *d, const char *name, int interval, unsigned episodes)
{
    it_resp_t r = it_send(d, "POST", "/v1/sessions",
                          "{\"name\":\"%s\",\"preset\":\"maturity\",\"seed\":19,"
                          "\"config\":{\"training\":{\"trajectory_interval\":%d}}}",
                          name, interval);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    it_run(d, name, episodes);
    json_decref(it_wait_state(d, name, "completed", 60));
}

static json_int_t episode_of(const json_t *point)
{
    return json_integer_value(json_object_get(point, "episode"));
}

static json_t *points_of(const json_t *page)
{
    return json_object_get(page, "points");
}

Test(metrics, pages_with_after_and_limit_through_every_point_once)
{
    glia_daemon_t d;
    json_t *full, *joined = json_array();
    json_int_t after = -1;
    int pages = 0;
    static const json_int_t totals[] = {61, 36, 11};

    it_start(&d, NULL);
    /* points at 0, 5, ..., 295 and the run's last episode, 299: 61 */
    run_session(&d, "m", 5, 300);
    full = it_get_json(&d, 200, "/v1/sessions/m/metrics");
    cr_expect_str_eq(json_string_value(json_object_get(full, "name")), "m");
    cr_expect_eq(json_integer_value(json_object_get(full, "total")), 61);
    cr_assert_eq(json_array_size(points_of(full)), 61);
    cr_expect(json_is_null(json_object_get(full, "next_after")), "one page holds them all");
    for (size_t i = 0; i < 60; i++)
        cr_expect_eq(episode_of(json_array_get(points_of(full), i)), (json_int_t)(5 * i));
    cr_expect_eq(episode_of(json_array_get(points_of(full), 60)), 299);

    for (;;) {
        json_t *page = after < 0
                           ? it_get_json(&d, 200, "/v1/sessions/m/metrics?limit=25")
                           : it_get_json(&d, 200, "/v1/sessions/m/metrics?after=%lld&limit=25",
                                         (long long)after);
        json_t *pts = points_of(page), *next = json_object_get(page, "next_after");
        cr_assert_lt(pages, 3, "more than 3 pages of 25 for 61 points");
        cr_expect_eq(json_integer_value(json_object_get(page, "total")), totals[pages],
                     "page %d: total counts the points after %lld", pages, (long long)after);
        cr_expect_eq(json_array_size(pts), pages < 2 ? 25 : 11, "page %d", pages);
        for (size_t i = 0; i < json_array_size(pts); i++) {
            cr_expect_gt(episode_of(json_array_get(pts, i)), after, "page %d point %zu", pages, i);
            json_array_append(joined, json_array_get(pts, i));
        }
        pages++;
        if (json_is_null(next)) {
            json_decref(page);
            break;
        }
        cr_assert(json_is_integer(next), "next_after is an integer or null");
        cr_expect_eq(json_integer_value(next),
                     episode_of(json_array_get(pts, json_array_size(pts) - 1)),
                     "next_after is the page's last episode");
        after = json_integer_value(next);
        json_decref(page);
    }
    cr_expect_eq(pages, 3);
    cr_expect(json_equal(joined, points_of(full)), "the pages together are every point once");

    /* ?after alone: the points after that episode */
    {
        json_t *tail = it_get_json(&d, 200, "/v1/sessions/m/metrics?after=290");
        cr_expect_eq(json_integer_value(json_object_get(tail, "total")), 2);
        cr_assert_eq(json_array_size(points_of(tail)), 2);
        cr_expect_eq(episode_of(json_array_get(points_of(tail), 0)), 295);
        cr_expect_eq(episode_of(json_array_get(points_of(tail), 1)), 299);
        json_decref(tail);
        tail = it_get_json(&d, 200, "/v1/sessions/m/metrics?after=299");
        cr_expect_eq(json_array_size(points_of(tail)), 0);
        cr_expect_eq(json_integer_value(json_object_get(tail, "total")), 0);
        cr_expect(json_is_null(json_object_get(tail, "next_after")), "nothing after the last");
        json_decref(tail);
        tail = it_get_json(&d, 200, "/v1/sessions/m/metrics?after=-1&limit=10000");
        cr_expect(json_equal(points_of(tail), points_of(full)), "after=-1 is the default");
        json_decref(tail);
    }
    json_decref(joined);
    json_decref(full);
    cr_expect_eq(it_stop(&d), 0);
}

Test(metrics, max_points_thins_evenly_and_keeps_the_first_and_the_last)
{
    glia_daemon_t d;
    json_t *full, *thin;
    static const int sizes[] = {2, 3, 7, 10, 60};

    it_start(&d, NULL);
    run_session(&d, "m", 5, 300);
    full = it_get_json(&d, 200, "/v1/sessions/m/metrics");
    cr_assert_eq(json_array_size(points_of(full)), 61);
    for (int k = 0; k < 5; k++) {
        size_t j = 0;
        json_t *pts;
        thin = it_get_json(&d, 200, "/v1/sessions/m/metrics?max_points=%d", sizes[k]);
        pts = points_of(thin);
        cr_expect_eq(json_array_size(pts), (size_t)sizes[k], "max_points=%d", sizes[k]);
        cr_expect_eq(json_integer_value(json_object_get(thin, "total")), 61);
        cr_expect(json_is_null(json_object_get(thin, "next_after")), "no paging when thinned");
        cr_expect_eq(episode_of(json_array_get(pts, 0)), 0, "max_points=%d keeps the first",
                     sizes[k]);
        cr_expect_eq(episode_of(json_array_get(pts, json_array_size(pts) - 1)), 299,
                     "max_points=%d keeps the last", sizes[k]);
        /* each kept point is one of the points, unchanged, in order */
        for (size_t i = 0; i < json_array_size(pts); i++) {
            while (j < 61 &&
                   !json_equal(json_array_get(points_of(full), j), json_array_get(pts, i)))
                j++;
            cr_expect_lt(j, 61, "max_points=%d: point %zu is not one of the points, in order",
                         sizes[k], i);
            j++;
        }
        json_decref(thin);
    }
    /* more room than points: all of them */
    thin = it_get_json(&d, 200, "/v1/sessions/m/metrics?max_points=100");
    cr_expect(json_equal(points_of(thin), points_of(full)), "max_points above the count");
    json_decref(thin);
    /* with ?after, the thinning is over the points after it */
    thin = it_get_json(&d, 200, "/v1/sessions/m/metrics?after=100&max_points=5");
    cr_assert_eq(json_array_size(points_of(thin)), 5);
    cr_expect_eq(episode_of(json_array_get(points_of(thin), 0)), 105);
    cr_expect_eq(episode_of(json_array_get(points_of(thin), 4)), 299);
    json_decref(thin);
    /* one thinned answer for the whole range: no paging, so no next_after */
    thin = it_get_json(&d, 200, "/v1/sessions/m/metrics?max_points=10");
    cr_expect(json_is_null(json_object_get(thin, "next_after")), "next_after null with max_points");
    json_decref(thin);
    /* limit pages raw points; asking for both is refused rather than silently cut */
    {
        it_resp_t r = it_get(&d, "/v1/sessions/m/metrics?max_points=10&limit=4");
        cr_expect_eq(r.status, 400, "max_points with limit: %ld %.200s", r.status, r.body);
        it_resp_free(&r);
    }
    json_decref(full);
    cr_expect_eq(it_stop(&d), 0);
}

Test(metrics, query_bounds_are_400)
{
    glia_daemon_t d;
    it_resp_t r;
    static const char *const bad[][2] = {
        {"?limit=0", "?limit"},
        {"?limit=10001", "?limit"},
        {"?limit=abc", "?limit"},
        {"?limit=", "?limit"},
        {"?max_points=1", "?max_points"},
        {"?max_points=10001", "?max_points"},
        {"?max_points=0", "?max_points"},
        {"?after=-2", "?after"},
        {"?after=1.5", "?after"},
        {"?after=x", "?after"},
        {NULL, NULL},
    };

    it_start(&d, NULL);
    it_create(&d, "m", "maturity", 1);
    for (int i = 0; bad[i][0]; i++) {
        const char *ptr;
        r = it_get(&d, "/v1/sessions/m/metrics%s", bad[i][0]);
        ptr = json_string_value(
            json_object_get(json_array_get(json_object_get(r.json, "errors"), 0), "parameter"));
        cr_expect_eq(r.status, 400, "%s: %ld %.200s", bad[i][0], r.status, r.body);
        cr_expect_str_eq(r.content_type, "application/problem+json", "%s", bad[i][0]);
        cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                         "urn:glia:problem:bad-query", "%s", bad[i][0]);
        cr_expect(ptr != NULL && strcmp(ptr, bad[i][1] + 1) == 0, "%s: parameter %s", bad[i][0],
                  ptr ? ptr : "(none)");
        it_resp_free(&r);
    }
    /* the bounds themselves are fine */
    r = it_get(&d, "/v1/sessions/m/metrics?limit=1&after=-1");
    cr_expect_eq(r.status, 200, "%.200s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/m/metrics?max_points=2&after=-1");
    cr_expect_eq(r.status, 200, "%.200s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/m/metrics?limit=10000");
    cr_expect_eq(r.status, 200, "%.200s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/m/metrics?max_points=10000");
    cr_expect_eq(r.status, 200, "%.200s", r.body);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(metrics, points_carry_outputs_and_agree_with_the_result)
{
    glia_daemon_t d;
    json_t *page, *pts, *result, *traj, *inf, *summary;

    it_start(&d, NULL);
    run_session(&d, "m", 5, 300);
    page = it_get_json(&d, 200, "/v1/sessions/m/metrics");
    pts = points_of(page);
    result = it_result(&d, "m");
    traj = json_object_get(result, "trajectory");
    cr_assert_eq(json_array_size(pts), json_array_size(traj),
                 "one point per trajectory entry of the result");
    for (size_t i = 0; i < json_array_size(pts); i++) {
        json_t *p = json_array_get(pts, i), *bare = json_copy(p);
        json_t *outs = json_object_get(p, "outputs");
        int distinct = 0;

        cr_assert_eq(json_array_size(outs), 8, "point %zu: one output per pattern", i);
        for (size_t k = 0; k < 8; k++) {
            const char *v = json_string_value(json_array_get(outs, k));
            int seen = 0;
            cr_expect(v != NULL && strlen(v) == 5 && strspn(v, "01") == 5, "point %zu out %zu", i,
                      k);
            for (size_t m = 0; m < k && v; m++)
                seen |= strcmp(v, json_string_value(json_array_get(outs, m))) == 0;
            distinct += !seen;
        }
        cr_expect_eq(json_integer_value(json_object_get(p, "distinct_outputs")), distinct,
                     "point %zu: distinct_outputs counts the vectors", i);
        cr_expect_eq(json_is_true(json_object_get(p, "constant_output")), distinct == 1,
                     "point %zu: constant_output", i);
        /* the point is the result's trajectory entry, output vectors included */
        if (!json_equal(bare, json_array_get(traj, i))) {
            char *g = it_dump(bare), *w = it_dump(json_array_get(traj, i));
            cr_expect_fail("point %zu: %s\n  result trajectory: %s", i, g, w);
            free(g);
            free(w);
        }
        json_decref(bare);
    }
    /* the last point's vectors are the inference at the end of the run */
    inf = json_object_get(json_object_get(result, "inference"), "patterns");
    for (size_t k = 0; k < 8; k++)
        cr_expect_str_eq(
            json_string_value(json_array_get(
                json_object_get(json_array_get(pts, json_array_size(pts) - 1), "outputs"), k)),
            json_string_value(json_object_get(json_array_get(inf, k), "output")), "pattern %zu", k);
    /* and it is the summary's latest point */
    summary = it_get_json(&d, 200, "/v1/sessions/m");
    cr_expect(json_equal(json_object_get(summary, "latest_point"),
                         json_array_get(pts, json_array_size(pts) - 1)),
              "latest_point is the last point");
    json_decref(summary);
    json_decref(result);
    json_decref(page);
    cr_expect_eq(it_stop(&d), 0);
}

Test(metrics, each_run_ends_with_a_point_and_steps_record_points_too)
{
    glia_daemon_t d;
    json_t *page;
    it_resp_t r;
    static const json_int_t want[] = {0, 250, 299, 500, 599};

    it_start(&d, NULL);
    it_create(&d, "m", "maturity", 4);
    /* a new session has no points */
    page = it_get_json(&d, 200, "/v1/sessions/m/metrics");
    cr_expect_eq(json_array_size(points_of(page)), 0);
    cr_expect_eq(json_integer_value(json_object_get(page, "total")), 0);
    cr_expect(json_is_null(json_object_get(page, "next_after")), "next_after null");
    json_decref(page);

    /* two runs of 300 with the default interval of 250: 0, 250, the end of the first
     * run (299), 500 and the end of the second (599) */
    it_run(&d, "m", 300);
    json_decref(it_wait_state(&d, "m", "completed", 60));
    it_run(&d, "m", 300);
    json_decref(it_wait_state(&d, "m", "completed", 60));
    page = it_get_json(&d, 200, "/v1/sessions/m/metrics");
    cr_assert_eq(json_array_size(points_of(page)), 5, "%zu points",
                 json_array_size(points_of(page)));
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq(episode_of(json_array_get(points_of(page), i)), want[i], "point %zu", i);
    json_decref(page);

    /* a point every episode: 25 steps finish episodes 0 and 1 */
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"s\",\"preset\":\"maturity\",\"seed\":4,"
                   "\"config\":{\"training\":{\"trajectory_interval\":1}}}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/s/step", "{\"steps\":25}");
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    page = it_get_json(&d, 200, "/v1/sessions/s/metrics");
    cr_assert_eq(json_array_size(points_of(page)), 2);
    cr_expect_eq(episode_of(json_array_get(points_of(page), 0)), 0);
    cr_expect_eq(episode_of(json_array_get(points_of(page), 1)), 1);
    cr_expect_eq(json_array_size(json_object_get(json_array_get(points_of(page), 1), "outputs")),
                 8);
    json_decref(page);
    cr_expect_eq(it_stop(&d), 0);
}

Test(metrics, points_grow_during_a_run_without_repeats)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *page;
    json_int_t seen_last = -1;
    size_t polls = 0;

    it_start(&d, (const char *[]){"--slice-ms", "5", NULL});
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"m\",\"preset\":\"maturity\",\"seed\":2,"
                   "\"config\":{\"training\":{\"trajectory_interval\":10}}}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    it_run(&d, "m", 3000);
    /* follow the run by paging from the last episode seen, as a dashboard would */
    for (;;) {
        json_t *pts, *s;
        const char *state;
        page = it_get_json(&d, 200, "/v1/sessions/m/metrics?after=%lld", (long long)seen_last);
        pts = points_of(page);
        for (size_t i = 0; i < json_array_size(pts); i++) {
            json_int_t ep = episode_of(json_array_get(pts, i));
            cr_expect_gt(ep, seen_last, "points come in episode order, each once");
            seen_last = ep;
        }
        json_decref(page);
        polls++;
        s = it_get_json(&d, 200, "/v1/sessions/m");
        state = json_string_value(json_object_get(s, "state"));
        if (strcmp(state, "completed") == 0) {
            json_decref(s);
            break;
        }
        json_decref(s);
        cr_assert_lt(polls, 3000, "the run did not complete");
        it_sleep(0.02);
    }
    page = it_get_json(&d, 200, "/v1/sessions/m/metrics?after=%lld", (long long)seen_last);
    if (json_array_size(points_of(page)) > 0)
        seen_last =
            episode_of(json_array_get(points_of(page), json_array_size(points_of(page)) - 1));
    json_decref(page);
    cr_expect_eq(seen_last, 2999, "the last point is the run's last episode");
    page = it_get_json(&d, 200, "/v1/sessions/m/metrics?limit=1");
    cr_expect_eq(json_integer_value(json_object_get(page, "total")), 301);
    json_decref(page);
    cr_expect_eq(it_stop(&d), 0);
}

Test(metrics, unknown_session_is_404)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    r = it_get(&d, "/v1/sessions/nobody/metrics");
    cr_expect_eq(r.status, 404, "%.200s", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:not-found");
    it_resp_free(&r);
    /* and a deleted one */
    it_create(&d, "m", "maturity", 1);
    r = it_request(&d, "DELETE", "/v1/sessions/m", NULL);
    cr_expect_eq(r.status, 204);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/m/metrics");
    cr_expect_eq(r.status, 404, "%.200s", r.body);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}
