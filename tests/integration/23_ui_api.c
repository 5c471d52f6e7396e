/* 23_ui_api: what the web UI reads from the API beyond the basics.
 *
 * - GET /v1/sessions?experiment=: only that experiment's sessions (with ?state= and
 *   paging), 400 for a bad name; every summary names its learner.
 * - GET .../metrics?max_points=N&downsample=minmax: at most N points, the first and the
 *   last, and every series' extremes (checked against the full list of points); the
 *   refusals (downsample without max_points, max_points below 10, unknown values).
 * - GET /v1/experiments/{name}/curves: per condition and episode, n, mean, SD and 95% t
 *   CI of each metric over the seeds, computed here from each session's own points;
 *   max_points thins; 404 and 400.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/stats.h"
#include "support/extra.h"
#include "support/harness.h"

static json_t *wait_experiment(glia_daemon_t *d, const char *name, double timeout)
{
    double t0 = it_now();
    for (;;) {
        json_t *x = it_get_json(d, 200, "/v1/experiments/%s", name);
        const char *s = json_string_value(json_object_get(x, "state"));
        if (s != NULL && strcmp(s, "running") != 0)
            return x;
        json_decref(x);
        cr_assert_lt(it_now() - t0, timeout, "experiment %s still running", name);
        it_sleep(0.05);
    }
}

static void expect_bad_query(glia_daemon_t *d, const char *path, const char *parameter)
{
    it_resp_t r = it_get(d, "%s", path);
    json_t *e0 = json_array_get(json_object_get(r.json, "errors"), 0);

    cr_expect_eq(r.status, 400, "%s: %ld", path, r.status);
    cr_expect_str_eq(json_string_value(json_object_get(e0, "parameter")), parameter, "%s", path);
    it_resp_free(&r);
}

Test(ui_api, sessions_filtered_by_experiment_name_their_learner)
{
    glia_daemon_t d;
    json_t *page, *items;

    it_start(&d, NULL);
    it_create(&d, "alone", "cursor", 1);
    {
        it_resp_t r = it_send(&d, "POST", "/v1/experiments",
                              "{\"name\": \"ex\", \"episodes\": 20, \"seeds\": [1, 2],"
                              " \"conditions\": [{\"label\": \"a\", \"preset\": \"maturity\"},"
                              " {\"label\": \"c\", \"preset\": \"control\"}]}");
        cr_assert_eq(r.status, 202, "%s", r.body);
        it_resp_free(&r);
    }
    json_decref(wait_experiment(&d, "ex", 60));
    page = it_get_json(&d, 200, "/v1/sessions?experiment=ex");
    items = json_object_get(page, "items");
    cr_assert_eq(json_array_size(items), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *s = json_array_get(items, i);
        const char *name = json_string_value(json_object_get(s, "name"));
        cr_expect_str_eq(json_string_value(json_object_get(s, "experiment")), "ex");
        cr_expect_str_eq(json_string_value(json_object_get(s, "learner")),
                         strstr(name, ".a.") ? "astrocyte" : "control", "%s", name);
    }
    json_decref(page);
    page = it_get_json(&d, 200, "/v1/sessions?experiment=ex&limit=3");
    cr_expect_eq(json_array_size(json_object_get(page, "items")), 3);
    cr_expect_str_eq(json_string_value(json_object_get(page, "next_cursor")), "ex.c.1");
    json_decref(page);
    page = it_get_json(&d, 200, "/v1/sessions?experiment=ex&cursor=ex.c.1");
    cr_expect_eq(json_array_size(json_object_get(page, "items")), 1);
    cr_expect(json_is_null(json_object_get(page, "next_cursor")));
    json_decref(page);
    page = it_get_json(&d, 200, "/v1/sessions?experiment=ex&state=idle");
    cr_expect_eq(json_array_size(json_object_get(page, "items")), 0, "all completed");
    json_decref(page);
    page = it_get_json(&d, 200, "/v1/sessions?experiment=none");
    cr_expect_eq(json_array_size(json_object_get(page, "items")), 0);
    json_decref(page);
    page = it_get_json(&d, 200, "/v1/sessions/alone");
    cr_expect_str_eq(json_string_value(json_object_get(page, "learner")), "cursor");
    cr_expect(json_is_null(json_object_get(page, "experiment")));
    json_decref(page);
    expect_bad_query(&d, "/v1/sessions?experiment=Not%20A%20Name", "experiment");
    cr_expect_eq(it_stop(&d), 0);
}

Test(ui_api, minmax_downsampling_keeps_every_series_extremes)
{
    static const char *const series[] = {"accuracy", "avg_reward", "accept_rate",
                                         "distinct_outputs"};
    glia_daemon_t d;
    json_t *all, *few, *pts, *kept;
    size_t n, k;

    it_start(&d, NULL);
    {
        it_resp_t r = it_send(&d, "POST", "/v1/sessions",
                              "{\"name\": \"mm\", \"preset\": \"maturity\", \"seed\": 314,"
                              " \"config\": {\"training\": {\"trajectory_interval\": 5}}}");
        cr_assert_eq(r.status, 201);
        it_resp_free(&r);
    }
    it_run(&d, "mm", 3000);
    json_decref(it_wait_state(&d, "mm", "completed", 120));
    all = it_get_json(&d, 200, "/v1/sessions/mm/metrics?limit=10000");
    pts = json_object_get(all, "points");
    n = json_array_size(pts);
    cr_assert_gt(n, 500, "%zu points", n);
    few = it_get_json(&d, 200, "/v1/sessions/mm/metrics?max_points=42&downsample=minmax");
    kept = json_object_get(few, "points");
    k = json_array_size(kept);
    cr_expect_eq(json_integer_value(json_object_get(few, "total")), (json_int_t)n);
    cr_expect(json_is_null(json_object_get(few, "next_after")));
    cr_expect_leq(k, 42, "%zu points", k);
    cr_expect_gt(k, 10);
    cr_expect(json_equal(json_array_get(kept, 0), json_array_get(pts, 0)), "the first point");
    cr_expect(json_equal(json_array_get(kept, k - 1), json_array_get(pts, n - 1)), "the last");
    for (size_t i = 1; i < k; i++)
        cr_expect_lt(json_integer_value(json_object_get(json_array_get(kept, i - 1), "episode")),
                     json_integer_value(json_object_get(json_array_get(kept, i), "episode")));
    for (size_t s = 0; s < 4; s++) {
        double lo = INFINITY, hi = -INFINITY, klo = INFINITY, khi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double v = json_number_value(json_object_get(json_array_get(pts, i), series[s]));
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        for (size_t i = 0; i < k; i++) {
            double v = json_number_value(json_object_get(json_array_get(kept, i), series[s]));
            klo = fmin(klo, v);
            khi = fmax(khi, v);
        }
        cr_expect_eq(klo, lo, "%s: the minimum %g is kept", series[s], lo);
        cr_expect_eq(khi, hi, "%s: the maximum %g is kept", series[s], hi);
    }
    /* kept points are the stored points themselves, outputs included */
    for (size_t i = 0; i < k; i++) {
        json_int_t ep = json_integer_value(json_object_get(json_array_get(kept, i), "episode"));
        int found = 0;
        for (size_t j = 0; j < n && !found; j++)
            found = json_integer_value(json_object_get(json_array_get(pts, j), "episode")) == ep &&
                    json_equal(json_array_get(pts, j), json_array_get(kept, i));
        cr_expect(found, "point at episode %lld is a stored point", (long long)ep);
    }
    json_decref(few);
    few = it_get_json(&d, 200, "/v1/sessions/mm/metrics?max_points=10000&downsample=minmax");
    cr_expect(json_equal(json_object_get(few, "points"), pts), "fewer than max: all of them");
    json_decref(few);
    few = it_get_json(&d, 200, "/v1/sessions/mm/metrics?max_points=42&downsample=even");
    cr_expect_eq(json_array_size(json_object_get(few, "points")), 42, "even: exactly max_points");
    json_decref(few);
    expect_bad_query(&d, "/v1/sessions/mm/metrics?downsample=minmax", "downsample");
    expect_bad_query(&d, "/v1/sessions/mm/metrics?max_points=9&downsample=minmax", "max_points");
    expect_bad_query(&d, "/v1/sessions/mm/metrics?max_points=50&downsample=median", "downsample");
    json_decref(all);
    cr_expect_eq(it_stop(&d), 0);
}

/* The points of one session, by episode: value of `metric` at `episode`, or NAN. */
static double value_at(const json_t *pts, json_int_t episode, const char *metric)
{
    for (size_t i = 0; i < json_array_size(pts); i++) {
        json_t *p = json_array_get(pts, i);
        if (json_integer_value(json_object_get(p, "episode")) == episode) {
            json_t *v = json_object_get(p, metric);
            return json_is_number(v) ? json_number_value(v) : NAN;
        }
    }
    return NAN;
}

Test(ui_api, curves_are_the_seed_means_of_the_sessions_points)
{
    static const unsigned seeds[] = {3, 4, 5};
    static const char *const labels[] = {"m", "c"};
    static const char *const metrics[] = {"accuracy", "avg_reward", "accept_rate"};
    glia_daemon_t d;
    json_t *cv, *conds, *pts[2][3];

    it_start(&d, NULL);
    {
        it_resp_t r =
            it_send(&d, "POST", "/v1/experiments",
                    "{\"name\": \"cv\", \"episodes\": 300, \"seeds\": [3, 4, 5], \"conditions\":"
                    " [{\"label\": \"m\", \"preset\": \"maturity\","
                    "   \"config\": {\"training\": {\"trajectory_interval\": 50}}},"
                    "  {\"label\": \"c\", \"preset\": \"cursor\","
                    "   \"config\": {\"training\": {\"trajectory_interval\": 50}}}]}");
        cr_assert_eq(r.status, 202, "%s", r.body);
        it_resp_free(&r);
    }
    json_decref(wait_experiment(&d, "cv", 120));
    /* The study settles when its last run stops; that run's final point is published
     * with its own state, a commit later: wait for every run's published state. */
    for (int c = 0; c < 2; c++) {
        for (int s = 0; s < 3; s++) {
            char name[32];
            snprintf(name, sizeof(name), "cv.%s.%u", labels[c], seeds[s]);
            json_decref(it_wait_state(&d, name, "completed", 30));
        }
    }
    for (int c = 0; c < 2; c++) {
        for (int s = 0; s < 3; s++) {
            json_t *m = it_get_json(&d, 200, "/v1/sessions/cv.%s.%u/metrics?limit=10000", labels[c],
                                    seeds[s]);
            pts[c][s] = json_incref(json_object_get(m, "points"));
            json_decref(m);
        }
    }
    cv = it_get_json(&d, 200, "/v1/experiments/cv/curves");
    cr_expect_str_eq(json_string_value(json_object_get(cv, "name")), "cv");
    conds = json_object_get(cv, "conditions");
    cr_assert_eq(json_array_size(conds), 2);
    for (int c = 0; c < 2; c++) {
        json_t *cond = json_array_get(conds, c), *cp = json_object_get(cond, "points");
        cr_expect_str_eq(json_string_value(json_object_get(cond, "label")), labels[c]);
        cr_expect_eq(json_integer_value(json_object_get(cond, "seeds")), 3);
        /* every seed has the same episodes: 0, 50, ..., 250 and the run's last, 299 */
        cr_expect_eq(json_array_size(cp), json_array_size(pts[c][0]), "%s", labels[c]);
        cr_expect_eq(json_integer_value(json_object_get(cond, "episodes")),
                     (json_int_t)json_array_size(pts[c][0]));
        for (size_t i = 0; i < json_array_size(cp); i++) {
            json_t *p = json_array_get(cp, i);
            json_int_t ep = json_integer_value(json_object_get(p, "episode"));
            cr_expect_eq(
                ep, json_integer_value(json_object_get(json_array_get(pts[c][0], i), "episode")));
            for (int m = 0; m < 3; m++) {
                json_t *got = json_object_get(p, metrics[m]);
                double x[3], lo, hi;
                for (int s = 0; s < 3; s++)
                    x[s] = value_at(pts[c][s], ep, metrics[m]);
                glia_stats_ci95_t(x, 3, &lo, &hi);
                cr_expect_eq(json_integer_value(json_object_get(got, "n")), 3);
                cr_expect_eq(json_number_value(json_object_get(got, "mean")), glia_stats_mean(x, 3),
                             "%s %lld %s: the mean, to the bit", labels[c], (long long)ep,
                             metrics[m]);
                cr_expect_float_eq(json_number_value(json_object_get(got, "mean")),
                                   (x[0] + x[1] + x[2]) / 3.0, 1e-15);
                cr_expect_eq(json_number_value(json_object_get(got, "sd")), glia_stats_sd(x, 3));
                cr_expect_eq(
                    json_number_value(json_object_get(json_object_get(got, "ci95"), "low")), lo);
                cr_expect_eq(
                    json_number_value(json_object_get(json_object_get(got, "ci95"), "high")), hi);
            }
        }
    }
    json_decref(cv);
    cv = it_get_json(&d, 200, "/v1/experiments/cv/curves?max_points=3");
    {
        json_t *cp =
            json_object_get(json_array_get(json_object_get(cv, "conditions"), 0), "points");
        cr_expect_eq(json_array_size(cp), 3);
        cr_expect_eq(json_integer_value(json_object_get(json_array_get(cp, 0), "episode")), 0);
        cr_expect_eq(json_integer_value(json_object_get(json_array_get(cp, 2), "episode")), 299,
                     "the last episode kept");
    }
    json_decref(cv);
    {
        it_resp_t r = it_get(&d, "/v1/experiments/nope/curves");
        cr_expect_eq(r.status, 404);
        it_resp_free(&r);
    }
    expect_bad_query(&d, "/v1/experiments/cv/curves?max_points=1", "max_points");
    for (int c = 0; c < 2; c++)
        for (int s = 0; s < 3; s++)
            json_decref(pts[c][s]);
    cr_expect_eq(it_stop(&d), 0);
}
