/* test_events.c: a session's events: the in-memory ring (ids, wrap-around, skipped ids,
 * the newest state event), their JSON and stream framing, and what a stream reads after
 * a given id: from the ring, or from the store for ids the ring no longer holds, without
 * gaps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/event_json.h"
#include "server/event_ring.h"
#include "server/http/streams.h"
#include "server/sessions/entry.h"
#include "server/store/store.h"

static glia_event_t event(uint64_t id, int type)
{
    glia_event_t ev;
    char text[64];

    snprintf(text, sizeof(text), "{\"n\":%llu}", (unsigned long long)id);
    ev.id = id;
    ev.type = type;
    ev.data = strdup(text);
    cr_assert_not_null(ev.data);
    return ev;
}

static void push(glia_event_ring_t *r, uint64_t id, int type)
{
    glia_event_t ev = event(id, type);
    glia_event_ring_push(r, &ev);
    cr_assert_null(ev.data, "the ring takes the data");
}

/* ---- the ring ------------------------------------------------------------------------- */

Test(event_ring, holds_what_was_pushed_by_id)
{
    glia_event_ring_t *r = malloc(sizeof(*r));

    glia_event_ring_init(r);
    cr_expect_eq(r->next_id, 1);
    cr_expect_eq(glia_event_ring_oldest(r), 1);
    cr_expect_null(glia_event_ring_get(r, 1), "empty");
    push(r, 1, GLIA_EV_STATE);
    push(r, 2, GLIA_EV_PROGRESS);
    push(r, 3, GLIA_EV_METRICS);
    cr_expect_eq(r->next_id, 4);
    for (uint64_t id = 1; id <= 3; id++) {
        const glia_event_t *ev = glia_event_ring_get(r, id);
        char want[32];
        cr_assert_not_null(ev, "id %llu", (unsigned long long)id);
        cr_expect_eq(ev->id, id);
        snprintf(want, sizeof(want), "{\"n\":%llu}", (unsigned long long)id);
        cr_expect_str_eq(ev->data, want);
    }
    cr_expect_eq(glia_event_ring_get(r, 2)->type, GLIA_EV_PROGRESS);
    cr_expect_null(glia_event_ring_get(r, 4), "not yet");
    cr_expect_null(glia_event_ring_get(r, 0), "ids start at 1");
    glia_event_ring_destroy(r);
    free(r);
}

Test(event_ring, skipped_ids_are_absent_not_stale)
{
    glia_event_ring_t *r = malloc(sizeof(*r));

    glia_event_ring_init(r);
    push(r, 1, GLIA_EV_STATE);
    push(r, 3, GLIA_EV_STATE); /* id 2's commit failed: never published */
    cr_expect_eq(r->next_id, 4);
    cr_expect_not_null(glia_event_ring_get(r, 1));
    cr_expect_null(glia_event_ring_get(r, 2));
    cr_expect_not_null(glia_event_ring_get(r, 3));
    glia_event_ring_destroy(r);
    free(r);
}

Test(event_ring, wraps_around_keeping_the_newest)
{
    glia_event_ring_t *r = malloc(sizeof(*r));
    uint64_t last = GLIA_EVENT_RING + 500;

    glia_event_ring_init(r);
    for (uint64_t id = 1; id <= last; id++)
        push(r, id, id % 100 == 0 ? GLIA_EV_STATE : GLIA_EV_PROGRESS);
    cr_expect_eq(r->next_id, last + 1);
    cr_expect_eq(glia_event_ring_oldest(r), last + 1 - GLIA_EVENT_RING);
    cr_expect_null(glia_event_ring_get(r, 1), "overwritten");
    cr_expect_null(glia_event_ring_get(r, 500), "the last one overwritten");
    cr_expect_not_null(glia_event_ring_get(r, 501), "the oldest kept");
    cr_expect_eq(glia_event_ring_get(r, 501)->id, 501);
    cr_expect_eq(glia_event_ring_get(r, last)->id, last);
    cr_expect_eq(r->last_state, last / 100 * 100, "the newest state event");
    glia_event_ring_destroy(r);
    free(r);
}

Test(event_ring, names_and_types_round_trip)
{
    for (int t = 0; t < GLIA_EV_COUNT; t++)
        cr_expect_eq(glia_event_from_name(glia_event_name(t)), t);
    cr_expect_str_eq(glia_event_name(GLIA_EV_OUTPUTS), "outputs");
    cr_expect_str_eq(glia_event_name(99), "unknown");
    cr_expect_lt(glia_event_from_name("bogus"), 0);
    cr_expect_lt(glia_event_from_name(NULL), 0);
}

/* ---- JSON and framing ----------------------------------------------------------------- */

Test(event_json, state_and_progress_as_streams_show_them)
{
    glia_state_change_t s = {"paused", "running", 12, 40, NULL};
    glia_counters_t k;
    char *text;

    text = glia_event_state_json(&s, NULL);
    cr_expect_str_eq(text, "{\"state\":\"paused\",\"previous\":\"running\",\"episode\":12,"
                           "\"episodes\":40,\"error\":null}");
    free(text);
    s.state = "failed";
    s.error = "disk full";
    text = glia_event_state_json(&s, NULL);
    cr_expect_str_eq(text, "{\"state\":\"failed\",\"previous\":\"running\",\"episode\":12,"
                           "\"episodes\":40,\"error\":\"disk full\"}");
    free(text);

    memset(&k, 0, sizeof(k));
    k.episodes = 3;
    k.steps = 150;
    k.step_in_episode = 7;
    k.accepted = 20;
    k.rejected = 30;
    text = glia_event_progress_json(&k, 10, 0.5, NULL);
    cr_expect_str_eq(text, "{\"episode\":3,\"episodes\":10,\"steps\":150,\"step_in_episode\":7,"
                           "\"steps_per_second\":0.5,\"accepted\":20,\"rejected\":30}");
    free(text);
}

Test(event_json, metrics_and_outputs_come_from_a_point)
{
    json_t *point = json_pack("{s:i, s:f, s:f, s:f, s:i, s:b, s:[s,s]}", "episode", 5, "avg_reward",
                              -0.25, "accept_rate", 0.5, "accuracy", 0.75, "distinct_outputs", 2,
                              "constant_output", 0, "outputs", "01", "10");
    size_t len;
    char *text = glia_event_metrics_json(point, &len);

    cr_expect_str_eq(text, "{\"episode\":5,\"avg_reward\":-0.25,\"accept_rate\":0.5,"
                           "\"accuracy\":0.75,\"distinct_outputs\":2}");
    cr_expect_eq(len, strlen(text));
    free(text);
    text = glia_event_outputs_json(point, NULL);
    cr_expect_str_eq(text, "{\"episode\":5,\"outputs\":[\"01\",\"10\"],\"accuracy\":0.75,"
                           "\"distinct_outputs\":2,\"constant_output\":false}");
    free(text);
    json_decref(point);
}

Test(event_json, frames_for_sse_and_ndjson)
{
    glia_strbuf_t b = {0};
    char *text;
    size_t len;

    glia_event_frame(&b, 0, 7, GLIA_EV_STATE, "{\"state\":\"idle\"}");
    glia_event_frame(&b, 1, 8, GLIA_EV_METRICS, "{\"episode\":1}");
    text = glia_strbuf_take(&b, &len);
    cr_expect_str_eq(text, "id: 7\nevent: state\ndata: {\"state\":\"idle\"}\n\n"
                           "{\"id\":8,\"event\":\"metrics\",\"data\":{\"episode\":1}}\n");
    free(text);
}

/* ---- what a stream reads ---------------------------------------------------------------- */

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The ids in NDJSON text, in order. */
static size_t ids_of(const char *text, uint64_t *ids, size_t max)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "{\"id\":")) != NULL && n < max; p++)
        ids[n++] = strtoull(p + 6, NULL, 10);
    return n;
}

Test(streams, read_from_the_ring_after_an_id_in_pages_of_64)
{
    glia_entry_t *e = glia_entry_new("s");
    glia_strbuf_t b = {0};
    uint64_t last = 10, ids[128];
    int closed = -1, running = -1, n;
    size_t got;

    cr_assert_not_null(e);
    for (uint64_t id = 1; id <= 200; id++)
        push(&e->ring, id, GLIA_EV_PROGRESS);
    e->is_running = 1;
    n = glia_stream_fill(e, NULL, 1, &last, &b, &closed, &running);
    cr_expect_eq(n, 64, "at most 64 at a time");
    cr_expect_eq(last, 74);
    cr_expect_eq(closed, 0);
    cr_expect_eq(running, 1);
    cr_expect_eq(count_lines(b.p), 64);
    got = ids_of(b.p, ids, 128);
    cr_assert_eq(got, 64);
    for (size_t i = 0; i < got; i++)
        cr_expect_eq(ids[i], 11 + i, "resume right after the last id, in order");
    glia_strbuf_free(&b);

    last = 190;
    n = glia_stream_fill(e, NULL, 0, &last, &b, &closed, &running);
    cr_expect_eq(n, 10);
    cr_expect_eq(last, 200);
    cr_expect_not_null(strstr(b.p, "id: 191\nevent: progress\ndata: {\"n\":191}\n\n"));
    glia_strbuf_free(&b);
    n = glia_stream_fill(e, NULL, 0, &last, &b, &closed, &running);
    cr_expect_eq(n, 0, "nothing new");
    glia_strbuf_free(&b);
    glia_entry_unref(e);
}

Test(streams, skips_ids_that_were_never_published)
{
    glia_entry_t *e = glia_entry_new("s");
    glia_strbuf_t b = {0};
    uint64_t last = 0, ids[8];

    push(&e->ring, 1, GLIA_EV_STATE);
    push(&e->ring, 2, GLIA_EV_PROGRESS);
    push(&e->ring, 4, GLIA_EV_PROGRESS);
    {
        int closed, running;
        cr_expect_eq(glia_stream_fill(e, NULL, 1, &last, &b, &closed, &running), 3);
    }
    cr_expect_eq(last, 4);
    cr_assert_eq(ids_of(b.p, ids, 8), 3);
    cr_expect_eq(ids[2], 4);
    glia_strbuf_free(&b);
    glia_entry_unref(e);
}

/* Older than the ring: the store has them, and the stream catches up without a gap. */
Test(streams, ids_older_than_the_ring_come_from_the_store)
{
    char dir[64];
    char msg[512], path[128];
    uv_loop_t loop;
    glia_store_t *st = NULL;
    glia_store_op_t *op;
    glia_entry_t *e = glia_entry_new("s");
    glia_strbuf_t b = {0};
    uint64_t total = GLIA_EVENT_RING + 300, last = 5, ids[512], expect = 6;
    int closed, running;

    snprintf(dir, sizeof(dir), "/tmp/glia-unit-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(uv_loop_init(&loop), 0);
    cr_assert_eq(glia_store_open(dir, 0, &loop, &st, msg, sizeof(msg)), 0, "%s", msg);

    /* Every event is stored; the ring holds only the newest GLIA_EVENT_RING. */
    op = glia_store_op_new("s", NULL, NULL);
    op->has_row = 1;
    snprintf(op->row.name, sizeof(op->row.name), "s");
    for (uint64_t id = 1; id <= total; id++) {
        glia_event_t ev = event(id, GLIA_EV_PROGRESS);
        cr_assert_eq(glia_store_op_add_event(op, ev.id, ev.type, ev.data), 0);
        ev = event(id, GLIA_EV_PROGRESS);
        glia_event_ring_push(&e->ring, &ev);
    }
    glia_store_submit(st, op);
    while (!glia_store_idle(st))
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert_eq(glia_event_ring_oldest(&e->ring), 301);

    /* Keep reading until caught up: every id from 6 on, once, in order. */
    for (int round = 0; round < 100 && last < total; round++) {
        size_t n;
        glia_strbuf_free(&b);
        cr_assert_gt(glia_stream_fill(e, st, 1, &last, &b, &closed, &running), 0,
                     "round %d after %llu", round, (unsigned long long)last);
        n = ids_of(b.p, ids, 512);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(ids[i], expect++, "no gap, no repeat");
    }
    cr_expect_eq(last, total);
    cr_expect_eq(expect, total + 1);
    glia_strbuf_free(&b);

    /* A store that has nothing older: the stream moves on to the ring's oldest. */
    {
        glia_entry_t *other = glia_entry_new("nobody-stored");
        for (uint64_t id = 1; id <= GLIA_EVENT_RING + 10; id++)
            push(&other->ring, id, GLIA_EV_PROGRESS);
        last = 0;
        cr_expect_eq(glia_stream_fill(other, st, 1, &last, &b, &closed, &running), 0);
        cr_expect_eq(last, 10, "continues before the ring's oldest id (11)");
        glia_strbuf_free(&b);
        cr_expect_eq(glia_stream_fill(other, st, 1, &last, &b, &closed, &running), 64);
        cr_expect_eq(last, 74);
        glia_strbuf_free(&b);
        glia_entry_unref(other);
    }

    glia_entry_unref(e);
    glia_store_close(st);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0);
    for (int i = 0; i < 3; i++) {
        static const char *const files[] = {"glia.db", "glia.db-wal", "glia.db-shm"};
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

Test(streams, report_closed_and_running_as_published)
{
    glia_entry_t *e = glia_entry_new("s");
    glia_strbuf_t b = {0};
    uint64_t last = 0;
    int closed = -1, running = -1;

    e->is_closed = 1;
    e->is_running = 0;
    cr_expect_eq(glia_stream_fill(e, NULL, 0, &last, &b, &closed, &running), 0);
    cr_expect_eq(closed, 1);
    cr_expect_eq(running, 0);
    glia_strbuf_free(&b);
    glia_entry_unref(e);
}
