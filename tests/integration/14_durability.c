/* 14_durability: what a restart on the same data dir must give back: every session
 * with its state, counters, trajectory points and result; its events, replayable with
 * ?after= and Last-Event-ID, with new ids continuing after the old; and deleted
 * sessions stay deleted. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

typedef struct seen {
    const char *name;
    json_t *summary; /* without steps_per_second (a rate, not state) */
    json_t *metrics;
    json_t *result; /* NULL before the first episode */
    json_t *events;
} seen_t;

static json_t *summary_of(glia_daemon_t *d, const char *name)
{
    json_t *s = it_get_json(d, 200, "/v1/sessions/%s", name);
    json_object_del(json_object_get(s, "progress"), "steps_per_second");
    return s;
}

static void capture(glia_daemon_t *d, seen_t *v, const char *name)
{
    it_resp_t r;

    v->name = name;
    v->summary = summary_of(d, name);
    v->metrics = it_get_json(d, 200, "/v1/sessions/%s/metrics?limit=10000", name);
    r = it_get(d, "/v1/sessions/%s/result", name);
    v->result = r.status == 200 ? json_incref(r.json) : NULL;
    it_resp_free(&r);
    v->events = it_events(d, name, 0);
}

static void expect_equal(const json_t *got, const json_t *want, const char *name, const char *what)
{
    if (got == NULL && want == NULL)
        return;
    if (got == NULL || want == NULL || !json_equal(got, want)) {
        char *g = it_dump(got), *w = it_dump(want);
        cr_expect_fail("%s: %s changed across the restart:\n  before %.600s\n  after  %.600s", name,
                       what, w, g);
        free(g);
        free(w);
    }
}

static void expect_same(glia_daemon_t *d, const seen_t *v)
{
    seen_t now;
    capture(d, &now, v->name);
    expect_equal(now.summary, v->summary, v->name, "the summary");
    expect_equal(now.metrics, v->metrics, v->name, "the points (/metrics)");
    expect_equal(now.result, v->result, v->name, "the result");
    expect_equal(now.events, v->events, v->name, "the events (after=0)");
    json_decref(now.summary);
    json_decref(now.metrics);
    json_decref(now.result);
    json_decref(now.events);
}

static void release(seen_t *v)
{
    json_decref(v->summary);
    json_decref(v->metrics);
    json_decref(v->result);
    json_decref(v->events);
}

static json_int_t last_id(const json_t *events)
{
    size_t n = json_array_size(events);
    return n ? json_integer_value(json_object_get(json_array_get(events, n - 1), "id")) : 0;
}

static void control(glia_daemon_t *d, const char *name, const char *action)
{
    char path[128];
    it_resp_t r;
    snprintf(path, sizeof(path), "/v1/sessions/%s/%s", name, action);
    r = it_request(d, "POST", path, NULL);
    cr_assert_eq(r.status, 200, "%s %s: %ld %.300s", action, name, r.status, r.body);
    it_resp_free(&r);
}

Test(durability, every_session_comes_back_as_it_was)
{
    glia_daemon_t d;
    static const char *const names[] = {"done", "idle", "stepped", "paused", "cancelled"};
    seen_t seen[5];
    it_resp_t r;

    it_start(&d, NULL);
    d.keep_dir = 1;
    r = it_request(
        &d, "POST", "/v1/sessions",
        "{\"name\":\"done\",\"preset\":\"maturity\",\"seed\":31,\"export_metrics\":true}");
    cr_assert_eq(r.status, 201);
    it_resp_free(&r);
    it_run(&d, "done", 600);
    it_create(&d, "idle", "control", 1);
    it_create(&d, "stepped", "epsilon", 2);
    r = it_request(&d, "POST", "/v1/sessions/stepped/step", "{\"steps\":25}");
    cr_assert_eq(r.status, 200, "step: %ld %.200s", r.status, r.body);
    it_resp_free(&r);
    it_create(&d, "paused", "cursor", 3);
    it_run(&d, "paused", 20000); /* still running when paused, however fast the machine */
    json_decref(it_wait_episode(&d, "paused", 5, 30));
    control(&d, "paused", "pause");
    it_create(&d, "cancelled", "astrocyte-firing", 4);
    it_run(&d, "cancelled", 1000000);
    json_decref(it_wait_episode(&d, "cancelled", 3, 30));
    control(&d, "cancelled", "cancel");
    it_create(&d, "gone", "control", 5);
    it_run(&d, "gone", 20);
    json_decref(it_wait_state(&d, "gone", "completed", 30));
    r = it_request(&d, "DELETE", "/v1/sessions/gone", NULL);
    cr_assert_eq(r.status, 204);
    it_resp_free(&r);
    json_decref(it_wait_state(&d, "done", "completed", 30));
    json_decref(it_wait_state(&d, "paused", "paused", 30));
    json_decref(it_wait_state(&d, "cancelled", "cancelled", 30));

    for (int i = 0; i < 5; i++)
        capture(&d, &seen[i], names[i]);
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(seen[2].summary, "progress"), "steps")),
        25);
    cr_expect_eq(json_array_size(json_object_get(seen[0].metrics, "points")), 4,
                 "points at 0, 250, 500 and 599");

    cr_assert_eq(it_stop(&d), 0);
    it_restart(&d, NULL);

    for (int i = 0; i < 5; i++)
        expect_same(&d, &seen[i]);
    json_decref(it_get_json(&d, 404, "/v1/sessions/gone"));
    {
        json_t *list = it_get_json(&d, 200, "/v1/sessions");
        json_t *items = json_object_get(list, "items");
        cr_expect_eq(json_array_size(items), 5, "5 sessions after the restart");
        for (size_t i = 0; i < json_array_size(items); i++)
            cr_expect_str_neq(json_string_value(json_object_get(json_array_get(items, i), "name")),
                              "gone");
        json_decref(list);
    }
    /* The name of the deleted session is free and starts from nothing. */
    it_create(&d, "gone", "control", 6);
    {
        json_t *ev = it_events(&d, "gone", 0);
        cr_expect_eq(json_array_size(ev), 1, "a new \"gone\" has only its own creation event");
        json_decref(ev);
    }

    /* New events continue the ids; the paused run resumes to gliad run's result. */
    control(&d, "paused", "resume");
    it_run(&d, "done", 50);
    json_decref(it_wait_state(&d, "done", "completed", 30));
    json_decref(it_wait_state(&d, "paused", "completed", 60));
    for (int i = 0; i < 5; i += 3) {
        json_t *all = it_events(&d, names[i], 0), *newer;
        json_int_t prev = last_id(seen[i].events);
        size_t old_n = json_array_size(seen[i].events);

        cr_expect(json_array_size(all) > old_n, "%s has new events", names[i]);
        for (size_t k = 0; k < json_array_size(all); k++) {
            json_int_t id = json_integer_value(json_object_get(json_array_get(all, k), "id"));
            cr_expect_eq(id, (json_int_t)k + 1, "%s: event ids are 1, 2, 3, ... (#%zu is %lld)",
                         names[i], k, (long long)id);
            if (k < old_n)
                expect_equal(json_array_get(all, k), json_array_get(seen[i].events, k), names[i],
                             "an old event");
        }
        newer = it_events(&d, names[i], (unsigned long long)prev);
        cr_expect_eq(json_array_size(newer), json_array_size(all) - old_n);
        cr_expect_eq(json_integer_value(json_object_get(json_array_get(newer, 0), "id")), prev + 1,
                     "%s: the first new id follows the last old one", names[i]);
        json_decref(newer);
        json_decref(all);
    }
    {
        json_t *got = it_result(&d, "paused"), *want = it_batch_run("cursor", 3, 20000);
        it_expect_same_run(got, want, "paused, restarted, resumed vs gliad run");
        json_decref(got);
        json_decref(want);
        got = it_result(&d, "done");
        want = it_batch_run("maturity", 31, 650);
        it_expect_same_run(got, want, "done (600, restart, +50) vs gliad run");
        json_decref(got);
        json_decref(want);
    }

    for (int i = 0; i < 5; i++)
        release(&seen[i]);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

/* More events than the in-memory ring holds (2048): the old ones come from the store. */
Test(durability, events_beyond_the_ring_replay_after_restart)
{
    glia_daemon_t d;
    json_t *before, *after, *metrics_before, *metrics_after;
    it_resp_t r;
    long status;
    char *body;

    it_start(&d, NULL);
    d.keep_dir = 1;
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"many\",\"preset\":\"maturity\",\"seed\":8,"
                   "\"config\":{\"training\":{\"trajectory_interval\":1}}}");
    cr_assert_eq(r.status, 201, "%ld %.300s", r.status, r.body);
    it_resp_free(&r);
    it_run(&d, "many", 1200); /* a point per episode: two events each */
    json_decref(it_wait_state(&d, "many", "completed", 60));
    before = it_events(&d, "many", 0);
    cr_assert(json_array_size(before) > 2400, "%zu events", json_array_size(before));
    metrics_before = it_get_json(&d, 200, "/v1/sessions/many/metrics?limit=10000");
    cr_expect_eq(json_integer_value(json_object_get(metrics_before, "total")), 1200);

    cr_assert_eq(it_stop(&d), 0);
    it_restart(&d, NULL);

    after = it_events(&d, "many", 0);
    expect_equal(after, before, "many", "the full event replay");
    metrics_after = it_get_json(&d, 200, "/v1/sessions/many/metrics?limit=10000");
    expect_equal(metrics_after, metrics_before, "many", "the points");

    /* Last-Event-ID resumes after the given id, from the store as from the ring. */
    body = it_stream(&d, "/v1/sessions/many/events?format=ndjson&follow=false",
                     (const char *[]){"Last-Event-ID: 10", NULL}, 20, 0, &status);
    cr_expect_eq(status, 200);
    {
        const char *first = strstr(body, "{\"id\":");
        cr_assert_not_null(first, "%.200s", body);
        cr_expect_eq(strncmp(first, "{\"id\":11,", 9), 0, "Last-Event-ID: 10 starts at 11: %.80s",
                     first);
        {
            size_t lines = 0;
            for (const char *p = body; *p; p++)
                lines += *p == '\n';
            cr_expect_eq(lines, json_array_size(before) - 10, "every event after id 10");
        }
    }
    free(body);
    body = it_stream(&d, "/v1/sessions/many/events?follow=false",
                     (const char *[]){"Last-Event-ID: 2400", NULL}, 20, 0, &status);
    cr_expect(strstr(body, "id: 2401\n") != NULL, "SSE resumes at 2401: %.200s", body);
    cr_expect(strstr(body, "id: 2400\n") == NULL, "SSE does not repeat 2400");
    free(body);

    json_decref(metrics_after);
    json_decref(metrics_before);
    json_decref(after);
    json_decref(before);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}
