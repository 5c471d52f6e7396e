/* 15_crash: kill -9 at awkward moments, restart on the same data dir, let the runs
 * finish: whatever the daemon acknowledged (201, 202, 204, a served trajectory point)
 * is still there, and every run ends exactly as `gliad run` for the same preset, seed
 * and episodes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

static const char *const presets[] = {"control",           "cursor",  "astrocyte-firing",
                                      "astrocyte-traffic", "epsilon", "maturity"};

static json_t *points_of(glia_daemon_t *d, const char *name)
{
    json_t *m = it_get_json(d, 200, "/v1/sessions/%s/metrics?limit=10000", name);
    json_t *p = json_incref(json_object_get(m, "points"));
    json_decref(m);
    return p;
}

/* Every point served before the crash is served after it, unchanged. */
static void expect_points_kept(const json_t *before, const json_t *after, const char *name)
{
    for (size_t i = 0; i < json_array_size(before); i++) {
        json_t *b = json_array_get(before, i);
        json_int_t ep = json_integer_value(json_object_get(b, "episode"));
        int found = 0;
        for (size_t k = 0; k < json_array_size(after) && !found; k++) {
            json_t *a = json_array_get(after, k);
            if (json_integer_value(json_object_get(a, "episode")) == ep) {
                found = 1;
                cr_expect(json_equal(a, b), "%s: the point of episode %lld changed after the crash",
                          name, (long long)ep);
            }
        }
        cr_expect(found, "%s: the point of episode %lld, served before kill -9, is gone", name,
                  (long long)ep);
    }
}

/* The served points are the reference trajectory: no gaps, no repeats after resuming. */
static void expect_points_are_trajectory(const json_t *points, const json_t *batch,
                                         const char *name)
{
    const json_t *traj = json_object_get(batch, "trajectory");
    cr_expect_eq(json_array_size(points), json_array_size(traj), "%s: %zu points, want %zu", name,
                 json_array_size(points), json_array_size(traj));
    for (size_t i = 0; i < json_array_size(points) && i < json_array_size(traj); i++) {
        /* Whole points, output vectors included: the result's trajectory carries them too. */
        json_t *p = json_copy(json_array_get(points, i));
        if (!json_equal(p, json_array_get(traj, i))) {
            char *a = it_dump(p), *b = it_dump(json_array_get(traj, i));
            cr_expect_fail("%s: point %zu is %s, gliad run has %s", name, i, a, b);
            free(a);
            free(b);
        }
        json_decref(p);
    }
}

static void expect_running_mid_run(glia_daemon_t *d, const char *name, unsigned episodes)
{
    json_t *s = it_get_json(d, 200, "/v1/sessions/%s", name);
    json_int_t ep = json_integer_value(json_object_get(json_object_get(s, "progress"), "episode"));
    cr_assert_str_eq(json_string_value(json_object_get(s, "state")), "running",
                     "%s must still be running at the kill", name);
    cr_assert(ep < (json_int_t)episodes, "%s already at %lld of %u", name, (long long)ep, episodes);
    json_decref(s);
}

Test(crash, kill_right_after_create_keeps_every_acknowledged_session)
{
    glia_daemon_t d;
    char name[32];

    it_start(&d, NULL);
    d.keep_dir = 1;
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        it_create(&d, name, presets[i], 500u + (unsigned)i);
    }
    it_kill(&d); /* right after the last 201 */
    it_restart(&d, NULL);
    for (int i = 0; i < 6; i++) {
        json_t *s;
        snprintf(name, sizeof(name), "c%d", i);
        s = it_get_json(&d, 200, "/v1/sessions/%s", name);
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "idle", "%s", name);
        cr_expect_str_eq(json_string_value(json_object_get(s, "preset")), presets[i], "%s", name);
        cr_expect_eq(json_integer_value(json_object_get(s, "seed")), 500 + i, "%s", name);
        json_decref(s);
        /* Rebuilt from the stored config alone (no checkpoint yet): same learning. */
        it_run(&d, name, 100);
    }
    for (int i = 0; i < 6; i++) {
        json_t *got, *want;
        char what[96];
        snprintf(name, sizeof(name), "c%d", i);
        json_decref(it_wait_state(&d, name, "completed", 30));
        got = it_result(&d, name);
        want = it_batch_run(presets[i], 500u + (unsigned)i, 100);
        snprintf(what, sizeof(what), "%s (%s) created, killed, restarted, run", name, presets[i]);
        it_expect_same_run(got, want, what);
        json_decref(got);
        json_decref(want);
    }
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

Test(crash, kill_right_after_run_accepted_resumes_the_run)
{
    glia_daemon_t d;
    json_t *got, *want;

    it_start(&d, NULL);
    d.keep_dir = 1;
    it_create(&d, "r", "epsilon", 61);
    it_run(&d, "r", 400);
    it_kill(&d); /* right after the 202 */
    it_restart(&d, NULL);
    json_decref(it_wait_state(&d, "r", "completed", 30));
    got = it_result(&d, "r");
    want = it_batch_run("epsilon", 61, 400);
    it_expect_same_run(got, want, "killed right after 202, restarted");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

/* kill -9 mid-run, restart, finish; with `extra` flags (checkpoint cadence) and `kills`
 * crashes in a row, each at a later episode. */
static void crash_mid_run(const char *const *extra, int kills)
{
    static const struct {
        const char *name, *preset;
        unsigned seed, episodes;
    } runs[] = {{"mat", "maturity", 41, 20000}, {"cur", "cursor", 42, 20000}};
    glia_daemon_t d;
    json_t *served[2] = {NULL, NULL};

    it_start(&d, extra);
    d.keep_dir = 1;
    for (int i = 0; i < 2; i++) {
        it_create(&d, runs[i].name, runs[i].preset, runs[i].seed);
        it_run(&d, runs[i].name, runs[i].episodes);
    }
    for (int k = 0; k < kills; k++) {
        /* Kill once points past 250 (and, later, past 750, 1250, ...) have been served. */
        unsigned at = 300u + 500u * (unsigned)k;
        json_decref(it_wait_episode(&d, "mat", at, 60));
        expect_running_mid_run(&d, "mat", runs[0].episodes);
        for (int i = 0; i < 2; i++) {
            json_decref(served[i]);
            served[i] = points_of(&d, runs[i].name);
        }
        cr_assert(json_array_size(served[0]) >= 2, "points were served before the kill");
        it_kill(&d);
        it_restart(&d, extra);
        for (int i = 0; i < 2; i++) {
            json_t *now = points_of(&d, runs[i].name);
            expect_points_kept(served[i], now, runs[i].name);
            json_decref(now);
        }
    }
    for (int i = 0; i < 2; i++) {
        json_t *got, *want, *points;
        char what[96];
        want = it_batch_run(runs[i].preset, runs[i].seed, runs[i].episodes);
        json_decref(it_wait_state(&d, runs[i].name, "completed", 60));
        got = it_result(&d, runs[i].name);
        snprintf(what, sizeof(what), "%s after %d kill -9, vs gliad run", runs[i].name, kills);
        it_expect_same_run(got, want, what);
        points = points_of(&d, runs[i].name);
        expect_points_kept(served[i], points, runs[i].name);
        expect_points_are_trajectory(points, want, runs[i].name);
        json_decref(points);
        json_decref(got);
        json_decref(want);
        json_decref(served[i]);
    }
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

Test(crash, kill_during_a_run_resumes_and_ends_like_gliad_run)
{
    crash_mid_run(NULL, 1);
}

Test(crash, repeated_kills_during_a_checkpoint_heavy_run)
{
    crash_mid_run((const char *[]){"--checkpoint-seconds", "0.05", NULL}, 3);
}

Test(crash, kill_after_pause_and_delete_replies)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *s;

    it_start(&d, NULL);
    d.keep_dir = 1;
    it_create(&d, "p", "astrocyte-firing", 71);
    it_create(&d, "x", "control", 72);
    it_run(&d, "p", 1000000);
    json_decref(it_wait_episode(&d, "p", 2, 30));
    r = it_request(&d, "POST", "/v1/sessions/p/pause", NULL);
    cr_assert_eq(r.status, 200, "pause: %ld", r.status);
    it_resp_free(&r);
    r = it_request(&d, "DELETE", "/v1/sessions/x", NULL);
    cr_assert_eq(r.status, 204);
    it_resp_free(&r);
    s = it_get_json(&d, 200, "/v1/sessions/p");
    it_kill(&d);
    it_restart(&d, NULL);
    json_decref(it_get_json(&d, 404, "/v1/sessions/x"));
    {
        json_t *now = it_get_json(&d, 200, "/v1/sessions/p");
        cr_expect_str_eq(json_string_value(json_object_get(now, "state")), "paused");
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(now, "progress"), "steps")),
                     json_integer_value(json_object_get(json_object_get(s, "progress"), "steps")),
                     "the paused counters survive kill -9");
        json_decref(now);
    }
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

/* Replies that write a checkpoint: a step, a config replacement, a fork. */
Test(crash, kill_after_step_config_and_fork_replies)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *snap, *s, *got, *want;

    it_start(&d, NULL);
    d.keep_dir = 1;
    /* step: 7 steps, mid-episode */
    it_create(&d, "st", "maturity", 81);
    r = it_request(&d, "POST", "/v1/sessions/st/step", "{\"steps\":7}");
    cr_assert_eq(r.status, 200, "step: %ld %.200s", r.status, r.body);
    it_resp_free(&r);
    /* config: control seed 1 becomes epsilon seed 9 */
    it_create(&d, "cf", "control", 1);
    r = it_request(&d, "PUT", "/v1/sessions/cf/config", "{\"preset\":\"epsilon\",\"seed\":9}");
    cr_assert_eq(r.status, 200, "put config: %ld %.200s", r.status, r.body);
    it_resp_free(&r);
    /* fork of a 100-episode cursor run */
    it_create(&d, "orig", "cursor", 83);
    it_run(&d, "orig", 100);
    json_decref(it_wait_state(&d, "orig", "completed", 30));
    snap = it_get_json(&d, 200, "/v1/sessions/orig/snapshot");
    r = it_send(&d, "POST", "/v1/sessions", "{\"name\":\"fk\",\"snapshot\":\"%s\"}",
                json_string_value(json_object_get(snap, "snapshot")));
    cr_assert_eq(r.status, 201, "fork: %ld", r.status);
    it_resp_free(&r);
    json_decref(snap);

    it_kill(&d);
    it_restart(&d, NULL);

    s = it_get_json(&d, 200, "/v1/sessions/st");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "steps")), 7);
    json_decref(s);
    s = it_get_json(&d, 200, "/v1/sessions/cf");
    cr_expect_str_eq(json_string_value(json_object_get(s, "preset")), "epsilon");
    cr_expect_eq(json_integer_value(json_object_get(s, "seed")), 9);
    json_decref(s);
    s = it_get_json(&d, 200, "/v1/sessions/fk");
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "episode")),
                 100);
    json_decref(s);

    /* 7 steps + a run to 120 episodes is a 120-episode run. */
    it_run(&d, "st", 120);
    it_run(&d, "cf", 120);
    it_run(&d, "fk", 100);
    json_decref(it_wait_state(&d, "st", "completed", 30));
    json_decref(it_wait_state(&d, "cf", "completed", 30));
    json_decref(it_wait_state(&d, "fk", "completed", 30));
    got = it_result(&d, "st");
    want = it_batch_run("maturity", 81, 120);
    it_expect_same_run(got, want, "stepped 7, killed, run to 120");
    json_decref(got);
    json_decref(want);
    got = it_result(&d, "cf");
    want = it_batch_run("epsilon", 9, 120);
    it_expect_same_run(got, want, "config replaced, killed, run");
    json_decref(got);
    json_decref(want);
    got = it_result(&d, "fk");
    want = it_batch_run("cursor", 83, 200);
    it_expect_same_run(got, want, "forked at 100, killed, run 100 more");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}
