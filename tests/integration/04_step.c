/* 04_step: POST /v1/sessions/{name}/step: one record per step, bounds, 409 while
 * running, determinism however the steps are requested, and the summary's counters. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

/* The paper's task, P1..P8: input -> target. */
static const char *const task[8][2] = {
    {"00000", "10101"}, {"10000", "01010"}, {"01000", "11001"}, {"00100", "00110"},
    {"00010", "10011"}, {"00001", "01100"}, {"11000", "00101"}, {"00110", "11010"},
};

static int is_bits(const json_t *s, size_t width)
{
    const char *v = json_string_value(s);
    return v != NULL && strlen(v) == width && strspn(v, "01") == width;
}

/* POST .../step with {"steps": n} (n == 0: no body); asserts 200; returns the body. */
static json_t *step(glia_daemon_t *d, const char *name, int n)
{
    char path[128];
    it_resp_t r;
    json_t *j;

    snprintf(path, sizeof(path), "/v1/sessions/%s/step", name);
    r = n > 0 ? it_send(d, "POST", path, "{\"steps\":%d}", n) : it_request(d, "POST", path, NULL);
    cr_assert_eq(r.status, 200, "step %s %d: %ld %.300s", name, n, r.status, r.body);
    j = json_incref(r.json);
    it_resp_free(&r);
    return j;
}

static json_int_t jint(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static json_int_t progress_of(const json_t *summary, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(summary, "progress"), key));
}

static void expect_422_at(glia_daemon_t *d, const char *path, const char *body, const char *pointer)
{
    it_resp_t r = it_request(d, "POST", path, body);
    const char *got = json_string_value(
        json_object_get(json_array_get(json_object_get(r.json, "errors"), 0), "pointer"));
    cr_expect_eq(r.status, 422, "%s %s: %ld %.300s", path, body, r.status, r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect(got != NULL && strcmp(got, pointer) == 0, "%s: pointer %s, want %s", body,
              got ? got : "(none)", pointer);
    it_resp_free(&r);
}

Test(step, returns_one_complete_record_per_step)
{
    glia_daemon_t d;
    json_t *resp, *recs;

    it_start(&d, NULL);
    it_create(&d, "s", "maturity", 3);
    resp = step(&d, "s", 12);
    cr_expect_str_eq(json_string_value(json_object_get(resp, "name")), "s");
    cr_expect_eq(jint(resp, "steps_total"), 12);
    cr_expect_eq(jint(resp, "episode"), 1, "10 steps per episode: one finished");
    recs = json_object_get(resp, "steps");
    cr_assert_eq(json_array_size(recs), 12);
    for (size_t i = 0; i < 12; i++) {
        json_t *s = json_array_get(recs, i), *active = json_object_get(s, "active_astrocytes");
        json_int_t p = jint(s, "pattern");
        char label[16];

        cr_expect_eq(jint(s, "step"), (json_int_t)i, "record %zu: step", i);
        cr_expect_eq(jint(s, "episode"), (json_int_t)(i / 10), "record %zu: episode", i);
        cr_assert(json_is_integer(json_object_get(s, "pattern")) && p >= 0 && p < 8,
                  "record %zu: pattern %lld", i, (long long)p);
        snprintf(label, sizeof(label), "P%d", (int)p + 1);
        cr_expect_str_eq(json_string_value(json_object_get(s, "label")), label, "record %zu", i);
        cr_expect_str_eq(json_string_value(json_object_get(s, "input")), task[p][0],
                         "record %zu: input of %s", i, label);
        cr_expect_str_eq(json_string_value(json_object_get(s, "target")), task[p][1],
                         "record %zu: target of %s", i, label);
        cr_expect(is_bits(json_object_get(s, "output"), 5), "record %zu: output", i);
        cr_expect(json_is_number(json_object_get(s, "base_soft_reward")), "record %zu", i);
        cr_expect(json_is_number(json_object_get(s, "after_soft_reward")), "record %zu", i);
        cr_expect(json_is_boolean(json_object_get(s, "kept")), "record %zu: kept", i);
        cr_expect(json_is_boolean(json_object_get(s, "decided")), "record %zu: decided", i);
        cr_expect(!json_is_true(json_object_get(s, "kept")) ||
                      json_is_true(json_object_get(s, "decided")),
                  "record %zu: kept implies decided", i);
        /* maturity: 1 to 3 of the 8 astrocytes act in a step */
        cr_assert(json_is_array(active), "record %zu: active_astrocytes", i);
        cr_expect(json_array_size(active) >= 1 && json_array_size(active) <= 3,
                  "record %zu: %zu active astrocytes", i, json_array_size(active));
        for (size_t k = 0; k < json_array_size(active); k++) {
            json_int_t a = json_integer_value(json_array_get(active, k));
            cr_expect(a >= 0 && a < 8, "record %zu: astrocyte %lld", i, (long long)a);
        }
    }
    json_decref(resp);

    /* the next request continues where this one stopped; no body means one step */
    resp = step(&d, "s", 0);
    recs = json_object_get(resp, "steps");
    cr_assert_eq(json_array_size(recs), 1);
    cr_expect_eq(jint(json_array_get(recs, 0), "step"), 12);
    cr_expect_eq(jint(resp, "steps_total"), 13);
    json_decref(resp);
    {
        it_resp_t r = it_request(&d, "POST", "/v1/sessions/s/step", "{}");
        cr_expect_eq(r.status, 200, "{} is one step: %.300s", r.body);
        cr_expect_eq(json_array_size(json_object_get(r.json, "steps")), 1);
        it_resp_free(&r);
    }
    /* stepping leaves the state alone */
    {
        json_t *s = it_get_json(&d, 200, "/v1/sessions/s");
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "idle");
        cr_expect_eq(progress_of(s, "steps"), 14);
        cr_expect_eq(progress_of(s, "step_in_episode"), 4);
        json_decref(s);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(step, control_steps_change_nothing_and_decide_nothing)
{
    glia_daemon_t d;
    json_t *resp, *recs, *s;

    it_start(&d, NULL);
    it_create(&d, "c", "control", 3);
    resp = step(&d, "c", 20);
    recs = json_object_get(resp, "steps");
    cr_assert_eq(json_array_size(recs), 20);
    for (size_t i = 0; i < 20; i++) {
        json_t *r = json_array_get(recs, i);
        cr_expect(json_is_null(json_object_get(r, "pattern")), "record %zu: pattern null", i);
        cr_expect(json_is_false(json_object_get(r, "decided")), "record %zu: undecided", i);
        cr_expect_eq(json_array_size(json_object_get(r, "active_astrocytes")), 0);
    }
    cr_expect_eq(jint(resp, "accepted"), 0);
    cr_expect_eq(jint(resp, "rejected"), 0);
    json_decref(resp);
    s = it_get_json(&d, 200, "/v1/sessions/c");
    cr_expect_eq(progress_of(s, "steps"), 20);
    cr_expect_eq(progress_of(s, "episode"), 2);
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
}

Test(step, steps_are_bounded_and_a_refused_request_takes_no_step)
{
    glia_daemon_t d;
    json_t *resp, *s;

    it_start(&d, NULL);
    it_create(&d, "s", "maturity", 1);
    expect_422_at(&d, "/v1/sessions/s/step", "{\"steps\":1001}", "/steps");
    expect_422_at(&d, "/v1/sessions/s/step", "{\"steps\":0}", "/steps");
    expect_422_at(&d, "/v1/sessions/s/step", "{\"steps\":-5}", "/steps");
    expect_422_at(&d, "/v1/sessions/s/step", "{\"steps\":2.5}", "/steps");
    expect_422_at(&d, "/v1/sessions/s/step", "{\"steps\":\"3\"}", "/steps");
    expect_422_at(&d, "/v1/sessions/s/step", "{\"steps\":3,\"fast\":true}", "/fast");
    s = it_get_json(&d, 200, "/v1/sessions/s");
    cr_expect_eq(progress_of(s, "steps"), 0, "no refused request took a step");
    json_decref(s);

    /* the largest request is fine */
    resp = step(&d, "s", 1000);
    cr_expect_eq(json_array_size(json_object_get(resp, "steps")), 1000);
    cr_expect_eq(jint(resp, "steps_total"), 1000);
    cr_expect_eq(jint(resp, "episode"), 100);
    json_decref(resp);
    cr_expect_eq(it_stop(&d), 0);
}

Test(step, stepping_a_running_session_is_409_and_a_paused_one_stays_paused)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *resp, *s;
    json_int_t steps_paused;

    it_start(&d, NULL);
    it_create(&d, "s", "maturity", 1);
    it_run(&d, "s", 10000000);
    r = it_request(&d, "POST", "/v1/sessions/s/step", "{\"steps\":3}");
    cr_expect_eq(r.status, 409, "%.300s", r.body);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "running");
    it_resp_free(&r);

    r = it_request(&d, "POST", "/v1/sessions/s/pause", NULL);
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    steps_paused = progress_of(r.json, "steps");
    it_resp_free(&r);
    resp = step(&d, "s", 3);
    cr_expect_eq(jint(resp, "steps_total"), steps_paused + 3);
    cr_expect_eq(jint(json_array_get(json_object_get(resp, "steps"), 0), "step"), steps_paused,
                 "the steps continue from where the run paused");
    json_decref(resp);
    s = it_get_json(&d, 200, "/v1/sessions/s");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "paused");
    cr_expect_eq(progress_of(s, "steps"), steps_paused + 3);
    json_decref(s);

    r = it_request(&d, "POST", "/v1/sessions/s/cancel", NULL);
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(step, ten_single_steps_give_the_same_records_as_one_request_of_ten)
{
    static const char *const presets[] = {"maturity", "cursor", "astrocyte-traffic"};
    glia_daemon_t d;

    it_start(&d, NULL);
    for (int p = 0; p < 3; p++) {
        char one[32], ten[32];
        json_t *batch, *recs;

        snprintf(one, sizeof(one), "one-%d", p);
        snprintf(ten, sizeof(ten), "ten-%d", p);
        it_create(&d, one, presets[p], 77);
        it_create(&d, ten, presets[p], 77);
        batch = step(&d, ten, 10);
        recs = json_object_get(batch, "steps");
        cr_assert_eq(json_array_size(recs), 10);
        for (size_t i = 0; i < 10; i++) {
            json_t *single = step(&d, one, 1);
            json_t *got = json_array_get(json_object_get(single, "steps"), 0);
            json_t *want = json_array_get(recs, i);
            if (!json_equal(got, want)) {
                char *gs = it_dump(got), *ws = it_dump(want);
                cr_expect_fail("%s step %zu differs:\n  single %s\n  batch  %s", presets[p], i, gs,
                               ws);
                free(gs);
                free(ws);
            }
            json_decref(single);
        }
        json_decref(batch);
        /* and the sessions end in the same place */
        {
            json_t *a = it_get_json(&d, 200, "/v1/sessions/%s/inference", one);
            json_t *b = it_get_json(&d, 200, "/v1/sessions/%s/inference", ten);
            json_object_del(a, "name");
            json_object_del(b, "name");
            cr_expect(json_equal(a, b), "%s: inference after 10 steps differs", presets[p]);
            json_decref(a);
            json_decref(b);
        }
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(step, the_counters_in_the_summary_match_the_records)
{
    glia_daemon_t d;
    json_int_t kept = 0, decided = 0;
    json_t *s;

    it_start(&d, NULL);
    it_create(&d, "s", "maturity", 11);
    for (int req = 0; req < 3; req++) {
        json_t *resp = step(&d, "s", 100 + req); /* 303 steps in all */
        json_t *recs = json_object_get(resp, "steps");
        for (size_t i = 0; i < json_array_size(recs); i++) {
            kept += json_is_true(json_object_get(json_array_get(recs, i), "kept"));
            decided += json_is_true(json_object_get(json_array_get(recs, i), "decided"));
        }
        /* each answer carries the counters up to and including its steps */
        cr_expect_eq(jint(resp, "accepted"), kept, "request %d: accepted", req);
        cr_expect_eq(jint(resp, "rejected"), decided - kept, "request %d: rejected", req);
        json_decref(resp);
    }
    cr_expect_gt(kept, 0, "some perturbations were kept");
    cr_expect_gt(decided - kept, 0, "some were rejected");
    s = it_get_json(&d, 200, "/v1/sessions/s");
    cr_expect_eq(jint(s, "accepted"), kept);
    cr_expect_eq(jint(s, "rejected"), decided - kept);
    cr_expect_eq(progress_of(s, "steps"), 303);
    cr_expect_eq(progress_of(s, "episode"), 30);
    cr_expect_eq(progress_of(s, "step_in_episode"), 3);
    cr_expect_float_eq(json_number_value(json_object_get(s, "accept_rate")),
                       (double)kept / (double)decided, 1e-12);
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
}

/* Steps by hand and a run draw from one deterministic stream: 25 steps and then a run
 * of 10 episodes (which ends at episode 2 + 10) is the batch run of 12 episodes. */
Test(step, steps_then_a_run_equal_the_batch_run_of_the_same_length)
{
    glia_daemon_t d;
    json_t *resp, *got, *want, *s;

    it_start(&d, NULL);
    it_create(&d, "mix", "maturity", 21);
    resp = step(&d, "mix", 25);
    json_decref(resp);
    it_run(&d, "mix", 10);
    s = it_wait_state(&d, "mix", "completed", 30);
    cr_expect_eq(progress_of(s, "episode"), 12);
    cr_expect_eq(progress_of(s, "steps"), 120);
    json_decref(s);
    got = it_result(&d, "mix");
    want = it_batch_run("maturity", 21, 12);
    it_expect_same_run(got, want, "25 steps + run 10 vs gliad run 12");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
}

/* Every loop route checks in one order: the body (422), then the session (404), then
 * its state (409). */
Test(step, a_bad_body_is_422_before_existence_and_state_checks)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    expect_422_at(&d, "/v1/sessions/ghost/step", "{\"steps\":5000}", "/steps");
    it_create(&d, "s", "maturity", 1);
    it_run(&d, "s", 10000000);
    expect_422_at(&d, "/v1/sessions/s/step", "{\"steps\":5000}", "/steps");
    expect_422_at(&d, "/v1/sessions/s/run", "{\"episodes\":0}", "/episodes");
    {
        it_resp_t r = it_request(&d, "POST", "/v1/sessions/s/cancel", NULL);
        cr_expect_eq(r.status, 200, "%.300s", r.body);
        it_resp_free(&r);
    }
    cr_expect_eq(it_stop(&d), 0);
}
