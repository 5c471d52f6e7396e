/* 18_store_full: --max-db-bytes is a quota that behaves like a full disk. With a quota
 * just big enough to start and hold one short run and a few sessions (128 KiB: a fresh
 * store is 17 pages of 4 KiB, and 64 KiB, the smallest quota, holds hardly more than the
 * schema), runs fill
 * the store until its writes fail:
 * the session whose commit failed turns "failed" saying the disk is full, the daemon keeps
 * serving, a create whose commit fails is 507 store-failed and leaves no session, and a
 * restart without the quota finds everything committed before. A store already larger
 * than the quota is refused at startup and left untouched. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/extra.h"
#include "support/harness.h"

#define QUOTA       "131072" /* runs_fill_the_quota...: 32 pages */
#define SMALL_QUOTA "65536" /* the smallest quota: below a grown store */

static const char *state_of(const json_t *s)
{
    const char *v = json_string_value(json_object_get(s, "state"));
    return v ? v : "(none)";
}

/* Create sessions c0, c1, ... until a create is refused; returns how many were created
 * (the refused one is c<n>) and fills *refused with its response. */
static int create_until_refused(glia_daemon_t *d, const char *prefix, int max, it_resp_t *refused)
{
    for (int i = 0; i < max; i++) {
        char body[128];
        it_resp_t r;
        snprintf(body, sizeof(body), "{\"name\": \"%s%d\", \"preset\": \"cursor\", \"seed\": %d}",
                 prefix, i, i);
        r = it_request(d, "POST", "/v1/sessions", body);
        if (r.status != 201) {
            *refused = r;
            return i;
        }
        it_resp_free(&r);
    }
    cr_assert_fail("%d creates all succeeded under the quota", max);
    return -1;
}

/* Expect the refusal of a create because the store is full, and no such session after. */
static void expect_create_store_failed(glia_daemon_t *d, it_resp_t *r, const char *name)
{
    it_resp_t g;
    json_t *list;

    cr_expect_eq(r->status, 507, "create %s: %ld %.300s", name, r->status, r->body);
    cr_expect_str_eq(r->content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(r->json, "type")),
                     "urn:glia:problem:store-failed", "%.300s", r->body);
    cr_expect_not_null(strstr(json_string_value(json_object_get(r->json, "detail")), "full"),
                       "the detail says the store is full: %.300s", r->body);
    g = it_get(d, "/v1/sessions/%s", name);
    cr_expect_eq(g.status, 404, "the refused session %s does not exist: %ld", name, g.status);
    it_resp_free(&g);
    list = it_get_json(d, 200, "/v1/sessions?limit=1000");
    for (size_t i = 0; i < json_array_size(json_object_get(list, "items")); i++)
        cr_expect_str_neq(json_string_value(json_object_get(
                              json_array_get(json_object_get(list, "items"), i), "name")),
                          name, "the refused session is not listed");
    json_decref(list);
    /* nothing was left behind: the same create is refused again, not 409 */
    {
        char body[128];
        it_resp_t again;
        snprintf(body, sizeof(body), "{\"name\": \"%s\", \"preset\": \"cursor\", \"seed\": 1}",
                 name);
        again = it_request(d, "POST", "/v1/sessions", body);
        cr_expect_eq(again.status, 507, "retrying %s: %ld %.200s", name, again.status, again.body);
        it_resp_free(&again);
    }
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

Test(store_full, runs_fill_the_quota_the_session_fails_and_the_daemon_keeps_serving)
{
    static const char *const fillers[4] = {"f1", "f2", "f3", "f4"};
    glia_daemon_t d;
    json_t *keep_result, *s, *failed = NULL;
    it_resp_t r;
    double t0;
    int created;
    char refused_name[16];

    it_start(&d, (const char *[]){"--max-db-bytes", QUOTA, NULL});
    d.keep_dir = 1;
    /* committed before the store fills: a finished run and an idle session */
    it_create(&d, "keep", "cursor", 7);
    it_run(&d, "keep", 20);
    json_decref(it_wait_state(&d, "keep", "completed", 30));
    keep_result = it_result(&d, "keep");
    it_create(&d, "idle", "control", 1);

    /* long runs until a commit fails (all created first: a run's checkpoints may fill
     * the store before a later create) */
    for (int i = 0; i < 4; i++)
        it_create(&d, fillers[i], "astrocyte-firing", (unsigned)i + 1);
    for (int i = 0; i < 4; i++)
        it_run(&d, fillers[i], 5000);
    t0 = it_now();
    while (failed == NULL) {
        for (int i = 0; i < 4 && failed == NULL; i++) {
            s = it_get_json(&d, 200, "/v1/sessions/%s", fillers[i]);
            if (strcmp(state_of(s), "failed") == 0)
                failed = s;
            else
                json_decref(s);
        }
        if (failed == NULL && it_now() - t0 > 60)
            cr_assert_fail("no run failed within 60 s under a %s-byte quota", QUOTA);
        it_sleep(0.02);
    }
    {
        const char *err = json_string_value(json_object_get(failed, "error"));
        cr_expect_not_null(err, "a failed session says why");
        cr_expect(err && strstr(err, "disk full") != NULL, "the error names the full store: %s",
                  err ? err : "(null)");
    }

    /* it stays failed, with its reason: nothing more is written for it */
    it_sleep(0.5);
    s = it_get_json(&d, 200, "/v1/sessions/%s", json_string_value(json_object_get(failed, "name")));
    cr_expect_str_eq(state_of(s), "failed", "a session failed by the store stays failed");
    {
        const char *err = json_string_value(json_object_get(s, "error"));
        cr_expect(err && strstr(err, "disk full"), "still says why: %s", err ? err : "(null)");
    }
    json_decref(s);

    /* the daemon keeps serving */
    it_expect_healthy(&d, "a full store");
    s = it_get_json(&d, 200, "/v1/sessions/keep");
    cr_expect_str_eq(state_of(s), "completed");
    json_decref(s);
    s = it_get_json(&d, 200, "/v1/sessions/idle");
    cr_expect_str_eq(state_of(s), "idle");
    json_decref(s);
    s = it_result(&d, "keep");
    it_expect_same_run(s, keep_result, "keep's result on a full store");
    json_decref(s);
    json_decref(it_get_json(&d, 200, "/v1/sessions/%s",
                            json_string_value(json_object_get(failed, "name"))));
    json_decref(it_get_json(&d, 200, "/v1/sessions?limit=1000"));

    /* creates go on until one cannot be committed */
    created = create_until_refused(&d, "c", 500, &r);
    snprintf(refused_name, sizeof(refused_name), "c%d", created);
    expect_create_store_failed(&d, &r, refused_name);
    it_resp_free(&r);
    it_expect_healthy(&d, "a refused create");
    json_decref(failed);
    it_stop(&d); /* its shutdown checkpoints fail too; the exit status is not the point */

    /* without the quota, everything that was committed is there */
    it_restart(&d, NULL);
    s = it_get_json(&d, 200, "/v1/sessions/keep");
    cr_expect_str_eq(state_of(s), "completed");
    json_decref(s);
    s = it_result(&d, "keep");
    it_expect_same_run(s, keep_result, "keep after the restart");
    json_decref(s);
    {
        json_t *want = it_batch_run("cursor", 7, 20);
        s = it_result(&d, "keep");
        it_expect_same_run(s, want, "keep vs gliad run");
        json_decref(s);
        json_decref(want);
    }
    s = it_get_json(&d, 200, "/v1/sessions/idle");
    cr_expect_str_eq(state_of(s), "idle");
    json_decref(s);
    for (int i = 0; i < 4; i++)
        json_decref(it_get_json(&d, 200, "/v1/sessions/%s", fillers[i]));
    for (int i = 0; i < created; i++)
        json_decref(it_get_json(&d, 200, "/v1/sessions/c%d", i));
    r = it_get(&d, "/v1/sessions/%s", refused_name);
    cr_expect_eq(r.status, 404, "the refused create stays absent: %ld", r.status);
    it_resp_free(&r);
    /* and the store takes writes again */
    it_create(&d, "after", "control", 3);
    json_decref(keep_result);
    d.keep_dir = 0;
    cr_expect_eq(it_stop(&d), 0);
}

/* Three finished runs, stored without a quota: a store larger than SMALL_QUOTA. Returns their
 * results; the daemon is stopped and its dir kept. */
static json_t *grow_store(glia_daemon_t *d)
{
    static const char *const names[3] = {"g1", "g2", "g3"};
    json_t *results = json_object();
    char db[400];

    it_start(d, NULL);
    d->keep_dir = 1;
    for (int i = 0; i < 3; i++) {
        it_create(d, names[i], "maturity", (unsigned)i + 10);
        it_run(d, names[i], 300);
    }
    for (int i = 0; i < 3; i++) {
        json_decref(it_wait_state(d, names[i], "completed", 60));
        json_object_set_new(results, names[i], it_result(d, names[i]));
    }
    cr_assert_eq(it_stop(d), 0);
    snprintf(db, sizeof(db), "%s/glia.db", d->data_dir);
    cr_assert(file_size(db) > 65536, "the store (%ld bytes) must exceed the quota", file_size(db));
    return results;
}

/* Restarting with a quota below the existing database is refused like a full disk at
 * startup: exit non-zero, "disk full" in the message, glia.db (and its WAL) byte for byte
 * as they were; a quota that holds the store starts, and without one nothing is lost. */
Test(store_full, restart_with_a_quota_below_the_store_exits_and_changes_nothing)
{
    glia_daemon_t d;
    json_t *results = grow_store(&d), *s;
    char db[400], wal[400], *before, *after, *log;
    long wal0;
    size_t len0 = 0, len1 = 0;
    int rc;
    const char *name;
    json_t *want;

    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);
    snprintf(wal, sizeof(wal), "%s/glia.db-wal", d.data_dir);
    before = it_read_file(db, &len0);
    cr_assert_not_null(before);
    wal0 = file_size(wal);
    unlink(d.log_path);
    rc = it_start_expect_exit(&d, NULL, (const char *[]){"--max-db-bytes", SMALL_QUOTA, NULL}, 10);
    cr_expect(rc > 0, "gliad must exit non-zero, got %d", rc);
    log = it_read_file(d.log_path, NULL);
    cr_expect(log && strstr(log, "disk full"), "the message says \"disk full\":\n%s",
              log ? log : "(no log)");
    free(log);
    after = it_read_file(db, &len1);
    cr_expect(after && len0 == len1 && memcmp(before, after, len0) == 0,
              "glia.db was changed (%zu -> %zu bytes)", len0, len1);
    cr_expect_eq(file_size(wal), wal0, "the WAL was changed");
    free(before);
    free(after);

    /* a quota that holds the store starts */
    it_restart(&d, (const char *[]){"--max-db-bytes", "16777216", NULL});
    json_object_foreach(results, name, want)
    {
        s = it_result(&d, name);
        it_expect_same_run(s, want, name);
        json_decref(s);
    }
    cr_expect_eq(it_stop(&d), 0);

    it_restart(&d, NULL);
    json_object_foreach(results, name, want)
    {
        s = it_result(&d, name);
        it_expect_same_run(s, want, name);
        json_decref(s);
    }
    json_decref(results);
    d.keep_dir = 0;
    cr_expect_eq(it_stop(&d), 0);
}
