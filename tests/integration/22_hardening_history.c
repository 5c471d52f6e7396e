/* 22_hardening_history: stored history is bounded. 256 patterns of width 64 with a point
 * every episode used to grow memory and the database without end; now a session holds at
 * most --max-points trajectory points: a run (or steps) that would go past it is refused
 * with 422 naming the figures and the most it may run, and the points stay at the cap.
 * Events beyond --max-events are dropped oldest first. The database stops growing when the
 * history does, and a delete gives the space back. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support/extra.h"
#include "support/harness.h"

/* {"name": name, "config": {...}}: `patterns` patterns of `width` bits, a point every
 * episode, one step an episode, the cursor learner on a small network. */
static char *wide_session(const char *name, int patterns, int width)
{
    size_t cap = (size_t)patterns * (2 * (size_t)width + 40) + 1024, n = 0;
    char *body = malloc(cap);

    cr_assert_not_null(body);
    n +=
        (size_t)snprintf(body + n, cap - n,
                         "{\"name\": \"%s\", \"seed\": 5, \"config\": {\"network\": {\"clusters\": "
                         "1, \"inputs\": %d, \"outputs\": %d, \"modulatory\": 0, \"regular\": 16, "
                         "\"input_cluster\": 0, \"output_cluster\": 0}, \"training\": "
                         "{\"steps_per_episode\": 1, \"trajectory_interval\": 1}, \"learner\": "
                         "{\"kind\": \"cursor\"}, \"task\": {\"patterns\": [",
                         name, width, width);
    for (int p = 0; p < patterns; p++) {
        n += (size_t)snprintf(body + n, cap - n, "%s{\"input\": \"", p ? ", " : "");
        for (int b = 0; b < width; b++)
            body[n++] = (char)('0' + (((unsigned)p * 2654435761u >> (b % 29)) & 1));
        n += (size_t)snprintf(body + n, cap - n, "\", \"target\": \"");
        for (int b = 0; b < width; b++)
            body[n++] = (char)('0' + (((unsigned)(p + 7) * 40503u >> (b % 23)) & 1));
        n += (size_t)snprintf(body + n, cap - n, "\"}");
    }
    snprintf(body + n, cap - n, "]}}}");
    return body;
}

static void create_wide(glia_daemon_t *d, const char *name, int patterns, int width)
{
    char *body = wide_session(name, patterns, width);
    it_resp_t r = it_request(d, "POST", "/v1/sessions", body);
    cr_assert_eq(r.status, 201, "create %s: %ld %.300s", name, r.status, r.body);
    it_resp_free(&r);
    free(body);
}

static long long points_total(glia_daemon_t *d, const char *name)
{
    json_t *m = it_get_json(d, 200, "/v1/sessions/%s/metrics?limit=1", name);
    long long total = json_integer_value(json_object_get(m, "total"));
    json_decref(m);
    return total;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

Test(history, points_stop_at_max_points_and_a_run_past_it_is_422, .timeout = 300)
{
    glia_daemon_t d;
    it_resp_t r;
    const char *detail;
    long long total, db_capped, db_after_refusal, db_deleted;
    char db[400];

    it_start(&d, (const char *[]){"--max-points", "200", NULL});
    d.keep_dir = 1;
    create_wide(&d, "wide", 256, 64);

    /* The run: a million episodes, a point each. */
    r = it_request(&d, "POST", "/v1/sessions/wide/run", "{\"episodes\": 1000000}");
    cr_expect_eq(r.status, 422, "a run past --max-points: %ld %.400s", r.status, r.body);
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:glia:problem:history-limit");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r.json, "errors"), 0), "pointer")),
                     "/episodes");
    cr_expect_eq(json_integer_value(json_object_get(r.json, "max_points")), 200);
    detail = json_string_value(json_object_get(r.json, "detail"));
    cr_expect(detail && strstr(detail, "1000001 trajectory points") &&
                  strstr(detail, "--max-points") && strstr(detail, "at most 199 episodes"),
              "the detail gives the figures: %s", detail);
    it_resp_free(&r);

    /* Up to the cap is fine. */
    it_run(&d, "wide", 150);
    json_decref(it_wait_state(&d, "wide", "completed", 120));
    cr_expect_eq(points_total(&d, "wide"), 150, "one point an episode");
    r = it_request(&d, "POST", "/v1/sessions/wide/run", "{\"episodes\": 100}");
    cr_expect_eq(r.status, 422, "150 + 100 points: %ld %.300s", r.status, r.body);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/wide/step", "{\"steps\": 1000}");
    cr_expect_eq(r.status, 422, "1000 steps (episodes) past the cap: %ld %.300s", r.status, r.body);
    it_resp_free(&r);
    it_run(&d, "wide", 49);
    json_decref(it_wait_state(&d, "wide", "completed", 120));
    total = points_total(&d, "wide");
    cr_expect_leq(total, 200, "the points stay within the cap: %lld", total);
    cr_log_info("256 patterns x 64 bits, a point every episode: %lld points (--max-points 200)",
                total);
    cr_expect_eq(it_stop(&d), 0);

    /* The database stops growing with the history: a refused run adds nothing. */
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);
    db_capped = file_size(db);
    it_restart(&d, (const char *[]){"--max-points", "200", NULL});
    r = it_request(&d, "POST", "/v1/sessions/wide/run", "{\"episodes\": 1000000}");
    cr_expect_eq(r.status, 422);
    it_resp_free(&r);
    cr_expect_eq(points_total(&d, "wide"), total, "the points are as they were");
    cr_expect_eq(it_stop(&d), 0);
    db_after_refusal = file_size(db);
    cr_expect_leq(db_after_refusal, db_capped + 8192, "the database did not grow: %lld -> %lld",
                  db_capped, db_after_refusal);

    /* A delete gives the space back (incremental vacuum, then the file is truncated). */
    it_restart(&d, (const char *[]){"--max-points", "200", NULL});
    r = it_request(&d, "DELETE", "/v1/sessions/wide", NULL);
    cr_expect_eq(r.status, 204);
    it_resp_free(&r);
    it_sleep(1.0); /* the store compacts between batches */
    cr_expect_eq(it_stop(&d), 0);
    db_deleted = file_size(db);
    cr_log_info("glia.db: %lld bytes at the cap, %lld after a refused run, %lld after the delete",
                db_capped, db_after_refusal, db_deleted);
    cr_expect_lt(db_deleted, db_capped / 4, "the delete gave the space back: %lld -> %lld",
                 db_capped, db_deleted);
    it_cleanup(&d);
}

Test(history, events_past_max_events_are_dropped_oldest_first, .timeout = 300)
{
    glia_daemon_t d;
    json_t *evs;
    size_t n;
    long long first, last;

    /* A point (two events: metrics and outputs) every episode; the cap is the smallest
     * allowed (twice the in-memory ring). */
    it_start(&d, (const char *[]){"--max-events", "4096", NULL});
    d.keep_dir = 1;
    create_wide(&d, "ev", 8, 5);
    it_run(&d, "ev", 3000);
    json_decref(it_wait_state(&d, "ev", "completed", 120));
    cr_expect_eq(it_stop(&d), 0);
    it_restart(&d, (const char *[]){"--max-events", "4096", NULL}); /* read from the store */
    evs = it_events(&d, "ev", 0);
    n = json_array_size(evs);
    first = json_integer_value(json_object_get(json_array_get(evs, 0), "id"));
    last = json_integer_value(json_object_get(json_array_get(evs, n - 1), "id"));
    cr_log_info("3000 episodes, a point each: events %lld..%lld kept (%zu)", first, last, n);
    cr_expect_gt(last, 6000, "more than 6000 events were made");
    cr_expect_leq(n, 4096, "at most --max-events are kept, not %zu", n);
    cr_expect_eq(last - first + 1, (long long)n, "the newest are kept, without gaps");
    json_decref(evs);
    cr_expect_eq(points_total(&d, "ev"), 3000, "the points are all kept (below --max-points)");
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}
