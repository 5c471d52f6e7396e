/* 09_snapshot: GET .../snapshot and forking with POST /v1/sessions {"name","snapshot"}:
 * a run cut in two by a snapshot ends exactly like one uninterrupted run and like
 * `gliad run`; damaged or contradictory snapshots are refused with 422. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/requests.h"
#include "core/learners/astrocyte.h"
#include "core/session_internal.h"
#include "support/extra.h"
#include "support/harness.h"

#define LIVE_EPISODES 20000u

#define PRESET "maturity"
#define SEED   9u

static json_t *snapshot_of(glia_daemon_t *d, const char *name)
{
    return it_get_json(d, 200, "/v1/sessions/%s/snapshot", name);
}

static it_resp_t create_from(glia_daemon_t *d, const char *name, const char *b64,
                             const char *extra_members)
{
    return it_send(d, "POST", "/v1/sessions", "{\"name\":\"%s\",\"snapshot\":\"%s\"%s}", name, b64,
                   extra_members ? extra_members : "");
}

static void expect_snapshot_refused(it_resp_t *r, const char *what)
{
    cr_expect_eq(r->status, 422, "%s: %ld %.300s", what, r->status, r->body);
    cr_expect_str_eq(r->content_type, "application/problem+json", "%s", what);
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r->json, "errors"), 0), "pointer")),
                     "/snapshot", "%s: pointer", what);
}

Test(snapshot, fork_mid_run_ends_like_an_uninterrupted_run_and_gliad_run)
{
    glia_daemon_t d;
    json_t *snap, *fork_summary, *fork_snap, *whole, *fork, *first, *batch;
    const char *b64;
    it_resp_t r;

    it_start(&d, NULL);
    /* The uninterrupted 600-episode run, alongside. */
    it_create(&d, "whole", PRESET, SEED);
    it_run(&d, "whole", 600);

    it_create(&d, "first", PRESET, SEED);
    it_run(&d, "first", 300);
    json_decref(it_wait_state(&d, "first", "completed", 30));

    snap = snapshot_of(&d, "first");
    cr_expect_str_eq(json_string_value(json_object_get(snap, "format")), "glia-snapshot/3");
    cr_expect_str_eq(json_string_value(json_object_get(snap, "preset")), PRESET);
    cr_expect_eq(json_integer_value(json_object_get(snap, "seed")), SEED);
    cr_expect_eq(json_integer_value(json_object_get(snap, "episode")), 300);
    cr_expect_eq(json_integer_value(json_object_get(snap, "steps")), 3000);
    cr_expect(json_integer_value(json_object_get(snap, "bytes")) > 0);
    cr_expect(json_is_object(json_object_get(snap, "config")));
    b64 = json_string_value(json_object_get(snap, "snapshot"));
    cr_assert_not_null(b64);

    r = create_from(&d, "fork", b64, NULL);
    cr_assert_eq(r.status, 201, "fork: %ld %.300s", r.status, r.body);
    cr_expect_str_eq(r.location, "/v1/sessions/fork");
    it_resp_free(&r);

    /* The fork starts where the snapshot was taken, with the same seed. */
    fork_summary = it_get_json(&d, 200, "/v1/sessions/fork");
    cr_expect_str_eq(json_string_value(json_object_get(fork_summary, "state")), "idle");
    cr_expect_eq(json_integer_value(json_object_get(fork_summary, "seed")), SEED);
    cr_expect_eq(
        json_integer_value(json_object_get(json_object_get(fork_summary, "progress"), "episode")),
        300);
    {
        json_t *first_summary = it_get_json(&d, 200, "/v1/sessions/first");
        cr_expect_eq(json_integer_value(json_object_get(fork_summary, "accepted")),
                     json_integer_value(json_object_get(first_summary, "accepted")));
        cr_expect_eq(json_integer_value(json_object_get(fork_summary, "rejected")),
                     json_integer_value(json_object_get(first_summary, "rejected")));
        json_decref(first_summary);
    }
    json_decref(fork_summary);

    /* A snapshot of the untouched fork is the same bytes. */
    fork_snap = snapshot_of(&d, "fork");
    cr_expect_str_eq(json_string_value(json_object_get(fork_snap, "snapshot")), b64,
                     "snapshot -> fork -> snapshot round-trips byte for byte");
    json_decref(fork_snap);

    it_run(&d, "fork", 300);
    it_run(&d, "first", 300); /* the original goes on unaffected by the snapshot */
    batch = it_batch_run(PRESET, SEED, 600);
    json_decref(it_wait_state(&d, "fork", "completed", 30));
    json_decref(it_wait_state(&d, "first", "completed", 30));
    json_decref(it_wait_state(&d, "whole", "completed", 30));

    whole = it_result(&d, "whole");
    fork = it_result(&d, "fork");
    first = it_result(&d, "first");
    cr_expect_eq(json_integer_value(json_object_get(fork, "episodes")), 600);
    it_expect_same_run(whole, batch, "whole vs gliad run");
    it_expect_same_run(fork, batch, "fork vs gliad run");
    it_expect_same_run(fork, whole, "fork vs whole");
    it_expect_same_run(first, batch, "first (300 + 300) vs gliad run");

    json_decref(first);
    json_decref(fork);
    json_decref(whole);
    json_decref(batch);
    json_decref(snap);
    cr_expect_eq(it_stop(&d), 0);
}

/* A fork of a preset session reports that preset, as the snapshot it came from does
 * (GET .../snapshot says "preset": "maturity"). */
Test(snapshot, fork_keeps_the_preset_of_its_snapshot)
{
    glia_daemon_t d;
    json_t *snap, *sum, *res;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "orig", PRESET, SEED);
    it_run(&d, "orig", 20);
    json_decref(it_wait_state(&d, "orig", "completed", 30));
    snap = snapshot_of(&d, "orig");
    r = create_from(&d, "fork", json_string_value(json_object_get(snap, "snapshot")), NULL);
    cr_assert_eq(r.status, 201, "%ld %.300s", r.status, r.body);
    it_resp_free(&r);
    sum = it_get_json(&d, 200, "/v1/sessions/fork");
    {
        const char *preset = json_string_value(json_object_get(sum, "preset"));
        cr_expect_str_eq(preset ? preset : "(null)", PRESET);
    }
    res = it_result(&d, "fork");
    cr_expect_str_eq(json_string_value(json_object_get(res, "condition")), PRESET);
    json_decref(res);
    json_decref(sum);
    json_decref(snap);
    cr_expect_eq(it_stop(&d), 0);
}

Test(snapshot, corrupt_or_contradictory_snapshots_are_refused_with_422)
{
    glia_daemon_t d;
    json_t *snap;
    char *bad;
    size_t n, mid;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "orig", "epsilon", 4);
    it_run(&d, "orig", 30);
    json_decref(it_wait_state(&d, "orig", "completed", 30));
    snap = snapshot_of(&d, "orig");
    bad = strdup(json_string_value(json_object_get(snap, "snapshot")));
    cr_assert_not_null(bad);
    n = strlen(bad);
    cr_assert(n > 100);

    /* One base64 character flipped in the middle: still base64, wrong bytes. */
    mid = n / 2;
    bad[mid] = bad[mid] == 'A' ? 'B' : 'A';
    r = create_from(&d, "broken", bad, NULL);
    expect_snapshot_refused(&r, "flipped character");
    it_resp_free(&r);
    bad[mid] = json_string_value(json_object_get(snap, "snapshot"))[mid];

    /* Cut short (still whole base64 quads). */
    {
        char *cut = strndup(bad, (n / 2) & ~(size_t)3);
        r = create_from(&d, "broken", cut, NULL);
        expect_snapshot_refused(&r, "truncated snapshot");
        it_resp_free(&r);
        free(cut);
    }
    /* Not base64 at all. */
    r = create_from(&d, "broken", "this is not base64!", NULL);
    expect_snapshot_refused(&r, "not base64");
    it_resp_free(&r);
    r = create_from(&d, "broken", "", NULL);
    expect_snapshot_refused(&r, "empty snapshot");
    it_resp_free(&r);

    /* A snapshot carries its own preset, seed and config. */
    r = create_from(&d, "broken", bad, ",\"preset\":\"maturity\"");
    expect_snapshot_refused(&r, "snapshot with preset");
    it_resp_free(&r);
    r = create_from(&d, "broken", bad, ",\"seed\":3");
    expect_snapshot_refused(&r, "snapshot with seed");
    it_resp_free(&r);
    r = create_from(&d, "broken", bad, ",\"config\":{}");
    expect_snapshot_refused(&r, "snapshot with config");
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions", "{\"name\":\"broken\",\"snapshot\":42}");
    expect_snapshot_refused(&r, "snapshot that is a number");
    it_resp_free(&r);

    /* None of these created anything; the intact snapshot still forks. */
    json_decref(it_get_json(&d, 404, "/v1/sessions/broken"));
    r = create_from(&d, "orig", bad, NULL);
    cr_expect_eq(r.status, 409, "a fork cannot take an existing name: %ld", r.status);
    it_resp_free(&r);
    r = create_from(&d, "ok", bad, NULL);
    cr_expect_eq(r.status, 201, "intact snapshot: %ld %.300s", r.status, r.body);
    it_resp_free(&r);
    it_expect_healthy(&d, "bad snapshots");

    free(bad);
    json_decref(snap);
    cr_expect_eq(it_stop(&d), 0);
}

/* A snapshot of a running session (taken between slices, possibly mid-episode) forks
 * into a session that finishes the plan exactly as the original does. */
Test(snapshot, snapshot_while_running_forks_to_the_same_end)
{
    glia_daemon_t d;
    json_t *snap, *fork, *orig, *batch;
    json_int_t episode, steps;
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "live", "maturity", 12);
    it_run(&d, "live", LIVE_EPISODES); /* still running at the snapshot, however fast */
    json_decref(it_wait_episode(&d, "live", 100, 30));
    snap = snapshot_of(&d, "live");
    episode = json_integer_value(json_object_get(snap, "episode"));
    steps = json_integer_value(json_object_get(snap, "steps"));
    cr_assert(episode >= 100 && episode < LIVE_EPISODES, "snapshot at episode %lld",
              (long long)episode);
    cr_log_info("snapshot of a running session at episode %lld, step %lld", (long long)episode,
                (long long)steps);
    r = create_from(&d, "fork", json_string_value(json_object_get(snap, "snapshot")), NULL);
    cr_assert_eq(r.status, 201, "fork: %ld %.300s", r.status, r.body);
    it_resp_free(&r);
    {
        json_t *s = it_get_json(&d, 200, "/v1/sessions/fork");
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(s, "progress"), "steps")),
                     steps, "the fork starts at the snapshot's step");
        json_decref(s);
    }
    it_run(&d, "fork", (unsigned)(LIVE_EPISODES - episode));
    batch = it_batch_run("maturity", 12, LIVE_EPISODES);
    json_decref(it_wait_state(&d, "fork", "completed", 60));
    json_decref(it_wait_state(&d, "live", "completed", 60));
    fork = it_result(&d, "fork");
    orig = it_result(&d, "live");
    it_expect_same_run(orig, batch, "the original vs gliad run");
    it_expect_same_run(fork, batch, "fork of a running session vs gliad run");
    json_decref(orig);
    json_decref(fork);
    json_decref(batch);
    json_decref(snap);
    cr_expect_eq(it_stop(&d), 0);
}

/* Forgeries with a correct checksum: the values are ones no run can produce (a history
 * byte of 126, a NaN weight). They used to be accepted (201), then fail at the next
 * restart or answer 500 on /result. Now they are refused at the door, and nothing is
 * stored: a restart shows no trace of them. */
static char *forge(const char *b64, int what)
{
    uint8_t *bytes, *out;
    size_t len, out_len;
    glia_session_t *s;
    glia_astro_state_t *st;
    char *text;

    cr_assert_eq(glia_base64_decode(b64, &bytes, &len), 0);
    cr_assert_eq(glia_session_load(bytes, len, &s, NULL), 0);
    free(bytes);
    st = s->learner_state;
    if (what == 0)
        st->astro[2].hist[1] = 126;
    else
        s->net->w[33] = NAN;
    cr_assert_eq(glia_session_save(s, &out, &out_len), 0);
    glia_session_free(s);
    text = glia_base64_encode(out, out_len);
    free(out);
    cr_assert_not_null(text);
    return text;
}

Test(snapshot, forged_snapshots_are_refused_and_leave_nothing)
{
    glia_daemon_t d;
    json_t *snap, *list;
    const char *b64;

    it_start(&d, NULL);
    it_create(&d, "src", PRESET, SEED);
    it_run(&d, "src", 50);
    json_decref(it_wait_state(&d, "src", "completed", 30));
    snap = snapshot_of(&d, "src");
    b64 = json_string_value(json_object_get(snap, "snapshot"));
    cr_assert_not_null(b64);
    for (int what = 0; what < 2; what++) {
        char *forged = forge(b64, what);
        it_resp_t r = create_from(&d, "forged", forged, NULL);
        expect_snapshot_refused(&r, what == 0 ? "history byte 126" : "NaN weight");
        cr_expect(strstr(r.body, "does not match") != NULL, "%.300s", r.body);
        it_resp_free(&r);
        free(forged);
    }
    json_decref(snap);
    d.keep_dir = 1;
    cr_assert_eq(it_stop(&d), 0);
    it_restart(&d, NULL);
    list = it_get_json(&d, 200, "/v1/sessions");
    cr_expect_eq(json_array_size(json_object_get(list, "items")), 1, "only src is stored");
    json_decref(list);
    d.keep_dir = 0;
    cr_assert_eq(it_stop(&d), 0);
}
