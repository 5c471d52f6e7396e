/* 16_bad_data_dir: gliad refuses data dirs it cannot or must not use, exits non-zero
 * with a message that says why, and leaves what it found byte for byte as it was:
 * unwritable dirs, a regular file in the way, random bytes as glia.db, a glia database
 * from a newer gliad, another application's SQLite database. An older glia schema is
 * migrated, keeping its sessions. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/extra.h"
#include "support/harness.h"

/* GLIA_APPLICATION_ID in server/store/store_sqlite.c: "glia" = 0x676c6961. */
#define GLIA_APP_ID 1735158113

/* A daemon record with its temp dir made and nothing started. */
static void prepare(glia_daemon_t *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->dir, sizeof(d->dir), "/tmp/glia-it-XXXXXX");
    cr_assert_not_null(mkdtemp(d->dir));
    snprintf(d->data_dir, sizeof(d->data_dir), "%s/data", d->dir);
    snprintf(d->log_path, sizeof(d->log_path), "%s/gliad.log", d->dir);
}

static void have_sqlite3_cli(void)
{
    if (system("command -v sqlite3 >/dev/null 2>&1") != 0)
        cr_skip_test("the sqlite3 command-line tool is not installed (dev.sh installs it)");
}

static void sqlite3_exec(const char *db, const char *sql)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\" >/dev/null", db, sql);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static char *sqlite3_query(const char *db, const char *sql)
{
    char cmd[1024], *out = malloc(256);
    FILE *p;
    size_t n;
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", db, sql);
    p = popen(cmd, "r");
    cr_assert(p && out);
    n = fread(out, 1, 255, p);
    out[n] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
    return out;
}

/* The names in a dir, sorted and joined with spaces. */
static char *listing(const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    char *out = calloc(1, 4096);
    cr_assert_not_null(out);
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") != 0 && strcmp(ents[i]->d_name, "..") != 0) {
            strncat(out, ents[i]->d_name, 4095 - strlen(out) - 1);
            strncat(out, " ", 4095 - strlen(out));
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
    return out;
}

/* Start gliad on `data_dir`; expect a non-zero exit, a message holding each of
 * `needles` (NULL-terminated) in the log, and `file` (if any) unchanged. */
static void expect_refused(glia_daemon_t *d, const char *data_dir, const char *file,
                           const char *const *needles, const char *what)
{
    size_t len0 = 0, len1 = 0;
    char *before = file ? it_read_file(file, &len0) : NULL;
    char *dir_before = listing(data_dir), *dir_after, *log;
    int rc;

    if (file)
        cr_assert_not_null(before, "%s: cannot read %s", what, file);
    unlink(d->log_path);
    rc = it_start_expect_exit(d, data_dir, NULL, 10);
    cr_expect(rc > 0, "%s: gliad must exit non-zero, got %d", what, rc);
    log = it_read_file(d->log_path, NULL);
    for (int i = 0; needles && needles[i]; i++)
        cr_expect(log && strstr(log, needles[i]), "%s: the message should say \"%s\":\n%s", what,
                  needles[i], log ? log : "(no log)");
    if (file) {
        char *after = it_read_file(file, &len1);
        cr_expect(after && len0 == len1 && memcmp(before, after, len0) == 0,
                  "%s: %s was changed (%zu -> %zu bytes)", what, file, len0, len1);
        free(after);
    }
    dir_after = listing(data_dir);
    cr_expect_str_eq(dir_after, dir_before, "%s: files were added to or removed from %s", what,
                     data_dir);
    free(dir_after);
    free(dir_before);
    free(log);
    free(before);
}

/* gliad serve as user `nobody` (root only): returns its exit code, -1 if it kept running. */
static int start_as_nobody(const glia_daemon_t *d, const char *data_dir)
{
    int fd = open(d->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), status;
    pid_t pid;
    double t0 = it_now();

    cr_assert(fd >= 0);
    pid = fork();
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(126);
        unsetenv("GLIA_DATA_DIR");
        execl(GLIAD_PATH, GLIAD_PATH, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
              (char *)NULL);
        _exit(127);
    }
    close(fd);
    cr_assert(pid > 0, "fork");
    while (it_now() - t0 < 10) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        it_sleep(0.01);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

Test(bad_data_dir, unwritable_dir_is_refused)
{
    glia_daemon_t d;
    char *dir_before, *dir_after;

    prepare(&d);
    cr_assert_eq(chmod(d.dir, 0755), 0); /* others may look in, not write */
    cr_assert_eq(mkdir(d.data_dir, 0700), 0);
    cr_assert_eq(chmod(d.data_dir, 0555), 0);
    if (access(d.data_dir, W_OK) != 0) {
        expect_refused(&d, d.data_dir, NULL, (const char *[]){"not writable", NULL},
                       "a 0555 data dir");
    } else if (geteuid() == 0) {
        /* root writes through 0555 (as in CI containers): try as nobody instead. */
        int rc, ran;
        char *log;
        dir_before = listing(d.data_dir);
        rc = start_as_nobody(&d, d.data_dir);
        log = it_read_file(d.log_path, NULL);
        ran = rc != 126 && rc != 127;
        if (!ran) {
            cr_log_warn("cannot run gliad as nobody (exit %d): the unwritable-dir assertion is "
                        "skipped",
                        rc);
        } else {
            cr_expect(rc > 0, "a 0555 data dir (as nobody): exit %d", rc);
            cr_expect(log && strstr(log, "not writable"), "the message says why: %s", log);
            cr_expect(log && strstr(log, d.data_dir), "the message names the dir: %s", log);
        }
        dir_after = listing(d.data_dir);
        cr_expect_str_eq(dir_after, dir_before, "nothing was created");
        free(dir_after);
        free(dir_before);
        free(log);
    } else {
        cr_log_warn("this user can write to a 0555 dir: the unwritable-dir assertion is skipped");
    }
    chmod(d.data_dir, 0700);
    it_cleanup(&d);
}

Test(bad_data_dir, a_regular_file_in_the_way_is_refused_and_kept)
{
    glia_daemon_t d;
    char file[400], under[420];
    static const char notes[] = "my notes, not a directory\n";

    prepare(&d);
    snprintf(file, sizeof(file), "%s/data", d.dir);
    cr_assert_eq(it_write_file(file, notes, sizeof(notes) - 1), 0);
    expect_refused(&d, file, file, (const char *[]){"not a directory", file, NULL},
                   "data dir that is a regular file");

    /* a path through a regular file cannot be created */
    snprintf(under, sizeof(under), "%s/sub", file);
    {
        int rc = it_start_expect_exit(&d, under, NULL, 10);
        char *log = it_read_file(d.log_path, NULL);
        cr_expect(rc > 0, "data dir under a regular file: exit %d", rc);
        cr_expect(log && strstr(log, under), "the message names the dir: %s", log);
        free(log);
    }
    {
        size_t n;
        char *now = it_read_file(file, &n);
        cr_expect(now && n == sizeof(notes) - 1 && memcmp(now, notes, n) == 0, "file unchanged");
        free(now);
    }
    it_cleanup(&d);
}

Test(bad_data_dir, glia_db_that_is_a_directory_is_refused)
{
    glia_daemon_t d;
    char db[400];

    prepare(&d);
    cr_assert_eq(mkdir(d.data_dir, 0700), 0);
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);
    cr_assert_eq(mkdir(db, 0700), 0);
    expect_refused(&d, d.data_dir, NULL, (const char *[]){"glia.db", NULL},
                   "glia.db that is a directory");
    it_cleanup(&d);
}

Test(bad_data_dir, random_bytes_as_glia_db_are_refused_and_kept)
{
    glia_daemon_t d;
    char db[400];
    static const size_t sizes[] = {50, 4096, 65536};

    prepare(&d);
    cr_assert_eq(mkdir(d.data_dir, 0700), 0);
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        char *bytes = malloc(sizes[k]), what[64];
        unsigned x = 2463534242u + (unsigned)k;
        cr_assert_not_null(bytes);
        for (size_t i = 0; i < sizes[k]; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes[i] = (char)x;
        }
        cr_assert_eq(it_write_file(db, bytes, sizes[k]), 0);
        snprintf(what, sizeof(what), "%zu random bytes as glia.db", sizes[k]);
        expect_refused(&d, d.data_dir, db, (const char *[]){"not a glia database", db, NULL}, what);
        free(bytes);
    }
    it_cleanup(&d);
}

Test(bad_data_dir, a_database_from_a_newer_gliad_is_refused_and_kept)
{
    glia_daemon_t d;
    char db[400], sql[256];

    have_sqlite3_cli();
    prepare(&d);
    cr_assert_eq(mkdir(d.data_dir, 0700), 0);
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);
    snprintf(sql, sizeof(sql),
             "PRAGMA application_id=%d; PRAGMA user_version=99; CREATE TABLE future(x); "
             "INSERT INTO future VALUES(1);",
             GLIA_APP_ID);
    sqlite3_exec(db, sql);
    expect_refused(&d, d.data_dir, db, (const char *[]){"schema version 99", "newer", NULL},
                   "a glia database with schema 99");
    it_cleanup(&d);
}

Test(bad_data_dir, another_applications_database_is_refused_and_kept)
{
    glia_daemon_t d;
    char db[400];

    have_sqlite3_cli();
    prepare(&d);
    cr_assert_eq(mkdir(d.data_dir, 0700), 0);
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);

    sqlite3_exec(db, "CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES('mine');");
    expect_refused(&d, d.data_dir, db, (const char *[]){"not a glia database", NULL},
                   "another application's database");
    cr_expect_eq(unlink(db), 0);

    /* the same in WAL mode */
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE notes(t TEXT); "
                     "INSERT INTO notes VALUES('mine');");
    expect_refused(&d, d.data_dir, db, (const char *[]){"not a glia database", NULL},
                   "another application's WAL database");
    cr_expect_eq(unlink(db), 0);

    /* another application id (0x676e6961, one letter off glia's), with a user_version */
    sqlite3_exec(db, "PRAGMA application_id=1735289185; PRAGMA user_version=99; "
                     "CREATE TABLE t(x);");
    expect_refused(&d, d.data_dir, db, (const char *[]){"not a glia database", NULL},
                   "a database with another application id");
    it_cleanup(&d);
}

Test(bad_data_dir, an_older_glia_schema_is_migrated_and_keeps_its_sessions)
{
    glia_daemon_t d;
    char db[400], *v;
    json_t *s;

    have_sqlite3_cli();
    it_start(&d, NULL);
    d.keep_dir = 1;
    it_create(&d, "kept", "epsilon", 5);
    it_run(&d, "kept", 30);
    json_decref(it_wait_state(&d, "kept", "completed", 30));
    cr_assert_eq(it_stop(&d), 0);

    /* Back to schema 1: what a gliad from before experiments left behind. */
    snprintf(db, sizeof(db), "%s/glia.db", d.data_dir);
    sqlite3_exec(db, "DROP TABLE experiments; DELETE FROM schema_migrations WHERE version > 1; "
                     "PRAGMA user_version=1;");
    it_restart(&d, NULL);
    s = it_get_json(&d, 200, "/v1/sessions/kept");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "completed");
    json_decref(s);
    s = it_get_json(&d, 200, "/v1/experiments");
    json_decref(s);
    cr_expect_eq(it_stop(&d), 0);
    v = sqlite3_query(db, "PRAGMA user_version;");
    cr_expect_str_eq(v, "3", "the store was migrated to schema 3");
    free(v);
    v = sqlite3_query(db, "SELECT group_concat(version) FROM schema_migrations;");
    cr_expect_str_eq(v, "1,2,3");
    free(v);
    it_cleanup(&d);
}

/* Sessions made, stopped, and then damaged in the store by hand: "ok" untouched,
 * "badckpt" with a checkpoint of junk, "badcfg" with a config that is not JSON. */
static void damaged_store(glia_daemon_t *d, char *db, size_t size)
{
    it_start(d, NULL);
    d->keep_dir = 1;
    it_create(d, "ok", "epsilon", 1);
    it_create(d, "badckpt", "epsilon", 2);
    it_create(d, "badcfg", "cursor", 3);
    it_run(d, "ok", 20);
    it_run(d, "badckpt", 20);
    json_decref(it_wait_state(d, "ok", "completed", 30));
    json_decref(it_wait_state(d, "badckpt", "completed", 30));
    cr_assert_eq(it_stop(d), 0);
    snprintf(db, size, "%s/glia.db", d->data_dir);
    sqlite3_exec(db, "UPDATE checkpoints SET data = X'0011223344' WHERE session_id = "
                     "(SELECT id FROM sessions WHERE name = 'badckpt'); "
                     "UPDATE sessions SET config = '{not json' WHERE name = 'badcfg';");
}

Test(bad_data_dir, a_damaged_session_fails_alone_and_the_daemon_serves_the_rest)
{
    glia_daemon_t d;
    char db[400];
    json_t *s, *got, *want;

    have_sqlite3_cli();
    damaged_store(&d, db, sizeof(db));
    it_restart(&d, NULL);
    s = it_get_json(&d, 200, "/v1/sessions/ok");
    cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "completed");
    json_decref(s);
    got = it_result(&d, "ok");
    want = it_batch_run("epsilon", 1, 20);
    it_expect_same_run(got, want, "the undamaged session");
    json_decref(got);
    json_decref(want);
    for (int i = 0; i < 2; i++) {
        const char *name = i == 0 ? "badckpt" : "badcfg";
        const char *error;
        s = it_get_json(&d, 200, "/v1/sessions/%s", name);
        error = json_string_value(json_object_get(s, "error"));
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "failed", "%s", name);
        cr_expect(error && strstr(error, "could not be restored"), "%s: error says why: %s", name,
                  error);
        json_decref(s);
    }
    it_create(&d, "new", "control", 4); /* and it takes new work */
    cr_expect_eq(it_stop(&d), 0);
    it_cleanup(&d);
}

/* A session that could not be restored must not learn with a stand-in config. */
Test(bad_data_dir, a_session_that_could_not_be_restored_is_not_run_with_another_config)
{
    glia_daemon_t d;
    char db[400], *ckpt_before, *ckpt_after;
    it_resp_t r;

    have_sqlite3_cli();
    damaged_store(&d, db, sizeof(db));
    ckpt_before = sqlite3_query(db, "SELECT hex(data) FROM checkpoints WHERE session_id = "
                                    "(SELECT id FROM sessions WHERE name = 'badckpt');");
    it_restart(&d, NULL);
    r = it_request(&d, "POST", "/v1/sessions/badckpt/run", "{\"episodes\":5}");
    cr_expect_eq(r.status, 409, "run on an unrestorable session: %ld %.300s", r.status, r.body);
    it_resp_free(&r);
    r = it_request(&d, "POST", "/v1/sessions/badcfg/step", "{\"steps\":3}");
    cr_expect_eq(r.status, 409, "step on an unrestorable session: %ld %.300s", r.status, r.body);
    it_resp_free(&r);
    {
        json_t *s;
        it_sleep(0.3); /* were a run accepted, it would be done by now */
        s = it_get_json(&d, 200, "/v1/sessions/badckpt");
        cr_expect_str_eq(json_string_value(json_object_get(s, "state")), "failed");
        json_decref(s);
    }
    cr_expect_eq(it_stop(&d), 0);
    ckpt_after = sqlite3_query(db, "SELECT hex(data) FROM checkpoints WHERE session_id = "
                                   "(SELECT id FROM sessions WHERE name = 'badckpt');");
    cr_expect_str_eq(ckpt_after, ckpt_before, "the damaged checkpoint is kept for inspection");
    free(ckpt_after);
    free(ckpt_before);
    it_cleanup(&d);
}
