/* 06_events: GET /v1/sessions/{name}/events as SSE and NDJSON: the same events in both,
 * ids that only grow, what a run publishes, resuming with Last-Event-ID or ?after
 * without gaps or duplicates, where a stream starts and when it ends. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* The complete SSE events in `text` (a block ended by a blank line) as
 * [{"id", "event", "data"}], data parsed. A cut-off last block is left out. Sets
 * *saw_retry when the stream opened with a retry field. */
static json_t *parse_sse(const char *text, int *saw_retry)
{
    json_t *out = json_array();
    const char *p = text;
    const char *end;

    if (saw_retry)
        *saw_retry = strncmp(text, "retry: ", 7) == 0;
    while ((end = strstr(p, "\n\n")) != NULL) {
        json_int_t id = -1;
        char type[32] = "";
        json_t *data = NULL;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (n > 4 && strncmp(p, "id: ", 4) == 0) {
                id = strtoll(p + 4, NULL, 10);
            } else if (n > 7 && strncmp(p, "event: ", 7) == 0) {
                snprintf(type, sizeof(type), "%.*s", (int)(n - 7), p + 7);
            } else if (n > 6 && strncmp(p, "data: ", 6) == 0) {
                json_error_t err;
                json_decref(data);
                data = json_loadb(p + 6, n - 6, 0, &err);
                cr_expect_not_null(data, "SSE data is not JSON: %.*s", (int)n, p);
            }
            p += n + (nl ? 1 : 0);
        }
        if (id >= 0) /* not the retry block, not a comment */
            json_array_append_new(
                out, json_pack("{s:I, s:s, s:o?}", "id", id, "event", type, "data", data));
        else
            json_decref(data);
        p = end + 2;
    }
    return out;
}

/* The complete NDJSON events in `text` (lines ended by \n; empty lines are keepalives). */
static json_t *parse_ndjson(const char *text)
{
    json_t *out = json_array();
    const char *p = text;
    const char *nl;

    while ((nl = strchr(p, '\n')) != NULL) {
        if (nl > p) {
            json_error_t err;
            json_t *ev = json_loadb(p, (size_t)(nl - p), 0, &err);
            cr_expect_not_null(ev, "NDJSON line is not JSON: %.*s", (int)(nl - p), p);
            if (ev != NULL)
                json_array_append_new(out, ev);
        }
        p = nl + 1;
    }
    return out;
}

static json_int_t ev_id(const json_t *ev)
{
    return json_integer_value(json_object_get(ev, "id"));
}

static const char *ev_type(const json_t *ev)
{
    const char *t = json_string_value(json_object_get(ev, "event"));
    return t ? t : "(none)";
}

static json_t *ev_data(const json_t *ev, const char *key)
{
    return json_object_get(json_object_get(ev, "data"), key);
}

/* GET the events at `query` of a session that is not running (the stream ends); with
 * `headers`. Returns the parsed events; the content type goes to `type` when set. */
static json_t *read_events(glia_daemon_t *d, const char *name, const char *query,
                           const char *const *headers, char *type, size_t type_size)
{
    char path[256];
    it_resp_t r;
    json_t *evs;

    snprintf(path, sizeof(path), "/v1/sessions/%s/events%s", name, query);
    r = it_request_h(d, "GET", path, NULL, 0, headers);
    cr_assert_eq(r.status, 200, "GET %s: %ld %.300s", path, r.status, r.body);
    if (type)
        snprintf(type, type_size, "%s", r.content_type);
    evs = strncmp(r.content_type, "application/x-ndjson", 20) == 0 ? parse_ndjson(r.body)
                                                                   : parse_sse(r.body, NULL);
    it_resp_free(&r);
    return evs;
}

static void expect_strictly_increasing_ids(const json_t *evs, const char *what)
{
    for (size_t i = 1; i < json_array_size(evs); i++)
        cr_expect_gt(ev_id(json_array_get(evs, i)), ev_id(json_array_get(evs, i - 1)),
                     "%s: event %zu has id %lld after %lld", what, i,
                     (long long)ev_id(json_array_get(evs, i)),
                     (long long)ev_id(json_array_get(evs, i - 1)));
}

/* Expect ids first, first+1, ... with no gap. */
static void expect_consecutive_ids(const json_t *evs, json_int_t first, const char *what)
{
    for (size_t i = 0; i < json_array_size(evs); i++) {
        if (ev_id(json_array_get(evs, i)) != first + (json_int_t)i) {
            cr_expect_fail("%s: event %zu has id %lld, want %lld", what, i,
                           (long long)ev_id(json_array_get(evs, i)),
                           (long long)(first + (json_int_t)i));
            return;
        }
    }
}

static void expect_same_events(const json_t *got, const json_t *want, const char *what)
{
    cr_expect_eq(json_array_size(got), json_array_size(want), "%s: %zu events, want %zu", what,
                 json_array_size(got), json_array_size(want));
    for (size_t i = 0; i < json_array_size(want) && i < json_array_size(got); i++) {
        if (!json_equal(json_array_get(got, i), json_array_get(want, i))) {
            char *g = it_dump(json_array_get(got, i)), *w = it_dump(json_array_get(want, i));
            cr_expect_fail("%s: event %zu differs:\n  got  %.300s\n  want %.300s", what, i, g, w);
            free(g);
            free(w);
            return;
        }
    }
}

/* Wait until the daemon counts `n` open streams (glia_sse_streams on /metrics), so a
 * stream started on another thread is known to be connected. */
static void wait_streams(glia_daemon_t *d, long n)
{
    double t0 = it_now();
    for (;;) {
        it_resp_t r = it_get(d, "/metrics");
        const char *line = r.body ? strstr(r.body, "\nglia_sse_streams ") : NULL;
        long open = line ? strtol(line + 18, NULL, 10) : -1;
        it_resp_free(&r);
        if (open >= n)
            return;
        cr_assert_lt(it_now() - t0, 10, "%ld streams open, want %ld", open, n);
        it_sleep(0.01);
    }
}

Test(events, sse_and_ndjson_carry_the_same_events)
{
    glia_daemon_t d;
    json_t *sse, *nd, *nd_accept, *sse_over;
    char type[128];
    it_resp_t r;
    int saw_retry = 0;

    it_start(&d, NULL);
    it_create(&d, "e", "maturity", 5);
    r = it_request(&d, "POST", "/v1/sessions/e/step", "{\"steps\":3}");
    it_resp_free(&r);
    it_run(&d, "e", 600);
    json_decref(it_wait_state(&d, "e", "completed", 60));

    r = it_get(&d, "/v1/sessions/e/events?after=0&follow=false");
    cr_assert_eq(r.status, 200);
    cr_expect_str_eq(r.content_type, "text/event-stream");
    sse = parse_sse(r.body, &saw_retry);
    cr_expect(saw_retry, "SSE opens with a retry field: %.40s", r.body);
    it_resp_free(&r);

    nd = read_events(&d, "e", "?after=0&follow=false&format=ndjson", NULL, type, sizeof(type));
    cr_expect_str_eq(type, "application/x-ndjson");
    /* without ?format the Accept header chooses; ?format wins over Accept */
    nd_accept =
        read_events(&d, "e", "?after=0&follow=false",
                    (const char *[]){"Accept: application/x-ndjson", NULL}, type, sizeof(type));
    cr_expect_str_eq(type, "application/x-ndjson");
    sse_over =
        read_events(&d, "e", "?after=0&follow=false&format=sse",
                    (const char *[]){"Accept: application/x-ndjson", NULL}, type, sizeof(type));
    cr_expect_str_eq(type, "text/event-stream");

    cr_expect_gt(json_array_size(sse), 8, "a run has events (%zu)", json_array_size(sse));
    expect_same_events(nd, sse, "ndjson vs sse");
    expect_same_events(nd_accept, sse, "Accept ndjson vs sse");
    expect_same_events(sse_over, sse, "format=sse over Accept vs sse");
    json_decref(sse);
    json_decref(nd);
    json_decref(nd_accept);
    json_decref(sse_over);
    cr_expect_eq(it_stop(&d), 0);
}

Test(events, a_run_publishes_state_progress_metrics_and_outputs_in_id_order)
{
    glia_daemon_t d;
    json_t *evs, *metrics, *states = json_array();
    size_t n_progress = 0, n_metrics = 0, n_outputs = 0;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "e", "maturity", 5);
    it_run(&d, "e", 600);
    json_decref(it_wait_state(&d, "e", "completed", 60));
    evs = it_events(&d, "e", 0);
    cr_assert_gt(json_array_size(evs), 0);
    expect_strictly_increasing_ids(evs, "a run");
    expect_consecutive_ids(evs, 1, "?after=0");

    for (size_t i = 0; i < json_array_size(evs); i++) {
        json_t *ev = json_array_get(evs, i);
        const char *t = ev_type(ev);
        if (strcmp(t, "state") == 0) {
            json_array_append(states, ev_data(ev, "state"));
        } else if (strcmp(t, "progress") == 0) {
            n_progress++;
            cr_expect_eq(json_integer_value(ev_data(ev, "episodes")), 600, "progress target");
            cr_expect(json_is_integer(ev_data(ev, "steps")), "progress steps");
        } else if (strcmp(t, "metrics") == 0) {
            json_t *next = json_array_get(evs, i + 1);
            n_metrics++;
            cr_expect(json_is_number(ev_data(ev, "accuracy")), "metrics accuracy");
            cr_expect(json_is_number(ev_data(ev, "avg_reward")), "metrics avg_reward");
            /* right after its metrics, the outputs of the same point */
            cr_expect_str_eq(ev_type(next), "outputs", "event %zu after metrics", i + 1);
            cr_expect_eq(json_integer_value(ev_data(next, "episode")),
                         json_integer_value(ev_data(ev, "episode")), "outputs episode");
        } else if (strcmp(t, "outputs") == 0) {
            json_t *outs = ev_data(ev, "outputs");
            n_outputs++;
            cr_expect_eq(json_array_size(outs), 8, "one output vector per pattern");
            for (size_t k = 0; k < json_array_size(outs); k++) {
                const char *v = json_string_value(json_array_get(outs, k));
                cr_expect(v != NULL && strlen(v) == 5 && strspn(v, "01") == 5,
                          "output vector %zu: %s", k, v ? v : "(none)");
            }
            cr_expect(json_is_boolean(ev_data(ev, "constant_output")), "constant_output");
        } else {
            cr_expect_fail("unknown event type %s", t);
        }
    }
    /* created (idle), started, completed */
    {
        json_t *want = json_pack("[s, s, s]", "idle", "running", "completed");
        char *g = it_dump(states);
        cr_expect(json_equal(states, want), "state events: %s", g);
        free(g);
        json_decref(want);
    }
    cr_expect_geq(n_progress, 2, "progress at the start and the end of the run");
    /* one metrics and one outputs event per trajectory point (0, 250, 500 and 599) */
    metrics = it_get_json(&d, 200, "/v1/sessions/e/metrics");
    cr_expect_eq(n_metrics, json_array_size(json_object_get(metrics, "points")));
    cr_expect_eq(n_outputs, n_metrics);
    cr_expect_eq(n_metrics, 4);
    json_decref(metrics);
    /* the last event says the run is complete, at its target */
    {
        json_t *last = json_array_get(evs, json_array_size(evs) - 1);
        cr_expect_str_eq(ev_type(last), "state");
        cr_expect_str_eq(json_string_value(ev_data(last, "state")), "completed");
        cr_expect_str_eq(json_string_value(ev_data(last, "previous")), "running");
        cr_expect_eq(json_integer_value(ev_data(last, "episode")), 600);
    }
    json_decref(evs);
    json_decref(states);

    /* a step request publishes its progress */
    r = it_request(&d, "POST", "/v1/sessions/e/step", "{\"steps\":2}");
    it_resp_free(&r);
    evs = it_events(&d, "e", 0);
    {
        json_t *last = json_array_get(evs, json_array_size(evs) - 1);
        cr_expect_str_eq(ev_type(last), "progress");
        cr_expect_eq(json_integer_value(ev_data(last, "steps")), 6002);
    }
    json_decref(evs);
    cr_expect_eq(it_stop(&d), 0);
}

Test(events, every_state_change_is_an_event_with_its_previous_state)
{
    glia_daemon_t d;
    json_t *evs, *states = json_array(), *want;
    it_resp_t r;
    char *g;

    it_start(&d, NULL);
    it_create(&d, "e", "maturity", 5);
    r = it_request(&d, "PUT", "/v1/sessions/e/config", "{\"preset\":\"cursor\"}");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    it_run(&d, "e", 10000000);
    r = it_request(&d, "POST", "/v1/sessions/e/pause", NULL);
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/e/resume", NULL);
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/e/cancel", NULL);
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);

    evs = it_events(&d, "e", 0);
    expect_consecutive_ids(evs, 1, "?after=0");
    for (size_t i = 0; i < json_array_size(evs); i++) {
        json_t *ev = json_array_get(evs, i);
        if (strcmp(ev_type(ev), "state") == 0)
            json_array_append_new(
                states, json_pack("[O, O]", ev_data(ev, "previous"), ev_data(ev, "state")));
    }
    want = json_pack("[[s,s], [s,s], [s,s], [s,s], [s,s], [s,s]]", "idle", "idle", "idle", "idle",
                     "idle", "running", "running", "paused", "paused", "running", "running",
                     "cancelled");
    g = it_dump(states);
    cr_expect(json_equal(states, want), "[previous, state] of the state events: %s", g);
    free(g);
    json_decref(want);
    json_decref(states);
    json_decref(evs);
    cr_expect_eq(it_stop(&d), 0);
}

/* Read part of the stream, reconnect with Last-Event-ID: together they are the whole
 * stream, each event once. `interval` sets how many events the run makes; `live` says
 * whether to reconnect while the run may still go on (the ring) or after it ended and
 * the first events have left the ring (the store). */
static void resume_with_last_event_id(int interval, unsigned episodes, int ndjson)
{
    glia_daemon_t d;
    char body[160], path[160], header[64];
    char *part;
    long status = 0;
    json_t *first, *rest, *all, *joined;
    json_int_t last;
    it_resp_t r;

    it_start(&d, NULL);
    snprintf(body, sizeof(body),
             "{\"name\":\"e\",\"preset\":\"maturity\",\"seed\":3,"
             "\"config\":{\"training\":{\"trajectory_interval\":%d}}}",
             interval);
    r = it_request(&d, "POST", "/v1/sessions", body);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    it_run(&d, "e", episodes);

    /* connect while the run goes on and read a few kilobytes */
    snprintf(path, sizeof(path), "/v1/sessions/e/events?after=0%s", ndjson ? "&format=ndjson" : "");
    part = it_stream(&d, path, NULL, 20, 5000, &status);
    cr_assert_eq(status, 200);
    first = ndjson ? parse_ndjson(part) : parse_sse(part, NULL);
    free(part);
    cr_assert_gt(json_array_size(first), 3, "some events arrived");
    last = ev_id(json_array_get(first, json_array_size(first) - 1));

    /* reconnect after the last complete event; ?after is ignored when the header is sent */
    snprintf(header, sizeof(header), "Last-Event-ID: %lld", (long long)last);
    rest = read_events(&d, "e",
                       ndjson ? "?after=1&follow=false&format=ndjson" : "?after=1&follow=false",
                       (const char *[]){header, NULL}, NULL, 0);
    cr_assert_gt(json_array_size(rest), 0);
    cr_expect_eq(ev_id(json_array_get(rest, 0)), last + 1, "resumes right after %lld",
                 (long long)last);

    json_decref(it_wait_state(&d, "e", "completed", 60));
    all = it_events(&d, "e", 0);
    joined = json_copy(first);
    json_array_extend(joined, rest);
    expect_same_events(joined, all, "first part + Last-Event-ID part vs ?after=0");
    expect_consecutive_ids(all, 1, "?after=0");
    /* the stream ended once the run was over: the last event is its completion */
    cr_expect_str_eq(
        json_string_value(ev_data(json_array_get(rest, json_array_size(rest) - 1), "state")),
        "completed");
    json_decref(first);
    json_decref(rest);
    json_decref(all);
    json_decref(joined);
    cr_expect_eq(it_stop(&d), 0);
}

Test(events, last_event_id_resumes_exactly_after_it_from_the_ring)
{
    /* ~600 events: all in the 2048-event ring */
    resume_with_last_event_id(10, 3000, 0);
}

Test(events, last_event_id_resumes_exactly_after_it_from_the_store)
{
    /* a point every episode: ~3000 events, the first ones only in the store */
    resume_with_last_event_id(1, 1500, 1);
}

Test(events, after_replays_from_the_start_and_the_default_starts_at_the_latest_state)
{
    glia_daemon_t d;
    json_t *evs, *all;

    it_start(&d, NULL);
    it_create(&d, "e", "maturity", 5);
    /* an idle session: its one event is its creation */
    evs = read_events(&d, "e", "?follow=false&format=ndjson", NULL, NULL, 0);
    cr_assert_eq(json_array_size(evs), 1);
    cr_expect_eq(ev_id(json_array_get(evs, 0)), 1);
    cr_expect_str_eq(json_string_value(ev_data(json_array_get(evs, 0), "state")), "idle");
    json_decref(evs);

    it_run(&d, "e", 300);
    json_decref(it_wait_state(&d, "e", "completed", 60));
    all = it_events(&d, "e", 0);
    cr_assert_gt(json_array_size(all), 4);
    cr_expect_eq(ev_id(json_array_get(all, 0)), 1, "?after=0 starts at the first event");
    cr_expect_str_eq(ev_type(json_array_get(all, 0)), "state");

    /* without a start, a new client first learns the current state */
    evs = read_events(&d, "e", "?follow=false&format=ndjson", NULL, NULL, 0);
    cr_assert_eq(json_array_size(evs), 1);
    cr_expect_str_eq(json_string_value(ev_data(json_array_get(evs, 0), "state")), "completed");
    cr_expect(json_equal(json_array_get(evs, 0), json_array_get(all, json_array_size(all) - 1)),
              "it is the latest state event");
    json_decref(evs);

    /* ?after=N: the events after N, the same as in the full replay */
    {
        char q[64];
        json_t *tail, *want = json_array();
        snprintf(q, sizeof(q), "?after=3&follow=false&format=ndjson");
        tail = read_events(&d, "e", q, NULL, NULL, 0);
        for (size_t i = 3; i < json_array_size(all); i++)
            json_array_append(want, json_array_get(all, i));
        expect_same_events(tail, want, "?after=3");
        json_decref(tail);
        json_decref(want);
    }
    /* after the last id there is nothing yet */
    {
        char q[64];
        snprintf(q, sizeof(q), "?after=%lld&follow=false",
                 (long long)ev_id(json_array_get(all, json_array_size(all) - 1)));
        evs = read_events(&d, "e", q, NULL, NULL, 0);
        cr_expect_eq(json_array_size(evs), 0);
        json_decref(evs);
    }
    json_decref(all);
    cr_expect_eq(it_stop(&d), 0);
}

Test(events, follow_false_ends_once_caught_up_and_not_running)
{
    glia_daemon_t d;
    it_bg_stream_t bs;
    json_t *evs;

    it_start(&d, NULL);
    it_create(&d, "e", "maturity", 5);
    /* idle: ends at once */
    it_bg_stream_start(&bs, &d, "/v1/sessions/e/events?follow=false", 10);
    it_bg_stream_join(&bs);
    cr_expect_eq(bs.status, 200);
    cr_expect(!bs.timed_out, "a follow=false stream of an idle session ended by itself");
    cr_expect_eq(bs.curl_code, 0, "the server ended it cleanly");
    it_bg_stream_free(&bs);

    /* running: goes on to the end of the run, then ends with its completion */
    it_run(&d, "e", 1000);
    it_bg_stream_start(&bs, &d, "/v1/sessions/e/events?after=0&follow=false&format=ndjson", 30);
    it_bg_stream_join(&bs);
    cr_expect(!bs.timed_out, "the stream ended when the run did");
    evs = parse_ndjson(bs.body);
    cr_assert_gt(json_array_size(evs), 0);
    {
        json_t *last = json_array_get(evs, json_array_size(evs) - 1);
        cr_expect_str_eq(ev_type(last), "state");
        cr_expect_str_eq(json_string_value(ev_data(last, "state")), "completed");
    }
    json_decref(evs);
    it_bg_stream_free(&bs);

    /* follow=0 means the same; any other value, or none, follows */
    it_bg_stream_start(&bs, &d, "/v1/sessions/e/events?follow=0", 10);
    it_bg_stream_join(&bs);
    cr_expect(!bs.timed_out, "follow=0 ended by itself");
    it_bg_stream_free(&bs);
    it_bg_stream_start(&bs, &d, "/v1/sessions/e/events?follow=true", 0.5);
    it_bg_stream_join(&bs);
    cr_expect(bs.timed_out, "follow=true stays open");
    it_bg_stream_free(&bs);
    cr_expect_eq(it_stop(&d), 0);
}

Test(events, a_following_stream_gets_new_events_live_and_ends_when_the_session_is_deleted)
{
    glia_daemon_t d;
    it_bg_stream_t bs;
    it_resp_t r;
    json_t *evs, *types = json_array(), *want;
    char *g;

    it_start(&d, NULL);
    it_create(&d, "e", "maturity", 5);
    it_bg_stream_start(&bs, &d, "/v1/sessions/e/events?after=0&format=ndjson", 30);
    wait_streams(&d, 1);
    r = it_request(&d, "POST", "/v1/sessions/e/step", NULL);
    it_resp_free(&r);
    it_run(&d, "e", 20);
    json_decref(it_wait_state(&d, "e", "completed", 30));
    r = it_request(&d, "DELETE", "/v1/sessions/e", NULL);
    cr_expect_eq(r.status, 204);
    it_resp_free(&r);
    it_bg_stream_join(&bs);
    cr_expect(!bs.timed_out, "deleting the session ended its stream");
    cr_expect_eq(bs.curl_code, 0, "the server ended it cleanly");
    evs = parse_ndjson(bs.body);
    for (size_t i = 0; i < json_array_size(evs); i++) {
        json_t *ev = json_array_get(evs, i);
        if (strcmp(ev_type(ev), "state") == 0)
            json_array_append(types, ev_data(ev, "state"));
    }
    want = json_pack("[s, s, s]", "idle", "running", "completed");
    g = it_dump(types);
    cr_expect(json_equal(types, want), "the stream saw the run: %s", g);
    free(g);
    expect_consecutive_ids(evs, 1, "live stream");
    json_decref(want);
    json_decref(types);
    json_decref(evs);
    it_bg_stream_free(&bs);

    /* a running session's stream ends when it is deleted, too */
    it_create(&d, "r", "maturity", 6);
    it_run(&d, "r", 10000000);
    it_bg_stream_start(&bs, &d, "/v1/sessions/r/events", 30);
    wait_streams(&d, 1);
    json_decref(it_wait_episode(&d, "r", 1, 30));
    r = it_request(&d, "DELETE", "/v1/sessions/r", NULL);
    cr_expect_eq(r.status, 204);
    it_resp_free(&r);
    it_bg_stream_join(&bs);
    cr_expect(!bs.timed_out, "deleting a running session ended its stream");
    cr_expect_eq(bs.status, 200);
    it_bg_stream_free(&bs);
    cr_expect_eq(it_stop(&d), 0);
}

Test(events, bad_queries_are_400_and_unknown_sessions_404)
{
    glia_daemon_t d;
    it_resp_t r;
    static const char *const bad[][2] = {
        {"/v1/sessions/e/events?format=xml", "?format"},
        {"/v1/sessions/e/events?format=", "?format"},
        {"/v1/sessions/e/events?after=-1", "?after"},
        {"/v1/sessions/e/events?after=abc", "?after"},
        {NULL, NULL},
    };

    it_start(&d, NULL);
    it_create(&d, "e", "maturity", 5);
    for (int i = 0; bad[i][0]; i++) {
        const char *ptr;
        r = it_get(&d, "%s", bad[i][0]);
        /* query problems name the parameter (errors[0].parameter), not a JSON pointer */
        ptr = json_string_value(
            json_object_get(json_array_get(json_object_get(r.json, "errors"), 0), "parameter"));
        cr_expect_eq(r.status, 400, "%s: %ld %.200s", bad[i][0], r.status, r.body);
        cr_expect_str_eq(r.content_type, "application/problem+json", "%s", bad[i][0]);
        cr_expect(ptr != NULL && strcmp(ptr, bad[i][1] + 1) == 0, "%s: parameter %s", bad[i][0],
                  ptr ? ptr : "(none)");
        it_resp_free(&r);
    }
    r = it_request_h(&d, "GET", "/v1/sessions/e/events", NULL, 0,
                     (const char *[]){"Last-Event-ID: soon", NULL});
    cr_expect_eq(r.status, 400, "Last-Event-ID not a number: %ld %.200s", r.status, r.body);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r.json, "errors"), 0), "header")),
                     "Last-Event-ID");
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/e/events?follow=perhaps");
    cr_expect_eq(r.status, 400, "follow=perhaps: %ld %.200s", r.status, r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/nobody/events");
    cr_expect_eq(r.status, 404, "%.200s", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

/* A deleted name used again: the new session's replay, even of ids only the store still
 * holds, has its own events and none of the old session's. */
Test(events, a_recreated_name_replays_only_its_own_events)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *evs, *states = json_array(), *want;
    size_t n_metrics = 0;
    char *g;

    it_start(&d, NULL);
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"re\",\"preset\":\"maturity\",\"seed\":1,"
                   "\"config\":{\"training\":{\"trajectory_interval\":1}}}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    it_run(&d, "re", 1200);
    json_decref(it_wait_state(&d, "re", "completed", 60));
    r = it_request(&d, "DELETE", "/v1/sessions/re", NULL);
    cr_expect_eq(r.status, 204);
    it_resp_free(&r);

    /* more than the ring holds again, so ?after=0 reads the first ids from the store */
    r = it_request(&d, "POST", "/v1/sessions",
                   "{\"name\":\"re\",\"preset\":\"cursor\",\"seed\":2,"
                   "\"config\":{\"training\":{\"trajectory_interval\":1}}}");
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    it_resp_free(&r);
    it_run(&d, "re", 1100);
    json_decref(it_wait_state(&d, "re", "completed", 60));
    evs = it_events(&d, "re", 0);
    expect_consecutive_ids(evs, 1, "recreated session");
    for (size_t i = 0; i < json_array_size(evs); i++) {
        json_t *ev = json_array_get(evs, i);
        if (strcmp(ev_type(ev), "state") == 0)
            json_array_append(states, ev_data(ev, "state"));
        else if (strcmp(ev_type(ev), "metrics") == 0)
            n_metrics++;
    }
    want = json_pack("[s, s, s]", "idle", "running", "completed");
    g = it_dump(states);
    cr_expect(json_equal(states, want), "one life's state events: %s", g);
    free(g);
    cr_expect_eq(n_metrics, 1100, "a metrics event per episode of the new run only");
    cr_expect_eq(
        json_integer_value(ev_data(json_array_get(evs, json_array_size(evs) - 1), "episode")),
        1100);
    json_decref(want);
    json_decref(states);
    json_decref(evs);
    cr_expect_eq(it_stop(&d), 0);
}
