/* 05_run: background runs: 202 and completion at the target, results equal to
 * `gliad run`, 409s for results and runs at the wrong time, pause/resume/cancel, and
 * results that do not depend on --workers, --slice-ms or pauses. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

static json_int_t progress_of(const json_t *summary, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(summary, "progress"), key));
}

static const char *state_of(const json_t *summary)
{
    const char *s = json_string_value(json_object_get(summary, "state"));
    return s ? s : "(none)";
}

/* POST a control request (pause/resume/cancel) without a body; returns the response. */
static it_resp_t control(glia_daemon_t *d, const char *name, const char *verb)
{
    char path[128];
    snprintf(path, sizeof(path), "/v1/sessions/%s/%s", name, verb);
    return it_request(d, "POST", path, NULL);
}

/* Expect `got` (GET .../result) to hold every field of `want` (gliad run) with the same
 * value: counts, initial network, weights, inference, trajectory, astrocytes. */
static void expect_result_is_batch(const json_t *got, const json_t *want, const char *what)
{
    const char *key;
    json_t *w;

    cr_assert_not_null(got, "%s: no result", what);
    json_object_foreach((json_t *)want, key, w)
    {
        json_t *g = json_object_get(got, key);
        if (g == NULL || !json_equal(g, w)) {
            char *gs = it_dump(g), *ws = it_dump(w);
            cr_expect_fail("%s: \"%s\" differs:\n  daemon    %.300s\n  gliad run %.300s", what, key,
                           gs, ws);
            free(gs);
            free(ws);
        }
    }
    it_expect_same_run(got, want, what);
}

static void expect_conflict(const it_resp_t *r, const char *state, const char *what)
{
    cr_expect_eq(r->status, 409, "%s: %ld %.300s", what, r->status, r->body);
    cr_expect_str_eq(r->content_type, "application/problem+json", "%s", what);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "type")),
                     "urn:glia:problem:conflict", "%s", what);
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "state")), state, "%s", what);
}

Test(run, runs_reach_their_target_and_the_result_equals_gliad_run)
{
    static const struct {
        const char *name, *preset;
        unsigned seed, episodes;
    } runs[] = {
        {"mat", "maturity", 7, 400},
        {"cur", "cursor", 8, 300},
        {"eps", "epsilon", 9, 350},
    };
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    for (int i = 0; i < 3; i++) {
        char path[128];
        it_create(&d, runs[i].name, runs[i].preset, runs[i].seed);
        snprintf(path, sizeof(path), "/v1/sessions/%s/run", runs[i].name);
        r = it_send(&d, "POST", path, "{\"episodes\":%u}", runs[i].episodes);
        cr_assert_eq(r.status, 202, "%.300s", r.body);
        snprintf(path, sizeof(path), "/v1/sessions/%s", runs[i].name);
        cr_expect_str_eq(r.location, path);
        cr_expect_eq(progress_of(r.json, "episodes"), runs[i].episodes);
        it_resp_free(&r);
    }
    for (int i = 0; i < 3; i++) {
        json_t *s = it_wait_state(&d, runs[i].name, "completed", 60);
        json_t *got = it_result(&d, runs[i].name), *want;

        cr_expect_eq(progress_of(s, "episode"), runs[i].episodes, "%s", runs[i].name);
        cr_expect_eq(progress_of(s, "episodes"), runs[i].episodes, "%s", runs[i].name);
        cr_expect_eq(progress_of(s, "steps"), 10 * runs[i].episodes, "%s", runs[i].name);
        cr_expect_eq(progress_of(s, "step_in_episode"), 0, "%s", runs[i].name);
        cr_expect_float_eq(
            json_number_value(json_object_get(json_object_get(s, "progress"), "fraction")), 1.0,
            1e-12, "%s", runs[i].name);
        /* the summary's counters are the result's */
        cr_expect_eq(json_integer_value(json_object_get(s, "accepted")),
                     json_integer_value(json_object_get(got, "accepted")), "%s", runs[i].name);
        cr_expect_eq(json_integer_value(json_object_get(s, "rejected")),
                     json_integer_value(json_object_get(got, "rejected")), "%s", runs[i].name);
        cr_expect_str_eq(json_string_value(json_object_get(got, "name")), runs[i].name);
        cr_expect(json_is_object(json_object_get(got, "config")), "the result has the config");

        want = it_batch_run(runs[i].preset, runs[i].seed, runs[i].episodes);
        expect_result_is_batch(got, want, runs[i].name);
        json_decref(want);
        json_decref(got);
        json_decref(s);
    }

    /* a completed session runs on from where it stopped: 400 + 200 is gliad run 600 */
    it_run(&d, "mat", 200);
    {
        json_t *s = it_wait_state(&d, "mat", "completed", 60);
        json_t *got = it_result(&d, "mat"), *want = it_batch_run("maturity", 7, 600);
        cr_expect_eq(progress_of(s, "episode"), 600);
        cr_expect_eq(progress_of(s, "episodes"), 600);
        expect_result_is_batch(got, want, "maturity 400 + 200");
        json_decref(want);
        json_decref(got);
        json_decref(s);
    }
    cr_expect_eq(it_stop(&d), 0);
}

Test(run, result_is_409_before_the_first_episode_and_while_running)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "s", "maturity", 1);
    r = it_get(&d, "/v1/sessions/s/result");
    expect_conflict(&r, "idle", "result of a new session");
    it_resp_free(&r);
    /* 9 steps: no episode has finished yet */
    r = it_request(&d, "POST", "/v1/sessions/s/step", "{\"steps\":9}");
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/s/result");
    expect_conflict(&r, "idle", "result after 9 steps");
    it_resp_free(&r);
    /* the 10th finishes episode 0 */
    r = it_request(&d, "POST", "/v1/sessions/s/step", NULL);
    it_resp_free(&r);
    r = it_get(&d, "/v1/sessions/s/result");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    cr_expect_eq(json_integer_value(json_object_get(r.json, "episodes")), 1);
    it_resp_free(&r);

    it_run(&d, "s", 10000000);
    r = it_get(&d, "/v1/sessions/s/result");
    expect_conflict(&r, "running", "result while running");
    it_resp_free(&r);
    r = control(&d, "s", "cancel");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

Test(run, run_and_control_requests_at_the_wrong_time_are_409_and_bad_bodies_422)
{
    glia_daemon_t d;
    it_resp_t r;
    static const char *const bad_bodies[][2] = {
        {"{}", "/episodes"},
        {"{\"episodes\":0}", "/episodes"},
        {"{\"episodes\":-3}", "/episodes"},
        {"{\"episodes\":100000001}", "/episodes"},
        {"{\"episodes\":\"10\"}", "/episodes"},
        {"{\"episodes\":10,\"fast\":true}", "/fast"},
        {NULL, NULL},
    };

    it_start(&d, NULL);
    it_create(&d, "s", "maturity", 1);
    for (int i = 0; bad_bodies[i][0]; i++) {
        const char *ptr;
        r = it_request(&d, "POST", "/v1/sessions/s/run", bad_bodies[i][0]);
        ptr = json_string_value(
            json_object_get(json_array_get(json_object_get(r.json, "errors"), 0), "pointer"));
        cr_expect_eq(r.status, 422, "%s: %ld %.300s", bad_bodies[i][0], r.status, r.body);
        cr_expect(ptr != NULL && strcmp(ptr, bad_bodies[i][1]) == 0, "%s: pointer %s",
                  bad_bodies[i][0], ptr ? ptr : "(none)");
        it_resp_free(&r);
    }
    r = it_request(&d, "POST", "/v1/sessions/s/run", NULL);
    cr_expect_eq(r.status, 422, "run without a body: %.300s", r.body);
    it_resp_free(&r);

    /* nothing to pause, resume or cancel yet */
    r = control(&d, "s", "pause");
    expect_conflict(&r, "idle", "pause idle");
    it_resp_free(&r);
    r = control(&d, "s", "resume");
    expect_conflict(&r, "idle", "resume idle");
    it_resp_free(&r);
    r = control(&d, "s", "cancel");
    expect_conflict(&r, "idle", "cancel idle");
    it_resp_free(&r);

    it_run(&d, "s", 10000000);
    r = it_request(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":5}");
    expect_conflict(&r, "running", "run while running");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/s/pause", "{\"now\":true}");
    cr_expect_eq(r.status, 422, "control bodies must be {}: %.300s", r.body);
    it_resp_free(&r);

    r = control(&d, "s", "pause");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    cr_expect_str_eq(state_of(r.json), "paused");
    it_resp_free(&r);
    r = control(&d, "s", "pause");
    cr_expect_eq(r.status, 200, "pause while paused is a no-op: %.300s", r.body);
    cr_expect_str_eq(state_of(r.json), "paused");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/s/run", "{\"episodes\":5}");
    expect_conflict(&r, "paused", "run while paused");
    it_resp_free(&r);

    /* a paused session is cancelled at once */
    r = it_request(&d, "POST", "/v1/sessions/s/cancel", "{}");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    cr_expect_str_eq(state_of(r.json), "cancelled");
    it_resp_free(&r);
    r = control(&d, "s", "cancel");
    cr_expect_eq(r.status, 200, "cancel while cancelled is a no-op: %.300s", r.body);
    cr_expect_str_eq(state_of(r.json), "cancelled");
    it_resp_free(&r);
    r = control(&d, "s", "pause");
    expect_conflict(&r, "cancelled", "pause cancelled");
    it_resp_free(&r);
    r = control(&d, "s", "resume");
    expect_conflict(&r, "cancelled", "resume cancelled");
    it_resp_free(&r);

    /* completed: only a new run is allowed */
    it_create(&d, "done", "maturity", 2);
    it_run(&d, "done", 10);
    json_decref(it_wait_state(&d, "done", "completed", 30));
    r = control(&d, "done", "cancel");
    expect_conflict(&r, "completed", "cancel completed");
    it_resp_free(&r);
    r = control(&d, "done", "pause");
    expect_conflict(&r, "completed", "pause completed");
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

/* Pauses land within a slice, hold, and do not change what the run computes. */
Test(run, pause_stops_within_a_slice_and_resume_finishes_with_the_same_result)
{
    enum { EPISODES = 20000 }; /* still running at each pause on a fast machine */
    glia_daemon_t d;
    it_resp_t r;
    json_t *s, *got, *want;
    json_int_t paused_steps = -1;

    it_start(&d, NULL);
    it_create(&d, "p", "maturity", 13);
    it_run(&d, "p", EPISODES);
    for (int round = 0; round < 3; round++) {
        r = control(&d, "p", "pause");
        cr_assert_eq(r.status, 200, "pause %d: %.300s", round, r.body);
        cr_expect_str_eq(state_of(r.json), "paused");
        cr_expect_lt(progress_of(r.json, "episode"), EPISODES, "pause %d came after the end",
                     round);
        cr_expect_eq(progress_of(r.json, "episodes"), EPISODES, "the target stays");
        cr_expect_gt(progress_of(r.json, "steps"), paused_steps, "the run advanced");
        paused_steps = progress_of(r.json, "steps");
        it_resp_free(&r);

        /* paused means nothing moves */
        it_sleep(0.3);
        s = it_get_json(&d, 200, "/v1/sessions/p");
        cr_expect_str_eq(state_of(s), "paused");
        cr_expect_eq(progress_of(s, "steps"), paused_steps, "steps moved while paused");
        json_decref(s);

        r = control(&d, "p", "resume");
        cr_assert_eq(r.status, 200, "resume %d: %.300s", round, r.body);
        cr_expect_str_eq(state_of(r.json), "running");
        it_resp_free(&r);
        if (round < 2) /* let it advance a little before the next pause */
            json_decref(it_wait_episode(&d, "p", (unsigned)(paused_steps / 10) + 20, 30));
    }
    want = it_batch_run("maturity", 13, EPISODES); /* meanwhile the daemon finishes */
    s = it_wait_state(&d, "p", "completed", 60);
    cr_expect_eq(progress_of(s, "episode"), EPISODES);
    json_decref(s);
    got = it_result(&d, "p");
    expect_result_is_batch(got, want, "paused 3 times vs gliad run");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
}

Test(run, cancel_really_stops_and_a_new_run_continues_from_there)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *s, *got, *want;
    json_int_t episode, steps;

    it_start(&d, NULL);
    it_create(&d, "c", "maturity", 17);
    it_run(&d, "c", 10000000);
    json_decref(it_wait_episode(&d, "c", 1, 30));
    r = control(&d, "c", "cancel");
    cr_assert_eq(r.status, 200, "%.300s", r.body);
    cr_expect_str_eq(state_of(r.json), "cancelled");
    episode = progress_of(r.json, "episode");
    steps = progress_of(r.json, "steps");
    cr_expect_gt(episode, 0);
    cr_expect_lt(episode, 10000000);
    it_resp_free(&r);

    /* nothing advances over half a second */
    it_sleep(0.5);
    s = it_get_json(&d, 200, "/v1/sessions/c");
    cr_expect_str_eq(state_of(s), "cancelled");
    cr_expect_eq(progress_of(s, "episode"), episode, "episodes advanced after cancel");
    cr_expect_eq(progress_of(s, "steps"), steps, "steps advanced after cancel");
    json_decref(s);
    /* what was learned stays readable */
    got = it_result(&d, "c");
    cr_expect_eq(json_integer_value(json_object_get(got, "episodes")), episode);
    json_decref(got);

    /* a new run continues from the counters: its target is episode + 100 */
    it_run(&d, "c", 100);
    s = it_wait_state(&d, "c", "completed", 60);
    cr_expect_eq(progress_of(s, "episode"), episode + 100);
    cr_expect_eq(progress_of(s, "steps"), (episode + 100) * 10);
    json_decref(s);
    got = it_result(&d, "c");
    want = it_batch_run("maturity", 17, (unsigned)(episode + 100));
    expect_result_is_batch(got, want, "cancelled then run on vs gliad run");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
}

/* Three runs at once on each of two daemons cut very differently: one worker with 1 ms
 * slices, and two workers with 200 ms slices. Every result is the same. */
Test(run, results_do_not_depend_on_workers_or_slice_length)
{
    static const struct {
        const char *name, *preset;
        unsigned seed;
    } runs[] = {
        {"m", "maturity", 31},
        {"c", "cursor", 32},
        {"f", "astrocyte-firing", 33},
    };
    enum { EPISODES = 500 };
    glia_daemon_t a, b;
    json_t *ra[3], *rb[3];

    it_start(&a, (const char *[]){"--workers", "1", "--slice-ms", "1", NULL});
    it_start(&b, (const char *[]){"--workers", "2", "--slice-ms", "200", NULL});
    for (int i = 0; i < 3; i++) {
        it_create(&a, runs[i].name, runs[i].preset, runs[i].seed);
        it_create(&b, runs[i].name, runs[i].preset, runs[i].seed);
    }
    for (int i = 0; i < 3; i++) {
        it_run(&a, runs[i].name, EPISODES);
        it_run(&b, runs[i].name, EPISODES);
    }
    for (int i = 0; i < 3; i++) {
        json_decref(it_wait_state(&a, runs[i].name, "completed", 60));
        json_decref(it_wait_state(&b, runs[i].name, "completed", 60));
        ra[i] = it_result(&a, runs[i].name);
        rb[i] = it_result(&b, runs[i].name);
        cr_expect(json_equal(ra[i], rb[i]), "%s: results differ between the daemons", runs[i].name);
    }
    {
        json_t *want = it_batch_run("maturity", 31, EPISODES);
        expect_result_is_batch(ra[0], want, "--workers 1 --slice-ms 1 vs gliad run");
        json_decref(want);
    }
    for (int i = 0; i < 3; i++) {
        json_decref(ra[i]);
        json_decref(rb[i]);
    }
    cr_expect_eq(it_stop(&a), 0);
    cr_expect_eq(it_stop(&b), 0);
}

/* POST without a body, giving up after `seconds`; returns the status (0: no answer). */
static long post_within(glia_daemon_t *d, const char *path, long seconds)
{
    CURL *c = curl_easy_init();
    char url[512];
    long status = 0;
    FILE *sink = fopen("/dev/null", "w");

    cr_assert_not_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, seconds);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fclose(sink);
    return status;
}

/* Regression: resume on a running session was parked behind every slice until the run
 * ended; it must answer 200 unchanged at once. */
Test(run, resume_while_running_answers_200_at_once)
{
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "s", "maturity", 1);
    it_run(&d, "s", 10000000);
    cr_expect_eq(post_within(&d, "/v1/sessions/s/resume", 10), 200,
                 "resume of a running session got no 200 within 10 s");
    r = control(&d, "s", "cancel");
    cr_expect_eq(r.status, 200, "%.300s", r.body);
    it_resp_free(&r);
    cr_expect_eq(it_stop(&d), 0);
}

/* Regression: the 202 of a run was built from the live state when the store committed
 * (often already `completed`); a reply shows what its own commit stored. */
Test(run, the_202_of_a_run_shows_the_session_running)
{
    glia_daemon_t d;

    it_start(&d, NULL);
    for (int i = 0; i < 5; i++) {
        char name[16], path[64];
        it_resp_t r;
        snprintf(name, sizeof(name), "short%d", i);
        it_create(&d, name, "maturity", (unsigned)i);
        snprintf(path, sizeof(path), "/v1/sessions/%s/run", name);
        r = it_request(&d, "POST", path, "{\"episodes\":1}");
        cr_expect_eq(r.status, 202, "%.300s", r.body);
        cr_expect_str_eq(state_of(r.json), "running", "run %d", i);
        cr_expect_eq(progress_of(r.json, "episode"), 0, "run %d: the run has only started", i);
        it_resp_free(&r);
    }
    cr_expect_eq(it_stop(&d), 0);
}

/* One worker, two runs: one run's slice waits in the queue while the other's runs, so a
 * pause can catch it before it starts (the queued slice is withdrawn). Pauses still land
 * and neither result changes. */
Test(run, pausing_a_run_that_waits_for_the_worker_changes_nothing)
{
    enum { EPISODES = 2000 };
    glia_daemon_t d;
    json_t *want, *got;

    it_start(&d, (const char *[]){"--workers", "1", "--slice-ms", "100", NULL});
    it_create(&d, "a", "maturity", 5);
    it_create(&d, "b", "maturity", 5);
    it_run(&d, "a", EPISODES);
    it_run(&d, "b", EPISODES);
    for (int i = 0; i < 5; i++) {
        it_resp_t r = control(&d, "b", "pause");
        if (r.status == 409) { /* b finished first: nothing left to pause */
            cr_expect_str_eq(json_string_value(json_object_get(r.json, "state")), "completed");
            it_resp_free(&r);
            break;
        }
        cr_expect_eq(r.status, 200, "pause %d: %.300s", i, r.body);
        cr_expect_str_eq(state_of(r.json), "paused");
        it_resp_free(&r);
        r = control(&d, "b", "resume");
        cr_expect_eq(r.status, 200, "resume %d: %.300s", i, r.body);
        it_resp_free(&r);
    }
    want = it_batch_run("maturity", 5, EPISODES);
    json_decref(it_wait_state(&d, "a", "completed", 60));
    json_decref(it_wait_state(&d, "b", "completed", 60));
    got = it_result(&d, "a");
    expect_result_is_batch(got, want, "a, sharing one worker");
    json_decref(got);
    got = it_result(&d, "b");
    expect_result_is_batch(got, want, "b, paused while queued");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
}
