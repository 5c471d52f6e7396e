/* 12_shutdown: SIGTERM while sessions run and streams are open: exit 0, the streams
 * end, and a restart on the same data dir resumes the running sessions to the result
 * `gliad run` gives; idle, paused and completed sessions come back as they were. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "support/extra.h"
#include "support/harness.h"

#define EPISODES 20000u /* long enough to be mid-run at the signal on a fast machine */

static json_int_t progress(const json_t *summary, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(summary, "progress"), key));
}

Test(shutdown, sigterm_mid_run_exits_0_ends_streams_and_the_run_resumes_after_restart)
{
    glia_daemon_t d;
    it_bg_stream_t sse, nd;
    json_t *before_paused, *before_done, *s, *res_done_before;
    double t0, stop_seconds;
    json_int_t other_seen;

    it_start(&d, NULL);
    d.keep_dir = 1;
    it_create(&d, "idle", "control", 1);
    it_create(&d, "done", "epsilon", 2);
    it_run(&d, "done", 40);
    json_decref(it_wait_state(&d, "done", "completed", 30));
    res_done_before = it_result(&d, "done");
    before_done = it_get_json(&d, 200, "/v1/sessions/done");
    it_create(&d, "paused", "cursor", 3);
    it_run(&d, "paused", 1000000);
    json_decref(it_wait_episode(&d, "paused", 1, 30));
    {
        it_resp_t r = it_request(&d, "POST", "/v1/sessions/paused/pause", NULL);
        cr_assert_eq(r.status, 200, "pause: %ld %.200s", r.status, r.body);
        it_resp_free(&r);
    }
    before_paused = it_wait_state(&d, "paused", "paused", 30);

    it_create(&d, "long", "maturity", 21);
    it_create(&d, "other", "astrocyte-traffic", 22);
    it_run(&d, "long", EPISODES);
    it_run(&d, "other", EPISODES);
    json_decref(it_wait_episode(&d, "long", 20, 30));

    /* An SSE stream on the running session, an NDJSON stream on the idle one. */
    it_bg_stream_start(&sse, &d, "/v1/sessions/long/events", 30);
    it_bg_stream_start(&nd, &d, "/v1/sessions/idle/events?format=ndjson&after=0", 30);
    it_bg_stream_wait(&sse, 20, 10);
    it_bg_stream_wait(&nd, 10, 10);

    s = it_get_json(&d, 200, "/v1/sessions/long");
    cr_assert_str_eq(json_string_value(json_object_get(s, "state")), "running",
                     "long must still run when SIGTERM comes (raise EPISODES)");
    cr_assert(progress(s, "episode") < (json_int_t)EPISODES);
    json_decref(s);
    /* Seen by a client: the restart must not take it back (the last slices checkpoint). */
    s = it_get_json(&d, 200, "/v1/sessions/other");
    other_seen = progress(s, "steps");
    json_decref(s);

    t0 = it_now();
    cr_expect_eq(it_stop(&d), 0, "SIGTERM mid-run exits 0 (see %s)", d.log_path);
    stop_seconds = it_now() - t0;
    cr_log_info("gliad stopped %.2f s after SIGTERM", stop_seconds);

    it_bg_stream_join(&sse);
    it_bg_stream_join(&nd);
    cr_expect_eq(sse.status, 200);
    cr_expect_not(sse.timed_out, "the SSE stream did not end on shutdown");
    cr_expect_eq(sse.curl_code, 0, "the SSE stream ended cleanly (curl %d)", sse.curl_code);
    cr_expect(strstr(sse.body, "event: state") || strstr(sse.body, "event: progress"),
              "the SSE stream carried events: %.300s", sse.body);
    cr_expect_eq(nd.status, 200);
    cr_expect_not(nd.timed_out, "the NDJSON stream did not end on shutdown");
    cr_expect_eq(nd.curl_code, 0, "the NDJSON stream ended cleanly (curl %d)", nd.curl_code);
    it_bg_stream_free(&sse);
    it_bg_stream_free(&nd);

    it_restart(&d, NULL);
    cr_expect(it_log_contains(&d, "resuming at episode"), "the log says what it resumed");
    s = it_get_json(&d, 200, "/v1/sessions/other");
    cr_expect(progress(s, "steps") >= other_seen,
              "after a clean shutdown progress does not go back: %lld steps before, %lld after",
              (long long)other_seen, (long long)progress(s, "steps"));
    json_decref(s);
    {
        json_t *want_long = it_batch_run("maturity", 21, EPISODES);
        json_t *want_other = it_batch_run("astrocyte-traffic", 22, EPISODES);
        json_t *got;

        json_decref(it_wait_state(&d, "long", "completed", 60));
        json_decref(it_wait_state(&d, "other", "completed", 60));
        got = it_result(&d, "long");
        it_expect_same_run(got, want_long, "long, resumed after SIGTERM, vs gliad run");
        json_decref(got);
        got = it_result(&d, "other");
        it_expect_same_run(got, want_other, "other, resumed after SIGTERM, vs gliad run");
        json_decref(got);
        json_decref(want_long);
        json_decref(want_other);
    }

    /* The others are as they were. */
    s = it_get_json(&d, 200, "/v1/sessions/idle");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "idle");
    cr_expect_eq(progress(s, "steps"), 0);
    json_decref(s);
    s = it_get_json(&d, 200, "/v1/sessions/paused");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "paused",
                     "a paused session is not resumed by a restart");
    cr_expect_eq(progress(s, "steps"), progress(before_paused, "steps"));
    cr_expect_eq(progress(s, "episodes"), progress(before_paused, "episodes"));
    json_decref(s);
    s = it_get_json(&d, 200, "/v1/sessions/done");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "completed");
    cr_expect_eq(progress(s, "steps"), progress(before_done, "steps"));
    json_decref(s);
    s = it_result(&d, "done");
    cr_expect(json_equal(s, res_done_before), "the completed session's result is unchanged");
    json_decref(s);

    json_decref(res_done_before);
    json_decref(before_done);
    json_decref(before_paused);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

Test(shutdown, sigterm_with_a_waiting_follow_stream_and_nothing_running_exits_0)
{
    glia_daemon_t d;
    it_bg_stream_t sse;

    it_start(&d, NULL);
    it_create(&d, "quiet", "control", 1);
    it_bg_stream_start(&sse, &d, "/v1/sessions/quiet/events", 30);
    it_bg_stream_wait(&sse, 20, 10); /* retry line and the state event */
    cr_expect_eq(it_stop(&d), 0);
    it_bg_stream_join(&sse);
    cr_expect_eq(sse.status, 200);
    cr_expect_not(sse.timed_out, "the stream did not end on shutdown");
    cr_expect_eq(sse.curl_code, 0, "the stream ended cleanly (curl %d)", sse.curl_code);
    it_bg_stream_free(&sse);
}

/* Wait for the daemon to exit on its own; its exit code, or -1 after `timeout` s. */
static int wait_exit(glia_daemon_t *d, double timeout)
{
    double t0 = it_now();
    int status;
    while (it_now() - t0 < timeout) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            d->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        it_sleep(0.01);
    }
    return -1;
}

Test(shutdown, sigint_is_a_clean_shutdown_too)
{
    glia_daemon_t d;
    json_t *got, *want;

    it_start(&d, NULL);
    d.keep_dir = 1;
    it_create(&d, "s", "maturity", 5);
    it_run(&d, "s", EPISODES);
    json_decref(it_wait_episode(&d, "s", 10, 30));
    kill(d.pid, SIGINT);
    cr_expect_eq(wait_exit(&d, 20), 0, "SIGINT exits 0");
    it_restart(&d, NULL);
    json_decref(it_wait_state(&d, "s", "completed", 60));
    got = it_result(&d, "s");
    want = it_batch_run("maturity", 5, EPISODES);
    it_expect_same_run(got, want, "after SIGINT and a restart");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

Test(shutdown, a_second_signal_exits_at_once_and_the_store_still_recovers)
{
    glia_daemon_t d;
    json_t *got, *want;
    int rc;

    it_start(&d, (const char *[]){"--checkpoint-seconds", "0.05", NULL});
    d.keep_dir = 1;
    it_create(&d, "s", "astrocyte-firing", 6);
    it_run(&d, "s", EPISODES);
    json_decref(it_wait_episode(&d, "s", 10, 30));
    kill(d.pid, SIGTERM);
    kill(d.pid, SIGTERM);
    rc = wait_exit(&d, 20);
    cr_expect(rc == 0 || rc == 1, "two signals: exit %d (0 if the first finished, else 1)", rc);
    it_restart(&d, NULL);
    json_decref(it_wait_state(&d, "s", "completed", 60));
    got = it_result(&d, "s");
    want = it_batch_run("astrocyte-firing", 6, EPISODES);
    it_expect_same_run(got, want, "after two signals and a restart");
    json_decref(got);
    json_decref(want);
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}
