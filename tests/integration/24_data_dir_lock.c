/* 24_data_dir_lock: one gliad per data dir. A second `gliad serve` (or a --salvage) on a
 * dir a live gliad holds exits at once, non-zero, with a message naming the holder's PID
 * and the lock file, and the store's files are byte for byte (and mtime) as they were;
 * two paths to one dir (a symlink, a "dir/." path) meet at the same lock; kill -9 of the
 * holder releases it, and the next start recovers and resumes its sessions. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/extra.h"
#include "support/harness.h"

/* The store's files: bytes and mtime of each (absent: NULL). */
typedef struct store_files {
    char *bytes[2];
    size_t len[2];
    struct timespec mtime[2];
} store_files_t;

static const char *const store_names[2] = {"glia.db", "glia.db-wal"};

static void read_store(const char *data_dir, store_files_t *f)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < 2; i++) {
        char path[400];
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", data_dir, store_names[i]);
        f->bytes[i] = it_read_file(path, &f->len[i]);
        if (stat(path, &sb) == 0)
            f->mtime[i] = sb.st_mtim;
    }
}

static int same_store(const store_files_t *a, const store_files_t *b)
{
    for (int i = 0; i < 2; i++) {
        if ((a->bytes[i] == NULL) != (b->bytes[i] == NULL) || a->len[i] != b->len[i] ||
            (a->bytes[i] && memcmp(a->bytes[i], b->bytes[i], a->len[i]) != 0) ||
            a->mtime[i].tv_sec != b->mtime[i].tv_sec || a->mtime[i].tv_nsec != b->mtime[i].tv_nsec)
            return 0;
    }
    return 1;
}

static void free_store(store_files_t *f)
{
    for (int i = 0; i < 2; i++)
        free(f->bytes[i]);
}

/* The holder with one finished session, and its store once it stopped writing. */
static void start_idle_holder(glia_daemon_t *a, store_files_t *before)
{
    store_files_t later;
    double t0;

    it_start(a, NULL);
    it_create(a, "kept", "cursor", 7);
    it_run(a, "kept", 40);
    json_decref(it_wait_state(a, "kept", "completed", 30));
    t0 = it_now();
    read_store(a->data_dir, before);
    for (;;) { /* the last commit and checkpoint land: two looks 0.2 s apart agree */
        it_sleep(0.2);
        read_store(a->data_dir, &later);
        if (same_store(before, &later) || it_now() - t0 > 10) {
            free_store(&later);
            break;
        }
        free_store(before);
        *before = later;
    }
}

/* A second gliad on `data_dir` (its own temp dir for the log): refused, naming the holder. */
static void expect_refused_by(glia_daemon_t *holder, const char *data_dir, const char *const *extra,
                              const char *what)
{
    glia_daemon_t b;
    char want_pid[32], want_lock[400], *log;
    int rc;

    memset(&b, 0, sizeof(b));
    rc = it_start_expect_exit(&b, data_dir, extra, 10);
    log = it_read_file(b.log_path, NULL);
    cr_expect(rc > 0,
              "%s: the second gliad must exit non-zero at once, got %d (-1: it kept "
              "running)\n%s",
              what, rc, log ? log : "");
    snprintf(want_pid, sizeof(want_pid), "pid %d ", (int)holder->pid);
    snprintf(want_lock, sizeof(want_lock), "%s/glia.lock", data_dir);
    cr_expect(log && strstr(log, "in use"), "%s: says the data dir is in use:\n%s", what,
              log ? log : "");
    cr_expect(log && strstr(log, want_pid), "%s: names the holder's %s:\n%s", what, want_pid,
              log ? log : "");
    cr_expect(log && strstr(log, want_lock), "%s: names the lock file %s:\n%s", what, want_lock,
              log ? log : "");
    cr_expect(log && !strstr(log, "recovered"), "%s: recovered nothing:\n%s", what, log ? log : "");
    free(log);
    it_cleanup(&b);
}

static void expect_store_unchanged(glia_daemon_t *a, const store_files_t *before, const char *what)
{
    store_files_t after;

    read_store(a->data_dir, &after);
    for (int i = 0; i < 2; i++)
        cr_expect(before->len[i] == after.len[i] &&
                      (before->bytes[i] == NULL) == (after.bytes[i] == NULL) &&
                      (before->bytes[i] == NULL ||
                       memcmp(before->bytes[i], after.bytes[i], after.len[i]) == 0),
                  "%s: %s changed (%zu -> %zu bytes)", what, store_names[i], before->len[i],
                  after.len[i]);
    cr_expect(same_store(before, &after), "%s: the store's files were written (mtime)", what);
    free_store(&after);
}

/* The holder goes on as if nothing happened. */
static void expect_holder_serving(glia_daemon_t *a, const char *what)
{
    json_t *s = it_get_json(a, 200, "/v1/sessions/kept");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "completed", "%s", what);
    json_decref(s);
    it_expect_healthy(a, what);
}

Test(data_dir_lock, a_second_daemon_is_refused_and_the_store_is_untouched)
{
    glia_daemon_t a;
    store_files_t before;

    start_idle_holder(&a, &before);
    expect_refused_by(&a, a.data_dir, NULL, "a second gliad serve");
    expect_store_unchanged(&a, &before, "a second gliad serve");
    expect_holder_serving(&a, "after a second gliad serve was refused");
    free_store(&before);
    cr_expect_eq(it_stop(&a), 0);
}

Test(data_dir_lock, salvage_on_a_live_dir_is_refused_and_the_store_is_untouched)
{
    glia_daemon_t a;
    store_files_t before;
    char backup[400];

    start_idle_holder(&a, &before);
    expect_refused_by(&a, a.data_dir, (const char *[]){"--salvage", NULL}, "--salvage");
    expect_store_unchanged(&a, &before, "--salvage on a live dir");
    snprintf(backup, sizeof(backup), "%s/glia.db.damaged", a.data_dir);
    cr_expect_neq(access(backup, F_OK), 0, "--salvage made no backup");
    expect_holder_serving(&a, "after --salvage was refused");
    free_store(&before);
    cr_expect_eq(it_stop(&a), 0);
}

Test(data_dir_lock, two_paths_to_one_dir_meet_at_the_same_lock)
{
    glia_daemon_t a;
    store_files_t before;
    char link[400], dot[400];

    start_idle_holder(&a, &before);
    snprintf(link, sizeof(link), "%s/link-to-data", a.dir);
    cr_assert_eq(symlink(a.data_dir, link), 0, "symlink");
    expect_refused_by(&a, link, NULL, "the same dir through a symlink");
    snprintf(dot, sizeof(dot), "%s/.", a.data_dir);
    expect_refused_by(&a, dot, NULL, "the same dir as dir/.");
    expect_store_unchanged(&a, &before, "the same dir by another path");
    expect_holder_serving(&a, "after the other paths were refused");
    free_store(&before);
    cr_expect_eq(it_stop(&a), 0);
}

Test(data_dir_lock, the_lock_file_holds_the_holders_pid)
{
    glia_daemon_t a;
    char path[400], want[32], *text;

    it_start(&a, NULL);
    a.keep_dir = 1;
    snprintf(path, sizeof(path), "%s/glia.lock", a.data_dir);
    snprintf(want, sizeof(want), "%d\n", (int)a.pid);
    text = it_read_file(path, NULL);
    cr_expect(text && strcmp(text, want) == 0, "glia.lock holds \"%s\", want the pid %d",
              text ? text : "(no file)", (int)a.pid);
    free(text);
    cr_expect_eq(it_stop(&a), 0);

    /* a clean stop leaves the file; the next daemon takes it and writes its own pid */
    it_restart(&a, NULL);
    snprintf(want, sizeof(want), "%d\n", (int)a.pid);
    text = it_read_file(path, NULL);
    cr_expect(text && strcmp(text, want) == 0, "after a restart glia.lock holds \"%s\", want %d",
              text ? text : "(no file)", (int)a.pid);
    free(text);
    a.keep_dir = 0;
    cr_expect_eq(it_stop(&a), 0);
}

Test(data_dir_lock, kill_9_of_the_holder_releases_it_and_the_next_start_recovers)
{
    glia_daemon_t a;
    json_t *s;
    json_int_t at_kill;

    it_start(&a, NULL);
    a.keep_dir = 1;
    it_create(&a, "long", "cursor", 3);
    it_run(&a, "long", 10000000);
    s = it_wait_episode(&a, "long", 50, 30);
    json_decref(s);
    it_kill(&a);

    it_restart(&a, NULL); /* fails the test unless it comes up */
    cr_expect(it_log_contains(&a, "recovered 1 sessions"), "the next start recovers the session");
    s = it_get_json(&a, 200, "/v1/sessions/long");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "running",
                     "the run resumes after kill -9");
    at_kill = json_integer_value(json_object_get(json_object_get(s, "progress"), "episode"));
    json_decref(s);
    json_decref(it_wait_episode(&a, "long", (unsigned)at_kill + 10, 30));
    a.keep_dir = 0;
    cr_expect_eq(it_stop(&a), 0);
}
