/* 26_csv_objective: issue 22's server side with the real gliad: every table as CSV equal to
 * its JSON (metrics, outputs, an experiment's runs and curves), unknown query parameters
 * and formats refused with a 400 naming them on every route family, and the objective:
 * scores of weight vectors on a session's task, its errors, and a session it leaves byte
 * for byte as it was. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* ---- a small CSV reader (what these replies need: no quoted fields) ---------------------- */

typedef struct table {
    size_t n_cols, n_rows;
    char **cell; /* [(n_rows + 1) * n_cols], row 0 the header */
    char *text;
} table_t;

static table_t csv_parse(const char *body)
{
    table_t t = {0};
    size_t cap = 64, n = 0, cols_here = 0;
    char *p;

    t.text = strdup(body);
    t.cell = malloc(cap * sizeof(char *));
    cr_assert(t.text && t.cell);
    cr_assert(strchr(body, '"') == NULL, "no field of these tables needs quoting");
    for (p = t.text; *p;) {
        char *end = p + strcspn(p, ",\n");
        char sep = *end;
        if (n == cap)
            cr_assert((t.cell = realloc(t.cell, (cap *= 2) * sizeof(char *))) != NULL);
        t.cell[n++] = p;
        cols_here++;
        *end = '\0';
        p = sep ? end + 1 : end;
        if (sep == '\n') {
            if (t.n_cols == 0)
                t.n_cols = cols_here;
            cr_assert_eq(cols_here, t.n_cols, "row %zu has %zu fields, the header %zu", t.n_rows,
                         cols_here, t.n_cols);
            cols_here = 0;
            t.n_rows++;
        }
    }
    cr_assert_eq(cols_here, 0, "the last row ends with a newline");
    cr_assert(t.n_rows >= 1, "a header row");
    t.n_rows--; /* the header */
    return t;
}

static const char *cell(const table_t *t, size_t row, size_t col)
{
    return t->cell[(row + 1) * t->n_cols + col];
}

static const char *header(const table_t *t, size_t col)
{
    return t->cell[col];
}

static void table_free(table_t *t)
{
    free(t->cell);
    free(t->text);
}

/* The value at a flattened column name ("outputs.3", "values./learner/x") in `obj`. */
static const json_t *at_path(const json_t *obj, const char *path)
{
    char buf[512], *seg, *save = NULL;

    snprintf(buf, sizeof(buf), "%s", path);
    /* "values./a/b": a member name may hold slashes but no dots. */
    for (seg = strtok_r(buf, ".", &save); seg && obj; seg = strtok_r(NULL, ".", &save))
        obj = json_is_array(obj) ? json_array_get(obj, strtoul(seg, NULL, 10))
                                 : json_object_get(obj, seg);
    return obj;
}

/* A CSV field says exactly what the JSON value says. */
static void expect_field(const char *field, const json_t *v, const char *what)
{
    if (v == NULL || json_is_null(v))
        cr_expect_str_eq(field, "", "%s: empty for null", what);
    else if (json_is_string(v))
        cr_expect_str_eq(field, json_string_value(v), "%s", what);
    else if (json_is_integer(v))
        cr_expect_eq(strtoll(field, NULL, 10), json_integer_value(v), "%s: %s", what, field);
    else if (json_is_real(v))
        cr_expect(strtod(field, NULL) == json_real_value(v), "%s: %s vs %.17g", what, field,
                  json_real_value(v));
    else if (json_is_boolean(v))
        cr_expect_str_eq(field, json_is_true(v) ? "true" : "false", "%s", what);
    else
        cr_expect(0, "%s: a table holds no %s", what, it_dump(v));
}

/* Count the scalars under v (the columns a row flattens to). */
static size_t leaves(const json_t *v)
{
    size_t n = 0;
    const char *k;
    json_t *m;

    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, m) n += leaves(m);
        return n;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            n += leaves(json_array_get(v, i));
        return n;
    }
    return 1;
}

/* Every row of the CSV is the flattening of the JSON's row, column by column. */
static void expect_rows_equal(const table_t *t, const json_t *rows, const char *what)
{
    cr_assert_eq(t->n_rows, json_array_size(rows), "%s: %zu rows, the JSON %zu", what, t->n_rows,
                 json_array_size(rows));
    for (size_t r = 0; r < t->n_rows; r++) {
        const json_t *row = json_array_get(rows, r);
        cr_expect_eq(leaves(row), t->n_cols, "%s: row %zu has %zu values, the CSV %zu columns",
                     what, r, leaves(row), t->n_cols);
        for (size_t c = 0; c < t->n_cols; c++) {
            char w[600];
            snprintf(w, sizeof(w), "%s row %zu column %s", what, r, header(t, c));
            expect_field(cell(t, r, c), at_path(row, header(t, c)), w);
        }
    }
}

static it_resp_t get_csv(glia_daemon_t *d, const char *path)
{
    it_resp_t r = it_get(d, "%s", path);
    cr_assert_eq(r.status, 200, "%s: %ld %.300s", path, r.status, r.body);
    cr_expect_str_eq(r.content_type, "text/csv; charset=utf-8", "%s", path);
    return r;
}

static void run_reach(glia_daemon_t *d, const char *name, unsigned episodes)
{
    it_resp_t r = it_send(d, "POST", "/v1/sessions",
                          "{\"name\":\"%s\",\"preset\":\"reach\",\"seed\":7}", name);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    it_run(d, name, episodes);
    json_decref(it_wait_state(d, name, "completed", 120));
}

/* ---- CSV ---------------------------------------------------------------------------------- */

Test(csv, metrics_as_csv_are_the_json_points_column_by_column)
{
    glia_daemon_t d;
    static const char *const queries[] = {"", "limit=4", "after=20&limit=3", "max_points=5",
                                          "max_points=12&downsample=minmax"};

    it_start(&d, NULL);
    run_reach(&d, "m", 100);
    for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
        char path[200];
        json_t *page;
        it_resp_t r;
        table_t t;

        snprintf(path, sizeof(path), "/v1/sessions/m/metrics?%s", queries[q]);
        page = it_get_json(&d, 200, "%s", path);
        snprintf(path, sizeof(path), "/v1/sessions/m/metrics?%s%sformat=csv", queries[q],
                 queries[q][0] ? "&" : "");
        r = get_csv(&d, path);
        t = csv_parse(r.body);
        cr_expect_str_eq(header(&t, 0), "episode");
        cr_expect_str_eq(header(&t, 3), "accuracy");
        expect_rows_equal(&t, json_object_get(page, "points"), path);
        table_free(&t);
        it_resp_free(&r);
        json_decref(page);
    }
    /* format=json is today's body. */
    {
        json_t *a = it_get_json(&d, 200, "/v1/sessions/m/metrics?limit=3");
        json_t *b = it_get_json(&d, 200, "/v1/sessions/m/metrics?limit=3&format=json");
        cr_expect(json_equal(a, b));
        json_decref(a);
        json_decref(b);
    }
    it_stop(&d);
}

Test(csv, outputs_list_every_point_and_pattern_as_json_and_csv)
{
    glia_daemon_t d;
    json_t *doc, *metrics, *pats, *points, *summary;
    it_resp_t r;
    table_t t;
    size_t row = 0;

    it_start(&d, NULL);
    run_reach(&d, "o", 60);
    doc = it_get_json(&d, 200, "/v1/sessions/o/outputs");
    metrics = it_get_json(&d, 200, "/v1/sessions/o/metrics");
    summary = it_get_json(&d, 200, "/v1/sessions/o");
    pats = json_object_get(doc, "patterns");
    points = json_object_get(doc, "points");
    cr_expect_str_eq(json_string_value(json_object_get(doc, "name")), "o");
    cr_expect(json_equal(
                  pats, json_object_get(json_object_get(json_object_get(summary, "config"), "task"),
                                        "patterns")),
              "the task's patterns, as the config has them");
    cr_assert_eq(json_array_size(points), json_array_size(json_object_get(metrics, "points")));
    cr_expect(json_equal(json_object_get(doc, "total"), json_object_get(metrics, "total")));
    for (size_t i = 0; i < json_array_size(points); i++) {
        const json_t *p = json_array_get(points, i),
                     *m = json_array_get(json_object_get(metrics, "points"), i);
        cr_expect(json_equal(json_object_get(p, "episode"), json_object_get(m, "episode")));
        cr_expect(json_equal(json_object_get(p, "outputs"), json_object_get(m, "outputs")));
    }

    r = get_csv(&d, "/v1/sessions/o/outputs?format=csv");
    t = csv_parse(r.body);
    cr_assert_eq(t.n_cols, 7);
    {
        static const char *const cols[] = {"episode", "pattern", "input",   "target",
                                           "output",  "correct", "accuracy"};
        for (size_t c = 0; c < 7; c++)
            cr_expect_str_eq(header(&t, c), cols[c]);
    }
    cr_assert_eq(t.n_rows, json_array_size(points) * json_array_size(pats));
    for (size_t i = 0; i < json_array_size(points); i++) {
        const json_t *p = json_array_get(points, i);
        for (size_t k = 0; k < json_array_size(pats); k++, row++) {
            const char *out = json_string_value(json_array_get(json_object_get(p, "outputs"), k));
            const char *target =
                json_string_value(json_object_get(json_array_get(pats, k), "target"));
            size_t same = 0, width = strlen(out);
            for (size_t b = 0; b < width; b++)
                same += out[b] == target[b];
            expect_field(cell(&t, row, 0), json_object_get(p, "episode"), "episode");
            cr_expect_eq(strtoul(cell(&t, row, 1), NULL, 10), k);
            expect_field(cell(&t, row, 2), json_object_get(json_array_get(pats, k), "input"),
                         "input");
            cr_expect_str_eq(cell(&t, row, 3), target);
            cr_expect_str_eq(cell(&t, row, 4), out);
            cr_expect_str_eq(cell(&t, row, 5), strcmp(out, target) == 0 ? "true" : "false");
            cr_expect(strtod(cell(&t, row, 6), NULL) == (double)same / (double)width);
        }
    }
    table_free(&t);
    it_resp_free(&r);

    /* Paged like metrics. */
    {
        json_t *page = it_get_json(&d, 200, "/v1/sessions/o/outputs?limit=2");
        json_t *next =
            it_get_json(&d, 200, "/v1/sessions/o/outputs?after=%lld&limit=2",
                        (long long)json_integer_value(json_object_get(page, "next_after")));
        cr_expect_eq(json_array_size(json_object_get(page, "points")), 2);
        cr_expect(json_equal(json_array_get(json_object_get(next, "points"), 0),
                             json_array_get(points, 2)));
        json_decref(page);
        json_decref(next);
    }
    json_decref(doc);
    json_decref(metrics);
    json_decref(summary);
    it_stop(&d);
}

static json_t *wait_experiment(glia_daemon_t *d, const char *name, double timeout)
{
    double t0 = it_now();
    for (;;) {
        it_resp_t r = it_get(d, "/v1/experiments/%s", name);
        const char *s = json_string_value(json_object_get(r.json, "state"));
        if (r.status == 200 && s != NULL && strcmp(s, "completed") == 0) {
            json_t *j = json_incref(r.json);
            it_resp_free(&r);
            return j;
        }
        cr_assert(it_now() - t0 < timeout, "experiment %s did not complete (%ld)", name, r.status);
        it_resp_free(&r);
        it_sleep(0.05);
    }
}

Test(csv, an_experiments_runs_and_curves_as_json_and_csv)
{
    glia_daemon_t d;
    json_t *doc, *runs, *list, *curves;
    it_resp_t r;
    table_t t;
    size_t rows = 0;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/experiments",
                   "{\"name\": \"g\", \"base\": {\"preset\": \"cursor\"}, \"sweep\": {\"grid\": "
                   "{\"/training/perturbation_std\": [0.05, 0.2]}}, \"seeds\": [1, 2], "
                   "\"episodes\": 60}");
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    doc = wait_experiment(&d, "g", 120);

    runs = it_get_json(&d, 200, "/v1/experiments/g/runs");
    list = json_object_get(runs, "runs");
    cr_expect_str_eq(json_string_value(json_object_get(runs, "name")), "g");
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(runs, "swept"), 0)),
                     "/training/perturbation_std");
    cr_assert_eq(json_array_size(list), 4, "2 conditions x 2 seeds");
    /* conditions outermost, each run its stored record */
    for (size_t c = 0; c < 2; c++) {
        const json_t *cond = json_array_get(json_object_get(doc, "conditions"), c);
        const char *label = json_string_value(json_object_get(cond, "label"));
        for (size_t k = 0; k < 2; k++, rows++) {
            const json_t *run = json_array_get(list, rows);
            char seed[8], session[128];
            const json_t *rec;
            snprintf(seed, sizeof(seed), "%zu", k + 1);
            snprintf(session, sizeof(session), "g.%s.%zu", label, k + 1);
            rec = json_object_get(json_object_get(json_object_get(doc, "records"), label), seed);
            cr_expect_str_eq(json_string_value(json_object_get(run, "condition")), label);
            cr_expect_str_eq(json_string_value(json_object_get(run, "session")), session);
            cr_expect(json_equal(json_object_get(run, "values"), json_object_get(cond, "values")));
            cr_assert(json_is_object(rec));
            {
                const char *key;
                json_t *v;
                json_object_foreach((json_t *)rec, key, v) cr_expect(
                    json_equal(json_object_get(run, key), v), "run %zu member %s", rows, key);
            }
        }
    }
    r = get_csv(&d, "/v1/experiments/g/runs?format=csv");
    t = csv_parse(r.body);
    cr_expect_str_eq(header(&t, 0), "condition");
    cr_expect_str_eq(header(&t, 2), "values./training/perturbation_std");
    expect_rows_equal(&t, list, "runs");
    table_free(&t);
    it_resp_free(&r);

    curves = it_get_json(&d, 200, "/v1/experiments/g/curves?max_points=7");
    r = get_csv(&d, "/v1/experiments/g/curves?max_points=7&format=csv");
    t = csv_parse(r.body);
    cr_assert_eq(t.n_cols, 9);
    cr_expect_str_eq(header(&t, 0), "condition");
    cr_expect_str_eq(header(&t, 8), "ci_high");
    rows = 0;
    for (size_t c = 0; c < json_array_size(json_object_get(curves, "conditions")); c++) {
        const json_t *cond = json_array_get(json_object_get(curves, "conditions"), c);
        const json_t *pts = json_object_get(cond, "points");
        for (size_t i = 0; i < json_array_size(pts); i++) {
            const json_t *p = json_array_get(pts, i);
            for (size_t m = 0; m < json_array_size(json_object_get(curves, "metrics"));
                 m++, rows++) {
                const char *metric =
                    json_string_value(json_array_get(json_object_get(curves, "metrics"), m));
                const json_t *s = json_object_get(p, metric);
                cr_assert(rows < t.n_rows);
                expect_field(cell(&t, rows, 0), json_object_get(cond, "label"), "label");
                expect_field(cell(&t, rows, 1), json_object_get(cond, "seeds"), "seeds");
                expect_field(cell(&t, rows, 2), json_object_get(p, "episode"), "episode");
                cr_expect_str_eq(cell(&t, rows, 3), metric);
                expect_field(cell(&t, rows, 4), json_object_get(s, "n"), "n");
                expect_field(cell(&t, rows, 5), json_object_get(s, "mean"), "mean");
                expect_field(cell(&t, rows, 6), json_object_get(s, "sd"), "sd");
                expect_field(cell(&t, rows, 7), at_path(s, "ci95.low"), "ci_low");
                expect_field(cell(&t, rows, 8), at_path(s, "ci95.high"), "ci_high");
            }
        }
    }
    cr_expect_eq(rows, t.n_rows);
    cr_expect(rows > 0);
    table_free(&t);
    it_resp_free(&r);

    r = it_get(&d, "/v1/experiments/nope/runs");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    json_decref(curves);
    json_decref(runs);
    json_decref(doc);
    it_stop(&d);
}

/* ---- unknown query parameters and formats ------------------------------------------------- */

static void expect_bad_query(glia_daemon_t *d, const char *method, const char *path,
                             const char *parameter)
{
    it_resp_t r = it_request(d, method, path, NULL);
    const json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);

    cr_expect_eq(r.status, 400, "%s %s: %ld %.300s", method, path, r.status, r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json", "%s", path);
    cr_expect_str_eq(json_string_value(json_object_get(e, "parameter")), parameter, "%s %s", method,
                     path);
    cr_expect(strstr(json_string_value(json_object_get(r.json, "detail")), parameter) != NULL,
              "%s: the detail names %s", path, parameter);
    it_resp_free(&r);
}

Test(query, unknown_parameters_and_formats_are_a_400_naming_them)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "q", "control", 1);
    r = it_request(&d, "POST", "/v1/experiments",
                   "{\"name\": \"x\", \"conditions\": [{\"label\": \"c\", \"preset\": "
                   "\"control\"}], \"seeds\": [1], \"episodes\": 2}");
    cr_assert_eq(r.status, 202, "%.300s", r.body);
    it_resp_free(&r);
    json_decref(wait_experiment(&d, "x", 60));

    /* the issue's own case: a format no route has */
    expect_bad_query(&d, "GET", "/v1/sessions/q/metrics?format=xml", "format");
    expect_bad_query(&d, "GET", "/v1/sessions/q/metrics?fromat=csv", "fromat");
    expect_bad_query(&d, "GET", "/v1/sessions/q/outputs?format=md", "format");
    expect_bad_query(&d, "GET", "/v1/sessions/q/outputs?page=2", "page");
    expect_bad_query(&d, "GET", "/v1/sessions?limit=5&sort=name", "sort");
    expect_bad_query(&d, "GET", "/v1/sessions/q?verbose=1", "verbose");
    expect_bad_query(&d, "GET", "/v1/sessions/q/network?synapses=true&offset=3", "offset");
    expect_bad_query(&d, "GET", "/v1/sessions/q/inference?format=csv", "format");
    expect_bad_query(&d, "GET", "/v1/sessions/q/events?follow=false&since=3", "since");
    expect_bad_query(&d, "GET", "/v1/sessions/q/events?format=csv", "format");
    expect_bad_query(&d, "GET", "/v1/sessions/q/objective?x=1", "x");
    expect_bad_query(&d, "POST", "/v1/sessions/q/step?steps=3", "steps");
    expect_bad_query(&d, "POST", "/v1/sessions/q/pause?now=1", "now");
    expect_bad_query(&d, "GET", "/v1/experiments?state=running", "state");
    expect_bad_query(&d, "GET", "/v1/experiments/x/report?format=pdf", "format");
    expect_bad_query(&d, "GET", "/v1/experiments/x/report?format=md&lang=en", "lang");
    expect_bad_query(&d, "GET", "/v1/experiments/x/curves?format=svg", "format");
    expect_bad_query(&d, "GET", "/v1/experiments/x/runs?format=xlsx", "format");
    expect_bad_query(&d, "GET", "/v1/experiments/x/runs?seed=1", "seed");
    expect_bad_query(&d, "GET", "/v1/presets?all=1", "all");
    expect_bad_query(&d, "GET", "/v1/version?v=2", "v");
    expect_bad_query(&d, "GET", "/healthz?probe=1", "probe");

    /* What works today still works: each route's own parameters, and the UI's pages. */
    static const char *const fine[] = {
        "/v1/sessions?limit=5&state=idle&experiment=x",
        "/v1/sessions?cursor=a",
        "/v1/sessions/q/metrics?after=-1&limit=3",
        "/v1/sessions/q/metrics?max_points=10&downsample=minmax",
        "/v1/sessions/q/metrics?format=json",
        "/v1/sessions/q/outputs?after=-1&limit=3&format=csv",
        "/v1/sessions/q/network?synapses=true&after=-1&limit=2",
        "/v1/sessions/q/events?format=ndjson&follow=false&after=0",
        "/v1/experiments/x/report?format=md",
        "/v1/experiments/x/report?format=csv",
        "/v1/experiments/x/curves?max_points=2&format=json",
        "/v1/experiments/x/runs?format=json",
        "/ui/?state=running&experiment=x",
        "/ui/compare?s=a&s=b",
    };
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        r = it_get(&d, "%s", fine[i]);
        cr_expect_eq(r.status, 200, "%s: %ld %.300s", fine[i], r.status, r.body);
        it_resp_free(&r);
    }
    it_stop(&d);
}

/* ---- the objective ------------------------------------------------------------------------ */

/* A body of `n` vectors (0: {"weights": v}) of `dim` numbers, element i of vector k being
 * w[i] (or `fill` when w is NULL). */
static char *vectors_body(int n, const json_t *w, size_t dim, double fill)
{
    json_t *one = json_array(), *body;
    char *text;

    for (size_t i = 0; i < dim; i++)
        json_array_append_new(one, w ? json_incref(json_array_get(w, i)) : json_real(fill));
    if (n == 0) {
        body = json_pack("{s:o}", "weights", one);
    } else {
        json_t *batch = json_array();
        for (int k = 0; k < n; k++)
            json_array_append(batch, one);
        json_decref(one);
        body = json_pack("{s:o}", "batch", batch);
    }
    text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(body);
    return text;
}

static char *snapshot_of(glia_daemon_t *d, const char *name)
{
    json_t *s = it_get_json(d, 200, "/v1/sessions/%s/snapshot", name);
    char *b64 = strdup(json_string_value(json_object_get(s, "snapshot")));
    json_decref(s);
    return b64;
}

static void expect_invalid(glia_daemon_t *d, const char *path, const char *body,
                           const char *pointer, const char *what)
{
    it_resp_t r = it_request(d, "POST", path, body);
    const json_t *e = json_array_get(json_object_get(r.json, "errors"), 0);

    cr_expect_eq(r.status, 422, "%s: %ld %.300s", what, r.status, r.body);
    cr_expect_str_eq(json_string_value(json_object_get(e, "pointer")), pointer, "%s: %.300s", what,
                     r.body);
    it_resp_free(&r);
}

Test(objective, scores_vectors_without_changing_the_session)
{
    glia_daemon_t d;
    json_t *cur, *inf, *net, *res;
    const json_t *w;
    size_t dim;
    char *before, *after, *body;
    it_resp_t r;

    it_start(&d, NULL);
    run_reach(&d, "s", 40);
    before = snapshot_of(&d, "s");

    cur = it_get_json(&d, 200, "/v1/sessions/s/objective");
    net = it_get_json(&d, 200, "/v1/sessions/s/network?synapses=true&limit=100000");
    inf = it_get_json(&d, 200, "/v1/sessions/s/inference");
    w = json_object_get(cur, "weights");
    dim = json_array_size(w);
    cr_expect_str_eq(json_string_value(json_object_get(cur, "name")), "s");
    cr_expect_eq(json_integer_value(json_object_get(cur, "episode")), 40);
    cr_assert_eq((size_t)json_integer_value(json_object_get(cur, "dimension")), dim);
    cr_assert_eq(json_array_size(json_object_get(net, "synapses")), dim);
    for (size_t i = 0; i < dim; i++)
        cr_expect(json_equal(json_array_get(w, i),
                             json_object_get(json_array_get(json_object_get(net, "synapses"), i),
                                             "weight")),
                  "weight %zu is synapse %zu's", i, i);
    cr_expect_eq(json_integer_value(json_object_get(cur, "patterns")), 8);
    cr_expect_eq(json_number_value(json_array_get(json_object_get(cur, "bounds"), 0)), -2.0);
    cr_expect_eq(json_number_value(json_array_get(json_object_get(cur, "bounds"), 1)), 2.0);
    cr_expect(json_equal(json_object_get(cur, "accuracy"), json_object_get(inf, "mean_accuracy")),
              "the session's own weights score its inference accuracy");
    cr_expect_eq(json_integer_value(json_object_get(cur, "reward_queries")), 8);

    /* One vector: its own weights score as GET says. */
    body = vectors_body(0, w, dim, 0);
    r = it_request(&d, "POST", "/v1/sessions/s/objective", body);
    free(body);
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    res = json_array_get(json_object_get(r.json, "results"), 0);
    cr_expect(json_equal(json_object_get(res, "score"), json_object_get(cur, "score")));
    cr_expect(json_equal(json_object_get(res, "accuracy"), json_object_get(cur, "accuracy")));
    cr_expect_eq(json_integer_value(json_object_get(r.json, "reward_queries")), 8);
    cr_expect_eq((size_t)json_integer_value(json_object_get(r.json, "dimension")), dim);
    it_resp_free(&r);

    /* A batch: every vector scored, in order, counted in reward queries. */
    {
        json_t *batch = json_array(), *zeros = json_array(), *b;
        char *text;
        for (size_t i = 0; i < dim; i++)
            json_array_append_new(zeros, json_real(0.0));
        json_array_append_new(batch, zeros);
        json_array_append(batch, (json_t *)w);
        json_array_append(batch, zeros);
        b = json_pack("{s:o}", "batch", batch);
        text = json_dumps(b, JSON_COMPACT | JSON_REAL_PRECISION(17));
        r = it_request(&d, "POST", "/v1/sessions/s/objective", text);
        free(text);
        json_decref(b);
        cr_assert_eq(r.status, 200, "%.300s", r.body);
        cr_assert_eq(json_array_size(json_object_get(r.json, "results")), 3);
        res = json_object_get(r.json, "results");
        cr_expect(json_equal(json_object_get(json_array_get(res, 1), "score"),
                             json_object_get(cur, "score")));
        cr_expect(json_equal(json_array_get(res, 0), json_array_get(res, 2)));
        cr_expect_eq(json_integer_value(json_object_get(r.json, "reward_queries")), 24);
        it_resp_free(&r);
    }

    /* Errors. */
    body = vectors_body(0, NULL, dim - 1, 0.5);
    expect_invalid(&d, "/v1/sessions/s/objective", body, "/weights", "one number short");
    free(body);
    {
        char *good = vectors_body(0, w, dim, 0), text[64];
        json_t *b = json_loads(good, 0, NULL), *batch = json_array(), *packed;
        char *out;
        json_array_append(batch, json_object_get(b, "weights"));
        json_array_append_new(batch, json_pack("[f, f]", 1.0, 2.0));
        packed = json_pack("{s:o}", "batch", batch);
        out = json_dumps(packed, JSON_COMPACT);
        json_decref(packed);
        expect_invalid(&d, "/v1/sessions/s/objective", out, "/batch/1", "the second vector short");
        free(out);
        snprintf(text, sizeof(text), "{\"weights\": [0, 1, \"2\"]}");
        expect_invalid(&d, "/v1/sessions/s/objective", text, "/weights/2", "a string");
        expect_invalid(&d, "/v1/sessions/s/objective", "{\"weights\": [0, 1e300]}", "/weights/1",
                       "too large to score");
        expect_invalid(&d, "/v1/sessions/s/objective", "{\"weights\": [0, null]}", "/weights/1",
                       "null");
        expect_invalid(&d, "/v1/sessions/s/objective", "{\"batch\": []}", "/batch", "empty");
        expect_invalid(&d, "/v1/sessions/s/objective", "{\"batch\": [[1], 2]}", "/batch/1",
                       "not a vector");
        expect_invalid(&d, "/v1/sessions/s/objective", "{\"weights\": [1], \"batch\": [[1]]}",
                       "/batch", "both");
        expect_invalid(&d, "/v1/sessions/s/objective", "{}", "", "neither");
        expect_invalid(&d, "/v1/sessions/s/objective", "{\"weights\": [1], \"bias\": 2}", "/bias",
                       "unknown member");
        json_decref(b);
        free(good);
    }
    body = vectors_body(257, NULL, 1, 0.0);
    expect_invalid(&d, "/v1/sessions/s/objective", body, "/batch", "257 vectors");
    free(body);
    r = it_request(&d, "POST", "/v1/sessions/s/objective", "{\"weights\": [1e999]}");
    cr_expect_eq(r.status, 400, "a literal beyond a double is malformed JSON: %ld", r.status);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/nope/objective", "{\"weights\": [1]}");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);

    /* After all of it, the session is byte for byte what it was. */
    after = snapshot_of(&d, "s");
    cr_expect_str_eq(after, before, "the snapshot changed");
    {
        json_t *again = it_get_json(&d, 200, "/v1/sessions/s/objective");
        cr_expect(json_equal(again, cur));
        json_decref(again);
    }
    free(before);
    free(after);
    json_decref(cur);
    json_decref(net);
    json_decref(inf);
    it_stop(&d);
}

Test(objective, a_running_session_is_scored_between_slices_and_work_is_bounded)
{
    glia_daemon_t d;
    json_t *cur;
    it_resp_t r;
    char *body;
    size_t dim;

    it_start(&d, (const char *[]){"--max-body-bytes", "8000000", NULL});
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\": \"r\", \"preset\": \"reach\", \"seed\": 2}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    cur = it_get_json(&d, 200, "/v1/sessions/r/objective");
    dim = (size_t)json_integer_value(json_object_get(cur, "dimension"));
    it_run(&d, "r", 50000);
    body = vectors_body(4, json_object_get(cur, "weights"), dim, 0);
    for (int i = 0; i < 3; i++) {
        r = it_request(&d, "POST", "/v1/sessions/r/objective", body);
        cr_expect_eq(r.status, 200, "%ld %.300s", r.status, r.body);
        cr_expect_eq(json_array_size(json_object_get(r.json, "results")), 4);
        it_resp_free(&r);
    }
    free(body);
    r = it_request(&d, "POST", "/v1/sessions/r/cancel", NULL);
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    json_decref(cur);

    /* A task of 256 patterns on 16 passes: 256 vectors are too much work for one request. */
    r = it_request(
        &d, "POST", "/v1/sessions",
        "{\"name\": \"big\", \"preset\": \"control\", \"seed\": 1, \"config\": "
        "{\"network\": {\"passes\": 16, \"inputs\": 8}, \"task\": {\"generate\": {\"kind\": "
        "\"random\", \"patterns\": 256, \"input_width\": 8, \"target_width\": 5, "
        "\"seed\": 3}}}}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    cur = it_get_json(&d, 200, "/v1/sessions/big/objective");
    dim = (size_t)json_integer_value(json_object_get(cur, "dimension"));
    body = vectors_body(256, NULL, dim, 0.0);
    expect_invalid(&d, "/v1/sessions/big/objective", body, "/batch", "too much work");
    free(body);
    body = vectors_body(2, NULL, dim, 0.0);
    r = it_request(&d, "POST", "/v1/sessions/big/objective", body);
    cr_expect_eq(r.status, 200, "%ld %.300s", r.status, r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "reward_queries")), 512);
    it_resp_free(&r);
    free(body);
    json_decref(cur);
    it_stop(&d);
}
