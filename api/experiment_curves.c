/* experiment_curves.c: seed-aggregated curves (see experiment_curves.h). */
#include "api/experiment_curves.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

static const char *const metrics[] = {"accuracy", "avg_reward", "accept_rate"};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static int cmp_int64(const void *a, const void *b)
{
    json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;
    return (x > y) - (x < y);
}

/* A seed's points along the x axis: each point (borrowed) with its x value, in episode
 * order, so x never decreases (a session's reward queries only grow). */
typedef struct xpoint {
    json_int_t x;
    const json_t *point;
} xpoint_t;

/* The points of `list` that have an integer `key`, into out[] (room for all). */
static size_t along(const json_t *list, const char *key, xpoint_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *p = json_array_get(list, i), *v = json_object_get(p, key);
        if (json_is_integer(v)) {
            out[n].x = json_integer_value(v);
            out[n++].point = p;
        }
    }
    return n;
}

/* The point a seed has at x: by episode the point of that episode; by reward queries the
 * last point at or before x while the run got that far (x within its first and last
 * point: a run that stopped sooner, or had not yet asked so many, has none). NULL if none. */
static const json_t *point_at(const xpoint_t *pts, size_t n, json_int_t x, int carry)
{
    size_t lo = 0, hi = n;

    if (n == 0 || x < pts[0].x || x > pts[n - 1].x)
        return NULL;
    while (lo < hi) { /* the first point with x' > x */
        size_t mid = lo + (hi - lo) / 2;
        if (pts[mid].x <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && (carry || pts[lo - 1].x == x) ? pts[lo - 1].point : NULL;
}

static json_t *metric_json(const double *x, size_t n)
{
    double lo, hi;

    if (n == 0)
        return json_null();
    glia_stats_ci95_t(x, n, &lo, &hi);
    return json_pack("{s:I, s:f, s:f, s:o}", "n", (json_int_t)n, "mean", glia_stats_mean(x, n),
                     "sd", glia_stats_sd(x, n), "ci95",
                     n < 2 ? json_null()
                           : json_pack("{s:f, s:f, s:s}", "low", lo, "high", hi, "method", "t"));
}

/* One condition's curve; NULL when out of memory. */
static json_t *condition_curve(const json_t *seeds, const char *label, const json_t *by_seed,
                               size_t max_points, const char *axis)
{
    const int carry = strcmp(axis, "episode") != 0;
    size_t ns = json_array_size(seeds), total = 0, ne = 0, keep, with_points = 0;
    xpoint_t **lists = calloc(ns ? ns : 1, sizeof(*lists));
    size_t *counts = calloc(ns ? ns : 1, sizeof(*counts));
    double *x = calloc(ns ? ns : 1, sizeof(double));
    json_int_t *eps = NULL;
    json_t *points = json_array(), *out = NULL;

    if (lists == NULL || counts == NULL || x == NULL || points == NULL)
        goto done;
    for (size_t k = 0; k < ns; k++) {
        char key[24];
        const json_t *list;
        snprintf(key, sizeof(key), "%lld", (long long)json_integer_value(json_array_get(seeds, k)));
        list = json_object_get(by_seed, key);
        if ((lists[k] = malloc((json_array_size(list) + 1) * sizeof(xpoint_t))) == NULL)
            goto done;
        counts[k] = along(list, carry ? axis : "episode", lists[k]);
        total += counts[k];
        with_points += counts[k] > 0;
    }
    eps = malloc((total ? total : 1) * sizeof(*eps));
    if (eps == NULL)
        goto done;
    for (size_t k = 0; k < ns; k++) {
        for (size_t i = 0; i < counts[k]; i++)
            eps[ne++] = lists[k][i].x;
    }
    qsort(eps, ne, sizeof(*eps), cmp_int64);
    {
        size_t u = 0;
        for (size_t i = 0; i < ne; i++) {
            if (u == 0 || eps[u - 1] != eps[i])
                eps[u++] = eps[i];
        }
        ne = u;
    }
    keep = ne > max_points ? max_points : ne;
    for (size_t j = 0; j < keep; j++) {
        /* evenly over the episodes, the first and the last kept */
        size_t idx =
            keep == ne ? j : (size_t)((double)j * (double)(ne - 1) / (double)(keep - 1) + 0.5);
        json_t *p = json_pack("{s:I}", axis, eps[idx]);
        if (p == NULL || json_array_append_new(points, p) != 0)
            goto done;
        for (size_t m = 0; m < NMETRICS; m++) {
            size_t n = 0;
            for (size_t k = 0; k < ns; k++) {
                const json_t *v =
                    json_object_get(point_at(lists[k], counts[k], eps[idx], carry), metrics[m]);
                if (json_is_number(v))
                    x[n++] = json_number_value(v);
            }
            if (json_object_set_new(p, metrics[m], metric_json(x, n)) != 0)
                goto done;
        }
    }
    out = json_pack("{s:s, s:I, s:I, s:O}", "label", label, "seeds", (json_int_t)with_points,
                    carry ? axis : "episodes", (json_int_t)ne, "points", points);
done:
    json_decref(points);
    free(eps);
    free(x);
    for (size_t k = 0; lists != NULL && k < ns; k++)
        free(lists[k]);
    free(lists);
    free(counts);
    return out;
}

json_t *glia_experiment_curves(const json_t *doc, const json_t *runs, size_t max_points)
{
    return glia_experiment_curves_x(doc, runs, max_points, GLIA_CURVES_X_EPISODES);
}

json_t *glia_experiment_curves_x(const json_t *doc, const json_t *runs, size_t max_points, int x)
{
    const char *axis = x == GLIA_CURVES_X_REWARD_QUERIES ? "reward_queries" : "episode";
    const json_t *conds = json_object_get(doc, "conditions");
    json_t *list = json_array(), *names = json_array(), *out = NULL;

    if (max_points < 2)
        max_points = 2;
    if (list == NULL || names == NULL)
        goto done;
    for (size_t m = 0; m < NMETRICS; m++) {
        if (json_array_append_new(names, json_string(metrics[m])) != 0)
            goto done;
    }
    for (size_t i = 0; i < json_array_size(conds); i++) {
        const char *label = json_string_value(json_object_get(json_array_get(conds, i), "label"));
        json_t *c;
        if (label == NULL)
            continue;
        c = condition_curve(json_object_get(doc, "seeds"), label, json_object_get(runs, label),
                            max_points, axis);
        if (c == NULL || json_array_append_new(list, c) != 0)
            goto done;
    }
    out = json_pack("{s:O?, s:O, s:O}", "name", json_object_get(doc, "name"), "metrics", names,
                    "conditions", list);
    if (out != NULL && x == GLIA_CURVES_X_REWARD_QUERIES &&
        json_object_set_new(out, "x", json_string("reward_queries")) != 0) {
        json_decref(out);
        out = NULL;
    }
done:
    json_decref(list);
    json_decref(names);
    return out;
}
